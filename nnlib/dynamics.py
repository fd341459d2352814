"""The mathematics behind the explorers, in numpy alone.

Gradient descent on a quadratic and its stability limit 2/λ_max, full-batch descent of a
small network, and the per-layer gradient norms of a deep network with their expected
trend and a guaranteed bound. The explorers in ``nnlib.widgets`` draw these numbers; the
notebooks and the exercises' checks call them directly, without matplotlib or ipywidgets.
"""

import math

import numpy as np

from ._validate import require_int as _require_int
from ._validate import require_number as _require_number
from .activations import ACTIVATIONS
from .losses import mse_loss
from .models import Activation, Sequential, mlp
from .optim import sgd_step

# Gradient descent stops once the loss has grown by this factor: the run has clearly
# diverged, and stopping here keeps every number finite (no overflow warnings).
BLOWUP = 1e8


# --------------------------------------------------------------------------- learning rate


def check_hessian(hessian, where="quadratic_descent"):
    """Return H as a float (d, d) array after checking it is symmetric positive definite."""
    H = np.atleast_2d(np.asarray(hessian, dtype=float))
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"{where}: hessian must be a square (d, d) matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)) or not np.allclose(H, H.T):
        raise ValueError(f"{where}: hessian must be a finite symmetric matrix, got\n{H}")
    eigenvalues = np.linalg.eigvalsh(H)
    if eigenvalues[0] <= 0:
        raise ValueError(
            f"{where}: hessian must be positive definite (all eigenvalues > 0) so the quadratic "
            f"has a minimum, got eigenvalues {eigenvalues}"
        )
    return H


def stability_limit(hessian):
    """The largest stable learning rate of gradient descent on ½ wᵀHw: 2 / λ_max(H)."""
    H = check_hessian(hessian, "stability_limit")
    return 2.0 / float(np.linalg.eigvalsh(H)[-1])


def quadratic_descent(hessian, w0, lr, steps):
    """Gradient descent on the quadratic loss L(w) = ½ wᵀ H w (gradient H w).

    hessian: (d, d) symmetric positive definite; w0: (d,) start; lr: η > 0; steps >= 0.
    Returns (weights, losses, diverged): weights (k+1, d) and losses (k+1,) with the
    start first, k <= steps. Each step is w <- w - η H w = (I - η H) w.

    diverged is True when the last loss is larger than the first. A run that grows by
    BLOWUP stops early (k < steps) so that no number overflows.
    """
    H = check_hessian(hessian)
    w = np.asarray(w0, dtype=float).reshape(-1)
    if w.shape != (H.shape[0],):
        raise ValueError(f"quadratic_descent: w0 must have shape ({H.shape[0]},), got {np.shape(w0)}")
    lr = _require_number(lr, "lr", "quadratic_descent", 0.0)
    steps = _require_int(steps, "steps", "quadratic_descent", 0, 10**6)
    weights = [w.copy()]
    losses = [0.5 * float(w @ H @ w)]
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
    """
    lr = _require_number(lr, "lr", "network_descent", 0.0)
    steps = _require_int(steps, "steps", "network_descent", 0, 10**6)
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


def rotated_hessian(eigenvalues, angle_degrees=30.0):
    """A 2x2 Hessian with the given eigenvalues whose axes are turned by angle_degrees."""
    lam = np.asarray(eigenvalues, dtype=float)
    if lam.shape != (2,):
        raise ValueError(f"rotated_hessian: expected two eigenvalues, got {eigenvalues!r}")
    t = np.deg2rad(angle_degrees)
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return R @ np.diag(lam) @ R.T


# --------------------------------------------------------------------------- gradient flow

# The largest value f'(z) reaches: sigmoid' peaks at 1/4 (z = 0); tanh' at 1; relu' is 0 or 1.
MAX_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "identity": 1.0}


def gradient_flow(model, X, y, bound=True):
    """One forward and backward pass of ``model`` on the MSE loss, measured layer by layer.

    model: a Sequential of Dense and Activation layers as mlp builds it; X: (batch, n_in);
    y: (batch, n_out). Returns a dict of arrays, one entry per Dense layer, input side first
    (``depth`` = number of Dense layers):

    - grad_norms (depth,): Frobenius norm of dL/dW of each layer.
    - bound (depth,): a guaranteed upper bound (all nan when bound=False, which saves an SVD
      per layer), from the backward step
      δ_{l-1} = (δ_l W_lᵀ) ⊙ f'(z_{l-1}):  ‖δ_{l-1}‖ ≤ ‖W_l‖₂ · max f' · ‖δ_l‖, and
      ‖dW_l‖ = ‖a_{l-1}ᵀ δ_l‖ ≤ ‖a_{l-1}‖₂ ‖δ_l‖, starting from the measured δ of the output.
    - trend (depth,): the expected trend from the variance argument, anchored at the last
      layer: each step back multiplies the norm by about ρ = σ_W √n · rms f'(z), with σ_W
      the standard deviation of the layer's weights and rms f'(z) measured on this batch,
      times the ratio of the layers' input norms ‖a_{l-1}‖ / ‖a_{depth-1}‖ (dW_l = a_{l-1}ᵀ δ_l).
    - factor (depth - 1,): that ρ for each step back from layer l+1 to layer l.
    - activation_stats: dict of arrays (depth - 1,), one entry per hidden layer: mean and
      std of a, rms of f'(z), and saturated (fraction of units with f'(z) < 0.01 max f';
      for relu these are the inactive units).
    Values that overflow become inf (no warnings).
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"gradient_flow: model must be a Sequential such as mlp builds, got {type(model).__name__}")
    dense = model.dense_layers()
    acts = [layer for layer in model.layers if isinstance(layer, Activation)]
    if len(acts) != len(dense) - 1 or len(model.layers) != len(dense) + len(acts):
        raise ValueError("gradient_flow: expected Dense and Activation layers alternating, as mlp builds them")
    names = {a.name for a in acts}
    if len(names) > 1:
        raise ValueError(f"gradient_flow: expected one activation throughout, got {sorted(names)}")
    name = names.pop() if names else "identity"
    f_prime = ACTIVATIONS[name][1]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = model.forward(X)
        _, dout = mse_loss(out, y)
        model.backward(dout, input_grad=False)
        grad_norms = np.array([np.linalg.norm(d.dW) for d in dense])
        inputs = [d.last_input for d in dense]  # a_{l-1}: what each Dense layer saw
        zs = [a.last_input for a in acts]  # z_l fed to each activation
        fp = [f_prime(z) for z in zs]
        rms_fp = np.array([np.sqrt(np.mean(v * v)) for v in fp])
        stds = np.array([np.std(d.W) for d in dense])  # the actual weights' spread
        n_back = np.array([d.W.shape[0] for d in dense[1:]])  # width of the layer we step back into
        factor = np.asarray(stds[1:] * np.sqrt(n_back) * rms_fp, dtype=float)
        depth = len(dense)
        a_norms = np.array([np.linalg.norm(a) for a in inputs])
        # dW_l = a_{l-1}ᵀ δ_l: the backward factors, times how the layer's input norm differs
        trend = grad_norms[-1] * np.array([np.prod(factor[l:]) for l in range(depth)]) * a_norms / a_norms[-1]
        upper = np.full(depth, np.nan)
        delta = np.linalg.norm(dout)
        for l in range(depth - 1, -1, -1) if bound else ():
            a_prev = inputs[l]
            a_norm = np.linalg.norm(a_prev, 2) if np.all(np.isfinite(a_prev)) else np.inf
            upper[l] = a_norm * delta
            W = dense[l].W
            delta = delta * (np.linalg.norm(W, 2) if np.all(np.isfinite(W)) else np.inf) * MAX_DERIVATIVE[name]
        stats = {
            "mean": np.array([float(np.mean(a.last_output)) for a in acts]),
            "std": np.array([float(np.std(a.last_output)) for a in acts]),
            "rms_fprime": rms_fp,
            "saturated": np.array([float(np.mean(v < 0.01 * MAX_DERIVATIVE[name])) for v in fp]),
        }
    return {"grad_norms": grad_norms, "bound": upper, "trend": trend, "factor": factor,
            "activation_stats": stats, "activation": name}


def build_deep_mlp(depth, activation, init, scale, *, width, n_out, rng):
    """mlp([width] * depth + [n_out]): ``depth`` Dense layers, depth - 1 hidden layers of ``width``.

    The weight std of each layer is init_std(n_in, n_out, init) * scale.
    """
    return mlp([width] * depth + [n_out], activation=activation, init=init, rng=rng, scale=scale)


def flow_verdict(grad_norms):
    """'vanishing', 'exploding' or 'stable' for per-layer gradient norms (input side first).

    Vanishing: the first layer's norm is below a tenth of the last's, or every norm is
    below 1e-3. Exploding: the first is above ten times the last, or some norm is above
    1e3 (with ReLU and zero biases a weight scale s multiplies every layer's gradient by
    the same power of s, so the ratio alone cannot see it).
    """
    norms = np.asarray(grad_norms, dtype=float)
    if not np.all(np.isfinite(norms)):
        return "exploding"
    ratio = norms[0] / norms[-1] if norms[-1] > 0 else np.inf
    if ratio > 10 or norms.max() > 1e3:
        return "exploding"
    if ratio < 0.1 or norms.max() < 1e-3:
        return "vanishing"
    return "stable"
