"""Input checks shared by every public function of nnlib: one way of saying what is wrong.

Every public function checks what it is given, once, where it is called (not again in
each function it calls), and raises an error that names the function, the argument, what
was expected and what came instead, so a learner never has to decode a numpy error from
deep inside the library. Functions that change arrays in place check everything before
they change anything.

Which error:
- TypeError: the argument is not the kind of thing expected (None, a string, a list of
  pairs where an array is needed, a float where an integer is needed, ...);
- ValueError: the right kind, the wrong value (a shape, a range, NaN or inf, read-only);
- OverflowError: a result too large for a float (the scalar Value graph).

Non-finite numbers: data, targets and settings must be finite; values flowing through a
network (a layer's input, weights, predictions) may be NaN or inf, so that a diverging
run shows as a NaN loss (how train detects divergence) rather than as an error.

The helpers (``where`` is the public function's name, ``name`` the argument's):

- describe(value): a short description of a value for a message ("None", "str 'abc'",
  "an array of shape (3, 2) and dtype float64", ...).
- is_float_array(x): True for a numpy float array, the common case, decided in a few
  attribute look-ups (the fast path of the checks below).
- as_float_array(x, name, where): x as a float array: float32 stays float32, integers
  and booleans become float64, float16 becomes float32 (numpy's linear algebra takes no
  float16), lists become arrays; anything else raises TypeError.
  A float array is returned as it is (no copy).
- as_gradient(x, name, where): as_float_array for an upstream gradient (dout, dz, da), which
  is never a boolean array (a mask is data, not a gradient); the same fast path.
- require_array(x, name, where, ndim=None, shape_hint="", finite=False): as_float_array,
  then the number of dimensions and, with finite=True, no NaN or inf.
- require_data(x, name, where, need=...): a data set's X or y: numbers (integers kept),
  at least 1-D, finite; returned as an array.
- require_ndim(arr, ndim, name, where, shape_hint): the number of dimensions.
- require_upstream_shape(grad, name, shape, forward_name, where): a backward step's
  upstream gradient has the shape its forward pass produced.
- require_same_shape(arr, name, other, other_name, where): arr has the shape of another
  array (a tangent its value's, a direction its parameter's).
- require_same_rows(a, a_name, b, b_name, where, what="one target per row"): as many
  rows in b as in a.
- require_finite(arr, name, where, need=...): no NaN or inf; names the first such entry.
- require_writable(arr, name, where): a float numpy array that can be changed in place
  (not a list, not read-only): for the arrays nnlib writes into.
- require_still_writable(arrays, name, where, since): arrays an object took earlier (an
  optimiser its parameters) are all still writable, checked before it changes any.
- require_parameters(parameters, where, write_params=True, write_grads=False): a list of
  (param, grad) pairs as model.parameters() returns, every grad an array of its param's
  shape, params (and grads) writable float arrays where the caller changes them; returns
  the pairs as a list. Checks them all before the caller changes any.
- require_labels(y, name, where, n=None, n_classes=None, rows_of="the scores"): integer
  class labels of shape (n,) in 0..n_classes-1 (floats that are whole numbers are taken);
  returns them as an integer array.
- require_number(value, name, where, low=None, high=None, low_open=False,
  high_open=False): a finite real number in a range; returns it as a float.
- require_real(value, name, where, expected=...): a finite real number (numbers.Real, not a
  bool), as the scalar graphs (Value, Dual) hold; returns it as a float.
- finite_result(value, where, what): the result of a scalar operation, or OverflowError
  saying it is too large for a float (what says how it was made).
- real_power(a, n, where): a ** n as a finite real number, or the error saying why it is
  not one (a negative base to a fractional power, 0 to a negative power, overflow).
- require_positive(value, name, where): a finite number > 0; returns it as a float.
- require_int(value, name, where, low, high=None): an integer in [low, high]; returns it.
- require_size(value, name, where, low=1): a count of rows, units or classes: an integer
  in [low, LARGEST_SIZE], so that a huge one is refused here, not deep inside numpy.
- require_bool(value, name, where): True or False.
- require_choice(value, name, where, choices): one of the choices.
- unknown_name(kind, name, valid, where): the ValueError for an unknown name (an
  activation, a loss, an init scheme), listing the valid ones.
- require_rng(rng, where): a numpy.random.Generator.
- require_callable(value, name, where, expected): something that can be called.
- require_cache(cache, where, made_by, layout, size): the tuple a forward function
  returned as its cache, of that many entries.
- require_cache_type(cache, cache_type, where, made_by): a cache of the named-tuple type
  its forward function returns.
- require_layer(value, name, where): a layer or a Sequential: forward and backward methods.
- require_forward(model, name, where): something with a forward method (a layer or a model).
- require_model(model, where): an object with forward, backward and parameters, as
  train needs.
"""

import math
from numbers import Real

import numpy as np

_ND = np.ndarray


# --------------------------------------------------------------------------- describing


def describe(value):
    """What was given, in a few words, for the end of an error message."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(bool(value)) if value is not None else "None"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, (str, bytes)):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        text = repr(value)
        if len(text) <= 60:
            return f"{type(value).__name__} {text}"
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _span(low, high, low_open, high_open):
    """'> 0', '>= 1', '<= 1' or 'in (0, 1]' for the messages."""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


# --------------------------------------------------------------------------- arrays


def is_float_array(x):
    """True for a numpy array of floats: the case every check lets through at once."""
    return type(x) is _ND and x.dtype.kind == "f"


def as_float_array(x, name, where):
    """Return ``x`` as a floating-point array (float32 stays float32, ints become float64,
    float16 becomes float32).

    A float array comes back as it is, without a copy; anything converted is a new array,
    so the caller's data is never changed.
    """
    if type(x) is _ND and x.dtype.kind == "f" and x.dtype.itemsize > 2:  # the common case, first and cheap
        return x
    if x is None or isinstance(x, (str, bytes, dict, set)):
        raise TypeError(f"{where}: {name} must be an array of numbers, got {describe(x)}")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):  # nested lists of different lengths
        raise ValueError(
            f"{where}: {name} must be an array of numbers with rows of equal length, got {describe(x)}"
        ) from None
    if arr.dtype.kind == "f":
        return arr.astype(np.float32) if arr.dtype == np.float16 else arr  # numpy's linalg takes no float16
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(f"{where}: {name} must hold numbers, got {describe(x)}"
                    + (f" (dtype {arr.dtype})" if not isinstance(x, np.ndarray) else ""))


def as_gradient(x, name, where):
    """An upstream gradient (dout, dz, da) as a float array: as_float_array, but booleans are
    refused, since a mask of True and False is data, never dL/d(something). The fast path is
    as_float_array's own first line; the look at the dtype is made only off it."""
    if type(x) is _ND and x.dtype.kind == "f" and x.dtype.itemsize > 2:  # the common case, first and cheap
        return x
    if isinstance(x, (bool, np.bool_)) or _dtype_kind(x) == "b":
        raise TypeError(f"{where}: {name} is an upstream gradient and must be an array of numbers (floats), "
                        f"got {describe(x)}; booleans are a mask, not a gradient (np.asarray({name}, dtype=float) "
                        f"converts them, if that is what you mean)")
    return as_float_array(x, name, where)


def _dtype_kind(x):
    """The kind of x's dtype as numpy would make it an array ('' when it cannot)."""
    if isinstance(x, np.ndarray):
        return x.dtype.kind
    if x is None or isinstance(x, (str, bytes, dict, set)):
        return ""
    try:
        return np.asarray(x).dtype.kind
    except (ValueError, TypeError):
        return ""


def require_data(x, name, where, need="expected finite numbers"):
    """A data set's X or y: an array of numbers (integers stay integers), at least 1-D, one row
    per example, holding no NaN or inf. Returns it as an array (x itself when it is one)."""
    if not (type(x) is _ND and x.dtype.kind in "fiub"):
        if x is None or isinstance(x, (str, bytes, dict, set)):
            raise TypeError(f"{where}: {name} must be an array of numbers, one row per example, got {describe(x)}")
        try:
            x = np.asarray(x)
        except (ValueError, TypeError):
            raise ValueError(f"{where}: {name} must be an array of numbers with rows of equal length, "
                             f"got {describe(x)}") from None
        if x.dtype.kind not in "fiub":
            raise TypeError(f"{where}: {name} must hold numbers, got an array of dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{where}: {name} must have one row per example, got a single number {x.item()!r}")
    require_finite(x, name, where, need)
    return x


def require_ndim(arr, ndim, name, where, shape_hint):
    if arr.ndim != ndim:
        raise ValueError(
            f"{where}: {name} must be {ndim}-D with shape {shape_hint}, "
            f"got shape {arr.shape}"
        )


def require_array(x, name, where, ndim=None, shape_hint="", finite=False):
    """as_float_array, then (optionally) the number of dimensions and finiteness."""
    arr = as_float_array(x, name, where)
    if ndim is not None:
        require_ndim(arr, ndim, name, where, shape_hint or f"of {ndim} dimensions")
    if finite:
        require_finite(arr, name, where)
    return arr


def require_upstream_shape(grad, name, shape, forward_name, where):
    """A backward step's upstream gradient must have the shape its forward pass produced."""
    if grad.shape != shape:
        raise ValueError(
            f"{where}: {name} has shape {grad.shape} but the forward pass's {forward_name} "
            f"had shape {shape}; expected {name} of shape {shape}"
        )


def require_same_shape(arr, name, other, other_name, where):
    """arr must have the shape of other (a tangent its value's, a direction its parameter's)."""
    if arr.shape != other.shape:
        raise ValueError(f"{where}: {name} has shape {arr.shape} but {other_name} has shape {other.shape}; "
                         f"expected {name} of shape {other.shape}")


def _rows(x, name, where):
    shape = np.shape(x) if not isinstance(x, np.ndarray) else x.shape
    if len(shape) == 0:
        raise ValueError(f"{where}: {name} must have one row per example, got {describe(x)}")
    return shape[0]


def require_same_rows(a, a_name, b, b_name, where, what="one target per row"):
    """a and b (arrays, or anything np.shape understands) have as many rows; returns that number."""
    n_a, n_b = _rows(a, a_name, where), _rows(b, b_name, where)
    if n_a != n_b:
        raise ValueError(f"{where}: {a_name} has {n_a} rows but {b_name} has {n_b}; expected {what}")
    return n_a


def require_finite(arr, name, where, need="expected finite numbers"):
    """Raise if arr holds NaN or inf, naming the first such entry (its row and column) and its value."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "fc":  # integers and booleans cannot be NaN or inf
        return
    finite = np.isfinite(arr)
    if finite.all():
        return
    first = np.unravel_index(np.argmin(finite), arr.shape)  # the first False, row by row
    if arr.ndim == 0:
        place = ""
    elif arr.ndim <= 2:
        place = " at " + ", ".join(f"{axis} {int(i)}" for axis, i in zip(("row", "column"), first))
    else:
        place = f" at index {tuple(int(i) for i in first)}"
    count = arr.size - np.count_nonzero(finite)
    others = f" (the first of {count} non-finite entries)" if count > 1 else ""
    raise ValueError(
        f"{where}: {name} holds {arr[first].item()}{place}{others}; {need}: remove or fill in "
        f"those entries of {name} first"
    )


def require_writable(arr, name, where):
    """A float numpy array that nnlib may change in place: not a list (a copy would change
    instead, and the change would be lost), not integers, not read-only."""
    if type(arr) is _ND and arr.dtype.kind == "f" and arr.flags.writeable:
        return arr
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{where}: {name} must be a numpy array of floats, since {where} changes it in "
                        f"place, got {describe(arr)}")
    if arr.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must be an array of floats, since {where} changes it in place "
                        f"(an integer array cannot hold the new values), got dtype {arr.dtype}")
    raise ValueError(f"{where}: {name} is read-only, and {where} changes it in place; pass a writable "
                     f"array (np.array({name}) is a writable copy)")


def require_still_writable(arrays, name, where, since):
    """Arrays an object took earlier, checked when it took them, and changes in place now: each
    must still be writable (one made read-only since would stop the change half way)."""
    for i, arr in enumerate(arrays):
        if not arr.flags.writeable:
            raise ValueError(f"{where}: {name}[{i}] has become read-only since {since}, and {where} changes it in "
                             f"place; nothing was changed (make it writable again, or leave it out)")


def _bad_pair(i, pair, where, write_params, write_grads):
    """Raise the error that says what is wrong with parameters[i] (nothing, if nothing is)."""
    label = f"parameters[{i}]"
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{where}: {label} must be a (param, grad) pair, as model.parameters() returns, "
                        f"got {describe(pair)}")
    p, g = pair
    if write_params:
        require_writable(p, f"{label}[0] (a parameter)", where)
    elif not (isinstance(p, np.ndarray) and p.dtype.kind in "fiu"):
        raise TypeError(f"{where}: {label}[0] (a parameter) must be a numpy array of numbers, got {describe(p)}")
    if not isinstance(g, np.ndarray) or g.dtype.kind not in "fiu":
        raise TypeError(f"{where}: {label}[1] (the gradient of {label}[0]) must be a numpy array of numbers, "
                        f"got {describe(g)}")
    if g.shape != p.shape:
        raise ValueError(f"{where}: a gradient has shape {g.shape} but its parameter has shape {p.shape} "
                         f"({label}); expected matching shapes")
    if write_grads:
        require_writable(g, f"{label}[1] (the gradient of {label}[0])", where)


def require_parameters(parameters, where, write_params=True, write_grads=False):
    """Every (param, grad) pair checked before the caller changes any of them.

    Returns the pairs as a list (a generator is read once). write_params: the parameters
    must be writable float arrays (sgd_step changes them); write_grads: the gradients too
    (clip_gradients scales them in place).
    """
    if parameters is None or isinstance(parameters, (np.ndarray, str, bytes, dict)) or \
            not hasattr(parameters, "__iter__"):
        raise TypeError(f"{where}: parameters must be a list of (param, grad) pairs, as model.parameters() "
                        f"returns, got {describe(parameters)}")
    pairs = parameters if type(parameters) is list else list(parameters)
    for pair in pairs:
        # The common case in a few attribute look-ups: a training loop calls this every step.
        if type(pair) is tuple and len(pair) == 2:
            p, g = pair
            if (type(p) is _ND and type(g) is _ND and p.shape == g.shape and p.dtype.kind == "f"
                    and g.dtype.kind in "fiu" and (not write_params or p.flags.writeable)
                    and (not write_grads or (g.dtype.kind == "f" and g.flags.writeable))):
                continue
        for i, pair in enumerate(pairs):  # find the pair that is wrong, and say what is wrong with it
            _bad_pair(i, pair, where, write_params, write_grads)
    return pairs


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}  # by itemsize


def require_labels(y, name, where, n=None, n_classes=None, rows_of="the scores"):
    """Integer class labels: shape (n,), each in 0..n_classes-1 (or >= 0 without n_classes).

    Floats that are whole numbers are accepted (labels read from a file often are).
    Returns an integer array (y itself when it is one already).
    """
    if not (type(y) is _ND and y.dtype.kind in "iu"):
        y = _as_labels(y, name, where, n_classes)
    if n is not None and y.shape != (n,):
        raise ValueError(
            f"{where}: {name} must have shape ({n},), one integer label per row of {rows_of}, "
            f"got shape {y.shape}"
        )
    if y.ndim != 1:
        raise ValueError(f"{where}: {name} must be 1-D, one integer label per example, got shape {y.shape}")
    if y.size == 0:
        return y
    # One reduction finds both kinds of bad label: seen as unsigned, a negative label is huge.
    unsigned = y.view(_UNSIGNED[y.itemsize]) if y.dtype.kind == "i" and y.dtype.isnative else y
    too_large = n_classes is not None and np.maximum.reduce(unsigned) >= n_classes
    if too_large or ((n_classes is None or unsigned is y) and y.dtype.kind == "i" and np.minimum.reduce(y) < 0):
        bad = (y < 0) if n_classes is None else ((y < 0) | (y >= n_classes))
        row = int(np.argmax(bad))
        if n_classes is None:
            raise ValueError(f"{where}: label {y[row]} is negative; labels must be integers >= 0, "
                             f"got {y[row]} at row {row} of {name}")
        raise ValueError(
            f"{where}: label {y[row]} is out of range for {n_classes} classes; labels must be integers "
            f"in 0..{n_classes - 1}, got {y[row]} at row {row} of {name}"
        )
    return y


def _as_labels(y, name, where, n_classes):
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"{where}: {name} must hold integer class labels, got {describe(y)}")
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError):
        raise ValueError(f"{where}: {name} must be a 1-D array of integer class labels, got {describe(y)}") from None
    if arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f" and arr.size and np.all(np.isfinite(arr)) and np.all(np.mod(arr, 1) == 0):
        _require_float_labels_in_range(arr, name, where, n_classes)
        return arr.astype(np.int64)
    if arr.dtype.kind == "f" and arr.size == 0:
        return arr.astype(np.int64)
    raise TypeError(f"{where}: {name} must hold integer class labels, got dtype {arr.dtype}"
                    + (f" with values such as {arr.flat[0]!r}" if arr.size else ""))


def _require_float_labels_in_range(arr, name, where, n_classes):
    """Whole-number float labels in range, checked before the cast to int64, which would turn
    1e308 into -9223372036854775808 (with a warning) and report that instead."""
    high = 2.0**63 if n_classes is None else n_classes
    bad = (arr < 0) | (arr >= high)
    if not bad.any():
        return
    first = np.unravel_index(np.argmax(bad), arr.shape)
    value = float(arr[first])
    text = int(value) if abs(value) < 1e16 else value  # 3 rather than 3.0; 1e+308 rather than its 309 digits
    place = f"row {int(first[0])}" if arr.ndim == 1 else f"index {tuple(int(i) for i in first)}"
    valid = f"in 0..{n_classes - 1}" if n_classes is not None else ">= 0 and below 2**63"
    raise ValueError(f"{where}: label {text} at {place} of {name} is out of range; labels must be integers {valid}")


# --------------------------------------------------------------------------- numbers and settings


def _is_real(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def require_number(value, name, where, low=None, high=None, low_open=False, high_open=False):
    """A finite real number (not a bool, not a string) within the bounds; returned as a float."""
    span = _span(low, high, low_open, high_open)
    expected = f"a finite number{' ' + span if span else ''}"
    if not _is_real(value):
        raise TypeError(f"{where}: {name} must be {expected}, got {describe(value)}")
    with np.errstate(over="ignore"):  # a longdouble beyond float64 becomes inf, refused below
        number = float(value)  # compared as the float returned (numpy's longdouble compares with a warning)
    ok = math.isfinite(number)
    if ok and low is not None:
        ok = number > low if low_open else number >= low
    if ok and high is not None:
        ok = number < high if high_open else number <= high
    if not ok:
        raise ValueError(f"{where}: {name} must be {expected}, got {describe(value)}")
    return number


def require_real(value, name, where, expected="a real number (an int or a float)"):
    """A finite real number as the scalar graphs hold it (numbers.Real, not a bool); returned as a float."""
    if not isinstance(value, Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be {expected}, got {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be finite, got {value}")
    return value


def finite_result(value, where, what):
    """The result of a scalar operation, which must be a finite float; what says how it was made."""
    if not math.isfinite(value):
        raise OverflowError(f"{where}: {what} = {value} is too large for a float (the largest is about 1.8e308)")
    return value


def real_power(a, n, where):
    """a ** n as a finite real number, or an error saying why it is not one."""
    text = f"({a!r}) ** {n!r}" if a < 0 else f"{a!r} ** {n!r}"
    if a < 0 and n != int(n):
        raise ValueError(f"{where}: a negative base to a fractional power is not a real number: {text}")
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"{where}: 0 to a negative power divides by zero: {text}")
    try:
        return finite_result(a ** n, where, text)
    except OverflowError:  # Python raises its own for float ** float, saying only "Result too large"
        raise OverflowError(f"{where}: {text} is too large for a float (the largest is about 1.8e308)") from None


def require_positive(value, name, where):
    """A finite number > 0 (a learning rate, a step h, a tolerance); returned as a float."""
    if type(value) is float and 0.0 < value < math.inf:  # the common case, cheaply
        return value
    if not _is_real(value):
        raise TypeError(f"{where}: {name} must be a positive finite number, got {describe(value)}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{where}: {name} must be a positive finite number, got {describe(value)}")
    return float(value)


def require_int(value, name, where, low, high=None):
    """An integer (int or numpy integer, not a bool or a float) in [low, high]; returned as an int."""
    if high is not None:
        expected = f"an integer in [{low}, {high}]"
    else:
        expected = "a positive integer" if low == 1 else f"an integer >= {low}"
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be {expected}, got {describe(value)}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{where}: {name} must be {expected}, got {describe(value)}")
    return int(value)


# The largest count of rows, units or classes nnlib takes (an array that long would not fit
# in memory anyway; beyond it numpy fails with "Maximum allowed dimension exceeded").
LARGEST_SIZE = 2**31 - 1


def require_size(value, name, where, low=1):
    """A count of rows, units or classes: an integer in [low, LARGEST_SIZE]; returned as an int."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value > LARGEST_SIZE:
        raise ValueError(f"{where}: {name} must be at most {LARGEST_SIZE} (an array that long would not fit in "
                         f"memory), got {describe(value)}")
    return require_int(value, name, where, low)


def require_bool(value, name, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {describe(value)}")
    return bool(value)


def require_choice(value, name, where, choices):
    try:
        known = value in choices
    except TypeError:  # an unhashable value looked up in a dict
        known = False
    if not known:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{where}: unknown {name} {value!r}; valid values are {listed}")
    return value


def unknown_name(kind, name, valid, where):
    listed = ", ".join(repr(v) for v in valid)
    return ValueError(f"{where}: unknown {kind} {name!r}; valid names are {listed}")


def require_rng(rng, where):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: rng must be a numpy.random.Generator such as "
            f"np.random.default_rng(0), got {type(rng).__name__}"
        )


def require_callable(value, name, where, expected="a function"):
    if not callable(value):
        raise TypeError(f"{where}: {name} must be {expected}, got {describe(value)}")
    return value


def require_cache(cache, where, made_by, layout, size):
    """The cache a backward function receives must be the tuple its forward function returned."""
    if type(cache) is tuple and len(cache) == size:
        return cache
    raise TypeError(f"{where}: cache must be the tuple {made_by} returned, {layout}, got {describe(cache)}")


def require_cache_type(cache, cache_type, where, made_by):
    """A cache of the named-tuple type its forward function returns (its fields say what it holds)."""
    if type(cache) is cache_type:
        return cache
    raise TypeError(f"{where}: cache must be the one {made_by} returned (a {cache_type.__name__}), "
                    f"got {describe(cache)}")


def require_layer(value, name, where):
    """A layer or a Sequential: something with forward and backward methods."""
    if callable(getattr(value, "forward", None)) and callable(getattr(value, "backward", None)):
        return value
    hint = " (wrap several layers in Sequential(*layers))" if isinstance(value, (list, tuple)) else ""
    raise TypeError(f"{where}: {name} needs forward and backward methods, such as a layer or a Sequential, "
                    f"got {describe(value)}{hint}")


def require_forward(model, name, where):
    """Something with a forward method: a layer, a Sequential or a model of one's own."""
    if callable(getattr(model, "forward", None)):
        return model
    raise TypeError(f"{where}: {name} must be a layer or a model with a forward method, such as mlp(...) or "
                    f"Sequential(...) builds, got {describe(model)}")


def require_model(model, where):
    """A model as train uses it: forward(x), backward(dout) and parameters()."""
    missing = [m for m in ("forward", "backward", "parameters") if not callable(getattr(model, m, None))]
    if missing:
        raise TypeError(f"{where}: model must have forward, backward and parameters methods, such as "
                        f"mlp(...) or Sequential(...) builds, got {describe(model)} (no {', '.join(missing)})")
    return model
