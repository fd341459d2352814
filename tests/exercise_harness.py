"""Grade exercise answers in this process, for tests: the grader's own assembling, static scan and
judging (exercises.grade.grade_assembled), with the cells run by exec instead of in a kernel.

Only for answers written by the tests themselves: running code in this process is what the
grader never does with a learner's notebook.
"""

import copy
import json
import linecache

import nbformat

from exercises import SOURCE_DIR, probe
from exercises.assemble import assemble
from exercises.grade import grade_assembled
from exercises.notebooks import grade_id

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

    def run(self, cell, index):
        self.count += 1
        filename = f"<learner cell {index}, run {self.count}>"
        text = str(cell.source)
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


def grade(nb, source_nb=None, only=None):
    """{test name: TestResult} for a student notebook, graded in this process."""
    import matplotlib

    matplotlib.use("Agg")
    src = source_nb if source_nb is not None else source(nb.metadata["exercises"]["assignment"])
    assembled, slots = assemble(nb, src)
    results = grade_assembled(assembled, slots, InProcessRunner(), only=only)
    import matplotlib.pyplot as plt

    plt.close("all")
    return {r.name: r for r in results}
