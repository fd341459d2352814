"""Gradient checking: compare analytic gradients with central differences."""

import numpy as np

from .train import _resolve_loss


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x.

    x: a float array of any shape, changed in place one entry at a time and restored
    before returning. Returns an array of x's shape whose entry i is
    (f(x + h e_i) − f(x − h e_i)) / (2h), accurate to O(h²).
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            "numerical_gradient: x must be a float numpy array that f reads from "
            f"(it is perturbed in place), got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest elementwise relative error max |a − b| / max(1e-8, |a| + |b|)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check(model, loss, X, y, h=1e-5):
    """Relative error between backprop and central differences for every parameter.

    model: a Sequential; loss: a loss function (or its name); X, y: one batch.
    Returns {name: rel_error} with names such as 'layers[0].W'. In float64 a
    correct backward pass gives errors around 1e-9 or below.
    """
    loss_fn = _resolve_loss(loss)

    def loss_value(_):
        return loss_fn(model.forward(X), y)[0]

    _, dout = loss_fn(model.forward(X), y)
    model.backward(dout)
    analytic = {name: grad.copy() for name, _, grad in model.named_parameters()}
    return {
        name: rel_error(analytic[name], numerical_gradient(loss_value, param, h))
        for name, param, _ in model.named_parameters()
    }
