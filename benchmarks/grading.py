"""What the grader's sandbox costs, and how fast a class is graded.

    python benchmarks/grading.py            # both parts (about two minutes)
    python benchmarks/grading.py --rounds 9 --class-size 40

1. Overhead per notebook: the same notebook (assignment 1's source, full marks) graded by
   exercises.grade.grade_notebook in bubblewrap and without it (--no-sandbox: the same withheld
   nnlib, the same kernel driver, the kernel a plain process), alternately, `rounds` times each;
   the overhead is the median of the per-round differences (each round's two gradings run back to
   back, so the machine's load weighs on both alike). The kernel's start alone is timed the same
   way, since that is where the sandbox does its work (building the mounts, the filter).
2. A class: `python -m exercises grade DIR --jobs 2 --out RESULTS` on class_size notebooks (the
   source notebooks of every assignment, copied in turn), in the sandbox; notebooks per minute.

Results are printed and written to benchmarks/grading.json (not committed).
"""

import argparse
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from exercises import SOURCE_DIR, grade, kernel, sandbox  # noqa: E402


def _kernel_start(course, sandboxed):
    start = time.perf_counter()
    k = kernel.Kernel(course, sandbox.Limits(), sandboxed=sandboxed)
    try:
        k.start()
        return time.perf_counter() - start
    finally:
        k.close()


def _grading(notebook, sandboxed):
    start = time.perf_counter()
    results = grade.grade_notebook(notebook, sandboxed=sandboxed)
    seconds = time.perf_counter() - start
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    return seconds


def overhead(rounds):
    (notebook,) = sorted((SOURCE_DIR / "01_forward_and_losses").glob("*.ipynb"))
    out = {"kernel start": {True: [], False: []}, "whole notebook": {True: [], False: []}}
    with tempfile.TemporaryDirectory() as where:
        course = grade.course_dir("01_forward_and_losses", where)
        for k in range(rounds):
            order = (True, False) if k % 2 == 0 else (False, True)  # neither always goes first
            for sandboxed in order:
                out["kernel start"][sandboxed].append(_kernel_start(course, sandboxed))
            for sandboxed in order:
                out["whole notebook"][sandboxed].append(_grading(notebook, sandboxed))
    summary = {}
    for what, times in out.items():
        diffs = [a - b for a, b in zip(times[True], times[False])]
        summary[what] = {"sandboxed median s": statistics.median(times[True]),
                         "plain median s": statistics.median(times[False]),
                         "overhead median s": statistics.median(diffs),
                         "overhead quartiles s": statistics.quantiles(diffs, n=4)[::2] if len(diffs) > 1 else diffs}
    return summary


def class_throughput(size, jobs):
    sources = sorted(SOURCE_DIR.glob("*/*.ipynb"))
    with tempfile.TemporaryDirectory() as where:
        class_dir = pathlib.Path(where) / "class"
        class_dir.mkdir()
        for k in range(size):
            src = sources[k % len(sources)]
            shutil.copy(src, class_dir / f"student{k:03d}-{src.name}")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "exercises", "grade", str(class_dir), "--jobs", str(jobs),
                               "--out", str(pathlib.Path(where) / "results"), "--json"],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
    found = json.loads(proc.stdout)
    full = sum(1 for r in found.values() if r["score"] == r["max_score"])
    return {"notebooks": size, "jobs": jobs, "seconds": seconds, "notebooks per minute": 60 * size / seconds,
            "full marks": full}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--class-size", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if sandbox.unavailable_reason():
        print(f"no sandbox here: {sandbox.unavailable_reason()}")
        return 2
    results = {"overhead": overhead(args.rounds), "class": class_throughput(args.class_size, args.jobs)}
    for what, row in results["overhead"].items():
        q = ", ".join(f"{v:.3f}" for v in row["overhead quartiles s"])
        print(f"{what:>15}: sandboxed {row['sandboxed median s']:.3f} s, plain {row['plain median s']:.3f} s, "
              f"overhead {row['overhead median s']:.3f} s (quartiles {q}) over {args.rounds} rounds")
    c = results["class"]
    print(f"a class of {c['notebooks']} notebooks at --jobs {c['jobs']}: {c['seconds']:.0f} s, "
          f"{c['notebooks per minute']:.1f} notebooks per minute, {c['full marks']} with full marks")
    (ROOT / "benchmarks" / "grading.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    ok = results["overhead"]["whole notebook"]["overhead median s"] <= 0.5 and c["full marks"] == c["notebooks"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
