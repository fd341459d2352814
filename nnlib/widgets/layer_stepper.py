"""The backward pass of a whole network, one dense layer at a time (notebook 05).

Step 0 shows δ⁽ᴰ⁾ = ∂L/∂ŷ, what the loss hands the last layer (BP1). Each step then takes one
dense layer l, output side first: its gradients dW⁽ˡ⁾ = a⁽ˡ⁻¹⁾ᵀ δ⁽ˡ⁾ (BP4) and db⁽ˡ⁾ = Σ_rows δ⁽ˡ⁾
(BP3) appear, and so does the δ it passes down, δ⁽ˡ⁻¹⁾ = (δ⁽ˡ⁾ W⁽ˡ⁾ᵀ) ⊙ f'(z⁽ˡ⁻¹⁾) (BP2), drawn as
the two arrays whose elementwise product it is. Every array is a heat map (purple < 0 < orange,
each scaled to its own largest entry) titled with its norm, so the sizes read at a glance.

The numbers come from the model's own layers, called one at a time as Sequential.backward calls
them, so the model is left with the gradients a full backward pass gives.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .._validate import as_float_array, require_ndim
from ..activations import ACTIVATIONS
from ..dynamics import MAX_DERIVATIVE, _check_mlp
from ._base import CSS_DPI, PIXEL_DENSITY, _inches
from .stepper import PASSING, Stepper

WIDTH = 920
MAX_LAYERS = 6
COLOUR_KEY = ("Colours: purple < 0 < orange, each map scaled to its own largest entry (f' to its largest "
              "possible value).")
NEW = PASSING["fc"]  # the frame of an array that this step produced (with "new" in its title)


def layer_by_layer(model, loss, X, y, where="network_stepper"):
    """A forward pass, the loss, and a backward pass through ``model`` one layer at a time.

    model: a Sequential of Dense and Activation layers as nnlib.mlp builds it (D dense layers);
    loss: (y_hat, y) -> (L, dy_hat), such as nnlib.softmax_cross_entropy; X: (N, n_in).
    Returns a dict with the loss L and, keyed by the layer number l = 1 … D (input side 1):
    delta[l] = δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ (N, n_l); dW[l], db[l] (copies of what the layer stores);
    upstream[l] = δ⁽ˡ⁺¹⁾ W⁽ˡ⁺¹⁾ᵀ = ∂L/∂a⁽ˡ⁾ and f_prime[l] = f'(z⁽ˡ⁾), for l < D.
    """
    dense, acts, name = _check_mlp(model, where)
    if len(dense) > MAX_LAYERS:
        raise ValueError(f"{where}: the network has {len(dense)} dense layers; the stepper draws at most {MAX_LAYERS}")
    X = as_float_array(X, "X", where)
    require_ndim(X, 2, "X", where, "(batch, n_in)")
    n_in = dense[0].W.shape[0]
    if X.shape[1] != n_in:
        raise ValueError(f"{where}: X must have the model's {n_in} input columns, shape (batch, {n_in}); "
                         f"got shape {X.shape}")
    out = model.forward(X)
    value, dout = loss(out, y)
    if np.shape(dout) != out.shape:
        raise ValueError(f"{where}: loss must return (L, dL/dy_hat) with dL/dy_hat shaped like the output "
                         f"{out.shape}; got {np.shape(dout)}")
    f_prime = ACTIVATIONS[name][1]
    D = len(dense)
    record = {"loss": float(value), "delta": {D: np.array(dout, dtype=float)}, "dW": {}, "db": {},
              "upstream": {}, "f_prime": {}, "activation": name, "depth": D, "X": X}
    for l in range(D, 0, -1):  # (BP2)-(BP4), output side first, with the layers' own backward
        layer = dense[l - 1]
        da = layer.backward(record["delta"][l]) if l > 1 else layer.backward(record["delta"][l], input_grad=False)
        record["dW"][l], record["db"][l] = layer.dW.copy(), layer.db.copy()
        if l > 1:
            act = acts[l - 2]
            record["upstream"][l - 1] = da
            record["f_prime"][l - 1] = f_prime(act.last_input)
            record["delta"][l - 1] = act.backward(da)
    return record


class NetworkStepper(Stepper):
    """The layer-by-layer stepper; build it with network_stepper()."""

    def __init__(self, model, loss, X, y):
        self.record = layer_by_layer(model, loss, X, y)
        self.depth = self.record["depth"]
        figure, draw = _network_figure(self.depth)
        super().__init__(self.depth, self._compute_state, draw, figure, "network_stepper")

    def _compute_state(self, values):
        k, D, r = self.position, self.depth, self.record
        known = range(D - k + 1, D + 1)  # the layers that have passed their δ on (or the output's, at step 0)
        deltas = {l: r["delta"][l] for l in range(max(D - k, 1), D + 1)}
        self._enable_buttons()
        layer = D - k + 1 if k else None  # the layer this step went through
        return {"order": list(range(D, 0, -1)), "step": k, "layer": layer, "loss": r["loss"],
                "activation": r["activation"], "deltas": deltas, "X": r["X"],
                "dW": {l: r["dW"][l] for l in known}, "db": {l: r["db"][l] for l in known},
                "upstream": r["upstream"].get(layer - 1) if layer else None,
                "f_prime": r["f_prime"].get(layer - 1) if layer else None,
                "delta_norms": [float(np.linalg.norm(deltas[l])) if l in deltas else np.nan for l in range(1, D + 1)],
                "dW_norms": [float(np.linalg.norm(r["dW"][l])) if l in known else np.nan for l in range(1, D + 1)]}


def _sup(l):
    """The layer superscript in mathtext: ^{(l)} reads {(l)} after the caret."""
    return "{(" + str(l) + ")}"


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _up(l):
    """The layer superscript in plain text: ⁽²⁾."""
    return "⁽" + str(l).translate(SUPERSCRIPT) + "⁾"


def _heat(ax, title):
    """An axes holding one heat map (hidden until there is something to show) and a placeholder."""
    image = ax.imshow(np.zeros((1, 1)), cmap="PuOr_r", aspect="auto", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    placeholder = ax.text(0.5, 0.5, "not yet", ha="center", va="center", color="0.3", fontsize=10,
                          transform=ax.transAxes)
    return {"ax": ax, "image": image, "placeholder": placeholder, "name": title}


def _show(panel, array, new=False, label=None, scale=None):
    """Put ``array`` (or nothing, for None) into a heat-map panel; frame it when this step made it.

    scale: the largest |value| the colours reach (default: the array's own); the title gives the
    array's shape and norm, or, with a scale, its range.
    """
    ax, image = panel["ax"], panel["image"]
    has = array is not None
    image.set_visible(has)
    panel["placeholder"].set_visible(not has)
    ax.set_facecolor("white" if has else "0.93")
    name = label or panel["name"]
    if has:
        array = np.atleast_2d(array)
        top = scale or max(float(np.max(np.abs(array))), 1e-300)
        image.set_data(array)
        image.set_extent((-0.5, array.shape[1] - 0.5, array.shape[0] - 0.5, -0.5))
        image.set_clim(-top, top)
        ax.set_xlim(-0.5, array.shape[1] - 0.5)
        ax.set_ylim(array.shape[0] - 0.5, -0.5)
        size = (f"from {array.min():.2g} to {array.max():.2g}" if scale else
                f"{array.shape[0]}×{array.shape[1]}, norm {np.linalg.norm(array):.2g}")
        name = f"{name}  {size}" + ("   new" if new else "")
    ax.set_title(name, fontsize=10, fontweight="bold" if new else "normal", loc="left", pad=3)
    for spine in ax.spines.values():
        spine.set_edgecolor(NEW if new else "0.6")
        spine.set_linewidth(4 if new else 0.8)


def _network_figure(D):
    """Per layer δ, dW, db; this step's product; the text. Returns (figure, draw)."""
    # title, layer names, δ, dW, db, this step's heading, this step's maps, text (page pixels)
    rows_px = [36, 24, 118, 118, 48, 40, 124, 84]
    height = sum(rows_px)
    fig = Figure(figsize=(_inches(WIDTH), _inches(height)), dpi=CSS_DPI * PIXEL_DENSITY)
    FigureCanvasAgg(fig)
    tops = np.cumsum([0] + rows_px)

    def box(row, left, w, pad_top=24, pad_bottom=6):
        top, h = tops[row] + pad_top, rows_px[row] - pad_top - pad_bottom
        return fig.add_axes([left / WIDTH, 1 - (top + h) / height, w / WIDTH, h / height])

    col_w = (WIDTH - 40) / D
    for l in range(1, D + 1):
        side = " (input side)" if l == 1 else " (output)" if l == D else ""
        fig.text((30 + (l - 1) * col_w) / WIDTH, 1 - (tops[1] + 12) / height, f"layer {l}{side}", fontsize=11,
                 fontweight="bold", va="center")
    panels = {kind: [_heat(box(row, 30 + (l - 1) * col_w, col_w - 40), title(l)) for l in range(1, D + 1)]
              for kind, row, title in [("delta", 2, lambda l: rf"$\delta^{_sup(l)}$"),
                                       ("dW", 3, lambda l: rf"$dW^{_sup(l)}$"),
                                       ("db", 4, lambda l: rf"$db^{_sup(l)}$")]}
    step_w = 210
    factors = [_heat(box(6, 40 + i * (step_w + 90), step_w), "") for i in range(3)]
    operators = [fig.text((40 + step_w + 45 + i * (step_w + 90)) / WIDTH, 1 - (tops[6] + 70) / height, op,
                          ha="center", va="center", fontsize=22) for i, op in enumerate(["⊙", "="])]
    title = fig.text(0.5, 1 - 18 / height, "", ha="center", va="center", fontsize=12)
    step_title = fig.text(20 / WIDTH, 1 - (tops[5] + 24) / height, "", fontsize=11, va="center")
    text = fig.text(20 / WIDTH, 1 - (tops[7] + 6) / height, "", fontsize=11, va="top", linespacing=1.5)

    def draw(fig, state):
        return _draw_network(state, panels, factors, operators, (title, step_title, text))

    return fig, draw


def _draw_network(state, panels, factors, operators, texts):
    title, step_title, text = texts
    k, D, layer = state["step"], len(state["order"]), state["layer"]
    for l in range(1, D + 1):
        new_delta = (k == 0 and l == D) or (layer is not None and l == layer - 1)
        _show(panels["delta"][l - 1], state["deltas"].get(l), new=new_delta)
        _show(panels["dW"][l - 1], state["dW"].get(l), new=l == layer)
        _show(panels["db"][l - 1], state["db"].get(l), new=l == layer)
    f = state["activation"]
    passes = layer is not None and layer > 1
    if passes:  # (BP2): δ⁽ˡ⁻¹⁾ = (δ⁽ˡ⁾ W⁽ˡ⁾ᵀ) ⊙ f'(z⁽ˡ⁻¹⁾)
        arrays, labels, signs = ([state["upstream"], state["f_prime"], state["deltas"][layer - 1]],
                                 _factor_labels(layer, f), ["⊙", "="])
    elif layer == 1:  # nothing to pass down: show (BP4) for the first layer instead, dW⁽¹⁾ = xᵀ δ⁽¹⁾
        arrays, labels, signs = ([state["X"].T, state["deltas"][1], state["dW"][1]],
                                 [r"$a^{(0)\top} = x^\top$", r"$\delta^{(1)}$", r"$dW^{(1)}$"], ["·", "="])
    for i, (panel, array) in enumerate(zip(factors, arrays if layer else [None] * 3)):
        panel["ax"].set_visible(layer is not None)
        if layer is not None:  # f' on a fixed scale, its largest possible value: white where a unit saturates
            _show(panel, array, label=labels[i], scale=MAX_DERIVATIVE[f] if passes and i == 1 else None)
    for op, sign in zip(operators, signs if layer else ["", ""]):
        op.set_visible(layer is not None)
        op.set_text(sign)
    if k == 0:
        title.set_text(f"Backward pass through {D} layers: before step 1, the loss hands over δ{_up(D)} = ∂L/∂ŷ")
        step_title.set_text("Each Step takes one layer, output side first: its dW and db appear, and the δ it "
                            "passes down.")
        lines = [f"(BP1) The last layer is linear, so δ{_up(D)} = ∂L/∂z{_up(D)} = ∂L/∂ŷ, one row per example: "
                 f"norm {state['delta_norms'][D - 1]:.3g}.", COLOUR_KEY]
    else:
        title.set_text(f"Backward pass, step {k} of {D}: layer {layer}")
        step_title.set_text(f"This step passes δ down: δ{_up(layer - 1)} = (δ{_up(layer)} W{_up(layer)}ᵀ) ⊙ "
                            f"f'(z{_up(layer - 1)}), with f = {f}" if passes else
                            "Layer 1 passes nothing down (the gradient of the input x is not needed); its weight "
                            "gradient is dW⁽¹⁾ = xᵀ δ⁽¹⁾:")
        lines = _step_text(state, layer)
    text.set_text("\n".join(lines))
    return (f"step {k} of {D}" + (f": layer {layer}, norm of dW{_up(layer)} {state['dW_norms'][layer - 1]:.3g}"
                                  if layer else f": norm of δ{_up(D)} {state['delta_norms'][D - 1]:.3g}; press Step"))


def _factor_labels(layer, f):
    l = layer
    transposed = "{(" + str(l) + r")\top}"
    return [rf"$\delta^{_sup(l)} W^{transposed}$", rf"${f}'(z^{_sup(l - 1)})$", rf"$\delta^{_sup(l - 1)}$"]


def _step_text(state, l):
    """The lines under the maps for the step through layer l: the equations with the sizes they gave."""
    dW, db = state["dW_norms"][l - 1], float(np.linalg.norm(state["db"][l]))
    lines = [f"(BP4) dW{_up(l)} = a{_up(l - 1)}ᵀ δ{_up(l)}: norm {dW:.3g}.   (BP3) db{_up(l)} = Σ over the rows "
             f"of δ{_up(l)}: norm {db:.3g}."]
    if l > 1:
        up, fp = state["upstream"], state["f_prime"]
        lines.append(f"(BP2) δ{_up(l)} W{_up(l)}ᵀ: norm {np.linalg.norm(up):.3g}, times f'(z{_up(l - 1)}) from "
                     f"{fp.min():.2g} to {fp.max():.2g}, gives δ{_up(l - 1)}: norm {state['delta_norms'][l - 2]:.3g}.")
    else:
        lines.append("Done: every layer has its dW and db, as a full backward pass leaves them.")
    return lines + [COLOUR_KEY]


def network_stepper(model, loss, X, y):
    """Step through the backward pass of a network one dense layer at a time, output side first.

    model: a Sequential of Dense and Activation layers as nnlib.mlp builds it (at most 6 dense
    layers, one activation throughout, the last layer linear); loss: (y_hat, y) -> (L, dL/dy_hat),
    such as nnlib.softmax_cross_entropy or nnlib.mse_loss; X: (N, n_in); y: what the loss takes.

    Building it runs a forward pass on X (filling the layers' caches) and the backward pass, one
    layer's backward at a time as Sequential.backward calls them, so the model is left with the
    dW and db of a full backward pass. Step 0 shows δ⁽ᴰ⁾ = ∂L/∂ŷ; step k goes through layer
    l = D − k + 1: dW⁽ˡ⁾ and db⁽ˡ⁾ appear, and δ⁽ˡ⁻¹⁾ = (δ⁽ˡ⁾ W⁽ˡ⁾ᵀ) ⊙ f'(z⁽ˡ⁻¹⁾) is drawn with its
    two factors. Heat maps: purple < 0 < orange, each scaled to its own largest entry; what the
    step produced has a thick orange frame and "new" in its title.

    Controls (buttons): step, back, to_end, reset; methods step(n), back(n), to_end(), reset(),
    go(k). State: order (the layer numbers, output side first), step, layer (the layer of this
    step, None at step 0), loss, deltas, dW, db ({layer: array} for those known so far),
    upstream and f_prime (this step's two factors of δ⁽ˡ⁻¹⁾), delta_norms and dW_norms (one per
    layer, input side first, nan where not known yet).

    Example::

        import numpy as np
        import nnlib
        from nnlib.widgets import network_stepper

        rng = np.random.default_rng(0)
        model = nnlib.mlp([4, 6, 5, 3], activation="tanh", rng=rng)
        X, y = rng.standard_normal((7, 4)), rng.integers(0, 3, 7)
        stepper = network_stepper(model, nnlib.softmax_cross_entropy, X, y)
        stepper                        # in a notebook: the heat maps and the four buttons
        stepper.step()["layer"]        # 3: dW⁽³⁾, db⁽³⁾ and δ⁽²⁾ appear
    """
    return NetworkStepper(model, loss, X, y)
