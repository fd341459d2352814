"""Predict, then run: a question asked before the cell that answers it.

In a notebook::

    from nnlib.widgets import predict

    predict.ask("04.q1")                       # shows the question, an answer box and a Check button
    ...                                        # the next cell computes the answer, then
    predict.answer("04.q1", sigma_prime_at_0)  # asserts it agrees with the registry

The questions, their answers and the explanation of every wrong answer live in
``nnlib/widgets/questions/`` (one module per notebook). ``answer`` raises an AssertionError
when the value a cell computed is not the stored answer, so a notebook and its questions
cannot drift apart unnoticed.

Without a kernel (the website, nbconvert, a notebook reopened another day) the question shows
as text with its options and a collapsed answer, never as "Error displaying widget".
"""

import html
import re
from fractions import Fraction

import ipywidgets as widgets
import traitlets

from . import questions as _questions
from ._controls import ControlValueError

RIGHT, WRONG = "✓ Right.", "✗ Not quite."

# Shown only when the widget is not connected to a kernel (ipywidgets then marks the view with
# the class jupyter-widgets-disconnected): a notebook reopened with its saved widget state.
# ipywidgets marks every disconnected widget with a broken-chain icon; inside the question one
# icon, on its frame, says it (the line says what to do), not one on every part.
REOPEN_HINT = (
    "<style>.nnlib-predict-hint:not(.jupyter-widgets-disconnected) {display: none !important;}"
    ".nnlib-predict .jupyter-widgets-disconnected::before {content: none !important;}</style>"
    "<em>Run this cell (or Run ▸ Run All Cells) to check an answer.</em>"
)


class OptionButtons(widgets.VBox):
    """One button per option, stacked; ``value`` is the label of the one chosen (None: none yet).

    Buttons rather than radio buttons: in JupyterLab the arrow keys that move between radio
    buttons also move between cells, so a learner using the keyboard could not choose. A button
    is reached by Tab and pressed by Enter or Space. The chosen one is marked by an icon and a
    colour, and the verdict repeats its label.
    """

    value = traitlets.Any(None, allow_none=True)

    def __init__(self, options, question_id):
        self.options = tuple(options)
        self.buttons = [widgets.Button(description=label, tooltip=f"Choose “{label}” as your answer to {question_id}",
                                       layout=widgets.Layout(width="auto", max_width="100%"))
                        for label in self.options]
        for button, label in zip(self.buttons, self.options):
            button.on_click(lambda _, label=label: setattr(self, "value", label))
        super().__init__(self.buttons, layout=widgets.Layout(align_items="flex-start"))
        self.observe(self._mark, names="value")

    @traitlets.validate("value")
    def _check_value(self, proposal):
        if proposal.value is not None and proposal.value not in self.options:
            raise ControlValueError(f"the answer must be one of the options {list(self.options)} (or None), "
                                       f"got {proposal.value!r}")
        return proposal.value

    def _mark(self, change):
        for button, label in zip(self.buttons, self.options):
            chosen = label == change["new"]
            button.icon = "check" if chosen else ""
            button.button_style = "info" if chosen else ""


def markdown_html(text, math=("$", "$")):
    """The registry's Markdown-ish text as HTML: ``$math$`` kept for MathJax (between the
    ``math`` delimiters), ``**bold**``, ``*italic*`` and ```code``` converted, the rest escaped.

    The widget keeps ``$...$`` (JupyterLab typesets it); a page without a kernel gets
    ``\\(...\\)``, the delimiters every MathJax set-up reads (the website's only reads those).
    """
    parts = re.split(r"(\$[^$]+\$)", text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:  # mathematics: left to MathJax, escaped so < and & survive in HTML
            out.append(math[0] + html.escape(part[1:-1], quote=False) + math[1])
            continue
        part = html.escape(part, quote=False)
        part = re.sub(r"`([^`]+)`", r"<code>\1</code>", part)
        part = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", part)
        part = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", part)
        out.append(part)
    return "".join(out)


PAGE_MATH = ("\\(", "\\)")


def parse_number(text):
    """A learner's typed number: 0.25, -1e-3 or 1/4. Raises ValueError saying what was expected."""
    cleaned = str(text).strip().replace("−", "-")
    try:
        return float(cleaned)
    except ValueError:
        pass
    try:
        return float(Fraction(cleaned.replace(" ", "")))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"Write a number such as 0.25, -1e-3 or 1/4; got {str(text).strip()!r}.") from None


class Prediction:
    """A question with an answer control, a Check button and a verdict.

    .question: the registry entry (a questions.Choice or questions.Number);
    .widget: the ipywidgets box to display;
    .controls: {"answer": the OptionButtons (a Choice) or Text (a Number), "check": the Button};
    .state: {"answer": the last answer checked, "correct": True, False or None (not checked, or
    not a number), "verdict": the verdict's text}.
    Set ``controls["answer"].value`` and call ``controls["check"].click()`` to answer headlessly.
    """

    def __init__(self, question):
        self.question = question
        self.state = {"answer": None, "correct": None, "verdict": ""}
        if isinstance(question, _questions.Choice):
            answer = OptionButtons([o.label for o in question.options], question.id)
            prompt = "Your answer (choose one, then Check):"
        else:
            # The description is the text box's <label>, so it is also its accessible name. The value is
            # sent once, when the box loses focus: keystrokes sent one by one could still be on their
            # way when the Check button's click arrives, and "1/2" would be judged as "1".
            answer = widgets.Text(value="", placeholder="a number, e.g. 0.5 or 1/4", description="Your answer",
                                  continuous_update=False,
                                  style={"description_width": "initial"}, layout=widgets.Layout(width="22em"),
                                  tooltip=f"Your answer to question {question.id}")
            prompt = None
        check = widgets.Button(description="Check", tooltip=f"Check your answer to question {question.id}",
                               button_style="")
        check.on_click(lambda _: self.check())
        self.controls = {"answer": answer, "check": check}
        self.verdict = widgets.HTMLMath(value="")
        hint = widgets.HTML(REOPEN_HINT)
        hint.add_class("nnlib-predict-hint")
        heading = widgets.HTMLMath(f"<strong>Predict, then run</strong> ({html.escape(question.id)}). "
                                   f"{markdown_html(question.ask)}")
        if prompt is None:
            body = [widgets.HBox([answer, check], layout=widgets.Layout(align_items="center", flex_flow="row wrap"))]
        else:
            body = [widgets.Label(prompt), answer, check]
        self.widget = widgets.VBox([heading, *body, self.verdict, hint],
                                   layout=widgets.Layout(border="1px solid #8a8a8a", padding="4px 10px",
                                                         margin="4px 0", max_width="848px"))
        self.widget.add_class("nnlib-predict")

    def check(self):
        """Judge the answer in the control, show the verdict and return the state."""
        value = self.controls["answer"].value
        if isinstance(self.question, _questions.Choice):
            if value is None:
                return self._show(None, None, "Choose one of the answers first.")
            correct, why = self.question.judge(value)
            return self._show(value, correct, why, shown=value)
        if not str(value).strip():
            return self._show(None, None, "Type a number first.")
        try:
            number = parse_number(value)
        except ValueError as err:
            return self._show(None, None, str(err))
        correct, why = self.question.judge(number)
        return self._show(number, correct, why, shown=str(value).strip())

    def _show(self, answer, correct, why, shown=None):
        lead = {True: RIGHT, False: WRONG, None: ""}[correct]
        text = f"{lead} {why}".strip()
        self.state = {"answer": answer, "correct": correct, "verdict": text}
        # A live region: a screen reader reads the verdict out when it changes.
        said = f"Your answer: {html.escape(shown)}. " if shown is not None else ""
        self.verdict.value = (f'<div role="status" aria-live="polite">{said}<strong>{html.escape(lead)}</strong> '
                              f"{markdown_html(why)}</div>")
        return self.state

    def static_html(self):
        """The question as a page without a kernel shows it: text, options, a collapsed answer."""
        q = self.question
        parts = [f"<p><strong>Predict, then run</strong> ({html.escape(q.id)}). {markdown_html(q.ask, PAGE_MATH)}</p>"]
        if isinstance(q, _questions.Choice):
            parts.append("<ul>" + "".join(f"<li>{html.escape(o.label)}</li>" for o in q.options) + "</ul>")
            shown = html.escape(q.right.label)
            why = q.right.explain
        else:
            shown = html.escape(f"{q.answer:g}")
            why = q.right
        parts.append("<p><em>Decide on your answer, then run the next cell. In JupyterLab, run this cell to "
                     "check it here.</em></p>")
        parts.append(f"<details><summary>Answer</summary><p>{shown}: {markdown_html(why, PAGE_MATH)}</p></details>")
        # mathjax_process: the website's MathJax typesets only marked parts of a page.
        return f'<div class="nnlib-predict mathjax_process">{"".join(parts)}</div>'

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # The widget for JupyterLab, and the question as HTML and text for anything without a
        # kernel; a page that cannot show the widget shows the HTML.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.static_html()
        options = ("\n" + "\n".join(f"  - {o.label}" for o in self.question.options)
                   if isinstance(self.question, _questions.Choice) else "")
        bundle["text/plain"] = f"Predict, then run ({self.question.id}): {self.question.ask}{options}"
        return bundle

    def __repr__(self):
        return f"Prediction({self.question.id!r})"


def ask(question_id):
    """Show the question with this id (e.g. "04.q1") before the cell that answers it. Returns a Prediction."""
    return Prediction(_questions.get(question_id))


class Revealed:
    """What ``answer`` returns: the answer as the cell computed it, shown when it ends a cell."""

    def __init__(self, question, value):
        self.question, self.value = question, value

    def _text(self):
        q = self.question
        shown = q.right.label if isinstance(q, _questions.Choice) else f"{q.answer:g}"
        return f"Answer to {q.id}: {shown} (this cell computed {self.value!r})"

    def _repr_html_(self):
        return f"<p>{html.escape(self._text())}</p>"

    def __repr__(self):
        return self._text()


def answer(question_id, value):
    """Assert that ``value``, computed by the cell after the question, is the registry's answer.

    A Number agrees within its tolerance; a Choice's right option must have this value (and no
    wrong one may). Raises AssertionError saying both values and where the answer is stored.
    Returns a Revealed that shows the answer when it is the cell's last expression.
    """
    question = _questions.get(question_id)
    try:
        value = value.item()  # a numpy scalar or a one-element array: its Python number
    except (AttributeError, ValueError):
        pass
    if not isinstance(value, (int, float, bool, str)):
        raise TypeError(f"predict.answer({question_id!r}, value): value must be one number, bool or string, "
                        f"got {type(value).__name__} {value!r:.80}")
    if isinstance(question, _questions.Choice):
        matches = [o for o in question.options if _questions.same_value(value, o.value, question.tolerance)]
        ok = matches == [question.right]
        stored = f"option {question.right.label!r} (value {question.answer!r})"
    else:
        ok = _questions.same_value(value, question.answer, question.tolerance)
        stored = f"{question.answer!r} (tolerance {question.tolerance:g})"
    if not ok:  # raised, not asserted: python -O must not skip the check
        raise AssertionError(f"question {question_id}: the registry's answer is {stored}, but this cell computed "
                             f"{value!r}. The question and the notebook disagree: fix the cell, or the answer in "
                             f"nnlib/widgets/questions/nb{question_id[:2]}.py.")
    return Revealed(question, value)
