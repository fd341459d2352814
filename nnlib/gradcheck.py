"""Gradient checking: compare analytic gradients with central differences."""

import numpy as np

from .train import _resolve_loss


def perturbed_values(f, x, h=1e-5):
    """f at x + h·e_i and at x − h·e_i for every entry i of x.

    x: a float array of any shape, changed in place one entry at a time and restored
    before returning. Returns (f_plus, f_minus), two arrays of x's shape. Central,
    forward and backward differences are all made from these two arrays and f(x).
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            "numerical_gradient: x must be a float numpy array that f reads from "
            f"(it is perturbed in place), got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    f_plus, f_minus = np.zeros_like(x), np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus[i] = f(x)
        x[i] = old - h
        f_minus[i] = f(x)
        x[i] = old  # put the entry back before the next one moves
    return f_plus, f_minus


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x.

    x: a float array of any shape, changed in place one entry at a time and restored
    before returning. Returns an array of x's shape whose entry i is
    (f(x + h e_i) − f(x − h e_i)) / (2h), accurate to O(h²).
    """
    f_plus, f_minus = perturbed_values(f, x, h)
    return (f_plus - f_minus) / (2 * h)


def rel_error(a, b):
    """Largest elementwise relative error max |a − b| / max(1e-8, |a| + |b|)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_errors(model, loss, X, y, h=1e-5):
    """Backprop against central differences for every parameter, measured three ways.

    model: a Sequential; loss: a loss function (or its name); X, y: one batch. Every
    forward pass must compute the same function: a Dropout layer needs eval() (or an rng
    that draws the same mask each time). Buffers such as batch norm's running statistics
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
    loss_fn = _resolve_loss(loss)
    # Batch norm in training mode folds every forward pass into its running statistics;
    # the check runs hundreds of them, so the statistics are put back afterwards.
    buffers = model.buffers() if hasattr(model, "buffers") else []
    saved = [b.copy() for b in buffers]

    def loss_value(_):
        return loss_fn(model.forward(X), y)[0]

    L, dout = loss_fn(model.forward(X), y)
    model.backward(dout)
    # Copies: the layers write every backward pass into these same gradient arrays.
    analytic = {name: grad.copy() for name, _, grad in model.named_parameters()}
    roundoff = float(np.finfo(np.float64).eps * abs(L) / h)
    reports = {}
    for name, param, _ in model.named_parameters():
        a, n = analytic[name], numerical_gradient(loss_value, param, h)
        norms = np.linalg.norm(a) + np.linalg.norm(n)
        reports[name] = {
            "analytic": a,
            "numeric": n,
            "entry": rel_error(a, n),
            "vector": float(np.linalg.norm(a - n) / norms) if norms > 0 else 0.0,
            "abs": float(np.max(np.abs(a - n))) if a.size else 0.0,
            "roundoff": roundoff,
        }
    for b, s in zip(buffers, saved):
        b[...] = s
    return reports


def gradient_check(model, loss, X, y, h=1e-5):
    """Relative error between backprop and central differences for every parameter.

    model: a Sequential; loss: a loss function (or its name); X, y: one batch.
    Returns {name: rel_error} with names such as 'layers[0].W': the largest relative
    error of any one entry. In float64 a correct backward pass gives errors around
    1e-9 or below, unless some entries of the gradient are tiny (see gradient_errors).
    """
    return {name: report["entry"] for name, report in gradient_errors(model, loss, X, y, h).items()}
