"""python -m exercises {release,grade,report,gradescope} ... (from any directory)."""

import argparse
import logging
import os
import sys

# jsonschema imports the optional rfc3987_syntax when it is installed, which compiles a grammar
# on import (about 2 s here) for "iri" string formats that notebook validation never uses.
# The grader starts one process per notebook, so skip it in this command-line process only.
sys.modules.setdefault("rfc3987_syntax", None)

from . import grade, gradescope, release, report, sandbox  # noqa: E402


def _parser():
    parser = argparse.ArgumentParser(prog="python -m exercises", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="write the student copies in exercises/release/ from exercises/source/")
    rel.add_argument("--check", action="store_true", help="write nothing; exit 1 when release/ is stale")
    gr = sub.add_parser("grade", help="grade a notebook, or every notebook under a directory",
                        description="Exit code: 0 full marks everywhere, 1 some tests failed, "
                                    "2 some notebook could not be graded.")
    gr.add_argument("target", nargs="+", help="a notebook (.ipynb), or several, or directories of notebooks")
    gr.add_argument("--json", action="store_true", help="print the report as JSON (same as --format json)")
    gr.add_argument("--format", choices=("text", "json", "gradescope"), default="text",
                    help="gradescope: Gradescope's results.json (one notebook only)")
    gr.add_argument("--timeout", type=float, default=grade.DEFAULT_TIMEOUT, help="seconds allowed per cell")
    gr.add_argument("--notebook-timeout", type=float, default=grade.DEFAULT_NOTEBOOK_TIMEOUT, metavar="S",
                    help="seconds allowed for a whole notebook, kernel restarts included")
    gr.add_argument("--memory", default=None, metavar="SIZE",
                    help="memory (address space) one notebook's kernel may use, e.g. 2G (the default) or 512M")
    gr.add_argument("--no-sandbox", action="store_true",
                    help="run the notebooks' code outside the sandbox, with your rights: only for notebooks you "
                         "trust (warns every time)")
    gr.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    gr.add_argument("--no-follow", action="store_true", help=argparse.SUPPRESS)  # a class's child: read no link
    gr.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (directories only)")
    gr.add_argument("--out", metavar="RESULTS", default=None,
                    help="write each notebook's result into this directory as it finishes (a JSON file per "
                         "notebook and results.csv)")
    gr.add_argument("--resume", action="store_true",
                    help="with --out: skip the notebooks whose results are already there")
    gr.add_argument("--exclude-dir", action="append", default=[], metavar="NAME",
                    help="skip subdirectories with this name (directories only; may repeat)")
    rp = sub.add_parser("report", help="what a class got wrong, from the results `grade DIR --out RESULTS` wrote",
                        description="Prints per test the pass rate and the most frequent mistakes, per assignment "
                                    "the scores, and the notebooks that lost points to a timeout or a crash; writes "
                                    "RESULTS/report.csv and RESULTS/report.html (one self-contained page).")
    rp.add_argument("results", metavar="RESULTS", help="the directory `grade DIR --out RESULTS` wrote")
    gs = sub.add_parser("gradescope", help="write a Gradescope autograder bundle for an assignment",
                        description="Writes setup.sh, run_autograder and the course's code into DIR, and "
                                    "DIR/autograder.zip to upload. With --run ROOT, grade ROOT/submission into "
                                    "ROOT/results/results.json instead (what run_autograder does).")
    gs.add_argument("assignment", help="an assignment, e.g. 03_backprop")
    where = gs.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="DIR", help="the directory to write the bundle into")
    where.add_argument("--run", metavar="ROOT", help="grade a submission laid out as Gradescope's /autograder")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    # nbclient leaves a polling task behind when a cell times out; asyncio would print its traceback
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if args.command == "release":
        return release.release(check=args.check)
    if args.command == "report":
        return report.main(args.results)
    if args.command == "gradescope":
        if args.run:
            return gradescope.run(args.assignment, args.run)
        return gradescope.bundle(args.assignment, args.out)
    fmt = "json" if args.json else args.format
    if args.resume and not args.out:
        print("grade: --resume needs --out RESULTS (the directory an earlier run wrote)", file=sys.stderr)
        return 2
    try:
        memory = sandbox.parse_size(args.memory) if args.memory is not None else sandbox.Limits().memory
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    limits = sandbox.Limits(memory=memory, cpu_seconds=int(args.notebook_timeout) + 30)
    return grade.main(args.target, fmt=fmt, timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                      limits=limits, sandboxed=not args.no_sandbox, quiet=args.quiet, jobs=args.jobs,
                      exclude=args.exclude_dir, results_dir=args.out, resume=args.resume,
                      **({"follow_symlinks": False} if args.no_follow else {}))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the output was piped into a reader that stopped early (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(1)
