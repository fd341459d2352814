"""Batch normalisation: each feature standardised over the batch, then scaled and shifted.

For x of shape (batch, n), column by column (μ, σ², σ are (n,)):
    μ = mean(x),  σ² = mean((x − μ)²),  σ = √(σ² + ε),  x̂ = (x − μ) / σ,  out = γ x̂ + β
with γ (scale) and β (shift) learned, shape (n,). The variance is the biased one (divided
by N), the batch's own spread. In evaluation mode, running averages of μ and σ² taken
during training stand in for the batch's (see BatchNorm).
"""

from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    as_gradient,
    describe,
    require_cache_type,
    require_ndim,
    require_number,
    require_positive,
    require_size,
    require_upstream_shape,
    require_writable,
)
from .models import Layer

_ND = np.ndarray


class BatchNormCache(NamedTuple):
    """What batchnorm_backward needs from batchnorm_forward, plus the batch statistics.

    x_hat (batch, n): the standardised input; gamma (n,); sigma (n,) = √(σ² + ε);
    mean, var (n,): the batch mean and biased variance (BatchNorm's running averages use them).
    """

    x_hat: np.ndarray
    gamma: np.ndarray
    sigma: np.ndarray
    mean: np.ndarray
    var: np.ndarray


class RunningStatsCache(NamedTuple):
    """What the evaluation-mode backward pass needs: x̂ (batch, n), γ (n,), σ (n,) of the running variance."""

    x_hat: np.ndarray
    gamma: np.ndarray
    sigma: np.ndarray


# --------------------------------------------------------------------------- checks


def _fits(arr, n):
    """The common case, in a few attribute look-ups: a float array of shape (n,)."""
    return type(arr) is _ND and arr.dtype.kind == "f" and arr.shape == (n,)


def _check_x(x, where, n=None):
    """x as a float array (batch, n) with at least one row, or this raises. n: the width a
    layer takes (None: any)."""
    x = as_float_array(x, "x", where)
    require_ndim(x, 2, "x", where, "(batch, n)" if n is None else f"(batch, {n})")
    if n is not None and x.shape[1] != n:
        raise ValueError(f"{where}: x has {x.shape[1]} columns but this layer normalises {n} features; "
                         f"expected x of shape (batch, {n}), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{where}: x must have at least one row, got shape {x.shape}")
    return x


def _check_features(per_feature, n, where, source="x has {n} columns"):
    """Each of per_feature {name: array} as a float array of shape (n,), or this raises."""
    arrays = []
    for name, arr in per_feature.items():
        arr = as_float_array(arr, name, where)
        if arr.shape != (n,):
            raise ValueError(f"{where}: {name} has shape {arr.shape} but {source.format(n=n)}; "
                             f"expected {name} of shape ({n},), one entry per feature")
        arrays.append(arr)
    return arrays


def _check_running_var(running_var, where):
    """A variance cannot be negative (NaN passes: a diverged run shows as NaN, not as an error)."""
    negative = running_var < 0
    if negative.any():
        i = int(np.argmax(negative))
        raise ValueError(f"{where}: running_var must not be negative (it is a variance), got "
                         f"{running_var[i].item()} at index {i}")


def _check_cache(cache, cache_type, dout, where, made_by):
    """The cache made_by returned, its arrays of consistent shapes, and dout of x's shape;
    returns dout as a float array."""
    cache = require_cache_type(cache, cache_type, where, made_by)
    x_hat = cache.x_hat
    if not (isinstance(x_hat, _ND) and x_hat.dtype.kind == "f" and x_hat.ndim == 2):
        raise TypeError(f"{where}: cache.x_hat must be a 2-D float array (batch, n), as {made_by} made it, "
                        f"got {describe(x_hat)}")
    for name in cache._fields[1:]:
        arr = getattr(cache, name)
        if not (isinstance(arr, _ND) and arr.dtype.kind == "f" and arr.shape == (x_hat.shape[1],)):
            raise TypeError(f"{where}: cache.{name} must be a float array of shape ({x_hat.shape[1]},), as "
                            f"{made_by} made it, got {describe(arr)}")
    dout = as_gradient(dout, "dout", where)
    require_upstream_shape(dout, "dout", x_hat.shape, "out", where)
    return dout


# --------------------------------------------------------------------------- the computations, unchecked


def batch_sum(a):
    """The sum of a's rows, a.sum(axis=0): (batch, n) -> (n,), the sum over the batch.

    Batch norm's mean and variance, dγ and dβ are such sums. Written as the product 1ᵀa,
    the same sum up to rounding in the last places, because a product goes to BLAS: on a
    (1797, 64) array it takes a third of the time of numpy's reduction over the first axis
    and half on 256 rows; on 32 rows it is a fraction of a microsecond slower
    (python benchmarks/reductions.py).
    """
    return np.ones(len(a), a.dtype) @ a  # 1ᵀa: a row of ones times a


def _forward(x, gamma, beta, eps):
    """batchnorm_forward on checked arguments."""
    n = len(x)
    mean = batch_sum(x) / n  # μ, per feature
    centred = x - mean
    var = batch_sum(centred * centred) / n  # σ², biased: divided by N, the batch's own spread
    sigma = np.sqrt(var + eps)  # σ = √(σ² + ε)
    x_hat = centred / sigma  # standardise each column
    out = gamma * x_hat + beta  # the learned scale and shift give back what the network needs
    return out, BatchNormCache(x_hat, gamma, sigma, mean, var)


def _backward(dout, cache):
    """batchnorm_backward on checked arguments."""
    x_hat, gamma, sigma = cache.x_hat, cache.gamma, cache.sigma
    n = dout.shape[0]
    dbeta = batch_sum(dout)  # β is added to every row
    dgamma = batch_sum(dout * x_hat)  # γ multiplies x̂ in every row
    dx = (gamma / sigma) * (dout - dbeta / n - x_hat * (dgamma / n))  # the compact form in batchnorm_backward
    return dx, dgamma, dbeta


def _running_forward(x, gamma, beta, running_mean, running_var, eps):
    """batchnorm_running_forward on checked arguments."""
    sigma = np.sqrt(running_var + eps)
    x_hat = (x - running_mean) / sigma  # the running statistics stand in for the batch's
    return gamma * x_hat + beta, RunningStatsCache(x_hat, gamma, sigma)


def _running_backward(dout, cache):
    """batchnorm_running_backward on checked arguments."""
    dx = dout * (cache.gamma / cache.sigma)  # x̂ = (x − μ)/σ with μ, σ fixed
    return dx, batch_sum(dout * cache.x_hat), batch_sum(dout)


# --------------------------------------------------------------------------- the functions


def batchnorm_forward(x, gamma, beta, *, eps=1e-5):
    """Batch normalisation with the batch's own statistics (training mode).

    x: (batch, n); gamma, beta: (n,); eps > 0 keeps σ away from 0 for a constant feature.
    Returns (out, cache): out (batch, n) = γ x̂ + β, every column of x̂ with mean 0 and
    variance σ²/(σ² + ε) ≈ 1; cache a BatchNormCache for batchnorm_backward.
    """
    where = "batchnorm_forward"
    x = _check_x(x, where)
    gamma, beta = _check_features({"gamma": gamma, "beta": beta}, x.shape[1], where)
    return _forward(x, gamma, beta, require_positive(eps, "eps", where))


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalisation with batch statistics.

    dout: (batch, n), the upstream gradient dL/dout; cache: from batchnorm_forward.
    Returns dx (batch, n), dgamma (n,), dbeta (n,). x reaches x̂ three ways, directly and
    through μ and σ; summed, they give the compact form
        dx = (γ/σ) (dout − mean(dout) − x̂ · mean(dout ⊙ x̂))
    (means over the batch), where mean(dout) = dβ/N and mean(dout ⊙ x̂) = dγ/N.
    """
    dout = _check_cache(cache, BatchNormCache, dout, "batchnorm_backward", "batchnorm_forward")
    return _backward(dout, cache)


def batchnorm_running_forward(x, gamma, beta, running_mean, running_var, *, eps=1e-5):
    """Batch normalisation with fixed statistics (evaluation mode): an affine map of each feature.

    x: (batch, n); gamma, beta, running_mean, running_var: (n,); running_var >= 0.
    Returns (out, cache): out = γ (x − running_mean)/√(running_var + ε) + β, (batch, n);
    every row is normalised alone, so the output does not depend on the rest of the batch.
    """
    where = "batchnorm_running_forward"
    x = _check_x(x, where)
    gamma, beta, running_mean, running_var = _check_features(
        {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var}, x.shape[1], where)
    _check_running_var(running_var, where)
    return _running_forward(x, gamma, beta, running_mean, running_var, require_positive(eps, "eps", where))


def batchnorm_running_backward(dout, cache):
    """Backward pass of batchnorm_running_forward: μ and σ are constants here.

    dout: (batch, n). Returns dx = dout γ/σ (batch, n), dgamma (n,), dbeta (n,).
    """
    dout = _check_cache(cache, RunningStatsCache, dout, "batchnorm_running_backward", "batchnorm_running_forward")
    return _running_backward(dout, cache)


class BatchNorm(Layer):
    """Batch normalisation of n features as a layer, with torch.nn.BatchNorm1d's conventions.

    Parameters gamma (ones) and beta (zeros), shape (n,), with gradients dgamma, dbeta
    written in place. Buffers (not parameters, never trained) running_mean (zeros) and
    running_var (ones), shape (n,).

    Training mode (the default, or after train()): normalises with the batch's mean and
    biased variance (batchnorm_forward), which needs at least two rows, and updates
        running_mean ← (1 − momentum) · running_mean + momentum · μ
        running_var  ← (1 − momentum) · running_var  + momentum · σ² · N/(N − 1)
    where the variance folded in is the unbiased one. This is torch.nn.BatchNorm1d's rule as
    its documentation states it: normalise with the biased variance (torch.var(x, correction=0)),
    keep the running variance with the unbiased one (correction=1), running averages
    (1 − momentum)·old + momentum·new; the default momentum 0.1 and ε = 1e-5 are torch's too.
    Evaluation mode (after eval()): normalises with running_mean and running_var
    (batchnorm_running_forward) and changes no statistics.
    """

    _batch_entry = 0  # the cache's x_hat (batch, n)

    def __init__(self, n, *, momentum=0.1, eps=1e-5):
        where = "BatchNorm"
        self.n = require_size(n, "n", where)
        self.momentum = require_number(momentum, "momentum", where, low=0, high=1)
        self.eps = require_positive(eps, "eps", where)
        self.gamma, self.beta = np.ones(self.n), np.zeros(self.n)
        self.dgamma, self.dbeta = np.zeros(self.n), np.zeros(self.n)
        self.running_mean, self.running_var = np.zeros(self.n), np.ones(self.n)
        self._cache = None
        self._saved = None  # the running statistics as the last training-mode forward pass found them

    def _arrays(self, where):
        """gamma, beta, running_mean, running_var, checked: float arrays of shape (n,) (lists and
        integers are taken as arrays, as everywhere), running_var not negative; in training mode
        the running statistics must be writable, since forward updates them."""
        n, arrays = self.n, (self.gamma, self.beta, self.running_mean, self.running_var)
        if not (_fits(arrays[0], n) and _fits(arrays[1], n) and _fits(arrays[2], n) and _fits(arrays[3], n)):
            arrays = _check_features(dict(zip(("gamma", "beta", "running_mean", "running_var"), arrays)), n, where,
                                     source="this layer normalises {n} features")
        if self.training and not (arrays[2] is self.running_mean and arrays[3] is self.running_var
                                  and self.running_mean.flags.writeable and self.running_var.flags.writeable):
            for name in ("running_mean", "running_var"):
                require_writable(getattr(self, name), name, where)
        return arrays

    def forward(self, x):
        """x (batch, n) -> out (batch, n), with the batch's statistics or the running ones.

        Everything is checked before the running statistics change, so a call that raises
        leaves them as they were."""
        where = "BatchNorm.forward"
        if not (type(x) is _ND and x.dtype.kind == "f" and x.ndim == 2 and x.shape[1] == self.n and len(x)):
            x = _check_x(x, where, self.n)
        gamma, beta, running_mean, running_var = self._arrays(where)
        if not self.training:
            _check_running_var(running_var, where)
            out, self._cache = _running_forward(x, gamma, beta, running_mean, running_var, self.eps)
            self._saved = None
            return out
        if len(x) < 2:
            raise ValueError(f"{where}: training mode needs at least 2 rows to estimate a variance, "
                             f"got x of shape {x.shape}; call eval() to use the running statistics")
        out, self._cache = _forward(x, gamma, beta, self.eps)
        self._update_running_stats(self._cache, len(out))
        return out

    def _update_running_stats(self, cache, batch):
        m, mean, var = self.momentum, self.running_mean, self.running_var
        self._saved = (mean.copy(), var.copy())  # kept for _undo_forward
        mean *= 1 - m  # exponential average: (1 − m)·old + m·new, in place
        mean += m * cache.mean
        var *= 1 - m
        var += m * cache.var * batch / (batch - 1)  # the unbiased σ²

    def _undo_forward(self):
        """Put back the running statistics the last forward pass changed (a Sequential calls this
        when a later layer of the same forward pass raises)."""
        if self._saved is not None:
            self.running_mean[...], self.running_var[...] = self._saved
            self._saved = None

    def backward(self, dout):
        """dout (batch, n) -> dx (batch, n); stores dgamma and dbeta (both checked before either is written)."""
        where = "BatchNorm.backward"
        cache = self._cache
        if cache is None:
            raise RuntimeError(f"{where}: call forward first")
        if not (type(dout) is _ND and dout.dtype.kind == "f" and dout.shape == cache.x_hat.shape):
            dout = as_gradient(dout, "dout", where)
            require_upstream_shape(dout, "dout", cache.x_hat.shape, "out", where)
        into = self.dgamma, self.dbeta
        if not (_fits(into[0], self.n) and _fits(into[1], self.n) and into[0].flags.writeable
                and into[1].flags.writeable):
            for grad, name in zip(into, ("dgamma", "dbeta")):
                require_writable(grad, name, where)
                if grad.shape != (self.n,):
                    raise ValueError(f"{where}: {name} must have shape ({self.n},), got shape {grad.shape}")
        dx, dgamma, dbeta = (_backward if type(cache) is BatchNormCache else _running_backward)(dout, cache)
        into[0][...] = dgamma  # in place: parameters() lists stay valid
        into[1][...] = dbeta
        return dx

    def named_parameters(self):
        """[("gamma", gamma, dgamma), ("beta", beta, dbeta)]."""
        return [("gamma", self.gamma, self.dgamma), ("beta", self.beta, self.dbeta)]

    def buffers(self):
        """[running_mean, running_var]: statistics kept for evaluation, not trained."""
        return [self.running_mean, self.running_var]

    def __repr__(self):
        return f"BatchNorm({self.n}, momentum={self.momentum:g}, eps={self.eps:g})"
