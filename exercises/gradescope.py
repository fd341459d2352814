"""Gradescope: an autograder bundle for one assignment, and the grading run inside it.

Gradescope unpacks the bundle's zip into /autograder/source, runs setup.sh once when it builds
the image (Ubuntu, as root), and then, for every submission, runs /autograder/run_autograder
from /autograder with the student's files in /autograder/submission; the score goes to
/autograder/results/results.json (see Gradescope's autograder specifications).
"""

import json
import pathlib
import shutil
import stat
import sys
import time
import zipfile

from . import PACKAGE_DIR, RELEASE_DIR, ROOT

KERNEL_USER = "learner"  # the unprivileged user the student's code runs as on Gradescope's image

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
# The sandbox the grader runs each notebook's kernel in, where the image allows user namespaces.
apt-get install -y --no-install-recommends bubblewrap ||
    echo "bubblewrap is not available: the kernel runs as {user} without it"
python3 -m venv /autograder/venv
cd /autograder/source/course
/autograder/venv/bin/pip install -r requirements-autograder.txt
# The student's code runs as {user}, who cannot read the grader's files (the checks, the course's code).
id -u {user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {user}
chmod 711 /autograder
chmod -R go-rwx /autograder/source
""".format(user=KERNEL_USER)

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder: the student's files are in
# submission/, and the score must end up in results/results.json.
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="$HERE/venv/bin/python"
[ -x "$PY" ] || PY="$(command -v python3)"
mkdir -p "$HERE/results"
exec "$PY" -m exercises gradescope {assignment} --run "$HERE"
"""

# What grading needs of requirements.txt (the kernel, notebooks, plots); plus the course itself.
_NEEDED = ("numpy", "matplotlib", "nbformat", "ipykernel")
_COURSE = ("pyproject.toml", "README.md", "nnlib")


def _assignments():
    return sorted(p.name for p in RELEASE_DIR.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def _check_assignment(assignment):
    if assignment not in _assignments():
        raise SystemExit(f"gradescope: no assignment {assignment!r}; the assignments are {', '.join(_assignments())}")


def _requirements():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    keep = [ln for ln in lines if ln.split(">")[0].split("=")[0].split("<")[0].strip() in _NEEDED]
    return "# what the autograder needs to grade notebooks\n" + "\n".join(keep) + "\n-e .\n"


def _copy_course(dest, assignment):
    """The course as the bundle carries it: nnlib, the grader, and of the exercises only this
    assignment's student copy and checks (no solutions, no other assignment)."""
    from .checks import ASSIGNMENTS

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    dest.mkdir(parents=True)
    for name in _COURSE:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    grader = dest / "exercises"
    (grader / "checks").mkdir(parents=True)
    for module in PACKAGE_DIR.glob("*.py"):
        shutil.copy2(module, grader / module.name)
    for name in ("__init__.py", "engine.py", f"{ASSIGNMENTS[assignment]}.py"):
        shutil.copy2(PACKAGE_DIR / "checks" / name, grader / "checks" / name)
    shutil.copytree(RELEASE_DIR / assignment, grader / "release" / assignment, ignore=ignore)
    (dest / "requirements-autograder.txt").write_text(_requirements(), encoding="utf-8")


def bundle(assignment, out, stdout=None):
    """Write the autograder bundle for an assignment into out (and out/autograder.zip). Exit code."""
    stdout = stdout or sys.stdout
    _check_assignment(assignment)
    if not (ROOT / "pyproject.toml").exists() or PACKAGE_DIR.parent != ROOT:
        raise SystemExit("gradescope: the bundle is made from the course's repository (an editable install)")
    out = pathlib.Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"gradescope: {out} is not empty; give a new or empty directory")
    out.mkdir(parents=True, exist_ok=True)
    (out / "setup.sh").write_text(SETUP, encoding="utf-8")
    run = out / "run_autograder"
    run.write_text(RUN.format(assignment=assignment), encoding="utf-8")
    for script in (out / "setup.sh", run):
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    _copy_course(out / "course", assignment)
    with zipfile.ZipFile(out / "autograder.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(out.rglob("*")):
            if path.is_file() and path.name != "autograder.zip":
                info = zipfile.ZipInfo.from_file(path, path.relative_to(out))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    print(f"wrote the autograder for {assignment} to {out}; upload {out / 'autograder.zip'} to Gradescope", file=stdout)
    return 0


def _submitted_notebook(assignment, submission):
    """The submitted notebook of this assignment, or (None, the reason)."""
    from .results import shown
    from .submission import find_assignment, read_submission

    found = sorted(p for p in submission.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    others = []
    for path in found:
        try:  # within the grader's limits of size, and no link followed: a student laid this directory out
            name, _ = find_assignment(read_submission(path, follow_symlinks=False))
        except Exception:  # not a notebook, or none of the assignments
            continue
        if name == assignment:
            return path, ""
        others.append(f"{shown(path.name)} is {name}")
    if not found:
        return None, f"the submission holds no notebook (.ipynb); upload your {assignment} notebook"
    return None, (f"none of the submitted notebooks is assignment {assignment}"
                  + (f" ({'; '.join(others)})" if others else ""))


def _max_score(assignment):
    """The points the assignment is worth (0 when the bundle does not hold it)."""
    from .notebooks import read, release_notebooks
    from .submission import max_score

    return sum(max_score(read(p)) for p in release_notebooks() if p.parent.name == assignment)


def kernel_isolation():
    """How a kernel runs here: (sandboxed, run_as). In bubblewrap where it can start; as the
    unprivileged KERNEL_USER when this process is root and that user exists (Gradescope's image)."""
    import os
    import pwd

    from . import sandbox

    run_as = None
    if os.geteuid() == 0:
        try:
            run_as = pwd.getpwnam(KERNEL_USER).pw_uid
        except KeyError:
            run_as = None
    return sandbox.unavailable_reason() is None, run_as


def run(assignment, root):
    """Grade root/submission's notebook of this assignment into root/results/results.json (exit code 0)."""
    from .grade import grade_one
    from .results import as_gradescope, unreadable

    root = pathlib.Path(root)
    start = time.monotonic()
    notebook, why = _submitted_notebook(assignment, root / "submission")
    sandboxed, run_as = kernel_isolation()
    tests = (grade_one(notebook, sandboxed=sandboxed, run_as=run_as, follow_symlinks=False)[0] if notebook
             else unreadable(why, _max_score(assignment)))
    results = as_gradescope(tests)
    results["execution_time"] = round(time.monotonic() - start, 1)
    if notebook is None:
        results["output"] = why
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0
