"""The exact Hessian-vector product H v of a network's loss, by Pearlmutter's R-operator.

R{·} is the derivative of a quantity as the parameters move along v: R{q} = d/dr q(θ + r v)
at r = 0. Applied to backprop's gradient it gives R{∇L} = H v, exactly, for the price of
about two forward and two backward passes, without ever forming H (P × P for P parameters).

- Forward, R{·} of every value is a tangent: forward mode's tangents (a JVP, as network_jvp).
- At the loss, R{dL/dŷ} = (∂²L/∂ŷ²) ŷ̇: each loss's own second derivative applied to the
  output's tangent (loss_gradient_jvp).
- Backward, every line of backprop is differentiated by the product rule, e.g. for a dense
  layer dW = xᵀ δ gives R{dW} = R{x}ᵀ δ + xᵀ R{δ}, and for an activation δ_z = δ_a ⊙ f'(z)
  gives R{δ_z} = R{δ_a} ⊙ f'(z) + δ_a ⊙ f''(z) ż.
The R{dW}, R{db} this collects, in the order of model.parameters(), are H v.
"""

import numpy as np

from ._validate import (
    as_float_array,
    describe,
    require_bool,
    require_int,
    require_positive,
    require_rng,
    require_same_shape,
)
from .activations import get_activation, sigmoid
from .dynamics import power_iteration
from .forward_mode import _check_directions, _check_network, _ParameterTangents, _tangent_forward
from .losses import bce_loss, bce_with_logits, mse_loss, softmax, softmax_cross_entropy
from .train import _resolve_loss, check_data

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


def _second_order_loss(loss, where):
    """The loss function, one whose second derivative is known here, or this raises."""
    loss_fn = _resolve_loss(loss, where)
    if loss_fn not in LOSS_GRADIENT_JVPS:
        names = ", ".join(f.__name__ for f in LOSS_GRADIENT_JVPS)
        raise ValueError(f"{where}: no second derivative known for the loss "
                         f"{getattr(loss_fn, '__name__', loss_fn)!r}; supported losses are {names}")
    return loss_fn


def loss_gradient_jvp(loss, y_hat, y, y_hat_dot):
    """R{dL/dŷ}: the tangent of a loss's gradient when the prediction moves along ŷ̇.

    loss: mse_loss, softmax_cross_entropy, bce_with_logits or bce_loss (or its name);
    y_hat, y_hat_dot: the prediction's shape; y: the targets, as the loss takes them (the loss
    checks them). Returns an array of y_hat's shape.
    """
    where = "loss_gradient_jvp"
    loss_fn = _second_order_loss(loss, where)
    y_hat = as_float_array(y_hat, "y_hat", where)
    y_hat_dot = as_float_array(y_hat_dot, "y_hat_dot", where)
    require_same_shape(y_hat_dot, "y_hat_dot", y_hat, "y_hat", where)
    loss_fn(y_hat, y)  # the loss's own checks of y against y_hat
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


def _backward_jvp(record, delta, delta_dot, hv):
    """Backprop of δ = dL/d(out) through one recorded layer, with R{δ} alongside.

    record: from forward mode's _tangent_forward; hv collects R{dp} for every parameter p met.
    Returns (dL/dx, R{dL/dx}).
    """
    kind = record[0]
    if kind == "sequential":
        for inner in reversed(record[1]):
            delta, delta_dot = _backward_jvp(inner, delta, delta_dot, hv)
        return delta, delta_dot
    if kind == "dense":
        return _dense_backward_jvp(record, delta, delta_dot, hv)
    if kind == "activation":
        return _activation_backward_jvp(record, delta, delta_dot, hv)
    if kind == "residual":
        inner, inner_dot = _backward_jvp(record[1], delta, delta_dot, hv)
        return delta + inner, delta_dot + inner_dot  # sum rule: the identity path and the block's
    return delta, delta_dot  # the identity


class _Products:
    """R{dp} for each parameter as the backward pass meets it, and the direction v it is taken along."""

    def __init__(self, tangents):
        self.tangents = tangents
        self.products = {}


def _check_problem(model, loss, X, y, where):
    """The loss (one with a known second derivative), X and y as finite data, the model's
    parameters and X as a float array of the width the model takes."""
    loss_fn = _second_order_loss(loss, where)
    X, y = check_data(X, y, where, need="expected finite numbers")
    params, X = _check_network(model, X, where)
    return loss_fn, X, y, params


def _hvp(model, loss_fn, X, y, params, directions, where):
    """hessian_vector_product on checked arguments; directions shaped like params."""
    tangents = _ParameterTangents(params, directions)
    out, out_dot, record = _tangent_forward(model, X, np.zeros_like(X), tangents, where)
    _, delta = loss_fn(out, y)
    delta_dot = LOSS_GRADIENT_JVPS[loss_fn](out, np.asarray(y), out_dot)
    hv = _Products(tangents)
    _backward_jvp(record, delta, delta_dot, hv)
    return [hv.products.get(id(p), np.zeros_like(p)) for p, _ in params]


def hessian_vector_product(model, loss, X, y, v):
    """H v, exactly: the Hessian of the loss on (X, y) with respect to the parameters, times v.

    model: a Sequential of Dense, Activation (sigmoid, tanh, relu, identity), Residual and
    Dropout in evaluation mode; loss: mse_loss, softmax_cross_entropy, bce_with_logits or
    bce_loss (or its name); X (batch, n_in), y the targets, finite; v: a list of finite arrays
    shaped like model.parameters(), in their order. One forward pass with tangents, one
    backward pass with R{·} alongside; the model's weights, caches and gradients are not touched.
    Returns [array, ...] shaped like the parameters: H v, split as v is.

    At a ReLU's kink f'' is taken as 0, as relu_prime(0) = 0 takes f' there.
    """
    where = "hessian_vector_product"
    loss_fn, X, y, params = _check_problem(model, loss, X, y, where)
    directions = _check_directions(params, v, where, finite=True)
    return _hvp(model, loss_fn, X, y, params, directions, where)


# --------------------------------------------------------------------------- built on H v


def _array_list(arrays, name, where):
    """arrays as a list of float arrays, or this raises (a (param, grad) pair is not one array)."""
    if arrays is None or isinstance(arrays, (str, bytes, dict, np.ndarray)) or not hasattr(arrays, "__iter__"):
        raise TypeError(f"{where}: {name} must be a list of arrays, such as [p for p, _ in model.parameters()], "
                        f"got {describe(arrays)}")
    out = []
    for i, a in enumerate(arrays):
        if isinstance(a, tuple) and len(a) == 2 and all(isinstance(b, np.ndarray) for b in a):
            raise TypeError(f"{where}: {name}[{i}] is a (param, grad) pair; pass the arrays themselves, such as "
                            f"[p for p, _ in model.parameters()]")
        out.append(as_float_array(a, f"{name}[{i}]", where))
    return out


def flatten(arrays):
    """One vector (P,) from a list of arrays, in order: [W0, b0, W1, ...] -> (P,)."""
    arrays = _array_list(arrays, "arrays", "flatten")
    return np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)


def _shapes(like, where):
    """The shapes of the arrays in like (of the parameters, for (param, grad) pairs)."""
    if like is None or isinstance(like, (str, bytes, dict, np.ndarray)) or not hasattr(like, "__iter__"):
        raise TypeError(f"{where}: like must be a list of arrays or of (param, grad) pairs, such as "
                        f"model.parameters(), got {describe(like)}")
    shapes = []
    for i, x in enumerate(like):
        x = x[0] if isinstance(x, tuple) and len(x) == 2 else x
        if not (isinstance(x, np.ndarray) and x.dtype.kind in "fiub"):
            raise TypeError(f"{where}: like[{i}] must be an array (or a (param, grad) pair), got {describe(x)}")
        shapes.append(x.shape)
    return shapes


def unflatten(vector, like):
    """The inverse of flatten: a list of arrays shaped like the arrays (or (param, grad) pairs) in like.

    vector: (P,), P the total size of like's arrays. The pieces are views of vector.
    """
    where = "unflatten"
    shapes = _shapes(like, where)
    return _unflatten(as_float_array(vector, "vector", where), shapes, where)


def _unflatten(vector, shapes, where):
    sizes = [int(np.prod(s)) for s in shapes]
    if vector.shape != (sum(sizes),):
        raise ValueError(f"{where}: vector has shape {vector.shape}; expected ({sum(sizes)},), the total size "
                         f"of the {len(shapes)} arrays")
    pieces = np.split(vector, np.cumsum(sizes)[:-1]) if sizes else []
    return [piece.reshape(shape) for piece, shape in zip(pieces, shapes)]


def hessian_matrix(model, loss, X, y):
    """The full Hessian (P, P) of the loss, one exact H e_j per column: for small networks only.

    Rows and columns follow flatten(model.parameters()). Returns a symmetric (P, P) array.
    """
    where = "hessian_matrix"
    loss_fn, X, y, params = _check_problem(model, loss, X, y, where)
    shapes = [p.shape for p, _ in params]
    columns = [np.concatenate([h.ravel() for h in _hvp(model, loss_fn, X, y, params,
                                                        _unflatten(e, shapes, where), where)])
               for e in np.eye(sum(p.size for p, _ in params))]
    return np.column_stack(columns) if columns else np.zeros((0, 0))


def sharpness(model, loss, X, y, rng, *, iters=200, tol=1e-7, start=None, return_direction=False):
    """λ_max, the Hessian's eigenvalue of largest magnitude, by power iteration on exact H v.

    rng draws the start vector, unless start gives one: a direction shaped like the parameters
    (a list of arrays in the order of model.parameters(), as hessian_vector_product's v).
    Tracking the sharpness during training, the direction found a few steps earlier is already
    close to the new one (a warm start), so a few iterations and a loose tol suffice.
    iters >= 1 and tol > 0 as power_iteration takes them. Near a minimum (H positive
    semi-definite) this is the sharpness: gradient descent with learning rate η is stable there
    only while λ_max < 2/η. Returns (λ_max, iterations), or with return_direction=True
    (λ_max, iterations, direction), direction the unit eigenvector found, shaped like the
    parameters (start is not changed).
    """
    where = "sharpness"
    loss_fn, X, y, params = _check_problem(model, loss, X, y, where)
    require_rng(rng, where)
    iters = require_int(iters, "iters", where, 1)
    tol = require_positive(tol, "tol", where)
    require_bool(return_direction, "return_direction", where)
    if not params:
        raise ValueError(f"{where}: model has no parameters, so its Hessian has no eigenvalues; got {model!r}")
    shapes = [p.shape for p, _ in params]
    if start is None:
        v0 = rng.standard_normal(sum(p.size for p, _ in params))
    else:
        v0 = np.concatenate([d.ravel() for d in _check_directions(params, start, where, finite=True, name="start")])
        if not np.any(v0):
            raise ValueError(f"{where}: start must not be all zeros (it has no direction to iterate on)")

    def matvec(u):
        hv = _hvp(model, loss_fn, X, y, params, _unflatten(u, shapes, where), where)
        return np.concatenate([h.ravel() for h in hv])

    lam, v, k = power_iteration(matvec, v0, iters, tol)
    return (lam, k, _unflatten(v, shapes, where)) if return_direction else (lam, k)
