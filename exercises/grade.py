"""Grade a learner's notebook: run it in a fresh kernel with the instructor's tests, report each test.

The notebook graded is put together in memory and never written back:
- the learner's solution cells (matched to the source notebook by grade_id),
- the source notebook's own test cells (hidden tests included) and read-only cells, so a
  learner who deletes or edits a test cannot pass it,
- any cells the learner added, where they added them.

Which source notebook a submission belongs to comes from its metadata
(``metadata.exercises``) or, failing that, from the grade_ids its cells carry; never
from its path, so a copy anywhere on disk grades the same.

Every cell runs with a time limit. A cell that raises, loops forever or kills the kernel
costs the tests that depend on it, with a message that says so; grading goes on.
"""

import concurrent.futures
import contextlib
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import ROOT
from .notebooks import exercise_of, grade_id, is_solution, is_test, points, read, source_notebooks

DEFAULT_TIMEOUT = 30  # seconds per cell; the course's cells take well under one
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class GradingError(Exception):
    """The file cannot be graded at all (not a notebook, or not one of the assignments)."""


@dataclass
class TestResult:
    name: str
    points: float
    max_points: float
    passed: bool
    message: str


def report(tests):
    """The JSON form: {"score", "max_score", "tests": [{"name", "points", "max_points", "passed", "message"}]}."""
    return {"score": _num(sum(t.points for t in tests)), "max_score": _num(sum(t.max_points for t in tests)),
            "tests": [{**asdict(t), "points": _num(t.points), "max_points": _num(t.max_points)} for t in tests]}


def _num(x):
    return int(x) if float(x).is_integer() else float(x)


def unreadable_report(message):
    """The report for a file that could not be graded: zero, with the reason as its one entry."""
    return report([TestResult("notebook", 0, 0, False, message)])


# ------------------------------------------------------------------ finding the source notebook

def _source_index():
    index = []
    for path in source_notebooks():
        nb = read(path)
        index.append((path, nb, {grade_id(c) for c in nb.cells if grade_id(c)}))
    return index


def find_source(student):
    """The source notebook a submission belongs to: (path, notebook). Raises GradingError."""
    index = _source_index()
    tag = student.metadata.get("exercises", {})
    if isinstance(tag, dict):
        for path, nb, _ in index:
            if nb.metadata.get("exercises") == {"assignment": tag.get("assignment"), "notebook": tag.get("notebook")}:
                return path, nb
    ids = {grade_id(c) for c in student.cells if grade_id(c)}
    best = max(index, key=lambda entry: len(ids & entry[2]), default=None)
    if best is None or not ids & best[2]:
        names = ", ".join(p.parent.name for p, _, _ in index)
        raise GradingError("this notebook matches none of the assignments (" + names + "): its metadata names "
                           "no assignment and none of its cells carries a known grade_id. Start from a copy in "
                           "exercises/release/.")
    return best[0], best[1]


# ------------------------------------------------------------------ putting the notebook together

def _missing_cell(gid):
    number = exercise_of(gid)
    what = f"Exercise {number}" if number else f"cell {gid!r}"
    return nbformat.v4.new_code_cell(
        f"raise RuntimeError({f'the cell of {what} (grade_id {gid!r}) is missing from the notebook'!r})",
        metadata={"nbgrader": {"grade_id": gid, "solution": True}})


def assemble(student, source):
    """The notebook to run: source order, the learner's solution cells, the source's tests and
    read-only cells, and the learner's extra code cells after the cell they followed."""
    source_ids = [grade_id(c) for c in source.cells if grade_id(c)]
    known = set(source_ids)
    chosen, extras, last = {}, {None: []}, None
    for cell in student.cells:
        gid = grade_id(cell)
        if gid in known and gid not in chosen:
            chosen[gid] = cell
            last = gid
            extras.setdefault(gid, [])
        elif cell.get("cell_type") == "code" and not (gid in known and not is_solution(cell)):
            extras.setdefault(last, []).append(cell)  # the learner's own cells, and copies of solution cells
    cells = [_clean(c, c.metadata) for c in extras[None]]
    for cell in source.cells:
        gid = grade_id(cell)
        if is_solution(cell) and cell.cell_type == "code":
            mine = chosen.get(gid)
            cells.append(_clean(mine, cell.metadata) if mine is not None else _missing_cell(gid))
        elif cell.cell_type == "code":
            cells.append(_clean(cell, cell.metadata))
        cells += [_clean(c, c.metadata) for c in extras.get(gid, [])]
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    return nb


def _clean(cell, metadata):
    return nbformat.v4.new_code_cell(str(cell.get("source", "")), metadata=dict(metadata))


# ------------------------------------------------------------------ running it

@dataclass
class CellRun:
    error: str | None = None  # None when the cell ran without an error


def _error_message(outputs):
    for out in outputs:
        if out.get("output_type") == "error":
            name, value = out.get("ename", "Error"), _ANSI.sub("", str(out.get("evalue", "")))
            if name in ("CheckFailed", "AssertionError"):
                return value or _last_line(out)
            if name == "NameError":
                return (f"NameError: {value}. A name this test needs is not defined: did its cell above fail, "
                        "or did a cell delete or rename it?")
            return f"{name}: {value}"
    return None


def _last_line(out):
    lines = [_ANSI.sub("", line) for line in out.get("traceback", [])]
    code = [ln.strip() for block in lines for ln in block.splitlines() if ln.strip().startswith("---->")]
    return "an assert failed" + (f": {code[-1][5:].strip()}" if code else "")


class _Runner:
    """One kernel, cell by cell, with a time limit per cell and recovery from hangs and crashes."""

    def __init__(self, nb, timeout, startup_timeout, cwd):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
        env.pop("MPLBACKEND", None)
        self.env = env
        self.client = NotebookClient(nb, timeout=timeout, startup_timeout=startup_timeout, kernel_name="python3",
                                     allow_errors=True, interrupt_on_timeout=False, record_timing=False,
                                     shutdown_kernel="immediate", raise_on_iopub_timeout=True,
                                     resources={"metadata": {"path": cwd}})
        self.timeout = timeout
        self.note = ""  # what happened to the kernel, added to later failures
        self.replay = []  # sources of the cells to run again after a restart

    def run(self, cell, index, replay=False):
        """Run one cell; replay=True marks a cell to run again if the kernel has to be restarted."""
        try:
            self.client.execute_cell(cell, index)
        except CellTimeoutError:
            # A fresh kernel, not an interrupt: nbclient's reader of the hung cell may still be polling the
            # old channels and would swallow the next cells' output.
            self._restart(f"cell {index} was stopped after {self.timeout:g} s")
            return CellRun(f"timed out after {self.timeout:g} s: the code did not finish (an endless loop?)")
        except DeadKernelError:
            self._restart(f"the kernel died while running cell {index}")
            return CellRun("the kernel died while running this cell (did the code exit or run out of memory?)")
        error = _error_message(cell.outputs)
        if replay and error is None:
            self.replay.append(str(cell.source))
        return CellRun(error)

    @staticmethod
    def _wait(call, *args, **kwargs):
        """Run one of the (async) kernel manager's or client's methods to completion."""
        async def go():
            return await ensure_async(call(*args, **kwargs))
        return run_sync(go)()

    def start(self):
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(env=self.env, stderr=subprocess.DEVNULL)
        self.client.start_new_kernel_client()

    def stop(self):
        with contextlib.suppress(Exception):  # the kernel may be dead already
            self.client._cleanup_kernel()

    def _scratch(self, source):
        """Run code that is not one of the notebook's cells (nbclient stores a cell at its index)."""
        cells = self.client.nb.cells
        cells.append(nbformat.v4.new_code_cell(source))
        try:
            self.client.execute_cell(cells[-1], len(cells) - 1)
            return cells[-1]
        finally:
            cells.pop()

    def _restart(self, why):
        """A fresh kernel, brought back to where it was: every cell before, except the tests, that
        had run without an error runs again (a cell that fails now ends the replay)."""
        self.stop()  # a new kernel rather than a restart: the old channels may still hold the hung cell's traffic
        self.start()
        replayed = 0
        for source in self.replay:
            try:
                again = self._scratch(source)
            except (CellTimeoutError, DeadKernelError):
                break
            if _error_message(again.outputs):
                break
            replayed += 1
        lost = len(self.replay) - replayed
        self.replay = self.replay[:replayed]
        self.note = (f"{why}, so the kernel was restarted and the cells before it (except the tests) that had run "
                     f"without an error were run again" + (f"; {lost} of them failed this time" if lost else ""))


def grade_notebook(path, *, timeout=DEFAULT_TIMEOUT, startup_timeout=60):
    """Grade one notebook file; returns the list of TestResult. Raises GradingError when it cannot be read."""
    path = pathlib.Path(path)
    try:
        student = read(path)
    except Exception as exc:  # not JSON, not a notebook, unreadable: say which
        raise GradingError(f"could not read {path} as a notebook: {type(exc).__name__}: {exc}") from None
    _, source = find_source(student)
    nb = assemble(student, source)
    results, solution_errors = [], {}
    with tempfile.TemporaryDirectory(prefix="grade-") as cwd:
        runner = _Runner(nb, timeout, startup_timeout, cwd)
        runner.start()
        try:
            for index, cell in enumerate(nb.cells):
                note = runner.note
                gid = grade_id(cell)
                outcome = runner.run(cell, index, replay=not is_test(cell))
                if is_solution(cell) and outcome.error:
                    solution_errors[exercise_of(gid)] = outcome.error
                if not is_test(cell):
                    continue
                message = outcome.error or "passed"
                if outcome.error:
                    earlier = solution_errors.get(exercise_of(gid))
                    if earlier and earlier not in message:
                        message += f"\n  Earlier, the cell of Exercise {exercise_of(gid)} failed: {earlier}"
                    if note:
                        message += f"\n  Note: {note}."
                full = points(cell)
                results.append(TestResult(gid, 0 if outcome.error else full, full, outcome.error is None, message))
        finally:
            runner.stop()
    return results


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
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)  # the grader and the kernel it started
        proc.communicate()
        return unreadable_report(f"grading took longer than {limit} s and was stopped"), False
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        tail = (err or out).strip().splitlines()[-3:]
        return unreadable_report("the grader failed on this notebook: " + " | ".join(tail)), False
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

def _print_one(result, out):
    for t in result["tests"]:
        mark = "PASS" if t["passed"] else "FAIL"
        print(f"{mark} {t['name']:<28} {t['points']:>4g}/{t['max_points']:g}", file=out)
        if not t["passed"]:
            for line in t["message"].splitlines():
                print(f"       {line}", file=out)


def _exit_code(results):
    """0: everything graded, full marks; 1: graded, some tests failed; 2: some notebook not graded."""
    if not all(graded for _, graded in results.values()):
        return 2
    return 0 if all(r["score"] == r["max_score"] for r, _ in results.values()) else 1


def main(targets, *, as_json=False, timeout=DEFAULT_TIMEOUT, jobs=2, exclude=(), out=sys.stdout):
    """`python -m exercises grade TARGET...`: one notebook, or several / directories of notebooks."""
    targets = [pathlib.Path(t) for t in ([targets] if isinstance(targets, (str, pathlib.Path)) else targets)]
    for target in targets:
        if not target.exists():
            print(f"grade: {target} does not exist", file=sys.stderr)
            return 2
    if len(targets) == 1 and targets[0].is_file():
        target = targets[0]
        try:
            result, graded = report(grade_notebook(target, timeout=timeout)), True
        except GradingError as exc:
            result, graded = unreadable_report(str(exc)), False
        if as_json:
            print(json.dumps(result, indent=1, ensure_ascii=False), file=out)
        else:
            _print_one(result, out)
            print(f"{target}: {result['score']:g}/{result['max_score']:g} points", file=out)
        return _exit_code({target: (result, graded)})
    paths = [p for target in targets for p in notebooks_under(target, exclude)]
    if not paths:
        print(f"grade: no notebooks under {', '.join(map(str, targets))}", file=sys.stderr)
        return 2
    results = grade_many(paths, timeout=timeout, jobs=jobs)
    if as_json:
        print(json.dumps({str(p): r for p, (r, _) in results.items()}, indent=1, ensure_ascii=False), file=out)
    else:
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
    return _exit_code(results)
