"""The mathematics behind the explorers, in numpy alone.

Gradient descent on a quadratic and its stability limit 2/λ_max, full-batch descent of a
small network, and the per-layer gradient norms of a deep network with their expected
trend and a guaranteed bound; a network's largest Hessian eigenvalue by power iteration;
mini-batch steps that record each layer's gradient norm and relative update size. The
explorers in ``nnlib.widgets`` draw these numbers; the notebooks and the exercises' checks
call them directly, without matplotlib or ipywidgets.
"""

import math

import numpy as np

from ._validate import (
    as_float_array,
    describe,
    require_bool,
    require_callable,
    require_finite,
    require_int,
    require_number,
    require_parameters,
    require_positive,
    require_rng,
    require_size,
)
from .activations import ACTIVATIONS
from .losses import mse_loss
from .models import Activation, Dense, Sequential, mlp
from .optim import Momentum, check_lr, momentum_update_matrix, sgd_step
from .train import _resolve_loss, check_data, checked_loss

# Gradient descent stops once the loss has grown by this factor: the run has clearly
# diverged, and stopping here keeps every number finite (no overflow warnings).
BLOWUP = 1e8


# --------------------------------------------------------------------------- learning rate


def check_hessian(hessian, where="quadratic_descent"):
    """Return H as a float (d, d) array after checking it is symmetric positive definite.

    A number or a bool is refused, not taken as a 1x1 matrix: write [[2.5]] for one dimension."""
    if isinstance(hessian, (bool, np.bool_)) or getattr(hessian, "dtype", None) == np.bool_:
        raise TypeError(f"{where}: hessian must be a square (d, d) matrix of numbers, got {describe(hessian)}")
    H = as_float_array(hessian, "hessian", where).astype(np.float64)  # the eigenvalues in float64
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.size == 0:
        raise ValueError(f"{where}: hessian must be a square (d, d) matrix with d >= 1 (for one dimension "
                         f"[[h]]), got {describe(hessian) if H.ndim < 2 else f'shape {H.shape}'}")
    if not np.all(np.isfinite(H)) or not np.allclose(H, H.T):
        raise ValueError(f"{where}: hessian must be a finite symmetric matrix, got\n{H}")
    eigenvalues = np.linalg.eigvalsh(H)
    if eigenvalues[0] <= 0:
        raise ValueError(
            f"{where}: hessian must be positive definite (all eigenvalues > 0) so the quadratic "
            f"has a minimum, got eigenvalues {eigenvalues}"
        )
    return H



def _check_start(hessian, w0, where):
    """(H, w): the checked Hessian (d, d) and a float copy of the start w0 (d,), finite."""
    H = check_hessian(hessian, where)
    w = as_float_array(w0, "w0", where).astype(float).reshape(-1)  # a copy: w0 is left as it was
    if w.shape != (H.shape[0],):
        raise ValueError(f"{where}: w0 must have shape ({H.shape[0]},), got {np.shape(w0)}")
    require_finite(w, "w0", where)
    return H, w

def stability_limit(hessian):
    """The largest stable learning rate of gradient descent on ½ wᵀHw: 2 / λ_max(H)."""
    H = check_hessian(hessian, "stability_limit")
    lam = float(np.linalg.eigvalsh(H)[-1])
    if 2.0 / lam == np.inf:  # lam below about 1e-308: 2 / lam is beyond the largest float
        raise OverflowError(f"stability_limit: λ_max = {lam!r} is so small that 2/λ_max is too large for a float")
    return 2.0 / lam


# |factor − 1| below this counts as exactly on the stability limit (rounding of ηλ).
ON_THE_LIMIT = 1e-9


def shrink_factor(hessian, lr):
    """The largest factor a step multiplies a coordinate by: max_i |1 − η λ_i(H)|."""
    H = check_hessian(hessian, "shrink_factor")
    lr = check_lr(lr, "shrink_factor")
    return float(np.max(np.abs(1.0 - lr * np.linalg.eigvalsh(H))))


def descent_verdict(factor):
    """What gradient descent on a quadratic does, from its shrink factor max_i |1 − ηλ_i|.

    'converges' (factor < 1: every coordinate shrinks), 'diverges' (factor > 1: the
    steepest one grows), or 'on the limit' (factor = 1 up to ON_THE_LIMIT: η = 2/λ_max,
    the steepest coordinate flips sign and keeps its size).
    """
    factor = require_number(factor, "factor", "descent_verdict", low=0.0)
    if abs(factor - 1.0) <= ON_THE_LIMIT:
        return "on the limit"
    return "converges" if factor < 1.0 else "diverges"


def quadratic_descent(hessian, w0, lr, steps):
    """Gradient descent on the quadratic loss L(w) = ½ wᵀ H w (gradient H w).

    hessian: (d, d) symmetric positive definite; w0: (d,) start; lr: η > 0; steps >= 0.
    Returns (weights, losses, diverged): weights (k+1, d) and losses (k+1,) with the
    start first, k <= steps. Each step is w <- w - η H w = (I - η H) w.

    diverged is True when the last loss is larger than the first. A run that grows by
    BLOWUP stops early (k < steps) so that no number overflows.
    """
    where = "quadratic_descent"
    H, w = _check_start(hessian, w0, where)
    lr = check_lr(lr, where)
    steps = require_int(steps, "steps", where, 0, 10**6)
    weights = [w.copy()]
    with np.errstate(over="ignore"):
        losses = [0.5 * float(w @ H @ w)]
    if not math.isfinite(losses[0]):
        raise ValueError(f"{where}: w0 is too large: its loss ½ w0ᵀ H w0 is beyond the largest float; "
                         f"expected a start whose loss is finite, got w0 = {w.tolist()}")
    for _ in range(steps):
        w = w - lr * (H @ w)
        weights.append(w.copy())
        losses.append(0.5 * float(w @ H @ w))
        if losses[-1] > BLOWUP * max(losses[0], 1e-300):
            break
    losses = np.array(losses)
    return np.array(weights), losses, bool(losses[-1] > losses[0])


def network_descent(model, X, y, lr, steps):
    """Full-batch gradient descent of an nnlib model on the MSE loss, in place.

    X: (n, n_in), y: (n, n_out). Takes ``steps`` steps of sgd_step with learning rate lr.
    Returns (losses, diverged): losses (k+1,) measured before each step and after the
    last (k <= steps). Stops early, with diverged True, once the loss is not finite or
    has grown by BLOWUP; diverged is also True when the last loss exceeds the first.
    X and y must be finite: a NaN in the data is reported as such, not as divergence.
    """
    where = "network_descent"
    X, y = check_model_data(model, X, y, where)
    lr = check_lr(lr, where)
    steps = require_int(steps, "steps", where, 0, 10**6)
    require_parameters(model.parameters(), where)
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is stopped below
        for step in range(steps + 1):
            loss, dy_hat = mse_loss(model.forward(X), y)
            losses.append(loss)
            if not math.isfinite(loss) or loss > BLOWUP * max(losses[0], 1e-300):
                return np.array(losses[:-1] if not math.isfinite(loss) else losses), True
            if step == steps:
                break
            model.backward(dy_hat, input_grad=False)  # the data needs no gradient
            sgd_step(model.parameters(), lr)
    return np.array(losses), bool(losses[-1] > losses[0])


# A run of gradient descent on a network is called converging only once it is this many steps
# long. A few steps prove nothing: on the learning-rate explorer's network at η = 10 the first
# step lowers the loss from 0.53 to 0.09, and three more take it past 10⁹.
VERDICT_STEPS = 100


def run_verdict(losses, diverged):
    """What a run of gradient descent did, from its losses: one rule for every network run.

    losses: (k+1,) the loss before each step and after the last, as network_descent returns
    them with ``diverged``. Returns 'diverges' (the loss blew up or ended above its start),
    'converges' (at least VERDICT_STEPS steps, and the loss ended below its start), or
    'too few steps to tell' (a shorter run that has not diverged: a learning rate too large
    for the network can lower the loss for a step or two before it blows up).
    """
    where = "run_verdict"
    losses = as_float_array(losses, "losses", where)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"{where}: losses must be 1-D with the loss before each step, got shape {losses.shape}")
    require_bool(diverged, "diverged", where)
    if diverged or not np.isfinite(losses[-1]) or losses[-1] > losses[0]:
        return "diverges"
    return "converges" if losses.size - 1 >= VERDICT_STEPS else "too few steps to tell"


def rotated_hessian(eigenvalues, angle_degrees=30.0):
    """A 2x2 Hessian with the given eigenvalues whose axes are turned by angle_degrees."""
    lam = as_float_array(eigenvalues, "eigenvalues", "rotated_hessian")
    if lam.shape != (2,):
        raise ValueError(f"rotated_hessian: expected two eigenvalues, got {eigenvalues!r}")
    require_finite(lam, "eigenvalues", "rotated_hessian")
    angle_degrees = require_number(angle_degrees, "angle_degrees", "rotated_hessian")
    t = np.deg2rad(angle_degrees)
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return R @ np.diag(lam) @ R.T


# --------------------------------------------------------------------------- momentum on a quadratic


def momentum_radius(hessian, lr, beta):
    """The factor per step by which heavy-ball momentum on ½ wᵀHw shrinks (or grows) in the long run.

    Along each eigenvector of H (eigenvalue λ_i) the pair (w_i, v_i) is multiplied by the 2x2
    matrix M(η, λ_i, β) of nnlib.momentum_update_matrix; the largest |eigenvalue| over all
    those matrices (the spectral radius) is the rate. Below 1 the run converges; it is 1 on
    the limit η = 2(1 + β)/λ_max. hessian (d, d) symmetric positive definite; lr: η > 0;
    beta: β in [0, 1). Returns a float.
    """
    where = "momentum_radius"
    H = check_hessian(hessian, where)
    lr = check_lr(lr, where)
    beta = require_number(beta, "beta", where, low=0, high=1, high_open=True)
    lams = np.linalg.eigvalsh(H)
    if not math.isfinite(lr * float(lams[-1])):
        raise OverflowError(f"{where}: lr * λ_max = {lr:g} * {lams[-1]:g} is too large for a float; expected a "
                            f"learning rate near the stability limit 2(1 + β)/λ_max = {2 * (1 + beta) / lams[-1]:g}")
    return max(float(np.max(np.abs(np.linalg.eigvals(momentum_update_matrix(lr, lam, beta)))))
               for lam in lams)


def momentum_descent(hessian, w0, lr, beta, steps):
    """Heavy-ball momentum (nnlib.Momentum) on the quadratic L(w) = ½ wᵀ H w, from w0 at rest.

    hessian: (d, d) symmetric positive definite; w0: (d,) start; lr: η > 0; beta: β in [0, 1);
    steps >= 0. Each step is v ← βv + Hw, w ← w − ηv with v = 0 at first.
    Returns (weights, losses, diverged) as quadratic_descent does: weights (k+1, d) and
    losses (k+1,) with the start first, k <= steps; diverged is True when the last loss is
    larger than the first; a run that grows by BLOWUP stops early so that nothing overflows.
    beta = 0 is quadratic_descent.
    """
    where = "momentum_descent"
    H, w = _check_start(hessian, w0, where)
    lr = check_lr(lr, where)
    beta = require_number(beta, "beta", where, low=0, high=1, high_open=True)
    steps = require_int(steps, "steps", where, 0, 10**6)
    with np.errstate(over="ignore"):
        first = 0.5 * float(w @ H @ w)
    if not math.isfinite(first):
        raise ValueError(f"{where}: w0 is too large: its loss ½ w0ᵀ H w0 is beyond the largest float; "
                         f"expected a start whose loss is finite, got w0 = {w.tolist()}")
    grad = np.zeros_like(w)
    optimiser = Momentum([(w, grad)], lr=lr, beta=beta)  # the library's own update rule
    weights, losses = [w.copy()], [first]
    for _ in range(steps):
        grad[...] = H @ w  # ∂(½ wᵀHw)/∂w
        optimiser.step()
        weights.append(w.copy())
        losses.append(0.5 * float(w @ H @ w))
        if losses[-1] > BLOWUP * max(losses[0], 1e-300):
            break
    losses = np.array(losses)
    return np.array(weights), losses, bool(losses[-1] > losses[0])


# --------------------------------------------------------------------------- gradient flow

# The largest value f'(z) reaches: sigmoid' peaks at 1/4 (z = 0); tanh' at 1; relu' is 0 or 1.
MAX_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "identity": 1.0}


def check_model_data(model, X, y, where):
    """model a Sequential with parameters; X, y finite data with one row each per example.
    Returns X, y as arrays."""
    if not isinstance(model, Sequential):
        raise TypeError(f"{where}: model must be a Sequential such as mlp builds, got {describe(model)}")
    if not model.parameters():
        raise ValueError(f"{where}: the model has no parameters to differentiate or train, got {model!r}; "
                         f"expected a network with at least one Dense layer, such as mlp builds")
    X, y = check_data(X, y, where, need="expected finite numbers")
    model.check_layers(X, where, "X")
    return X, y


def _check_mlp(model, where):
    """The Dense layers, the Activation layers and the one activation name of an mlp."""
    if not isinstance(model, Sequential):
        raise TypeError(f"{where}: model must be a Sequential such as mlp builds, got {describe(model)}")
    dense = model.dense_layers()
    acts = [layer for layer in model.layers if isinstance(layer, Activation)]
    if len(acts) != len(dense) - 1 or len(model.layers) != len(dense) + len(acts):
        raise ValueError(f"{where}: expected Dense and Activation layers alternating, as mlp builds them")
    names = {a.name for a in acts}
    if len(names) > 1:
        raise ValueError(f"{where}: expected one activation throughout, got {sorted(names)}")
    return dense, acts, names.pop() if names else "identity"


def backward_factors(model):
    """The expected factor ρ_l = σ_W √n_in · rms f'(z_l) of each step back, from the last forward pass.

    One step back from layer l+1 to layer l is δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ f'(z_l). With
    independent weights of standard deviation σ_W, each of the n_in entries of δ_{l+1} W_{l+1}ᵀ
    has variance σ_W² Σ_j δ_{l+1,j}², so E‖δ_l‖² ≈ n_in σ_W² E[f'(z_l)²] ‖δ_{l+1}‖².
    σ_W is the actual spread of W_{l+1}, rms f'(z_l) is measured on the batch the model saw
    last. Returns (depth - 1,) for the steps from layer 2 back to 1, …, D back to D - 1.
    """
    dense, acts, name = _check_mlp(model, "backward_factors")
    if any(a.last_input is None for a in acts):
        raise ValueError("backward_factors: the factors are measured on the last batch the model saw; "
                         "run model.forward(X) first")
    f_prime = ACTIVATIONS[name][1]
    rms_fp = np.array([np.sqrt(np.mean(f_prime(a.last_input) ** 2)) for a in acts])
    sigma_w = np.array([np.std(d.W) for d in dense[1:]])
    n_in = np.array([d.W.shape[0] for d in dense[1:]])
    return np.asarray(sigma_w * np.sqrt(n_in) * rms_fp, dtype=float)


def _backward_keeping_deltas(model, dout):
    """model's backward pass from dout (no gradient for the data), layer by layer, keeping what each
    Dense layer receives: [δ_l = dL/dz_l] in the order of model.dense_layers(). A Dense layer inside a
    block (a Residual) is not reached by this loop over the top-level layers: its entry is None."""
    dense = model.dense_layers()
    deltas = [None] * len(dense)
    grad = dout
    for i in range(len(model.layers) - 1, -1, -1):
        layer = model.layers[i]
        if isinstance(layer, Dense):
            deltas[next(k for k, d in enumerate(dense) if d is layer)] = grad
        if i > 0:
            grad = layer.backward(grad)
        elif type(layer) is Dense:
            layer.backward(grad, input_grad=False)  # the data needs no gradient
        else:
            layer.backward(grad)
    return deltas


def _trend_from_last(last, factor):
    """The expected trend of ‖δ_l‖ = ‖dL/dz_l‖ for each Dense layer, input side first: (depth,).

    last: the measured ‖δ_D‖ of the last layer (inf or nan pass through, as gradient_flow's
    overflowing norms do); factor: (depth - 1,) the ρ of backward_factors. Multiplied back from the
    last layer, ‖δ_l‖ ≈ ‖δ_D‖ ρ_l ρ_{l+1} ⋯ ρ_{D-1}; the last entry is ‖δ_D‖ itself.
    """
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        return float(last) * np.append(np.cumprod(np.asarray(factor, dtype=float)[::-1])[::-1], 1.0)


def gradient_flow(model, X, y, bound=True):
    """One forward and backward pass of ``model`` on the MSE loss, measured layer by layer.

    model: a Sequential of Dense and Activation layers as mlp builds it; X: (batch, n_in);
    y: (batch, n_out). Returns a dict of arrays, one entry per Dense layer, input side first
    (``depth`` = number of Dense layers):

    - grad_norms (depth,): Frobenius norm of dL/dW_l of each layer.
    - delta_norms (depth,): Frobenius norm of δ_l = dL/dz_l, the signal the backward pass
      carries into layer l (dL/dW_l = a_{l-1}ᵀ δ_l).
    - trend (depth,): the expected trend of delta_norms from the variance argument: the
      measured δ of the last layer times the factors ρ of backward_factors, multiplied
      back layer by layer. It predicts δ; ‖dW_l‖ = ‖a_{l-1}ᵀ δ_l‖ also depends on how the
      batch's examples line up in layer l - 1, which the argument does not model.
    - factor (depth - 1,): those ρ, for each step back from layer l+1 to layer l.
    - bound (depth,): a guaranteed upper bound on grad_norms (all nan when bound=False,
      which saves an SVD per layer), from ‖δ_{l-1}‖ ≤ ‖W_l‖₂ · max f' · ‖δ_l‖ and
      ‖dW_l‖ = ‖a_{l-1}ᵀ δ_l‖ ≤ ‖a_{l-1}‖₂ ‖δ_l‖, starting from the measured δ of the output.
    - activation_stats: dict of arrays (depth - 1,), one entry per hidden layer: mean and
      std of a, rms of f'(z), and saturated (fraction of units with f'(z) < 0.01 max f';
      for relu these are the inactive units).
    Values that overflow become inf (no warnings).
    """
    where = "gradient_flow"
    dense, acts, name = _check_mlp(model, where)
    X, y = check_model_data(model, X, y, where)
    require_bool(bound, "bound", where)
    f_prime = ACTIVATIONS[name][1]
    depth = len(dense)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = model.forward(X)
        _, dout = mse_loss(out, y)
        deltas = _backward_keeping_deltas(model, dout)
        grad_norms = np.array([np.linalg.norm(d.dW) for d in dense])
        delta_norms = np.array([np.linalg.norm(d) for d in deltas])
        factor = backward_factors(model)
        trend = _trend_from_last(delta_norms[-1], factor)
        upper = np.full(depth, np.nan)
        delta = np.linalg.norm(dout)
        for l in range(depth - 1, -1, -1) if bound else ():
            a_prev = dense[l].last_input
            a_norm = np.linalg.norm(np.asarray(a_prev, float), 2) if np.all(np.isfinite(a_prev)) else np.inf
            upper[l] = a_norm * delta
            W = dense[l].W
            delta = delta * (np.linalg.norm(W, 2) if np.all(np.isfinite(W)) else np.inf) * MAX_DERIVATIVE[name]
        fp = [f_prime(a.last_input) for a in acts]
        stats = {
            "mean": np.array([float(np.mean(a.last_output)) for a in acts]),
            "std": np.array([float(np.std(a.last_output)) for a in acts]),
            "rms_fprime": np.array([np.sqrt(np.mean(v * v)) for v in fp]),
            "saturated": np.array([float(np.mean(v < 0.01 * MAX_DERIVATIVE[name])) for v in fp]),
        }
    return {"grad_norms": grad_norms, "delta_norms": delta_norms, "bound": upper, "trend": trend,
            "factor": factor, "activation_stats": stats, "activation": name}


def build_deep_mlp(depth, activation, init, scale, *, width, n_out, rng):
    """mlp([width] * depth + [n_out]): ``depth`` Dense layers, depth - 1 hidden layers of ``width``.

    The weight std of each layer is init_std(n_in, n_out, init) * scale.
    """
    where = "build_deep_mlp"
    depth = require_int(depth, "depth", where, 1, 10_000)
    width = require_size(width, "width", where)
    n_out = require_size(n_out, "n_out", where)
    return mlp([width] * depth + [n_out], activation=activation, init=init, rng=rng, scale=scale)


# A first/last ratio beyond this factor either way is called vanishing or exploding.
FLOW_RATIO = 10.0


def flow_verdict(grad_norms):
    """'vanishing', 'exploding' or 'balanced' for per-layer gradient norms (input side first).

    One rule, on the ratio r = ‖dW_first‖ / ‖dW_last‖: vanishing when r < 1/FLOW_RATIO,
    exploding when r > FLOW_RATIO (or a norm is not finite), balanced in between. It
    judges how the gradient changes from the last layer to the first, not its overall
    size: with ReLU, zero biases and targets 0 a weight scale s multiplies every layer's
    gradient by the same power of s and leaves r unchanged (with other targets the output
    gradient changes direction too, and r changes a little).
    """
    norms = as_float_array(grad_norms, "grad_norms", "flow_verdict")
    if norms.ndim != 1 or norms.size == 0:
        raise ValueError(f"flow_verdict: grad_norms must be 1-D with one norm per layer, got shape {norms.shape}")
    if np.any(norms < 0):
        raise ValueError(f"flow_verdict: grad_norms must be norms, >= 0, got {norms.min()} among them")
    if not np.all(np.isfinite(norms)):
        return "exploding"
    if norms[-1] == 0:  # no gradient reaches the last layer: judge by the first alone
        return "vanishing" if norms[0] == 0 else "exploding"
    ratio = norms[0] / norms[-1]
    if ratio > FLOW_RATIO:
        return "exploding"
    if ratio < 1.0 / FLOW_RATIO:
        return "vanishing"
    return "balanced"


# --------------------------------------------------------------------------- a network's curvature


def flat_gradient(model, X, y, loss=mse_loss):
    """The model's parameters as one vector w0, and grad(w) -> dL/dw at w, flattened alike.

    grad(w) loads w into the model's parameters (in place) and runs forward and backward on
    (X, y) with ``loss``; call restore() to put w0 back. Returns (w0, grad, restore).
    """
    X, y = check_model_data(model, X, y, "flat_gradient")
    loss = _resolve_loss(loss, "flat_gradient")
    params = [p for p, _ in require_parameters(model.parameters(), "flat_gradient")]
    w0 = np.concatenate([p.ravel() for p in params])

    def load(w):
        if w.shape != w0.shape:
            raise ValueError(f"flat_gradient's grad: w must have shape {w0.shape}, one entry per parameter, "
                             f"got shape {w.shape}")
        start = 0
        for p in params:
            p[...] = w[start:start + p.size].reshape(p.shape)
            start += p.size

    def grad(w):
        load(as_float_array(w, "w", "flat_gradient's grad"))
        _, dout = loss(model.forward(X), y)
        model.backward(dout, input_grad=False)
        return np.concatenate([g.ravel() for _, g in model.parameters()])

    return w0.copy(), grad, lambda: load(w0)


def hessian_vector_product(grad, w, v, h=1e-5):
    """H v at w without forming H: central differences of the gradient along v.

    grad: w -> dL/dw (flat); w, v: (P,) arrays. H v = (∇L(w + h v) − ∇L(w − h v)) / 2h + O(h²),
    the directional derivative of the gradient; v is scaled to unit length first so h is
    the step length, then the result is scaled back.
    """
    where = "hessian_vector_product"
    require_callable(grad, "grad", where, "a function w -> dL/dw")
    w = as_float_array(w, "w", where)
    v = as_float_array(v, "v", where)
    if w.ndim != 1 or v.shape != w.shape:
        raise ValueError(f"{where}: w and v must be 1-D of one shape (P,), got shapes {w.shape} and {v.shape}")
    require_finite(w, "w", where)
    require_finite(v, "v", where)
    h = require_positive(h, "h", where)
    u, size = _unit(v)
    if size == 0:
        return np.zeros_like(v)
    with np.errstate(over="ignore", invalid="ignore"):  # said below, in words
        ahead, behind = w + h * u, w - h * u
        if not (np.all(np.isfinite(ahead)) and np.all(np.isfinite(behind))):
            raise ValueError(f"{where}: h={h:g} is too large: w ± h·v/‖v‖ is beyond the largest float; "
                             f"expected a small step such as the default 1e-5")
        hv = (_call_vector(grad, ahead, "grad", where) - _call_vector(grad, behind, "grad", where)) / (2 * h) * size
    if not np.all(np.isfinite(hv)):
        raise OverflowError(f"{where}: the gradient at w ± h·v/‖v‖ (h={h:g}) is not finite, so H v is not either; "
                            f"a smaller h, or weights and data where the loss is finite, are needed")
    return hv


def _unit(v):
    """(v / ‖v‖, ‖v‖), with v scaled by its largest entry first, so that ‖v‖² cannot overflow."""
    m = float(np.max(np.abs(v)))
    if m == 0:
        return v.copy(), 0.0
    size = float(np.linalg.norm(v / m))
    return v / m / size, m * size


def _call_vector(f, v, name, where):
    """f(v), which must be a vector of v's shape."""
    out = f(v)
    if not isinstance(out, np.ndarray) or out.shape != v.shape or out.dtype.kind not in "fiu":
        raise ValueError(f"{where}: {name} must return an array of numbers of shape {v.shape}, like its "
                         f"argument, got {describe(out)}")
    return out


def power_iteration(matvec, v0, iters=200, tol=1e-7):
    """The eigenvalue of largest magnitude of a symmetric operator, and its eigenvector.

    matvec: v -> A v; v0: a start vector (P,), random so it is not orthogonal to the answer.
    Repeats v <- A v / ‖A v‖; the Rayleigh quotient vᵀ A v converges to λ with error
    shrinking like (λ₂/λ₁)^(2k). Stops when it changes by less than tol relative, or after
    iters. Returns (λ, v, iterations).
    """
    where = "power_iteration"
    require_callable(matvec, "matvec", where, "a function v -> A v")
    v = as_float_array(v0, "v0", where)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{where}: v0 must be a 1-D vector with at least one entry, got shape {v.shape}")
    require_finite(v, "v0", where)
    if not np.any(v):
        raise ValueError(f"{where}: v0 must not be all zeros (it has no direction to iterate on)")
    iters = require_int(iters, "iters", where, 1)
    tol = require_positive(tol, "tol", where)
    v, _ = _unit(v)  # a new array: v0 is left as it was
    lam = np.nan
    for k in range(1, iters + 1):
        Av = _call_vector(matvec, v, "matvec", where)
        new = float(v @ Av)  # Rayleigh quotient: λ for an eigenvector
        size = np.linalg.norm(Av)
        if size == 0:
            return 0.0, v, k
        v = Av / size
        if abs(new - lam) <= tol * abs(new):
            return new, v, k
        lam = new
    return lam, v, iters


def network_lambda_max(model, X, y, rng, loss=mse_loss, iters=200, tol=1e-7):
    """λ_max of the Hessian of the model's loss on (X, y) at its current weights.

    Power iteration on Hessian-vector products from finite differences of backprop's
    gradient; the model's weights are left as they were. Near a minimum the Hessian is
    positive semi-definite, so the eigenvalue of largest magnitude is λ_max, and
    2 / λ_max is the learning rate beyond which gradient descent leaves that minimum.
    Returns (λ_max, iterations).
    """
    where = "network_lambda_max"
    X, y = check_model_data(model, X, y, where)
    require_rng(rng, where)
    loss = _resolve_loss(loss, where)
    iters = require_int(iters, "iters", where, 1)
    tol = require_positive(tol, "tol", where)
    w0, grad, restore = flat_gradient(model, X, y, loss)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # said below, in words
            value, g0 = loss(model.forward(X), y)[0], grad(w0)
        if not (math.isfinite(value) and np.all(np.isfinite(g0))):
            # With the loss beyond the largest float, the gradient is so large that the small steps
            # of the finite differences vanish in its rounding: H v would come out as 0.
            raise OverflowError(f"{where}: the loss at the current weights is {value} (too large for a float, or "
                                f"its gradient is): look for huge targets or weights; λ_max cannot be measured there")
        lam, _, k = power_iteration(lambda v: hessian_vector_product(grad, w0, v),
                                    rng.standard_normal(w0.size), iters, tol)
    finally:
        restore()
    return lam, k


# --------------------------------------------------------------------------- learning you can watch


def relative_update_sizes(before, after):
    """‖W_after − W_before‖ / ‖W_before‖ for each pair of arrays (one per layer). Returns (k,).

    An array that was all zeros before has relative size inf if it moved, 0 if it did not.
    """
    where = "relative_update_sizes"
    before, after = _array_list(before, "before", where), _array_list(after, "after", where)
    if len(before) != len(after):
        raise ValueError(f"{where}: {len(before)} arrays before but {len(after)} after")
    sizes = []
    for i, (b, a) in enumerate(zip(before, after)):
        if a.shape != b.shape:
            raise ValueError(f"{where}: before[{i}] has shape {b.shape} but after[{i}] has shape {a.shape}")
        step, size = np.linalg.norm(a - b), np.linalg.norm(b)
        sizes.append(step / size if size > 0 else (np.inf if step > 0 else 0.0))
    return np.array(sizes, dtype=float)


def _array_list(arrays, name, where):
    if isinstance(arrays, (np.ndarray, str)) or not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{where}: {name} must be a list of arrays, one per layer, got {describe(arrays)}")
    return [as_float_array(a, f"{name}[{i}]", where) for i, a in enumerate(arrays)]


def sgd_steps(model, loss, X, y, batches, lr):
    """One gradient step of ``model`` per mini-batch, recording each layer as it learns.

    loss: a loss function (y_hat, y) -> (L, dy_hat), such as softmax_cross_entropy;
    batches: an iterable of row-index arrays into X (n, n_in) and y; lr: η.
    Returns a dict of arrays, one row per step, one column per Dense layer, input side first:
    loss (k,) on each batch before its step, grad_norms (k, depth) = ‖dL/dW_l‖, delta_norms
    (k, depth) = ‖δ_l‖ = ‖dL/dz_l‖, what the backward pass hands each Dense layer (nan for one
    inside a block such as a Residual), and update_sizes (k, depth) = ‖ΔW_l‖ / ‖W_l‖, how far the
    step moved each layer's weights relative to their size.
    """
    where = "sgd_steps"
    X, y = check_model_data(model, X, y, where)
    loss = checked_loss(require_callable(loss, "loss", where, "a loss function (y_hat, y) -> (L, dy_hat)"), where)
    lr = check_lr(lr, where)
    batches = _check_batches(batches, len(X), where)
    require_parameters(model.parameters(), where)
    dense = model.dense_layers()
    losses, norms, delta_norms, updates = [], [], [], []
    for rows in batches:
        value, dout = loss(model.forward(X[rows]), y[rows])
        deltas = _backward_keeping_deltas(model, dout)
        before = [d.W.copy() for d in dense]
        norms.append([np.linalg.norm(d.dW) for d in dense])
        delta_norms.append([np.nan if d is None else np.linalg.norm(d) for d in deltas])
        sgd_step(model.parameters(), lr)
        updates.append(relative_update_sizes(before, [d.W for d in dense]))
        losses.append(value)
    depth = len(dense)
    return {"loss": np.array(losses), "grad_norms": np.array(norms).reshape(-1, depth),
            "delta_norms": np.array(delta_norms).reshape(-1, depth),
            "update_sizes": np.array(updates).reshape(-1, depth)}


def _check_batches(batches, n, where):
    """Every batch of row indices checked before the first step; returns them as a list of arrays."""
    if isinstance(batches, (np.ndarray, str, bytes, dict, set)) or not hasattr(batches, "__iter__"):
        raise TypeError(f"{where}: batches must be a list (or iterable) of row-index arrays, got {describe(batches)}")
    checked = []
    for i, rows in enumerate(batches):
        rows = np.asarray(rows)
        if rows.dtype.kind not in "iu" or rows.ndim != 1 or rows.size == 0:
            raise TypeError(f"{where}: batches[{i}] must be a non-empty 1-D array of integer row indices, got "
                            f"{describe(rows)}")
        if rows.min() < 0 or rows.max() >= n:
            raise ValueError(f"{where}: batches[{i}] holds row {rows.max() if rows.max() >= n else rows.min()}, "
                             f"but X has rows 0..{n - 1}")
        checked.append(rows)
    if not checked:
        raise ValueError(f"{where}: batches must hold at least one array of row indices, got {describe(batches)}")
    return checked
