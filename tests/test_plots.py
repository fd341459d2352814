"""Every plot helper labels its axes and titles its plot, and draws what it is given."""

import matplotlib

matplotlib.use("Agg")  # headless, set for this test module only

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlib  # noqa: E402
from nnlib import plots  # noqa: E402
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
