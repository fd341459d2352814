"""What a failed check says: the Fail a judgement raises, the Mistakes it diagnoses with, numbers
shown at one precision, and the exceptions a learner's own code raised, explained as theirs.

A Fail carries, besides its message, what the class report counts (exercises.report):

- mistake: a short name of the likely mistake ("bias missing", "forgot f'(z)"), or None when the
  checks cannot tell which step is wrong;
- kind: "diagnosed" (the mistake is named), "undiagnosed" (wrong, and the checks cannot tell why),
  "error" (the learner's code raised), "blank" (not written yet) or "static" (a rule of the
  assignment broken: a ready-made version called, the machinery reached into).
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from .. import SETUP_NAMES

KINDS = ("diagnosed", "undiagnosed", "error", "blank", "static")


class Fail(Exception):
    """A wrong answer; str(exc) is the message for the learner (see the module's docstring)."""

    def __init__(self, message, mistake=None, kind=None, readings=()):
        super().__init__(message)
        self.mistake = mistake
        self.kind = kind or ("diagnosed" if mistake else "undiagnosed")
        self.readings = tuple(readings)  # the labels of two or more slips that fit equally (see one_of)


@dataclass(frozen=True)
class Mistake:
    """A known wrong variant: what it gives on the case's inputs, the sentence that names it, and
    a short label for the class report.

    hint starts with what the learner's answer equals and ends with the right formula, e.g.
    "your dp equals −(p − y)/(p(1 − p))/N, the right one with the sign flipped. The gradient is ...".
    """

    hint: str
    value: object
    label: str = ""
    formula: str = ""  # what the value is, in a few words ("tanh(2z)"): a wrong answer off from it by a constant
    # factor or offset is named from it too (exercises.checks.generic.near_a_formula)
    readings: tuple = ()  # the labels of the slips it names when several fit equally (see one_of)

    @property
    def name(self):
        """The label, or (for a Mistake given none) the hint's first clause."""
        return self.label or re.split(r"[:.;(]", self.hint, maxsplit=1)[0].strip()[:60]


def one_of(mistakes):
    """One Mistake naming every slip of `mistakes` (each a reading that fits the case's values equally):
    the first alone when there is one, else all of them, saying that the checks cannot tell which.
    Its readings hold the labels, so a later case that tells them apart can be looked for
    (exercises.checks.engine.judgement)."""
    unique = list({m.name: m for m in reversed(mistakes)}.values())[::-1]  # each label once, in order
    if len(unique) == 1:
        return unique[0]
    first, rest = unique[0], unique[1:]
    hint = first.hint + "".join(f"; or, just as well, {m.hint}" for m in rest)
    readings = tuple(dict.fromkeys(r for m in unique for r in (m.readings or (m.name,))))
    return Mistake(f"{hint} (the same values here: the checks cannot tell which)", first.value,
                   " or ".join(m.name for m in unique), readings=readings)


def likely(mistake):
    """The line a message ends with when a Mistake matched."""
    return f"\n  Likely mistake: {mistake.hint}"


# ------------------------------------------------------------------ numbers at one precision

def digits_to_tell(values, start=4, most=17):
    """The fewest significant digits (at least start) at which different numbers print differently."""
    finite = sorted({float(v) for v in values if math.isfinite(float(v))})
    for digits in range(start, most + 1):
        if len({f"{v:.{digits}g}" for v in finite}) == len(finite):
            return digits
    return most


def _all_integers(values):
    return all(math.isfinite(v) and float(v).is_integer() and abs(v) < 1e15 for v in values)


def number_text(value, digits):
    """One number with `digits` significant digits, trailing zeros kept (2.490, not 2.49), so the
    numbers of one message line up; whole numbers of a message of whole numbers stay whole."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    return f"{value:#.{digits}g}".rstrip(".") if "e" not in f"{value:#.{digits}g}" else f"{value:.{digits - 1}e}"


def numbers(*values, start=4):
    """The values as strings at one precision, with enough digits to tell different ones apart."""
    flat = [float(v) for v in values]
    if _all_integers(flat):
        return [str(int(v)) for v in flat]
    digits = digits_to_tell(flat, start)
    if len(flat) == 1:  # a number alone: nothing to line up with
        return [f"{flat[0]:.{digits}g}"]
    return [number_text(v, digits) for v in flat]


def pair(expected, got, start=4):
    """(expected, got) as strings at one precision that tell them apart."""
    return tuple(numbers(expected, got, start=start))


def preview(arr, k=4, digits=4):
    """An array's first k entries (or a number) as text."""
    arr = np.asarray(arr, dtype=float)
    if arr.ndim == 0:
        return numbers(float(arr), start=digits)[0]
    flat = arr.ravel()
    shown = flat[:k]
    if _all_integers(shown):
        texts = [str(int(v)) for v in shown]
    else:
        texts = [number_text(v, digits) for v in shown]
    return "[" + ", ".join(texts) + (", ...]" if flat.size > k else "]")


def describe(arr):
    arr = np.asarray(arr)
    return f"the number {preview(arr)}" if arr.ndim == 0 else f"an array of shape {arr.shape}, {preview(arr)}"


def previews(expected, got, k=4):
    """Previews of two arrays of one shape at one precision, with enough digits that they differ
    where the values shown differ."""
    e, g = np.asarray(expected, dtype=float).ravel()[:k], np.asarray(got, dtype=float).ravel()[:k]
    digits = 4
    while digits < 17 and any(number_text(a, digits) == number_text(b, digits) for a, b in zip(e, g) if a != b):
        digits += 1
    return preview(expected, k, digits), preview(got, k, digits)


def entry(index):
    return f"[{', '.join(map(str, index))}]"


# ------------------------------------------------------------------ errors the learner's code raised

# (label, exception type, words in its message, the explanation in plain words)
_ERRORS = (
    ("math function on an array", "TypeError",
     ("only length-1 arrays", "only 0-dimensional arrays", "only size-1 arrays",
      "must be real number, not numpy.ndarray", "numpy.ndarray' object cannot be interpreted"),
     "math.exp, math.log and the other math functions take one number; your code gave one an array. "
     "numpy's np.exp, np.log, ... work on every entry of an array at once."),
    ("if on an array", "ValueError", ("truth value of an array",),
     "Python asked whether a whole array is True, and an array of many True/False values has no single "
     "answer. That happens with `if z > 0:`, `max(0, z)` or `and`/`or` on arrays. Work entry by entry "
     "instead: np.maximum(z, 0), np.where(z > 0, a, b), or (z > 0) * 1.0."),
    ("endless recursion", "RecursionError", ("maximum recursion depth",),
     "your code calls itself (or two functions call each other) without end, so Python stopped it. "
     "Look for a function that calls itself with the same argument, or a method that calls a function "
     "that calls the method again."),
    ("shapes do not fit", "ValueError", ("could not be broadcast", "matmul: Input operand", "not aligned"),
     "two arrays whose shapes do not fit together met in one operation. Print the shapes (x.shape) of "
     "what goes into that line."),
    ("None used in arithmetic", "TypeError", ("'NoneType'",),
     "a variable that is still None met a number (None - 1, None < 0.5, ...): it should have been given a value "
     "before this line. Look for one set only inside an `if` that has not run yet (a best epoch, a best loss) or "
     "a function that returns nothing."),
    ("variable used before it is set", "UnboundLocalError", ("cannot access local variable", "referenced before"),
     "a variable is read before this function gives it a value (a total that is never set to 0 first, or one set "
     "only inside an `if`): give it its starting value before the loop."),
    ("^ instead of **", "TypeError", ("bitwise_xor",),
     "in Python `^` is bitwise XOR, not a power, and numpy refuses it on float arrays: write `t ** 2` (or `t * t`) "
     "for t squared."),
    ("np.split into unequal parts", "ValueError", ("array split does not result in an equal division",),
     "np.split(a, k) cuts a into k parts of equal size and fails when they cannot be equal. For batches of "
     "batch_size rows, slice: [order[start:start + batch_size] for start in range(0, n, batch_size)] (the last "
     "batch then holds what is left)."),
    ("an array with too few axes", "IndexError", ("too many indices for array",),
     "an array was indexed with more indices than it has axes (grad[i, j] on a 1-D array): it was made with fewer "
     "axes than the array whose indices you use. An array meant to match x needs x's shape: np.zeros_like(x) or "
     "np.zeros(x.shape), not np.zeros(len(x)), which has one axis only."),
    ("name not defined", "NameError", ("is not defined",),
     "a name your code uses is not defined: did its cell above fail, or did a cell delete or rename it?"),
)



def _name_in(message):
    found = re.search(r"name '([^']+)' is not defined", message)
    return found.group(1) if found else None


def explain(error, name, shape_hint=""):
    """The Fail for an exception the learner's function raised: its type, message and line, worded
    as the learner's own (never a traceback through library code)."""
    etype, message = error.get("type", "Exception"), error.get("message", "")
    line = error.get("line", "")
    if etype == "NotImplementedError":
        return Fail(f"{name} is not written yet ({message or 'it raises NotImplementedError'})", kind="blank")
    if etype == "Skipped":
        return Fail(f"{name} could not be checked: an earlier step of this test failed", kind="error")
    if etype == "StandInMismatch":  # exercises.probe.StandIn: a library function called with unexpected arguments
        called = re.match(r"(\w+) was called with (?:a function (\w+) that does not read|(\w+) = )", message)
        if called and called.group(2):
            mistake = f"{called.group(2)} reads a copy ({called.group(1)})"
        elif called and called.group(3):
            mistake = f"wrong {called.group(3)} passed to {called.group(1)}"
        else:
            mistake = "unexpected arguments to a library function"
        return Fail(f"{name}: {message}" + (f"\n  (in your line: {line})" if line else ""), mistake=mistake)
    text, mistake = f"{name} raised {etype}: {message}", None
    missing = _name_in(message) if etype == "NameError" else None
    if missing in SETUP_NAMES:
        text += (f"\n  What it means: `{missing}` is imported by the set-up cell at the top of the notebook: "
                 "run the set-up cell at the top first, then this exercise's cell, then this test.")
        mistake = "set-up cell not run"
    else:
        if shape_hint and any(w in message for w in ("matmul", "shape", "broadcast", "aligned")):
            text += f"\n  Hint: {shape_hint}"
            mistake = "shapes do not fit"
        for label, kind, words, explanation in _ERRORS if mistake is None else ():
            if etype == kind and any(w in message for w in words):
                text += f"\n  What it means: {explanation}"
                mistake = label
                break
    if line:
        text += f"\n  (in your line: {line})"
    return Fail(text, mistake=mistake, kind="error")
