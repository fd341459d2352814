"""Heavy-ball momentum on a quadratic: the runs and rates behind the momentum explorer
(nnlib.dynamics.momentum_descent, momentum_radius), and the explorer itself, driven headlessly."""

import base64
import struct

import ipywidgets
import numpy as np
import pytest

import nnlib
from nnlib import dynamics, widgets
from nnlib.widgets import _base, momentum

pytestmark = pytest.mark.nb12

H06 = dynamics.rotated_hessian((1.0, 10.0))  # the explorer's default quadratic
START = np.array([-1.6, 1.2])


@pytest.fixture(scope="module")
def explorer():
    return widgets.momentum_explorer()


# --------------------------------------------------------------------------- the mathematics


def test_momentum_descent_is_the_update_matrix_along_each_eigenvector():
    lr, beta = 0.12, 0.6
    weights, losses, diverged = dynamics.momentum_descent(H06, START, lr, beta, 30)
    lam, V = np.linalg.eigh(H06)
    coords = V.T @ START  # each eigen-coordinate evolves by its own 2x2 matrix, from rest
    expected = np.array([[(np.linalg.matrix_power(nnlib.momentum_update_matrix(lr, lam[i], beta), t)
                           @ [coords[i], 0.0])[0] for i in range(2)] for t in range(31)]) @ V.T
    assert np.allclose(weights, expected, rtol=1e-10, atol=1e-14)
    assert np.allclose(losses, 0.5 * np.einsum("ti,ij,tj->t", weights, H06, weights))
    assert not diverged


def test_beta_zero_is_plain_gradient_descent_and_the_start_is_left_alone():
    w0 = START.copy()
    assert np.array_equal(dynamics.momentum_descent(H06, w0, 0.15, 0.0, 20)[0],
                          dynamics.quadratic_descent(H06, w0, 0.15, 20)[0])
    assert np.array_equal(w0, START)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_the_radius_is_one_on_the_limit_and_decides_the_runs(beta):
    limit = nnlib.momentum_stability_limit(np.linalg.eigvalsh(H06)[-1], beta)
    assert dynamics.momentum_radius(H06, limit, beta) == pytest.approx(1.0, abs=1e-9)
    for factor in (0.9, 1.1):
        radius = dynamics.momentum_radius(H06, factor * limit, beta)
        _, losses, diverged = dynamics.momentum_descent(H06, START, factor * limit, beta, 400)
        assert (radius < 1) == (factor < 1) == (not diverged)
        # the loss is quadratic in w: over many steps it follows radius² per step
        rate = (losses[-1] / losses[len(losses) // 2]) ** (1 / (2 * (len(losses) - 1 - len(losses) // 2)))
        if factor < 1:
            assert rate == pytest.approx(radius, rel=2e-2)


def test_in_the_complex_regime_the_rate_is_the_square_root_of_beta():
    beta = 0.81
    lr = 1.0 / 10.0  # ηλ = 1 and 0.1: both inside (1 − √β)² < ηλ < (1 + √β)² = (0.01, 3.61)
    assert dynamics.momentum_radius(H06, lr, beta) == pytest.approx(np.sqrt(beta), rel=1e-12)


def test_a_diverging_run_stops_before_anything_overflows():
    with np.errstate(all="raise"):
        weights, losses, diverged = dynamics.momentum_descent(H06, START, 0.5, 0.5, 10_000)
    assert diverged and len(losses) < 10_001 and np.all(np.isfinite(weights))
    assert losses[-1] > dynamics.BLOWUP * losses[0]


@pytest.mark.parametrize("call, message", [
    (lambda: dynamics.momentum_descent(H06, START, 0.1, 1.0, 5),
     r"momentum_descent: beta must be a finite number in \[0, 1"),
    (lambda: dynamics.momentum_descent(H06, START, 0.0, 0.5, 5), "momentum_descent: lr must be a positive"),
    (lambda: dynamics.momentum_descent(H06, [1.0], 0.1, 0.5, 5), r"w0 must have shape \(2,\)"),
    (lambda: dynamics.momentum_descent(H06, [np.nan, 1.0], 0.1, 0.5, 5), "w0 holds nan"),
    (lambda: dynamics.momentum_descent(np.diag([1.0, -1.0]), START, 0.1, 0.5, 5), "positive definite"),
    (lambda: dynamics.momentum_radius(H06, 0.1, -0.1), r"momentum_radius: beta must be a finite number in \[0, 1\)"),
    (lambda: dynamics.momentum_radius(H06, -0.1, 0.5), "momentum_radius: lr must be a positive"),
])
def test_bad_input_names_the_function_and_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- the explorer


def test_explorer_has_widget_controls_state_and_update(explorer):
    shown = []

    def descendants(widget):
        for child in getattr(widget, "children", ()):
            shown.append(child)
            descendants(child)

    descendants(explorer.widget)
    assert isinstance(explorer.widget, ipywidgets.Box) and set(explorer.controls) == {"lr", "beta", "steps"}
    assert all(any(c is s for s in shown) for c in explorer.controls.values())
    assert any(type(s).__name__ == "AccessibleNames" for s in shown)  # the controls get accessible names
    assert explorer.controls["lr"].description == "η (lr)" and explorer.controls["beta"].description == "β (momentum)"
    assert explorer.update() is explorer.state and explorer.png().startswith(b"\x89PNG")


def test_the_picture_is_sharp_and_shown_without_a_kernel(explorer):
    css_width, css_height = _base.figure_size_px(explorer.figure)
    assert struct.unpack(">II", explorer.png()[16:24]) == (css_width * _base.PIXEL_DENSITY,
                                                           css_height * _base.PIXEL_DENSITY)
    bundle, metadata = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")  # the static picture a reopened notebook shows
    assert metadata["image/png"]["alt"] == explorer.alt and explorer.alt.startswith(momentum.DESCRIBE)
    assert "Run All Cells" in explorer.hint.value
    sizes = [t.get_fontsize() for t in explorer.figure.findobj(lambda a: hasattr(a, "get_fontsize")) if t.get_text()]
    assert min(sizes) >= 8  # 11 page pixels or more


@pytest.mark.parametrize("beta", momentum.BETA_VALUES)
def test_the_limit_of_every_beta_is_on_the_slider_and_the_verdicts_follow_the_radius(explorer, beta):
    limit = nnlib.momentum_stability_limit(10.0, beta)
    assert round(limit, 2) in momentum.LR_VALUES or limit > momentum.LR_VALUES[-1]
    for lr, verdict in [(round(limit - 0.01, 2), "converges"), (round(limit, 2), "on the limit"),
                        (round(limit + 0.01, 2), "diverges")]:
        if lr not in momentum.LR_VALUES or (verdict == "on the limit" and abs(lr - limit) > 1e-12):
            continue
        state = explorer.set(lr=lr, beta=beta)
        assert state["lr_max"] == pytest.approx(limit) and state["gd_lr_max"] == pytest.approx(0.2)
        assert state["verdict"] == verdict, (beta, lr)
        assert state["radius"] == pytest.approx(dynamics.momentum_radius(H06, lr, beta))
        assert state["gd_verdict"] == dynamics.descent_verdict(dynamics.shrink_factor(H06, lr))
        for row, lam in zip(state["multipliers"], np.linalg.eigvalsh(H06)):
            assert np.allclose(np.sort_complex(row), np.sort_complex(np.linalg.eigvals(
                nnlib.momentum_update_matrix(lr, lam, beta))))
    explorer.set(lr=0.25, beta=0.5)


def test_the_default_shows_momentum_converging_where_plain_descent_diverges(explorer):
    state = explorer.set(lr=0.25, beta=0.5, steps=40)
    assert state["verdict"] == "converges" and state["loss"][-1] < 1e-6 * state["loss"][0]
    assert state["gd_verdict"] == "diverges" and state["gd_diverged"]
    assert np.array_equal(state["weights"], dynamics.momentum_descent(H06, START, 0.25, 0.5, 40)[0])
    assert "momentum converges" in explorer.summary and "plain descent diverges" in explorer.summary


def test_steps_and_beta_zero(explorer):
    state = explorer.set(lr=0.1, beta=0.0, steps=12)
    assert len(state["loss"]) == 13 and np.allclose(state["loss"], state["gd_loss"])
    explorer.set(lr=0.25, beta=0.5, steps=40)


def test_a_redraw_moves_the_lines_and_keeps_the_figure(explorer):
    figure, lines = explorer.figure, [list(ax.get_lines()) for ax in explorer.figure.axes]
    before = explorer.png()
    explorer.controls["beta"].value = 0.9
    assert explorer.figure is figure and [list(ax.get_lines()) for ax in figure.axes] == lines
    assert explorer.png() != before
    explorer.controls["beta"].value = 0.5


@pytest.mark.parametrize("name, value, message", [
    ("lr", 0.505, r"lr must be one of the slider's values from 0.001 to 0.5 .*got 0.505"),
    ("lr", 0.105, "the nearest are 0.1, 0.11"),
    ("beta", 0.999, r"beta must be one of the slider's values from 0 to 0.99"),
    ("beta", 1.0, "beta must be one of"),
    ("steps", 0, r"steps must be an integer in \[1, 200\], got 0"),
    ("lr", None, "lr must be one of"),
])
def test_a_bad_value_raises_and_changes_nothing(explorer, name, value, message):
    state, png, before = explorer.state, explorer.png(), explorer.controls[name].value
    with pytest.raises(ValueError, match=message):
        explorer.controls[name].value = value
    assert explorer.controls[name].value == before and explorer.state is state and explorer.png() == png


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="positive definite"):
        widgets.momentum_explorer(np.diag([1.0, -2.0]))
    with pytest.raises(ValueError, match=r"must be \(2, 2\)"):
        widgets.momentum_explorer(np.eye(3))
    with pytest.raises(ValueError, match="w0 must be two finite numbers"):
        widgets.momentum_explorer(w0=(1.0, np.inf))
    with pytest.raises(ValueError, match="beta must be one of"):
        widgets.momentum_explorer(beta=0.55)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 200\]"):
        widgets.momentum_explorer(steps=201)
