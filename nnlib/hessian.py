"""The exact Hessian-vector product H v of a network's loss, by Pearlmutter's R-operator.

R{·} is the derivative of a quantity as the parameters move along v: R{q} = d/dr q(θ + r v)
at r = 0. Applied to backprop's gradient it gives R{∇L} = H v, exactly, for the price of
about two forward and two backward passes, without ever forming H (P × P for P parameters).

- Forward, R{·} of every value is a tangent: nnlib.forward_mode.tangent_forward (a JVP).
- At the loss, R{dL/dŷ} = (∂²L/∂ŷ²) ŷ̇: each loss's own second derivative applied to the
  output's tangent (loss_gradient_jvp).
- Backward, every line of backprop is differentiated by the product rule, e.g. for a dense
  layer dW = xᵀ δ gives R{dW} = R{x}ᵀ δ + xᵀ R{δ}, and for an activation δ_z = δ_a ⊙ f'(z)
  gives R{δ_z} = R{δ_a} ⊙ f'(z) + δ_a ⊙ f''(z) ż.
The R{dW}, R{db} this collects, in the order of model.parameters(), are H v.
"""

import numpy as np

from ._validate import as_float_array, require_bool, require_finite, require_rng
from .activations import get_activation, sigmoid
from .dynamics import power_iteration
from .forward_mode import ParameterTangents, check_directions, tangent_forward
from .losses import bce_loss, bce_with_logits, mse_loss, softmax, softmax_cross_entropy
from .train import _resolve_loss

# f''(z) written through a = f(z), for each activation by name: the derivative of f' once more.
SECOND_DERIVATIVES = {
    "sigmoid": lambda z, a: a * (1 - a) * (1 - 2 * a),  # (s(1 − s))' = s'(1 − 2s)
    "tanh": lambda z, a: -2 * a * (1 - a * a),  # (1 − t²)' = −2t t'
    "relu": lambda z, a: np.zeros_like(z),  # piecewise linear: 0 away from the kink
    "identity": lambda z, a: np.zeros_like(z),
}


def _mse_gradient_jvp(y_hat, y, y_hat_dot):
    return y_hat_dot / len(y_hat)  # dŷ = (ŷ − y)/N is linear in ŷ


def _softmax_ce_gradient_jvp(logits, y, logits_dot):
    p = softmax(logits)
    # d(p − onehot)/N along ż: the softmax Jacobian diag(p) − p pᵀ of each row, never built
    return (p * logits_dot - p * np.sum(p * logits_dot, axis=1, keepdims=True)) / len(logits)


def _bce_logits_gradient_jvp(z, y, z_dot):
    s = sigmoid(z)
    return s * (1 - s) * z_dot / z.size  # d(σ(z) − y)/N = σ'(z) ż / N


def _bce_gradient_jvp(p, y, p_dot):
    eps = np.finfo(p.dtype).eps
    inside = (p >= eps) & (p <= 1 - eps)  # bce_loss holds p in [eps, 1 − eps]: constant outside
    q = np.clip(p, eps, 1 - eps)
    second = (q * q - 2 * q * y + y) / (q * (1 - q)) ** 2  # d/dp of (p − y)/(p(1 − p))
    return np.where(inside, second, 0.0) * p_dot / p.size


LOSS_GRADIENT_JVPS = {
    mse_loss: _mse_gradient_jvp,
    softmax_cross_entropy: _softmax_ce_gradient_jvp,
    bce_with_logits: _bce_logits_gradient_jvp,
    bce_loss: _bce_gradient_jvp,
}


def loss_gradient_jvp(loss, y_hat, y, y_hat_dot):
    """R{dL/dŷ}: the tangent of a loss's gradient when the prediction moves along ŷ̇.

    loss: mse_loss, softmax_cross_entropy, bce_with_logits or bce_loss (or its name);
    y_hat, y_hat_dot: the prediction's shape; y: the targets. Returns an array of y_hat's shape.
    """
    loss_fn = _resolve_loss(loss)
    if loss_fn not in LOSS_GRADIENT_JVPS:
        names = ", ".join(f.__name__ for f in LOSS_GRADIENT_JVPS)
        raise ValueError(f"hessian_vector_product: no second derivative known for the loss "
                         f"{getattr(loss_fn, '__name__', loss_fn)!r}; supported losses are {names}")
    y_hat = as_float_array(y_hat, "y_hat", "loss_gradient_jvp")
    return LOSS_GRADIENT_JVPS[loss_fn](y_hat, np.asarray(y), y_hat_dot)


def _dense_backward_jvp(record, delta, delta_dot, hv):
    """dW = xᵀδ, db = Σδ, dx = δWᵀ, each differentiated by the product rule."""
    _, layer, x, x_dot = record
    W_dot = hv.tangents(layer.W)
    hv.products[id(layer.W)] = x_dot.T @ delta + x.T @ delta_dot  # R{dW} = R{x}ᵀδ + xᵀR{δ}
    hv.products[id(layer.b)] = delta_dot.sum(axis=0)  # R{db} = ΣR{δ}
    dx_dot = delta_dot @ layer.W.T  # R{dx} = R{δ}Wᵀ + δ R{W}ᵀ
    if W_dot is not None:
        dx_dot = dx_dot + delta @ W_dot.T
    return delta @ layer.W.T, dx_dot


def _activation_backward_jvp(record, delta, delta_dot, hv):
    """δ_z = δ_a ⊙ f'(z), differentiated: R{δ_z} = R{δ_a} ⊙ f'(z) + δ_a ⊙ f''(z) ż."""
    _, name, z, z_dot, a = record
    if name not in SECOND_DERIVATIVES:
        raise ValueError(f"hessian_vector_product: no second derivative known for the activation {name!r}; "
                         f"supported are {', '.join(SECOND_DERIVATIVES)}")
    f_prime = get_activation(name)[1]
    slope = f_prime(z)
    return delta * slope, delta_dot * slope + delta * SECOND_DERIVATIVES[name](z, a) * z_dot


def backward_jvp(record, delta, delta_dot, hv):
    """Backprop of δ = dL/d(out) through one recorded layer, with R{δ} alongside.

    record: from tangent_forward; hv collects R{dp} for every parameter p met.
    Returns (dL/dx, R{dL/dx}).
    """
    kind = record[0]
    if kind == "sequential":
        for inner in reversed(record[1]):
            delta, delta_dot = backward_jvp(inner, delta, delta_dot, hv)
        return delta, delta_dot
    if kind == "dense":
        return _dense_backward_jvp(record, delta, delta_dot, hv)
    if kind == "activation":
        return _activation_backward_jvp(record, delta, delta_dot, hv)
    if kind == "residual":
        inner, inner_dot = backward_jvp(record[1], delta, delta_dot, hv)
        return delta + inner, delta_dot + inner_dot  # sum rule: the identity path and the block's
    return delta, delta_dot  # the identity


class _Products:
    """R{dp} for each parameter as the backward pass meets it, and the direction v it is taken along."""

    def __init__(self, tangents):
        self.tangents = tangents
        self.products = {}


def hessian_vector_product(model, loss, X, y, v):
    """H v, exactly: the Hessian of the loss on (X, y) with respect to the parameters, times v.

    model: a Sequential of Dense, Activation (sigmoid, tanh, relu, identity), Residual and
    Dropout in evaluation mode; loss: mse_loss, softmax_cross_entropy, bce_with_logits or
    bce_loss (or its name); X (batch, n_in), y the targets; v: a list of arrays shaped like
    model.parameters(), in their order. One forward pass with tangents, one backward pass
    with R{·} alongside; the model's weights, caches and gradients are not touched.
    Returns [array, ...] shaped like the parameters: H v, split as v is.

    At a ReLU's kink f'' is taken as 0, as relu_prime(0) = 0 takes f' there.
    """
    where = "hessian_vector_product"
    params = model.parameters()
    v = check_directions(params, v, where)
    tangents = ParameterTangents(model, v, where)
    X = as_float_array(X, "X", where)
    out, out_dot, record = tangent_forward(model, X, np.zeros_like(X), tangents, where)
    _, delta = _resolve_loss(loss)(out, y)
    delta_dot = loss_gradient_jvp(loss, out, y, out_dot)
    hv = _Products(tangents)
    backward_jvp(record, delta, delta_dot, hv)
    return [hv.products.get(id(p), np.zeros_like(p)) for p, _ in params]


# --------------------------------------------------------------------------- built on H v


def flatten(arrays):
    """One vector (P,) from a list of arrays, in order: [W0, b0, W1, ...] -> (P,)."""
    return np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)


def unflatten(vector, like):
    """The inverse of flatten: a list of arrays shaped like the arrays (or (param, grad) pairs) in like."""
    shapes = [np.shape(x[0] if isinstance(x, tuple) else x) for x in like]
    sizes = [int(np.prod(s)) for s in shapes]
    vector = np.asarray(vector)
    if vector.shape != (sum(sizes),):
        raise ValueError(f"unflatten: vector has shape {vector.shape}; expected ({sum(sizes)},), the total size")
    pieces = np.split(vector, np.cumsum(sizes)[:-1])
    return [piece.reshape(shape) for piece, shape in zip(pieces, shapes)]


def hessian_matrix(model, loss, X, y):
    """The full Hessian (P, P) of the loss, one exact H e_j per column: for small networks only.

    Rows and columns follow flatten(model.parameters()). Returns a symmetric (P, P) array.
    """
    params = model.parameters()
    size = sum(p.size for p, _ in params)
    columns = [flatten(hessian_vector_product(model, loss, X, y, unflatten(e, params))) for e in np.eye(size)]
    return np.column_stack(columns) if columns else np.zeros((0, 0))


def sharpness(model, loss, X, y, rng, *, iters=200, tol=1e-7, start=None, return_direction=False):
    """λ_max, the Hessian's eigenvalue of largest magnitude, by power iteration on exact H v.

    rng draws the start vector, unless start gives one: a direction shaped like the
    parameters (a list of arrays in the order of model.parameters(), as hessian_vector_product's
    v). Tracking the sharpness during training, the direction found a few steps earlier is
    already close to the new one (a warm start), so a few iterations and a loose tol suffice.
    Near a minimum (H positive semi-definite) this is the sharpness: gradient descent with
    learning rate η is stable there only while λ_max < 2/η.
    Returns (λ_max, iterations), or with return_direction=True (λ_max, iterations, direction),
    direction the unit eigenvector found, shaped like the parameters (start is not changed).
    """
    where = "sharpness"
    require_rng(rng, where)
    require_bool(return_direction, "return_direction", where)
    params = model.parameters()
    if start is None:
        v0 = rng.standard_normal(sum(p.size for p, _ in params))
    else:
        v0 = flatten(check_directions(params, start, where, name="start"))
        require_finite(v0, "start", where)
        if not np.any(v0):
            raise ValueError(f"{where}: start must not be all zeros (it has no direction to iterate on)")

    def matvec(u):
        return flatten(hessian_vector_product(model, loss, X, y, unflatten(u, params)))

    lam, v, k = power_iteration(matvec, v0, iters, tol)
    return (lam, k, unflatten(v, params)) if return_direction else (lam, k)
