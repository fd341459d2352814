"""The gradient-flow explorer: per-layer gradient norms of a deep network."""

import numpy as np

from .._validate import require_choice as _require_choice
from .._validate import require_int as _require_int
from ..dynamics import FLOW_RATIO, build_deep_mlp, flow_verdict, gradient_flow
from ..init import INIT_SCHEMES
from ..optim import clip_gradients
from ..palette import BLUE, GREEN, PURPLE, VERMILLION
from ._base import Explorer, finite_positive, fit_log_axis, freeze_labels, light_ticks, new_figure, reserve_tick_room
from ._controls import Choice, IntSlider, ValueSlider, round_numbers

COMPARE_OPTIONS = ("none", "sigmoid/xavier", "tanh/xavier", "relu/he")
CLIP_VALUES = (100.0, 10.0, 1.0, 0.1, 0.01)
SCALE_VALUES = round_numbers(0.1, 10.0, mantissas=(1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8))


def verdict_text(grad_norms):
    """'first/last = r → verdict' with the rule's threshold, as the explorer prints it."""
    norms = np.asarray(grad_norms, dtype=float)
    kind = flow_verdict(norms)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = norms[0] / norms[-1]
    rule = {"vanishing": f"< 1/{FLOW_RATIO:g}", "exploding": f"> {FLOW_RATIO:g}",
            "balanced": f"within {FLOW_RATIO:g}×"}[kind]
    return f"first/last = {ratio:.2g} ({rule}) → {kind}"


def gradient_flow_explorer(*, depth=12, activation="sigmoid", init="xavier", scale=1.0, clip=None,
                           compare="relu/he", width=64, batch=32, seed=0):
    """Per-layer gradient norms of a deep mlp, with controls for its architecture.

    Builds build_deep_mlp(depth, activation, init, scale, width=width, n_out=1) with a fresh
    np.random.default_rng(seed + 1) on every change (so a change of control is the only
    change), runs one forward/backward pass on a fixed batch X (batch, width) ~ N(0, 1) with
    MSE against fixed targets y (batch, 1), and plots ‖dL/dW‖ and ‖dL/dz‖ per layer, input
    side first, on a log scale, next to the expected trend of ‖dL/dz‖ and the guaranteed
    upper bound on ‖dL/dW‖ (see nnlib.dynamics.gradient_flow), with activation statistics
    per hidden layer.

    Remedies shown live: ``compare`` draws a second network of the same depth with another
    activation/init at its recommended scale 1; ``clip`` rescales all gradients to a global
    norm of at most that value (nnlib.clip_gradients), drawn as a second curve.

    Controls: depth (1 … 30), activation, init, scale (round numbers 0.1 … 10 on a log
    scale), clip ("off" or a norm), compare.
    State: grad_norms (depth,), delta_norms, trend, bound, factor, verdict (flow_verdict of
    grad_norms), clipped_norms, compare_norms (or None), activation_stats (dict of
    (depth - 1,) arrays), depth, activation, init, scale, clip (None when off).
    """
    where = "gradient_flow_explorer"
    _require_choice(activation, "activation", where, ("sigmoid", "tanh", "relu"))
    _require_choice(init, "init", where, INIT_SCHEMES)
    _require_choice(clip, "clip", where, (None, "off") + CLIP_VALUES)
    _require_int(width, "width", where, 1, 4096)
    _require_int(batch, "batch", where, 1, 100_000)
    controls = {
        "depth": IntSlider("depth", depth, 1, 30),
        "activation": Choice("activation", ["sigmoid", "tanh", "relu"], activation),
        "init": Choice("init", list(INIT_SCHEMES), init),
        "scale": ValueSlider("scale", SCALE_VALUES, scale),
        "clip": Choice("clip", [("off", "off")] + [(f"{c:g}", c) for c in CLIP_VALUES], clip,
                       aliases={None: "off"}, description="clip at"),
        "compare": Choice("compare", list(COMPARE_OPTIONS), compare),
    }

    data_rng = np.random.default_rng(seed)
    X = data_rng.standard_normal((batch, width))
    y = data_rng.standard_normal((batch, 1))

    def measure(n_layers, act, scheme, s, bound=True):
        model = build_deep_mlp(n_layers, act, scheme, s, width=width, n_out=1, rng=np.random.default_rng(seed + 1))
        return model, gradient_flow(model, X, y, bound=bound)

    def compute(values):
        n_layers, act, scheme, s = values["depth"], values["activation"], values["init"], values["scale"]
        max_norm = None if values["clip"] == "off" else values["clip"]
        model, flow = measure(n_layers, act, scheme, s)
        clipped = flow["grad_norms"]
        if max_norm is not None and np.all(np.isfinite(clipped)):
            clip_gradients(model.parameters(), max_norm)
            clipped = np.array([np.linalg.norm(d.dW) for d in model.dense_layers()])
        compare_norms = None
        if values["compare"] != "none":
            act2, scheme2 = values["compare"].split("/")
            compare_norms = measure(n_layers, act2, scheme2, 1.0, bound=False)[1]["grad_norms"]
        return {"depth": n_layers, "activation": act, "init": scheme, "scale": s, "clip": max_norm,
                "compare": values["compare"], "grad_norms": flow["grad_norms"],
                "delta_norms": flow["delta_norms"], "trend": flow["trend"], "bound": flow["bound"],
                "factor": flow["factor"], "verdict": flow_verdict(flow["grad_norms"]), "clipped_norms": clipped,
                "compare_norms": compare_norms, "activation_stats": flow["activation_stats"]}

    fig, draw = _flow_figure()
    return Explorer(controls, compute, draw, fig, dynamic_axes=fig.dynamic_axes, describe=DESCRIBE)


DESCRIBE = (
    "Two panels. Left: gradient norms per layer on a log scale, input side first: the measured norm "
    "of dL/dW (filled circles, solid line), of dL/dz (open diamonds), the expected trend of dL/dz "
    "(dashed, with a bar at each layer), the upper bound on dL/dW (dotted, with triangles) and, when "
    "switched on, the compared network (open green squares) and the clipped gradients (crosses). "
    "Right: per hidden layer, the standard deviation of the activations (circles), the fraction of "
    "saturated or inactive units (squares) and the rms of f'(z) (triangles).")


def _flow_figure():
    """The two panels, drawn once; returns (figure, draw(figure, state) -> summary)."""
    fig, axes = new_figure(920, 450, 1, 2)
    ax_g, ax_a = axes
    (measured_line,) = ax_g.semilogy([], [], "o-", color=BLUE, ms=4, label=r"measured $\|\partial L/\partial W\|$")
    (delta_line,) = ax_g.semilogy([], [], "D", color=PURPLE, ms=3.5, mfc="none", mew=1.2,
                                  label=r"measured $\|\partial L/\partial z\|$")
    # The trend and the bound carry markers too, and the compared network's squares are open, so that
    # where points coincide (a single layer: the trend starts at the measured ∂L/∂z) each stays visible.
    (trend_line,) = ax_g.semilogy([], [], "_--", color=PURPLE, ms=9, mew=1.5,
                                  label=r"expected trend of $\|\partial L/\partial z\|$")
    (bound_line,) = ax_g.semilogy([], [], "v:", color="0.3", ms=3.5,
                                  label=r"upper bound on $\|\partial L/\partial W\|$")
    (compare_line,) = ax_g.semilogy([], [], "s-", color=GREEN, ms=6, mfc="none", mew=1.2,
                                    label="compare (its control)")
    (clip_line,) = ax_g.semilogy([], [], "x-.", color=VERMILLION, ms=6, mew=1.5, label="after clipping (its control)")
    ax_g.set_xlabel("layer (1 = input side)")
    ax_g.set_ylabel("gradient norm (log scale)")

    (std_line,) = ax_a.plot([], [], "o-", color=BLUE, ms=4, label="std of a")
    (sat_line,) = ax_a.plot([], [], "s--", color=VERMILLION, ms=3.5, label="saturated / inactive fraction")
    (rms_line,) = ax_a.plot([], [], "^-.", color=GREEN, ms=4, label="rms f'(z)")
    no_hidden = ax_a.text(0.5, 0.5, "depth 1: a single linear layer,\nno hidden layer to show",
                          transform=ax_a.transAxes, ha="center", va="center", fontsize=11, color="0.3")
    ax_a.set_xlabel("hidden layer (1 = input side)")
    ax_a.set_ylabel("value")
    ax_a.set_title("activation statistics per hidden layer", fontsize=10)
    ax_g.set_title("two-line title\nreserves room", fontsize=9)
    for ax in axes:
        light_ticks(ax)
    reserve_tick_room(axes)  # the layout is made once: leave room for any tick label
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    # Legends below the axes, outside the redrawn area: drawn once with the background.
    fig.legend(handles=ax_g.get_lines(), loc="lower left", bbox_to_anchor=(0.01, 0.0), fontsize="small",
               ncol=2, frameon=False)
    fig.legend(handles=ax_a.get_lines(), loc="lower left", bbox_to_anchor=(0.56, 0.0), fontsize="small",
               ncol=1, frameon=False)
    fig.dynamic_axes = [ax_g, ax_a]
    freeze_labels(fig, fig.dynamic_axes)
    light_ticks(ax_a)  # its placeholder tick goes: it starts on a linear scale

    def draw(fig, state):
        norms = state["grad_norms"]
        layers = np.arange(1, len(norms) + 1)
        measured_line.set_data(layers, finite_positive(norms))
        delta_line.set_data(layers, finite_positive(state["delta_norms"]))
        trend_line.set_data(layers, finite_positive(state["trend"]))
        bound_line.set_data(layers, finite_positive(state["bound"]))
        shown = [norms, state["delta_norms"], state["trend"], state["bound"]]
        for line, key, on in ((compare_line, "compare_norms", state["compare_norms"] is not None),
                              (clip_line, "clipped_norms", state["clip"] is not None)):
            line.set_data(layers, finite_positive(state[key])) if on else line.set_data([], [])
            shown += [state[key]] if on else []
        ax_g.set_xlim(0.5, len(norms) + 0.5)
        fit_log_axis(ax_g, *shown)
        extras = []
        if state["compare_norms"] is not None:
            extras.append(f"green open squares: {state['compare']} × 1")
        if state["clip"] is not None:
            extras.append(f"crosses: clipped at {state['clip']:g}")
        verdict = verdict_text(norms)
        ax_g.set_title(f"{state['activation']}/{state['init']} × {state['scale']:g}: {verdict}"
                       + ("\n" + ", ".join(extras) if extras else ""), fontsize=9)
        stats = state["activation_stats"]
        hidden = np.arange(1, len(stats["std"]) + 1)
        std_line.set_data(hidden, stats["std"])
        sat_line.set_data(hidden, stats["saturated"])
        rms_line.set_data(hidden, stats["rms_fprime"])
        no_hidden.set_visible(len(hidden) == 0)
        shown = len(hidden) > 0  # without a hidden layer there is no value and no layer to read
        ax_a.tick_params(left=shown, labelleft=shown, bottom=shown, labelbottom=shown)
        ax_a.set_xlim(0.5, max(len(hidden), 1) + 0.5)
        scale_kind = "log" if np.nanmax(stats["std"], initial=0) > 10 else "linear"
        if ax_a.get_yscale() != scale_kind:
            ax_a.set_yscale(scale_kind)
            light_ticks(ax_a)
        if scale_kind == "log":
            fit_log_axis(ax_a, stats["std"], stats["saturated"], stats["rms_fprime"])
        else:
            ax_a.relim()
            ax_a.set_ylim(auto=True)  # fit_log_axis fixed the limits while the axis was logarithmic
            ax_a.autoscale_view(scalex=False)
        return (f"depth {state['depth']}, {state['activation']}, {state['init']} × {state['scale']:g}: "
                f"‖dW‖ first {norms[0]:.3g}, last {norms[-1]:.3g}, {verdict}")

    return fig, draw
