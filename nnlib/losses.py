"""Loss functions. Each returns (L, dL/d(input)) and averages over the batch.

The gradient returned has the same shape as the prediction it is taken with
respect to, and already includes the 1/N of the batch mean.
"""

import numpy as np

from ._validate import as_float_array, require_ndim


def _prediction_and_target(pred, y, where, pred_name):
    """pred and y as float arrays of pred's dtype (float32 stays float32) and one shape."""
    pred = as_float_array(pred, pred_name, where)
    y = as_float_array(y, "y", where).astype(pred.dtype, copy=False)
    if pred.shape != y.shape:
        raise ValueError(
            f"{where}: {pred_name} has shape {pred.shape} but y has shape {y.shape}; "
            f"expected y of shape {pred.shape}"
        )
    if pred.size == 0:
        raise ValueError(f"{where}: {pred_name} is empty, got shape {pred.shape}")
    return pred, y


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
    loss = 0.5 * float(np.sum(diff * diff)) / n
    return loss, diff / n


def bce_loss(p, y):
    """Binary cross-entropy of probabilities: L = mean(−y log p − (1 − y) log(1 − p)).

    p, y: the same shape, p in [0, 1], y in {0, 1} (or soft targets in [0, 1]).
    The mean is over all entries (N = p.size). Returns (L, dp) with
    dp = (p − y) / (p (1 − p)) / N.

    Stable at p = 0 or 1: p is held inside [eps, 1 − eps] (eps the dtype's machine
    epsilon) before the logarithm and the division, so a saturated prediction gives a
    large finite loss instead of inf or nan. Inside that range nothing changes.
    For a sigmoid output, prefer bce_with_logits, which needs no such guard.
    """
    where = "bce_loss"
    p, y = _prediction_and_target(p, y, where, "p")
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError(f"{where}: p must hold probabilities in [0, 1], got values in "
                         f"[{np.nanmin(p)}, {np.nanmax(p)}]")
    eps = np.finfo(p.dtype).eps
    p_safe = np.clip(p, eps, 1 - eps)
    n = p.size
    loss = -float(np.sum(y * np.log(p_safe) + (1 - y) * np.log1p(-p_safe))) / n
    dp = (p_safe - y) / (p_safe * (1 - p_safe)) / n
    return loss, dp


def bce_with_logits(z, y):
    """Sigmoid followed by binary cross-entropy, fused: L = mean(BCE(sigmoid(z), y)).

    z, y: the same shape; z are logits (any real number), y in [0, 1].
    Returns (L, dz) with dz = (sigmoid(z) − y) / N, N = z.size.

    Uses L = max(z, 0) − z y + log(1 + e^(−|z|)), equal to the textbook form but
    finite and warning-free for any finite z (|z| = 1e4 included).
    """
    from .activations import sigmoid

    where = "bce_with_logits"
    z, y = _prediction_and_target(z, y, where, "z")
    n = z.size
    per_entry = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    loss = float(np.sum(per_entry)) / n
    dz = (sigmoid(z) - y) / n
    return loss, dz


def softmax(z):
    """Row-wise softmax of z (batch, n_classes): exp(z) / Σ exp(z) along each row.

    The row maximum is subtracted first, which leaves the result unchanged and
    keeps exp from overflowing.
    """
    z = as_float_array(z, "z", "softmax")
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
    return p[:, :, None] * np.eye(p.shape[1]) - p[:, :, None] * p[:, None, :]  # diag(p) − p pᵀ


def _check_labels(y, n, n_classes, where):
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        if y.dtype.kind == "f" and y.size and np.all(np.mod(y, 1) == 0):
            y = y.astype(np.int64)
        else:
            raise TypeError(
                f"{where}: y must hold integer class labels, got dtype {y.dtype}"
            )
    if y.shape != (n,):
        raise ValueError(
            f"{where}: y must have shape ({n},), one integer label per row of the logits, "
            f"got shape {y.shape}"
        )
    if y.min() < 0 or y.max() >= n_classes:
        label = y[np.argmax((y < 0) | (y >= n_classes))]  # the first one out of range
        raise ValueError(
            f"{where}: label {label} is out of range for {n_classes} classes; "
            f"labels must be integers in 0..{n_classes - 1}"
        )
    return y


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
    if n == 0:
        raise ValueError(f"{where}: logits must have at least one row, got shape {logits.shape}")
    y = _check_labels(y, n, n_classes, where)
    shifted = logits - logits.max(axis=1, keepdims=True)  # largest entry 0: no overflow
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1)
    rows = np.arange(n)
    loss = float(np.sum(np.log(sum_exp) - shifted[rows, y])) / n
    dlogits = exp / sum_exp[:, None]  # softmax(logits), a new array ...
    dlogits[rows, y] -= 1  # ... so onehot(y) can be taken off in place
    return loss, dlogits / n


LOSSES = {
    "mse": mse_loss,
    "bce": bce_loss,
    "bce_with_logits": bce_with_logits,
    "softmax_cross_entropy": softmax_cross_entropy,
}
