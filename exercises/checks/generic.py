"""Mistakes named from the shape of the error alone, for any answer: when no known wrong variant of
an exercise's formula matches, the way a wrong answer differs from the right one still often says
what went wrong. A constant factor off (a ½, a 2, a 1/N, the sign), a constant added, entries never
filled in, a transposed matrix, an axis summed away: each is named only when it explains every
entry, so a diagnosis here is as certain as one from the exercise's own list.
"""

import math
from fractions import Fraction

import numpy as np

from .feedback import Mistake, numbers, one_of


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
    size = simple_ratio(abs(d)) or numbers(abs(d))[0]
    return Mistake(f"every entry of your {what} is {numbers(abs(d))[0]} {'more' if d > 0 else 'less'} than the right "
                   f"one ({size} too {'large' if d > 0 else 'small'}): a constant is added to the formula or left "
                   f"out of it (a {'−' if d > 0 else '+'} {size} missing?)", None, "off by a constant")


def never_filled(what, got, expected, rtol, atol):
    """Right where it is not 0, and the other entries still 0."""
    off = ~np.isclose(got, expected, rtol=max(rtol, 1e-9), atol=atol)
    if not off.any() or off.all() or np.any(got[off] != 0):
        return None
    if np.array_equal(off, expected < 0):  # 0 exactly where the right value is negative: a max with 0 (transformed)
        return None
    flat, zero = np.flatnonzero(off.ravel()), np.isclose(expected.ravel(), 0.0, atol=atol)
    between = np.arange(flat[0], flat[-1] + 1)
    if not np.all(off.ravel()[between] | zero[between]) or (flat[0] > 0 and flat[-1] < off.size - 1):
        return None  # zeros scattered, or a block in the middle: not a loop that stopped early or started late
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


def whole_numbers(what, got, expected, rtol, atol):
    """The right values with their fractions dropped: an integer dtype or a // somewhere."""
    if not np.all(got == np.round(got)) or _close(expected, np.round(expected), rtol, atol):
        return None
    for how, cut in (("cut toward 0", np.trunc), ("rounded", np.round), ("rounded down", np.floor)):
        if _close(got, cut(expected), rtol, atol):
            return Mistake(f"your {what} holds whole numbers, the right values {how} to integers: an integer dtype "
                           "(.astype(int), an int array filled in, np.zeros(..., dtype=int)) or a // drops the "
                           "fractions. Keep the values as floats", None, "whole numbers (an integer dtype)")
    return None


def transformed(what, got, expected, rtol, atol):
    """The right values passed through one more function: inverted, 1 − it, an activation, exp, log, a root."""
    table = (("1 / the right one: the formula upside down (numerator and denominator swapped, or a ** −1 too many)",
              lambda e: 1 / e, "inverted"),
             ("1 − the right one: a complement (1 − ...) too many or missing", lambda e: 1 - e, "1 − the right one"),
             ("tanh of the right one: an activation applied where the formula has none (or one too many)", np.tanh,
              "tanh applied on top"),
             ("sigmoid of the right one: an activation applied where the formula has none (or one too many)",
              lambda e: 1 / (1 + np.exp(-e)), "sigmoid applied on top"),
             ("relu of the right one: an activation (or a max with 0) applied where the formula has none",
              lambda e: np.maximum(e, 0), "relu applied on top"),
             ("e to the power of the right one: an exp too many", np.exp, "exp applied on top"),
             ("the log of the right one: a log too many", np.log, "log applied on top"),
             ("the square root of the right one: a root too many (np.sqrt, np.linalg.norm, ** 0.5)", np.sqrt,
              "square root applied on top"),
             ("the absolute value of the right one: an abs too many, which loses the signs", np.abs,
              "absolute value"))
    for text, f, label in table:
        value = f(expected)
        if np.all(np.isfinite(value)) and not _close(value, expected, rtol, atol) and _close(got, value, rtol, atol):
            return Mistake(f"your {what} is {text}", None, label)
    return None


def _ratio(got, base, rtol, atol):
    """The one number r with got = r · base in every entry (base not 0 in at least two), else None."""
    nonzero = np.abs(base) > atol
    if nonzero.sum() < 2 and not (base.size == 1 and nonzero.all()):
        return None
    if not _close(got[~nonzero], 0.0, 0.0, atol):
        return None
    ratios = got[nonzero] / base[nonzero]
    r = float(np.median(ratios))
    if not np.all(np.isfinite(ratios)) or not np.allclose(ratios, r, rtol=max(rtol, 1e-9) * 10, atol=0):
        return None
    return r


def sized_factor(what, got, expected, rtol, atol, sizes):
    """Every entry the right one times a ratio of the case's sizes (N, n_in, k, ...): a division by the
    wrong count, a 1/N missing, or one too many. sizes: {"N (the batch)": 5, ...}, a symbol and, in
    brackets, what it counts. Where the case's sizes explain the ratio in more than one way (N = 4, k = 3:
    1/4 is 1/N and also k/(N·k)), every reading is named and none is picked."""
    r = _ratio(got, expected, rtol, atol) if sizes else None
    if r is None or math.isclose(r, 1.0, rel_tol=1e-9):
        return None
    found = list(dict.fromkeys(_size_readings(what, r, sizes)))  # in order, each reading once
    if len(found) == 1:
        return Mistake(found[0][0], None, found[0][1])
    if found:
        return Mistake(f"every entry of your {what} is {simple_ratio(r) or numbers(r)[0]} × the right one, which "
                       "fits more than one slip with this case's sizes, so the checks cannot tell which: "
                       + "; or ".join(hint.split(": ", 1)[-1] for hint, _ in found),
                       None, " or ".join(label for _, label in found))
    return None


def _size_readings(what, r, sizes):
    """(hint, label) for every way a ratio r of got to expected follows from the case's named numbers."""
    named = _whole_sizes(sizes)
    for (a_sym, a_desc, a), (b_sym, b_desc, b) in ((x, y) for x in named for y in named if x[2] != y[2]):
        if math.isclose(r, a / b, rel_tol=1e-7):
            yield (f"every entry of your {what} is {simple_ratio(r) or numbers(r)[0]} × the right one, {a}/{b}: it "
                   f"is divided by {b_sym} = {b}{b_desc} where {a_sym} = {a}{a_desc} belongs",
                   f"divided by {b_sym}, not {a_sym}")
    for sym, desc, a in scalar_names(sizes):
        if math.isclose(r, a, rel_tol=1e-7):
            yield (f"every entry of your {what} is {sym} × the right one ({sym} = {numbers(a)[0]}{desc}): a factor "
                   f"{sym} too many", f"× {sym}: a factor {sym} too many")
        if math.isclose(r, 1 / a, rel_tol=1e-7):
            yield (f"every entry of your {what} is the right one divided by {sym} ({sym} = {numbers(a)[0]}{desc}): "
                   f"the factor {sym} is missing", f"factor {sym} missing")
    for sym, desc, a in named:
        for power, text in ((1, ""), (2, "²")):
            if math.isclose(r, a ** power, rel_tol=1e-7):
                yield (f"every entry of your {what} is {sym}{text} = {a ** power} × the right one ({sym} = "
                       f"{a}{desc}): a division by {sym}{text} is missing (a sum where the mean over {sym} "
                       "belongs?)", f"× {sym}{text}: 1/{sym}{text} missing")
            if math.isclose(r, a ** -power, rel_tol=1e-7):
                yield (f"every entry of your {what} is the right one divided by {sym}{text} = {a ** power} "
                       f"({sym} = {a}{desc}): a 1/{sym}{text} too many (divided by {sym} twice, or a mean where "
                       "the sum belongs?)", f"divided by {sym}{text} too often")


def scalar_names(sizes):
    """[(symbol, ", what it is", value)] of the sizes that are not whole numbers (η, β, p, 1 − p ...)."""
    out = []
    for name, v in (sizes or {}).items():
        v = float(v)
        if v != 0 and math.isfinite(v) and not (v.is_integer() and v > 1) and not math.isclose(abs(v), 1.0):
            out.append((*_symbol_and_what(name), v))
    return out


def _symbol_and_what(name):
    """"N (the batch)" -> ("N", ", the batch"); a name without brackets -> (name, "")."""
    sym, _, what = name.partition(" (")
    return sym, ", " + what.rstrip(")") if what else ""


def step_off(what, got, expected, start, rtol, atol, sizes):
    """An update (expected = start + step) whose step is the right one times a number: a named factor
    of the case (η, β, N) too many or missing, a simple number, or the other direction."""
    if start is None or np.shape(start) != got.shape:
        return None
    start = np.asarray(start, dtype=float)
    right = expected - start
    moved = got - start
    if got.size > 1 and _close(moved, float(np.median(moved)), 0.0, atol) and not _close(right, right.flat[0], 0.0,
                                                                                      atol):
        d = float(np.median(moved))
        whole = [text for value, text in ((right.mean(), "the mean"), (right.sum(), "the sum"))
                 if math.isclose(d, value, rel_tol=1e-6)]
        return Mistake(f"every entry of your {what} moved by the same amount, {numbers(d)[0]}"
                       + (f" ({whole[0]} of the right steps)" if whole else "")
                       + ": the step is one number (a mean or a sum of the gradient) where each entry's own "
                       "gradient belongs", None, "the same step for every entry")
    r = _ratio(moved, right, rtol, atol)
    if r is None or math.isclose(r, 1.0, rel_tol=1e-9) or _close(right, 0.0, 0.0, atol):
        return None
    found = [(sym, desc, a, text, label)
             for sym, desc, a in scalar_names(sizes) + [(s, d, float(v)) for s, d, v in _whole_sizes(sizes)]
             for value, text, label in _step_factors(sym, a)
             if math.isclose(r, value, rel_tol=1e-7)]
    if len(found) == 1:
        sym, desc, a, text, label = found[0]
        return Mistake(f"your {what} moved by {text} ({sym} = {numbers(a)[0]}{desc})", None, label)
    if found:  # two of the case's numbers give the same factor here ((1 − β₁)² = η = 0.01): say both, pick none
        readings = " or ".join(label.replace("step × ", "").replace(" missing in the step", " missing")
                               for *_, label in found)
        return Mistake(f"your {what} moved by {numbers(r)[0]} × the right step; with this case's numbers that "
                       f"is {readings}, which are equal here, so the checks cannot tell which one: look for "
                       "each in your step (" + "; ".join(text.split(": ", 1)[1] for *_, text, _ in found) + ")",
                       None, f"step × {numbers(r)[0]} ({readings})")
    simple = simple_ratio(r)
    if simple == "−1":
        return Mistake(f"your {what} moved by the right step in the other direction: the step is subtracted, "
                       "p −= step (or its sign is flipped inside)", None, "moved the wrong way")
    if simple is not None:
        return Mistake(f"your {what} moved in the direction of the right step but by {simple} × its size: a factor "
                       f"{simple} too many or missing in the step", None, f"step × {simple}")
    return None


def _step_factors(sym, a):
    """(factor, what it means, label) for a named number a of the case: once too many, missing, twice."""
    squared = f"({sym})²" if " " in sym else f"{sym}²"  # (1 − β₁)², not 1 − β₁²
    return ((a, f"{sym} × the right step: a factor {sym} too many", f"step × {sym}"),
            (1 / a, f"the right step divided by {sym}: the factor {sym} is missing",
             f"factor {sym} missing in the step"),
            (a * a, f"{squared} × the right step: {sym} applied twice, or multiplied where the formula divides by it",
             f"step × {squared}"))


def _whole_sizes(sizes):
    return [(*_symbol_and_what(name), int(v)) for name, v in (sizes or {}).items() if float(v).is_integer() and v > 1]


def near_a_formula(what, got, expected, rtol, atol, mistakes):
    """got a simple number (2, ½, −1, ...) times one of the formulas a learner confuses the answer
    with (the mistakes that carry a formula), or that formula plus a simple number."""
    mistakes = [m for m in mistakes or () if m.formula] + [m for m in mistakes or () if not m.formula]
    for m in mistakes:
        if not m.formula:  # a known slip: the answer may hold it and a factor besides (two slips at once)
            try:
                v = np.asarray(m.value, dtype=float)
            except (TypeError, ValueError):
                continue
            r = _ratio(got, v, rtol, atol) if v.shape == got.shape and np.all(np.isfinite(v)) \
                and not _close(v, expected, rtol, atol) and not _close(v, 0.0, 0.0, atol) else None
            simple = simple_ratio(r) if r is not None and not math.isclose(r, 1.0, rel_tol=1e-9) else None
            if simple is not None:
                return Mistake(f"two slips at once: a factor {simple} (every entry is {simple} × what the other "
                               f"slip alone gives), and {m.hint[0].lower() + m.hint[1:]}", None,
                               f"{simple} × ({m.name})")
            continue
        v = np.asarray(m.value, dtype=float)
        if v.shape != got.shape or not np.all(np.isfinite(v)) or _close(v, expected, rtol, atol) \
                or _close(v, 0.0, 0.0, atol):
            continue
        r = _ratio(got, v, rtol, atol)
        simple = simple_ratio(r) if r is not None and not math.isclose(r, 1.0, rel_tol=1e-9) else None
        if simple is not None:
            return Mistake(f"your {what} equals {simple} × {m.formula}: that formula (with a factor {simple} "
                           f"besides) is not the one for {what}", None, f"{simple} × {m.label or m.formula}")
        d = float(np.median(got - v))
        if abs(d) > atol and simple_ratio(d) is not None and _close(got - v, d, 0.0, atol):
            sign = "+" if d > 0 else "−"
            return Mistake(f"your {what} equals {m.formula} {sign} {simple_ratio(abs(d))}: that formula, shifted "
                           f"by a constant, is not the one for {what}", None,
                           f"{m.label or m.formula} {sign} {simple_ratio(abs(d))}")
    return None


def preview_of(values):
    return "[" + ", ".join(numbers(*values[:4])) + (", ...]" if len(values) > 4 else "]")


def generic_mistake(what, got, expected, rtol=1e-7, atol_scale=1e-10, factors=None, sizes=None, mistakes=(),
                    start=None):
    """The Mistake the error's shape shows, or None (got and expected of one shape, got wrong).

    factors: {name: array of expected's shape} the answer may have been multiplied or divided by by mistake
    (an input, a factor of the formula), once or squared (multiplied where it divides); sizes: {name: count}
    of the case (N, n_in, k) a wrong division may have used, and its named numbers (η, β, p) a factor may be;
    mistakes: the known variants, whose formula times a simple number is named too; start: for an update,
    the value before it (a step off by a factor is named)."""
    atol = max(atol_scale, 1e-12) * _scale(expected)
    with np.errstate(all="ignore"):
        found = step_off(what, got, expected, start, rtol, atol, sizes) or \
            sized_factor(what, got, expected, rtol, atol, sizes)
        if found is not None:
            return found
        for rule in (constant_factor, transposed, constant_offset, never_filled, signs_only, squared, transformed,
                     same_in_every_row, factor_per_axis, rearranged, whole_numbers):
            found = rule(what, got, expected, rtol, atol)
            if found is not None:
                return found
        for name, array in (factors or {}).items():
            role = ""
            if isinstance(array, tuple):  # (array, "denominator" or "numerator"): the factor's place in the formula
                array, role = array
            once = {"denominator": (f"the division by {name} is missing", f"the denominator {name} is squared: "
                                    f"your formula divides by ({name})²"),
                    "numerator": (f"the numerator {name} is squared", f"the numerator {name} is missing")}.get(
                role, (f"an extra factor {name} (one factor {name} too many)",
                       f"the factor {name} is missing (or it divides where nothing belongs)"))
            for how, value, text in (
                    (f"multiplied by {name}", expected * array, once[0]),
                    (f"divided by {name}", expected / array, once[1]),
                    (f"multiplied by ({name})²", expected * array * array,
                     f"it multiplies by {name} where the formula divides by it"),
                    (f"divided by ({name})²", expected / (array * array),
                     f"it divides by {name} where the formula multiplies by it")):
                if np.shape(value) == got.shape and np.all(np.isfinite(value)) and _close(got, value, rtol, atol) \
                        and not _close(value, expected, rtol, atol):
                    return Mistake(f"your {what} is the right one {how}: {text}", None,
                                   how.replace("(", "").replace(")", ""))
        found = near_a_formula(what, got, expected, rtol, atol, mistakes)
        if found is not None:
            return found
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


def threshold_step(what, got, expected, z):
    """For an elementwise function of z: a step from 0 to 1 at some z other than the right one's."""
    z = np.asarray(z, dtype=float)
    if got.shape != z.shape or np.array_equal(got, expected) or not np.all((got == 0) | (got == 1)) \
            or not np.any(got == 0) or not np.any(got == 1):
        return None
    lo, hi = float(z[got == 0].max()), float(z[got == 1].min())
    if lo >= hi:
        return None
    steps_at_0 = np.array_equal(expected, (z > 0) * 1.0) or np.array_equal(expected, (z >= 0) * 1.0)
    return Mistake(f"your {what} is a step from 0 to 1 (a threshold) somewhere between z = {numbers(lo)[0]} and "
                   f"z = {numbers(hi)[0]}" + (", while the right one steps at z = 0: the threshold is in the wrong "
                                               "place" if steps_at_0 else ""), None, "a step at the wrong threshold")


def step_readings(what, mistake, got, expected, z):
    """A step's diagnosis (a 0/1 answer where the right one is a step too) with the other reading its values
    allow: a step anywhere between the last z that gives 0 and the first that gives 1 (z >= 0 and z > −0.5
    give the same values when no z lies between −0.5 and 0)."""
    right_is_step = np.all((expected == 0) | (expected == 1))
    other = threshold_step(what, got, expected, z) if right_is_step and mistake is not None else None
    return mistake if other is None or mistake.name == other.name else one_of([mistake, other])


def constant_read(what, got, expected, z, rtol=1e-7, atol_scale=1e-10):
    """For an elementwise function of z: got equal to a form with a constant c in it, c read from the values
    themselves (np.maximum(z, c), relu(z − c), z kept above a threshold c), the constant named."""
    atol = max(atol_scale, 1e-12) * _scale(expected)
    z = np.asarray(z, dtype=float)
    if got.shape != z.shape or got.size < 2:
        return None
    relu = _close(expected, np.maximum(z, 0), rtol, atol)  # then say where relu has its 0
    floor, pos = ~np.isclose(got, z, rtol=max(rtol, 1e-9), atol=atol), got > atol
    forms = []
    if floor.any():
        c, shown = float(np.median(got[floor])), numbers(float(np.median(got[floor])))[0]
        forms.append((np.maximum(z, c), f"np.maximum(z, {shown}): z floored at {shown}",
                      "relu floors z at 0, np.maximum(z, 0)", "floored at a constant"))
    if pos.any():
        c = float(np.median(z[pos] - got[pos]))
        shift = f"z {'−' if c > 0 else '+'} {numbers(abs(c))[0]}"
        forms.append((np.maximum(z - c, 0), f"relu({shift}): the input shifted before the max",
                      "relu's kink is at z = 0, np.maximum(z, 0)", "input shifted"))
    zero, kept = _close_each(got, 0.0, atol) & (z != 0), ~floor & (z != 0)
    if zero.any() and kept.any() and z[zero].max() < z[kept].min():
        lo, hi = numbers(z[zero].max(), z[kept].min())
        forms.append((np.where(z > z[zero].max(), z, 0.0), f"z kept only above a threshold somewhere between z = {lo} "
                      f"and z = {hi} (0 below it)", "relu keeps z wherever z > 0", "threshold off 0"))
    for value, text, right, label in forms:
        if _close(got, value, rtol, atol) and not _close(value, expected, rtol, atol):
            return Mistake(f"your {what} equals {text}" + (f": {right}" if relu else ""), None, label)
    return None


def _close_each(a, b, atol):
    return np.isclose(a, b, rtol=0, atol=atol)


def region_mistake(what, got, expected, z, rtol=1e-7, atol_scale=1e-10):
    """For an elementwise function of z: right on one side of some value of z and wrong on the other
    (wrong for negative z, say, or above z = 1); names the side that is wrong."""
    atol = max(atol_scale, 1e-12) * _scale(expected)
    if got.shape != expected.shape or got.shape != np.shape(z):
        return None
    off = ~np.isclose(got, expected, rtol=max(rtol, 1e-9), atol=atol)
    z = np.asarray(z, dtype=float)
    if not off.any() or off.all():
        return None
    bad, good = z[off], z[~off]
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


def input_variants(reference, args, what, *, swaps=True, sizes=None, notes=None):
    """Mistakes for an answer computed by the right formula from the wrong ingredients: reference(**args)
    with one input left out (0) or not applied (1), or two inputs of one shape swapped. args: {name: value};
    names may hold words in brackets ("b (the bias)"), which are passed on without them. Each input is also
    tried with its sign flipped and, for sizes {"N (the batch)": 5}, divided or multiplied by each size.
    notes: {name: text} added to the message of that input left out."""
    plain = {name.split(" (")[0]: value for name, value in args.items()}
    right = np.asarray(reference(**plain), dtype=float)
    out = []

    def add(text, label, **changed):
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(reference(**{**plain, **changed}), dtype=float)
        except (ValueError, TypeError, ZeroDivisionError, FloatingPointError, IndexError):
            return
        if value.shape == right.shape and np.all(np.isfinite(value)) and not np.allclose(value, right, 1e-9, 1e-12):
            out.append(Mistake(f"your {what} is what the right formula gives {text}", value, label))

    names = list(args)
    for name in names:
        key, value = name.split(" (")[0], plain[name.split(" (")[0]]
        zero, one = np.zeros_like(np.asarray(value, dtype=float)), np.ones_like(np.asarray(value, dtype=float))
        note = (notes or {}).get(key, "")
        add(f"with {name} = 0: {key} is left out of it ({key} is missing){note}", f"{key} left out",
            **{key: zero if np.ndim(value) else 0.0})
        add(f"with {name} = 1: {key} is not applied where it belongs", f"{key} not applied",
            **{key: one if np.ndim(value) else 1.0})
        if np.any(np.asarray(value, dtype=float) != 0):
            add(f"with −{key} where {key} belongs: the sign of {key} is flipped (a minus where the plus belongs)",
                f"sign of {key} flipped", **{key: -np.asarray(value, dtype=float) if np.ndim(value) else -value})
        for sym, desc, n in _whole_sizes(sizes):
            add(f"with {key} divided by {sym} = {n}{desc}: a division by {sym} too many", f"{key} divided by {sym}",
                **{key: np.asarray(value, dtype=float) / n if np.ndim(value) else value / n})
            add(f"with {key} multiplied by {sym} = {n}{desc}: a factor {sym} too many", f"{key} × {sym}",
                **{key: np.asarray(value, dtype=float) * n if np.ndim(value) else value * n})
    if swaps:
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                ka, kb = a.split(" (")[0], b.split(" (")[0]
                if np.shape(plain[ka]) == np.shape(plain[kb]):
                    add(f"with {ka} and {kb} swapped: each stands where the other belongs", f"{ka} and {kb} swapped",
                        **{ka: plain[kb], kb: plain[ka]})
    return merged(out)


def merged(mistakes):
    """The mistakes with those that give the same values on this case (two readings the case cannot tell
    apart) joined into one that names each and picks none (feedback.one_of), at the first one's place."""
    groups = []  # (the first mistake's value, or None where it has none to compare, [the mistakes])
    by_shape = {}  # shape: ([index in groups], [value]) of the groups with a value of that shape
    for m in mistakes:
        try:
            value = np.asarray(m.value, dtype=float)
        except (TypeError, ValueError):
            value = None
        match = None
        if value is not None and value.shape in by_shape:
            indices, values = by_shape[value.shape]
            close = _each_close(np.stack(values), value)
            match = indices[int(np.argmax(close))] if close.any() else None
        if match is not None:
            groups[match][1].append(m)
            continue
        first = value if value is not None and value.size and m.value is not None else None
        groups.append((first, [m]))
        if first is not None:
            indices, values = by_shape.setdefault(first.shape, ([], []))
            indices.append(len(groups) - 1)
            values.append(first)
    return [one_of(group) for _, group in groups]


def _each_close(stacked, value):
    """For each row of stacked (one earlier value per row): np.allclose(row, value, 1e-9, 1e-12,
    equal_nan=True), for all the rows in one pass (numpy's rule: |row − value| ≤ 1e-12 + 1e-9·|value|
    where value is finite, else equal, and NaN where both are NaN)."""
    with np.errstate(all="ignore"):
        near = (np.abs(stacked - value) <= 1e-12 + 1e-9 * np.abs(value)) & np.isfinite(value)
        each = near | (stacked == value) | (np.isnan(stacked) & np.isnan(value))
    return each.reshape(len(stacked), -1).all(axis=1)


# An activation's derivative rule written from its own output u (t = tanh, s = sigmoid), and the forms a
# learner confuses it with: (expression with {u}, the value as a function of u). The right rule comes first.
RULE_SLIPS = {
    "tanh": [("1 − {u}²", lambda u: 1 - u * u), ("1 − {u}", lambda u: 1 - u), ("(1 − {u})²", lambda u: (1 - u) ** 2),
             ("1 + {u}²", lambda u: 1 + u * u), ("{u}²", lambda u: u * u), ("−{u}²", lambda u: -u * u),
             ("1 − 2{u}", lambda u: 1 - 2 * u), ("{u}", lambda u: u), ("{u}(1 − {u})", lambda u: u * (1 - u)),
             ("1 + {u}", lambda u: 1 + u), ("{u}² − 1", lambda u: u * u - 1), ("2{u}", lambda u: 2 * u),
             ("−2{u}", lambda u: -2 * u)],
    "sigmoid": [("{u}(1 − {u})", lambda u: u * (1 - u)), ("{u}(1 + {u})", lambda u: u * (1 + u)),
                ("1 − {u}", lambda u: 1 - u), ("{u}²", lambda u: u * u), ("{u}(1 − {u})²", lambda u: u * (1 - u) ** 2),
                ("−{u}(1 − {u})", lambda u: -u * (1 - u)), ("1 − {u}²", lambda u: 1 - u * u), ("{u}", lambda u: u),
                ("(1 − {u})²", lambda u: (1 - u) ** 2)],
}


def rule_slips(rule, args):
    """[(expression, the symbol used, value)]: the derivative rule of RULE_SLIPS[rule] and the forms confused
    with it, each applied to each of args [(symbol, value)], the right value of u first (t = tanh(z)) and then
    what stands in its place by mistake (z, the input); the right rule on the right u is left out."""
    out = []
    with np.errstate(all="ignore"):
        for k, (form, f) in enumerate(RULE_SLIPS[rule]):
            for j, (sym, u) in enumerate(args):
                if k or j:
                    out.append((form.format(u=sym), sym, f(u)))
    return out


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
            ("s² with s = sigmoid(z), the sigmoid squared", "s²", s * s),
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
        table += [  # the rules s(1 − s) and 1 − t² with z (or the other activation) in one of the places
            ("s(1 − z) with s = sigmoid(z): z where s belongs in the second factor", "s(1 − z)", s * (1 - z)),
            ("z(1 − s) with s = sigmoid(z): z where s belongs in the first factor", "z(1 − s)", z * (1 - s)),
            ("t(1 − z) with t = tanh(z): z where t belongs in the second factor", "t(1 − z)", t * (1 - z)),
            ("1 − t·z with t = tanh(z): z where one t of t² belongs", "1 − t·z", 1 - t * z),
            ("s(1 − t) with s = sigmoid(z), t = tanh(z): the two activations mixed", "s(1 − t)", s * (1 - t)),
            ("1 − s·t with s = sigmoid(z), t = tanh(z): the two activations mixed", "1 − s·t", 1 - s * t),
            # second derivatives: one derivative too many
            ("s(1 − s)(1 − 2s) with s = sigmoid(z), sigmoid's second derivative", "sigmoid''",
             s * (1 - s) * (1 - 2 * s)),
            ("−2·tanh(z)·(1 − tanh(z)²), tanh's second derivative", "tanh''", -2 * t * (1 - t * t)),
        ]
        seen = {label for _, label, _ in table}
        for name, f in (("sigmoid", lambda u: 1 / (1 + np.exp(-u))), ("tanh", np.tanh),
                        ("relu", lambda u: np.maximum(u, 0)),
                        ("sigmoid'", lambda u: 1 / (1 + np.exp(-u)) * (1 - 1 / (1 + np.exp(-u)))),
                        ("tanh'", lambda u: 1 - np.tanh(u) ** 2), ("sinh", np.sinh), ("cosh", np.cosh)):
            for arg, u in (("−z", -z), ("2z", 2 * z), ("z/2", z / 2), ("z²", z * z)):  # the right f, wrong argument
                label = f"{name}({arg})"
                if label not in seen:
                    seen.add(label)
                    table.append((f"{label}: the argument is off", label, f(u)))
        for rule, u, sym, note in (("tanh", t, "tanh(z)", ""), ("sigmoid", s, "s", " with s = sigmoid(z)")):
            for text, used, value in rule_slips(rule, [(sym, u), ("z", z)]):  # each rule's slips, on u and on z
                if text not in seen:
                    seen.add(text)
                    where = f": z where {sym}{note.replace(' with s', '')} belongs" if used == "z" else note
                    table.append((text + where, text, value))
        if right is not None:
            table.append((f"{asked} multiplied by z", "× z", right * z))
    return [Mistake(f"your values equal {what}, not {asked}", value, f"computes {label}", formula=what.split(":")[0])
            for what, label, value in table]
