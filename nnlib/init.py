"""Weight initialisation schemes.

Each scheme draws W of shape (n_in, n_out) from a zero-mean normal distribution
with its own standard deviation; ``scale`` multiplies that standard deviation.
"""

import numpy as np

from ._validate import require_number, require_rng, require_size, unknown_name

INIT_SCHEMES = ("normal", "xavier", "he")


def check_init(n_in, n_out, scheme, scale, where):
    """n_in, n_out positive integers, a known scheme, scale None or a finite number >= 0, or this
    raises naming ``where``. Returns (n_in, n_out, scale) as Python numbers (scale 1.0 for None),
    so that a numpy uint8 size cannot wrap around in the arithmetic that follows."""
    n_in = require_size(n_in, "n_in", where)
    n_out = require_size(n_out, "n_out", where)
    if not isinstance(scheme, str) or scheme not in INIT_SCHEMES:
        raise unknown_name("init scheme", scheme, INIT_SCHEMES, where)
    return n_in, n_out, 1.0 if scale is None else require_number(scale, "scale", where, low=0.0)


def init_std(n_in, n_out, scheme):
    """Standard deviation a scheme uses for a (n_in, n_out) weight matrix.

    normal: 1 (so the std is exactly ``scale``).
    xavier: sqrt(2 / (n_in + n_out)), Glorot & Bengio (2010): keeps the variance of
            activations and of gradients roughly equal across tanh/sigmoid layers.
    he:     sqrt(2 / n_in), He et al. (2015): compensates for ReLU zeroing half its inputs.
    """
    n_in, n_out, _ = check_init(n_in, n_out, scheme, None, "init_std")
    if scheme == "normal":
        return 1.0
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    return float(np.sqrt(2.0 / n_in))  # "he"


def init_weights(n_in, n_out, scheme, rng, scale=None):
    """Draw a weight matrix W of shape (n_in, n_out), float64.

    scheme: "normal", "xavier" or "he" (see init_std); scale: multiplies the
    scheme's standard deviation (default 1), a finite number >= 0. rng: a
    numpy.random.Generator.
    """
    n_in, n_out, scale = check_init(n_in, n_out, scheme, scale, "init_weights")
    require_rng(rng, "init_weights")
    return rng.standard_normal((n_in, n_out)) * (init_std(n_in, n_out, scheme) * scale)
