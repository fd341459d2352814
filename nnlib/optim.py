"""Gradient descent: the update rule w <- w - eta * dL/dw, and gradient clipping."""

import math
from numbers import Real

import numpy as np


def _check_lr(lr, where):
    # This runs every step, so the usual case is tested the cheap way: a float or an
    # int first (the abstract Real check costs four times as much), then math.isfinite,
    # since a numpy ufunc call on a Python float costs more than the rest of the check.
    if not isinstance(lr, (float, int, Real)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"{where}: lr must be a positive finite number, got {lr!r}")


def sgd_step(parameters, lr):
    """One step of gradient descent, in place: p -= lr * g for each (p, g).

    parameters: a list of (param, grad) pairs of matching shapes, as returned by
    model.parameters() after a backward pass.
    """
    _check_lr(lr, "sgd_step")
    for p, g in parameters:
        if p.shape != g.shape:
            raise ValueError(
                f"sgd_step: a gradient has shape {g.shape} but its parameter has shape "
                f"{p.shape}; expected matching shapes"
            )
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
