"""Stage 1 of grading: read a submission, put the notebook to run together, and plan its tests.

Which assignment a submission is comes from its metadata (``metadata.exercises``) or, failing that,
from the grade_ids its cells carry; never from its path, so a copy anywhere on disk grades the same.
The notebook graded is put together in memory from the assignment's student copy (in release/,
which holds no solution) and never written back:

- the learner's solution cells (matched by grade_id),
- the student copy's own test cells and read-only cells, so a learner who deletes or edits a test
  or a given cell cannot change what is checked,
- any cells the learner added, where they added them.

The plan: for every test cell, the check that judges it (exercises.checks), the cases it will be
asked (drawn here, the hidden ones from a seed that never leaves this process), and what the
learner's code before it shows without running it (exercises.static).
"""

import dataclasses

import nbformat

from . import static
from .notebooks import exercise_of, grade_id, is_solution, is_test, points, read, release_notebooks


class GradingError(Exception):
    """The file cannot be graded at all (not a notebook, or not one of the assignments)."""


@dataclasses.dataclass
class Slot:
    """One cell of the assembled notebook: where it came from and which exercise it counts for."""

    role: str  # "given" (the assignment's read-only code), "solution", "extra" (the learner's own) or "test"
    gid: str | None
    exercise: str | None  # the exercise a solution or extra cell counts towards


@dataclasses.dataclass
class PlannedTest:
    """A test cell of the submission and what will be asked of it."""

    index: int  # the cell's place in the assembled notebook
    gid: str
    points: float
    task: object  # an exercises.checks.engine.Task, or None when the grader has no such check
    cases: list  # [(Case, hidden)]
    problems: list  # what the code before it shows, as sentences; a test with problems gives no points


@dataclasses.dataclass
class Submission:
    """A submission ready to run: the assembled cells, their roles, and the planned tests."""

    path: str
    assignment: str
    cells: list  # the assembled notebook's code cells (nbformat nodes)
    slots: list
    tests: list


def find_assignment(student):
    """(assignment name, its student-copy notebook) for a submission. Raises GradingError."""
    index = [(p, read(p)) for p in release_notebooks()]
    tag = student.metadata.get("exercises", {})
    if isinstance(tag, dict):
        for path, nb in index:
            if nb.metadata.get("exercises") == {"assignment": tag.get("assignment"), "notebook": tag.get("notebook")}:
                return path.parent.name, nb
    ids = {grade_id(c) for c in student.cells if grade_id(c)}
    scored = [(len(ids & {grade_id(c) for c in nb.cells if grade_id(c)}), path, nb) for path, nb in index]
    best = max(scored, key=lambda entry: entry[0], default=None)
    if best is None or best[0] == 0:
        names = ", ".join(p.parent.name for p, _ in index)
        raise GradingError("this notebook matches none of the assignments (" + names + "): its metadata names "
                           "no assignment and none of its cells carries a known grade_id. Start from a copy in "
                           "exercises/release/.")
    return best[1].parent.name, best[2]


def _missing_cell(gid):
    number = exercise_of(gid)
    what = f"Exercise {number}" if number else f"cell {gid!r}"
    return nbformat.v4.new_code_cell(
        f"raise RuntimeError({f'the cell of {what} (grade_id {gid!r}) is missing from the notebook'!r})",
        metadata={"nbgrader": {"grade_id": gid, "solution": True}})


def _clean(cell, metadata):
    return nbformat.v4.new_code_cell(str(cell.get("source", "")), metadata=dict(metadata))


def assemble(student, template):
    """(cells, slots): the template's order (the assignment's student copy), the learner's solution
    cells, the template's tests and read-only code cells, and the learner's extra code cells after
    the cell they followed."""
    known = {grade_id(c) for c in template.cells if grade_id(c)}
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
    for cell in template.cells:
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
    return cells, slots


def learner_cells(cells, slots):
    """The learner's code cells as static.Cell objects, in order, each with its index."""
    out = []
    for index, (cell, slot) in enumerate(zip(cells, slots)):
        if slot.role == "solution":
            label = f"the cell of Exercise {slot.exercise}"
        elif slot.role == "extra":
            label = (f"a cell you added after Exercise {slot.exercise}" if slot.exercise
                     else "a cell you added before the first exercise")
        else:
            continue
        out.append(static.Cell(str(cell.source), slot.exercise, label, index=index))
    return out


def plan(cells, slots, *, hidden=True):
    """The PlannedTest of every test cell: its check, its cases and the static scan's findings."""
    from . import checks
    from .checks.engine import draw_cases

    tasks = checks.tasks()
    mine = learner_cells(cells, slots)
    given = [str(c.source) for c, s in zip(cells, slots) if s.role == "given"]
    aliases = static.scan_cells(mine, imports=given)
    tests = []
    for index, (cell, slot) in enumerate(zip(cells, slots)):
        if slot.role != "test":
            continue
        task = tasks.get(slot.gid)
        problems, cases = [], []
        if task is not None:
            before = [c for c in mine if c.index < index]
            problems = [p for c in before if c.exercise in (task.exercise, None) for p in c.problems]
            problems += static.forbidden_uses(task.functions, before, aliases, task.forbidden)
            cases = draw_cases(task, hidden=hidden)
        tests.append(PlannedTest(index, slot.gid, points(cell), task, cases, problems))
    return tests


def from_notebooks(student, template, path="", *, hidden=True):
    """The Submission of a learner's notebook against its assignment's student copy."""
    cells, slots = assemble(student, template)
    assignment = template.metadata.get("exercises", {}).get("assignment", "")
    return Submission(str(path), assignment, cells, slots, plan(cells, slots, hidden=hidden))


def load(path):
    """Read the file at path and prepare it for grading. Raises GradingError when it cannot be."""
    try:
        student = read(path)
    except Exception as exc:  # not JSON, not a notebook, unreadable: say which
        raise GradingError(f"could not read {path} as a notebook: {type(exc).__name__}: {exc}") from None
    assignment, template = find_assignment(student)
    cells, slots = assemble(student, template)
    return Submission(str(path), assignment, cells, slots, plan(cells, slots))
