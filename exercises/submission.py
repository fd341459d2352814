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
import errno
import json
import os
import re
import stat

import nbformat

from . import static
from .notebooks import exercise_of, grade_id, is_solution, is_test, points, read, release_notebooks
from .results import shown

# What the grader reads of a submission in its own process, before any limit of the sandbox applies.
# Measured on the course's notebooks after running them: the largest is 0.45 MB (04_training, with
# its plots), none holds more than 700 JSON values (objects, arrays, items), and the instructor's
# code cells hold at most 5000 characters per assignment. Measured costs: json.loads makes up to
# about 85 bytes per value (`[[],[],...]`: 35 bytes of memory per byte of file, 690 MB for 20 MB),
# and the static scan's syntax trees up to about 1 kB per character of code (`a;a;a;...`; 1.2 GB
# and 10 s for the 2.7 MB of code the red team sent). So the limits below, each 25 to 300 times what
# a real notebook needs, keep the grader's own process to a few hundred MB and a few seconds.
FILE_LIMIT = 20 << 20  # bytes of a notebook file
VALUE_LIMIT = 200_000  # JSON values in it
SOURCE_LIMIT = 128 << 10  # characters of code in the learner's code cells, all together
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def json_values(data):
    """How many values (objects, arrays, items of either) a JSON text holds, counted without parsing it."""
    bare = _STRING.sub(b'""', data)
    return bare.count(b",") + bare.count(b"[") + bare.count(b"{") + 1


class GradingError(Exception):
    """The file cannot be graded at all (not a notebook, or not one of the assignments).

    assignment and max_score: when the assignment is known, the notebook scores 0 of its maximum."""

    def __init__(self, message, assignment=None, max_score=0):
        super().__init__(message)
        self.assignment, self.max_score = assignment, max_score


def _size(n):
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.1f} kB" if n >= 1024 else f"{n} bytes"


def read_submission(path, *, follow_symlinks=True):
    """The learner's notebook at path (nbformat 4), read without trusting anything in it: only a
    regular file of at most FILE_LIMIT bytes, never a link when follow_symlinks is False (a class
    directory), and no message ever quotes what the file holds. Outputs, attachments and any
    metadata the grader does not read are dropped before the notebook is built. Raises GradingError."""
    name = shown(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: a named pipe does not hang the grader
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise GradingError(symlink_message(path)) from None
        raise GradingError(f"could not open {name}: {exc.strerror or type(exc).__name__}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise GradingError(f"{name} is not a regular file (a directory, a device or a pipe), so it was not "
                           "graded: a notebook is a .ipynb file")
    with os.fdopen(fd, "rb") as f:
        if info.st_size > FILE_LIMIT:
            raise GradingError(too_big_message(name, info.st_size))
        data = f.read(FILE_LIMIT + 1)
    if len(data) > FILE_LIMIT:  # it grew while read
        raise GradingError(too_big_message(name, len(data)))
    what = f"{name} is not a notebook"
    values = json_values(data)
    if values > VALUE_LIMIT:
        raise GradingError(f"{name} was not graded: its JSON holds {values} values (objects, arrays and their items), "
                           f"and the grader reads notebooks of at most {VALUE_LIMIT} (the course's notebooks hold "
                           "under 1000): clear the outputs, Kernel > Restart & Clear Output, and save")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GradingError(f"{what}: not UTF-8 text (byte {exc.start} of {len(data)} is not valid UTF-8); a "
                           "notebook is JSON saved as UTF-8") from None
    del data
    try:
        raw = json.loads(text)
    except RecursionError:
        raise GradingError(f"{what}: its JSON is nested too deeply to read ({_size(len(text))})") from None
    except ValueError:
        raise GradingError(f"{what}: not valid JSON ({_size(len(text))}); a notebook is a JSON file") from None
    del text
    try:
        return _notebook(raw)
    except GradingError as exc:
        raise GradingError(f"{what}: {exc}") from None
    except Exception as exc:  # nbformat failed on a shape _notebook let through: say so, quote nothing
        raise GradingError(f"{what}: its JSON does not have a notebook's shape ({type(exc).__name__})") from None


def _notebook(raw):
    """An nbformat 4 notebook from parsed JSON, keeping of the cells only what the grader reads."""
    if not isinstance(raw, dict):
        raise GradingError("its JSON is not an object with cells")
    major = raw.get("nbformat")
    if major == 4 or (major is None and "cells" in raw):
        cells = raw.get("cells")
        if not isinstance(cells, list):
            raise GradingError("its \"cells\" is not a list")
        for i, cell in enumerate(cells):
            if not isinstance(cell, dict):
                raise GradingError(f"cell {i} is not an object")
            source = cell.get("source", "")
            if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(x, str) for x in source))):
                raise GradingError(f"the source of cell {i} is neither text nor a list of lines")
            if not isinstance(cell.get("cell_type"), str):
                raise GradingError(f"cell {i} has no cell_type")
            cell["source"] = source if isinstance(source, str) else "".join(source)
            meta = cell.get("metadata")
            cell["metadata"] = {"nbgrader": meta["nbgrader"]} if isinstance(meta, dict) and "nbgrader" in meta else {}
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
            cell.pop("attachments", None)
        meta = raw.get("metadata")
        raw["metadata"] = {"exercises": meta["exercises"]} if isinstance(meta, dict) and "exercises" in meta else {}
        raw["nbformat"], raw["nbformat_minor"] = 4, raw.get("nbformat_minor") if isinstance(
            raw.get("nbformat_minor"), int) else 5
        return nbformat.from_dict(raw)
    if not isinstance(major, int):
        raise GradingError("it names no nbformat version")
    nb = nbformat.versions[major].to_notebook_json(raw, minor=raw.get("nbformat_minor", 0)) \
        if major in nbformat.versions else None
    if nb is None:
        raise GradingError(f"nbformat {major} is not a version Jupyter reads")
    return _notebook(json.loads(json.dumps(nbformat.convert(nb, 4))))


def symlink_message(path):
    return (f"{shown(path)} is a symbolic link, so it was not graded: the grader follows no link in a class "
            "directory (submit the notebook file itself)")


def too_big_message(name, size):
    return (f"{name} was not graded: the file is {_size(size)}, and the grader reads notebooks of at most "
            f"{_size(FILE_LIMIT)} (clear the outputs, Kernel > Restart & Clear Output, and save)")


def max_score(template):
    """The points an assignment's notebook is worth: its test cells' points."""
    return sum(points(c) for c in template.cells if is_test(c))


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
    return nbformat.v4.new_code_cell(_runnable(str(cell.get("source", ""))), metadata=dict(metadata))


def _runnable(source):
    """The cell's source, or when it holds what Python cannot read as text (half of a surrogate pair,
    which JSON can spell but UTF-8 cannot), a cell that raises and says so: such a cell could not run
    anywhere, and the grader must not fail on it."""
    try:
        source.encode("utf-8")
        return source
    except UnicodeEncodeError as exc:
        line = source.count("\n", 0, exc.start) + 1
        why = (f"this cell cannot run: line {line} holds the character U+{ord(source[exc.start]):04X}, half of "
               "a surrogate pair, which is not text Python can read; delete it")
        return f"raise SyntaxError({why!r})"


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


def load(path, *, follow_symlinks=True):
    """Read the file at path and prepare it for grading. Raises GradingError when it cannot be."""
    student = read_submission(path, follow_symlinks=follow_symlinks)
    assignment, template = find_assignment(student)
    code = sum(len(c.source) for c in student.cells if c.cell_type == "code")
    if code > SOURCE_LIMIT:
        raise GradingError(f"{shown(path)} was not graded: its code cells hold {code} characters of code, and the "
                           f"grader reads at most {SOURCE_LIMIT} (the course's own answers take about 5000): "
                           "delete the cells you do not need", assignment, max_score(template))
    cells, slots = assemble(student, template)
    return Submission(str(path), assignment, cells, slots, plan(cells, slots))
