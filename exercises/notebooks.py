"""What the release tool and the grader both need to know about an exercise notebook.

A cell's role comes from its nbgrader metadata (``cell.metadata.nbgrader``):
solution cells (solution=True) hold the learner's code; test cells (grade=True) carry
points; every other cell with ``locked`` is read-only. Exercise numbers come from the
grade_id: ``ex3_2`` is Exercise 3.2, and ``ex3_2_hidden_layer_tests`` is one of its tests.
"""

import re

import nbformat

from . import RELEASE_DIR, SOURCE_DIR

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_EXERCISE_ID = re.compile(r"^ex(\d+)_(\d+)")


def nbgrader(cell):
    """The cell's nbgrader metadata dict ({} when it has none, or when what it has is not a dict:
    nbformat's schema lets a notebook's metadata hold anything)."""
    metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    meta = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """The cell's grade_id: a non-empty string, or None (a list, a dict or a number is no grade_id)."""
    gid = nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_solution(cell):
    return bool(nbgrader(cell).get("solution"))


def is_test(cell):
    return bool(nbgrader(cell).get("grade")) and cell.get("cell_type") == "code"


def points(cell):
    value = nbgrader(cell).get("points", 0)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def exercise_of(gid):
    """'ex3_2_hidden_layer_tests' -> '3.2'; None for ids that name no exercise."""
    match = _EXERCISE_ID.match(gid or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


def read(path):
    """Read a notebook (nbformat 4) from path."""
    return nbformat.read(str(path), as_version=4)


def source_notebooks():
    """Every source notebook path, sorted: exercises/source/<assignment>/<name>.ipynb."""
    return sorted(p for p in SOURCE_DIR.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def release_notebooks():
    """Every student-copy notebook path, sorted: exercises/release/<assignment>/<name>.ipynb."""
    return sorted(p for p in RELEASE_DIR.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def release_path(source_path):
    """Where the student copy of a source notebook goes."""
    return RELEASE_DIR / source_path.relative_to(SOURCE_DIR)
