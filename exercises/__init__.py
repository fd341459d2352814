"""Graded exercises: instructor notebooks in source/, student copies in release/, and a grader.

    python -m exercises release            # write release/ from source/
    python -m exercises release --check    # exit 1 when release/ is stale
    python -m exercises grade NOTEBOOK_OR_DIR [--json] [--timeout S] [--jobs N]

Source notebooks carry nbgrader markup (solution regions, hidden tests, cell metadata with
grade_id and points), so nbgrader can use them too; neither command needs nbgrader.
"""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "exercises" / "source"
RELEASE_DIR = ROOT / "exercises" / "release"
