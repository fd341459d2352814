"""Mistakes named from the shape of the error alone, for any answer: when no known wrong variant of
an exercise's formula matches, the way a wrong answer differs from the right one still often says
what went wrong. A constant factor off (a ½, a 2, a 1/N, the sign), a constant added, entries never
filled in, a transposed matrix, an axis summed away: each is named only when it explains every
entry, so a diagnosis here is as certain as one from the exercise's own list.
"""

import math
from fractions import Fraction

import numpy as np

from .feedback import Mistake, numbers


def simple_ratio(r):
    """r as a short fraction ("½", "2", "−1", "1/3", "100") when it is one (p/q with p, q ≤ 12, or a
    power of ten up to 1000), else None."""
    if not math.isfinite(r) or r == 0:
        return None
    frac = Fraction(r).limit_denominator(12)
    if abs(frac.numerator) <= 12 and math.isclose(float(frac), r, rel_tol=1e-7):
        sign = "−" if frac < 0 else ""
        if frac.denominator == 1:
            return f"{sign}{abs(frac.numerator)}"
        return sign + ("½" if abs(frac) == Fraction(1, 2) else f"{abs(frac.numerator)}/{frac.denominator}")
    for k in (1, 2, 3):
        for value, text in ((10 ** k, f"{10 ** k}"), (10 ** -k, f"1/{10 ** k}")):
            if math.isclose(abs(r), value, rel_tol=1e-7):
                return ("−" if r < 0 else "") + text
    return None


def _scale(expected):
    return max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0


def _close(a, b, rtol, atol):
    return bool(np.allclose(a, b, rtol=max(rtol, 1e-9), atol=atol))


def constant_factor(what, got, expected, rtol, atol):
    """Every entry the right one times the same number."""
    nonzero = np.abs(expected) > atol
    if not nonzero.any() or not _close(got[~nonzero], 0.0, 0.0, atol):
        return None
    ratios = got[nonzero] / expected[nonzero]
    r = float(np.median(ratios))
    if not np.allclose(ratios, r, rtol=max(rtol, 1e-9) * 10, atol=0) or math.isclose(r, 1.0, rel_tol=1e-9):
        return None
    simple = simple_ratio(r)
    if expected.size < 2 or nonzero.sum() < 2:
        if simple is None:  # one number: any wrong number is a multiple of the right one
            return None
    if simple == "−1":
        return Mistake(f"your {what} is the right one with the sign flipped (every entry × −1): look for y − ŷ where "
                       "ŷ − y belongs, a minus too many, or a step added where it is subtracted", None, "sign flipped")
    factor = simple or numbers(r, start=4)[0]
    return Mistake(f"every entry of your {what} is {factor} × the right one: the formula is right but for a constant "
                   "factor. Look for a factor missing or one too many (a ½, a 2, the batch size N, a 1/N, the sign)",
                   None, f"off by a factor {simple}" if simple else "off by a constant factor")


def constant_offset(what, got, expected, rtol, atol):
    """Every entry the right one plus the same number."""
    if expected.size < 2:
        return None
    shift = got - expected
    d = float(np.median(shift))
    if abs(d) <= atol or not _close(shift, d, 0.0, atol):
        return None
    return Mistake(f"every entry of your {what} is {numbers(abs(d))[0]} {'more' if d > 0 else 'less'} than the right "
                   "one: a constant is added to the formula or left out of it", None, "off by a constant")


def never_filled(what, got, expected, rtol, atol):
    """Right where it is not 0, and the other entries still 0."""
    off = ~np.isclose(got, expected, rtol=max(rtol, 1e-9), atol=atol)
    if not off.any() or off.all() or np.any(got[off] != 0):
        return None
    return Mistake(f"your {what} is right where it is not 0, and {int(off.sum())} of its {got.size} entries are "
                   "still 0: they were never filled in. Does the loop reach every index (np.ndindex(x.shape)), and "
                   "does nothing stop it early (a return or a break inside the loop)?", None, "entries never filled in")


def signs_only(what, got, expected, rtol, atol):
    """Every entry the sign of the right one, times one number."""
    if expected.size < 2 or not np.any(got):
        return None
    c = float(np.max(np.abs(got)))
    if not _close(got, c * np.sign(expected), rtol, atol) or _close(expected, c * np.sign(expected), rtol, atol):
        return None
    return Mistake(f"your {what} keeps only the signs of the right one (each entry ±{numbers(c)[0]}): np.sign, or "
                   "the derivative of an absolute value, stands where the values themselves belong", None,
                   "only the signs")


def transposed(what, got, expected, rtol, atol):
    if expected.ndim != 2 or expected.shape[0] != expected.shape[1] or _close(expected, expected.T, rtol, atol):
        return None
    if not _close(got, expected.T, rtol, atol):
        return None
    return Mistake(f"your {what} is the transpose of the right one: check the order of the matrix product (or a .T "
                   "too many)", None, "transposed")


def squared(what, got, expected, rtol, atol):
    if not _close(got, expected * expected, rtol, atol) or _close(expected, expected * expected, rtol, atol):
        return None
    return Mistake(f"your {what} is the right one squared: a ** 2 (or a product of the value with itself) too many",
                   None, "squared")


def factor_per_axis(what, got, expected, rtol, atol):
    """Every column (or every row) of a matrix the right one times a number of its own: a factor that
    belongs to each feature (γ, 1/σ) or to each example is wrong or missing."""
    if expected.ndim != 2 or min(expected.shape) < 2:
        return None
    for axis, (part, owner) in enumerate((("column", "feature (γ, 1/σ, a sum over the rows)"),
                                          ("row", "example (a value computed per row)"))):
        ratios = []
        for i in range(expected.shape[1 - axis]):
            e, g = (expected[:, i], got[:, i]) if axis == 0 else (expected[i], got[i])
            nonzero = np.abs(e) > atol
            if nonzero.sum() < 2 or not _close(g[~nonzero], 0.0, 0.0, atol):
                break
            r = g[nonzero] / e[nonzero]
            if not np.allclose(r, np.median(r), rtol=max(rtol, 1e-9) * 10, atol=0):
                break
            ratios.append(float(np.median(r)))
        else:
            if not np.allclose(ratios, ratios[0], rtol=1e-6):
                shown = "[" + ", ".join(numbers(*ratios[:4])) + (", ...]" if len(ratios) > 4 else "]")
                return Mistake(f"each {part} of your {what} is the right {part} times a number of its own, {shown}: "
                               f"a factor that belongs to each {owner} is wrong or missing", None,
                               f"off by a factor per {part}")
    return None


def rearranged(what, got, expected, rtol, atol):
    """The right values, in the wrong places."""
    if expected.size < 2 or not _close(np.sort(got.ravel()), np.sort(expected.ravel()), rtol, atol):
        return None
    return Mistake(f"your {what} holds the right values in the wrong places (reversed, transposed or otherwise "
                   "reordered): check the order of the axes and of the indices", None, "right values, wrong places")


def same_in_every_row(what, got, expected, rtol, atol):
    """A batch answer whose every row is off by the same vector: the part that does not depend on the row."""
    if expected.ndim != 2 or expected.shape[0] < 2:
        return None
    shift = got - expected
    if not _close(shift, shift[:1], 0.0, atol) or _close(shift[0], 0.0, 0.0, atol):
        return None
    return Mistake(f"every row of your {what} is off by the same vector, {preview_of(shift[0])}: the part that is "
                   "the same for every example (the bias) is wrong, the part that depends on the example is right",
                   None, "wrong in the part every row shares (the bias)")


def preview_of(values):
    return "[" + ", ".join(numbers(*values[:4])) + (", ...]" if len(values) > 4 else "]")


def generic_mistake(what, got, expected, rtol=1e-7, atol_scale=1e-10, factors=None):
    """The Mistake the error's shape shows, or None (got and expected of one shape, got wrong).

    factors: {name: array of expected's shape} the answer may have been multiplied or divided by by mistake
    (an input, a factor of the formula)."""
    atol = max(atol_scale, 1e-12) * _scale(expected)
    with np.errstate(all="ignore"):
        for rule in (constant_factor, transposed, constant_offset, never_filled, signs_only, squared,
                     same_in_every_row, factor_per_axis, rearranged):
            found = rule(what, got, expected, rtol, atol)
            if found is not None:
                return found
        for name, array in (factors or {}).items():
            for how, value in (("multiplied by", expected * array), ("divided by", expected / array)):
                if np.shape(value) == got.shape and np.all(np.isfinite(value)) and _close(got, value, rtol, atol) \
                        and not _close(value, expected, rtol, atol):
                    return Mistake(f"your {what} is the right one {how} {name}: a factor {name} too many or "
                                   "missing", None, f"{how} {name}")
    return None


def reduced_mistake(what, got, expected, rtol=1e-7, atol_scale=1e-10):
    """For an answer of the wrong shape: the right one summed or averaged over an axis, or over every entry."""
    atol = max(atol_scale, 1e-12) * _scale(expected) * max(1, expected.size)
    with np.errstate(all="ignore"):
        for axis in range(expected.ndim):
            for how, reduce in (("summed", np.sum), ("averaged", np.mean)):
                value = reduce(expected, axis=axis)
                if got.shape == value.shape and _close(got, value, rtol, atol):
                    return Mistake(f"your {what} is the right one {how} over axis {axis}: keep that axis, the "
                                   f"answer has shape {expected.shape}", None, f"{how} over an axis")
        if got.size == 1 and expected.size > 1 and _close(got.ravel()[0], expected.sum(), rtol, atol):
            return Mistake(f"your {what} is the sum of every entry of the right one: the answer is an array of shape "
                           f"{expected.shape}, not one number", None, "summed into one number")
    return None


def region_mistake(what, got, expected, z, rtol=1e-7, atol_scale=1e-10):
    """For an elementwise function of z: right on one side of some value of z and wrong on the other
    (wrong for negative z, say, or above z = 1); names the side that is wrong."""
    atol = max(atol_scale, 1e-12) * _scale(expected)
    if got.shape != expected.shape or got.shape != np.shape(z):
        return None
    off = ~np.isclose(got, expected, rtol=max(rtol, 1e-9), atol=atol)
    if not off.any() or off.all():
        return None
    bad, good = np.asarray(z)[off], np.asarray(z)[~off]
    if good.max() < bad.min():
        side = ("z ≥ 0" if good.max() < 0 <= bad.min() else "positive z" if good.max() <= 0 < bad.min() else
                f"z above {numbers((good.max() + bad.min()) / 2)[0]}")
    elif bad.max() < good.min():
        side = ("z ≤ 0" if bad.max() <= 0 < good.min() else "negative z" if bad.max() < 0 <= good.min() else
                f"z below {numbers((bad.max() + good.min()) / 2)[0]}")
    else:
        return None
    label = "large z" if "above" in side else "small z" if "below" in side else side
    return Mistake(f"your {what} is right everywhere but for {side}, where it is wrong: look at what your formula "
                   "does there", None, f"wrong for {label}")


def elementwise_catalogue(z, asked, right=None):
    """Mistakes for an elementwise function of z (an activation or its derivative): the functions a
    learner confuses it with, each named. asked: what the exercise asks for, in words. (The function
    asked for is among them too; it never matches a wrong answer.)"""
    with np.errstate(all="ignore"):
        s, t = 1 / (1 + np.exp(-z)), np.tanh(z)
        table = [  # (what the values are, the label for the class report, the values)
            ("sigmoid(z)", "sigmoid", s), ("sigmoid(−z)", "sigmoid(−z)", 1 - s),
            ("sigmoid(2z)", "sigmoid(2z)", 1 / (1 + np.exp(-2 * z))),
            ("sigmoid(z/2)", "sigmoid(z/2)", 1 / (1 + np.exp(-z / 2))),
            ("s(1 − s) with s = sigmoid(z), sigmoid's derivative", "sigmoid'", s * (1 - s)),
            ("s² with s = sigmoid(z)", "s²", s * s),
            ("1 − s² with s = sigmoid(z): tanh's rule applied to the sigmoid", "1 − s²", 1 - s * s),
            ("tanh(z)", "tanh", t), ("tanh(z/2)", "tanh(z/2)", np.tanh(z / 2)),
            ("1 − tanh(z)², tanh's derivative", "tanh'", 1 - t * t), ("1 − tanh(z)", "1 − tanh", 1 - t),
            ("1 − 2·tanh(z): the square written as × 2", "1 − 2·tanh", 1 - 2 * t),
            ("1 / cosh(z), sech(z) without its square (tanh'(z) = sech(z)²)", "sech without the square",
             1 / np.cosh(z)),
            ("relu(z)", "relu", np.maximum(z, 0)), ("relu(z)·z", "relu(z)·z", np.maximum(z, 0) * z),
            ("the step z > 0, relu's derivative", "the step z > 0", (z > 0) * 1.0),
            ("the step z ≥ 0", "the step z ≥ 0", (z >= 0) * 1.0), ("the step z ≤ 0", "the step z ≤ 0", (z <= 0) * 1.0),
            ("1 where z > 0 and z itself elsewhere", "z kept where z ≤ 0", np.where(z > 0, 1.0, z)),
            ("z itself", "z itself", z), ("|z|", "|z|", np.abs(z)), ("z²", "z²", z * z),
            ("e^z", "e^z", np.exp(z)), ("e^(−z)", "e^(−z)", np.exp(-z)), ("1 + e^(−z)", "1 + e^(−z)", 1 + np.exp(-z)),
            ("relu(−z)", "relu(−z)", np.maximum(-z, 0)), ("cosh(z)", "cosh", np.cosh(z)),
            ("sinh(z)", "sinh", np.sinh(z)),
            ("t(1 − t) with t = tanh(z): the sigmoid's rule applied to tanh", "t(1 − t)", t * (1 - t)),
            ("a leaky relu (a small slope for negative z); relu is 0 there", "leaky relu",
             np.where(z > 0, z, 0.01 * z)),
        ]
        if right is not None:
            table.append((f"{asked} multiplied by z", "× z", right * z))
    return [Mistake(f"your values equal {what}, not {asked}", value, f"computes {label}")
            for what, label, value in table]
