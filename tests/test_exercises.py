"""The graded exercises, through real kernels: release/ matches source/, source scores full marks,
blank copies score zero, tampering gains nothing, bad submissions (raising, hanging, killing the
kernel, deleting names, not a notebook) cost only what they break, a copy anywhere is graded with
the instructor's tests, and grading never writes to what it grades.

Most notebooks are graded once, up front, by the command line itself (`python -m exercises grade
DIR --json`, from a directory outside the repository); the tests read those results. The answers
themselves are probed in tests/test_exercise_answers.py, without kernels.
"""

import copy
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys

import exercise_harness as harness
import nbformat
import pytest

from exercises import RELEASE_DIR, ROOT, SOURCE_DIR
from exercises.notebooks import exercise_of, grade_id, is_solution, is_test, points, source_notebooks
from exercises.release import clear_solutions
from exercises.results import KINDS

SOURCES = {p.parent.name: p for p in source_notebooks()}
A1, A2, A3, A4, A5 = "01_forward_and_losses", "02_chain_rule", "03_backprop", "04_training", "05_autograd"
A6 = "06_optimisers_and_normalisation"
MARK = {A1: pytest.mark.a1, A2: pytest.mark.a2, A3: pytest.mark.a3, A4: pytest.mark.a4, A5: pytest.mark.a5,
        A6: pytest.mark.a6}
BAD_TIMEOUT = 3  # seconds per cell for the hanging submissions: short, so the test stays quick

# Tests that also run another exercise's code, as their notebook says: blanking that one costs them too.
ALSO_DEPENDS_ON = {"ex3_4_your_network_tests": {"3.2"}, "ex5_3_tests": {"5.1", "5.2"}}


def per_assignment(names=None):
    return [pytest.param(n, marks=MARK[n], id=n) for n in (sorted(SOURCES) if names is None else names)]


def cli(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "exercises", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def load(path):
    return nbformat.read(str(path), as_version=4)


def save(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def cell(nb, gid):
    (found,) = [c for c in nb.cells if grade_id(c) == gid]
    return found


def digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def by_name(report):
    return {t["name"]: t for t in report["tests"]}


# ------------------------------------------------------------------ the submissions

# Wrong answers a learner writes, the cell, and what the feedback must say (a sample of the probe's).
WRONG = {  # a sample graded in kernels; tests/test_exercise_answers.py probes every assignment without them
    A1: [("ex1_1", "return x @ W + b", "return x @ W", "ex1_1_tests", "the bias is missing"),
         ("ex1_2", "np.maximum(z, 0.0)", "np.max(z, 0)", "ex1_2_relu_tests", "np.max(z, 0)"),
         ("ex1_3", "diff / n", "diff", "ex1_3_gradient_tests", "without the 1/N"),
         ("ex1_4", "(p - y) / (p * (1 - p)) / n", "(p - y) / n", "ex1_4_gradient_tests", "with respect to the logit")],
    A4: [("ex4_1", "p -= lr * grads[name]", "p += lr * grads[name]", "ex4_1_tests", "moved uphill"),
         ("ex4_2", "rng.permutation(n)", "np.arange(n)", "ex4_2_tests", "forgot to shuffle"),
         ("ex4_4", "p[...] = weights", "pass", "ex4_4_tests", "kept the last epoch's weights"),
         ("ex4_6", "diverging_lrs = [0.6]", "diverging_lrs = [0.4, 0.6]", "ex4_6_answer_tests", "these converge")],
    A5: [("ex5_1", "self.grad += out.grad\n            other.grad += out.grad",
          "self.grad = out.grad\n            other.grad = out.grad", "ex5_1_add_mul_tests", "overwrites"),
         ("ex5_2", "for node in reversed(order):", "for node in order:", "ex5_2_tree_tests", "inputs first")],
    A6: [("ex6_2", "m_hat = m[name] / (1 - beta1 ** t)", "m_hat = m[name]", "ex6_2_tests",
          "v corrected but not m"),
         ("ex6_3", "dx = dc - dc.mean(axis=0)", "dx = dc", "ex6_3_backward_tests", "the path through the mean")],
}

TAMPERING = [
    "check = lambda *args, **kwargs: None  # the test cells' name, rebound",
    "import exercises.student\nexercises.student.check = lambda *args, **kwargs: None",
    "import exercises.checks.engine as engine\nengine.verdict = lambda *args, **kwargs: (None, False)",
    "np.allclose = lambda *args, **kwargs: True\nnp.array_equal = lambda *args, **kwargs: True\n"
    "np.isclose = lambda *args, **kwargs: True",
]


def tampered(nb):
    """nb with the tampering cells right after its set-up cell."""
    nb = copy.deepcopy(nb)
    at = nb.cells.index(cell(nb, "setup")) + 1
    for i, source in enumerate(TAMPERING):
        nb.cells.insert(at + i, nbformat.v4.new_code_cell(("import numpy as np\n" if "np." in source else "") + source))
    return nb


# Grades notebooks in one process with the static scan switched off, so that only the judging
# stands between tampering in the kernel and the score: {path: {test: points}} as JSON.
UNSEEN = """
import json, sys
import exercises.grade as grade
import exercises.static as static
scan = static.scan_cells
def scan_and_forget(cells, imports=()):
    aliases = scan(cells, imports)
    for cell in cells:
        cell.problems.clear()
    return aliases
static.scan_cells, static.forbidden_uses = scan_and_forget, lambda *args, **kwargs: []
print(json.dumps({p: {t.name: t.points for t in grade.grade_notebook(p)} for p in sys.argv[1:]}))
"""


def unseen_copies(root):
    """The tampered blank copies, and assignment 1 answered right but for its layer, tampered too."""
    made = {name: save(tampered(load(RELEASE_DIR / name / src.name)), root / "unseen" / f"{name}.ipynb")
            for name, src in SOURCES.items()}
    nb = harness.edit(load(SOURCES[A1]), "ex1_1", "return x @ W + b", "return x @ W")
    made["answered"] = save(tampered(nb), root / "unseen" / "answered.ipynb")
    return made


def wrong_copies(root):
    made = {}
    for name, edits in WRONG.items():
        nb = load(SOURCES[name])
        for gid, old, new, _, _ in edits:
            nb = harness.edit(nb, gid, old, new)
        made[name] = save(nb, root / "wrong" / f"{name}.ipynb")
    return made


def elsewhere_copy(root):
    """A copy kept elsewhere under another name, its metadata gone, one test deleted, one emptied;
    layer_forward passes the visible cases only, and mse forgot the ½ in the loss."""
    nb = load(SOURCES[A1])
    nb.metadata.pop("exercises")
    nb = harness.edit(nb, "ex1_1", "return x @ W + b", "return x @ W + b if len(x) in (3, 4) else None")
    nb = harness.edit(nb, "ex1_3", "0.5 * np.sum", "np.sum")
    nb.cells = [c for c in nb.cells if grade_id(c) != "ex1_1_tests"]
    cell(nb, "ex1_3_loss_tests").source = "pass"
    return save(nb, root / "elsewhere" / "my homework (final).ipynb")


def bad_copies(root):
    """Submissions that raise, hang, return None or the wrong shape, delete a name, kill the kernel."""
    nb = load(SOURCES[A1])
    nb = harness.edit(nb, "ex1_1", "return x @ W + b", "return 1 / 0")
    nb = harness.edit(nb, "ex1_2", "return 1.0 / (1.0 + np.exp(-z))", "while True:\n        pass")
    nb = harness.edit(nb, "ex1_3", "return 0.5 * np.sum(diff ** 2) / n, diff / n", "diff = None")
    nb = harness.edit(nb, "ex1_4", "return loss, (p - y) / (p * (1 - p)) / n",
                      "return loss, ((p - y) / (p * (1 - p)) / n).ravel()")
    at = nb.cells.index(cell(nb, "ex1_2")) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell("del relu  # tidying up, unwisely"))
    first = save(nb, root / "bad" / "raises_hangs_none_shape_del.ipynb")

    nb = load(SOURCES[A2])
    at = nb.cells.index(cell(nb, "ex2_4")) + 1  # a cell of its own that ends the kernel: counts with 2.4
    nb.cells.insert(at, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    nb = harness.edit(nb, "ex2_5", "f, f_prime = ACTIVATIONS[activation]",
                      "f, f_prime = ACTIVATIONS[activation]\n    while True:\n        try:\n            pass\n"
                      "        except KeyboardInterrupt:\n            pass")
    second = save(nb, root / "bad" / "kernel_dies_then_ignores_interrupts.ipynb")

    garbage = root / "bad" / "not_a_notebook.ipynb"
    garbage.write_text("{this is not json", encoding="utf-8")
    return first, second, garbage


# ------------------------------------------------------------------ grading everything once

def _run_json(proc):
    out, err = proc.communicate(timeout=600)
    assert out.strip(), f"no output; stderr:\n{err}"
    return json.loads(out), proc.returncode


NO_SANDBOX = __import__("exercises.sandbox", fromlist=["x"]).unavailable_reason()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if NO_SANDBOX:
        pytest.skip(f"grading needs its sandbox, which cannot start here: {NO_SANDBOX}")
    root = tmp_path_factory.mktemp("submissions")
    away = tmp_path_factory.mktemp("elsewhere_on_disk")  # the grader runs from outside the repository
    wrong, unseen = wrong_copies(root), unseen_copies(root)
    elsewhere, bad = elsewhere_copy(root), bad_copies(root)
    repo_files = source_notebooks() + sorted(RELEASE_DIR.glob("*/*.ipynb"))
    before = digest(repo_files + list(wrong.values()) + list(unseen.values()) + [elsewhere, *bad])
    procs = {  # three runs at once: what should finish, the submissions that hang, and the unseen tampering
        "main": cli("grade", SOURCE_DIR, RELEASE_DIR, root / "wrong", root / "elsewhere",
                    "--json", "--jobs", 2, cwd=away),
        "bad": cli("grade", root / "bad", "--json", "--jobs", 1, "--timeout", BAD_TIMEOUT, cwd=away),
        "unseen": subprocess.Popen([sys.executable, "-c", UNSEEN, *map(str, unseen.values())], cwd=away,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    }
    results = {key: _run_json(p) for key, p in procs.items()}
    after = digest(before)
    return {"results": results, "before": before, "after": after, "wrong": wrong, "unseen": unseen,
            "elsewhere": elsewhere, "bad": bad, "root": root}


def report_for(graded, group, path):
    reports, _ = graded["results"][group]
    return reports[str(path)]


def reports_under(graded, directory):
    reports, _ = graded["results"]["main"]
    return {p: r for p, r in reports.items() if pathlib.Path(p).is_relative_to(directory)}


# ------------------------------------------------------------------ release

def test_release_is_up_to_date():
    proc = cli("release", "--check", cwd=ROOT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err


def test_release_check_catches_stale_copies_and_release_leaves_source_alone(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    sources = sorted((tmp_path / "exercises" / "source").rglob("*.ipynb"))
    before = digest(sources)
    stale = tmp_path / "exercises" / "release" / A1 / "forward_and_losses.ipynb"
    stale.write_text(stale.read_text(encoding="utf-8").replace("Exercise 1.1", "Exercise 9.9"), encoding="utf-8")
    orphan = tmp_path / "exercises" / "release" / "99_old" / "old.ipynb"
    orphan.parent.mkdir()
    orphan.write_text("{}", encoding="utf-8")

    proc = cli("release", "--check", cwd=tmp_path)  # the copy in tmp_path comes first on the path
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "forward_and_losses.ipynb" in out and "has no source notebook" in out, out
    proc = cli("release", cwd=tmp_path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert not orphan.exists()
    proc = cli("release", "--check", cwd=tmp_path)
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert digest(sources) == before
    assert stale.read_text(encoding="utf-8") == (RELEASE_DIR / A1 / "forward_and_losses.ipynb").read_text(
        encoding="utf-8")


@pytest.mark.parametrize("name", per_assignment())
def test_release_copy_has_no_solutions_and_no_hidden_tests(name):
    src, rel = load(SOURCES[name]), load(RELEASE_DIR / name / SOURCES[name].name)
    assert [grade_id(c) for c in src.cells] == [grade_id(c) for c in rel.cells]
    text = json.dumps(rel.dict())
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "hidden=True"):
        assert marker not in text
    for s, r in zip(src.cells, rel.cells):
        if is_solution(s):
            number = exercise_of(grade_id(s))
            assert f'raise NotImplementedError("Exercise {number}: ' in r.source.replace("'", '"')
            hidden = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", s.source, re.S)
            code = "\n".join(ln for ln in r.source.splitlines() if "NotImplementedError" not in ln)
            for body in hidden:
                for line in body.strip().splitlines():
                    if len(line.strip()) > 12:  # a solution line (not a bare `return x`) must be gone
                        assert line.strip() not in code, f"{grade_id(s)} leaks {line.strip()!r}"
        elif is_test(s):
            assert r.source == s.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()


@pytest.mark.parametrize("name", per_assignment())
def test_release_code_fits_an_editor_of_100_columns(name):
    rel = load(RELEASE_DIR / name / SOURCES[name].name)
    long = [(grade_id(c), line) for c in rel.cells if c.cell_type == "code" for line in c.source.splitlines()
            if len(line) >= 100]
    assert not long, long


# ------------------------------------------------------------------ the source notebooks' markup

@pytest.mark.parametrize("name", per_assignment())
def test_source_markup_is_what_nbgrader_expects(name):
    from exercises.checks import tasks

    nb = load(SOURCES[name])
    assert nb.metadata["kernelspec"]["name"] == "python3" and nb.metadata["exercises"]["assignment"] == name
    ids = [grade_id(c) for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique grade_id"
    exercises = {exercise_of(g) for g in ids if any(is_solution(c) and grade_id(c) == g for c in nb.cells)}
    tested = {exercise_of(grade_id(c)) for c in nb.cells if is_test(c)}
    assert exercises == tested, "every exercise needs its tests, and every test its exercise"
    known = tasks()
    for c in nb.cells:
        meta = c.metadata["nbgrader"]
        assert meta["schema_version"] == 3
        if is_test(c):
            assert meta["locked"] and meta["points"] > 0 and not meta["solution"]
            assert grade_id(c) in known, f"{grade_id(c)} has no check"
            first, _, second = c.source.split("\n")[:3]  # check imported again: runs before the set-up cell too
            assert first.startswith("from exercises.student import check"), "a test cell imports check itself"
            assert second.startswith(f'check("{grade_id(c)}", '), "a test cell calls its own check"
        elif is_solution(c):
            assert not meta["locked"] and "### BEGIN SOLUTION" in c.source
        else:
            assert meta["locked"]
    intro = nb.cells[0].source
    total = sum(points(c) for c in nb.cells if is_test(c))
    assert f"; {total:g} in all." in intro, "the introduction states the total points"
    assert "numpy, math and nnlib only" in intro and "counts with the exercise above it" in intro
    for c in nb.cells:  # every exercise states its points in its heading
        if c.cell_type == "markdown" and c.source.startswith("## Exercise"):
            assert "point" in c.source.splitlines()[0]
    for test, depends in ALSO_DEPENDS_ON.items():
        if any(grade_id(c) == test for c in nb.cells):
            assert all(d in intro for d in depends), f"the introduction says {test} needs {depends}"


def test_the_notebooks_import_nothing_that_holds_an_answer():
    for path in source_notebooks():
        for c in load(path).cells:
            if c.cell_type == "code" and not is_solution(c):
                assert "exercises.checks" not in c.source and "nnlib.checks" not in c.source, (path, c.source)


@pytest.mark.parametrize("name", per_assignment())
def test_blanking_one_solution_costs_exactly_its_exercise(name):
    nb = harness.source(name)
    for gid in [grade_id(c) for c in nb.cells if is_solution(c)]:
        variant = copy.deepcopy(nb)
        cell(variant, gid).source = clear_solutions(cell(variant, gid).source, exercise_of(gid), [])
        number = exercise_of(gid)
        for test, result in harness.grade(variant).items():
            if exercise_of(test) == number:
                assert not result.passed and f"Exercise {number}" in result.message, (gid, result)
            elif number in ALSO_DEPENDS_ON.get(test, ()):
                assert not result.passed
            else:
                assert result.passed, (gid, test, result.message)


# ------------------------------------------------------------------ grading in kernels

def test_every_source_notebook_scores_full_marks(graded):
    reports = reports_under(graded, SOURCE_DIR)
    assert len(reports) == len(SOURCES)
    for path, r in reports.items():
        assert r["score"] == r["max_score"] > 0, (path, [t for t in r["tests"] if not t["passed"]])


def test_every_release_notebook_scores_zero_and_says_why(graded):
    reports = reports_under(graded, RELEASE_DIR)
    assert graded["results"]["main"][1] == 1 and len(reports) == len(SOURCES)
    for path, r in reports.items():
        assert r["score"] == 0 and r["max_score"] > 0, path
        for t in r["tests"]:
            assert not t["passed"] and t["points"] == 0
            assert "Exercise" in t["message"], (path, t)  # points at the exercise still to write


@pytest.mark.parametrize("name", per_assignment())
def test_the_grader_names_the_tampering_it_reads_in_the_cells(name):
    from exercises import static
    from exercises.submission import assemble, learner_cells

    release = load(RELEASE_DIR / name / SOURCES[name].name)
    nb_cells, slots = assemble(tampered(release), release)
    cells = learner_cells(nb_cells, slots)
    static.scan_cells(cells, imports=[str(c.source) for c, s in zip(nb_cells, slots) if s.role == "given"])
    found = [p for c in cells if c.exercise is None for p in c.problems]  # before the first exercise: counts for all
    for words in ("imports exercises.student", "imports exercises.checks.engine", "changes a library (`np.allclose"):
        assert any(words in p for p in found), (words, found)


@pytest.mark.parametrize("name", per_assignment())
def test_tampering_gains_nothing_even_where_the_static_scan_is_switched_off(graded, name):
    scores, _ = graded["results"]["unseen"]
    assert sum(scores[str(graded["unseen"][name])].values()) == 0


@pytest.mark.a1
def test_tampering_around_right_answers_neither_helps_a_wrong_one_nor_hurts_the_right_ones(graded):
    scores, _ = graded["results"]["unseen"]
    got = scores[str(graded["unseen"]["answered"])]
    assert got["ex1_1_tests"] == 0 and all(v > 0 for n, v in got.items() if n != "ex1_1_tests"), got


def test_json_report_has_exactly_the_promised_keys(graded):
    for key, (reports, _) in graded["results"].items():
        if key == "unseen":
            continue
        for r in reports.values():
            assert set(r) == {"score", "max_score", "tests"}
            for t in r["tests"]:  # the keys COURSE.md promises, and what the class report counts
                assert set(t) == {"name", "points", "max_points", "passed", "message", "kind", "mistake"}
                assert t["message"], t
                assert t["kind"] in KINDS and (t["kind"] == "passed") == t["passed"], t
                assert t["mistake"] is None or (isinstance(t["mistake"], str) and t["mistake"]), t
            assert r["score"] == sum(t["points"] for t in r["tests"])
            assert r["max_score"] == sum(t["max_points"] for t in r["tests"])


def test_grading_never_writes_to_what_it_grades(graded):
    assert graded["after"] == graded["before"]


@pytest.mark.parametrize("name", per_assignment(WRONG))
def test_feedback_names_the_mistake(graded, name):
    tests = by_name(report_for(graded, "main", graded["wrong"][name]))
    broken = {test for _, _, _, test, _ in WRONG[name]}
    for _, _, _, test, says in WRONG[name]:
        assert not tests[test]["passed"] and says in tests[test]["message"], tests[test]
        assert tests[test]["kind"] == "diagnosed" and tests[test]["mistake"], tests[test]
    broken_exercises = {exercise_of(b) for b in broken}
    for test, t in tests.items():
        if exercise_of(test) not in broken_exercises and not ALSO_DEPENDS_ON.get(test, set()) & broken_exercises:
            assert t["passed"], t


def test_a_copy_anywhere_is_graded_with_the_instructors_tests(graded):
    tests = by_name(report_for(graded, "main", graded["elsewhere"]))
    assert set(tests) == {grade_id(c) for c in load(SOURCES[A1]).cells if is_test(c)}  # the deleted test is back
    assert not tests["ex1_1_tests"]["passed"]  # passes what it sees, fails the hidden cases
    assert "forget to `return`" in tests["ex1_1_tests"]["message"]
    assert "one of the grader's hidden cases" in tests["ex1_1_tests"]["message"]
    assert not tests["ex1_3_loss_tests"]["passed"]  # emptying the test did not help
    assert "no ½" in tests["ex1_3_loss_tests"]["message"]
    assert all(t["passed"] for n, t in tests.items() if n not in ("ex1_1_tests", "ex1_3_loss_tests"))


def test_raising_hanging_none_wrong_shape_and_deleted_names_cost_only_their_tests(graded):
    first, _, _ = graded["bad"]
    tests = by_name(report_for(graded, "bad", first))
    assert "layer_forward raised ZeroDivisionError" in tests["ex1_1_tests"]["message"]
    assert f"timed out after {BAD_TIMEOUT:g} s" in tests["ex1_2_sigmoid_tests"]["message"]
    assert tests["ex1_2_tanh_tests"]["passed"]  # a fresh kernel, brought back to where it was: grading went on
    assert "name 'relu' is not defined" in tests["ex1_2_relu_tests"]["message"]
    assert "did a cell delete or rename it" in tests["ex1_2_relu_tests"]["message"]
    assert "forget to `return`" in tests["ex1_3_loss_tests"]["message"]
    assert "expected shape (6, 1), got shape (6,)" in tests["ex1_4_gradient_tests"]["message"]
    assert tests["ex1_4_loss_tests"]["passed"]
    assert {n for n, t in tests.items() if t["passed"]} == {"ex1_2_tanh_tests", "ex1_4_loss_tests"}


def test_a_dead_or_deaf_kernel_is_restarted_and_grading_goes_on(graded):
    _, second, _ = graded["bad"]
    tests = by_name(report_for(graded, "bad", second))
    assert all(tests[n]["passed"] for n in ("ex2_1_tests", "ex2_2_tests", "ex2_3_tests"))
    assert "imports os" in tests["ex2_4_tests"]["message"]  # the cell that ended the kernel counts with 2.4
    for n in ("ex2_5_dw_tests", "ex2_5_db_tests"):
        assert not tests[n]["passed"] and "timed out after" in tests[n]["message"], tests[n]
        assert "kernel was restarted" in tests[n]["message"]


def test_a_file_that_is_not_a_notebook_is_reported_and_the_rest_still_graded(graded):
    reports, code = graded["results"]["bad"]
    assert code == 2  # something could not be graded
    garbage = reports[str(graded["bad"][2])]
    assert garbage["score"] == 0 and garbage["max_score"] == 0
    assert "is not a notebook: not valid JSON (17 bytes)" in garbage["tests"][0]["message"]
    assert "this is not json" not in garbage["tests"][0]["message"]  # what the file holds is never quoted
    assert len(reports) == 3 and all(r["max_score"] > 0 for p, r in reports.items() if p != str(graded["bad"][2]))


def test_single_notebook_json_and_summary_line(tmp_path):
    lonely = tmp_path / "lonely.ipynb"
    save(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), lonely)
    proc = cli("grade", lonely, "--json", cwd=tmp_path)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2
    r = json.loads(out)
    assert r["score"] == 0 and "matches none of the assignments" in r["tests"][0]["message"]
    proc = cli("grade", tmp_path, cwd=tmp_path)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "graded 0 of 1 notebooks: 0/0 points, 0 with full marks" in out
