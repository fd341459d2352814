"""Loss functions. Each returns (L, dL/d(input)) and averages over the batch.

The gradient returned has the same shape as the prediction it is taken with
respect to, and already includes the 1/N of the batch mean.

Targets must be finite (and within range, for cross-entropy); a prediction may be NaN
or inf, and then so is the loss: that is how a diverging run shows (train stops there).
"""

import numpy as np

from ._validate import as_float_array, describe, is_float_array, require_finite, require_labels, require_ndim


def _prediction_and_target(pred, y, where, pred_name):
    """pred and y as float arrays of pred's dtype (float32 stays float32) and one shape; y finite."""
    if not (is_float_array(pred) and is_float_array(y)):
        pred = as_float_array(pred, pred_name, where)
        y = as_float_array(y, "y", where)
    if pred.shape != y.shape:
        raise ValueError(
            f"{where}: {pred_name} has shape {pred.shape} but y has shape {y.shape}; "
            f"expected y of shape {pred.shape}"
        )
    if pred.size == 0:
        raise ValueError(f"{where}: {pred_name} is empty, got shape {pred.shape}")
    require_finite(y, "y", where, need="targets must be finite")
    if y.dtype != pred.dtype:
        y = y.astype(pred.dtype)  # a new array: the caller's y is left as it was
    return pred, y


def _require_unit_interval(y, where):
    """Cross-entropy's targets are probabilities: every entry of y in [0, 1]."""
    outside = (y < 0) | (y > 1)
    if outside.any():
        row = np.unravel_index(np.argmax(outside), y.shape)
        raise ValueError(f"{where}: y must hold targets in [0, 1] (labels 0 or 1, or soft targets between), "
                         f"got {y[row].item()} at index {tuple(int(i) for i in row)}")


def _batch_size(arr, where, name):
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"{where}: {name} must have at least one row, got shape {arr.shape}")
    return arr.shape[0]


def mse_loss(y_hat, y):
    """Half mean squared error: L = (1/N) Σ_rows ½ Σ_k (y_hat − y)².

    y_hat, y: (batch, n_out) (or (batch,)); N is the batch size.
    Returns (L, dy_hat) with dy_hat = (y_hat − y) / N, y_hat's shape.
    """
    where = "mse_loss"
    y_hat, y = _prediction_and_target(y_hat, y, where, "y_hat")
    n = _batch_size(y_hat, where, "y_hat")
    diff = y_hat - y
    loss = 0.5 * float((diff * diff).sum()) / n
    return loss, diff / n


def bce_loss(p, y):
    """Binary cross-entropy of probabilities: L = mean(−y log p − (1 − y) log(1 − p)).

    p, y: the same shape, p in [0, 1], y in {0, 1} (or soft targets in [0, 1]).
    The mean is over all entries (N = p.size). Returns (L, dp) with
    dp = (p − y) / (p (1 − p)) / N. A NaN in p (a diverged model) gives a NaN loss.

    Stable at p = 0 or 1: p is held inside [eps, 1 − eps] (eps the dtype's machine
    epsilon) before the logarithm and the division, so a saturated prediction gives a
    large finite loss instead of inf or nan. Inside that range nothing changes.
    For a sigmoid output, prefer bce_with_logits, which needs no such guard.
    """
    where = "bce_loss"
    p, y = _prediction_and_target(p, y, where, "p")
    _require_unit_interval(y, where)
    if np.any((p < 0) | (p > 1)):  # NaN compares False: it passes, and the loss is NaN
        raise ValueError(f"{where}: p must hold probabilities in [0, 1], got values in "
                         f"[{np.nanmin(p)}, {np.nanmax(p)}]")
    eps = np.finfo(p.dtype).eps
    p_safe = np.clip(p, eps, 1 - eps)
    n = p.size
    loss = -float((y * np.log(p_safe) + (1 - y) * np.log1p(-p_safe)).sum()) / n
    dp = (p_safe - y) / (p_safe * (1 - p_safe)) / n
    return loss, dp


def bce_with_logits(z, y):
    """Sigmoid followed by binary cross-entropy, fused: L = mean(BCE(sigmoid(z), y)).

    z, y: the same shape; z are logits (any real number), y in [0, 1].
    Returns (L, dz) with dz = (sigmoid(z) − y) / N, N = z.size.

    Uses L = max(z, 0) − z y + log(1 + e^(−|z|)), equal to the textbook form but
    finite and warning-free for any finite z (|z| = 1e4 included, and up to the
    largest float: each entry is divided by N before the sum, so the sum cannot overflow).
    """
    from .activations import sigmoid

    where = "bce_with_logits"
    z, y = _prediction_and_target(z, y, where, "z")
    _require_unit_interval(y, where)
    n = z.size
    per_entry = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))  # each at most |z| + log 2
    loss = float((per_entry / n).sum())
    dz = (sigmoid(z) - y) / n
    return loss, dz


def softmax(z):
    """Row-wise softmax of z (batch, n_classes): exp(z) / Σ exp(z) along each row.

    The row maximum is subtracted first, which leaves the result unchanged and
    keeps exp from overflowing.
    """
    z = as_float_array(z, "z", "softmax")
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError(f"softmax: z must have at least one entry along its last axis (the classes), "
                         f"got {describe(z)}")
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_jacobian(z):
    """The Jacobian of the softmax, row by row: J[i] = diag(p_i) − p_i p_iᵀ with p = softmax(z).

    z: (batch, n_classes). Returns (batch, n_classes, n_classes), J[i, j, k] = ∂p_ij/∂z_ik
    = p_ij (δ_jk − p_ik). Each J[i] is symmetric and its rows sum to 0 (the p_ij sum to 1
    whatever z does). Backprop never builds it: softmax followed by cross-entropy collapses
    to (p − onehot(y))/N, and a Jacobian-vector product is p ⊙ ż − p (p·ż).
    """
    z = as_float_array(z, "z", "softmax_jacobian")
    require_ndim(z, 2, "z", "softmax_jacobian", "(batch, n_classes)")
    p = softmax(z)
    return p[:, :, None] * np.eye(p.shape[1], dtype=p.dtype) - p[:, :, None] * p[:, None, :]  # diag(p) − p pᵀ


def softmax_cross_entropy(logits, y):
    """Softmax followed by cross-entropy, averaged over the batch.

    logits: (batch, n_classes); y: (batch,) integer labels in 0..n_classes−1.
    L = (1/N) Σ_i [log Σ_k e^(z_ik) − z_i,y_i].
    Returns (L, dlogits) with dlogits = (softmax(logits) − onehot(y)) / N, so each
    row of dlogits sums to 0.
    """
    where = "softmax_cross_entropy"
    logits = as_float_array(logits, "logits", where)
    require_ndim(logits, 2, "logits", where, "(batch, n_classes)")
    n, n_classes = logits.shape
    if n == 0 or n_classes == 0:
        raise ValueError(f"{where}: logits must have at least one row and one class, got shape {logits.shape}")
    y = require_labels(y, "y", where, n, n_classes, rows_of="the logits")
    shifted = logits - logits.max(axis=1, keepdims=True)  # largest entry 0: no overflow
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1)
    rows = np.arange(n)
    loss = float((np.log(sum_exp) - shifted[rows, y]).sum()) / n
    dlogits = exp / sum_exp[:, None]  # softmax(logits), a new array ...
    dlogits[rows, y] -= 1  # ... so onehot(y) can be taken off in place
    return loss, dlogits / n


LOSSES = {
    "mse": mse_loss,
    "bce": bce_loss,
    "bce_with_logits": bce_with_logits,
    "softmax_cross_entropy": softmax_cross_entropy,
}
