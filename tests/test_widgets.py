"""The explorers, driven headlessly: set a control's value, assert on the state.

Setting ``explorer.controls[name].value`` in plain Python fires the same observer a
slider drag fires in the browser, so these tests see exactly what a learner sees.
"""

import base64
import warnings

import numpy as np
import pytest
import traitlets

from nnlib import widgets


@pytest.fixture(scope="module")
def lr_explorer():
    return widgets.learning_rate_explorer()


@pytest.fixture(scope="module")
def flow_explorer():
    return widgets.gradient_flow_explorer()


def set_controls(explorer, **values):
    for name, value in values.items():
        explorer.controls[name].value = value
    return explorer.state


# --------------------------------------------------------------------------- Explorer contract


@pytest.mark.parametrize("build", [widgets.learning_rate_explorer, widgets.gradient_flow_explorer])
def test_explorer_has_widget_controls_state_and_update(build):
    import ipywidgets

    explorer = build()
    assert isinstance(explorer.widget, ipywidgets.Box)
    for control in explorer.controls.values():
        assert any(control is child for box in explorer.widget.children
                   for child in getattr(box, "children", ())), "every control is shown in the widget"
    assert explorer.state and explorer.update() is explorer.state
    png = explorer.png()
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("build", [widgets.learning_rate_explorer, widgets.gradient_flow_explorer])
def test_display_carries_a_static_png_next_to_the_widget_view(build):
    bundle = build()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"]


def test_redraw_reuses_the_same_figure_and_changes_the_image(lr_explorer):
    figure, lines = lr_explorer.figure, [ax.get_lines() for ax in lr_explorer.figure.axes]
    before = lr_explorer.png()
    set_controls(lr_explorer, lr=0.02)
    assert lr_explorer.figure is figure
    assert [ax.get_lines() for ax in lr_explorer.figure.axes] == lines, "lines are moved, not added"
    assert lr_explorer.png() != before
    set_controls(lr_explorer, lr=0.15)


def test_flow_redraw_reuses_the_same_figure(flow_explorer):
    figure = flow_explorer.figure
    n_lines = [len(ax.get_lines()) for ax in figure.axes]
    before = flow_explorer.png()
    set_controls(flow_explorer, depth=5)
    assert flow_explorer.figure is figure
    assert [len(ax.get_lines()) for ax in figure.axes] == n_lines
    assert flow_explorer.png() != before
    set_controls(flow_explorer, depth=12)


# --------------------------------------------------------------------------- learning rate


def test_lr_max_comes_from_the_hessian_eigenvalues():
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    explorer = widgets.learning_rate_explorer(H)
    lam_max = (5 + np.sqrt(5)) / 2  # largest root of λ² − 5λ + 5 = 0, the characteristic polynomial
    assert explorer.state["lr_max"] == pytest.approx(2 / lam_max, rel=1e-12)
    assert widgets.stability_limit(H) == pytest.approx(2 / lam_max, rel=1e-12)
    # the default quadratic has eigenvalues 1 and 10 on turned axes
    default = widgets.learning_rate_explorer()
    assert default.state["lr_max"] == pytest.approx(2 / 10, rel=1e-12)


@pytest.mark.parametrize("factor", [0.5, 0.9, 0.98])
def test_below_the_limit_the_loss_falls(lr_explorer, factor):
    lr_max = lr_explorer.state["lr_max"]
    state = set_controls(lr_explorer, lr=factor * lr_max, steps=60)
    assert not state["diverged"]
    assert state["loss"][-1] < 1e-2 * state["loss"][0]
    assert state["growth"] < 1


@pytest.mark.parametrize("factor", [1.02, 1.1, 3.0, 40.0])
def test_above_the_limit_it_diverges_without_warnings(lr_explorer, factor):
    lr_max = lr_explorer.state["lr_max"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy overflow warning fails the test
        state = set_controls(lr_explorer, lr=min(factor * lr_max, 10.0), steps=200)
    assert state["diverged"] is True
    assert state["loss"][-1] > state["loss"][0]
    assert np.all(np.isfinite(state["loss"])) and np.all(np.isfinite(state["weights"]))
    assert state["growth"] > 1
    set_controls(lr_explorer, lr=0.15, steps=30)


def test_the_quadratic_follows_the_closed_form():
    # Along each eigenvector the update multiplies the coordinate by (1 − ηλ).
    H = widgets.rotated_hessian((1.0, 10.0), 30.0)
    lam, V = np.linalg.eigh(H)
    w0, lr, steps = np.array([-1.6, 1.2]), 0.15, 25
    weights, losses, diverged = widgets.quadratic_descent(H, w0, lr, steps)
    coords = (V.T @ w0)[None, :] * (1 - lr * lam)[None, :] ** np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(weights, coords @ V.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(losses, 0.5 * np.sum(lam * coords**2, axis=1), rtol=1e-10)
    assert not diverged


def test_the_network_view_shows_slow_good_and_divergent_training(lr_explorer):
    slow = set_controls(lr_explorer, lr=1e-4, steps=50)["net_loss"]
    good = set_controls(lr_explorer, lr=0.3, steps=50)["net_loss"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bad = set_controls(lr_explorer, lr=10.0, steps=50)
    assert slow[-1] > 0.9 * slow[0], "a tiny step barely moves the loss"
    assert good[-1] < 0.5 * good[0], "a good step at least halves it"
    assert bad["net_diverged"] and np.all(np.isfinite(bad["net_loss"]))
    assert slow[0] == good[0] == bad["net_loss"][0], "every run starts from the same weights"
    set_controls(lr_explorer, lr=0.15, steps=30)


def test_lr_bad_values_raise_clear_errors_and_the_controls_recover(lr_explorer):
    with pytest.raises(ValueError, match="lr must be a finite number"):
        lr_explorer.controls["lr"].value = float("nan")
    assert lr_explorer.controls["lr"].value == pytest.approx(lr_explorer.state["lr"])
    with pytest.raises(ValueError, match="positive definite"):
        widgets.learning_rate_explorer(np.diag([1.0, -2.0]))
    with pytest.raises(ValueError, match="symmetric"):
        widgets.learning_rate_explorer(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"must be \(2, 2\)"):
        widgets.learning_rate_explorer(np.eye(3))
    with pytest.raises(ValueError, match="w0 must be two finite numbers"):
        widgets.learning_rate_explorer(w0=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 200\]"):
        widgets.learning_rate_explorer(steps=0)


# --------------------------------------------------------------------------- gradient flow


def test_deep_sigmoid_vanishes_even_with_xavier(flow_explorer):
    state = set_controls(flow_explorer, depth=20, activation="sigmoid", init="xavier", scale=1.0, clip=None)
    norms = state["grad_norms"]
    assert norms.shape == (20,)
    assert norms[0] < 1e-6 * norms[-1], "first layer orders of magnitude below the last"
    # each step back multiplies by about σ_W √n · rms σ'(z), and rms σ' <= max σ' = 1/4;
    # between the equal-width hidden layers Xavier makes σ_W √n = 1 (up to sampling, ±10%)
    assert np.all(state["activation_stats"]["rms_fprime"] <= 0.25)
    assert np.all(state["factor"][:-1] <= 0.25 * 1.1)
    assert np.all(norms <= state["bound"] * (1 + 1e-9)), "the upper bound holds for every layer"


@pytest.mark.parametrize("depth", [10, 20, 30])
def test_relu_with_he_stays_within_an_order_of_magnitude(flow_explorer, depth):
    norms = set_controls(flow_explorer, depth=depth, activation="relu", init="he", scale=1.0)["grad_norms"]
    assert norms.max() / norms.min() < 10


def test_a_large_weight_scale_explodes(flow_explorer):
    base = set_controls(flow_explorer, depth=20, activation="tanh", init="xavier", scale=1.0)["grad_norms"]
    big = set_controls(flow_explorer, scale=4.0)["grad_norms"]
    assert big[0] > 10 * big[-1], "tanh: the first layer's gradient grows far above the last's"
    assert big[0] > 100 * base[0]
    relu = set_controls(flow_explorer, activation="relu", init="he", scale=3.0)["grad_norms"]
    assert np.all(relu > 1e6), "relu: every layer's gradient is multiplied by the same large power"
    assert widgets.flow_verdict(relu) == widgets.flow_verdict(big) == "exploding"
    set_controls(flow_explorer, activation="sigmoid", init="xavier", scale=1.0, depth=12)


def test_measured_norms_follow_the_expected_trend(flow_explorer):
    for activation, init in [("sigmoid", "xavier"), ("tanh", "xavier"), ("relu", "he")]:
        state = set_controls(flow_explorer, depth=16, activation=activation, init=init, scale=1.0)
        measured, trend = np.log10(state["grad_norms"]), np.log10(state["trend"])
        slope_measured = np.polyfit(np.arange(16), measured, 1)[0]
        slope_trend = np.polyfit(np.arange(16), trend, 1)[0]
        # per layer, within a factor 10**0.05 ≈ 1.12 of the predicted rate
        assert abs(slope_measured - slope_trend) < 0.05, (activation, slope_measured, slope_trend)
        assert np.all(state["grad_norms"] <= state["bound"] * (1 + 1e-9))


def test_clipping_caps_the_global_norm_and_keeps_the_shape(flow_explorer):
    state = set_controls(flow_explorer, depth=20, activation="tanh", init="xavier", scale=4.0, clip=1.0)
    raw, clipped = state["grad_norms"], state["clipped_norms"]
    # clip_gradients caps the norm of all gradients (weights and biases) together
    assert np.sqrt(np.sum(clipped**2)) <= 1.0 + 1e-9
    ratio = clipped / raw
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)  # one common factor: the direction is kept
    assert ratio[0] < 1e-2
    set_controls(flow_explorer, clip=None, scale=1.0, activation="sigmoid", depth=12)


def test_compare_curve_shows_the_remedy(flow_explorer):
    state = set_controls(flow_explorer, depth=20, activation="sigmoid", init="xavier", scale=1.0,
                         compare="relu/he")
    assert state["grad_norms"][0] / state["grad_norms"][-1] < 1e-6
    other = state["compare_norms"]
    assert other.max() / other.min() < 10
    assert set_controls(flow_explorer, compare="none")["compare_norms"] is None
    set_controls(flow_explorer, compare="relu/he", depth=12)


def test_activation_stats_are_per_hidden_layer(flow_explorer):
    state = set_controls(flow_explorer, depth=8, activation="relu", init="he", scale=1.0)
    stats = state["activation_stats"]
    for key in ("mean", "std", "rms_fprime", "saturated"):
        assert stats[key].shape == (7,)
    assert np.all((stats["saturated"] > 0.2) & (stats["saturated"] < 0.8)), "relu: about half inactive"
    state = set_controls(flow_explorer, activation="sigmoid", init="normal", scale=10.0)
    assert np.mean(state["activation_stats"]["saturated"]) > 0.5, "a large scale saturates sigmoids"
    set_controls(flow_explorer, activation="sigmoid", init="xavier", scale=1.0, depth=12)


def test_depth_one_is_a_single_linear_layer(flow_explorer):
    state = set_controls(flow_explorer, depth=1)
    assert state["grad_norms"].shape == (1,)
    assert state["activation_stats"]["std"].shape == (0,)
    set_controls(flow_explorer, depth=12)


def test_no_warnings_at_the_extremes(flow_explorer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for activation, init in [("relu", "normal"), ("sigmoid", "normal"), ("tanh", "he")]:
            state = set_controls(flow_explorer, depth=30, activation=activation, init=init, scale=10.0,
                                 clip=0.1)
            assert widgets.flow_verdict(state["grad_norms"]) == "exploding"
        state = set_controls(flow_explorer, activation="relu", init="he", scale=0.1)
        assert widgets.flow_verdict(state["grad_norms"]) == "vanishing"
    set_controls(flow_explorer, depth=12, activation="sigmoid", init="xavier", scale=1.0, clip=None)


def test_flow_bad_values_raise_clear_errors(flow_explorer):
    with pytest.raises(traitlets.TraitError):
        flow_explorer.controls["activation"].value = "softplus"
    with pytest.raises(ValueError, match="scale must be a finite number"):
        flow_explorer.controls["scale"].value = float("nan")
    assert np.isfinite(flow_explorer.controls["scale"].value), "the control is put back"
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        widgets.gradient_flow_explorer(activation="softplus")
    with pytest.raises(ValueError, match=r"depth must be an integer in \[1, 30\]"):
        widgets.gradient_flow_explorer(depth=31)
    with pytest.raises(ValueError, match="unknown init 'lecun'"):
        widgets.gradient_flow_explorer(init="lecun")


# --------------------------------------------------------------------------- without a widget frontend


def test_a_static_run_keeps_the_plot_as_an_image(tmp_path):
    """nbclient runs the explorers in a real kernel; nbconvert's HTML (no widget JavaScript) shows the PNG."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from nnlib import widgets\nwidgets.learning_rate_explorer()"),
                nbformat.v4.new_code_cell("widgets.gradient_flow_explorer()")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbclient.NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in nb.cells:
        data = [o.get("data", {}) for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
        assert len(data) == 1, cell.outputs
        assert base64.b64decode(data[0]["image/png"]).startswith(b"\x89PNG")
        assert "application/vnd.jupyter.widget-view+json" in data[0]
    # nbclient saved the widget state: a static widget render (nbconvert HTML, nbviewer) finds
    # the plot's PNG in the Image model's buffer
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    images = [m for m in state.values() if m["model_name"] == "ImageModel"]
    assert len(images) == 2
    for model in images:
        assert base64.b64decode(model["buffers"][0]["data"]).startswith(b"\x89PNG")
    # without any widget state (a stripped copy, a viewer that ignores it) the HTML shows the PNG itself
    del nb.metadata["widgets"]
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert html.count("data:image/png;base64,") >= 2, "the static HTML shows both plots"
