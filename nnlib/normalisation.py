"""Batch normalisation: each feature standardised over the batch, then scaled and shifted.

For x of shape (batch, n), column by column (μ, σ², σ are (n,)):
    μ = mean(x),  σ² = mean((x − μ)²),  σ = √(σ² + ε),  x̂ = (x − μ) / σ,  out = γ x̂ + β
with γ (scale) and β (shift) learned, shape (n,). The variance is the biased one (divided
by N), the batch's own spread. In evaluation mode, running averages of μ and σ² taken
during training stand in for the batch's (see BatchNorm).
"""

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, require_int, require_ndim, require_number, require_upstream_shape
from .models import Layer
from .optim import require_fraction


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


def _check_inputs(x, per_feature, eps, where):
    """x (batch, n) with at least one row, each of per_feature {name: array} of shape (n,),
    eps > 0, or this raises. Returns x and the arrays as float arrays, in that order."""
    x = as_float_array(x, "x", where)
    require_ndim(x, 2, "x", where, "(batch, n)")
    n = x.shape[1]
    if x.shape[0] == 0:
        raise ValueError(f"{where}: x must have at least one row, got shape {x.shape}")
    arrays = []
    for name, arr in per_feature.items():
        arr = as_float_array(arr, name, where)
        if arr.shape != (n,):
            raise ValueError(f"{where}: {name} has shape {arr.shape} but x has {n} columns; "
                             f"expected {name} of shape ({n},), one entry per feature")
        arrays.append(arr)
    if require_number(eps, "eps", where) <= 0:
        raise ValueError(f"{where}: eps must be a positive number, got {eps!r}")
    return [x, *arrays]


def batchnorm_forward(x, gamma, beta, *, eps=1e-5):
    """Batch normalisation with the batch's own statistics (training mode).

    x: (batch, n); gamma, beta: (n,); eps > 0 keeps σ away from 0 for a constant feature.
    Returns (out, cache): out (batch, n) = γ x̂ + β, every column of x̂ with mean 0 and
    variance σ²/(σ² + ε) ≈ 1; cache a BatchNormCache for batchnorm_backward.
    """
    x, gamma, beta = _check_inputs(x, {"gamma": gamma, "beta": beta}, eps, "batchnorm_forward")
    mean = x.mean(axis=0)  # μ, per feature
    centred = x - mean
    var = (centred * centred).mean(axis=0)  # σ², biased: divided by N, the batch's own spread
    sigma = np.sqrt(var + eps)  # σ = √(σ² + ε)
    x_hat = centred / sigma  # standardise each column
    out = gamma * x_hat + beta  # the learned scale and shift give back what the network needs
    return out, BatchNormCache(x_hat, gamma, sigma, mean, var)


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalisation with batch statistics.

    dout: (batch, n), the upstream gradient dL/dout; cache: from batchnorm_forward.
    Returns dx (batch, n), dgamma (n,), dbeta (n,). x reaches x̂ three ways, directly and
    through μ and σ; summed, they give the compact form
        dx = (γ/σ) (dout − mean(dout) − x̂ · mean(dout ⊙ x̂))
    (means over the batch), where mean(dout) = dβ/N and mean(dout ⊙ x̂) = dγ/N.
    """
    where = "batchnorm_backward"
    if not isinstance(cache, BatchNormCache):
        raise TypeError(f"{where}: cache must be the one batchnorm_forward returned, got {type(cache).__name__}")
    x_hat, gamma, sigma = cache.x_hat, cache.gamma, cache.sigma
    dout = as_float_array(dout, "dout", where)
    require_upstream_shape(dout, "dout", x_hat.shape, "out", where)
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)  # β is added to every row
    dgamma = (dout * x_hat).sum(axis=0)  # γ multiplies x̂ in every row
    dx = (gamma / sigma) * (dout - dbeta / n - x_hat * (dgamma / n))  # the compact form above
    return dx, dgamma, dbeta


def batchnorm_running_forward(x, gamma, beta, running_mean, running_var, *, eps=1e-5):
    """Batch normalisation with fixed statistics (evaluation mode): an affine map of each feature.

    x: (batch, n); gamma, beta, running_mean, running_var: (n,).
    Returns (out, cache): out = γ (x − running_mean)/√(running_var + ε) + β, (batch, n);
    every row is normalised alone, so the output does not depend on the rest of the batch.
    """
    x, gamma, beta, running_mean, running_var = _check_inputs(
        x, {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var},
        eps, "batchnorm_running_forward")
    if np.any(running_var < 0):
        raise ValueError(f"batchnorm_running_forward: running_var must not be negative, got {running_var}")
    sigma = np.sqrt(running_var + eps)
    x_hat = (x - running_mean) / sigma  # the running statistics stand in for the batch's
    return gamma * x_hat + beta, RunningStatsCache(x_hat, gamma, sigma)


def batchnorm_running_backward(dout, cache):
    """Backward pass of batchnorm_running_forward: μ and σ are constants here.

    dout: (batch, n). Returns dx = dout γ/σ (batch, n), dgamma (n,), dbeta (n,).
    """
    where = "batchnorm_running_backward"
    if not isinstance(cache, RunningStatsCache):
        raise TypeError(f"{where}: cache must be the one batchnorm_running_forward returned, "
                        f"got {type(cache).__name__}")
    dout = as_float_array(dout, "dout", where)
    require_upstream_shape(dout, "dout", cache.x_hat.shape, "out", where)
    dx = dout * (cache.gamma / cache.sigma)  # x̂ = (x − μ)/σ with μ, σ fixed
    return dx, (dout * cache.x_hat).sum(axis=0), dout.sum(axis=0)


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

    def __init__(self, n, *, momentum=0.1, eps=1e-5):
        where = "BatchNorm"
        self.n = require_int(n, "n", where, 1, 10**9)
        self.momentum = require_fraction(momentum, "momentum", where, one_allowed=True)
        self.eps = require_number(eps, "eps", where)
        if self.eps <= 0:
            raise ValueError(f"{where}: eps must be a positive number, got {eps!r}")
        self.gamma, self.beta = np.ones(self.n), np.zeros(self.n)
        self.dgamma, self.dbeta = np.zeros(self.n), np.zeros(self.n)
        self.running_mean, self.running_var = np.zeros(self.n), np.ones(self.n)
        self._cache = None

    def forward(self, x):
        """x (batch, n) -> out (batch, n), with the batch's statistics or the running ones."""
        if np.ndim(x) == 2 and np.shape(x)[1] != self.n:
            raise ValueError(f"BatchNorm: x has {np.shape(x)[1]} columns but this layer normalises {self.n} "
                             f"features; expected x of shape (batch, {self.n}), got {np.shape(x)}")
        if not self.training:
            out, self._cache = batchnorm_running_forward(x, self.gamma, self.beta, self.running_mean,
                                                         self.running_var, eps=self.eps)
            return out
        if np.ndim(x) == 2 and np.shape(x)[0] < 2:
            raise ValueError(f"BatchNorm: training mode needs at least 2 rows to estimate a variance, "
                             f"got x of shape {np.shape(x)}; call eval() to use the running statistics")
        out, self._cache = batchnorm_forward(x, self.gamma, self.beta, eps=self.eps)
        self._update_running_stats(self._cache, len(out))
        return out

    def _update_running_stats(self, cache, batch):
        m = self.momentum
        self.running_mean[...] = (1 - m) * self.running_mean + m * cache.mean  # exponential average
        self.running_var[...] = (1 - m) * self.running_var + m * cache.var * batch / (batch - 1)  # unbiased σ²

    def backward(self, dout):
        """dout (batch, n) -> dx (batch, n); stores dgamma and dbeta."""
        if self._cache is None:
            raise RuntimeError("BatchNorm.backward: call forward first")
        if isinstance(self._cache, BatchNormCache):
            dx, dgamma, dbeta = batchnorm_backward(dout, self._cache)
        else:
            dx, dgamma, dbeta = batchnorm_running_backward(dout, self._cache)
        self.dgamma[...] = dgamma  # in place: parameters() lists stay valid
        self.dbeta[...] = dbeta
        return dx

    def named_parameters(self):
        """[("gamma", gamma, dgamma), ("beta", beta, dbeta)]."""
        return [("gamma", self.gamma, self.dgamma), ("beta", self.beta, self.dbeta)]

    def buffers(self):
        """[running_mean, running_var]: statistics kept for evaluation, not trained."""
        return [self.running_mean, self.running_var]

    def __repr__(self):
        return f"BatchNorm({self.n}, momentum={self.momentum:g}, eps={self.eps:g})"
