"""Inverted dropout: during training each unit is dropped (set to 0) with probability p and
the survivors are scaled by 1/(1 − p), so every unit's expected value is unchanged and
evaluation needs no rescaling: there dropout is the identity.
"""

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, require_rng, require_upstream_shape
from .models import Layer
from .optim import require_fraction


class DropoutCache(NamedTuple):
    """The mask of one forward pass: 0 where a unit was dropped, 1/(1 − p) where it was kept."""

    mask: np.ndarray
    p: float


def dropout_forward(x, p, rng):
    """Inverted dropout of x (any shape) with drop probability p in [0, 1).

    rng: a numpy.random.Generator that draws the mask, one uniform number per entry.
    Returns (out, cache): out = x · mask of x's shape, the mask 0 with probability p and
    1/(1 − p) otherwise, so E[out] = x; cache a DropoutCache holding that mask, which the
    backward pass must reuse. p = 0 keeps everything (out equals x).
    """
    where = "dropout_forward"
    p = require_fraction(p, "p", where)
    require_rng(rng, where)
    x = as_float_array(x, "x", where)
    keep = rng.random(x.shape) >= p  # each unit survives with probability 1 − p
    mask = keep.astype(x.dtype) / x.dtype.type(1 - p)  # inverted: scale now, so evaluation needs nothing
    return x * mask, DropoutCache(mask, p)


def dropout_backward(dout, cache):
    """Backward pass of out = x · mask: dx = dout · mask, with the forward pass's own mask.

    dout: dL/dout, the shape of x. Returns dx of that shape: 0 where the unit was dropped.
    """
    where = "dropout_backward"
    if not isinstance(cache, DropoutCache):
        raise TypeError(f"{where}: cache must be the one dropout_forward returned, got {type(cache).__name__}")
    dout = as_float_array(dout, "dout", where)
    require_upstream_shape(dout, "dout", cache.mask.shape, "out", where)
    return dout * cache.mask  # the mask is a constant factor of each entry


class _Identity(NamedTuple):
    """The cache of a forward pass in evaluation mode: only the shape, to check dout against."""

    shape: tuple


class Dropout(Layer):
    """Inverted dropout as a layer: dropout_forward in training mode, the identity after eval().

    p: drop probability in [0, 1); rng: the numpy.random.Generator that draws every mask
    (kept as the attribute rng). backward() reuses the mask of the last forward pass.
    """

    def __init__(self, p, rng):
        self.p = require_fraction(p, "p", "Dropout")
        require_rng(rng, "Dropout")
        self.rng = rng
        self._cache = None

    def forward(self, x):
        """x (any shape) -> x with a fresh mask applied (training) or x itself (evaluation)."""
        if not self.training:
            x = as_float_array(x, "x", "Dropout")
            self._cache = _Identity(x.shape)  # backward passes dout straight through
            return x
        out, self._cache = dropout_forward(x, self.p, self.rng)
        return out

    def backward(self, dout):
        """dout -> dx: masked like the last forward pass, or unchanged after one in evaluation mode."""
        if self._cache is None:
            raise RuntimeError("Dropout.backward: call forward first")
        if isinstance(self._cache, _Identity):
            dout = as_float_array(dout, "dout", "Dropout.backward")
            require_upstream_shape(dout, "dout", self._cache.shape, "out", "Dropout.backward")
            return dout
        return dropout_backward(dout, self._cache)

    @property
    def last_mask(self):
        """The mask of the last forward pass in training mode (0 or 1/(1 − p)); None otherwise."""
        return self._cache.mask if isinstance(self._cache, DropoutCache) else None

    def __repr__(self):
        return f"Dropout({self.p:g})"
