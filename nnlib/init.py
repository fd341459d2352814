"""Weight initialisation schemes.

Each scheme draws W of shape (n_in, n_out) from a zero-mean normal distribution
with its own standard deviation; ``scale`` multiplies that standard deviation.
"""

import numpy as np

from ._validate import require_rng, unknown_name


def init_std(n_in, n_out, scheme):
    """Standard deviation a scheme uses for a (n_in, n_out) weight matrix.

    normal: 1 (so the std is exactly ``scale``).
    xavier: sqrt(2 / (n_in + n_out)), Glorot & Bengio (2010): keeps the variance of
            activations and of gradients roughly equal across tanh/sigmoid layers.
    he:     sqrt(2 / n_in), He et al. (2015): compensates for ReLU zeroing half its inputs.
    """
    if scheme == "normal":
        return 1.0
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    if scheme == "he":
        return float(np.sqrt(2.0 / n_in))
    raise unknown_name("init scheme", scheme, INIT_SCHEMES, "init_weights")


INIT_SCHEMES = ("normal", "xavier", "he")


def init_weights(n_in, n_out, scheme, rng, scale=None):
    """Draw a weight matrix W of shape (n_in, n_out), float64.

    scheme: "normal", "xavier" or "he" (see init_std); scale: multiplies the
    scheme's standard deviation (default 1). rng: a numpy.random.Generator.
    """
    for name, value in (("n_in", n_in), ("n_out", n_out)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"init_weights: {name} must be a positive integer, got {value!r}")
    require_rng(rng, "init_weights")
    std = init_std(n_in, n_out, scheme)
    if scale is not None:
        if not np.isfinite(scale) or scale < 0:
            raise ValueError(f"init_weights: scale must be a finite number >= 0, got {scale!r}")
        std *= scale
    return rng.standard_normal((n_in, n_out)) * std
