"""The repository keeps its promises: clean notebooks, the README's commands, CI."""

import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def tracked_notebooks():
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:  # not a git checkout (an unpacked archive): look at the files
        return sorted(p.relative_to(ROOT) for p in ROOT.rglob("*.ipynb")
                      if ".ipynb_checkpoints" not in p.parts)
    return [pathlib.Path(line) for line in out.stdout.splitlines()]


NOTEBOOKS = tracked_notebooks()


@pytest.fixture(scope="module")
def nbstripout_dry_run():
    """What `nbstripout --verify` would strip, for every notebook in one run (it names each)."""
    result = subprocess.run([sys.executable, "-m", "nbstripout", "--verify",
                             *(str(ROOT / p) for p in NOTEBOOKS)],
                            capture_output=True, text=True)
    output = result.stdout + result.stderr
    named = [p for p in NOTEBOOKS if str(ROOT / p) in output]
    # Exit 0 names no notebook, exit 1 names the ones it would strip. Anything else (a usage
    # error from a version without --verify, a crash) has checked nothing and must fail here.
    assert (result.returncode, bool(named)) in ((0, False), (1, True)), (
        f"nbstripout --verify itself failed (exit {result.returncode}, naming {len(named)} notebooks):\n"
        + output[-2000:])
    return output


@pytest.mark.parametrize("path", NOTEBOOKS, ids=str)
def test_notebook_is_stripped_and_has_a_kernelspec(path, nbstripout_dry_run):
    nb = json.loads((ROOT / path).read_text(encoding="utf-8"))
    spec = nb.get("metadata", {}).get("kernelspec", {})
    assert spec.get("name") == "python3" and spec.get("language") == "python", (
        f"{path}: kernelspec metadata missing; expected name python3, language python")
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, (
                f"{path}: cell {i} carries outputs; run `nbstripout {path}`")
    assert str(ROOT / path) not in nbstripout_dry_run, (
        f"{path}: nbstripout would still strip it (metadata left over); run `nbstripout {path}`")


def test_nbstripout_dry_run_catches_leftover_metadata(tmp_path):
    # guards the check above: a notebook with one leftover cell-metadata key is named
    nb = json.loads((ROOT / NOTEBOOKS[0]).read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["metadata"]["ExecuteTime"] = {"end_time": "2026-01-01T00:00:00"}
    dirty = tmp_path / "dirty.ipynb"
    dirty.write_text(json.dumps(nb), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "nbstripout", "--verify", str(dirty)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and str(dirty) in result.stdout + result.stderr


def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_has_exactly_the_two_commands():
    text = readme()
    assert "pip install -r requirements.txt && jupyter lab --notebook-dir=. notebooks/00_welcome.ipynb" in text
    assert "pip install -r requirements-dev.txt && pytest" in text


def test_the_course_opens_where_the_notebooks_and_the_assignments_are_both_in_reach():
    # the command starts JupyterLab at the root (the file browser's top), with the welcome notebook open;
    # `jupyter lab notebooks/` would root the file browser at notebooks/, out of reach of exercises/release/
    command = re.search(r"requirements\.txt && (jupyter lab [^\n]*)", readme()).group(1).split()
    assert "--notebook-dir=." in command and (ROOT / command[-1]).is_file()
    welcome = (ROOT / "notebooks" / "00_welcome.ipynb").read_text(encoding="utf-8")
    assert "exercises/release/" in welcome
    for assignment in sorted(p.name for p in (ROOT / "exercises" / "release").iterdir() if p.is_dir()):
        assert f"| `{assignment}` |" in welcome, f"00's table of assignments lacks {assignment}"


def test_ci_runs_exactly_the_readme_commands():
    # CI also runs the suite at the lowest versions and tests the website; the README's own
    # test and website commands are lines of it, word for word
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in script.splitlines() if not line.strip().startswith("#")]
    for command in ("pip install -r requirements-dev.txt && pytest",
                    "pip install -r requirements-book.txt && python book/build.py"):
        assert command in readme() and lines.count(command) == 1, command
    assert "set -euo pipefail" in script and "--resolution lowest-direct -r requirements-dev.txt" in script


def test_every_suite_a_bare_pytest_leaves_out_is_run_by_ci_and_named_in_the_readme(pytestconfig):
    addopts = pytestconfig.getini("addopts")  # split as a shell would: the -m expression is one item
    left_out = re.findall(r"\bnot (\w+)", addopts[addopts.index("-m") + 1])
    assert {"mutation", "hostile", "lab"} <= set(left_out), left_out
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = [line.strip() for line in script.splitlines() if not line.strip().startswith("#")]
    declared = {m.split(":")[0] for m in pytestconfig.getini("markers")}
    for marker in left_out:
        assert marker in declared, f"{marker} is left out but not declared in pyproject.toml's markers"
        assert any(re.match(rf"(\S*python\S* -m )?pytest -m {marker}\b", line) for line in runs), (
            f"`pytest` leaves out the {marker} tests and .ci/run never runs them: they would run nowhere")
        assert f"pytest -m {marker}" in readme(), f"the README does not say how to run the {marker} tests"


NUMBER_WORDS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}


def counted(text, noun):
    """Every 'N notebooks' or 'N assignments' whose N is spelled out: (word, number) pairs."""
    words = "|".join(NUMBER_WORDS)
    return [(m.group(1), NUMBER_WORDS[m.group(1).lower()]) for m in
            re.finditer(rf"\b({words})\s+(?:Jupyter\s+|graded\s+)?{noun}\b", text, flags=re.IGNORECASE)]


def test_the_readmes_counts_of_notebooks_and_assignments_are_the_repositorys():
    # the opening and the layout once said "ten" and "eleven" notebooks after four more were added
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assignments = sorted(p.name for p in (ROOT / "exercises" / "source").iterdir() if p.is_dir())
    text = readme()
    docstrings = "\n".join((ROOT / p).read_text(encoding="utf-8")
                           for p in ("exercises/checks/__init__.py", "benchmarks/grading.py"))
    for noun, actual in (("notebooks", len(notebooks)), ("assignments", len(assignments))):
        found = counted(text + docstrings, noun)
        assert found, f"the README no longer counts its {noun}: this test has nothing to hold"
        for word, n in found:
            assert n == actual, f"'{word} {noun}' in the README or a docstring, but there are {actual}"
    spans = re.findall(r"`(00_welcome)` to `(\w+)`", text)
    assert spans and all(last == notebooks[-1] for _, last in spans), (spans, notebooks[-1])
    opening = text.split("\n## ")[0]
    assert counted(opening, "notebooks"), "the opening says how many notebooks the course has"


def test_a_stale_count_is_found():
    # guards the test above: the words it reads, in the forms the README uses
    assert counted("Ten\nJupyter notebooks (and", "notebooks") == [("Ten", 10)]
    assert counted("all six assignments", "assignments") == [("six", 6)]
    assert counted("a class of 40 notebooks", "notebooks") == []


def test_numeric_core_imports_numpy_only():
    code = ("import sys, nnlib; bad = [m for m in ('matplotlib', 'ipywidgets', 'tqdm', 'sklearn', 'nbclient')"
            " if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"import nnlib pulled in {out.stdout.strip()}"


def test_requirements_are_ranges_with_the_project_itself():
    req = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    for name in ("jupyterlab", "numpy", "matplotlib", "ipywidgets", "tqdm"):
        assert name in req
    assert "-e ." in req and "==" not in req
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    for name in ("-r requirements.txt", "pytest", "nbval", "hypothesis", "nbstripout", "ruff"):
        assert name in dev


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
