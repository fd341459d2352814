"""Plotting helpers for the notebooks (matplotlib is imported here, never in the core).

Every function draws on an Axes it is given (or a new figure's), labels its axes,
gives it a title, and returns the Axes (or the Figure when it makes several panels).

Imported in a notebook, this module asks IPython to show inline figures as "retina" PNGs:
twice the pixels, shown at the same size, so labels are sharp on every screen.

Accessible figures: every figure a notebook shows carries a text alternative that says what it
shows (``figure_alt_text``): by default it is made from the figure's titles, axis labels and
legend; a helper, or a notebook, can set a more telling one with ``set_alt_text``. In a kernel the
figure is shown as an ``<img>`` with that ``alt`` (text/html, what JupyterLab and nbconvert
prefer), with the PNG, whose metadata also carries it (``alt``: the website's build reads it), and
with the text itself as the plain-text form. Colours come from ``nnlib.palette`` (colour-blind
safe, contrast at least 3:1), and each series also gets its own line style or marker, so colour is
never the only cue (``use_course_style`` sets the cycle of colours and line styles).
"""

import base64
import html

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import palette
from ._validate import (
    describe,
    require_array,
    require_bool,
    require_callable,
    require_data,
    require_forward,
    require_int,
    require_labels,
    require_number,
    require_positive,
    require_size,
)
from .activations import get_activation
from .graph import Value, edges, topological_order
from .graph_layout import edge_bend, graph_positions
from .train import confusion_matrix


def use_course_style():
    """Series take the course's colours and, in turn, solid, dashed, dash-dot and dotted lines."""
    plt.rcParams["axes.prop_cycle"] = cycler(color=palette.COLOURS) + cycler(linestyle=palette.LINESTYLES)


def sharp_inline_figures():
    """Show inline figures at twice the pixel density, with their alt text, in a running IPython
    kernel (else do nothing). Returns True when the setting was made.
    """
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False
    set_matplotlib_formats("retina")
    # One rendering for all forms: the bundle below replaces the PNG formatter just registered.
    shell.display_formatter.formatters["image/png"].pop(Figure, None)
    shell.display_formatter.mimebundle_formatter.for_type(Figure, figure_bundle)
    return True


def figure_bundle(fig, include=None, exclude=None):
    """The display forms of a figure, as IPython's formatters return them: (data, metadata).

    image/png at twice the pixels it is shown at (``width``, ``height`` and ``alt`` in its
    metadata); text/html, the same PNG as an ``<img>`` with its alt text; text/plain, the alt text.
    An empty figure gives nothing, as IPython's own PNG formatter does.
    """
    from IPython.core.pylabtools import retina_figure

    _require_figure(fig, "figure_bundle")
    try:
        from matplotlib_inline.backend_inline import InlineBackend

        options = dict(InlineBackend.instance().print_figure_kwargs)
    except ImportError:
        options = {"bbox_inches": "tight"}
    rendered = retina_figure(fig, **options)
    if rendered is None:
        return {}, {}
    png, size = rendered
    encoded = base64.b64encode(png).decode("ascii")
    alt = figure_alt_text(fig)
    # only the width: the browser keeps the proportions when the output area is narrower
    img = (f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}" width="{size["width"]}"'
           f' style="max-width: 100%; height: auto">')
    return ({"image/png": encoded, "text/html": img, "text/plain": alt},
            {"image/png": dict(size, alt=alt)})


use_course_style()
sharp_inline_figures()


# ------------------------------------------------------------------ alt text

def set_alt_text(fig_or_ax, text):
    """Give a figure, or one panel (an Axes) of it, the text alternative ``text``. Returns its argument.

    Say what the figure shows and what a reader should see in it, in a sentence or three: the
    kind of plot, what is against what, and the pattern that matters ("the loss falls for
    η = 0.05 and 0.25 and grows for η = 0.55"). A panel's text replaces the sentence made for
    that panel; a figure's replaces the whole text.
    """
    if not isinstance(text, str):
        raise TypeError(f"set_alt_text: text must be a non-empty string, got {describe(text)}")
    if not text.strip():
        raise ValueError(f"set_alt_text: text must be a non-empty string, got {text!r}")
    if not isinstance(fig_or_ax, (Figure, Axes)):
        raise TypeError(f"set_alt_text: fig_or_ax must be a matplotlib Figure or Axes, got {describe(fig_or_ax)}")
    fig_or_ax._nnlib_alt_text = " ".join(text.split())
    return fig_or_ax


def figure_alt_text(fig):
    """The figure's text alternative: the one set with set_alt_text, or one made panel by panel
    (each panel's own text if it has one, else a sentence from its title, axis labels and legend)."""
    _require_figure(fig, "figure_alt_text")
    given = getattr(fig, "_nnlib_alt_text", None)
    if given:
        return given
    panels = [ax for ax in fig.axes if ax.get_visible() and _axes_has_content(ax)]
    sentences = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    if title:
        sentences.append(f"{_clean(title)}.")
    if len(panels) > 1:
        sentences.append(f"{len(panels)} panels.")
    for k, ax in enumerate(panels):
        prefix = f"Panel {k + 1}" if len(panels) > 1 else ""
        own = getattr(ax, "_nnlib_alt_text", None)
        sentences.append(f"{prefix}: {own}" if own and prefix else own or _describe_axes(ax, prefix))
    return " ".join(s for s in sentences if s) or "An empty figure."


def _require_figure(fig, where):
    if not isinstance(fig, Figure):
        hint = " (an Axes' figure is ax.figure)" if isinstance(fig, Axes) else ""
        raise TypeError(f"{where}: fig must be a matplotlib Figure, such as plt.subplots() returns first, "
                        f"got {describe(fig)}{hint}")


_TEX_WORDS = {r"\partial": "∂", r"\|": "‖", r"\eta": "η", r"\lambda": "λ", r"\sigma": "σ",
              r"\Delta": "Δ", r"\max": "max", r"\top": "ᵀ", r"\frac": "", r"\mathrm": "", r"\cdot": "·",
              r"\,": " ", "{": "", "}": "", "$": ""}


def _clean(text):
    """Plain words from a matplotlib label: mathtext's commands as symbols, no line breaks."""
    for tex, word in _TEX_WORDS.items():
        text = text.replace(tex, word)
    return " ".join(text.split())


def _axes_has_content(ax):
    return bool(ax.lines or ax.collections or ax.images or ax.patches or ax.texts)


def _axis_name(axis, label):
    name = _clean(label)
    if axis.get_scale() == "log" and "log" not in name:
        name += " (log scale)"
    return name


def _describe_axes(ax, prefix):
    """One sentence: the panel's title, what it plots against what, and its named series."""
    title = _clean(ax.get_title())
    head = ", ".join(p for p in (prefix, f"'{title}'" if title else "") if p)
    x, y = _axis_name(ax.xaxis, ax.get_xlabel()), _axis_name(ax.yaxis, ax.get_ylabel())
    what = f"{y} against {x}" if x and y else y or x
    handles, labels = ax.get_legend_handles_labels()
    labels = [_clean(label) for label in labels if label and not label.startswith("_")]
    kinds = []
    if ax.images:
        kinds.append("an image" if len(ax.images) == 1 else f"{len(ax.images)} images")
    if labels:
        kinds.append(f"{len(labels)} labelled series: " + "; ".join(labels))
    elif ax.lines or ax.collections:
        kinds.append("lines or points")
    sentence = ": ".join(p for p in (head, what) if p)
    if kinds:
        sentence += (", " if sentence else "") + ", ".join(kinds)
    return (sentence[0].upper() + sentence[1:] + ".") if sentence else ""


def _axes(ax, where, figsize=(5, 3.5)):
    """The Axes to draw on: ax, or a new figure's when ax is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, Axes):
        raise TypeError(f"{where}: ax must be a matplotlib Axes (such as plt.subplots() returns second) or None "
                        f"for a new figure, got {describe(ax)}")
    return ax


# ------------------------------------------------------------------ checks of what the helpers are given

def _values(values, name, where, *, n=None, per="point", nonnegative=False, what="values"):
    """A 1-D series to plot, as a float array: at least one value (n of them when n is given), no
    negative one when nonnegative (a norm or a size on a log axis). NaN and inf may be drawn."""
    values = require_array(values, name, where, ndim=1, shape_hint="(n,), one value per point")
    if values.size == 0:
        raise ValueError(f"{where}: {name} must hold at least one value, got an empty array")
    if n is not None and values.size != n:
        raise ValueError(f"{where}: {name} must hold {n} values, one per {per}, got {values.size}")
    if nonnegative and np.any(values < 0):
        first = int(np.argmax(values < 0))
        raise ValueError(f"{where}: {name} must hold values >= 0 ({what} cannot be negative, and a log axis "
                         f"cannot show them), got {values[first]:g} at index {first}")
    return values


def _mapping(value, name, where, expected):
    """A non-empty dict (label -> what expected says); returns its items."""
    if not isinstance(value, dict):
        raise TypeError(f"{where}: {name} must be a dict of {expected}, got {describe(value)}")
    if not value:
        raise ValueError(f"{where}: {name} must hold at least one entry ({expected}), got an empty dict")
    return list(value.items())


def _interval(value, name, where):
    """A (low, high) pair of finite numbers with low < high; returned as two floats."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise TypeError(f"{where}: {name} must be a (low, high) pair of numbers, got {describe(value)}")
    low, high = (require_number(v, f"{name}[{i}]", where) for i, v in enumerate(value))
    if not low < high:
        raise ValueError(f"{where}: {name} must be a (low, high) pair with low < high, got {describe(value)}")
    return low, high


def _legend_outside(ax, **kwargs):
    """A legend to the right of the axes: it can never hide the data it explains."""
    return ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0,
                     **kwargs)


def plot_activations(names=("sigmoid", "tanh", "relu"), z=None):
    """One panel per activation: f(z) and f'(z) on the same axes. Returns the Figure.

    names: activation names from nnlib.ACTIVATIONS, such as ["tanh", "relu"] (one name alone,
    "tanh", draws one panel); z: 1-D array of inputs (default 501 points in [-5, 5]).
    """
    where = "plot_activations"
    names = _activation_names(names, where)
    z = np.linspace(-5, 5, 501) if z is None else _values(z, "z", where)
    # 2.8 inches a panel: three panels fit a notebook's output area without being shrunk
    fig, axes = plt.subplots(1, len(names), figsize=(max(4.0, 2.8 * len(names)), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        f, f_prime = get_activation(name, where)
        ax.plot(z, f(z), label=f"{name}(z)")
        ax.plot(z, f_prime(z), "--", label=f"{name}'(z)")
        ax.axhline(0, color=palette.BACKGROUND_LINE, lw=0.8)
        ax.axvline(0, color=palette.BACKGROUND_LINE, lw=0.8)
        ax.set_xlabel("z")
        ax.set_ylabel("value")
        ax.set_title(f"{name} and its derivative", fontsize="medium")
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.4 * (high - low))  # headroom: the legend sits above the curves
        ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def _activation_names(names, where):
    """names as a list of known activation names (a single name is a list of one)."""
    if isinstance(names, str):
        names = [names]
    if names is None or isinstance(names, (bytes, dict)) or not hasattr(names, "__iter__"):
        raise TypeError(f"{where}: names must be a list of activation names such as ['sigmoid', 'tanh'] "
                        f"(or one name), got {describe(names)}")
    names = list(names)
    if not names:
        raise ValueError(f"{where}: names must hold at least one activation name, got an empty list")
    for name in names:
        get_activation(name, where)  # an unknown one: the error lists the valid names
    return names


def plot_loss_curves(history, ax=None, title="Loss per epoch"):
    """Training (and validation) loss per epoch from a History, or from a dict with the same keys
    ("train_loss", "val_loss", "best_epoch"; a learner's own training loop); the best epoch is marked."""
    where = "plot_loss_curves"
    train_loss, val_loss, best_epoch, stopped_early = _loss_history(history, where)
    ax = _axes(ax, where)
    epochs = np.arange(len(train_loss))
    ax.plot(epochs, train_loss, label="training loss")
    if len(val_loss):
        ax.plot(epochs[: len(val_loss)], val_loss, label="validation loss")
    if best_epoch is not None:
        ax.axvline(best_epoch, color="k", ls=":", label=f"best epoch ({best_epoch})")
    if stopped_early:
        ax.plot(epochs[-1], (val_loss if len(val_loss) else train_loss)[-1], "x", color=palette.VERMILLION, ms=10,
                mew=2, label="early stop")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (batch mean)")
    ax.set_title(title)
    _legend_outside(ax)
    return ax


def _loss_history(history, where):
    """(train_loss, val_loss, best_epoch, stopped_early) from a History or a dict with its keys."""
    if isinstance(history, dict):
        field = history.get
    elif hasattr(history, "train_loss"):
        def field(name):
            return getattr(history, name, None)
    else:
        raise TypeError(f"{where}: history must be a History, as train returns, or a dict with its keys "
                        f"(\"train_loss\", and optionally \"val_loss\", \"best_epoch\", \"stopped_early\"), "
                        f"got {describe(history)}")
    if field("train_loss") is None:
        raise ValueError(f"{where}: history has no \"train_loss\" (one loss per epoch), got {describe(history)}")
    train_loss = _values(field("train_loss"), "history's train_loss", where)  # NaN: a run that diverged
    val_loss = field("val_loss")
    if val_loss is None or (isinstance(val_loss, (list, tuple, np.ndarray)) and len(val_loss) == 0):
        val_loss = np.zeros(0)  # no validation set
    else:
        val_loss = _values(val_loss, "history's val_loss", where)
    if len(val_loss) > len(train_loss):
        raise ValueError(f"{where}: history's val_loss has {len(val_loss)} epochs but its train_loss only "
                         f"{len(train_loss)}; expected at most one validation loss per epoch")
    best_epoch = field("best_epoch")
    if best_epoch is not None:
        best_epoch = require_int(best_epoch, "history's best_epoch", where, 0, len(train_loss) - 1)
    stopped = field("stopped_early")
    return train_loss, val_loss, best_epoch, stopped is not None and require_bool(stopped,
                                                                                  "history's stopped_early", where)


CLASS_MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*", "<", ">"]  # ten classes, ten shapes


# The most grid points a side plot_decision_boundary takes: more than the pixels a figure shows
# across (a 4.5-inch figure at retina resolution has about 900); beyond it the grid only costs memory.
MAX_RESOLUTION = 2000


def plot_decision_boundary(model, X, y, ax=None, resolution=200, title="Decision boundary",
                           xlabel="$x_1$", ylabel="$x_2$"):
    """Colour the plane by the model's predicted class; draw the points coloured by label.

    model: maps (n, 2) inputs to (n, k) scores (k >= 2: argmax; k == 1: score > 0).
    X: (n, 2), y: (n,) integer labels. resolution: grid points a side, an integer in
    [2, MAX_RESOLUTION]. Two classes are drawn as blue circles and vermillion
    triangles on regions of the same colours; more get one colour and one marker shape each (up
    to ten), with a legend of the labels beside the axes.
    """
    where = "plot_decision_boundary"
    X, y, resolution = _boundary_inputs(model, X, y, resolution, where)
    ax = _axes(ax, where, (4.5, 4))
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    pred = _predicted_classes(model, np.column_stack([g0.ravel(), g1.ravel()]), where)
    n_classes = int(max(pred.max(), np.max(y))) + 1
    cmap = _draw_classes(ax, g0, g1, pred.reshape(g0.shape), n_classes)
    _scatter_classes(ax, X, y, n_classes, cmap)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    marks = ("class 0 as blue circles, class 1 as vermillion triangles" if n_classes <= 2
             else "each class its own colour and marker, named in the legend")
    accuracy = float(np.mean(_predicted_classes(model, X, where) == y))
    set_alt_text(ax, f"'{_clean(title)}': the plane of {_clean(xlabel)} and {_clean(ylabel)} shaded by the class "
                     f"the model predicts, with the {len(y)} points drawn {marks}; the prediction matches "
                     f"{accuracy:.0%} of the points' labels.")
    return ax


def _boundary_inputs(model, X, y, resolution, where):
    """plot_decision_boundary's model, (n, 2) points, n labels and grid size, checked; returns X, y, resolution."""
    require_forward(model, "model", where)
    X = require_data(X, "X", where)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{where}: X must have shape (n, 2), one point of the plane per row (n >= 1), "
                         f"got shape {X.shape}")
    y = require_labels(y, "y", where, n=len(X), rows_of="X")
    if isinstance(resolution, (int, np.integer)) and not isinstance(resolution, bool) and resolution > MAX_RESOLUTION:
        raise ValueError(f"{where}: resolution must be an integer in [2, {MAX_RESOLUTION}] (grid points a side: more "
                         f"than a figure has pixels across would only cost memory), got {describe(resolution)}")
    return X, y, require_int(resolution, "resolution", where, 2, MAX_RESOLUTION)


def _predicted_classes(model, points, where):
    """The class the model predicts for each row of points: argmax of its scores (score > 0 for one)."""
    scores = np.asarray(model.forward(points))
    if scores.ndim != 2 or scores.shape[0] != len(points) or scores.shape[1] == 0 or scores.dtype.kind not in "fiu":
        raise ValueError(f"{where}: model.forward must map ({len(points)}, 2) inputs to ({len(points)}, k) scores "
                         f"(k >= 1), returned {describe(scores)}")
    return (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)


def _draw_classes(ax, g0, g1, pred, n_classes):
    """Shade the grid by predicted class; returns the colour map the points take too."""
    if n_classes <= 2:
        cmap, colour_range = ListedColormap(palette.CLASS_COLOURS), {"vmin": 0, "vmax": 1}
    else:  # tab10 has ten distinct colours: label k gets the k-th
        cmap, colour_range = "tab10", {"vmin": -0.5, "vmax": 9.5}
    ax.contourf(g0, g1, pred, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.3, **colour_range)
    return cmap


def _scatter_classes(ax, X, y, n_classes, cmap):
    """One scatter per class: its own colour and, with many classes, marker; a legend for more than two."""
    colours = plt.get_cmap(cmap) if isinstance(cmap, str) else cmap
    for k in range(n_classes):
        rows = y == k
        if not rows.any():
            continue
        if n_classes <= 2:
            colour, marker, size = palette.CLASS_COLOURS[k], palette.CLASS_MARKERS[k], 16
        else:
            colour, marker, size = colours(k / 10 + 0.05), CLASS_MARKERS[k % len(CLASS_MARKERS)], 30
        ax.scatter(X[rows, 0], X[rows, 1], color=colour, marker=marker, s=size, edgecolors="k",
                   linewidths=0.5, label=str(k))
    if n_classes > 2:
        _legend_outside(ax, title="label", markerscale=1.2)


def plot_grad_norms(norms, ax=None, theory=None, title="Gradient norm per layer",
                    label="measured", theory_label="expected trend", others=None):
    """Per-layer gradient norms on a log scale, input side (layer 1) first.

    theory: optional array of the same length, drawn dashed as theory_label (the course
    calls the variance argument's prediction the "expected trend" everywhere).
    others: optional dict label -> array of the same length, drawn as open markers.
    Norms are >= 0 (a 0 cannot be shown on the log scale and is left out).
    """
    where = "plot_grad_norms"
    norms = _values(norms, "norms", where, nonnegative=True, what="gradient norms")
    n = len(norms)
    if theory is not None:
        theory = _values(theory, "theory", where, n=n, per="layer", nonnegative=True, what="gradient norms")
    others = [(name, _values(values, f"others[{name!r}]", where, n=n, per="layer", nonnegative=True,
                                  what="gradient norms"))
              for name, values in (_mapping(others, "others", where, "label -> norms per layer")
                                   if others is not None else [])]
    ax = _axes(ax, where)
    layers = np.arange(1, n + 1)
    ax.semilogy(layers, norms, "o-", label=label)
    if theory is not None:
        ax.semilogy(layers, theory, "--", label=theory_label)
    for name, values in others:
        ax.semilogy(layers, values, "s:", mfc="none", ms=5, label=name)
    ax.set_xlabel("layer (1 = input side)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers are counted, never halved
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_grad_norms_compared(series, ax=None, *, title, ylabel=r"$\|\partial L/\partial W\|$ (log scale)"):
    """Per-layer gradient norms of several networks on one log scale, input side (layer 1) first.

    series: dict label -> 1-D array, one norm per layer (networks may differ in depth). Each
    network takes the next colour, line style and marker of nnlib.palette, so the curves are
    told apart without colour; the legend sits outside the axes, where it hides no point.
    """
    where = "plot_grad_norms_compared"
    series = [(label, _values(norms, f"series[{label!r}]", where, nonnegative=True, what="gradient norms"))
              for label, norms in _mapping(series, "series", where, "label -> norms per layer")]
    ax = _axes(ax, where)
    for k, (label, norms) in enumerate(series):
        ax.semilogy(np.arange(1, len(norms) + 1), norms, ms=4, label=label, **palette.series_style(k))
    ax.set_xlabel("layer (1 = input side)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers are counted, never halved
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend_outside(ax)
    return ax


def plot_layer_updates(update_sizes, ax=None, title="How far each layer moves per step"):
    """Relative update size ‖ΔW_l‖ / ‖W_l‖ of every layer at every step, on a log scale.

    update_sizes: (steps, layers) array, layer 1 (input side) first, such as the
    "update_sizes" that nnlib.dynamics.sgd_steps records. Colours run from dark (layer 1)
    to light (the last layer); a colour bar beside the plot gives every layer's colour, and
    each line is labelled "layer l" for the figure's text alternative.
    """
    where = "plot_layer_updates"
    update_sizes = require_array(update_sizes, "update_sizes", where, ndim=2, shape_hint="(steps, layers)")
    if 0 in update_sizes.shape:
        raise ValueError(f"{where}: update_sizes must have at least one step and one layer, got shape "
                         f"{update_sizes.shape}")
    if np.any(update_sizes < 0):
        raise ValueError(f"{where}: update_sizes must hold values >= 0 (a ratio of norms cannot be negative, "
                         f"and a log axis cannot show it), got {update_sizes[update_sizes < 0][0]:g}")
    ax = _axes(ax, where)
    steps = np.arange(1, len(update_sizes) + 1)
    n = update_sizes.shape[1]
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, n))
    for k in range(n):
        ax.semilogy(steps, update_sizes[:, k], color=colours[k], lw=1.2, label=f"layer {k + 1}")
    ax.set_xlabel("step")
    ax.set_ylabel(r"$\|\Delta W_l\| / \|W_l\|$ (log scale)")
    ax.set_title(title)
    # one band of colour per layer, its tick at the band's middle
    layers = ScalarMappable(BoundaryNorm(np.arange(0.5, n + 1), n), ListedColormap(colours))
    bar = ax.get_figure().colorbar(layers, ax=ax, ticks=np.arange(1, n + 1), pad=0.02, fraction=0.05)
    bar.set_label("layer (1 = input side)")
    set_alt_text(bar.ax, f"A colour bar: the colour of each layer, from 1 (input side, dark) to {n} (light).")
    return ax


def plot_loss_surface(loss_of, w_range, b_range, ax=None, trajectory=None, levels=30,
                      title="Loss surface", xlabel="w", ylabel="b"):
    """Contours of a scalar loss over a 2-D grid of (w, b), with an optional path.

    loss_of(w, b) -> float; w_range, b_range: (low, high) pairs; trajectory: (steps, 2) array of
    visited (w, b) points; levels: the number of contour lines, or their loss values (increasing).
    """
    where = "plot_loss_surface"
    require_callable(loss_of, "loss_of", where, "a function loss_of(w, b) returning a number")
    w_range, b_range = _interval(w_range, "w_range", where), _interval(b_range, "b_range", where)
    levels = _levels(levels, where)
    if trajectory is not None:
        trajectory = require_array(trajectory, "trajectory", where, ndim=2, shape_hint="(steps, 2)")
        if trajectory.shape[1] != 2:
            raise ValueError(f"{where}: trajectory must have shape (steps, 2), one (w, b) point per row, "
                             f"got shape {trajectory.shape}")
    ax = _axes(ax, where, (5, 4))
    W, B = np.meshgrid(np.linspace(*w_range, 120), np.linspace(*b_range, 120))
    L = np.vectorize(loss_of)(W, B)
    # viridis only up to its teal: its pale greens and yellow fade into the white background, and
    # every line keeps the 3:1 contrast palette.py asks of colours that carry meaning
    colours = ListedColormap(plt.get_cmap("viridis")(np.linspace(0.0, 0.58, 256)))
    cs = ax.contour(W, B, L, levels=levels, cmap=colours)
    ax.clabel(cs, cs.levels[::5], fontsize="x-small", colors=palette.BLACK)
    if trajectory is not None:
        ax.plot(trajectory[:, 0], trajectory[:, 1], ".-", color=palette.VERMILLION, ms=4, label="gradient descent")
        ax.legend(fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def _levels(levels, where):
    """A count of contour lines (1 to 1000), or their values: a 1-D increasing array."""
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, (bool, np.bool_)):
        return require_int(levels, "levels", where, 1, 1000)
    if levels is None or isinstance(levels, (bool, np.bool_, float, np.floating)):
        raise TypeError(f"{where}: levels must be a number of contour lines (an integer in [1, 1000]) or their "
                        f"values (an increasing 1-D array), got {describe(levels)}")
    values = _values(levels, "levels", where)
    if np.any(np.diff(values) <= 0) or not np.all(np.isfinite(values)):
        raise ValueError(f"{where}: levels given as values must be finite and increasing, got {describe(levels)}")
    return values


GRAPH_COLUMN_INCHES = 1.15  # one column of draw_graph per step from the output
GRAPH_ROW_INCHES = 0.8
GRAPH_FONT_SIZE = 9          # points: 12.5 px at 100 dpi, legible when shown unscaled


def draw_graph(root, ax=None, title="Computation graph"):
    """Draw the scalar computation graph below the Value ``root``, inputs on the left.

    Each node shows its label (or operation), its value and, after root.backward(),
    its gradient dL/d(node). The figure is sized from the graph (GRAPH_COLUMN_INCHES per
    column, GRAPH_ROW_INCHES per row) with GRAPH_FONT_SIZE text, so a graph of up to
    seven columns fits an 8.5-inch notebook output without being shrunk.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value (nnlib.graph.Value), the output of a scalar "
                        f"computation, got {describe(root)}")
    order = topological_order(root)
    pos, (n_cols, n_rows) = graph_positions(order, lambda node: node._parents)
    if ax is None:
        fig, ax = plt.subplots(figsize=(GRAPH_COLUMN_INCHES * n_cols + 0.3,
                                        GRAPH_ROW_INCHES * n_rows + 1.0))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.9 / (GRAPH_ROW_INCHES * n_rows + 1.0) * 0.5,
                            top=1 - 0.5 / (GRAPH_ROW_INCHES * n_rows + 1.0))
    boxes = {}
    for node in order:
        name = node.label or node.op or "const"
        text = f"{name}\n{node.data:.4g}\ngrad {node.grad:.4g}"
        boxes[id(node)] = ax.text(*pos[id(node)], text, ha="center", va="center", fontsize=GRAPH_FONT_SIZE,
                                  linespacing=1.15, zorder=3,
                                  bbox=dict(boxstyle="round,pad=0.25", fc="#e8f0fe" if node._parents else "#fff4d6",
                                            ec="0.5"))
    for parent, child in dict.fromkeys((id(p), id(c)) for p, c in edges(root)):  # a * a: one arrow
        # Clipped to the two boxes, whatever their widths, so that every arrowhead shows at the
        # edge of the box it points to (a fixed offset hid it under a wide box).
        ax.annotate("", xy=pos[child], xytext=pos[parent],
                    arrowprops=dict(arrowstyle="->", color="0.4", shrinkA=2, shrinkB=2,
                                    patchA=boxes[parent].get_bbox_patch(), patchB=boxes[child].get_bbox_patch(),
                                    connectionstyle=f"arc3,rad={edge_bend(pos[parent], pos[child])}"))
    ax.set_xlim(-0.5, n_cols - 0.5)
    ys = [p[1] for p in pos.values()]
    ax.set_ylim(min(ys) - 0.55, max(ys) + 0.55)
    ax.set_xlabel("inputs → output (forward); gradients flow back right → left", fontsize=GRAPH_FONT_SIZE)
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title)
    names = {id(node): node.label or node.op or "const" for node in order}
    nodes_text = "; ".join(f"{names[id(n)]} = {n.data:.4g} with gradient {n.grad:.4g}" for n in order)
    arrows = ", ".join(f"{names[id(a)]} → {names[id(b)]}" for a, b in edges(root))
    set_alt_text(ax, f"'{_clean(title)}', a computation graph drawn from the inputs on the left to the output "
                     f"on the right. Nodes, inputs first: {nodes_text}. Arrows: {arrows}.")
    return ax


def plot_neuron_outputs(params, activation="sigmoid", x=None, ax=None,
                        title=None):
    """One neuron with one input: a = f(w x + b) over x, one curve per (w, b) pair.

    params: sequence of (w, b) pairs (floats); activation: a name in nnlib.ACTIVATIONS;
    x: 1-D array of inputs (default 401 points in [-6, 6]).
    """
    from .activations import get_activation

    where = "plot_neuron_outputs"
    f, _ = get_activation(activation, where)
    params = _weight_pairs(params, where)
    x = np.linspace(-6, 6, 401) if x is None else _values(x, "x", where)
    ax = _axes(ax, where)
    for k, (w, b) in enumerate(params):  # each curve its colour and line style (no markers: dense curves)
        style = palette.series_style(k)
        ax.plot(x, f(w * x + b), color=style["color"], linestyle=style["linestyle"], label=f"w = {w:g}, b = {b:g}")
    ax.axhline(0, color=palette.BACKGROUND_LINE, lw=0.8)
    ax.axvline(0, color=palette.BACKGROUND_LINE, lw=0.8)
    ax.set_xlabel("input x")
    ax.set_ylabel(f"output a = {activation}(w x + b)")
    ax.set_title(title or f"One {activation} neuron for several w and b")
    ax.legend(fontsize="small")
    return ax


def _weight_pairs(params, where):
    """params as a list of (w, b) pairs of finite numbers."""
    expected = "a list of (w, b) pairs of numbers, such as [(1.0, 0.0), (3.0, -2.0)]"
    if params is None or isinstance(params, (str, bytes, dict)) or not hasattr(params, "__iter__"):
        raise TypeError(f"{where}: params must be {expected}, got {describe(params)}")
    params = list(params)
    if not params:
        raise ValueError(f"{where}: params must hold at least one (w, b) pair, got an empty list")
    for i, pair in enumerate(params):
        if not isinstance(pair, (tuple, list, np.ndarray)) or len(pair) != 2:
            raise TypeError(f"{where}: params must be {expected}; params[{i}] is {describe(pair)}")
    return [(require_number(w, f"params[{i}][0] (w)", where), require_number(b, f"params[{i}][1] (b)", where))
            for i, (w, b) in enumerate(params)]


def plot_losses_vs_prediction(y_hat=None):
    """Per-example MSE ½(y − ŷ)² and BCE −y log ŷ − (1 − y) log(1 − ŷ) against ŷ.

    Two panels, target y = 1 and y = 0. Each point is nnlib's mse_loss / bce_loss on a
    batch of one example, so the curves are exactly the library's losses.
    y_hat: 1-D array of predictions in (0, 1) (default 400 points in [0.002, 0.998]).
    Returns the Figure.
    """
    from .losses import bce_loss, mse_loss

    where = "plot_losses_vs_prediction"
    y_hat = np.linspace(0.002, 0.998, 400) if y_hat is None else _values(y_hat, "y_hat", where)
    if not np.all((y_hat > 0) & (y_hat < 1)):
        first = int(np.argmin((y_hat > 0) & (y_hat < 1)))
        raise ValueError(f"{where}: y_hat must hold predictions in (0, 1), got {y_hat[first]:g} at index {first}")
    fig, axes = plt.subplots(1, 2, figsize=(8.3, 3.4), sharey=True)  # fits the output area
    for ax, y in zip(axes, (1.0, 0.0)):
        target = np.array([[y]])
        mse = [mse_loss(np.array([[p]]), target)[0] for p in y_hat]
        bce = [bce_loss(np.array([[p]]), target)[0] for p in y_hat]
        ax.plot(y_hat, mse, label="MSE  ½(y − ŷ)²")
        ax.plot(y_hat, bce, label="BCE  −y log ŷ − (1−y) log(1−ŷ)")
        ax.set_xlabel("prediction ŷ")
        ax.set_title(f"target y = {y:g}")
        ax.legend(fontsize="small", loc="upper center")
    axes[0].set_ylabel("loss for one example")
    fig.tight_layout()
    return fig


def plot_output_gradients(z=None, y=1.0, ax=None,
                          title="Gradient at a sigmoid output, ∂L/∂z"):
    """∂L/∂z for ŷ = sigmoid(z) under MSE and under BCE, for one example with target y.

    MSE: (ŷ − y) ŷ (1 − ŷ), from nnlib's mse_loss and activation_backward;
    BCE: ŷ − y, from nnlib's bce_with_logits. The batch mean's 1/N is multiplied back
    out, so each curve is the gradient of one example's loss.
    z: 1-D array of logits (default 401 points in [-10, 10]).
    """
    from .activations import activation_backward, activation_forward
    from .losses import bce_with_logits, mse_loss

    where = "plot_output_gradients"
    z = np.linspace(-10, 10, 401) if z is None else _values(z, "z", where)
    y = require_number(y, "y", where, 0.0, 1.0)
    ax = _axes(ax, where)
    n = z.size
    col = z.reshape(-1, 1)
    target = np.full_like(col, y)
    y_hat, cache = activation_forward(col, "sigmoid")
    dz_mse = activation_backward(mse_loss(y_hat, target)[1], cache)[:, 0] * n
    dz_bce = bce_with_logits(col, target)[1][:, 0] * n
    ax.plot(z, dz_mse, label="MSE after sigmoid: (ŷ − y) ŷ(1 − ŷ)")
    ax.plot(z, dz_bce, label="BCE after sigmoid: ŷ − y")
    ax.axhline(0, color=palette.BACKGROUND_LINE, lw=0.8)
    ax.set_xlabel("logit z (ŷ = sigmoid(z))")
    ax.set_ylabel(f"∂L/∂z for target y = {y:g}")
    ax.set_title(title)
    _legend_outside(ax)
    return ax


def plot_gradient_step(loss_of, w0, grad, lr, w_range, ax=None,
                       title="One gradient-descent step", xlabel="w"):
    """A 1-D loss curve L(w), its tangent at w0 and the step w1 = w0 − lr · grad.

    loss_of(w) -> float for a scalar w; grad: dL/dw at w0; w_range: (low, high).
    The tangent L(w0) + grad (w − w0) is the straight line the step trusts.
    """
    where = "plot_gradient_step"
    require_callable(loss_of, "loss_of", where, "a function loss_of(w) returning a number")
    w0, grad = require_number(w0, "w0", where), require_number(grad, "grad", where)
    lr = require_positive(lr, "lr", where)
    w_range = _interval(w_range, "w_range", where)
    ax = _axes(ax, where)
    ws = np.linspace(*w_range, 300)
    losses = np.array([loss_of(w) for w in ws])
    L0 = loss_of(w0)
    w1 = w0 - lr * grad
    L1 = loss_of(w1)
    ax.plot(ws, losses, label="loss L(w)")
    near = np.linspace(w0 - 0.35 * (w_range[1] - w_range[0]),
                       w0 + 0.35 * (w_range[1] - w_range[0]), 2)
    ax.plot(near, L0 + grad * (near - w0), "--", color=palette.GUIDE,
            label=f"tangent at w, slope ∂L/∂w = {grad:.3g}")
    ax.plot([w0], [L0], "o", color=palette.VERMILLION, ms=7, label=f"before: w = {w0:.3g}, L = {L0:.4g}")
    ax.plot([w1], [L1], "s", color=palette.GREEN, ms=7, label=f"after:  w = {w1:.3g}, L = {L1:.4g}")
    ax.annotate("", xy=(w1, L1), xytext=(w0, L0),
                arrowprops=dict(arrowstyle="->", color=palette.GREEN))
    ax.set_ylim(losses.min() - 0.1 * np.ptp(losses), losses.max() + 0.1 * np.ptp(losses))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss L")
    ax.set_title(f"{title} (η = {lr:g})")
    _legend_outside(ax)
    return ax


def plot_loglog(curves, ax=None, *, xlabel, ylabel, title, legend_outside=False):
    """Several curves on log-log axes, for quantities that span orders of magnitude.

    curves: dict label -> (x, y) or (x, y, fmt), with x and y 1-D arrays of equal length
    and positive values; fmt is a matplotlib format string (default: the k-th curve's own
    marker and line style from nnlib.palette; use "--" for a theoretical line, "." for a cloud
    of points). legend_outside: put the legend to the right of the axes, where it cannot hide
    a curve. A 0 cannot be shown on a log axis and is left out; a negative value is refused.
    """
    where = "plot_loglog"
    curves = [(label, _loglog_curve(curve, label, where))
              for label, curve in _mapping(curves, "curves", where, "label -> (x, y) or (x, y, fmt)")]
    ax = _axes(ax, where)
    for k, (label, (x, y, fmt)) in enumerate(curves):
        style = {} if fmt else palette.series_style(k)
        ax.loglog(x, y, *fmt, label=label, ms=4, **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if legend_outside:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    else:
        ax.legend(fontsize="small")
    return ax


def _loglog_curve(curve, label, where):
    """One entry of plot_loglog's curves: (x, y, [fmt]) with x and y of equal length, >= 0."""
    name = f"curves[{label!r}]"
    if not isinstance(curve, (tuple, list)) or len(curve) not in (2, 3):
        raise TypeError(f"{where}: {name} must be a pair (x, y) or a triple (x, y, fmt), got {describe(curve)}")
    if len(curve) == 3 and not isinstance(curve[2], str):
        raise TypeError(f"{where}: {name}[2] must be a matplotlib format string such as '--', "
                        f"got {describe(curve[2])}")
    x = _values(curve[0], f"{name}[0] (x)", where, nonnegative=True, what="values on a log axis")
    y = _values(curve[1], f"{name}[1] (y)", where, n=len(x), per="x", nonnegative=True,
                what="values on a log axis")
    return x, y, list(curve[2:])


def plot_gradient_check(results, ax=None, threshold=1e-7, floor=1e-16,
                        title="Gradient check: relative error per parameter"):
    """Grouped bars (log scale) of the relative errors that nnlib.gradient_check returns.

    results: dict run label -> {parameter name: relative error}, every run with the same
    parameter names (for example a correct and a broken backward pass). threshold: drawn
    as a horizontal line (the pass mark). Errors below ``floor`` (an exact 0, say) are
    drawn at ``floor`` so the log scale can show them.
    """
    where = "plot_gradient_check"
    results = _gradient_check_results(results, where)
    threshold, floor = require_positive(threshold, "threshold", where), require_positive(floor, "floor", where)
    ax = _axes(ax, where, (6.5, 3.5))
    runs = list(results)
    names = list(results[runs[0]])
    width = 0.8 / len(runs)
    positions = np.arange(len(names))
    hatches = ("", "//", "..", "xx", "\\\\")  # a pattern per run besides its colour
    for i, run in enumerate(runs):
        errors = np.maximum([results[run][n] for n in names], floor)
        ax.bar(positions + (i - (len(runs) - 1) / 2) * width, errors, width, label=run,
               color=palette.COLOURS[i % len(palette.COLOURS)], hatch=hatches[i % len(hatches)], edgecolor="white")
    ax.axhline(threshold, color="k", ls="--", lw=1, label=f"pass mark {threshold:g}")
    ax.set_yscale("log")
    largest = max(max(max(r.values()) for r in results.values()), threshold)
    ax.set_ylim(top=largest * 1e3)  # headroom above the bars for the legend
    ax.set_xticks(positions)
    ax.set_xticklabels(names, fontsize="small")
    ax.set_xlabel("parameter")
    ax.set_ylabel("relative error (log scale)")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper center", ncol=2)
    return ax


def _gradient_check_results(results, where):
    """results as plot_gradient_check takes them: run -> {parameter: relative error >= 0}, every run
    with the first run's parameter names; the errors as floats."""
    expected = "run label -> {parameter name: relative error}, as nnlib.gradient_check returns for each run"
    checked, names = {}, None
    for run, errors in _mapping(results, "results", where, expected):
        label = f"results[{run!r}]"
        if not isinstance(errors, dict) or not errors:
            raise TypeError(f"{where}: {label} must be a non-empty dict of parameter name -> relative error "
                            f"(results is a dict of {expected}), got {describe(errors)}")
        checked[run] = {n: require_number(e, f"{label}[{n!r}] (a relative error, never negative)", where, low=0.0)
                        for n, e in errors.items()}
        if names is None:
            names = list(errors)
        elif list(errors) != names:
            raise ValueError(f"{where}: run {run!r} has parameters {list(errors)}, expected the same as the first "
                             f"run: {names}")
    return checked


GRID_WIDTH_INCHES = 8.2    # an image grid fits a notebook's output area, so it is never shrunk
GRID_FONT_SIZE = 9


def plot_image_grid(images, titles, *, image_shape=(8, 8), n_cols=8, wrong=None,
                    title="Images"):
    """Small images in a grid, each with a caption; captions of ``wrong`` ones in red.

    images: (n, h * w) rows (such as digits from nnlib.data.load_digits) or (n, h, w);
    titles: n strings (a caption may have two lines); image_shape: (h, w) to reshape flat
    rows; wrong: optional (n,) booleans (for example predicted != true). The grid is at
    most GRID_WIDTH_INCHES wide with GRID_FONT_SIZE captions. Returns the Figure.
    """
    where = "plot_image_grid"
    images = _grid_images(images, image_shape, where)
    n = len(images)
    if titles is None or isinstance(titles, (str, bytes, dict)) or not hasattr(titles, "__len__"):
        raise TypeError(f"{where}: titles must be a list of {n} captions, one per image, got {describe(titles)}")
    if len(titles) != n:
        raise ValueError(f"{where}: got {n} images but {len(titles)} titles; expected one title per image")
    wrong = np.zeros(n, bool) if wrong is None else _wrong_flags(wrong, n, where)
    n_cols = min(require_size(n_cols, "n_cols", where), n)
    n_rows = -(-n // n_cols)
    cell = min(1.0, GRID_WIDTH_INCHES / n_cols)
    caption_lines = max(str(t).count("\n") + 1 for t in titles)
    caption = caption_lines * GRID_FONT_SIZE * 1.3 / 72 + 0.05  # inches above each image
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(cell * n_cols, (cell + caption) * n_rows + 0.45),
                             squeeze=False, gridspec_kw={"wspace": 0.08, "hspace": caption / cell + 0.08})
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
        ax.set_title(titles[k], fontsize=GRID_FONT_SIZE, color=palette.TEXT_ALERT if wrong[k] else "k", pad=2,
                     linespacing=1.1)
    fig.suptitle(title)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - 0.45 / fig.get_figheight())
    captions = "; ".join(" ".join(str(t).split()) for t in titles)
    rows = f"{n_rows} row{'s' * (n_rows > 1)}"
    set_alt_text(fig, f"'{_clean(title)}': {n} small grey-scale images in {rows} of {n_cols}, each "
                      f"with a caption above it, {int(wrong.sum())} of them in dark red. The captions, row by "
                      f"row: {captions}.")
    return fig


def _grid_images(images, image_shape, where):
    """images as an (n, h, w) array, n >= 1: (n, h * w) rows are reshaped to image_shape."""
    images = require_array(images, "images", where)
    if images.ndim not in (2, 3) or len(images) == 0:
        raise ValueError(f"{where}: images must have shape (n, h * w) or (n, h, w) with n >= 1, "
                         f"got shape {images.shape}")
    if images.ndim == 3:
        return images
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise TypeError(f"{where}: image_shape must be an (h, w) pair of sizes, got {describe(image_shape)}")
    h, w = (require_size(v, f"image_shape[{i}]", where) for i, v in enumerate(image_shape))
    if images.shape[1] != h * w:
        raise ValueError(f"{where}: rows of length {images.shape[1]} cannot be shown as {(h, w)} images; pass "
                         f"image_shape=(h, w) with h * w = {images.shape[1]}")
    return images.reshape(len(images), h, w)


def _wrong_flags(wrong, n, where):
    """wrong as n booleans (1 and 0 are taken too)."""
    flags = np.asarray(wrong) if wrong is not None and not isinstance(wrong, (str, bytes, dict)) else None
    if flags is None or flags.dtype.kind not in "biu" or flags.shape != (n,):
        raise ValueError(f"{where}: wrong must be {n} booleans, one per image (such as predicted != true), "
                         f"got {describe(wrong)}")
    return flags.astype(bool)


def plot_confusion_matrix(y_true, y_pred, n_classes=None, ax=None, title="Confusion matrix"):
    """The confusion matrix of integer labels as a heat map, each cell with its count.

    Rows are the true classes, columns the predicted ones; off-diagonal cells are mistakes.
    """
    where = "plot_confusion_matrix"
    if n_classes is not None:
        n_classes = require_size(n_classes, "n_classes", where)
    y_true = require_labels(y_true, "y_true", where, n_classes=n_classes)
    if len(y_true) == 0:
        raise ValueError(f"{where}: y_true must hold at least one label, got an empty array")
    y_pred = require_labels(y_pred, "y_pred", where, n=len(y_true), n_classes=n_classes, rows_of="y_true")
    counts = confusion_matrix(y_true, y_pred, n_classes)
    k = len(counts)
    ax = _axes(ax, where, (5, 4.5))
    ax.imshow(counts, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize="small",
                        color="w" if counts[i, j] > counts.max() / 2 else "k")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    off = counts - np.diag(np.diag(counts))
    worst = np.unravel_index(np.argmax(off), off.shape)
    mistakes = (f"the most frequent mistake is true {worst[0]} predicted as {worst[1]} ({off[worst]} times)"
                if off.any() else "there is no mistake")
    set_alt_text(ax, f"'{_clean(title)}': a {k} by {k} heat map of counts, true class in rows, predicted class "
                     f"in columns; {np.trace(counts)} of {counts.sum()} on the diagonal (correct); {mistakes}.")
    return ax


def plot_iterates(series, ax=None, *, xlabel="step t", ylabel, title, logy=False):
    """One curve per run: the value at each step of an iteration (gradient descent, say).

    series: dict label -> 1-D array of values, entry t at step t (runs may differ in length).
    logy: log scale on y (absolute values are drawn, so oscillating signs show as a zigzag
    on a linear axis and as a straight line of slope log|factor| on a log axis).
    """
    where = "plot_iterates"
    series = [(label, _values(values, f"series[{label!r}]", where))
              for label, values in _mapping(series, "series", where, "label -> values per step")]
    logy = require_bool(logy, "logy", where)
    ax = _axes(ax, where)
    for k, (label, values) in enumerate(series):  # each run its colour, marker and line style
        steps = np.arange(len(values))
        if logy:
            ax.semilogy(steps, np.abs(values), ms=4, label=label, **palette.series_style(k))
        else:
            ax.plot(steps, values, ms=4, label=label, **palette.series_style(k))
    if not logy:
        ax.axhline(0, color=palette.BACKGROUND_LINE, lw=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps (and layers) are counted, never halved
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
