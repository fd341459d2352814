"""Write the student copies: solutions become ``raise NotImplementedError("Exercise N.M: ...")``,
hidden tests go, everything else stays. Reads source/, writes release/ only."""

import copy
import sys

import nbformat

from . import RELEASE_DIR, ROOT
from .notebooks import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    exercise_of,
    grade_id,
    is_solution,
    read,
    release_path,
    source_notebooks,
)


class MarkupError(ValueError):
    """A source notebook's solution or hidden-test markers do not pair up."""


def _regions(lines, begin, end, where):
    """Yield (start, stop) line indices of each begin/end pair (both marker lines included)."""
    start = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if start is not None:
                raise MarkupError(f"{where}: '{begin}' on line {i + 1} before the previous one was closed")
            start = i
        elif text == end:
            if start is None:
                raise MarkupError(f"{where}: '{end}' on line {i + 1} without a '{begin}' before it")
            yield start, i
            start = None
    if start is not None:
        raise MarkupError(f"{where}: '{begin}' on line {start + 1} is never closed by '{end}'")


LINE_WIDTH = 99  # the student copy's code lines fit an editor of 100 columns


def _quoted(text):
    """text as a Python string literal in double quotes (the notebooks' style)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def raise_lines(indent, message, width=LINE_WIDTH):
    """`raise NotImplementedError("...")` as lines of at most width characters: a long message is
    split between words into adjacent string literals, which Python joins into one."""
    head = f"{indent}raise NotImplementedError("
    pieces, current = [], ""
    for word in message.split(" "):
        candidate = f"{current} {word}" if current else word
        room = width - len(head) - 2 - 1  # two quotes, and the closing bracket on the last line
        if current and len(candidate) + 1 > room:  # + 1: the space that ends a piece
            pieces.append(current + " ")
            current = word
        else:
            current = candidate
    pieces.append(current)
    pad = " " * len(head)
    return [(head if i == 0 else pad) + _quoted(piece) + (")" if i == len(pieces) - 1 else "")
            for i, piece in enumerate(pieces)]


def clear_solutions(source, exercise, todos, where="cell"):
    """Replace every solution region of a cell by a raise that names the exercise and the task.

    todos: one short task description per region (the cell's metadata.exercises.todo).
    """
    lines = source.split("\n")
    out, last = [], 0
    for k, (start, stop) in enumerate(_regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)):
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        todo = todos[k] if k < len(todos) else "write this part"
        message = f"Exercise {exercise}: {todo}" if exercise else todo
        out += lines[last:start] + raise_lines(indent, message)
        last = stop + 1
    return "\n".join(out + lines[last:])


def remove_hidden_tests(source, where="cell"):
    """Drop every hidden-test region (markers included) and the blank lines it leaves at the end."""
    lines = source.split("\n")
    out, last = [], 0
    for start, stop in _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where):
        out += lines[last:start]
        last = stop + 1
    return "\n".join(out + lines[last:]).rstrip()


def release_notebook(nb, name="notebook"):
    """The student copy of a source notebook (a new object; ``nb`` is left as it is)."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index} ({grade_id(cell) or 'no grade_id'})"
        extra = cell.metadata.pop("exercises", {})
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            cell.source = clear_solutions(cell.source, exercise_of(grade_id(cell)), extra.get("todo", []), where)
        cell.source = remove_hidden_tests(cell.source, where)
        cell.outputs, cell.execution_count = [], None
    for index, cell in enumerate(nb.cells):
        cell.id = str(index)  # what nbstripout gives, so the copies stay stripped in its eyes
    return nb


def release_text(source_path):
    """The exact text release/ should hold for one source notebook."""
    nb = release_notebook(read(source_path), str(source_path.relative_to(ROOT)))
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def stale_files():
    """[(path, reason)] for release files that differ from what the source would give, are
    missing, or have no source any more."""
    problems, expected = [], set()
    for src in source_notebooks():
        dest = release_path(src)
        expected.add(dest)
        if not dest.exists():
            problems.append((dest, "missing"))
        elif dest.read_text(encoding="utf-8") != release_text(src):
            problems.append((dest, "differs from what its source notebook gives"))
    for path in sorted(RELEASE_DIR.glob("**/*.ipynb")):
        if path not in expected and ".ipynb_checkpoints" not in path.parts:
            problems.append((path, "has no source notebook"))
    return problems


def release(check=False, out=None):
    """Write release/ from source/ (or, with check, only compare). Returns the exit code."""
    out = out or sys.stdout
    if check:
        problems = stale_files()
        for path, reason in problems:
            print(f"stale: {path.relative_to(ROOT)} {reason}", file=out)
        if problems:
            print("release/ is out of date: run `python -m exercises release`", file=out)
            return 1
        print(f"release/ is up to date ({len(source_notebooks())} notebooks)", file=out)
        return 0
    for src in source_notebooks():
        dest = release_path(src)
        text = release_text(src)
        if not dest.exists() or dest.read_text(encoding="utf-8") != text:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
            print(f"wrote {dest.relative_to(ROOT)}", file=out)
    for path, reason in stale_files():  # only release files without a source are left
        path.unlink()
        print(f"removed {path.relative_to(ROOT)} ({reason})", file=out)
    return 0
