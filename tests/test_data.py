import numpy as np
import pytest

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
