"""Gradient checking: compare analytic gradients with central differences."""

import math
from numbers import Real

import numpy as np

from ._validate import (
    as_float_array,
    describe,
    require_callable,
    require_finite,
    require_positive,
    require_writable,
)
from .dropout import Dropout
from .memory import _walk
from .models import Sequential
from .train import _resolve_loss, check_data


def check_perturbation(f, x, h, where, x_name="x"):
    """f callable, x a writable float array (it is perturbed in place), h > 0 and large enough
    to move every entry of x; returns h as a float."""
    require_callable(f, "f", where, "a function of x returning a number")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            f"{where}: {x_name} must be a float numpy array that f reads from "
            f"(it is perturbed in place), got {describe(x)}"
        )
    require_writable(x, x_name, where)
    h = require_positive(h, "h", where)
    require_finite(x, x_name, where)
    unmoved = (x + h == x) | (x - h == x)  # then f(x + h e_i) - f(x - h e_i) is no difference at all
    if unmoved.any():
        i = np.unravel_index(np.argmax(unmoved), x.shape)
        raise ValueError(f"{where}: h={h:g} is too small for {x_name}, whose entry {x[i].item()!r} at index "
                         f"{tuple(int(k) for k in i)} does not change when h is added; expected a larger h")
    return h


def _value(f, x, where, i):
    """f(x) as a finite float, or an error naming where f went wrong."""
    value = f(x)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        value = value.item()  # a 1-entry array, as a loss computed with numpy may give
    if not isinstance(value, Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: f must return a single number, got {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: f returned {value} with entry {i} of x moved by h; a difference of "
                         f"non-finite values is no gradient: expected f finite near x")
    return value


def _perturbed_values(f, x, h, where):
    """The loop of perturbed_values, for checked arguments; x is restored even when f raises."""
    f_plus, f_minus = np.zeros_like(x), np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + h
            f_plus[i] = _value(f, x, where, i)
            x[i] = old - h
            f_minus[i] = _value(f, x, where, i)
        finally:
            x[i] = old  # put the entry back before the next one moves, or before an error leaves
    return f_plus, f_minus


def perturbed_values(f, x, h=1e-5):
    """f at x + h·e_i and at x − h·e_i for every entry i of x.

    x: a float array of any shape, changed in place one entry at a time and restored
    before returning (also when f raises). Returns (f_plus, f_minus), two arrays of x's
    shape. Central, forward and backward differences are all made from these two arrays
    and f(x).
    """
    h = check_perturbation(f, x, h, "perturbed_values")
    return _perturbed_values(f, x, h, "perturbed_values")


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x.

    x: a float array of any shape, changed in place one entry at a time and restored
    before returning (also when f raises). h > 0. Returns an array of x's shape whose
    entry i is (f(x + h e_i) − f(x − h e_i)) / (2h), accurate to O(h²).
    """
    h = check_perturbation(f, x, h, "numerical_gradient")
    return _central_differences(f, x, h, "numerical_gradient")


def _central_differences(f, x, h, where):
    f_plus, f_minus = _perturbed_values(f, x, h, where)
    return (f_plus - f_minus) / (2 * h)


def rel_error(a, b):
    """Largest elementwise relative error max |a − b| / max(1e-8, |a| + |b|).

    a, b: arrays of one shape, finite (a NaN would compare as no error at all).
    """
    where = "rel_error"
    a = as_float_array(a, "a", where).astype(np.float64, copy=False)
    b = as_float_array(b, "b", where).astype(np.float64, copy=False)
    if a.shape != b.shape:
        raise ValueError(f"{where}: shapes differ, {a.shape} and {b.shape}; expected a and b of one shape")
    require_finite(a, "a", where, need="a relative error of non-finite numbers means nothing")
    require_finite(b, "b", where, need="a relative error of non-finite numbers means nothing")
    if a.size == 0:
        return 0.0
    with np.errstate(over="ignore"):  # |a| + |b| beyond the largest float: inf, and the ratio 0 or finite
        return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_gradient_arguments(model, loss, X, y, h, where):
    """model a Sequential computing one function (no Dropout in training mode), loss a function
    or a loss's name, (X, y) finite data, h > 0. Returns (loss_fn, X, y, h)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"{where}: model must be a Sequential, such as mlp(...) builds (for one layer: "
                        f"Sequential(layer)), got {describe(model)}")
    for layer in _walk(model):
        if isinstance(layer, Dropout) and layer.training and layer.p > 0:
            # Each forward pass would draw a new mask: central differences of two different
            # functions, a relative error near 1 for every parameter, which looks like a bug.
            raise ValueError(f"{where}: {layer!r} is in training mode and draws a new mask on every forward "
                             f"pass, so the loss is not one function to differentiate: call model.eval() first")
    loss_fn = _resolve_loss(loss, where)
    X, y = check_data(X, y, where, need="expected finite numbers")
    model.check_layers(as_float_array(X, "X", where), where, "X")
    return loss_fn, X, y, require_positive(h, "h", where)


def gradient_errors(model, loss, X, y, h=1e-5):
    """Backprop against central differences for every parameter, measured three ways.

    model: a Sequential; loss: a loss function (or its name); X, y: one batch. Every
    forward pass must compute the same function: a Dropout layer in training mode is
    refused (call eval() first). Buffers such as batch norm's running statistics
    are left as they were.
    Returns {name: report} with names such as 'layers[0].W', each report a dict:

    - analytic, numeric: the two gradients (arrays of the parameter's shape);
    - entry: rel_error of the two, the largest relative error of any one entry;
    - vector: |a - n| / (|a| + |n|) with 2-norms, the gradient taken as a whole;
    - abs: the largest absolute difference of an entry;
    - roundoff: eps * |L| / h, about the rounding error central differences carry in
      every entry (L is computed to about eps * |L|, then divided by the step).

    Why three: an entry whose true gradient is tiny has a relative error of about
    roundoff / |g| even when backprop is exact, so 'entry' can exceed 1e-7 on real
    data. A bug corrupts large entries too, which 'vector' and 'abs' (against
    'roundoff') see, while the tiny entries cannot sway them.
    """
    loss_fn, X, y, h = check_gradient_arguments(model, loss, X, y, h, "gradient_errors")
    return _gradient_errors(model, loss_fn, X, y, h, "gradient_errors")


def _gradient_errors(model, loss_fn, X, y, h, where):
    # Batch norm in training mode folds every forward pass into its running statistics;
    # the check runs hundreds of them, so the statistics are put back afterwards.
    buffers = model.buffers() if hasattr(model, "buffers") else []
    saved = [b.copy() for b in buffers]
    try:
        return _compare_gradients(model, loss_fn, X, y, h, where)
    finally:
        for b, s in zip(buffers, saved):
            b[...] = s


def _compare_gradients(model, loss_fn, X, y, h, where):
    def loss_value(_):
        return loss_fn(model.forward(X), y)[0]

    L, dout = loss_fn(model.forward(X), y)
    model.backward(dout)
    # Copies: the layers write every backward pass into these same gradient arrays.
    analytic = {name: grad.copy() for name, _, grad in model.named_parameters()}
    roundoff = float(np.finfo(np.float64).eps * abs(L) / h)
    reports = {}
    for name, param, _ in model.named_parameters():
        check_perturbation(loss_value, param, h, where, f"the parameter {name}")
        a, n = analytic[name], _central_differences(loss_value, param, h, where)
        norms = np.linalg.norm(a) + np.linalg.norm(n)
        reports[name] = {
            "analytic": a,
            "numeric": n,
            "entry": rel_error(a, n),
            "vector": float(np.linalg.norm(a - n) / norms) if norms > 0 else 0.0,
            "abs": float(np.max(np.abs(a - n))) if a.size else 0.0,
            "roundoff": roundoff,
        }
    return reports


def gradient_check(model, loss, X, y, h=1e-5):
    """Relative error between backprop and central differences for every parameter.

    model: a Sequential; loss: a loss function (or its name); X, y: one batch.
    Returns {name: rel_error} with names such as 'layers[0].W': the largest relative
    error of any one entry. In float64 a correct backward pass gives errors around
    1e-9 or below, unless some entries of the gradient are tiny (see gradient_errors).
    """
    loss_fn, X, y, h = check_gradient_arguments(model, loss, X, y, h, "gradient_check")
    reports = _gradient_errors(model, loss_fn, X, y, h, "gradient_check")
    return {name: report["entry"] for name, report in reports.items()}
