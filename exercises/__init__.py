"""Graded exercises: instructor notebooks in source/, student copies in release/, and a grader.

    python -m exercises release                 # write release/ from source/
    python -m exercises release --check         # exit 1 when release/ is stale
    python -m exercises grade NOTEBOOK_OR_DIR   # [--json | --format gradescope] [--timeout S] [--jobs N]
    python -m exercises grade DIR --out RESULTS  # a class: a JSON file per notebook, and a CSV
    python -m exercises report RESULTS          # what the class got wrong: a table, report.csv, report.html
    python -m exercises gradescope ASSIGNMENT --out DIR    # an autograder bundle for Gradescope

Source notebooks carry nbgrader markup (solution regions, hidden tests, cell metadata with
grade_id and points), so nbgrader can use them too; none of these commands needs nbgrader.

The notebooks live inside the package (source/ and release/ beside this file), so the
commands find them from any working directory. With the editable install the README's
``pip install -r requirements-dev.txt`` makes (``-e .``), this file is the repository's
own exercises/ folder, and ``release`` writes into the repository.

What a learner's kernel may import from here: this module, ``exercises.student`` (the
notebook's test cells), ``exercises.probe``, ``exercises.codec`` and ``exercises.seal`` (what the
probe needs),
and ``exercises.givens`` (code the assignments hand out). Nothing else: the checks, which
know the answers, refuse to load inside a notebook kernel.
"""

import pathlib

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
SOURCE_DIR = PACKAGE_DIR / "source"
RELEASE_DIR = PACKAGE_DIR / "release"
ROOT = PACKAGE_DIR.parent  # the repository root in an editable install; paths are shown relative to it

# The modules a learner's kernel may import (the grader's kernel blocks every other exercises.*).
KERNEL_SAFE = frozenset({"exercises", "exercises.student", "exercises.probe", "exercises.codec",
                         "exercises.seal", "exercises.givens"})

# The names the assignments' set-up cells import: a NameError for one of them means the set-up cell
# at the top of the notebook has not run (exercises.student and the checks' messages say so).
SETUP_NAMES = ("np", "math", "nnlib", "check", "ACTIVATIONS", "sigmoid", "learning_rate_data")
