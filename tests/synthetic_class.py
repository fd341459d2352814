"""A synthetic class, for the tests of the class report: notebooks of every assignment with right
answers, blank ones, and wrong ones drawn from the probe's list of realistic mistakes
(tests/test_exercise_answers.py), a few of them more than once; and two notebooks that lose points
to something else, a cell that never ends (a timeout) and one that ends its kernel (a crash).

    python tests/synthetic_class.py DIR [--size 40] [--seed 0]   # writes the class into DIR
"""

import argparse
import pathlib
import random

import exercise_harness as harness
import nbformat
from test_exercise_answers import WRONG

from exercises import RELEASE_DIR

ASSIGNMENTS = sorted(harness.SOURCES)


def _edit(nb, gid, old, new):
    """nb with the edit applied when its cell still holds `old` (an earlier edit may have changed it)."""
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    if old not in cell.source:
        return False
    cell.source = cell.source.replace(old, new)
    return True


def student(assignment, rng, mistakes):
    """One student's notebook: the instructor's answers with `mistakes` wrong answers from the probe,
    the most common of a class (the first few of each exercise) chosen more often."""
    nb = harness.source(assignment)
    pool = [e for e in WRONG if e[0] == assignment]
    weights = [3.0 if i < 12 else 1.0 for i in range(len(pool))]
    for entry in rng.choices(pool, weights, k=mistakes):
        _edit(nb, *entry[1:4])
    return nb


def blank(assignment):
    return nbformat.read(str(RELEASE_DIR / assignment / harness.SOURCES[assignment].name), as_version=4)


def hanging():
    """A notebook of assignment 1 whose sigmoid never returns: its test times out."""
    nb = harness.source(ASSIGNMENTS[0])
    _edit(nb, "ex1_2", "return 1.0 / (1.0 + np.exp(-z))", "while True:  # waiting for convergence\n        pass")
    return nb


def crashing():
    """A notebook of assignment 2 whose tanh' ends the kernel (it reads memory it does not own)."""
    nb = harness.source(ASSIGNMENTS[1])
    _edit(nb, "ex2_2", "return 1 - np.tanh(z) ** 2",
          "view = np.lib.stride_tricks.as_strided(z, shape=(1 << 40,), strides=(1 << 20,))\n"
          "    return 1 - np.tanh(view[-1]) ** 2")
    return nb


def make_class(root, size=40, seed=0, incidents=True):
    """Write a class of `size` notebooks into root (one folder per student); returns their paths."""
    rng = random.Random(seed)
    root = pathlib.Path(root)
    paths = []
    for i in range(size - (2 if incidents else 0)):
        assignment = ASSIGNMENTS[i % len(ASSIGNMENTS)]
        luck = rng.random()
        if luck < 0.1:
            nb = blank(assignment)
        else:
            nb = student(assignment, rng, 0 if luck < 0.3 else rng.choice([1, 1, 2, 3]))
        paths.append(_save(nb, root / f"student{i:02d}" / f"{assignment}.ipynb"))
    if incidents:
        paths.append(_save(hanging(), root / "student_hangs" / f"{ASSIGNMENTS[0]}.ipynb"))
        paths.append(_save(crashing(), root / "student_crashes" / f"{ASSIGNMENTS[1]}.ipynb"))
    return paths


def _save(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"wrote {len(make_class(args.dir, args.size, args.seed))} notebooks into {args.dir}")
