"""Grade exercise answers in this process, for tests: the grader's own stages (exercises.submission,
exercises.kernel.observe, exercises.judging), with the cells run by exec instead of in a sandboxed
kernel.

Only for answers written by the tests themselves: running code in this process is what the
grader never does with a learner's notebook.
"""

import copy
import json
import linecache
import sys
from pathlib import Path

import nbformat

# This checkout's exercises, whatever copy is installed: a test file run as a script (python
# tests/test_exercise_answers.py prints the measure) gets no repository root on its path from pytest.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exercises import RELEASE_DIR, SOURCE_DIR, judging, kernel, probe, submission  # noqa: E402
from exercises.notebooks import grade_id  # noqa: E402

SOURCES = {p.parent.name: p for p in sorted(SOURCE_DIR.glob("*/*.ipynb"))}
_loaded = {}


def source(assignment):
    if assignment not in _loaded:
        _loaded[assignment] = nbformat.read(str(SOURCES[assignment]), as_version=4)
    return copy.deepcopy(_loaded[assignment])


class InProcessRunner:
    """Runs cells with exec in one namespace; probes call exercises.probe directly."""

    note = ""

    def __init__(self):
        self.namespace = {"__name__": "__learner__"}
        self.count = 0

    def run(self, text, what):
        self.count += 1
        filename = f"<learner {what}, run {self.count}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        try:
            exec(compile(text, filename, "exec"), self.namespace)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def probe(self, spec):
        return json.loads(json.dumps(probe.run_cases(spec["cases"], self.namespace)))


def edit(nb, gid, old, new):
    """nb with `old` replaced by `new` in the cell `gid` (which must contain it)."""
    (cell,) = [c for c in nb.cells if grade_id(c) == gid]
    assert old in cell.source, f"{gid} has no {old!r}"
    cell.source = cell.source.replace(old, new)
    return nb


def replace(nb, gid, new_source):
    (cell,) = [c for c in nb.cells if grade_id(c) == gid]
    cell.source = new_source
    return nb


def template(assignment):
    """The assignment's student copy, which the grader assembles a submission from."""
    return nbformat.read(str(RELEASE_DIR / assignment / SOURCES[assignment].name), as_version=4)


def grade(nb, template_nb=None, only=None):
    """{test name: TestResult} for a student notebook, graded in this process."""
    import matplotlib

    matplotlib.use("Agg")
    tmpl = template_nb if template_nb is not None else template(nb.metadata["exercises"]["assignment"])
    sub = submission.from_notebooks(nb, tmpl)
    if only is not None:
        sub.tests = [t for t in sub.tests if t.gid in only]
    results = judging.judge(kernel.observe(sub, InProcessRunner()))
    import matplotlib.pyplot as plt

    plt.close("all")
    return {r.name: r for r in results}
