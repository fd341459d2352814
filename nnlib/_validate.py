"""Small input checks shared by the numeric core.

Every public function checks what it is given and raises an error that says what
was expected and what came instead, so a learner never has to decode a bare numpy
broadcasting error.
"""

import numpy as np


def as_float_array(x, name, where):
    """Return ``x`` as a floating-point array (float32 stays float32, ints become float64)."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x  # the common case, checked first: this runs several times per layer
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


def unknown_name(kind, name, valid, where):
    listed = ", ".join(repr(v) for v in valid)
    return ValueError(f"{where}: unknown {kind} {name!r}; valid names are {listed}")
