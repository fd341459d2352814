"""The learning-rate explorer: gradient descent on a quadratic and on a small network."""

import numpy as np

from .._validate import require_int as _require_int
from ..dynamics import (
    VERDICT_STEPS,
    check_hessian,
    descent_verdict,
    network_descent,
    quadratic_descent,
    rotated_hessian,
    run_verdict,
    shrink_factor,
)
from ..models import mlp
from ..palette import BLUE, GREEN, GUIDE, TEXT_ALERT, VERMILLION
from ._base import Explorer, finite_positive, fit_log_axis, freeze_labels, light_ticks, new_figure, reserve_tick_room
from ._controls import IntSlider, ValueSlider, round_numbers

LR_RANGE = (1e-4, 10.0)
NEAR_THE_LIMIT = (0.9, 0.95, 1.0, 1.05, 1.1)  # extra slider values, times 2/λ_max


def lr_values(lr_max):
    """The η slider's values: round numbers from 1e-4 to 10, and 0.9 … 1.1 × lr_max (3 digits)."""
    near = [float(f"{f * lr_max:.3g}") for f in NEAR_THE_LIMIT]
    return sorted(set(round_numbers(*LR_RANGE) + [v for v in near if LR_RANGE[0] <= v <= LR_RANGE[1]]))


def check_plane(hessian, w0, where):
    """(H, start) for an explorer that draws a 2-D quadratic: H (2, 2), by default the valley
    rotated_hessian((1, 10)), and the start w0 as two finite numbers."""
    H = check_hessian(rotated_hessian((1.0, 10.0)) if hessian is None else hessian, where)
    if H.shape != (2, 2):
        raise ValueError(f"{where}: the explorer draws a 2-D quadratic; hessian must be (2, 2), got {H.shape}")
    start = np.asarray(w0, dtype=float)
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(f"{where}: w0 must be two finite numbers, got {w0!r}")
    return H, start


def learning_rate_explorer(hessian=None, *, w0=(-1.6, 1.2), lr=0.15, steps=30, hidden=16, seed=0):
    """Gradient descent with a learning-rate slider, on a quadratic and on a small network.

    hessian: the (2, 2) symmetric positive definite H of L(w) = ½ wᵀ H w; by default
        eigenvalues 1 and 10 on axes turned by 30°, so λ_max = 10 and 2/λ_max = 0.2.
    w0: the starting point (2,); lr: the starting η, one of the slider's values (round
        numbers from 1e-4 to 10 plus 0.9, 0.95, 1, 1.05 and 1.1 times 2/λ_max);
    steps: gradient steps per run (1 … 200).
    hidden: hidden units of the 1-hidden-layer tanh network fitted to y = sin(πx)
        (64 points drawn with np.random.default_rng(seed)), trained full-batch with the
        same η and steps, always from the same initial weights.

    Controls: lr (a log-scale slider of round numbers), steps.
    State: loss (steps+1,) on the quadratic, weights (steps+1, 2), diverged (the loss grew),
    verdict ('converges', 'on the limit', 'diverges', from growth), lr_max (2 / λ_max from
    H's eigenvalues), eigenvalues, growth (max |1 − ηλ|); net_loss (steps+1,) on the network,
    net_verdict (dynamics.run_verdict of a run of max(steps, VERDICT_STEPS) steps, so a few
    steps never claim convergence), net_diverged (net_verdict == 'diverges'), net_judged_over
    (how many steps that run took before it stopped). A diverging run stops once its loss
    grew by BLOWUP, so its arrays can be shorter than steps + 1.
    """
    where = "learning_rate_explorer"
    H, start = check_plane(hessian, w0, where)
    eigenvalues = np.linalg.eigvalsh(H)
    lr_max = 2.0 / eigenvalues[-1]
    _require_int(hidden, "hidden", where, 1, 10_000)
    controls = {"lr": ValueSlider("lr", lr_values(lr_max), lr, description="η (lr)"),
                "steps": IntSlider("steps", steps, 1, 200)}

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(64, 1))
    y = np.sin(np.pi * X)
    model = mlp([1, hidden, 1], activation="tanh", init="xavier", rng=rng)
    initial = [p.copy() for p, _ in model.parameters()]

    def compute(values):
        eta, n = values["lr"], values["steps"]
        weights, loss, diverged = quadratic_descent(H, start, eta, n)
        for (p, _), p0 in zip(model.parameters(), initial):
            p[...] = p0
        # The network is judged on a run of at least VERDICT_STEPS steps, however few are drawn:
        # at a large η the loss can fall for a step or two before it blows up.
        run, run_diverged = network_descent(model, X, y, eta, max(n, VERDICT_STEPS))
        net_verdict = run_verdict(run, run_diverged)
        growth = shrink_factor(H, eta)
        return {"lr": eta, "steps": n, "loss": loss, "weights": weights, "diverged": diverged,
                "verdict": descent_verdict(growth), "lr_max": lr_max, "eigenvalues": eigenvalues,
                "growth": growth, "net_loss": run[:n + 1], "net_verdict": net_verdict,
                "net_diverged": net_verdict == "diverges", "net_judged_over": len(run) - 1}

    fig, draw = _lr_figure(H, start, eigenvalues, lr_max, hidden)
    return Explorer(controls, compute, draw, fig, dynamic_axes=fig.dynamic_axes, describe=DESCRIBE)


DESCRIBE = (
    "Four panels. Top left: the weights w_t of gradient descent as dots joined by a line, from the "
    "start (an open circle) on the contour lines of the quadratic loss, whose minimum is a star. "
    "Top right: the quadratic's loss at each step on a log scale, a dotted line at the starting loss. "
    "Bottom left: the predicted shrink factor per step against η on log-log axes, a dashed vertical line "
    "at the limit η = 2/λ_max and a dot at the current η. Bottom right: the loss of a small tanh "
    "network trained with the same η, at each step on a log scale.")


def _lr_figure(H, start, eigenvalues, lr_max, hidden):
    """The four panels, drawn once; returns (figure, draw(figure, state) -> summary)."""
    fig, axes = new_figure(900, 640, 2, 2)
    ax_path, ax_loss, ax_factor, ax_net = axes

    # Contours: fixed, drawn once. The view is the box around the start and the minimum.
    r = 1.3 * np.max(np.abs(start))
    g = np.linspace(-r, r, 121)
    W1, W2 = np.meshgrid(g, g)
    L = 0.5 * (H[0, 0] * W1**2 + 2 * H[0, 1] * W1 * W2 + H[1, 1] * W2**2)
    ax_path.contour(W1, W2, L, levels=np.geomspace(L.max() * 1e-3, L.max(), 12), cmap="viridis", linewidths=0.8)
    ax_path.plot([0], [0], "k*", ms=10)
    (path_line,) = ax_path.plot([], [], ".-", color=VERMILLION, ms=5, lw=1)
    ax_path.plot([start[0]], [start[1]], "o", color=VERMILLION, mfc="none", ms=8)
    ax_path.set_xlim(-r, r)
    ax_path.set_ylim(-r, r)
    ax_path.set_aspect("equal")
    ax_path.set_xlabel("$w_1$")
    ax_path.set_ylabel("$w_2$")
    ax_path.set_title("weights $w_t$ (dots) from the start (o) on the contours\n"
                      r"of $L = \frac{1}{2} w^\top H w$, minimum at the star", fontsize=9)

    (loss_line,) = ax_loss.semilogy([], [], "o-", ms=3, color=BLUE)
    ax_loss.axhline(0.5 * start @ H @ start, color=GUIDE, ls=":", lw=1)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("L(w_t) (log scale); dotted: L(w_0)")

    etas = np.geomspace(*LR_RANGE, 400)
    ax_factor.loglog(etas, np.max(np.abs(1 - np.outer(etas, eigenvalues)), axis=1), color=GREEN,
                     label=r"$\max_i |1-\eta\lambda_i|$")
    ax_factor.axhline(1.0, color=GUIDE, lw=1)
    ax_factor.axvline(lr_max, color=VERMILLION, ls="--", label=rf"limit $\eta = 2/\lambda_{{max}}$ = {lr_max:.4g}")
    (eta_marker,) = ax_factor.plot([], [], "o", color="k", ms=8, label="current η")
    ax_factor.set_xlabel("learning rate η")
    ax_factor.set_ylabel("shrink factor per step")
    ax_factor.set_title("predicted: converges where the factor < 1", fontsize=10)
    ax_factor.legend(loc="upper left", fontsize="small")

    (net_line,) = ax_net.semilogy([], [], "-", color=BLUE)
    ax_net.set_xlabel("step t (full batch)")
    ax_net.set_ylabel(f"{hidden}-unit net's MSE (log scale)")
    path_line.set_animated(True)  # drawn over the saved contours on every update
    eta_marker.set_animated(True)
    for ax in axes:
        light_ticks(ax)
    fig.dynamic_axes = [ax_loss, ax_net]
    reserve_tick_room(fig.dynamic_axes)  # the layout is made once: leave room for any tick label
    fig.tight_layout()
    freeze_labels(fig, fig.dynamic_axes)

    def draw(fig, state):
        w, loss, net_loss = state["weights"], state["loss"], state["net_loss"]
        path_line.set_data(w[:, 0], w[:, 1])
        loss_line.set_data(np.arange(len(loss)), finite_positive(loss))
        ax_loss.set_xlim(-0.5, max(len(loss) - 1, 1) + 0.5)
        fit_log_axis(ax_loss, loss, 0.5 * start @ H @ start)
        verdict = state["verdict"]
        ax_loss.set_title(f"quadratic: η = {state['lr']:g} → {verdict}", fontsize=10,
                          color=TEXT_ALERT if verdict == "diverges" else "k")
        eta_marker.set_data([state["lr"]], [max(state["growth"], 1e-4)])
        net_line.set_data(np.arange(len(net_loss)), finite_positive(net_loss))
        ax_net.set_xlim(-0.5, max(len(net_loss) - 1, 1) + 0.5)
        fit_log_axis(ax_net, net_loss)
        net_verdict = state["net_verdict"]
        judged = _judged(state)
        ax_net.set_title(f"tanh net, same η → {net_verdict}{judged}", fontsize=10,
                         color=TEXT_ALERT if state["net_diverged"] else "k")
        side = {"converges": "<", "on the limit": "=", "diverges": ">"}[verdict]
        return (f"η = {state['lr']:g} {side} 2/λ_max = {lr_max:.4g}: quadratic {verdict}, "
                f"loss {loss[0]:.3g} → {loss[-1]:.3g}; network {net_verdict}{judged}, "
                f"loss {net_loss[0]:.3g} → {net_loss[-1]:.3g}")

    return fig, draw


def _judged(state):
    """What the network's verdict rests on, when more steps than those drawn: '' or ' (over 100 steps)'."""
    k = state["net_judged_over"]
    if k <= state["steps"]:
        return ""
    return f" (by step {k})" if state["net_diverged"] else f" (over {k} steps)"
