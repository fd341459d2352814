"""Gradient descent: the update rule w <- w - eta * dL/dw, and gradient clipping."""

import math
from numbers import Real

import numpy as np


def check_lr(lr, where):
    """The learning rate must be a positive finite number, or this raises."""
    if not isinstance(lr, Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"{where}: lr must be a positive finite number, got {lr!r}")


def check_gradient_shape(p, g, where):
    """A gradient must have its parameter's shape, or this raises."""
    if p.shape != g.shape:
        raise ValueError(
            f"{where}: a gradient has shape {g.shape} but its parameter has shape "
            f"{p.shape}; expected matching shapes"
        )


def sgd_step(parameters, lr):
    """One step of gradient descent, in place: p -= lr * g for each (p, g).

    parameters: a list of (param, grad) pairs of matching shapes, as returned by
    model.parameters() (the list stays valid: backward writes into the same arrays).
    """
    check_lr(lr, "sgd_step")
    for p, g in parameters:
        check_gradient_shape(p, g, "sgd_step")
        p -= lr * g


def global_grad_norm(parameters):
    """The 2-norm of all gradients taken together as one long vector."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for _, g in parameters)))


def clip_gradients(parameters, max_norm):
    """Scale all gradients in place so their global 2-norm is at most max_norm.

    Returns the norm before clipping. The direction of the update is kept; only its
    length is capped, which tames exploding gradients.
    """
    if not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"clip_gradients: max_norm must be a positive number, got {max_norm!r}")
    norm = global_grad_norm(parameters)
    if norm > max_norm:
        factor = max_norm / norm
        for _, g in parameters:
            g *= factor
    return norm
