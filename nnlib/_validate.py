"""Small input checks shared by the numeric core.

Every public function checks what it is given and raises an error that says what
was expected and what came instead, so a learner never has to decode a bare numpy
broadcasting error.
"""

import math

import numpy as np


def as_float_array(x, name, where):
    """Return ``x`` as a floating-point array (float32 stays float32, ints become float64)."""
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(f"{where}: {name} must hold numbers, got an array of dtype {arr.dtype}")


def require_ndim(arr, ndim, name, where, shape_hint):
    if arr.ndim != ndim:
        raise ValueError(
            f"{where}: {name} must be {ndim}-D with shape {shape_hint}, "
            f"got shape {arr.shape}"
        )


def require_rng(rng, where):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: rng must be a numpy.random.Generator such as "
            f"np.random.default_rng(0), got {type(rng).__name__}"
        )


def require_upstream_shape(grad, name, shape, forward_name, where):
    """A backward step's upstream gradient must have the shape its forward pass produced."""
    if grad.shape != shape:
        raise ValueError(
            f"{where}: {name} has shape {grad.shape} but the forward pass's {forward_name} "
            f"had shape {shape}; expected {name} of shape {shape}"
        )


def require_finite(arr, name, where):
    """Raise if arr holds NaN or inf, naming the first such entry (its row and column) and its value."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "fc":  # integers and booleans cannot be NaN or inf
        return
    finite = np.isfinite(arr)
    if finite.all():
        return
    first = np.unravel_index(np.argmin(finite), arr.shape)  # the first False, row by row
    if arr.ndim <= 2:
        place = ", ".join(f"{axis} {int(i)}" for axis, i in zip(("row", "column"), first))
    else:
        place = f"index {tuple(int(i) for i in first)}"
    count = arr.size - np.count_nonzero(finite)
    others = f" (the first of {count} non-finite entries)" if count > 1 else ""
    raise ValueError(
        f"{where}: {name} holds {arr[first].item()} at {place}{others}; training needs finite "
        f"numbers: remove or fill in those entries of {name} first"
    )


def unknown_name(kind, name, valid, where):
    listed = ", ".join(repr(v) for v in valid)
    return ValueError(f"{where}: unknown {kind} {name!r}; valid names are {listed}")


def require_number(value, name, where, low=None, high=None):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value)
    if ok and low is not None:
        ok = value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        span = f" in [{low:g}, {high:g}]" if low is not None and high is not None else ""
        raise ValueError(f"{where}: {name} must be a finite number{span}, got {value!r}")
    return float(value)


def require_int(value, name, where, low, high):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{where}: {name} must be an integer in [{low}, {high}], got {value!r}")
    return int(value)


def require_choice(value, name, where, choices):
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{where}: unknown {name} {value!r}; valid values are {listed}")
    return value
