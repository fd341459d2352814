"""The notebooks' figures are readable where they are shown: legends cover no data, text is legible.

A figure in a notebook is an inline PNG cut to its tight bounding box and shown one image pixel
per screen pixel, unless it is wider than the output area, which shrinks it to fit. The output
area of JupyterLab 4 in a 1280-pixel-wide chromium window with the file browser open is 848
pixels wide (measured). So a text of s points in a figure of dpi d appears s·d/72 pixels tall,
times 848 / width when the figure is wider than 848 pixels; it must come out at 9 pixels or more.
Each figure is drawn the way its notebook draws it.
"""

import matplotlib

matplotlib.use("Agg")  # headless, set for this test module only

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

import nnlib  # noqa: E402
from nnlib import palette, plots  # noqa: E402
from nnlib.graph import Value  # noqa: E402

OUTPUT_WIDTH_PX = 848
LEGIBLE_PX = 9.0


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def shown_scale(fig):
    """How much the notebook shrinks the figure: 1 when its tight box fits the output area."""
    renderer = fig.canvas.get_renderer()
    width_px = fig.get_tightbbox(renderer).width * fig.dpi
    return min(1.0, OUTPUT_WIDTH_PX / width_px)


def visible_texts(fig):
    texts = []
    for artist in fig.findobj(matplotlib.text.Text):
        if artist.get_visible() and artist.get_text().strip() and artist.get_figure() is fig:
            texts.append(artist)
    return texts


def smallest_text_px(fig):
    fig.canvas.draw()
    scale = shown_scale(fig)
    sizes = [(t.get_fontsize() * fig.dpi / 72 * scale, t.get_text()) for t in visible_texts(fig)]
    return min(sizes)


def data_points_px(ax):
    """Display coordinates of the labelled data (what a legend explains): line vertices, the points
    between them, and markers. Unlabelled guides, such as a grey line at zero, do not count."""
    points = []
    for line in ax.get_lines():
        if not line.get_visible() or line.get_label().startswith("_"):
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        if len(xy) > 1:  # points along every segment too, so a legend across a segment is caught
            t = np.linspace(0, 1, 20)[:, None, None]
            xy = (xy[:-1] * (1 - t) + xy[1:] * t).reshape(-1, 2)
        points.append(xy)
    for collection in ax.collections:
        if (isinstance(collection, PathCollection) and len(collection.get_offsets())
                and not collection.get_label().startswith("_")):
            points.append(collection.get_offset_transform().transform(collection.get_offsets()))
    return np.concatenate(points) if points else np.zeros((0, 2))


def assert_legends_cover_no_data(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [(ax.get_legend(), [ax]) for ax in fig.axes if ax.get_legend() is not None]
    legends += [(legend, fig.axes) for legend in fig.legends]
    for legend, axes in legends:
        ax = axes[0]
        box = legend.get_window_extent(renderer)
        xy = np.concatenate([data_points_px(a) for a in axes])
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        inside = (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)
        assert not inside.any(), (f"the legend of '{ax.get_title()}' covers {inside.sum()} points of "
                                  f"the data it explains, near {xy[inside][0]}")


def assert_readable(fig):
    px, text = smallest_text_px(fig)
    assert px >= LEGIBLE_PX, f"'{text}' is shown {px:.1f} px tall; expected at least {LEGIBLE_PX} px"
    assert_legends_cover_no_data(fig)


def digits():
    X, y = nnlib.data.load_digits()
    return X, y


# --- the two checks themselves catch what they are meant to


def test_a_legend_on_top_of_a_curve_is_caught():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 0.5 + 0 * x, label="a flat line through the middle")
    ax.legend(loc="center")
    with pytest.raises(AssertionError, match="covers"):
        assert_legends_cover_no_data(fig)


def test_a_legend_on_a_vertical_line_is_caught():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 0], label="floor")
    ax.axvline(0.5, label="marker")
    ax.legend(loc="center")
    with pytest.raises(AssertionError, match="covers"):
        assert_legends_cover_no_data(fig)


def test_text_shrunk_by_a_wide_figure_is_caught():
    fig, ax = plt.subplots(figsize=(30, 3))
    ax.set_title("a wide figure")
    px, _ = smallest_text_px(fig)
    assert px < LEGIBLE_PX


# --- every figure of notebooks 00-05, 07 and 09


@pytest.mark.nb03
def test_computation_graph_of_notebook_03():
    x, w, b = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.4, label="b")
    y_hat = (w * x + b).sigmoid()
    e = y_hat - Value(1.0, label="y")
    e.label = "e = ŷ − y"
    L = 0.5 * e**2
    L.backward()
    assert_readable(plots.draw_graph(L, title="One sigmoid neuron with squared error").figure)


@pytest.mark.nb02
def test_loss_and_gradient_plots_of_notebook_02():
    assert_readable(plots.plot_losses_vs_prediction())
    assert_readable(plots.plot_output_gradients(y=1.0).figure)


@pytest.mark.nb00
@pytest.mark.nb01
@pytest.mark.nb04
def test_neuron_and_activation_plots_of_notebooks_00_01_04():
    settings = [(1.0, 0.0), (3.0, 0.0), (1.0, 2.0), (-2.0, 1.0)]
    ax = plots.plot_neuron_outputs(settings)
    midpoints = [-b / w for w, b in settings]  # 01 marks them and redraws the legend beside the axes
    ax.axhline(0.5, color=palette.GUIDE, lw=0.8, ls=(0, (1, 3)))
    ax.plot(midpoints, [0.5] * len(midpoints), "o", color="black", ms=4, label="midpoints x = −b/w")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    assert_readable(ax.figure)
    assert_readable(plots.plot_activations())


@pytest.mark.nb04
def test_gradient_step_and_loss_surface_of_notebook_04():
    def loss(w, b=0.0):
        return float(np.mean((1 / (1 + np.exp(-(w * np.linspace(-2, 2, 8) + b))) - 0.5) ** 2))

    assert_readable(plots.plot_gradient_step(loss, -1.0, -0.05, 4.0, w_range=(-3.0, 4.0),
                                             title="One step on w (b fixed)").figure)
    title = "Loss of one sigmoid neuron over (w, b), and 40 descent steps"
    ax = plots.plot_loss_surface(loss, (-2.0, 5.0), (-2.0, 2.5), trajectory=[(-1, 1.5), (0, 1)], title=title)
    assert_readable(ax.figure)
    contour_colours = ax.collections[0].get_edgecolor()       # one per level: none fades into white
    assert min(palette.contrast_ratio(matplotlib.colors.to_hex(c)) for c in contour_colours) >= 3.0


@pytest.mark.nb05
def test_log_log_and_gradient_check_plots_of_notebook_05():
    hs = np.logspace(-1, -10, 46)
    ax = plots.plot_loglog({"forward difference (float64)": (hs, hs, ".-"),
                            "central difference (float64)": (hs, hs**2, ".-"),
                            "roundoff  ε|σ|/h (float64)": (hs, 1e-16 / hs, ":")},
                           xlabel="step h", ylabel="|finite difference − σ'(0.5)|",
                           title="Error of finite differences of σ at 0.5", legend_outside=True)
    assert_readable(ax.figure)
    errors = {"layers[0].W": 1e-9, "layers[0].b": 1e-10, "layers[2].W": 1.0, "layers[2].b": 0.3}
    ax = plots.plot_gradient_check({"correct": errors, "forgot f'(z) in layer 3": errors,
                                    "W instead of Wᵀ in layer 2": errors},
                                   title="Gradient check of a correct and two broken backward passes")
    assert_readable(ax.figure)


@pytest.mark.nb07
@pytest.mark.nb09
def test_loss_curves_of_notebooks_07_and_09():
    rng = np.random.default_rng(0)
    epochs = np.arange(1, 58)  # like 09: 57 epochs, the best near two thirds of the way
    val = list(1 / epochs + epochs / 37**2 + 0.005 * rng.random(len(epochs)))
    history = nnlib.History(train_loss=list(0.8 / epochs), val_loss=val,
                            best_epoch=int(np.argmin(val)), stopped_early=True)
    assert_readable(plots.plot_loss_curves(history, title="Digits: loss per epoch, η = 0.5 (chosen)").figure)


@pytest.mark.nb07
@pytest.mark.nb09
def test_decision_boundaries_of_notebooks_07_and_09():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_moons(150, rng, noise=0.15)
    model = nnlib.mlp([2, 8, 2], activation="tanh", rng=rng)
    assert_readable(plots.plot_decision_boundary(model, X, y, title="Network, validation accuracy 0.993").figure)
    ten = nnlib.mlp([2, 16, 10], activation="tanh", rng=rng)
    Z = rng.standard_normal((359, 2)) * 2
    labels = rng.integers(0, 10, 359)
    ax = plots.plot_decision_boundary(ten, Z, labels, resolution=60, xlabel="first principal component $s$",
                                      ylabel="second principal component $t$",
                                      title="The trained network's classes on a plane through digit space")
    assert_readable(ax.figure)


@pytest.mark.nb09
def test_ten_classes_are_told_apart_by_marker_as_well_as_colour():
    rng = np.random.default_rng(0)
    ten = nnlib.mlp([2, 16, 10], activation="tanh", rng=rng)
    Z, labels = rng.standard_normal((100, 2)), np.arange(100) % 10
    ax = plots.plot_decision_boundary(ten, Z, labels, resolution=30)
    classes = {str(k) for k in range(10)}
    # (matplotlib before 3.8 also draws each filled contour level as a PathCollection: those carry no class label)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_label() in classes]
    assert len(scatters) == 10, "one scatter per class, so each class can have its own marker"
    shapes = {tuple(map(tuple, np.round(c.get_paths()[0].vertices, 3))) for c in scatters}
    assert len(shapes) >= 8, f"only {len(shapes)} distinct markers for 10 classes"
    handles = ax.get_legend().legend_handles
    assert [h.get_label() for h in handles] == [str(k) for k in range(10)]


@pytest.mark.nb09
def test_digit_grids_and_confusion_matrix_of_notebook_09():
    X, y = digits()
    assert_readable(plots.plot_image_grid(X[:24], [f"label {label}" for label in y[:24]], n_cols=12,
                                          title="The first 24 digits and their labels"))
    captions = [f"{p}" if p == t else f"{p}\n(true {t})" for p, t in zip((y[:24] + 1) % 10, y[:24])]
    assert_readable(plots.plot_image_grid(X[:24], captions, wrong=np.ones(24, bool), n_cols=12,
                                          title="All 24 misread test digits: predicted (true)"))
    predicted = np.where(np.arange(len(y)) % 7 == 0, (y + 1) % 10, y)
    assert_readable(plots.plot_confusion_matrix(y, predicted, n_classes=10,
                                                title="Digits: test-set confusion matrix").figure)


@pytest.mark.nb09
def test_captions_of_a_digit_grid_do_not_overlap():
    X, y = digits()
    captions = [f"{(t + 1) % 10}\n(true {t})" for t in y[:24]]
    fig = plots.plot_image_grid(X[:24], captions, wrong=np.ones(24, bool), n_cols=12, title="Mistakes")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.title.get_text()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "two captions overlap"
