"""Inverted dropout: during training each unit is dropped (set to 0) with probability p and
the survivors are scaled by 1/(1 − p), so every unit's expected value is unchanged and
evaluation needs no rescaling: there dropout is the identity.
"""

from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    as_gradient,
    describe,
    require_cache_type,
    require_number,
    require_rng,
    require_upstream_shape,
)
from .models import Layer


class DropoutCache(NamedTuple):
    """The mask of one forward pass: 0 where a unit was dropped, 1/(1 − p) where it was kept."""

    mask: np.ndarray
    p: float


def _check_p(p, where):
    """The drop probability: a number in [0, 1) (p = 1 would drop every unit and divide by 0)."""
    return require_number(p, "p", where, low=0, high=1, high_open=True)


def _dropout(x, p, rng):
    """dropout_forward on checked arguments."""
    keep = rng.random(x.shape) >= p  # each unit survives with probability 1 − p
    mask = keep.astype(x.dtype) / x.dtype.type(1 - p)  # inverted: scale now, so evaluation needs nothing
    return x * mask, DropoutCache(mask, p)


def dropout_forward(x, p, rng):
    """Inverted dropout of x (any shape) with drop probability p in [0, 1).

    rng: a numpy.random.Generator that draws the mask, one uniform number per entry.
    Returns (out, cache): out = x · mask of x's shape, the mask 0 with probability p and
    1/(1 − p) otherwise, so E[out] = x; cache a DropoutCache holding that mask, which the
    backward pass must reuse. p = 0 keeps everything (out equals x).
    """
    where = "dropout_forward"
    p = _check_p(p, where)
    require_rng(rng, where)
    return _dropout(as_float_array(x, "x", where), p, rng)


def _check_dout(dout, shape, where):
    """dout as a float array of the forward pass's output shape, or this raises."""
    dout = as_gradient(dout, "dout", where)
    require_upstream_shape(dout, "dout", shape, "out", where)
    return dout


def dropout_backward(dout, cache):
    """Backward pass of out = x · mask: dx = dout · mask, with the forward pass's own mask.

    dout: dL/dout, the shape of x. Returns dx of that shape: 0 where the unit was dropped.
    """
    where = "dropout_backward"
    mask = require_cache_type(cache, DropoutCache, where, "dropout_forward").mask
    if not (isinstance(mask, np.ndarray) and mask.dtype.kind == "f"):
        raise TypeError(f"{where}: cache.mask must be a float array, as dropout_forward made it, got {describe(mask)}")
    return _check_dout(dout, mask.shape, where) * mask  # the mask is a constant factor of each entry


class _Identity(NamedTuple):
    """The cache of a forward pass in evaluation mode: only the shape, to check dout against."""

    shape: tuple


class Dropout(Layer):
    """Inverted dropout as a layer: dropout_forward in training mode, the identity after eval().

    p: drop probability in [0, 1); rng: the numpy.random.Generator that draws every mask
    (kept as the attribute rng). backward() reuses the mask of the last forward pass.
    """

    _batch_entry = 0  # the cache's mask (training) or shape (evaluation)

    def __init__(self, p, rng):
        self.p = _check_p(p, "Dropout")
        require_rng(rng, "Dropout")
        self.rng = rng
        self._cache = None

    def forward(self, x):
        """x (any shape) -> x with a fresh mask applied (training) or x itself (evaluation)."""
        where = "Dropout.forward"
        x = as_float_array(x, "x", where)
        if not self.training:
            self._cache = _Identity(x.shape)  # backward passes dout straight through
            return x
        p = _check_p(self.p, where)  # p and rng are attributes: checked where they are used
        require_rng(self.rng, where)
        out, self._cache = _dropout(x, p, self.rng)
        return out

    def backward(self, dout):
        """dout -> dx: masked like the last forward pass, or unchanged after one in evaluation mode."""
        where = "Dropout.backward"
        if self._cache is None:
            raise RuntimeError(f"{where}: call forward first")
        if isinstance(self._cache, _Identity):
            return _check_dout(dout, self._cache.shape, where)
        mask = self._cache.mask
        return _check_dout(dout, mask.shape, where) * mask

    @property
    def last_mask(self):
        """The mask of the last forward pass in training mode (0 or 1/(1 − p)); None otherwise."""
        return self._cache.mask if isinstance(self._cache, DropoutCache) else None

    def __repr__(self):
        return f"Dropout({self.p:g})"
