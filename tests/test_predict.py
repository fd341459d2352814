"""Predict, then run: the question registry, the widget that asks, and the notebooks that answer.

Each notebook 01–14 asks two to four questions (``predict.ask("NN.qK")``) before the cell that
computes the answer, and that cell hands the value to ``predict.answer("NN.qK", value)``, which
asserts it against the registry (``nnlib/widgets/questions/``) under nbval. These tests hold the
rest: every question is asked once and answered by the very next code cell, every verdict the
widget gives is the one stored for that answer, and the question reads without a kernel.
"""

import pathlib
import re

import pytest

from nnlib.widgets import predict
from nnlib.widgets.questions import Choice, Mistake, Number, Option, get, registry

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
QUESTIONS = registry()

# Notebooks (by number) that do not ask their questions yet. Whoever adds a notebook's questions
# removes its number here: the test below is a strict xfail, so it fails once they are there.
AWAITING_QUESTIONS = set()

ASK = re.compile(r"predict\.ask\(\s*[\"'](\d\d\.q\d+)[\"']\s*\)")
ANSWER = re.compile(r"predict\.answer\(\s*[\"'](\d\d\.q\d+)[\"']")


def code_cells(name):
    import json

    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def calls(pattern):
    """[(notebook, code cell index, question id)] for every match of pattern in every notebook."""
    return [(name, i, qid) for name in NOTEBOOKS for i, code in enumerate(code_cells(name))
            for qid in pattern.findall(code)]


# ----------------------------------------------------------------------------- the notebooks


@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n[:2] != "00"])
def test_asks_two_to_four_questions(name, request):
    if name[:2] in AWAITING_QUESTIONS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"{name} has no questions yet: "
                                              "remove its number from AWAITING_QUESTIONS when it does"))
    asked = sorted({qid for nb, _, qid in calls(ASK) if nb == name})
    assert 2 <= len(asked) <= 4, f"{name} asks {len(asked)} questions ({asked}); every notebook asks 2 to 4"


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_asked_once_and_answered_by_the_next_code_cell(qid):
    asked = [(nb, i) for nb, i, q in calls(ASK) if q == qid]
    answered = [(nb, i) for nb, i, q in calls(ANSWER) if q == qid]
    assert len(asked) == 1, f"{qid} is asked {len(asked)} times: {asked}; ask it in exactly one notebook"
    assert len(answered) == 1, f"{qid} is answered {len(answered)} times: {answered}; answer it in one cell"
    (notebook, cell), (answer_notebook, answer_cell) = asked[0], answered[0]
    assert notebook[:2] == qid[:2], f"{qid} is asked in {notebook}: a question belongs to its own notebook"
    assert answer_notebook == notebook and answer_cell == cell + 1, (
        f"{qid} is asked in {notebook} code cell {cell} but answered in {answer_notebook} code cell {answer_cell}: "
        "the answer comes from the code cell right after the question")
    lines = [line for line in code_cells(notebook)[cell].splitlines() if line.strip()]
    assert ASK.fullmatch(lines[-1].split("#")[0].strip()), (
        f"{qid}: predict.ask must be the last line of its cell, so the question is displayed")


def test_every_question_a_notebook_names_is_registered():
    unknown = [(nb, i, qid) for nb, i, qid in calls(ASK) + calls(ANSWER) if qid not in QUESTIONS]
    assert not unknown, f"calls with no question in nnlib/widgets/questions/: {unknown}"


def test_the_list_of_notebooks_awaiting_questions_names_real_numbers():
    assert AWAITING_QUESTIONS <= {f"{n:02d}" for n in range(1, 15)}


# ----------------------------------------------------------------------------- the widget


def answer_with(prediction, value):
    prediction.controls["answer"].value = value
    prediction.controls["check"].click()
    return prediction.state


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_the_widget_judges_every_answer_with_its_own_explanation(qid):
    question = QUESTIONS[qid]
    prediction = predict.ask(qid)
    if isinstance(question, Choice):
        assert list(prediction.controls["answer"].options) == [o.label for o in question.options]
        for option in question.options:
            state = answer_with(prediction, option.label)
            right = option is question.right
            assert state["correct"] is right and state["answer"] == option.label
            assert state["verdict"] == f"{predict.RIGHT if right else predict.WRONG} {option.explain}"
            assert predict.markdown_html(option.explain) in prediction.verdict.value
    else:
        state = answer_with(prediction, repr(question.answer))
        assert state == {"answer": question.answer, "correct": True, "verdict": f"{predict.RIGHT} {question.right}"}
        for mistake in question.mistakes:
            state = answer_with(prediction, f" {mistake.value!r} ")
            assert state["correct"] is False and state["verdict"] == f"{predict.WRONG} {mistake.explain}"
        far = question.answer + 1e3 + 1e3 * question.tolerance + max([abs(m.value) for m in question.mistakes] + [0])
        state = answer_with(prediction, repr(far))
        assert state["correct"] is False and state["verdict"] == f"{predict.WRONG} {question.otherwise}"


def test_a_fraction_counts_as_its_number_and_text_gets_a_clear_message():
    prediction = predict.ask("04.q1")
    assert answer_with(prediction, "1/4")["correct"] is True
    assert answer_with(prediction, "−1/4")["verdict"].startswith(predict.WRONG)  # a typographic minus
    state = answer_with(prediction, "a quarter")
    assert state["correct"] is None and "Write a number such as" in state["verdict"]
    assert "'a quarter'" in state["verdict"]
    assert answer_with(prediction, "   ")["verdict"] == "Type a number first."
    assert answer_with(prediction, "1/0")["correct"] is None


def test_checking_a_choice_before_choosing_asks_for_a_choice():
    prediction = predict.ask("04.q2")
    prediction.controls["check"].click()
    assert prediction.state == {"answer": None, "correct": None, "verdict": "Choose one of the answers first."}


def test_a_choice_is_made_by_pressing_its_button_and_marked_beyond_colour():
    prediction = predict.ask("04.q2")
    buttons = prediction.controls["answer"].buttons
    buttons[1].click()
    assert prediction.controls["answer"].value == "½"
    assert [b.icon for b in buttons] == ["", "check", "", ""]  # an icon, not only the colour
    prediction.controls["check"].click()
    assert prediction.state["correct"] is True and "Your answer: ½." in prediction.verdict.value
    with pytest.raises(ValueError, match=r"must be one of the options .* got 'a half'"):
        prediction.controls["answer"].value = "a half"
    assert prediction.controls["answer"].value == "½"


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_every_control_has_an_accessible_name(qid):
    # The description is the control's <label>; the tooltip its title; the verdict a live region.
    prediction = predict.ask(qid)
    answer = prediction.controls["answer"]
    if isinstance(QUESTIONS[qid], Choice):  # one button per option, named by the option's text
        assert [b.description for b in answer.buttons] == [o.label for o in QUESTIONS[qid].options]
        assert all(qid in b.tooltip for b in answer.buttons)
    else:
        assert answer.description == "Your answer" and qid in answer.tooltip
    assert prediction.controls["check"].description == "Check" and qid in prediction.controls["check"].tooltip
    prediction.controls["check"].click()
    assert 'role="status"' in prediction.verdict.value


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_without_a_kernel_the_question_reads_as_html_with_a_hidden_answer(qid):
    question = QUESTIONS[qid]
    bundle = predict.ask(qid)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    assert predict.markdown_html(question.ask, predict.PAGE_MATH) in page and qid in page
    assert "$" not in page  # the website's MathJax reads \\( \\) only
    assert "<details><summary>Answer</summary>" in page
    confirmation = question.right.explain if isinstance(question, Choice) else question.right
    # the answer stays folded
    assert page.index(predict.markdown_html(confirmation, predict.PAGE_MATH)) > page.index("<details>")
    if isinstance(question, Choice):
        assert all(option.label in page for option in question.options)
    assert question.ask in bundle["text/plain"]


def test_markdown_html_keeps_mathematics_and_escapes_the_rest():
    assert predict.markdown_html("a < b, $x < y$, **bold**, *it*, `code`") == (
        "a &lt; b, $x &lt; y$, <strong>bold</strong>, <em>it</em>, <code>code</code>")
    assert predict.markdown_html("$a * b * c$") == "$a * b * c$"  # no emphasis inside mathematics
    assert predict.markdown_html("$a < b$", predict.PAGE_MATH) == "\\(a &lt; b\\)"


# ----------------------------------------------------------------------------- answer(): the check in the notebook


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_answer_accepts_the_stored_answer_and_refuses_every_other(qid):
    import numpy as np

    question = QUESTIONS[qid]
    right = question.answer
    assert "this cell computed" in repr(predict.answer(qid, right))
    if isinstance(right, float):
        assert "this cell computed" in repr(predict.answer(qid, np.array([right])))  # a one-element array
    wrong = ([o.value for o in question.options if o is not question.right] if isinstance(question, Choice)
             else [question.answer + 3 * question.tolerance + 1e-6] + [m.value for m in question.mistakes])
    for value in wrong:
        with pytest.raises(AssertionError, match=rf"question {re.escape(qid)}: .*nb{qid[:2]}\.py"):
            predict.answer(qid, value)


def test_answer_wants_one_value():
    import numpy as np

    with pytest.raises(TypeError, match=r"predict.answer\('04.q1', value\): value must be one number.*ndarray"):
        predict.answer("04.q1", np.array([0.25, 0.25]))


# ----------------------------------------------------------------------------- the registry's own checks


def test_the_registry_refuses_questions_that_cannot_be_judged():
    ok = [Option("a", 1.0, "yes"), Option("b", 2.0, "no")]
    with pytest.raises(ValueError, match="exactly one option must have the value"):
        Choice("04.q9", ask="?", options=ok, answer=3.0)
    with pytest.raises(ValueError, match="too close to tell apart"):
        Choice("04.q9", ask="?", options=[Option("a", 1.0, "yes"), Option("b", 1.15, "no")], answer=1.0,
               tolerance=0.1)
    with pytest.raises(ValueError, match="explanation of option 'b'"):
        Choice("04.q9", ask="?", options=[Option("a", 1.0, "yes"), Option("b", 2.0, "")], answer=1.0)
    with pytest.raises(ValueError, match="look like '04.q1'"):
        Choice("4.1", ask="?", options=ok, answer=1.0)
    with pytest.raises(ValueError, match="within twice the tolerance"):
        Number("04.q9", ask="?", answer=0.25, tolerance=0.01, right="r", otherwise="o", mistakes=[Mistake(0.26, "m")])
    with pytest.raises(ValueError, match="tolerance must be a number >= 0"):
        Number("04.q9", ask="?", answer=0.25, tolerance=-1, right="r", otherwise="o")
    with pytest.raises(KeyError, match=r"no question '04.q99' in nnlib/widgets/questions/nb04.py; it has 04.q1"):
        get("04.q99")


def test_values_compare_numbers_within_tolerance_and_anything_else_by_equality():
    from nnlib.widgets.questions import same_value

    assert same_value(True, True) and not same_value(1, True) and not same_value(1.0, "1")
    assert same_value(0.5 + 1e-12, 0.5, 1e-9) and not same_value(float("nan"), 0.5, 1.0)
    question = Choice("04.q9", ask="?", answer=True, options=[Option("yes", True, "y"), Option("no", False, "n")])
    assert question.judge("yes") == (True, "y") and question.judge("no") == (False, "n")
