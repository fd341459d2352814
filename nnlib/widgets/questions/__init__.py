"""The "predict, then run" questions of every notebook: one small module per notebook.

A question is asked (``predict.ask("04.q1")``) before the cell that computes its answer,
and that cell hands what it computed to ``predict.answer("04.q1", value)``, which asserts
that the value agrees with the answer stored here. So the registry and the notebook cannot
drift apart: a changed cell or a changed answer fails the notebook under nbval.

Add a question: open (or create) ``nbNN.py`` beside this file for notebook NN and append to
its ``QUESTIONS`` list one of

    Number("04.q1", ask="What is $\\sigma'(0)$?", answer=0.25, tolerance=1e-6,
           right="σ(0) = ½, so σ(0)(1 − σ(0)) = ¼.",
           mistakes=[Mistake(0.5, "That is σ(0), the value; the question asks for the slope.")],
           otherwise="Use σ' = σ(1 − σ) with σ(0) = ½.")

    Choice("04.q3", ask="Which way does $w$ move?", answer=1.0, options=[
           Option("to the right (w grows)", 1.0, "−η times a negative slope is positive."),
           Option("to the left (w shrinks)", -1.0, "The step goes against the slope, ...")])

Question text (``ask``, the explanations) is Markdown-ish: ``$...$`` for mathematics,
``**bold**``, ``*italic*`` and ```code```. Option labels are plain text (use Unicode: σ′, ¼,
η), since buttons cannot typeset mathematics. An id is ``"NN.qK"``, NN the notebook's
number; the module ``nbNN.py`` holds exactly the questions whose ids start with NN.

Values: a Number's ``answer`` is what the answering cell computes; the learner's answer and
the cell's value count as right within ``tolerance`` (stated here, next to the answer). A
Choice's options each carry the value the cell would compute if that option were true (a
number, a bool or a short string); ``answer`` is the right option's value.
"""

import importlib
import math
import numbers
import pkgutil
import re
from dataclasses import dataclass, field

ID = re.compile(r"^(\d\d)\.q\d+$")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def same_value(a, b, tolerance=0.0):
    """Whether a computed value equals a stored one: numbers within tolerance, anything else by ==."""
    if _is_number(a) and _is_number(b):
        return math.isfinite(float(a)) and abs(float(a) - float(b)) <= tolerance
    if _is_number(a) != _is_number(b):
        return False
    return bool(a == b)


def _require_text(text, what, qid):
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"question {qid}: {what} must be a non-empty string, got {text!r}")


def _check_id(qid):
    if not isinstance(qid, str) or not ID.match(qid):
        raise ValueError(f"a question id must look like '04.q1' (notebook number, '.q', a number), got {qid!r}")


@dataclass(frozen=True)
class Option:
    """One answer of a multiple-choice question.

    label: what the learner reads (plain text); value: what the answering cell computes when
    this option is the truth; explain: for the right option a short confirmation, for a
    wrong one the misconception choosing it reveals.
    """

    label: str
    value: object
    explain: str


@dataclass(frozen=True)
class Mistake:
    """A wrong number a learner is likely to give, and the misconception it reveals."""

    value: float
    explain: str


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question: exactly one option's value is ``answer``.

    tolerance: how close a computed number must be to an option's value to count as it.
    """

    id: str
    ask: str
    options: list
    answer: object
    tolerance: float = 0.0

    def __post_init__(self):
        _check_id(self.id)
        _require_text(self.ask, "ask", self.id)
        object.__setattr__(self, "options", tuple(self.options))
        if len(self.options) < 2 or not all(isinstance(o, Option) for o in self.options):
            raise ValueError(f"question {self.id}: options must be two or more Option(label, value, explain)")
        if not _is_number(self.tolerance) or self.tolerance < 0:
            raise ValueError(f"question {self.id}: tolerance must be a number >= 0, got {self.tolerance!r}")
        labels = [o.label for o in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError(f"question {self.id}: two options have the same label: {labels}")
        for option in self.options:
            _require_text(option.label, "every option's label", self.id)
            _require_text(option.explain, f"the explanation of option {option.label!r}", self.id)
        right = [o for o in self.options if same_value(o.value, self.answer, self.tolerance)]
        if len(right) != 1:
            raise ValueError(f"question {self.id}: exactly one option must have the value answer={self.answer!r} "
                             f"(within tolerance {self.tolerance}); {len(right)} do: {[o.label for o in right]}")
        for i, a in enumerate(self.options):
            for b in self.options[i + 1:]:
                if same_value(a.value, b.value, 2 * self.tolerance):
                    raise ValueError(f"question {self.id}: options {a.label!r} and {b.label!r} have values "
                                     f"{a.value!r} and {b.value!r}, too close to tell apart")

    @property
    def right(self):
        """The right Option."""
        return next(o for o in self.options if same_value(o.value, self.answer, self.tolerance))

    def judge(self, label):
        """(correct, explanation) for the option the learner chose, by its label."""
        for option in self.options:
            if option.label == label:
                return option is self.right, option.explain
        raise ValueError(f"question {self.id}: no option {label!r}; the options are {[o.label for o in self.options]}")


@dataclass(frozen=True)
class Number:
    """A question answered with a number, right within ``tolerance`` of ``answer``.

    right: the confirmation shown for a right answer; mistakes: likely wrong numbers, each with
    the misconception it reveals; otherwise: shown for any other wrong number (a hint, not the answer).
    """

    id: str
    ask: str
    answer: float
    tolerance: float
    right: str
    otherwise: str
    mistakes: list = field(default_factory=list)

    def __post_init__(self):
        _check_id(self.id)
        for what in ("ask", "right", "otherwise"):
            _require_text(getattr(self, what), what, self.id)
        if not _is_number(self.answer) or not math.isfinite(self.answer):
            raise ValueError(f"question {self.id}: answer must be a finite number, got {self.answer!r}")
        if not _is_number(self.tolerance) or not self.tolerance >= 0:
            raise ValueError(f"question {self.id}: tolerance must be a number >= 0, got {self.tolerance!r}")
        object.__setattr__(self, "mistakes", tuple(self.mistakes))
        for mistake in self.mistakes:
            if not isinstance(mistake, Mistake) or not _is_number(mistake.value):
                raise ValueError(f"question {self.id}: mistakes must be Mistake(number, explain), got {mistake!r}")
            _require_text(mistake.explain, f"the explanation of the mistake {mistake.value}", self.id)
            if same_value(mistake.value, self.answer, 2 * self.tolerance):
                raise ValueError(f"question {self.id}: the mistake {mistake.value} is within twice the tolerance "
                                 f"{self.tolerance} of the answer {self.answer}")

    def judge(self, value):
        """(correct, explanation) for the number the learner gave."""
        if same_value(value, self.answer, self.tolerance):
            return True, self.right
        for mistake in self.mistakes:
            if same_value(value, mistake.value, self.tolerance):
                return False, mistake.explain
        return False, self.otherwise


def _modules():
    """The question modules beside this file: nb00, nb01, ..."""
    return sorted(name for _, name, _ in pkgutil.iter_modules(__path__) if re.fullmatch(r"nb\d\d", name))


def registry():
    """{id: question} over every notebook's module, checked: ids unique and in their notebook's module."""
    questions = {}
    for name in _modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for question in module.QUESTIONS:
            if not isinstance(question, (Choice, Number)):
                raise TypeError(f"{name}.QUESTIONS holds {question!r}; expected Choice or Number")
            if question.id[:2] != name[2:]:
                raise ValueError(f"question {question.id} is in {name}.py; it belongs in nb{question.id[:2]}.py")
            if question.id in questions:
                raise ValueError(f"question id {question.id} is used twice")
            questions[question.id] = question
    return questions


def get(qid):
    """The question with this id, or a KeyError naming the notebook's module and its ids."""
    _check_id(qid)
    questions = registry()
    if qid not in questions:
        known = sorted(q for q in questions if q[:2] == qid[:2])
        raise KeyError(f"no question {qid!r} in nnlib/widgets/questions/nb{qid[:2]}.py"
                       + (f"; it has {', '.join(known)}" if known else ""))
    return questions[qid]
