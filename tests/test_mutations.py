"""The mutation test: every planted bug of tests/mutations.py must make some notebook fail.

For each mutation, nnlib is copied to a temporary folder, the one replacement is made, and the
notebooks run in fresh kernels (nbclient) with that copy first on PYTHONPATH, until one fails;
the notebooks most likely to catch it run first (its hint, then those that name the mutated
function, then the rest in course order). Two mutants run side by side. A notebook that catches
a mutant must pass without it (checked once per notebook, after the mutants), so a notebook
broken for another reason cannot "catch" anything.

    pytest -m mutation                      # all of them (CI, .ci/run); about 5-10 minutes on 2 cores
    pytest -m mutation -k sgd-steps         # some of them

The summary at the end names, for each mutant, the notebook and cell that caught it. A
surviving mutant fails its test; the ones known to survive today are listed in SURVIVORS with
the notebook expected to catch them, as strict xfails, so catching one forces its removal.
"""

import ast
import concurrent.futures
import multiprocessing
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from mutations import MUTATIONS  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
BY_ID = {m.id: m for m in MUTATIONS}
JOBS = 2  # two mutants at a time: the machines CI runs on have two cores
CELL_TIMEOUT = 120  # seconds; a mutant that makes a cell hang this long is caught by it
STARTUP_TIMEOUT = 300  # seconds for a kernel to start: on a busy machine 60 is not always enough

# Mutants no notebook catches yet, each with the notebook expected to catch it. Whoever makes that
# notebook catch one removes it here (its test is a strict xfail: once caught, it fails until removed).
SURVIVORS = {}


class Survived(AssertionError):
    """Every notebook ran to the end with the mutation in place."""


# --------------------------------------------------------------------------- the mutation list


def test_there_are_enough_mutations_with_unique_ids():
    assert len(MUTATIONS) >= 35
    assert len(BY_ID) == len(MUTATIONS), "two mutations share an id"
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", m.id) for m in MUTATIONS), "ids are lowercase words and -"
    assert set(SURVIVORS) <= set(BY_ID), f"SURVIVORS names unknown mutations: {set(SURVIVORS) - set(BY_ID)}"
    assert set(SURVIVORS.values()) <= set(NOTEBOOKS)


@pytest.mark.parametrize("mutant", [m.id for m in MUTATIONS])
def test_each_mutation_applies_exactly_once(mutant):
    # Cheap, so it runs with the quick suite: a refactor that removes or repeats a mutated line
    # must fail here, not let the mutant pass vacuously.
    m = BY_ID[mutant]
    text = (ROOT / m.path).read_text(encoding="utf-8")
    assert text.count(m.old) == 1, f"{mutant}: {m.old!r} occurs {text.count(m.old)} times in {m.path}, not once"
    assert m.new != m.old and m.why and (not m.hint or m.hint in NOTEBOOKS), mutant
    compile(text.replace(m.old, m.new), m.path, "exec")  # the mutant is still valid Python


# --------------------------------------------------------------------------- running a mutant


def mutated_names(mutation):
    """Names a notebook would use to reach the mutated code: the enclosing public function or
    class, or the names on the mutated line of module-level code."""
    source = (ROOT / mutation.path).read_text(encoding="utf-8")
    line = source[:source.index(mutation.old)].count("\n") + 1
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.lineno <= line <= node.end_lineno:
            names.append((node.lineno, node.name))
    public = [name for _, name in sorted(names) if not name.startswith("_")]
    if public:
        return public
    return re.findall(r"[A-Za-z]\w+", source.splitlines()[line - 1])[:1]


def notebook_order(mutation, code_of):
    """The notebooks in the order to try them: the hint, then those naming the mutated code, then the rest."""
    names = mutated_names(mutation)
    naming = [nb for nb in NOTEBOOKS if any(re.search(rf"\b{re.escape(n)}\b", code_of[nb]) for n in names)]
    order = ([mutation.hint] if mutation.hint else []) + naming + NOTEBOOKS
    return list(dict.fromkeys(order))


def notebook_code():
    import nbformat

    return {name: "\n".join(c.source for c in nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4).cells
                            if c.cell_type == "code") for name in NOTEBOOKS}


def copy_of_nnlib(folder, mutation=None):
    """nnlib copied into folder (the folder to put first on PYTHONPATH), with the mutation made."""
    shutil.copytree(ROOT / "nnlib", folder / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    if mutation is not None:
        path = folder / mutation.path
        text = path.read_text(encoding="utf-8")
        if text.count(mutation.old) != 1:
            raise RuntimeError(f"{mutation.id}: the text to replace occurs {text.count(mutation.old)} times")
        path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")


def run_notebook(name, folder):
    """Execute a notebook with folder first on PYTHONPATH. Returns None if every cell ran, else
    (cell index, error) of the first failure."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    # First, a guard: the kernel must import the copy, or the run would test the wrong nnlib.
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        f"import nnlib\nassert nnlib.__file__.startswith({str(folder)!r}), nnlib.__file__"))
    paths = [str(folder), str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, startup_timeout=STARTUP_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                       and any(o.output_type == "error" for o in c.get("outputs", []))), None)
        if failed == 0:
            raise RuntimeError(f"the kernel did not import the copy of nnlib in {folder}: {err}") from err
        return (None if failed is None else failed - 1), describe(err)
    return None


def describe(err):
    """A one-line account of a failed cell: the error, and the line that raised it when the error says nothing."""
    from nbclient.exceptions import CellExecutionError

    if not isinstance(err, CellExecutionError):
        return type(err).__name__
    text = f"{err.ename}: {err.evalue}".strip()
    if not err.evalue.strip():
        arrows = re.findall(r"^-+> *\d+ (.*)$", re.sub(r"\x1b\[[0-9;]*m", "", err.traceback), re.M)
        text += f" at {arrows[-1].strip()}" if arrows else ""
    return text.splitlines()[0][:200]


def run_mutant(mutation_id):
    """Run the notebooks on one mutant until one fails. Returns its result dict."""
    mutation = BY_ID[mutation_id]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"nnlib-mutant-{mutation_id}-") as tmp:
        folder = pathlib.Path(tmp)
        copy_of_nnlib(folder, mutation)
        tried = []
        for name in notebook_order(mutation, notebook_code()):
            tried.append(name)
            failure = run_notebook(name, folder)
            if failure is not None:
                cell, error = failure
                return {"id": mutation_id, "caught_by": name, "cell": cell, "error": error, "tried": tried,
                        "seconds": time.perf_counter() - start}
    return {"id": mutation_id, "caught_by": None, "cell": None, "error": None, "tried": tried,
            "seconds": time.perf_counter() - start}


def run_unmutated(name):
    """The notebook on an unmutated copy of nnlib: None if it passes, else its failure."""
    with tempfile.TemporaryDirectory(prefix="nnlib-unmutated-") as tmp:
        copy_of_nnlib(pathlib.Path(tmp))
        return name, run_notebook(name, pathlib.Path(tmp))


def run_all(mutation_ids):
    """{id: result} for the mutants, JOBS at a time, and {notebook: failure or None} for each
    notebook that caught one, run without any mutation."""
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(JOBS, mp_context=context) as pool:
        futures = {mutant: pool.submit(run_mutant, mutant) for mutant in mutation_ids}
        results = {}
        for mutant, future in futures.items():
            try:
                results[mutant] = future.result()
            except Exception as err:  # the machinery failed for this one: its test reports it
                results[mutant] = {"id": mutant, "caught_by": None, "broken": f"{type(err).__name__}: {err}",
                                   "cell": None, "error": None, "tried": [], "seconds": 0.0}
        catchers = sorted({r["caught_by"] for r in results.values() if r["caught_by"]})
        baseline = dict(pool.map(run_unmutated, catchers))
    return results, baseline, time.perf_counter() - start


@pytest.fixture(scope="session")
def mutation_results(request):
    selected = [item.callspec.params["mutant"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_notebooks_catch_the_mutant"]
    results, baseline, seconds = run_all(selected)
    request.config.mutation_report = (results, baseline, seconds)  # for the summary in conftest.py
    return results, baseline


def survivor_mark(mutant):
    if mutant in SURVIVORS:
        return [pytest.mark.xfail(strict=True, raises=Survived,
                                  reason=f"survives today; {SURVIVORS[mutant]} is expected to catch it")]
    return []


@pytest.mark.mutation
@pytest.mark.parametrize("mutant", [pytest.param(m.id, marks=survivor_mark(m.id)) for m in MUTATIONS])
def test_notebooks_catch_the_mutant(mutant, mutation_results):
    results, baseline = mutation_results
    result = results[mutant]
    m = BY_ID[mutant]
    assert "broken" not in result, f"{mutant} could not be run: {result['broken']}"
    if result["caught_by"] is None:
        raise Survived(f"{mutant} survives: all {len(result['tried'])} notebooks pass with {m.path} changed from "
                       f"{m.old.strip()!r} to {m.new.strip()!r} ({m.why}). Expected catcher: {m.hint or 'any'}")
    catcher = result["caught_by"]
    assert baseline.get(catcher) is None, (
        f"{catcher} 'caught' {mutant}, but it fails without any mutation too: {baseline[catcher]}")
