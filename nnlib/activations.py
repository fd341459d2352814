"""Activation functions f, their derivatives f', and the backward step dz = da * f'(z).

Every function works elementwise on an array of any shape and returns the same
shape. float32 in gives float32 out; anything else numeric becomes float64.
"""

import numpy as np

from ._validate import as_float_array, unknown_name


def sigmoid(z):
    """Logistic function 1 / (1 + e^(-z)), elementwise.

    Computed as e^min(z, 0) / (1 + e^(-|z|)), which is the same number: for z >= 0
    it reads 1 / (1 + e^(-z)), for z < 0 it reads e^z / (1 + e^z). Neither exponent
    is ever positive, so nothing overflows: finite and warning-free for any finite z,
    including |z| = 1e4, and accurate far into both tails.
    """
    z = as_float_array(z, "z", "sigmoid")
    if z.ndim == 0:  # a single number: the in-place steps below need an array
        return sigmoid(z.reshape(1))[0]
    # Each step works in place, so the whole sigmoid makes two new arrays instead of
    # one per operation; on a large batch the new arrays cost more than the arithmetic.
    numerator = np.minimum(z, 0.0)
    np.exp(numerator, out=numerator)  # e^min(z, 0): 1 where z >= 0, e^z where z < 0
    denominator = np.abs(z)
    np.negative(denominator, out=denominator)
    np.exp(denominator, out=denominator)  # e^(-|z|), in (0, 1]; underflows quietly to 0
    denominator += 1.0
    numerator /= denominator
    return numerator


def sigmoid_prime(z):
    """Derivative of the sigmoid: s(z) * (1 - s(z)), elementwise; its maximum is 1/4 at z = 0.

    Computed as e^(-|z|) / (1 + e^(-|z|))^2, the same value (the sigmoid's
    derivative is even in z), which stays accurate far into the tails.
    """
    z = as_float_array(z, "z", "sigmoid_prime")
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def tanh(z):
    """Hyperbolic tangent, elementwise; values in (-1, 1)."""
    return np.tanh(as_float_array(z, "z", "tanh"))


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)^2, elementwise; its maximum is 1 at z = 0."""
    t = np.tanh(as_float_array(z, "z", "tanh_prime"))
    return 1.0 - t * t


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


# name -> (f, f'); the order is the order error messages list them in.
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


def activation_forward(z, name):
    """Apply the activation ``name`` to z.

    z: any shape. Returns (a, cache) with a = f(z) of z's shape; the cache keeps
    what activation_backward needs.
    """
    f, _ = get_activation(name, "activation_forward")
    z = as_float_array(z, "z", "activation_forward")
    a = f(z)
    return a, (name, z, a)


def activation_backward(da, cache):
    """Backward step of a = f(z): dz = da * f'(z).

    da: dL/da, the same shape as z. Returns dz with that shape.
    For sigmoid and tanh, f'(z) is written through the cached output a
    (a(1 - a) and 1 - a^2), which saves recomputing an exponential.
    """
    name, z, a = cache
    da = as_float_array(da, "da", "activation_backward")
    if da.shape != z.shape:
        raise ValueError(
            f"activation_backward: da has shape {da.shape} but the forward input z "
            f"had shape {z.shape}; expected da of shape {z.shape}"
        )
    if name == "sigmoid":
        dz = 1.0 - a
        dz *= a  # f'(z) = a (1 - a) ...
        dz *= da  # ... times da, all in one new array
        return dz
    if name == "tanh":
        return da * (1.0 - a * a)
    if name == "relu":
        return da * (z > 0)
    return da.copy()  # identity: f'(z) = 1
