"""Gradient descent: the update rule w <- w - eta * dL/dw, and gradient clipping.

Each function checks every (param, grad) pair before it changes any, so a bad pair
raises with the model left as it was, never half updated.
"""

import numpy as np

from ._validate import require_parameters, require_positive


def check_lr(lr, where):
    """The learning rate must be a positive finite number, or this raises. Returns it as a float."""
    return require_positive(lr, "lr", where)


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
    Every pair is checked before any parameter changes.
    """
    lr = check_lr(lr, "sgd_step")
    for p, g in require_parameters(parameters, "sgd_step"):
        p -= lr * g


def _grad_norm(pairs):
    """sqrt(Σ g²) over every entry of every gradient, without overflow on the way."""
    with np.errstate(over="ignore"):  # a square beyond the largest float is handled below
        total = sum(float(np.sum(np.square(g, dtype=np.float64))) for _, g in pairs)
    if total == np.inf:  # scale by the largest entry first: ‖g‖ = m ‖g / m‖
        m = max(float(np.max(np.abs(g))) for _, g in pairs if g.size)
        if m < np.inf:
            return m * float(np.sqrt(sum(float(np.sum(np.square(g / m))) for _, g in pairs)))
    return float(np.sqrt(total))


def global_grad_norm(parameters):
    """The 2-norm of all gradients taken together as one long vector."""
    return _grad_norm(require_parameters(parameters, "global_grad_norm", write_params=False))


def clip_gradients(parameters, max_norm):
    """Scale all gradients in place so their global 2-norm is at most max_norm.

    Returns the norm before clipping. The direction of the update is kept; only its
    length is capped, which tames exploding gradients. A norm that is not finite (a
    NaN or inf gradient) cannot be scaled down: it is returned, the gradients untouched.
    """
    max_norm = require_positive(max_norm, "max_norm", "clip_gradients")
    pairs = require_parameters(parameters, "clip_gradients", write_params=False, write_grads=True)
    norm = _grad_norm(pairs)
    if max_norm < norm < np.inf:
        factor = max_norm / norm
        for _, g in pairs:
            g *= factor
    return norm
