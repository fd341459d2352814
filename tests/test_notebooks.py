"""The notebooks' structure and the README's maps of them.

nbval runs the notebooks themselves (their asserts do the checking); this module checks
what a learner relies on before running anything: every notebook is listed, opens with
its title and learning goals, asserts its derivations, ends with questions, and every
formula in the README's table points at a notebook, an nnlib function and a test that exist.
"""

import importlib
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = [
    "00_welcome", "01_forward_pass", "02_loss_functions", "03_chain_rule",
    "04_backprop_one_neuron", "05_backprop_layers", "06_gradient_descent",
    "07_training_loop", "08_vanishing_exploding", "09_capstone", "10_playground",
]


def load(name):
    return json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def readme_section(title):
    text = readme()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


def test_the_eleven_notebooks_and_nothing_else():
    present = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert present == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_opens_with_title_goals_and_prerequisites(name):
    first = load(name)["cells"][0]
    text = source(first)
    assert first["cell_type"] == "markdown"
    assert re.match(rf"# {name[:2]} · \S", text), f"{name}: first line should be '# {name[:2]} · Title'"
    assert "## Learning goals" in text
    goals = re.findall(r"^\s*(?:[-*]|\d+\.)\s+\S", text.split("## Learning goals", 1)[1], re.M)
    assert 2 <= len(goals) <= 6, f"{name}: expected 2-4 learning goals, found {len(goals)}"
    assert "Prerequisites" in text


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_asserts_its_derivations_and_ends_with_questions(name):
    cells = load(name)["cells"]
    code = "\n".join(source(c) for c in cells if c["cell_type"] == "code")
    asserts = len(re.findall(r"^\s*assert\b", code, re.M))
    assert asserts >= 3, f"{name}: only {asserts} assert statements"
    markdown = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    tail = markdown.rsplit("## Check your understanding", 1)
    assert len(tail) == 2, f"{name}: no '## Check your understanding' section"
    assert tail[1].count("<details>") >= 2


def test_readme_table_of_contents_lists_every_notebook():
    toc = readme_section("Contents")
    for name in NOTEBOOKS:
        assert f"(notebooks/{name}.ipynb)" in toc, f"{name} is missing from the README's contents"


def formula_rows():
    if "## Formula map" not in readme():
        return []  # test_formula_map_is_not_empty reports it
    rows = []
    for line in readme_section("Formula map").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("[") and "---" not in line:
            rows.append(cells)
    return rows


def test_formula_map_is_not_empty():
    assert len(formula_rows()) >= 15


@pytest.mark.parametrize("row", formula_rows(), ids=lambda r: r[0][:40])
def test_every_formula_has_a_notebook_a_function_and_a_test(row):
    formula, notebook, functions, test = row
    nb_path = re.search(r"\((notebooks/[^)]+\.ipynb)\)", notebook)
    assert nb_path and (ROOT / nb_path.group(1)).exists(), f"{formula}: notebook {notebook} not found"
    nb_text = (ROOT / nb_path.group(1)).read_text(encoding="utf-8")
    for ref in re.findall(r"`([\w.]+)`", functions):
        module, _, attr = ref.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), f"{formula}: {ref} does not exist"
        assert attr in nb_text, f"{formula}: {nb_path.group(1)} never uses {ref}"
    for ref in re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", test):
        path, name = ref
        assert (ROOT / path).exists(), f"{formula}: {path} not found"
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), (
            f"{formula}: no test {name} in {path}")
    assert re.search(r"`tests/", test), f"{formula}: no test named"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_cell_only_prints(name):
    # A number shown is not a number checked: a cell that prints must also assert.
    for i, cell in enumerate(load(name)["cells"]):
        code = source(cell)
        if cell["cell_type"] == "code" and "print(" in code:
            assert re.search(r"^\s*assert\b", code, re.M), f"{name}: cell {i} prints but asserts nothing"
