"""Grade a learner's notebook: its code runs in a fresh kernel, its answers are judged here.

The grader puts the notebook together (exercises.assemble) and runs every cell but the tests in
a kernel (exercises.kernel). Where a test cell stands, it does not run the test in the kernel,
whose code the learner controls: it reads the learner's code for forbidden building blocks
(exercises.static), draws the test's cases afresh (a seed from the operating system, kept in
this process only), sends a probe that calls the learner's functions on them and hands back
the raw results, and judges those here (exercises.checks). Whatever the kernel does can make
an answer fail, never pass.

Every cell runs with a time limit. A cell that raises, loops forever or kills the kernel costs
the tests that depend on it, with a message that says so; grading goes on.
"""

import concurrent.futures
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

from . import static
from .assemble import GradingError, assemble, find_source, learner_cells
from .kernel import KernelLost, KernelRunner
from .notebooks import exercise_of, points, read
from .report import TestResult, as_gradescope, as_json, print_text, unreadable

DEFAULT_TIMEOUT = 30  # seconds per cell; the course's cells take well under one


class _Grading:
    """The state of one notebook's grading: its cells, what the static scan found, the kernel."""

    def __init__(self, nb, slots, runner):
        from . import checks

        self.nb, self.slots, self.runner = nb, slots, runner
        self.tasks = checks.tasks()
        self.cells = learner_cells(nb, slots)
        given = [str(c.source) for c, s in zip(nb.cells, slots) if s.role == "given"]
        self.aliases = static.scan_cells(self.cells, imports=given)
        self.solution_errors = {}

    def static_problems(self, task, index):
        """What the learner's code before this test shows without running it, for this test."""
        before = [c for c in self.cells if c.index < index]
        problems = [p for c in before if c.exercise in (task.exercise, None) for p in c.problems]
        problems += static.forbidden_uses(task.functions, before, self.aliases, task.forbidden)
        return problems

    def test(self, index, cell):
        """The TestResult of the test cell at index."""
        from .checks.engine import draw_cases, verdict

        gid, full = self.slots[index].gid, points(cell)
        number = exercise_of(gid)
        task = self.tasks.get(gid)
        if task is None:
            return TestResult(gid, 0, full, False, f"the grader has no check called {gid!r}")
        note = self.runner.note
        problems = self.static_problems(task, index)
        hidden = False
        if problems:
            message = (f"Exercise {number}: this test gives no points while your code does what it may not:\n  - "
                       + "\n  - ".join(problems))
        else:
            cases = draw_cases(task, hidden=True)
            try:
                reports = self.runner.probe({"cases": [task.probe_steps(c) for c, _ in cases]})
                message, hidden = verdict(task, cases, reports)
            except KernelLost as exc:
                message = str(exc)
        if message is None:
            return TestResult(gid, full, full, True, "passed")
        earlier = self.solution_errors.get(number)
        if earlier and earlier not in message:
            message += f"\n  Earlier, the cell of Exercise {number} failed: {earlier}"
        if note:
            message += f"\n  Note: {note}."
        return TestResult(gid, 0, full, False, message, hidden)


def grade_assembled(nb, slots, runner, only=None):
    """Grade an assembled notebook with a started runner (a KernelRunner, or anything with its
    run(cell, index) -> error, probe(spec) -> reports and note): the list of TestResult.
    only: the names of the tests to judge (default: all)."""
    grading = _Grading(nb, slots, runner)
    results = []
    for index, (cell, slot) in enumerate(zip(nb.cells, slots)):
        if slot.role == "test":
            if only is None or slot.gid in only:
                results.append(grading.test(index, cell))
            continue
        error = runner.run(cell, index)
        if slot.role == "solution" and error:
            grading.solution_errors[slot.exercise] = error
    return results


def grade_notebook(path, *, timeout=DEFAULT_TIMEOUT, startup_timeout=60):
    """Grade one notebook file; returns the list of TestResult. Raises GradingError when it cannot be read."""
    path = pathlib.Path(path)
    try:
        student = read(path)
    except Exception as exc:  # not JSON, not a notebook, unreadable: say which
        raise GradingError(f"could not read {path} as a notebook: {type(exc).__name__}: {exc}") from None
    _, source = find_source(student)
    nb, slots = assemble(student, source)
    with tempfile.TemporaryDirectory(prefix="grade-") as cwd:
        runner = KernelRunner(nb, timeout, startup_timeout, cwd)
        try:
            runner.start()
            return grade_assembled(nb, slots, runner)
        finally:
            runner.stop()


# ------------------------------------------------------------------ many notebooks

def _wall_limit(path, timeout):
    try:
        n = sum(1 for c in read(path).cells if c.cell_type == "code")
    except Exception:
        n = 10
    return 90 + (n + 10) * (timeout + 10)


def grade_in_subprocess(path, timeout=DEFAULT_TIMEOUT):
    """Grade one notebook in its own process (and kernel): whatever it does, the caller survives.

    Returns (report dict, graded: bool).
    """
    limit = _wall_limit(path, timeout)
    cmd = [sys.executable, "-m", "exercises", "grade", str(path), "--json", "--timeout", str(timeout)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)  # the grader and the kernel it started
        proc.communicate()
        return as_json(unreadable(f"grading took longer than {limit} s and was stopped")), False
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        tail = (err or out).strip().splitlines()[-3:]
        return as_json(unreadable("the grader failed on this notebook: " + " | ".join(tail))), False
    return result, proc.returncode in (0, 1)


def notebooks_under(path, exclude=()):
    """The notebooks in a directory and its subdirectories (none under a directory named in exclude)."""
    path = pathlib.Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
                      and not set(p.relative_to(path).parts[:-1]) & set(exclude))
    return [path]


def grade_many(paths, *, timeout=DEFAULT_TIMEOUT, jobs=2):
    """Grade each notebook in its own process, ``jobs`` at a time: {path: (report, graded)}, in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {p: pool.submit(grade_in_subprocess, p, timeout) for p in paths}
        return {p: f.result() for p, f in futures.items()}


# ------------------------------------------------------------------ the command line

def _exit_code(results):
    """0: everything graded, full marks; 1: graded, some tests failed; 2: some notebook not graded."""
    if not all(graded for _, graded in results.values()):
        return 2
    return 0 if all(r["score"] == r["max_score"] for r, _ in results.values()) else 1


def grade_one(target, *, timeout=DEFAULT_TIMEOUT):
    """(tests, graded) for one notebook file: the report's entries, and whether it could be graded."""
    try:
        return grade_notebook(target, timeout=timeout), True
    except GradingError as exc:
        return unreadable(str(exc)), False


def main(targets, *, fmt="text", timeout=DEFAULT_TIMEOUT, jobs=2, exclude=(), out=None):
    """`python -m exercises grade TARGET...`: one notebook, or several / directories of notebooks.

    fmt: "text", "json" or (one notebook only) "gradescope". out: where to print (sys.stdout).
    """
    out = out or sys.stdout
    targets = [pathlib.Path(t) for t in ([targets] if isinstance(targets, (str, pathlib.Path)) else targets)]
    for target in targets:
        if not target.exists():
            print(f"grade: {target} does not exist", file=sys.stderr)
            return 2
    if len(targets) == 1 and targets[0].is_file():
        tests, graded = grade_one(targets[0], timeout=timeout)
        result = as_json(tests)
        if fmt == "gradescope":
            print(json.dumps(as_gradescope(tests), indent=1, ensure_ascii=False), file=out)
        elif fmt == "json":
            print(json.dumps(result, indent=1, ensure_ascii=False), file=out)
        else:
            print_text(result, out)
            print(f"{targets[0]}: {result['score']:g}/{result['max_score']:g} points", file=out)
        return _exit_code({targets[0]: (result, graded)})
    if fmt == "gradescope":
        print("grade: --format gradescope grades one notebook; give a file, not a directory", file=sys.stderr)
        return 2
    paths = [p for target in targets for p in notebooks_under(target, exclude)]
    if not paths:
        print(f"grade: no notebooks under {', '.join(map(str, targets))}", file=sys.stderr)
        return 2
    results = grade_many(paths, timeout=timeout, jobs=jobs)
    if fmt == "json":
        print(json.dumps({str(p): r for p, (r, _) in results.items()}, indent=1, ensure_ascii=False), file=out)
    else:
        _print_summary(results, out)
    return _exit_code(results)


def _print_summary(results, out):
    for p, (r, graded) in results.items():
        failed = [t["name"] for t in r["tests"] if not t["passed"]]
        status = "" if graded else "  NOT GRADED: " + r["tests"][0]["message"].splitlines()[0]
        print(f"{r['score']:>5g}/{r['max_score']:<4g} {p}" + (f"  failed: {', '.join(failed)}"
                                                            if failed and graded else "") + status, file=out)
    total = sum(r["score"] for r, _ in results.values())
    most = sum(r["max_score"] for r, _ in results.values())
    full = sum(1 for r, g in results.values() if g and r["score"] == r["max_score"])
    not_graded = sum(1 for _, g in results.values() if not g)
    print(f"graded {len(results) - not_graded} of {len(results)} notebooks: {total:g}/{most:g} points, "
          f"{full} with full marks", file=out)
