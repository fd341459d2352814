"""python -m exercises {release,grade} ... (run from the repository root)."""

import argparse
import logging
import sys

# jsonschema imports the optional rfc3987_syntax when it is installed, which compiles a grammar
# on import (about 2 s here) for "iri" string formats that notebook validation never uses.
# The grader starts one process per notebook, so skip it in this command-line process only.
sys.modules.setdefault("rfc3987_syntax", None)

from . import grade, release  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m exercises", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="write the student copies in exercises/release/ from exercises/source/")
    rel.add_argument("--check", action="store_true", help="write nothing; exit 1 when release/ is stale")
    gr = sub.add_parser("grade", help="grade a notebook, or every notebook under a directory",
                        description="Exit code: 0 full marks everywhere, 1 some tests failed, "
                                    "2 some notebook could not be graded.")
    gr.add_argument("target", nargs="+", help="a notebook (.ipynb), or several, or directories of notebooks")
    gr.add_argument("--json", action="store_true", help="print the report as JSON")
    gr.add_argument("--timeout", type=float, default=grade.DEFAULT_TIMEOUT, help="seconds allowed per cell")
    gr.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (directories only)")
    gr.add_argument("--exclude-dir", action="append", default=[], metavar="NAME",
                    help="skip subdirectories with this name (directories only; may repeat)")
    args = parser.parse_args(argv)
    # nbclient leaves a polling task behind when a cell times out; asyncio would print its traceback
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if args.command == "release":
        return release.release(check=args.check)
    return grade.main(args.target, as_json=args.json, timeout=args.timeout, jobs=args.jobs, exclude=args.exclude_dir)


if __name__ == "__main__":
    sys.exit(main())
