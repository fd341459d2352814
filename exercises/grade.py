"""Grade learners' notebooks. Each notebook passes once through four stages:

1. exercises.submission: read it, recognise the assignment, assemble the cells to run from the
   assignment's student copy, and plan each test (its check, its cases, the static scan);
2. exercises.kernel: run the cells in a fresh kernel inside the sandbox (exercises.sandbox), with
   the assignment's answers withheld from nnlib (exercises.withhold), and at each test cell call the
   learner's functions on the cases; only the raw results come back;
3. exercises.judging: judge those values here, against the checks' own references;
4. exercises.results: the results, printed as text, JSON or Gradescope's results.json, and for a
   class one JSON file per notebook plus a CSV, written as each notebook finishes.

A class is graded one process per notebook (``--jobs`` at a time), each with its own sandbox and a
wall-clock limit, so a notebook that hangs, floods or kills its kernel costs only its own result.
"""

import concurrent.futures
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from . import KERNEL_SAFE, judging, kernel, results, sandbox, submission, withhold
from .results import TestResult

DEFAULT_TIMEOUT = 30  # seconds per cell; the course's cells take well under one
DEFAULT_NOTEBOOK_TIMEOUT = 600  # seconds for a whole notebook, restarts included


def course_dir(assignment, where):
    """Write the kernel's nnlib for an assignment (its answers withheld) into where; returns the path."""
    from . import checks

    built = withhold.build(pathlib.Path(where) / assignment, assignment, checks.kernel_nnlib(assignment), KERNEL_SAFE)
    for path in [pathlib.Path(where), *pathlib.Path(where).rglob("*")]:  # readable by an unprivileged kernel
        path.chmod(0o755 if path.is_dir() else 0o644)
    return built


def grade_notebook(path, *, timeout=DEFAULT_TIMEOUT, notebook_timeout=DEFAULT_NOTEBOOK_TIMEOUT,
                   limits=None, sandboxed=True, run_as=None, follow_symlinks=True):
    """Grade one notebook file: the list of TestResult. Raises GradingError when it cannot be read.

    run_as: an unprivileged user the kernel runs as (for a grader running as root, on Gradescope);
    follow_symlinks=False: a path that is a symbolic link is not read (a notebook of a class)."""
    sub = submission.load(path, follow_symlinks=follow_symlinks)
    limits = limits or sandbox.Limits(cpu_seconds=int(notebook_timeout) + 30)
    deadline = time.monotonic() + notebook_timeout
    with tempfile.TemporaryDirectory(prefix="grade-course-") as where:
        course = course_dir(sub.assignment, where)
        try:
            with kernel.Runner(course, limits, timeout=timeout, sandboxed=sandboxed, run_as=run_as,
                               deadline=deadline) as runner:
                observations = kernel.observe(sub, runner)
        except kernel.KernelLost as exc:
            return [TestResult(t.gid, 0, t.points, False, f"not graded: {exc}", kind=results.lost_kind(str(exc)))
                    for t in sub.tests]
    return judging.judge(observations)


def grade_one(target, **options):
    """(tests, graded) for one notebook file: the report's entries, and whether it could be graded."""
    try:
        return grade_notebook(target, **options), True
    except submission.GradingError as exc:
        return results.unreadable(str(exc), exc.max_score), False


# ------------------------------------------------------------------ many notebooks

def _child_command(path, options):
    cmd = [sys.executable, "-m", "exercises", "grade", str(path), "--json", "--timeout", str(options["timeout"]),
           "--notebook-timeout", str(options["notebook_timeout"])]
    if options.get("limits") is not None:
        cmd += ["--memory", str(options["limits"].memory)]
    if not options.get("sandboxed", True):
        cmd += ["--no-sandbox", "--quiet"]
    return cmd + ["--no-follow"]  # a notebook of a class that is a link is not read, even if it became one


def grade_in_subprocess(path, **options):
    """Grade one notebook in its own process (and sandbox): whatever it does, the caller survives.

    Returns (report dict, graded: bool)."""
    limit = options["notebook_timeout"] + 60
    proc = subprocess.Popen(_child_command(path, options), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)  # the grader and, through --die-with-parent, its sandbox
        proc.communicate()
        return results.as_json(results.unreadable(f"grading took longer than {limit:g} s and was stopped")), False
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        tail = (err or out).strip().splitlines()[-3:]
        return results.as_json(results.unreadable("the grader failed on this notebook: "
                                                  + results.safe_text(" | ".join(tail)))), False
    return result, proc.returncode in (0, 1)


def notebooks_under(path, exclude=()):
    """The notebooks in a directory and its subdirectories (none under a directory named in exclude).

    No symbolic link inside the directory is followed: a link named *.ipynb, and a link to a
    directory or to nothing, are listed as they are (grade_many reports them as not graded, saying why), so a
    student's link to the instructor's solution, to another student's notebook or to a file of the
    machine is neither graded nor read. The directory given itself may be a link (the instructor
    typed it)."""
    path = pathlib.Path(path)
    if not path.is_dir():
        return [path]
    found, skip = [], {".ipynb_checkpoints", *exclude}
    for base, dirs, files in os.walk(path, followlinks=False):
        base = pathlib.Path(base)
        for name in list(dirs):
            if (base / name).is_symlink():
                dirs.remove(name)  # os.walk lists a link to a directory among the directories
                if name not in skip:
                    found.append(base / name)
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:  # a link that os.walk cannot tell is a directory (a broken one) is among the files
            link = (base / name).is_symlink()
            if name.endswith(".ipynb") or (link and not (base / name).is_file()):
                found.append(base / name)
    return sorted(found)


def _link(path, **_options):
    """The report for a path of a class that is a symbolic link: not graded, and not said where it points."""
    return results.as_json(results.unreadable(submission.symlink_message(path))), False


def grade_many(paths, *, jobs=2, out=None, resume=False, on_done=None, progress=False, **options):
    """Grade each notebook in its own process, ``jobs`` at a time: {path: (report, graded)}, in order.

    out: a results directory (exercises.results.ClassResults) written as each notebook finishes;
    resume: take the notebooks already there from it instead of grading them again;
    on_done(path, report, graded): called as each one finishes;
    progress: show a progress bar on stderr (the notebooks done, the time left, each score)."""
    store = results.ClassResults(out) if out is not None else None
    done = {}
    if store is not None and resume:
        done = {p: store.get(p) for p in paths if store.get(p) is not None}
    todo = [p for p in paths if p not in done]
    with _Bar(len(paths), len(done), progress) as bar, \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_link if p.is_symlink() else grade_in_subprocess, p, **options): p for p in todo}
        for future in concurrent.futures.as_completed(futures):
            path = futures[future]
            report, graded = done[path] = future.result()
            if store is not None:
                store.put(path, report, graded)
            bar.finished(path, report, graded)
            if on_done is not None:
                on_done(path, report, graded)
    return {p: done[p] for p in paths}


class _Bar:
    """A tqdm progress bar on stderr: notebooks done of all, time left, and a line per notebook with
    its score as it finishes (stdout stays for the report, so --json output stays clean)."""

    def __init__(self, total, resumed, show):
        self.bar = None
        if show:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=resumed, unit="notebook", desc="grading", file=sys.stderr,
                            dynamic_ncols=True, bar_format="{desc}: {n_fmt}/{total_fmt} notebooks |{bar}| "
                                                           "{elapsed} so far, {remaining} left{postfix}")

    def finished(self, path, report, graded):
        if self.bar is None:
            return
        score = f"{report['score']:g}/{report['max_score']:g}" if graded else "not graded"
        self.bar.write(f"{score:>10}  {results.shown(path)}", file=sys.stderr)
        self.bar.set_postfix_str(f"last {score}", refresh=False)
        self.bar.update(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------ the command line

def _exit_code(found):
    """0: everything graded, full marks; 1: graded, some tests failed; 2: some notebook not graded."""
    if not all(graded for _, graded in found.values()):
        return 2
    return 0 if all(r["score"] == r["max_score"] for r, _ in found.values()) else 1


NO_SANDBOX_WARNING = ("WARNING: --no-sandbox: the notebooks' code runs with all your rights, outside any sandbox; "
                      "grade only notebooks you trust this way.")


def main(targets, *, fmt="text", jobs=2, exclude=(), out=None, results_dir=None, resume=False, quiet=False,
         **options):
    """`python -m exercises grade TARGET...`: one notebook, or several / directories of notebooks.

    fmt: "text", "json" or (one notebook only) "gradescope"; out: where to print (sys.stdout);
    results_dir: a directory to write each notebook's result into (--out); options: timeout,
    notebook_timeout, limits, sandboxed."""
    out = out or sys.stdout
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    options.setdefault("notebook_timeout", DEFAULT_NOTEBOOK_TIMEOUT)
    if not options.setdefault("sandboxed", True):
        if not quiet:
            print(NO_SANDBOX_WARNING, file=sys.stderr)
    elif sandbox.unavailable_reason():
        print(f"grade: cannot grade safely here: {sandbox.unavailable_reason()}", file=sys.stderr)
        return 2
    targets = [pathlib.Path(t) for t in ([targets] if isinstance(targets, (str, pathlib.Path)) else targets)]
    for target in targets:
        if not target.exists():
            print(f"grade: {results.shown(target)} does not exist", file=sys.stderr)
            return 2
    if len(targets) == 1 and not targets[0].is_dir() and results_dir is None:  # a file, or a pipe: read as one
        return _main_one(targets[0], fmt, out, options)
    if fmt == "gradescope":
        print("grade: --format gradescope grades one notebook; give a file, not a directory", file=sys.stderr)
        return 2
    paths = [p for target in targets for p in notebooks_under(target, exclude)]
    if not paths:
        print(f"grade: no notebooks under {', '.join(map(results.shown, targets))}", file=sys.stderr)
        return 2
    found = grade_many(paths, jobs=jobs, out=results_dir, resume=resume, progress=not quiet, **options)
    if fmt == "json":
        print(json.dumps({results.shown(p): r for p, (r, _) in found.items()}, indent=1, ensure_ascii=False),
              file=out)
        if not quiet:  # the class summary's last line, where the progress bar was
            results.print_totals(found, sys.stderr)
    else:
        results.print_summary(found, out)
    if results_dir is not None and not quiet:
        where = results.shown(results_dir)
        print(f"results in {where}; `python -m exercises report {where}` shows what the class got wrong",
              file=sys.stderr)
    return _exit_code(found)


def _main_one(target, fmt, out, options):
    """One notebook the instructor named: a link is followed (they typed the path), and the result
    is named by the path given."""
    tests, graded = grade_one(target, **options)
    result = results.as_json(tests)
    if fmt == "gradescope":
        print(json.dumps(results.as_gradescope(tests), indent=1, ensure_ascii=False), file=out)
    elif fmt == "json":
        print(json.dumps(result, indent=1, ensure_ascii=False), file=out)
    else:
        results.print_text(result, out)
        print(f"{results.shown(target)}: {result['score']:g}/{result['max_score']:g} points", file=out)
    return _exit_code({target: (result, graded)})
