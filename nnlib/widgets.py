"""Interactive explorers: sliders that recompute a small experiment and redraw its plot.

Each explorer function returns an ``Explorer``:

- ``.widget``: the ipywidgets container to display (controls, a status line, the plot);
- ``.controls``: dict from a control's name to its widget;
- ``.state``: dict with the numbers computed last, replaced on every change;
- ``.update()``: recompute from the current control values and redraw.

Setting ``explorer.controls[name].value`` in plain Python fires the same observers a
drag in the browser does, so tests and notebook checks drive an explorer headlessly
and assert on ``.state``.

The plot is one ``matplotlib.figure.Figure`` (not pyplot, so nothing is displayed
twice), built once; an update only moves line data, rescales and re-renders it to PNG
bytes shown by an ``ipywidgets.Image``. Where widgets cannot render (nbconvert, a
static viewer) the explorer's display also carries that PNG, so the plot for the
default values still appears.

The numbers behind the plots come from ``nnlib.dynamics`` (numpy only): ``quadratic_descent``,
``stability_limit``, ``network_descent`` and ``gradient_flow``, re-exported here.
"""

import base64
import html
import io
import time

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from ._validate import require_choice as _require_choice
from ._validate import require_int as _require_int
from ._validate import require_number as _require_number
from .dynamics import (  # noqa: F401 (re-exported: nnlib.widgets.quadratic_descent and friends)
    BLOWUP,
    MAX_DERIVATIVE,
    build_deep_mlp,
    check_hessian,
    flow_verdict,
    gradient_flow,
    network_descent,
    quadratic_descent,
    rotated_hessian,
    stability_limit,
)
from .init import INIT_SCHEMES
from .models import mlp
from .optim import clip_gradients

# Gradient descent stops once the loss has grown by this factor: the run has clearly
# diverged, and stopping here keeps every number finite (no overflow warnings).
# --------------------------------------------------------------------------- Explorer


class Explorer:
    """Controls + a live figure around a ``compute(values) -> state`` function.

    controls: dict name -> ipywidgets control (anything with a ``value``).
    compute: called with {name: value}; returns the new state dict (it validates the
        values and raises ValueError on a bad one).
    draw: called with (figure, state); moves the figure's artists to the new state
        and returns a one-line summary shown above the plot.
    figure: a matplotlib Figure built once; draw() reuses it.
    dynamic_axes: the axes that rescale on an update (redrawn in full every time). The
        other axes are drawn once and kept as a bitmap; only their animated artists
        (artist.set_animated(True)) are drawn again on top. None: redraw everything.
    """

    def __init__(self, controls, compute, draw, figure, dynamic_axes=None):
        self.controls = dict(controls)
        self.figure = figure
        self.state = {}
        self.summary = ""
        self.last_update_seconds = None
        self._compute = compute
        self._draw = draw
        self._dynamic_axes = dynamic_axes
        self._background = None
        self._good_values = None
        self._restoring = False
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([
            widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap")),
            self.status,
            self.image,
        ])
        self.update()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def values(self):
        """The controls' current values, {name: value}."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self):
        """Recompute from the current control values, redraw, and return the state."""
        start = time.perf_counter()
        values = self.values()
        state = self._compute(values)
        summary = self._draw(self.figure, state)
        self.image.value = self._render()
        self.summary = summary
        self.status.value = f"<code>{html.escape(summary)}</code>"
        self.state = state
        self._good_values = values
        self.last_update_seconds = time.perf_counter() - start
        return state

    def _on_change(self, change):
        if self._restoring:
            return
        try:
            self.update()
        except ValueError:
            # Put the controls back where they last worked, so the plot and the
            # sliders agree, then let the caller see the error.
            self._restoring = True
            try:
                for name, value in self._good_values.items():
                    self.controls[name].value = value
            finally:
                self._restoring = False
            raise

    def _render(self):
        """Draw the figure into its Agg buffer and return it as PNG bytes.

        Drawing only what can change keeps an update fast: the static axes come from a
        bitmap saved on the first render.
        """
        canvas = self.figure.canvas
        if self._dynamic_axes is None:
            canvas.draw()
        else:
            if self._background is None:
                for ax in self._dynamic_axes:
                    ax.set_visible(False)
                canvas.draw()  # animated artists are left out of a full draw
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                for ax in self._dynamic_axes:
                    ax.set_visible(True)
            canvas.restore_region(self._background)
            renderer = canvas.get_renderer()
            for ax in self.figure.axes:
                if ax in self._dynamic_axes:
                    ax.draw(renderer)
                else:
                    for artist in ax.get_children():
                        if artist.get_animated():
                            ax.draw_artist(artist)
        return encode_png(canvas)

    def png(self):
        """The current plot as PNG bytes."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # The widget view for JupyterLab, plus the plot as a plain image for anything
        # that cannot run widgets (nbconvert, GitHub, nbviewer).
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        bundle["text/plain"] = f"{type(self).__name__}: {self.summary}"
        return bundle

    def __repr__(self):
        return f"Explorer(controls={list(self.controls)})"


def encode_png(canvas):
    """The Agg canvas's current pixels as PNG bytes (light compression: fast to make)."""
    width, height = canvas.get_width_height()
    image = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=1)
    return buf.getvalue()


def light_ticks(ax):
    """Fewer ticks and no minor ticks: tick labels are most of the cost of a redraw."""
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_locator(LogLocator(numticks=6))
            axis.set_minor_locator(NullLocator())
            # plain text such as 2e-01: as wide for every power, so the layout made once fits
            axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0e}"))
        else:
            axis.set_major_locator(MaxNLocator(5, integer=axis is ax.xaxis))


def _new_figure(size, nrows, ncols):
    fig = Figure(figsize=size, dpi=72)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel()


def _finite_positive(y):
    """y as float array with non-positive or non-finite entries masked (for log axes)."""
    y = np.asarray(y, dtype=float)
    return np.ma.masked_where(~np.isfinite(y) | (y <= 0), y)


def _rescale(ax, scalex=True):
    """Fit the axes to their data; a narrow log range gets ticks at 1, 2 and 5 times a power of 10."""
    ax.relim()
    ax.autoscale_view(scalex=scalex)
    if ax.get_yscale() == "log":
        low, high = ax.get_ylim()
        narrow = low > 0 and high / low < 30
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if narrow else (1.0,), numticks=6))


def learning_rate_explorer(hessian=None, *, w0=(-1.6, 1.2), lr=0.15, steps=30, hidden=16, seed=0):
    """Gradient descent with a learning-rate slider, on a quadratic and on a small network.

    hessian: the (2, 2) symmetric positive definite H of L(w) = ½ wᵀ H w; by default
        eigenvalues 1 and 10 on axes turned by 30°, so λ_max = 10 and 2/λ_max = 0.2.
    w0: the starting point (2,); lr: the starting η; steps: gradient steps per run.
    hidden: hidden units of the 1-hidden-layer tanh network fitted to y = sin(πx)
        (64 points drawn with np.random.default_rng(seed)), trained full-batch with the
        same η and steps, always from the same initial weights.

    Controls: lr (log slider, 1e-4 … 10), steps (1 … 200).
    State: loss (steps+1,) on the quadratic, weights (steps+1, 2), diverged, lr_max
    (2 / λ_max computed from H's eigenvalues), eigenvalues, growth (max |1 − ηλ|),
    net_loss, net_diverged. A diverging run stops once its loss grew by BLOWUP, so its
    arrays can be shorter than steps + 1.
    """
    where = "learning_rate_explorer"
    H = check_hessian(rotated_hessian((1.0, 10.0)) if hessian is None else hessian, where)
    if H.shape != (2, 2):
        raise ValueError(f"{where}: the explorer draws a 2-D quadratic; hessian must be (2, 2), got {H.shape}")
    start = np.asarray(w0, dtype=float)
    if start.shape != (2,) or not np.all(np.isfinite(start)):
        raise ValueError(f"{where}: w0 must be two finite numbers, got {w0!r}")
    eigenvalues = np.linalg.eigvalsh(H)
    lr_max = 2.0 / eigenvalues[-1]
    _require_number(lr, "lr", where, 1e-4, 10.0)
    _require_int(steps, "steps", where, 1, 200)
    _require_int(hidden, "hidden", where, 1, 10_000)

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(64, 1))
    y = np.sin(np.pi * X)
    model = mlp([1, hidden, 1], activation="tanh", init="xavier", rng=rng)
    initial = [p.copy() for p, _ in model.parameters()]

    controls = {
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-4, max=1, step=0.01,
                                     description="η (lr)", readout_format=".3g",
                                     continuous_update=True),
        "steps": widgets.IntSlider(value=steps, min=1, max=200, description="steps",
                                   continuous_update=True),
    }

    def compute(values):
        eta = _require_number(values["lr"], "lr", where, 1e-4, 10.0)
        n = _require_int(values["steps"], "steps", where, 1, 200)
        weights, loss, diverged = quadratic_descent(H, start, eta, n)
        for (p, _), p0 in zip(model.parameters(), initial):
            p[...] = p0
        net_loss, net_diverged = network_descent(model, X, y, eta, n)
        return {"lr": eta, "steps": n, "loss": loss, "weights": weights, "diverged": diverged,
                "lr_max": lr_max, "eigenvalues": eigenvalues,
                "growth": float(np.max(np.abs(1.0 - eta * eigenvalues))),
                "net_loss": net_loss, "net_diverged": net_diverged}

    fig, axes = _new_figure((9.5, 6.6), 2, 2)
    ax_path, ax_loss, ax_factor, ax_net = axes

    # Contours: fixed, drawn once. The view is the box around the start and the minimum.
    r = 1.3 * np.max(np.abs(start))
    g = np.linspace(-r, r, 121)
    W1, W2 = np.meshgrid(g, g)
    L = 0.5 * (H[0, 0] * W1**2 + 2 * H[0, 1] * W1 * W2 + H[1, 1] * W2**2)
    ax_path.contour(W1, W2, L, levels=np.geomspace(L.max() * 1e-3, L.max(), 12), cmap="viridis",
                    linewidths=0.8)
    ax_path.plot([0], [0], "k*", ms=10)
    (path_line,) = ax_path.plot([], [], "r.-", ms=5, lw=1)
    ax_path.plot([start[0]], [start[1]], "ro", mfc="none", ms=8)
    ax_path.set_xlim(-r, r)
    ax_path.set_ylim(-r, r)
    ax_path.set_aspect("equal")
    ax_path.set_xlabel("$w_1$")
    ax_path.set_ylabel("$w_2$")
    ax_path.set_title("weights $w_t$ (red) from the start (o) on the contours\n"
                      r"of $L = \frac{1}{2} w^\top H w$, minimum at the star", fontsize=9)

    (loss_line,) = ax_loss.semilogy([], [], "o-", ms=3, color="C0")
    ax_loss.axhline(0.5 * start @ H @ start, color="0.6", ls=":", lw=1, label="starting loss")
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("L(w_t)  (log scale)")
    ax_loss.legend(loc="upper right", fontsize="x-small")

    etas = np.geomspace(1e-4, 10, 400)
    ax_factor.loglog(etas, np.max(np.abs(1 - np.outer(etas, eigenvalues)), axis=1), color="C2",
                     label=r"$\max_i |1-\eta\lambda_i|$")
    ax_factor.axhline(1.0, color="0.5", lw=1)
    ax_factor.axvline(lr_max, color="C3", ls="--",
                      label=rf"limit $\eta = 2/\lambda_{{max}}$ = {lr_max:.3g}")
    (eta_marker,) = ax_factor.plot([], [], "o", color="k", ms=8, label="current η")
    ax_factor.set_xlabel("learning rate η")
    ax_factor.set_ylabel("shrink factor per step")
    ax_factor.set_title("predicted: converges where the factor < 1", fontsize=10)
    ax_factor.legend(loc="upper left", fontsize="x-small")

    (net_line,) = ax_net.semilogy([], [], "-", color="C1")
    ax_net.set_xlabel("step t (full batch)")
    ax_net.set_ylabel("MSE loss (log scale)")
    path_line.set_animated(True)  # drawn over the saved contours on every update
    eta_marker.set_animated(True)
    for ax in axes:
        light_ticks(ax)
    fig.tight_layout()

    def verdict(diverged):
        return "DIVERGES" if diverged else "converges"

    def draw(fig, state):
        w, loss, net_loss = state["weights"], state["loss"], state["net_loss"]
        path_line.set_data(w[:, 0], w[:, 1])
        loss_line.set_data(np.arange(len(loss)), _finite_positive(loss))
        _rescale(ax_loss)
        ax_loss.set_title(f"quadratic: η = {state['lr']:.3g} → {verdict(state['diverged'])}", fontsize=10,
                          color="C3" if state["diverged"] else "k")
        eta_marker.set_data([state["lr"]], [max(state["growth"], 1e-4)])
        net_line.set_data(np.arange(len(net_loss)), _finite_positive(net_loss))
        _rescale(ax_net)
        ax_net.set_title(f"{hidden}-unit tanh net on sin(πx), same η → {verdict(state['net_diverged'])}",
                         fontsize=10, color="C3" if state["net_diverged"] else "k")
        side = "<" if state["lr"] < lr_max else ">="
        return (f"η = {state['lr']:.4g} {side} 2/λ_max = {lr_max:.4g}: quadratic {verdict(state['diverged'])}"
                f" (loss {loss[0]:.3g} → {loss[-1]:.3g} in {len(loss) - 1} steps), "
                f"network {verdict(state['net_diverged'])} (loss {net_loss[0]:.3g} → {net_loss[-1]:.3g})")

    return Explorer(controls, compute, draw, fig, dynamic_axes=[ax_loss, ax_net])


# --------------------------------------------------------------------------- gradient flow
COMPARE_OPTIONS = ("none", "sigmoid/xavier", "tanh/xavier", "relu/he")


def gradient_flow_explorer(*, depth=12, activation="sigmoid", init="xavier", scale=1.0, clip=None,
                           compare="relu/he", width=64, batch=32, seed=0):
    """Per-layer gradient norms of a deep mlp, with sliders for its architecture.

    Builds build_deep_mlp(depth, activation, init, scale, width=width, n_out=1) with a fresh
    np.random.default_rng(seed) on every change (so a change of control is the only change),
    runs one forward/backward pass on a fixed batch X (batch, width) ~ N(0, 1) with MSE
    against fixed targets y (batch, 1), and plots ‖dL/dW‖ per layer, input side first, on
    a log scale, next to the expected trend and the guaranteed upper bound (see
    gradient_flow), with activation statistics per hidden layer.

    Remedies shown live: ``compare`` draws a second network of the same depth with another
    activation/init at its recommended scale 1; ``clip`` rescales all gradients to a global norm of at most
    that value (nnlib.clip_gradients), drawn as a second curve.

    Controls: depth (1 … 30), activation, init, scale (log slider 0.1 … 10), clip, compare.
    State: grad_norms (depth,), trend, bound, clipped_norms, compare_norms (or None),
    activation_stats (dict of (depth - 1,) arrays), depth, activation, init, scale.
    """
    where = "gradient_flow_explorer"
    _require_int(depth, "depth", where, 1, 30)
    _require_choice(activation, "activation", where, ("sigmoid", "tanh", "relu"))
    _require_choice(init, "init", where, INIT_SCHEMES)
    _require_number(scale, "scale", where, 0.1, 10.0)
    clip_values = (None, 100.0, 10.0, 1.0, 0.1, 0.01)
    _require_choice(clip, "clip", where, clip_values)
    _require_choice(compare, "compare", where, COMPARE_OPTIONS)
    _require_int(width, "width", where, 1, 4096)
    _require_int(batch, "batch", where, 1, 100_000)

    data_rng = np.random.default_rng(seed)
    X = data_rng.standard_normal((batch, width))
    y = data_rng.standard_normal((batch, 1))

    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=30, description="depth", continuous_update=True),
        "activation": widgets.Dropdown(options=["sigmoid", "tanh", "relu"], value=activation,
                                       description="activation"),
        "init": widgets.Dropdown(options=list(INIT_SCHEMES), value=init, description="init"),
        "scale": widgets.FloatLogSlider(value=scale, base=10, min=-1, max=1, step=0.02, description="scale",
                                        readout_format=".3g", continuous_update=True),
        "clip": widgets.Dropdown(options=[("off", None)] + [(f"{c:g}", c) for c in clip_values[1:]],
                                 value=clip, description="clip at"),
        "compare": widgets.Dropdown(options=list(COMPARE_OPTIONS), value=compare, description="compare"),
    }

    def measure(n_layers, act, scheme, s, bound=True):
        model = build_deep_mlp(n_layers, act, scheme, s, width=width, n_out=1,
                               rng=np.random.default_rng(seed + 1))
        return model, gradient_flow(model, X, y, bound=bound)

    def compute(values):
        n_layers = _require_int(values["depth"], "depth", where, 1, 30)
        act = _require_choice(values["activation"], "activation", where, ("sigmoid", "tanh", "relu"))
        scheme = _require_choice(values["init"], "init", where, INIT_SCHEMES)
        s = _require_number(values["scale"], "scale", where, 0.1, 10.0)
        max_norm = _require_choice(values["clip"], "clip", where, clip_values)
        other = _require_choice(values["compare"], "compare", where, COMPARE_OPTIONS)
        model, flow = measure(n_layers, act, scheme, s)
        clipped = flow["grad_norms"]
        if max_norm is not None and np.all(np.isfinite(clipped)):
            params = model.parameters()
            clip_gradients(params, max_norm)
            clipped = np.array([np.linalg.norm(d.dW) for d in model.dense_layers()])
        compare_norms = None
        if other != "none":
            act2, scheme2 = other.split("/")
            compare_norms = measure(n_layers, act2, scheme2, 1.0, bound=False)[1]["grad_norms"]
        return {"depth": n_layers, "activation": act, "init": scheme, "scale": s, "clip": max_norm,
                "compare": other, "grad_norms": flow["grad_norms"], "trend": flow["trend"],
                "bound": flow["bound"], "factor": flow["factor"], "clipped_norms": clipped,
                "compare_norms": compare_norms, "activation_stats": flow["activation_stats"]}

    fig, axes = _new_figure((10.5, 4.4), 1, 2)
    ax_g, ax_a = axes
    (measured_line,) = ax_g.semilogy([], [], "o-", color="C0", ms=4, label="measured")
    (trend_line,) = ax_g.semilogy([], [], "--", color="C0", alpha=0.7,
                                  label=r"expected trend ($\times\,\sigma_W\sqrt{n}\,\mathrm{rms}\,f'$ per layer)")
    (bound_line,) = ax_g.semilogy([], [], ":", color="0.3",
                                  label=r"upper bound ($\times\,\|W\|_2 \max f'$ per layer)")
    (compare_line,) = ax_g.semilogy([], [], "s-", color="C2", ms=3, label="compare (its control)")
    (clip_line,) = ax_g.semilogy([], [], "x-", color="C3", ms=5, label="after clipping (its control)")
    ax_g.set_xlabel("layer (1 = input side)")
    ax_g.set_ylabel(r"$\|\partial L/\partial W\|$ (log scale)")

    (std_line,) = ax_a.plot([], [], "o-", color="C1", ms=4, label="std of a")
    (sat_line,) = ax_a.plot([], [], "s-", color="C4", ms=3, label="saturated / inactive fraction")
    (rms_line,) = ax_a.plot([], [], "^-", color="C5", ms=3, label="rms f'(z)")
    ax_a.set_xlabel("hidden layer (1 = input side)")
    ax_a.set_ylabel("value")
    ax_a.set_title("activation statistics per hidden layer", fontsize=10)
    ax_g.set_title("two-line title\nreserves room", fontsize=9)
    for ax in axes:
        light_ticks(ax)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    # Legends below the axes, outside the redrawn area: drawn once with the background.
    fig.legend(handles=ax_g.get_lines(), loc="lower left", bbox_to_anchor=(0.01, 0.0), fontsize="small",
               ncol=2, frameon=False)
    fig.legend(handles=ax_a.get_lines(), loc="lower left", bbox_to_anchor=(0.55, 0.0), fontsize="small",
               ncol=2, frameon=False)

    def draw(fig, state):
        norms = state["grad_norms"]
        layers = np.arange(1, len(norms) + 1)
        measured_line.set_data(layers, _finite_positive(norms))
        trend_line.set_data(layers, _finite_positive(state["trend"]))
        bound_line.set_data(layers, _finite_positive(state["bound"]))
        if state["compare_norms"] is None:
            compare_line.set_data([], [])
        else:
            compare_line.set_data(layers, _finite_positive(state["compare_norms"]))
        if state["clip"] is None:
            clip_line.set_data([], [])
        else:
            clip_line.set_data(layers, _finite_positive(state["clipped_norms"]))
        ax_g.set_xlim(0.5, len(norms) + 0.5)
        _rescale(ax_g, scalex=False)
        ratio = norms[0] / norms[-1] if norms[-1] > 0 else np.inf
        kind = flow_verdict(norms)
        extras = []
        if state["compare_norms"] is not None:
            extras.append(f"green: {state['compare']} × 1")
        if state["clip"] is not None:
            extras.append(f"red: clipped at {state['clip']:g}")
        ax_g.set_title(f"{state['activation']}/{state['init']} × {state['scale']:.3g}: {kind}, "
                       f"first/last = {ratio:.2g}" + ("\n" + ", ".join(extras) if extras else ""), fontsize=9)
        stats = state["activation_stats"]
        hidden = np.arange(1, len(stats["std"]) + 1)
        std_line.set_data(hidden, stats["std"])
        sat_line.set_data(hidden, stats["saturated"])
        rms_line.set_data(hidden, stats["rms_fprime"])
        ax_a.set_xlim(0.5, max(len(hidden), 1) + 0.5)
        _rescale(ax_a, scalex=False)
        scale_kind = "log" if np.nanmax(stats["std"], initial=0) > 10 else "linear"
        if ax_a.get_yscale() != scale_kind:
            ax_a.set_yscale(scale_kind)
            light_ticks(ax_a)
        return (f"depth {state['depth']}, {state['activation']}, {state['init']} init × {state['scale']:.3g}: "
                f"‖dW‖ first layer {norms[0]:.3g}, last layer {norms[-1]:.3g} (first/last {ratio:.2g}, {kind})")

    return Explorer(controls, compute, draw, fig, dynamic_axes=[ax_g, ax_a])
