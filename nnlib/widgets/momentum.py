"""The momentum explorer: heavy-ball momentum on a quadratic, with η and β sliders."""

import numpy as np

from ..dynamics import (
    descent_verdict,
    momentum_descent,
    momentum_radius,
    quadratic_descent,
    shrink_factor,
)
from ..optim import momentum_stability_limit, momentum_update_matrix
from ..palette import BLACK, BLUE, GUIDE, TEXT_ALERT, VERMILLION
from ._base import Explorer, finite_positive, fit_log_axis, freeze_labels, light_ticks, new_figure, reserve_tick_room
from ._controls import IntSlider, ValueSlider, round_numbers
from .learning_rate import check_plane

# η: round numbers up to 0.1, then every 0.01 up to 0.5, so that the limit 2(1 + β)/λ_max of the
# default quadratic (0.2 × (1 + β)) is on the slider for every β below.
LR_VALUES = tuple(round_numbers(1e-3, 0.07) + [round(0.1 + 0.01 * k, 2) for k in range(41)])
BETA_VALUES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
STABLE_TINT = "#E3F1EC"  # a light tint of the palette's green: shading only, the boundary line says it


def momentum_explorer(hessian=None, *, w0=(-1.6, 1.2), lr=0.25, beta=0.5, steps=40):
    """Heavy-ball momentum with η and β sliders on L(w) = ½ wᵀ H w, next to plain gradient descent.

    hessian: the (2, 2) symmetric positive definite H; by default notebook 06's, eigenvalues 1
        and 10 on axes turned by 30°, so plain descent is stable below η = 2/λ_max = 0.2 and
        momentum below 2(1 + β)/λ_max.
    w0: the start (2,), at rest (v = 0); lr: the starting η, one of LR_VALUES (round numbers
        up to 0.1, then every 0.01 up to 0.5); beta: one of BETA_VALUES (0 … 0.99);
    steps: steps per run (1 … 200).

    Controls: lr, beta, steps.
    State: weights (k+1, 2) and loss (k+1,) of momentum (nnlib.Momentum), gd_weights and gd_loss of
    plain descent with the same η; diverged, gd_diverged (the last loss above the first);
    radius (the spectral radius of the update matrices, the rate per step), gd_radius
    (max |1 − ηλ_i|), verdict and gd_verdict from them ('converges', 'on the limit', 'diverges');
    lr_max = 2(1 + β)/λ_max and gd_lr_max = 2/λ_max; eigenvalues of H; multipliers (2, 2) complex,
    the two eigenvalues of M(η, λ_i, β) for λ_min (row 0) and λ_max (row 1).
    """
    where = "momentum_explorer"
    H, start = check_plane(hessian, w0, where)
    eigenvalues = np.linalg.eigvalsh(H)
    controls = {"lr": ValueSlider("lr", LR_VALUES, lr, description="η (lr)"),
                "beta": ValueSlider("beta", BETA_VALUES, beta, description="β (momentum)"),
                "steps": IntSlider("steps", steps, 1, 200)}

    def compute(values):
        eta, b, n = values["lr"], values["beta"], values["steps"]
        weights, loss, diverged = momentum_descent(H, start, eta, b, n)
        gd_weights, gd_loss, gd_diverged = quadratic_descent(H, start, eta, n)
        radius, gd_radius = momentum_radius(H, eta, b), shrink_factor(H, eta)
        multipliers = np.array([np.linalg.eigvals(momentum_update_matrix(eta, lam, b)) for lam in eigenvalues])
        return {"lr": eta, "beta": b, "steps": n, "weights": weights, "loss": loss, "diverged": diverged,
                "gd_weights": gd_weights, "gd_loss": gd_loss, "gd_diverged": gd_diverged,
                "radius": radius, "gd_radius": gd_radius, "verdict": descent_verdict(radius),
                "gd_verdict": descent_verdict(gd_radius), "lr_max": momentum_stability_limit(eigenvalues[-1], b),
                "gd_lr_max": 2.0 / eigenvalues[-1], "eigenvalues": eigenvalues, "multipliers": multipliers}

    fig, draw = _momentum_figure(H, start, eigenvalues)
    return Explorer(controls, compute, draw, fig, dynamic_axes=fig.dynamic_axes, describe=DESCRIBE)


DESCRIBE = (
    "Four panels. Top left: the weights of momentum (dots joined by a solid line) and of plain gradient "
    "descent with the same η (squares joined by a dashed line), from the start (an open circle) on the "
    "contour lines of the quadratic loss, whose minimum is a star. Top right: both losses at each step on a "
    "log scale. Bottom left: the plane of η and β, the region where momentum converges shaded, bounded by "
    "the line η = 2(1 + β)/λ_max, a dotted line at plain descent's limit 2/λ_max, contour lines of the rate "
    "per step, and a dot at the current η and β. Bottom right: the eigenvalues of the 2 by 2 update matrix "
    "for the flattest and the steepest direction in the complex plane, with the unit circle: the run "
    "converges when all of them are inside it.")


def _path_panel(ax, H, start):
    r = 1.3 * np.max(np.abs(start))
    g = np.linspace(-r, r, 121)
    W1, W2 = np.meshgrid(g, g)
    L = 0.5 * (H[0, 0] * W1**2 + 2 * H[0, 1] * W1 * W2 + H[1, 1] * W2**2)
    ax.contour(W1, W2, L, levels=np.geomspace(L.max() * 1e-3, L.max(), 12), cmap="viridis", linewidths=0.8)
    ax.plot([0], [0], "k*", ms=10)
    (gd_line,) = ax.plot([], [], "s--", color=BLUE, ms=3, lw=0.8, label="plain descent")
    (path_line,) = ax.plot([], [], "o-", color=VERMILLION, ms=3, lw=1, label="momentum")
    ax.plot([start[0]], [start[1]], "o", color=BLACK, mfc="none", ms=8)
    ax.set_xlim(-r, r)
    ax.set_ylim(-r, r)
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title("momentum (dots, solid), plain descent (squares, dashed)\n"
                 r"from the start (o) on the contours of $L = \frac{1}{2} w^\top H w$", fontsize=9)
    return path_line, gd_line


def _map_panel(ax, eigenvalues):
    """The (η, β) plane: where momentum converges, its rate, and plain descent's limit."""
    etas = np.linspace(0.0, LR_VALUES[-1], 121)[1:]
    betas = np.linspace(0.0, BETA_VALUES[-1], 60)
    matrices = np.array([[[momentum_update_matrix(e, lam, b) for lam in eigenvalues] for e in etas] for b in betas])
    radius = np.abs(np.linalg.eigvals(matrices)).max(axis=(-1, -2))  # (β, η): the slower of the two directions
    ax.contourf(etas, betas, radius, levels=[0.0, 1.0], colors=[STABLE_TINT])
    levels = [0.7, 0.8, 0.9, 0.95]
    rates = ax.contour(etas, betas, radius, levels=levels, colors=GUIDE, linewidths=0.6)
    # labels on the flat stretches, where every eigenvalue is complex and the rate is √β: β = rate²
    ax.clabel(rates, fontsize=8, fmt="%g", manual=[(0.12, r * r) for r in levels])
    ax.plot(2 * (1 + betas) / eigenvalues[-1], betas, "-", color=BLACK, lw=1.5,
            label=r"limit $\eta = 2(1+\beta)/\lambda_{max}$")
    ax.axvline(2 / eigenvalues[-1], color=BLUE, ls=":", lw=1.2, label=r"plain descent's $2/\lambda_{max}$")
    (marker,) = ax.plot([], [], "o", color=VERMILLION, mec=BLACK, ms=8, label="current η, β")
    ax.set_xlim(0, LR_VALUES[-1])
    ax.set_ylim(0, 1)
    ax.set_xlabel("learning rate η")
    ax.set_ylabel("momentum β")
    ax.set_title("shaded: momentum converges; grey lines: rate per step", fontsize=9)
    ax.text(0.46, 0.62, "momentum\ndiverges", ha="center", va="center", fontsize=8)
    ax.legend(loc="lower right", fontsize=8)
    return marker


def _multiplier_panel(ax):
    """The complex plane with the unit circle: the update matrix's eigenvalues go here."""
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), "-", color=GUIDE, lw=1)
    ax.axhline(0, color=GUIDE, lw=0.5)
    ax.axvline(0, color=GUIDE, lw=0.5)
    (flat,) = ax.plot([], [], "s", color=BLUE, ms=7, mfc="none", mew=1.5, label=r"flattest ($\lambda_{min}$)")
    (steep,) = ax.plot([], [], "o", color=VERMILLION, ms=7, label=r"steepest ($\lambda_{max}$)")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.2, 1.2)
    ax.set_aspect("equal")
    ax.set_xlabel("real part")
    ax.set_ylabel("imaginary part")
    ax.set_title("eigenvalues of the update matrix M;\nconverges when all are inside the circle", fontsize=9)
    ax.legend(loc="lower left", fontsize=8)
    return flat, steep


def _momentum_figure(H, start, eigenvalues):
    """The four panels, drawn once; returns (figure, draw(figure, state) -> summary)."""
    fig, axes = new_figure(900, 680, 2, 2)
    ax_path, ax_loss, ax_map, ax_mult = axes
    path_line, gd_line = _path_panel(ax_path, H, start)
    marker = _map_panel(ax_map, eigenvalues)
    flat, steep = _multiplier_panel(ax_mult)
    (gd_loss_line,) = ax_loss.semilogy([], [], "s--", ms=2.5, lw=0.8, color=BLUE, label="plain descent")
    (loss_line,) = ax_loss.semilogy([], [], "o-", ms=3, lw=1, color=VERMILLION, label="momentum")
    ax_loss.axhline(0.5 * start @ H @ start, color=GUIDE, ls=":", lw=1)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("L(w_t) (log scale); dotted: L(w_0)")
    ax_loss.legend(loc="lower left", fontsize="small")
    for artist in (path_line, gd_line, marker, flat, steep):
        artist.set_animated(True)  # drawn over the saved background on every update
    for ax in axes:
        light_ticks(ax)
    fig.dynamic_axes = [ax_loss]
    reserve_tick_room(fig.dynamic_axes)
    fig.tight_layout()
    freeze_labels(fig, fig.dynamic_axes)

    def draw(fig, state):
        w, gd_w, loss, gd_loss = state["weights"], state["gd_weights"], state["loss"], state["gd_loss"]
        path_line.set_data(w[:, 0], w[:, 1])
        gd_line.set_data(gd_w[:, 0], gd_w[:, 1])
        loss_line.set_data(np.arange(len(loss)), finite_positive(loss))
        gd_loss_line.set_data(np.arange(len(gd_loss)), finite_positive(gd_loss))
        ax_loss.set_xlim(-0.5, max(len(loss), len(gd_loss), 2) - 0.5)
        fit_log_axis(ax_loss, loss, gd_loss, 0.5 * start @ H @ start)
        verdict, gd_verdict = state["verdict"], state["gd_verdict"]
        ax_loss.set_title(f"η = {state['lr']:g}, β = {state['beta']:g}: momentum {verdict},\n"
                          f"plain descent {gd_verdict}", fontsize=9,
                          color=TEXT_ALERT if verdict == "diverges" else "k")
        marker.set_data([state["lr"]], [state["beta"]])
        flat.set_data(state["multipliers"][0].real, state["multipliers"][0].imag)
        steep.set_data(state["multipliers"][1].real, state["multipliers"][1].imag)
        side = {"converges": "<", "on the limit": "=", "diverges": ">"}[verdict]
        return (f"η = {state['lr']:g} {side} 2(1 + β)/λ_max = {state['lr_max']:.4g}: momentum {verdict} "
                f"(rate {state['radius']:.3f} per step), loss {loss[0]:.3g} → {loss[-1]:.3g}; "
                f"plain descent {gd_verdict}, loss → {gd_loss[-1]:.3g}")

    return fig, draw
