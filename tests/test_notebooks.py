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
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
COURSE = [
    "00_welcome", "01_forward_pass", "02_loss_functions", "03_chain_rule",
    "04_backprop_one_neuron", "05_backprop_layers", "06_gradient_descent",
    "07_training_loop", "08_vanishing_exploding", "09_capstone",
]
# Further notebooks are numbered from 10 on (the playground, say); they follow the same rules.
NOTEBOOKS = COURSE + sorted(p.stem for p in (ROOT / "notebooks").glob("1[0-9]_*.ipynb"))


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


def test_the_ten_notebooks_and_only_further_ones_numbered_from_10():
    present = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert present[:len(COURSE)] == COURSE
    assert "10_playground" in present  # the live playground, after 07
    assert present == NOTEBOOKS, f"unexpected notebooks: {sorted(set(present) - set(NOTEBOOKS))}"


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


# What a formula map entry names must import from numpy alone: a learner can use the course's
# formulas without matplotlib or ipywidgets, which only the plots and the explorers need.
BLOCKED = ("matplotlib", "ipywidgets", "PIL", "tqdm", "nbclient", "nbformat", "IPython")
IMPORT_WITHOUT_PLOTTING = """
import importlib, importlib.abc, json, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is unavailable in this test")
        return None

sys.meta_path.insert(0, Blocked())
missing = []
for ref in REFS:
    module, _, attr = ref.rpartition(".")
    try:
        if not hasattr(importlib.import_module(module), attr):
            missing.append(f"{ref}: no such name")
    except ImportError as exc:
        missing.append(f"{ref}: {exc}")
print(json.dumps(missing))
"""


def test_every_formula_imports_without_matplotlib_or_ipywidgets():
    refs = sorted({ref for row in formula_rows() for ref in re.findall(r"`([\w.]+)`", row[2])})
    assert len(refs) >= 15
    code = f"BLOCKED = {BLOCKED!r}\nREFS = {refs!r}\n" + IMPORT_WITHOUT_PLOTTING
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [], f"formula map entries that need more than numpy: {out.stdout}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_cell_only_prints(name):
    # A number shown is not a number checked: a cell that prints must also assert.
    for i, cell in enumerate(load(name)["cells"]):
        code = source(cell)
        if cell["cell_type"] == "code" and "print(" in code:
            assert re.search(r"^\s*assert\b", code, re.M), f"{name}: cell {i} prints but asserts nothing"


def seeded(name):
    """The notebook's code cells, if one of them sets SEED = 0 (its one source of randomness)."""
    cells = [source(c) for c in load(name)["cells"] if c["cell_type"] == "code"]
    lines = [line for cell in cells for line in cell.splitlines() if re.match(r"SEED = \d+\b", line)]
    return cells if lines else None


SEEDED = [name for name in NOTEBOOKS if seeded(name)]


def test_the_random_notebooks_take_one_seed():
    # 00 promises that changing the numbers keeps every check passing; the test below holds the
    # notebooks that draw random numbers to it, so each must draw them from one SEED.
    assert set(SEEDED) >= {"03_chain_rule", "05_backprop_layers", "07_training_loop", "09_capstone"}
    for name in SEEDED:
        lines = [line for cell in seeded(name) for line in cell.splitlines() if line.startswith("SEED =")]
        assert len(lines) == 1 and re.match(r"SEED = 0\s*(#|$)", lines[0]), (name, lines)
        code = "\n".join(seeded(name))
        assert not re.search(r"default_rng\(\d", code), f"{name}: a generator seeded with a literal, not SEED"


# JupyterLab's output area is 848 px wide in a 1280-px window with the file browser open, and its
# monospace font is 7.8 px a character (both measured in chromium): a longer printed line wraps.
PRINTED_LINE_LIMIT = 100


# JupyterLab 4's output area in a 1280-pixel-wide chromium window with the file browser open:
# 848 pixels, about 106 characters of printed text (measured in chromium). A wider figure is
# shrunk to fit (its text with it), and a longer printed line wraps.
OUTPUT_WIDTH_PX = 848


def run_cells(name, seed, monkeypatch):
    """Run the notebook's code cells in this process with SEED = seed; returns (printed text,
    [(figure number, its drawn width in pixels)])."""
    import contextlib
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []

    def show(*args, **kwargs):  # the inline backend draws each figure's tight box at its dpi
        for number in plt.get_fignums():
            fig = plt.figure(number)
            shown.append((number, fig.get_tightbbox(fig.canvas.get_renderer()).width * fig.dpi))
        plt.close("all")

    monkeypatch.chdir(ROOT / "notebooks")
    monkeypatch.setattr(plt, "show", show)
    cells = [source(c) for c in load(name)["cells"] if c["cell_type"] == "code"]
    namespace, printed = {}, io.StringIO()
    for i, cell in enumerate(cells):
        cell = re.sub(r"^SEED = 0\b", f"SEED = {seed}", cell, flags=re.M)
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(cell, f"{name} code cell {i} (SEED = {seed})", "exec"), namespace)
        finally:
            plt.close("all")
    return printed.getvalue(), shown


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_again_with_another_seed_and_fits_the_output_area(name, monkeypatch):
    # Every check derives its expected value from the inputs, so another seed must pass too
    # (in the notebooks that draw random numbers from one SEED); and what the notebook prints
    # and draws fits the output area without wrapping or shrinking.
    printed, shown = run_cells(name, 1, monkeypatch)
    long_lines = [line for line in printed.splitlines() if len(line) > PRINTED_LINE_LIMIT]
    assert not long_lines, f"{name} prints lines that wrap in JupyterLab: {long_lines}"
    wide = [round(width) for _, width in shown if width > OUTPUT_WIDTH_PX]
    assert not wide, f"{name} draws figures {wide} pixels wide, shrunk to fit {OUTPUT_WIDTH_PX}"


MORE_SEEDS = [2, 3, 4, 5]


@pytest.mark.seeds
@pytest.mark.parametrize("seed", MORE_SEEDS)
@pytest.mark.parametrize("name", SEEDED)
def test_every_check_holds_for_more_seeds(name, seed, monkeypatch):
    # "Change SEED and re-run": a learner who does gets no failing assert. Running seeds 2 to 40
    # found asserts in 04, 07, 11 and 13 that had held for seeds 0 and 1 by the luck of the draw.
    run_cells(name, seed, monkeypatch)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_empty_cells(name):
    empty = [i for i, cell in enumerate(load(name)["cells"]) if not source(cell).strip()]
    assert not empty, f"{name}: cells {empty} are empty"


def asserts_that_cannot_fail(code):
    """Asserts in code that no input can make fail: ones built from literals alone, and
    `assert e != c` after `assert e == d` (d != c) on the same expression e."""
    import ast

    found, known = [], {}
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Assert):
            continue
        test = node.test
        if not any(isinstance(n, ast.Name) for n in ast.walk(test)):
            found.append(ast.unparse(test))
        right = test.comparators[0] if isinstance(test, ast.Compare) and len(test.ops) == 1 else None
        if right is not None and not any(isinstance(n, ast.Name) for n in ast.walk(right)):
            # the right side is made of literals (3.0, 2 * 3.0): its value is known
            lhs, value = ast.unparse(test.left), eval(compile(ast.Expression(right), "<assert>", "eval"))
            if isinstance(test.ops[0], ast.Eq):
                known[lhs] = value
            elif isinstance(test.ops[0], ast.NotEq) and lhs in known and known[lhs] != value:
                found.append(ast.unparse(test))
    return found


def test_the_detector_of_asserts_that_cannot_fail():
    assert asserts_that_cannot_fail("assert 0.5 * (1 - 0.5) == 0.25") == ["0.5 * (1 - 0.5) == 0.25"]
    assert asserts_that_cannot_fail("assert w.grad == 2 * 3.0\nassert w.grad != 3.0") == ["w.grad != 3.0"]
    assert asserts_that_cannot_fail("assert w.grad == 2 * w0\nassert abs(x - y) < 1e-7") == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_assert_that_cannot_fail(name):
    for i, cell in enumerate(load(name)["cells"]):
        if cell["cell_type"] == "code":
            assert not asserts_that_cannot_fail(source(cell)), (name, i, asserts_that_cannot_fail(source(cell)))
