"""Which assignment a submission is, and the notebook the grader runs for it.

The notebook graded is put together in memory and never written back:
- the learner's solution cells (matched to the source notebook by grade_id),
- the source notebook's own test cells and read-only cells, so a learner who deletes or edits
  a test or a given cell cannot change what is checked,
- any cells the learner added, where they added them.

Which source notebook a submission belongs to comes from its metadata
(``metadata.exercises``) or, failing that, from the grade_ids its cells carry; never from its
path, so a copy anywhere on disk grades the same.
"""

from dataclasses import dataclass

import nbformat

from .notebooks import exercise_of, grade_id, is_solution, is_test, read, source_notebooks
from .static import Cell


class GradingError(Exception):
    """The file cannot be graded at all (not a notebook, or not one of the assignments)."""


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


@dataclass
class Slot:
    """One cell of the assembled notebook: where it came from and which exercise it counts for."""

    role: str  # "given" (the source's read-only code), "solution", "extra" (the learner's own) or "test"
    gid: str | None
    exercise: str | None  # the exercise a solution or extra cell counts towards


def _missing_cell(gid):
    number = exercise_of(gid)
    what = f"Exercise {number}" if number else f"cell {gid!r}"
    return nbformat.v4.new_code_cell(
        f"raise RuntimeError({f'the cell of {what} (grade_id {gid!r}) is missing from the notebook'!r})",
        metadata={"nbgrader": {"grade_id": gid, "solution": True}})


def _clean(cell, metadata):
    return nbformat.v4.new_code_cell(str(cell.get("source", "")), metadata=dict(metadata))


def assemble(student, source):
    """(notebook, slots): source order, the learner's solution cells, the source's tests and
    read-only code cells, and the learner's extra code cells after the cell they followed."""
    known = {grade_id(c) for c in source.cells if grade_id(c)}
    chosen, extras, last = {}, {None: []}, None
    for cell in student.cells:
        gid = grade_id(cell)
        if gid in known and gid not in chosen:
            chosen[gid] = cell
            last = gid
            extras.setdefault(gid, [])
        elif cell.get("cell_type") == "code" and not (gid in known and not is_solution(cell)):
            extras.setdefault(last, []).append(cell)  # the learner's own cells, and copies of solution cells
    cells, slots, exercise = [], [], None
    for cell in extras[None]:
        cells.append(_clean(cell, cell.metadata))
        slots.append(Slot("extra", None, None))
    for cell in source.cells:
        gid = grade_id(cell)
        if cell.cell_type == "code" and is_solution(cell):
            exercise = exercise_of(gid)
            mine = chosen.get(gid)
            cells.append(_clean(mine, cell.metadata) if mine is not None else _missing_cell(gid))
            slots.append(Slot("solution", gid, exercise))
        elif cell.cell_type == "code":
            cells.append(_clean(cell, cell.metadata))
            slots.append(Slot("test" if is_test(cell) else "given", gid, exercise_of(gid)))
        for extra in extras.get(gid, []):
            cells.append(_clean(extra, extra.metadata))
            slots.append(Slot("extra", None, exercise))
    return nbformat.v4.new_notebook(cells=cells, metadata=source.metadata), slots


def learner_cells(nb, slots):
    """The learner's code cells as static.Cell objects, in order, each with the index it has in nb."""
    out = []
    for index, (cell, slot) in enumerate(zip(nb.cells, slots)):
        if slot.role == "solution":
            label = f"the cell of Exercise {slot.exercise}"
        elif slot.role == "extra":
            label = (f"a cell you added after Exercise {slot.exercise}" if slot.exercise
                     else "a cell you added before the first exercise")
        else:
            continue
        out.append(Cell(str(cell.source), slot.exercise, label, index=index))
    return out
