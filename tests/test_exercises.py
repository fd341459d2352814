"""The graded exercises: release/ matches source/, source scores full marks, blank copies score
zero, one blanked solution costs exactly its exercise, wrong answers get named, and bad
submissions (raising, hanging, killing the kernel, deleting names, tampering with tests, not a
notebook at all) cost only what they break. Grading never writes to what it grades.

All notebooks are graded once, up front, by the command line itself (`python -m exercises grade
DIR --json`), four directories at a time; the tests read those results.
"""

import copy
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from exercises import RELEASE_DIR, ROOT, SOURCE_DIR
from exercises.notebooks import exercise_of, grade_id, is_solution, is_test, points, source_notebooks
from exercises.release import clear_solutions

SOURCES = {p.parent.name: p for p in source_notebooks()}
A1, A2, A3, A4 = "01_forward_and_losses", "02_chain_rule", "03_backprop", "04_training"
BAD_TIMEOUT = 3  # seconds per cell for the hanging submissions: short, so the test stays quick

# Tests that also use another exercise's code: blanking that exercise may cost them too.
ALSO_DEPENDS_ON = {"ex3_4_your_network_tests": {"3.2"}}


def cli(*args, cwd=ROOT):
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


def edit(nb, gid, old, new):
    """A copy of nb with `old` replaced by `new` in the cell `gid` (which must contain it)."""
    nb = copy.deepcopy(nb)
    target = cell(nb, gid)
    assert old in target.source, f"{gid} has no {old!r}"
    target.source = target.source.replace(old, new)
    return nb


def solution_ids(nb):
    return [grade_id(c) for c in nb.cells if is_solution(c)]


def digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


# ------------------------------------------------------------------ the submissions

def blanked_copies(root):
    """One notebook per solution cell, with only that solution blanked, as the release tool would."""
    made = {}
    for name, src in SOURCES.items():
        nb = load(src)
        for gid in solution_ids(nb):
            variant = copy.deepcopy(nb)
            target = cell(variant, gid)
            target.source = clear_solutions(target.source, exercise_of(gid), [])
            made[gid] = save(variant, root / "blank" / name / f"{gid}.ipynb")
    return made


# Wrong answers a learner writes, the cell, and what the feedback must say.
WRONG = {
    A1: [("ex1_1", "return x @ W + b", "return x @ W", "ex1_1_tests", "forgot the bias"),
         ("ex1_2", "np.maximum(z, 0.0)", "np.max(z, 0)", "ex1_2_relu_tests", "np.max(z, 0)"),
         ("ex1_3", "diff / n", "diff", "ex1_3_gradient_tests", "summed instead of averaged"),
         ("ex1_4", "(p - y) / (p * (1 - p)) / n", "(p - y) / n", "ex1_4_gradient_tests", "respect to the logit")],
    A2: [("ex2_1", "return s * (1 - s)", "return s", "ex2_1_tests", "returned sigmoid(z) itself"),
         ("ex2_3", "(z > 0)", "(z >= 0)", "ex2_3_tests", "relu'(0) = 0"),
         ("ex2_4", "y_hat * (1 - y_hat), x", "y_hat * (1 - y_hat), w", "ex2_4_tests", "∂z/∂w is x"),
         ("ex2_5", "* f_prime(z) / len(x)", "/ len(x)", "ex2_5_dw_tests", "forgot the f'(z) factor")],
    A3: [("ex3_1", "dz @ W.T", "dz @ W", "ex3_1_dx_tests", "Wᵀ, not W"),
         ("ex3_2", "dz1 = da1 * sigmoid_prime(cache[\"z1\"])", "dz1 = da1", "ex3_2_hidden_layer_tests",
          "forgot the f'(z1) factor"),
         ("ex3_3", "/ (2 * h)", "/ h", "ex3_3_tests", "divided by h instead of 2h")],
    A4: [("ex4_1", "p -= lr * grads[name]", "p += lr * grads[name]", "ex4_1_tests", "updated with +η"),
         ("ex4_2", "rng.permutation(n)", "np.arange(n)", "ex4_2_tests", "forgot to shuffle"),
         ("ex4_3", ">= patience", "> patience", "ex4_3_tests", "stopped one epoch late"),
         ("ex4_4", "p[...] = weights", "pass", "ex4_4_tests", "kept the last epoch's weights"),
         ("ex4_5", "np.column_stack([X, np.ones(len(X))])", "X", "ex4_5_tests", "forgot the bias"),
         ("ex4_6", "diverging_lrs = [0.6]", "diverging_lrs = [0.4, 0.6]", "ex4_6_answer_tests", "these converge")],
}


def wrong_copies(root):
    made = {}
    for name, edits in WRONG.items():
        nb = load(SOURCES[name])
        for gid, old, new, _, _ in edits:
            nb = edit(nb, gid, old, new)
        made[name] = save(nb, root / "wrong" / f"{name}.ipynb")
    return made


def tampered_copy(root):
    """A copy kept elsewhere under another name, its metadata gone, one test deleted, one emptied;
    layer_forward passes the visible test only, and mse forgot the ½ in the loss."""
    nb = load(SOURCES[A1])
    nb.metadata.pop("exercises")
    nb = edit(nb, "ex1_1", "return x @ W + b", "return x @ W + b if len(x) == 4 else None")
    nb = edit(nb, "ex1_3", "0.5 * np.sum", "np.sum")
    nb.cells = [c for c in nb.cells if grade_id(c) != "ex1_1_tests"]
    cell(nb, "ex1_3_loss_tests").source = "pass"
    return save(nb, root / "elsewhere" / "my homework (final).ipynb")


def bad_copies(root):
    """Submissions that raise, hang, return None or the wrong shape, delete a name, kill the kernel."""
    nb = load(SOURCES[A1])
    nb = edit(nb, "ex1_1", "return x @ W + b", "return 1 / 0")
    nb = edit(nb, "ex1_2", "return 1.0 / (1.0 + np.exp(-z))", "import time\n    while True:\n        time.sleep(0.05)")
    nb = edit(nb, "ex1_3", "return 0.5 * np.sum(diff ** 2) / n, diff / n", "diff = None")
    nb = edit(nb, "ex1_4", "return loss, (p - y) / (p * (1 - p)) / n",
              "return loss, ((p - y) / (p * (1 - p)) / n).ravel()")
    at = nb.cells.index(cell(nb, "ex1_2")) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell("del relu  # tidying up, unwisely"))
    first = save(nb, root / "bad" / "raises_hangs_none_shape_del.ipynb")

    nb = load(SOURCES[A2])
    nb = edit(nb, "ex2_4", "### END SOLUTION", "### END SOLUTION\nimport os\nos._exit(1)")
    nb = edit(nb, "ex2_5", "f, f_prime = ACTIVATIONS[activation]",
              "f, f_prime = ACTIVATIONS[activation]\n    import time\n    while True:\n        try:\n"
              "            time.sleep(0.05)\n        except KeyboardInterrupt:\n            pass")
    second = save(nb, root / "bad" / "kernel_dies_then_ignores_interrupts.ipynb")

    garbage = root / "bad" / "not_a_notebook.ipynb"
    garbage.write_text("{this is not json", encoding="utf-8")
    return first, second, garbage


# ------------------------------------------------------------------ grading everything once

def _run_json(proc):
    out, err = proc.communicate(timeout=300)
    assert out.strip(), f"no output; stderr:\n{err}"
    return json.loads(out), proc.returncode


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    blanks, wrong = blanked_copies(root), wrong_copies(root)
    tampered, bad = tampered_copy(root), bad_copies(root)
    repo_files = source_notebooks() + sorted(RELEASE_DIR.glob("*/*.ipynb"))
    before = digest(repo_files + list(blanks.values()) + list(wrong.values()) + [tampered, *bad])
    procs = {  # two runs at once: everything that should finish, and the submissions that hang
        "main": cli("grade", SOURCE_DIR, RELEASE_DIR, root / "blank", root / "wrong", root / "elsewhere",
                    "--json", "--jobs", 2),
        "bad": cli("grade", root / "bad", "--json", "--jobs", 2, "--timeout", BAD_TIMEOUT),
    }
    results = {key: _run_json(p) for key, p in procs.items()}
    after = digest(before)
    return {"results": results, "before": before, "after": after, "blanks": blanks, "wrong": wrong,
            "tampered": tampered, "bad": bad, "root": root}


def report_for(graded, group, path):
    reports, _ = graded["results"][group]
    return reports[str(path)]


def reports_under(graded, directory):
    reports, _ = graded["results"]["main"]
    return {p: r for p, r in reports.items() if pathlib.Path(p).is_relative_to(directory)}


def by_name(report):
    return {t["name"]: t for t in report["tests"]}


# ------------------------------------------------------------------ release

def test_release_is_up_to_date():
    proc = cli("release", "--check")
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

    proc = cli("release", "--check", cwd=tmp_path)
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


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_release_copy_has_no_solutions_and_no_hidden_tests(name):
    src, rel = load(SOURCES[name]), load(RELEASE_DIR / name / SOURCES[name].name)
    assert [grade_id(c) for c in src.cells] == [grade_id(c) for c in rel.cells]
    text = json.dumps(rel.dict())
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
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


# ------------------------------------------------------------------ the source notebooks' markup

@pytest.mark.parametrize("name", sorted(SOURCES))
def test_source_markup_is_what_nbgrader_expects(name):
    nb = load(SOURCES[name])
    assert nb.metadata["kernelspec"]["name"] == "python3" and nb.metadata["exercises"]["assignment"] == name
    ids = [grade_id(c) for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique grade_id"
    exercises = {exercise_of(g) for g in solution_ids(nb)}
    tested = {exercise_of(grade_id(c)) for c in nb.cells if is_test(c)}
    assert exercises == tested, "every exercise needs its tests, and every test its exercise"
    for c in nb.cells:
        meta = c.metadata["nbgrader"]
        assert meta["schema_version"] == 3
        if is_test(c):
            assert meta["locked"] and meta["points"] > 0 and not meta["solution"]
        elif is_solution(c):
            assert not meta["locked"] and "### BEGIN SOLUTION" in c.source
        else:
            assert meta["locked"]
    intro = nb.cells[0].source
    total = sum(points(c) for c in nb.cells if is_test(c))
    assert f"; {total:g} in all." in intro, "the introduction states the total points"
    for c in nb.cells:  # every exercise states its points in its heading
        if c.cell_type == "markdown" and c.source.startswith("## Exercise"):
            assert "point" in c.source.splitlines()[0]


# ------------------------------------------------------------------ grading

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


def test_json_report_has_exactly_the_promised_keys(graded):
    for reports, _ in graded["results"].values():
        for r in reports.values():
            assert set(r) == {"score", "max_score", "tests"}
            for t in r["tests"]:
                assert set(t) == {"name", "points", "max_points", "passed", "message"}
                assert t["message"], t
            assert r["score"] == sum(t["points"] for t in r["tests"])
            assert r["max_score"] == sum(t["max_points"] for t in r["tests"])


def test_grading_never_writes_to_what_it_grades(graded):
    assert graded["after"] == graded["before"]


def test_one_blanked_solution_costs_exactly_its_exercise(graded):
    reports = reports_under(graded, graded["root"] / "blank")
    assert len(reports) == len(graded["blanks"])
    for gid, path in graded["blanks"].items():
        number = exercise_of(gid)
        for name, t in by_name(reports[str(path)]).items():
            if exercise_of(name) == number:
                assert not t["passed"] and t["points"] == 0 and f"Exercise {number}" in t["message"], (gid, t)
            elif number in ALSO_DEPENDS_ON.get(name, ()):
                assert not t["passed"]
            else:
                assert t["passed"], (gid, name, t["message"])


@pytest.mark.parametrize("name", sorted(WRONG))
def test_feedback_names_the_mistake(graded, name):
    tests = by_name(report_for(graded, "main", graded["wrong"][name]))
    broken = {test for _, _, _, test, _ in WRONG[name]}
    for _, _, _, test, says in WRONG[name]:
        assert not tests[test]["passed"] and says in tests[test]["message"], tests[test]
    broken_exercises = {exercise_of(b) for b in broken}
    for test, t in tests.items():
        if exercise_of(test) not in broken_exercises and not ALSO_DEPENDS_ON.get(test, set()) & broken_exercises:
            assert t["passed"], t


def test_a_copy_anywhere_is_graded_with_the_instructors_tests(graded):
    tests = by_name(report_for(graded, "main", graded["tampered"]))
    assert set(tests) == {grade_id(c) for c in load(SOURCES[A1]).cells if is_test(c)}  # the deleted test is back
    assert not tests["ex1_1_tests"]["passed"]  # passes what it sees, fails the hidden case
    assert "Did the function forget to `return`" in tests["ex1_1_tests"]["message"]
    assert not tests["ex1_3_loss_tests"]["passed"]  # emptying the test did not help
    assert "forgot the ½" in tests["ex1_3_loss_tests"]["message"]
    assert all(t["passed"] for n, t in tests.items() if n not in ("ex1_1_tests", "ex1_3_loss_tests"))


def test_raising_hanging_none_wrong_shape_and_deleted_names_cost_only_their_tests(graded):
    first, _, _ = graded["bad"]
    tests = by_name(report_for(graded, "bad", first))
    assert "layer_forward raised ZeroDivisionError" in tests["ex1_1_tests"]["message"]
    assert f"timed out after {BAD_TIMEOUT:g} s" in tests["ex1_2_sigmoid_tests"]["message"]
    assert tests["ex1_2_tanh_tests"]["passed"]  # a fresh kernel, brought back to where it was: grading went on
    assert "NameError: name 'relu' is not defined" in tests["ex1_2_relu_tests"]["message"]
    assert "did a cell delete or rename it" in tests["ex1_2_relu_tests"]["message"]
    assert "forget to `return`" in tests["ex1_3_loss_tests"]["message"]
    assert "expected shape (6, 1), got shape (6,)" in tests["ex1_4_gradient_tests"]["message"]
    assert tests["ex1_4_loss_tests"]["passed"]
    assert {n for n, t in tests.items() if t["passed"]} == {"ex1_2_tanh_tests", "ex1_4_loss_tests"}


def test_a_dead_or_deaf_kernel_is_restarted_and_grading_goes_on(graded):
    _, second, _ = graded["bad"]
    tests = by_name(report_for(graded, "bad", second))
    assert all(tests[n]["passed"] for n in ("ex2_1_tests", "ex2_2_tests", "ex2_3_tests"))
    assert "the kernel died while running" in tests["ex2_4_tests"]["message"]
    assert "kernel was restarted" in tests["ex2_4_tests"]["message"]
    for n in ("ex2_5_dw_tests", "ex2_5_db_tests"):
        assert not tests[n]["passed"] and "timed out after" in tests[n]["message"], tests[n]
    assert "cell 10 was stopped after" in tests["ex2_5_db_tests"]["message"]


def test_a_file_that_is_not_a_notebook_is_reported_and_the_rest_still_graded(graded):
    reports, code = graded["results"]["bad"]
    assert code == 2  # something could not be graded
    garbage = reports[str(graded["bad"][2])]
    assert garbage["score"] == 0 and garbage["max_score"] == 0 and "could not read" in garbage["tests"][0]["message"]
    assert len(reports) == 3 and all(r["max_score"] > 0 for p, r in reports.items() if p != str(graded["bad"][2]))


def test_single_notebook_json_and_summary_line(tmp_path):
    lonely = tmp_path / "lonely.ipynb"
    save(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), lonely)
    proc = cli("grade", lonely, "--json")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2
    r = json.loads(out)
    assert r["score"] == 0 and "matches none of the assignments" in r["tests"][0]["message"]
    proc = cli("grade", tmp_path)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "graded 0 of 1 notebooks: 0/0 points, 0 with full marks" in out
