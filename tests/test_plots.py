"""Every plot helper labels its axes and titles its plot, and draws what it is given."""

import matplotlib

matplotlib.use("Agg")  # headless, set for this test module only

import functools  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlib  # noqa: E402
from nnlib import palette, plots  # noqa: E402
from nnlib.graph import Value  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def assert_labelled(ax):
    assert ax.get_xlabel() and ax.get_title(), (ax.get_xlabel(), ax.get_title())


def test_activations_plot():
    fig = plots.plot_activations()
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert_labelled(ax)
        assert len(ax.get_lines()) >= 2


def test_loss_curves_mark_the_best_epoch():
    h = nnlib.History(train_loss=[3, 2, 1, 1.1], val_loss=[3, 2.5, 2, 2.2], best_epoch=2,
                      stopped_early=True)
    ax = plots.plot_loss_curves(h)
    assert_labelled(ax)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "best epoch (2)" in labels and "early stop" in labels


def test_decision_boundary_and_grad_norms_and_surface():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_moons(50, rng)
    model = nnlib.mlp([2, 4, 2], rng=rng)
    assert_labelled(plots.plot_decision_boundary(model, X, y, resolution=30))
    ax = plots.plot_grad_norms([1e-6, 1e-3, 1.0], theory=[1e-6, 1e-3, 1.0])
    assert_labelled(ax)
    assert ax.get_yscale() == "log"
    ax = plots.plot_loss_surface(lambda w, b: (w - 1) ** 2 + b**2, (-2, 2), (-2, 2),
                                 trajectory=[[0, 1], [0.5, 0.5]])
    assert_labelled(ax)


def test_draw_graph_shows_every_node():
    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    L = (w * x).tanh()
    L.backward()
    ax = plots.draw_graph(L)
    assert_labelled(ax)
    nodes = [t for t in ax.texts if t.get_bbox_patch() is not None]
    assert len(nodes) == 4  # w, x, w*x, tanh
    assert len(ax.texts) - len(nodes) == 3  # one arrow per edge


@pytest.mark.nb03
def test_draw_graph_every_arrowhead_touches_the_box_it_points_to():
    # Notebook 03's graphs: boxes of very different widths ("h1 = tanh(w1·x)" against "x"), an edge
    # that skips a column (b → z), a node used by two operations (x).
    x, w, b = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.4, label="b")
    z = w * x + b
    z.label = "z"
    e = z.sigmoid() - Value(1.0, label="y")
    e.label = "e = ŷ − y"
    L = 0.5 * e**2
    x2 = Value(0.5, label="x")
    h1, h2 = (x2 * Value(1.5, label="w1")).tanh(), (x2 * Value(-2.0, label="w2")).sigmoid()
    h1.label, h2.label = "h1 = tanh(w1·x)", "h2 = σ(w2·x)"
    for root in (L, h1 + h2):
        root.backward()
        ax = plots.draw_graph(root)
        fig = ax.figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [t for t in ax.texts if t.get_bbox_patch() is not None]
        arrows = [t for t in ax.texts if t.get_bbox_patch() is None]
        assert arrows
        for arrow in arrows:
            child = min(boxes, key=lambda box: np.hypot(*np.subtract(box.get_position(), arrow.xy)))
            box = child.get_bbox_patch().get_window_extent(renderer)
            centre = ax.transData.transform(child.get_position())
            path = arrow.arrow_patch.get_path().vertices  # display pixels, once drawn
            tip = path[np.argmin(np.hypot(*(path - centre).T))]
            gap = max(box.x0 - tip[0], tip[0] - box.x1, box.y0 - tip[1], tip[1] - box.y1)
            name = child.get_text().splitlines()[0]
            assert -1 <= gap <= 8, f"the arrowhead into {name!r} is {gap:.1f} px outside its box (< 0: hidden inside)"
        plt.close(fig)


def test_neuron_outputs_one_labelled_curve_per_pair():
    ax = plots.plot_neuron_outputs([(1.0, 0.0), (3.0, -2.0)], activation="tanh")
    assert_labelled(ax)
    assert ax.get_ylabel() == "output a = tanh(w x + b)"
    curves = [line for line in ax.get_lines() if line.get_label().startswith("w =")]
    assert [c.get_label() for c in curves] == ["w = 1, b = 0", "w = 3, b = -2"]
    x, a = curves[1].get_data()
    assert np.allclose(a, np.tanh(3 * x - 2))
    with pytest.raises(ValueError, match="unknown activation"):
        plots.plot_neuron_outputs([(1.0, 0.0)], activation="softplus")


def test_losses_vs_prediction_two_panels_of_mse_and_bce():
    fig = plots.plot_losses_vs_prediction(np.array([0.1, 0.5, 0.9]))
    assert len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["target y = 1", "target y = 0"]
    for ax in fig.axes:
        assert_labelled(ax)
    assert fig.axes[0].get_ylabel() == "loss for one example"
    mse, bce = fig.axes[0].get_lines()  # y = 1
    assert np.allclose(mse.get_ydata(), 0.5 * (1 - np.array([0.1, 0.5, 0.9])) ** 2)
    assert np.allclose(bce.get_ydata(), -np.log([0.1, 0.5, 0.9]))


def test_output_gradients_mse_and_bce_curves():
    z = np.array([-4.0, 0.0, 4.0])
    ax = plots.plot_output_gradients(z, y=1.0)
    assert_labelled(ax)
    assert ax.get_ylabel() == "∂L/∂z for target y = 1"
    mse, bce = [line for line in ax.get_lines() if line.get_label().startswith(("MSE", "BCE"))]
    s = nnlib.sigmoid(z)
    assert np.allclose(mse.get_ydata(), (s - 1) * s * (1 - s))
    assert np.allclose(bce.get_ydata(), s - 1)


def test_gradient_step_marks_before_and_after():
    ax = plots.plot_gradient_step(lambda w: (w - 1.0) ** 2, w0=3.0, grad=4.0, lr=0.25,
                                  w_range=(-1.0, 4.0))
    assert_labelled(ax)
    assert ax.get_ylabel() == "loss L"
    assert ax.get_title() == "One gradient-descent step (η = 0.25)"
    labels = [line.get_label() for line in ax.get_lines()]
    assert "before: w = 3, L = 4" in labels
    assert "after:  w = 2, L = 1" in labels


def test_loglog_draws_each_curve_on_log_axes():
    ax = plots.plot_loglog({"measured": ([1, 10, 100], [1, 0.1, 0.01]),
                            "theory": ([1, 100], [1, 0.01], "--")},
                           xlabel="batch size", ylabel="spread", title="Noise")
    assert_labelled(ax)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["measured", "theory"]
    assert ax.get_lines()[1].get_linestyle() == "--"


def test_gradient_check_bars_one_group_per_parameter():
    results = {"correct": {"layers[0].W": 1e-9, "layers[0].b": 0.0},
               "broken": {"layers[0].W": 0.3, "layers[0].b": 0.2}}
    ax = plots.plot_gradient_check(results)
    assert_labelled(ax)
    assert ax.get_ylabel() == "relative error (log scale)" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["layers[0].W", "layers[0].b"]
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == [1e-16, 1e-9, 0.2, 0.3]  # the exact 0 is drawn at the floor
    with pytest.raises(ValueError, match="same as the first run"):
        plots.plot_gradient_check({"a": {"W": 1.0}, "b": {"b": 1.0}})


def test_image_grid_titles_and_wrong_ones_in_red():
    images = np.arange(3 * 64).reshape(3, 64) / 192
    fig = plots.plot_image_grid(images, ["3", "5", "8 (true 9)"], n_cols=2,
                                wrong=[False, False, True], title="Digits")
    assert fig._suptitle.get_text() == "Digits"
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["3", "5", "8 (true 9)"]
    assert shown[2].title.get_color() == palette.TEXT_ALERT and shown[0].title.get_color() == "k"
    assert shown[0].images[0].get_array().shape == (8, 8)
    with pytest.raises(ValueError, match="one title per image"):
        plots.plot_image_grid(images, ["3"])


def test_confusion_matrix_counts_and_plot():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 2, 0])
    counts = nnlib.confusion_matrix(y_true, y_pred)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert np.trace(counts) / counts.sum() == nnlib.accuracy(np.eye(3)[y_pred], y_true)
    ax = plots.plot_confusion_matrix(y_true, y_pred, title="Digits")
    assert_labelled(ax)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "1", "2"]


def test_iterates_one_labelled_curve_per_run():
    runs = {"η = 0.1": 0.6 ** np.arange(8), "η = 0.6": (-1.4) ** np.arange(5)}
    ax = plots.plot_iterates(runs, ylabel="w_t", title="Iterates")
    assert_labelled(ax)
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == list(runs)
    ax = plots.plot_iterates(runs, ylabel="|w_t|", title="Iterates", logy=True)
    assert ax.get_yscale() == "log"
    assert np.all(ax.get_lines()[1].get_ydata() > 0)  # |(-1.4)^t| drawn on the log axis
    ax = plots.plot_iterates({"20 layers": np.ones(21)}, xlabel="layer", ylabel="a", title="t")
    ax.get_figure().canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert len(ticks) >= 3 and all(t == int(t) for t in ticks), ticks  # counted: no 2.5 or 17.5


def test_decision_boundary_with_many_classes_has_a_legend_and_custom_labels():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_spirals(60, rng, classes=3)
    model = nnlib.mlp([2, 4, 3], rng=rng)
    ax = plots.plot_decision_boundary(model, X, y, resolution=20, xlabel="first", ylabel="second")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("first", "second")
    legend = ax.get_legend()
    assert legend is not None and len(legend.get_texts()) == 3


def test_grad_norms_name_the_expected_trend_and_draw_other_series():
    ax = plots.plot_grad_norms([1e-6, 1e-3, 1.0], theory=[1e-6, 1e-3, 1.0], others={"‖∂L/∂W‖": [1e-5, 1e-2, 2.0]})
    assert [line.get_label() for line in ax.get_lines()] == ["measured", "expected trend", "‖∂L/∂W‖"]
    assert ax.get_lines()[2].get_ydata().tolist() == [1e-5, 1e-2, 2.0]
    ax = plots.plot_grad_norms(np.geomspace(1e-3, 1.0, 16))
    ax.figure.canvas.draw()
    assert all(float(t).is_integer() for t in ax.get_xticks()), "layers are whole numbers"


@pytest.mark.nb13
def test_grad_norms_compared_one_styled_curve_per_network_input_side_first():
    ax = plots.plot_grad_norms_compared({"plain": [1e-9, 1e-4, 1.0], "residual": [0.5, 0.6, 1.0]}, title="t")
    assert_labelled(ax)
    assert ax.get_yscale() == "log"
    plain, residual = ax.get_lines()
    assert plain.get_xdata().tolist() == [1, 2, 3] and plain.get_ydata().tolist() == [1e-9, 1e-4, 1.0]
    assert plain.get_marker() != residual.get_marker() and plain.get_linestyle() != residual.get_linestyle()
    assert plain.get_color() != residual.get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["plain", "residual"]


def test_layer_updates_one_line_per_layer_on_a_log_scale():
    sizes = np.array([[1e-4, 1e-2, 1e-1], [2e-4, 2e-2, 1e-1]])
    ax = plots.plot_layer_updates(sizes)
    assert_labelled(ax)
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["layer 1", "layer 2", "layer 3"]
    # every layer is told apart: a colour bar with one tick per layer, in the lines' colours
    bar = ax.get_figure().axes[-1]
    assert bar is not ax and bar.get_ylabel() == "layer (1 = input side)"
    assert [float(t) for t in bar.get_yticks()] == [1.0, 2.0, 3.0]
    colours = [tuple(line.get_color()) for line in ax.get_lines()]
    assert len(set(colours)) == 3
    bands = next(c for c in bar.collections if c.get_array() is not None)   # the bar's bands, layer 1 first
    assert [tuple(c) for c in bands.cmap(bands.norm([1, 2, 3]))] == colours
    assert "3 labelled series: layer 1; layer 2; layer 3" in plots.figure_alt_text(ax.get_figure())
    assert ax.get_lines()[1].get_ydata().tolist() == [1e-2, 2e-2]


def test_sharp_inline_figures_only_inside_a_kernel():
    assert plots.sharp_inline_figures() is False  # pytest is no IPython kernel: nothing to set


# --------------------------------------------------------------------------- alt text


def test_a_figure_is_shown_as_png_and_as_an_img_with_its_alt_text():
    import base64
    import html

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0], label="training loss")
    ax.set(title="Loss per epoch", xlabel="epoch", ylabel="loss")
    ax.legend()
    data, metadata = plots.figure_bundle(fig)
    alt = "'Loss per epoch': loss against epoch, 1 labelled series: training loss."
    assert plots.figure_alt_text(fig) == alt and data["text/plain"] == alt
    png = base64.b64decode(data["image/png"])
    width = int.from_bytes(png[16:20], "big")  # the IHDR chunk's width
    assert metadata["image/png"]["alt"] == alt and metadata["image/png"]["width"] == width // 2  # retina
    assert f'alt="{html.escape(alt)}"' in data["text/html"] and data["image/png"] in data["text/html"]
    assert plots.figure_bundle(plt.figure()) == ({}, {}), "an empty figure shows nothing"


def test_alt_text_is_made_panel_by_panel_and_can_be_given():
    fig = plots.plot_losses_vs_prediction()
    alt = plots.figure_alt_text(fig)
    assert alt.startswith("2 panels. Panel 1, 'target y = 1': loss for one example against prediction ŷ")
    assert "Panel 2, 'target y = 0'" in alt
    ax = plots.plot_grad_norms(np.array([1e-3, 1e-2]))
    assert "gradient norm (log scale) against layer (1 = input side)" in plots.figure_alt_text(ax.figure)
    plots.set_alt_text(ax, "Norms grow tenfold per layer towards the output.")
    assert plots.figure_alt_text(ax.figure) == "Norms grow tenfold per layer towards the output."
    plots.set_alt_text(ax.figure, "The whole figure.")
    assert plots.figure_alt_text(ax.figure) == "The whole figure."
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        plots.set_alt_text(ax, "  ")


def test_helpers_say_what_their_data_show():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    alt = plots.figure_alt_text(plots.draw_graph(c).figure)
    assert "a = 2 with gradient 3" in alt and "b = 3 with gradient 2" in alt and "a → c" in alt
    ax = plots.plot_confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]))
    assert "3 of 4 on the diagonal" in plots.figure_alt_text(ax.figure)
    assert "true 1 predicted as 2 (1 times)" in plots.figure_alt_text(ax.figure)
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [2.0, 0.0]])

    class Threshold:  # class 1 where x1 > 0
        def forward(self, x):
            return np.column_stack([-x[:, 0], x[:, 0]])

    ax = plots.plot_decision_boundary(Threshold(), X, np.array([0, 1, 0]))
    assert "the 3 points drawn class 0 as blue circles" in plots.figure_alt_text(ax.figure)
    assert "matches 67% of the points' labels" in plots.figure_alt_text(ax.figure)


def test_series_of_the_helpers_differ_by_more_than_colour():
    ax = plots.plot_iterates({"a": [1, 2], "b": [2, 1], "c": [0, 1]}, ylabel="w", title="t")
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len({line.get_marker() for line in lines}) == 3 and len({line.get_linestyle() for line in lines}) == 3
    ax = plots.plot_neuron_outputs([(1.0, 0.0), (3.0, 0.0)])
    assert len({line.get_linestyle() for line in ax.get_lines() if not line.get_label().startswith("_")}) == 2
    ax = plots.plot_decision_boundary(nnlib.mlp([2, 2], rng=np.random.default_rng(0)),
                                      np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1]))
    markers = [c for c in ax.collections if c.get_label() in ("0", "1")]
    assert len(markers) == 2 and not np.array_equal(markers[0].get_paths()[0].vertices,
                                                    markers[1].get_paths()[0].vertices), "circles and triangles"


# --------------------------------------------------------------------------- bad input: a clear error from nnlib

R0 = np.random.default_rng(0)
M2, XM, YM = nnlib.mlp([2, 4, 2], rng=R0), R0.standard_normal((20, 2)), np.arange(20) % 2
NNLIB_DIR = __import__("pathlib").Path(nnlib.__file__).resolve().parent


class OneScorePerPoint:
    """A model whose forward returns shape (n,), not (n, k)."""

    def forward(self, x):
        return x.sum(axis=1)


def surface(w, b):
    return w * w + b * b


BAD_CALLS = [  # (call, error, words the message must hold besides the function's name)
    (lambda: plots.plot_activations(names=["nope"]), ValueError, ["unknown activation", "'tanh'"]),
    (lambda: plots.plot_activations(names=None), TypeError, ["names"]),
    (lambda: plots.plot_activations(names=[]), ValueError, ["names"]),
    (lambda: plots.plot_activations(z=np.zeros((2, 2))), ValueError, ["z"]),
    (lambda: plots.plot_loss_curves([1.0, 2.0]), TypeError, ["history", "History", "train_loss"]),
    (lambda: plots.plot_loss_curves(None), TypeError, ["history", "train_loss"]),
    (lambda: plots.plot_loss_curves({"val_loss": [1.0]}), ValueError, ["train_loss"]),
    (lambda: plots.plot_loss_curves({"train_loss": []}), ValueError, ["train_loss"]),
    (lambda: plots.plot_loss_curves({"train_loss": [1, 2], "val_loss": [1, 2, 3]}), ValueError, ["val_loss"]),
    (lambda: plots.plot_loss_curves({"train_loss": [1, 2], "best_epoch": 5}), ValueError, ["best_epoch"]),
    (lambda: plots.plot_loss_curves({"train_loss": [1, 2]}, ax="ax"), TypeError, ["ax", "Axes"]),
    *[(functools.partial(plots.plot_decision_boundary, M2, XM, YM, resolution=r), error, ["resolution", "2000"])
      for r, error in [(0, ValueError), (2.5, TypeError), (True, TypeError), (-3, ValueError), (10**6, ValueError),
                       (1, ValueError)]],
    (lambda: plots.plot_decision_boundary(M2, XM, YM[:3]), ValueError, ["y", "row of X"]),
    (lambda: plots.plot_decision_boundary(None, XM, YM), TypeError, ["model", "forward"]),
    (lambda: plots.plot_decision_boundary(M2, XM[:, :1], YM), ValueError, ["X", "(n, 2)"]),
    (lambda: plots.plot_decision_boundary(M2, np.zeros((0, 2)), YM[:0]), ValueError, ["X"]),
    (lambda: plots.plot_decision_boundary(M2, "X", YM), TypeError, ["X"]),
    (lambda: plots.plot_decision_boundary(OneScorePerPoint(), XM, YM), ValueError, ["model.forward", "scores"]),
    (lambda: plots.plot_gradient_check({}), ValueError, ["results"]),
    (lambda: plots.plot_gradient_check({"a": -1.0}), TypeError, ["results['a']", "relative error"]),
    (lambda: plots.plot_gradient_check({"a": {"W": -1.0}}), ValueError, ["never negative"]),
    (lambda: plots.plot_gradient_check({"a": {"W": 1e-9}}, threshold=0), ValueError, ["threshold"]),
    (lambda: plots.plot_image_grid(np.zeros((3, 64)), ["a", "b", "c"], n_cols=0), ValueError, ["n_cols"]),
    (lambda: plots.plot_image_grid(np.zeros((3, 64)), "abc"), TypeError, ["titles"]),
    (lambda: plots.plot_image_grid(np.zeros((0, 64)), []), ValueError, ["images"]),
    (lambda: plots.plot_image_grid(np.zeros((2, 64)), ["a", "b"], image_shape=(8, 0)), ValueError, ["image_shape"]),
    (lambda: plots.plot_image_grid(np.zeros((2, 64)), ["a", "b"], wrong=[True]), ValueError, ["wrong"]),
    (lambda: plots.plot_loss_surface(surface, None, (-1, 1)), TypeError, ["w_range"]),
    (lambda: plots.plot_loss_surface(surface, (1, -1), (-1, 1)), ValueError, ["w_range", "low < high"]),
    (lambda: plots.plot_loss_surface(None, (-1, 1), (-1, 1)), TypeError, ["loss_of"]),
    (lambda: plots.plot_loss_surface(surface, (-1, 1), (-1, 1), levels=0), ValueError, ["levels"]),
    (lambda: plots.plot_loss_surface(surface, (-1, 1), (-1, 1), trajectory=[1, 2]), ValueError, ["trajectory"]),
    (lambda: plots.plot_grad_norms(None), TypeError, ["norms"]),
    (lambda: plots.plot_grad_norms([-1.0, 1.0]), ValueError, ["norms", ">= 0"]),
    (lambda: plots.plot_grad_norms([]), ValueError, ["norms"]),
    (lambda: plots.plot_grad_norms([1.0, 2.0], theory=[1.0]), ValueError, ["theory"]),
    (lambda: plots.plot_grad_norms([1.0, 2.0], others={"b": [1.0, -2.0]}), ValueError, ["others"]),
    (lambda: plots.plot_grad_norms_compared(None, title="t"), TypeError, ["series"]),
    (lambda: plots.plot_grad_norms_compared({"a": [-1.0]}, title="t"), ValueError, ["series['a']"]),
    (lambda: plots.plot_layer_updates(np.ones(3)), ValueError, ["update_sizes"]),
    (lambda: plots.plot_layer_updates(-np.ones((3, 2))), ValueError, ["update_sizes"]),
    (lambda: plots.figure_alt_text(None), TypeError, ["fig", "Figure"]),
    (lambda: plots.set_alt_text(plt.figure(), None), TypeError, ["text"]),
    (lambda: plots.set_alt_text("fig", "text"), TypeError, ["fig_or_ax"]),
    (lambda: plots.draw_graph(3.0), TypeError, ["root", "Value"]),
    (lambda: plots.plot_neuron_outputs(None), TypeError, ["params"]),
    (lambda: plots.plot_neuron_outputs([(1.0, "b")]), TypeError, ["params[0][1]"]),
    (lambda: plots.plot_losses_vs_prediction([0.5, 1.5]), ValueError, ["y_hat", "(0, 1)"]),
    (lambda: plots.plot_output_gradients(y=2.0), ValueError, ["y"]),
    (lambda: plots.plot_output_gradients(z="z"), TypeError, ["z"]),
    (lambda: plots.plot_gradient_step(lambda w: w * w, 1.0, 2.0, 0.1, None), TypeError, ["w_range"]),
    (lambda: plots.plot_gradient_step(lambda w: w * w, None, 2.0, 0.1, (-1, 1)), TypeError, ["w0"]),
    (lambda: plots.plot_gradient_step(lambda w: w * w, 1.0, 2.0, -0.1, (-1, 1)), ValueError, ["lr"]),
    (lambda: plots.plot_loglog(None, xlabel="x", ylabel="y", title="t"), TypeError, ["curves"]),
    (lambda: plots.plot_loglog({"a": ([1, 2], [1])}, xlabel="x", ylabel="y", title="t"), ValueError, ["curves['a']"]),
    (lambda: plots.plot_loglog({"a": ([1, 2], [1, -1])}, xlabel="x", ylabel="y", title="t"), ValueError, [">= 0"]),
    (lambda: plots.plot_loglog({"a": 3}, xlabel="x", ylabel="y", title="t"), TypeError, ["curves['a']"]),
    (lambda: plots.plot_loglog({"a": [1, 2]}, xlabel="x", ylabel="y", title="t"), ValueError, ["1-D"]),
    (lambda: plots.plot_confusion_matrix([0, 1], [0]), ValueError, ["y_pred"]),
    (lambda: plots.plot_confusion_matrix(None, [0]), TypeError, ["y_true"]),
    (lambda: plots.plot_confusion_matrix([], []), ValueError, ["y_true"]),
    (lambda: plots.plot_iterates({}, ylabel="y", title="t"), ValueError, ["series"]),
    (lambda: plots.plot_iterates({"a": None}, ylabel="y", title="t"), TypeError, ["series['a']"]),
    (lambda: plots.plot_iterates({"a": [1.0]}, ylabel="y", title="t", logy="yes"), TypeError, ["logy"]),
]


@pytest.mark.parametrize("case", range(len(BAD_CALLS)))
def test_bad_input_raises_a_clear_error_from_nnlib(case):
    call, error, words = BAD_CALLS[case]
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    tb = info.tb
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert NNLIB_DIR in __import__("pathlib").Path(tb.tb_frame.f_code.co_filename).resolve().parents, message
    assert message.split(":")[0] in dir(plots), message  # names the public function
    for w in words:
        assert w in message, (w, message)


def test_one_activation_name_alone_draws_one_panel():
    fig = plots.plot_activations("tanh")
    assert [ax.get_title() for ax in fig.axes] == ["tanh and its derivative"]


def test_nan_and_zero_still_plot_where_they_can_happen():
    # a run that diverged has NaN losses; a vanishing gradient can be exactly 0
    plots.plot_loss_curves({"train_loss": [1.0, np.nan], "val_loss": []})
    plots.plot_grad_norms([0.0, 1e-3, np.nan])
    plots.plot_loss_surface(surface, (-1, 1), (-1, 1), levels=[0.1, 0.5, 1.0])
