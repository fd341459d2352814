import numpy as np
import pytest

import nnlib
from nnlib import data


@pytest.mark.parametrize("make, n_classes", [(data.make_xor, 2), (data.make_moons, 2),
                                             (data.make_spirals, 3)])
@pytest.mark.nb10
def test_classification_sets(make, n_classes):
    X, y = make(90, np.random.default_rng(0))
    assert X.shape == (90, 2) and y.shape == (90,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(n_classes))
    X2, y2 = make(90, np.random.default_rng(0))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.nb07
def test_line_and_split():
    rng = np.random.default_rng(0)
    X, y = data.make_line(50, rng, noise=0.0)
    assert np.allclose(y, 2 * X - 1)
    Xa, ya, Xb, yb = data.split(X, y, 0.2, rng)
    assert len(Xb) == 10 and len(Xa) == 40
    assert sorted(np.concatenate([Xa, Xb]).ravel()) == sorted(X.ravel())
    with pytest.raises(ValueError, match=r"fraction must be a finite number in \(0, 1\), got 1.5"):
        data.split(X, y, 1.5, rng)


@pytest.mark.nb09
def test_digits_ship_offline():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


@pytest.mark.nb09
@pytest.mark.nb12
def test_digits_read_from_the_file_equal_scikit_learns_loader():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    assert data._digits_file() is not None  # the quick path is the one taken here
    X, y = data.load_digits()
    digits = sklearn_datasets.load_digits()
    assert np.array_equal(X, digits.data / 16.0) and np.array_equal(y, digits.target)
    assert X.dtype == np.float64 and y.dtype == np.int64


@pytest.mark.nb10
def test_circles_are_two_rings_with_the_inner_one_labelled_1():
    X, y = data.make_circles(400, np.random.default_rng(0), noise=0.0, factor=0.4)
    assert X.shape == (400, 2) and y.dtype == np.int64 and np.bincount(y).tolist() == [200, 200]
    radius = np.linalg.norm(X, axis=1)
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.4)
    noisy, _ = data.make_circles(400, np.random.default_rng(0), noise=0.1)
    assert 0.05 < np.std(np.linalg.norm(noisy, axis=1)[y == 0] - 1.0) < 0.15  # radial part of the noise
    with pytest.raises(ValueError, match=r"factor .* must be a finite number in \(0, 1\), got 1.5"):
        data.make_circles(10, np.random.default_rng(0), factor=1.5)


@pytest.mark.nb10
def test_spiral_arms_wind_round_with_the_radius_growing_by_one_per_turn():
    X, y = data.make_spirals(600, np.random.default_rng(0), classes=2, noise=0.0, turns=1.25)
    radius = np.linalg.norm(X, axis=1)
    assert radius.min() >= 0.25 and radius.max() <= 0.25 + 1.25
    t = (radius - 0.25) / 1.25  # how far along its arm each point is
    turn = np.arctan2(X[:, 1], X[:, 0]) / (2 * np.pi) - 1.25 * t - y / 2  # a whole number on arm y
    assert np.allclose(turn, np.round(turn), atol=1e-9)
    assert np.ptp(1.25 * t) > 1.2, "each arm goes more than once round"
    noisy, _ = data.make_spirals(600, np.random.default_rng(0), classes=2, noise=0.1)
    assert 0.08 < np.std(noisy - X) < 0.12  # the same draws of t, moved by N(0, 0.1²) in each coordinate


@pytest.mark.nb10
def test_spirals_are_near_chance_for_a_line_and_one_layer_but_three_layers_learn_them():
    # 200 training points of two arms, standardised as the playground does; SGD for 1200 steps each
    X, y = data.make_spirals(300, np.random.default_rng(0), classes=2)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X_train, y_train, X_val, y_val = X[:200], y[:200], X[200:], y[200:]

    def trained(sizes, activation, lr):
        rng = np.random.default_rng(100)
        model = nnlib.mlp(sizes, activation=activation, init="he" if activation == "relu" else "xavier", rng=rng)
        untrained = nnlib.accuracy(model.forward(X_train), y_train)
        nnlib.train(model, nnlib.softmax_cross_entropy, X_train, y_train, lr=lr, batch_size=16, max_epochs=100,
                    rng=rng)
        return untrained, nnlib.accuracy(model.forward(X_train), y_train), nnlib.accuracy(model.forward(X_val), y_val)

    untrained, line, _ = trained([2, 2], "tanh", 0.3)  # no hidden layer: a straight boundary
    assert abs(untrained - 0.5) < 0.15 and line < 0.7, (untrained, line)
    _, one_layer, _ = trained([2, 48, 2], "relu", 0.1)  # as many units as below, in one layer
    _, deep, deep_val = trained([2, 16, 16, 16, 2], "relu", 0.1)
    assert one_layer < 0.85 and deep >= 0.95 and deep_val >= 0.9, (one_layer, deep, deep_val)


def test_every_generator_makes_finite_float64_data_or_says_which_setting_is_too_large():
    rng = np.random.default_rng(0)
    makers = [nnlib.data.make_line, nnlib.data.make_xor, nnlib.data.make_moons, nnlib.data.make_circles,
              nnlib.data.make_spirals]
    for make in makers:
        with pytest.raises(ValueError, match=rf"{make.__name__}: noise must be a finite number in \[0, 1e\+06\]"):
            make(6, rng, noise=1e308)
        X, _ = make(6, rng, noise=np.longdouble(0.1))
        assert X.dtype == np.float64 and np.all(np.isfinite(X))
    with pytest.raises(ValueError, match=r"make_spirals: turns must be a finite number in \(0, 1e\+06\]"):
        nnlib.data.make_spirals(6, rng, turns=1e308)
    with pytest.raises(ValueError, match="make_line: slope"):
        nnlib.data.make_line(5, rng, slope=1e308)
    X, y = nnlib.data.make_line(5, rng, slope=np.longdouble(2), intercept=np.float32(1))
    assert X.dtype == y.dtype == np.float64
    X, _ = nnlib.data.make_circles(6, rng, factor=np.longdouble(0.5))
    assert X.dtype == np.float64
