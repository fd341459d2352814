"""Activation functions f, their derivatives f', and the backward step dz = da * f'(z).

Every function works elementwise on an array of any shape and returns the same
shape. float32 in gives float32 out; anything else numeric becomes float64.
"""

import numpy as np

from ._validate import as_float_array, as_gradient, is_float_array, require_cache, require_upstream_shape, unknown_name


def sigmoid(z):
    """Logistic function 1 / (1 + e^(-z)), elementwise.

    Computed as written, and exact in both tails: for large z, e^(-z) underflows to 0
    and the result is exactly 1; for very negative z (below about -709 in float64,
    -88 in float32), e^(-z) overflows to inf and 1 / (1 + inf) is exactly 0, where the
    true value is smaller than the dtype's smallest normal number. That overflow is
    expected, so it raises no warning (finite and quiet for |z| up to 1e4 and beyond).
    In between, every step rounds once, so the result is accurate to a few units in
    the last place, e^z included far into the left tail.
    """
    z = as_float_array(z, "z", "sigmoid")
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid: s(z) * (1 - s(z)), elementwise; its maximum is 1/4 at z = 0.

    Computed as e^(-|z|) / (1 + e^(-|z|))^2, the same value (the sigmoid's
    derivative is even in z), which stays accurate far into the tails.
    """
    z = as_float_array(z, "z", "sigmoid_prime")
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def tanh(z):
    """Hyperbolic tangent, elementwise; values in (-1, 1)."""
    return np.tanh(as_float_array(z, "z", "tanh"))


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)^2, elementwise; its maximum is 1 at z = 0."""
    t = np.tanh(as_float_array(z, "z", "tanh_prime"))
    return 1 - t * t


def relu(z):
    """Rectified linear unit max(0, z), elementwise."""
    z = as_float_array(z, "z", "relu")
    return np.maximum(z, 0)


def relu_prime(z):
    """Derivative of ReLU: 1 where z > 0, else 0.

    At the kink z = 0 ReLU has no derivative; we use 0 there (relu_prime(0) == 0),
    the usual convention, which is one of its subgradients.
    """
    z = as_float_array(z, "z", "relu_prime")
    return (z > 0).astype(z.dtype)


def identity(z):
    """The identity f(z) = z (used for a network's linear output)."""
    return as_float_array(z, "z", "identity")


def identity_prime(z):
    """Derivative of the identity: 1 everywhere."""
    return np.ones_like(as_float_array(z, "z", "identity_prime"))


# The backward pass holds a = f(z) already. Where f' is cheaper written through a than
# through z, the derivative carries that form too, as its `from_output`: it saves
# recomputing an exponential (sigmoid) or a tanh on every backward step.
sigmoid_prime.from_output = lambda a: a * (1 - a)  # s' = s (1 - s)
tanh_prime.from_output = lambda a: 1 - a * a  # tanh' = 1 - tanh^2

# name -> (f, f'): each activation with its own derivative, f' a function of z. The
# order is the order error messages list them in. An entry added here works in
# activation_forward, activation_backward, Activation and mlp at once.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}


def get_activation(name, where="activation"):
    """Return (f, f') for an activation name, or raise naming the valid ones."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise unknown_name("activation", name, ACTIVATIONS, where) from None


def activation_forward(z, name, *, check=True):
    """Apply the activation ``name`` to z.

    z: any shape. Returns (a, cache) with a = f(z) of z's shape; the cache keeps
    what activation_backward needs: the name, z and a.
    check=False skips the check of z, for a caller that has made it (Sequential checks
    a network's input once, not in every layer).
    """
    f, _ = get_activation(name, "activation_forward")
    if check:
        z = as_float_array(z, "z", "activation_forward")
    a = f(z)
    return a, (name, z, a)


def activation_backward(da, cache, *, check=True):
    """Backward step of a = f(z): dz = da * f'(z), by the chain rule.

    da: dL/da, the same shape as z; cache: the (name, z, a) activation_forward returned.
    Returns dz with z's shape. f' is the one the activation's entry in ACTIVATIONS
    carries, written through a when it offers that. check=False skips the checks of
    da and cache, as in activation_forward.
    """
    where = "activation_backward"
    if check:
        da = check_activation_backward(da, cache, where)
    name, z, a = cache
    _, f_prime = get_activation(name, where)
    from_output = getattr(f_prime, "from_output", None)
    return da * (f_prime(z) if from_output is None else from_output(a))


def check_activation_backward(da, cache, where):
    """cache the (name, z, a) activation_forward returned, da of z's shape; returns da as a float array."""
    name, z, a = require_cache(cache, where, "activation_forward", "(name, z, a)", 3)
    if is_float_array(da) and is_float_array(z) and is_float_array(a) and da.shape == z.shape == a.shape:
        return da
    return _check_backward(da, z, a, where)


def _check_backward(da, z, a, where):
    """The slow path of activation_backward's checks: say which array is wrong."""
    for value, label in ((z, "z"), (a, "a")):
        if not isinstance(value, (np.ndarray, np.floating)) or value.dtype.kind != "f":
            raise TypeError(f"{where}: cache must be the tuple activation_forward returned, (name, z, a); "
                            f"its {label} must be a float array, got {type(value).__name__}")
    z, a = np.asarray(z), np.asarray(a)  # a 0-d input gives numpy scalars
    if a.shape != z.shape:
        raise ValueError(f"{where}: cache must be the tuple activation_forward returned, (name, z, a); "
                         f"its z has shape {z.shape} but its a has shape {a.shape}")
    da = as_gradient(da, "da", where)
    require_upstream_shape(da, "da", z.shape, "input z", where)
    return da
