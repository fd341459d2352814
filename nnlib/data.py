"""Small data sets: synthetic ones made from an rng, and a real one shipped offline.

Every function returns X of shape (n, n_features) and y of shape (n,) (integer
labels for classification, floats for regression). Nothing is downloaded.
"""

import numpy as np

from ._validate import require_data, require_number, require_rng, require_same_rows, require_size


def _check_n(n, where, minimum=1):
    """n as a Python int (a numpy uint8 would wrap in n // 2 and the like), or this raises."""
    return require_size(n, "n", where, minimum)


# Bounds that keep every data set finite float64: noise of std LARGEST_NOISE on points of size
# about 1 is already nothing but noise; a line's slope and intercept below LARGEST_COEFFICIENT
# cannot overflow slope·x + intercept for x in [-1, 1].
LARGEST_NOISE = 1e6
LARGEST_TURNS = 1e6
LARGEST_COEFFICIENT = 1e300


def _check_noise(noise, where):
    """The standard deviation of the noise: a number in [0, LARGEST_NOISE], returned as a float."""
    return require_number(noise, "noise", where, low=0.0, high=LARGEST_NOISE)


def make_line(n, rng, *, slope=2.0, intercept=-1.0, noise=0.1):
    """Regression data on a line: x uniform in [-1, 1], y = slope x + intercept + noise.

    Returns X (n, 1) and y (n, 1), float64.
    """
    n = _check_n(n, "make_line")
    require_rng(rng, "make_line")
    slope = require_number(slope, "slope", "make_line", -LARGEST_COEFFICIENT, LARGEST_COEFFICIENT)
    intercept = require_number(intercept, "intercept", "make_line", -LARGEST_COEFFICIENT, LARGEST_COEFFICIENT)
    noise = _check_noise(noise, "make_line")
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    y = slope * x + intercept + noise * rng.standard_normal((n, 1))
    return x, y


def make_xor(n, rng, *, noise=0.1):
    """XOR: points near the four corners of the unit square; label 1 where the corner's
    coordinates differ. Not linearly separable, so it needs a hidden layer.

    Returns X (n, 2) float64 and y (n,) int64.
    """
    n = _check_n(n, "make_xor")
    require_rng(rng, "make_xor")
    noise = _check_noise(noise, "make_xor")
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + noise * rng.standard_normal((n, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return X, y


def make_moons(n, rng, *, noise=0.1):
    """Two interleaving half circles. Returns X (n, 2) float64 and y (n,) int64 in {0, 1}."""
    n = _check_n(n, "make_moons", 2)
    require_rng(rng, "make_moons")
    noise = _check_noise(noise, "make_moons")
    n0 = n // 2
    t0 = rng.uniform(0, np.pi, n0)
    t1 = rng.uniform(0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def make_circles(n, rng, *, noise=0.1, factor=0.5):
    """Two concentric circles: label 0 on the unit circle, label 1 on the circle of radius
    ``factor`` inside it, each point moved by Gaussian noise of std ``noise``. No straight
    line separates them. Returns X (n, 2) float64 and y (n,) int64 in {0, 1}.
    """
    n = _check_n(n, "make_circles", 2)
    require_rng(rng, "make_circles")
    noise = _check_noise(noise, "make_circles")
    factor = require_number(factor, "factor (inner radius / outer radius)", "make_circles", 0.0, 1.0,
                            low_open=True, high_open=True)
    y = (np.arange(n) >= n // 2).astype(np.int64)
    theta = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]) + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], y[order]


def make_spirals(n, rng, *, classes=3, noise=0.1, turns=1.25):
    """``classes`` interleaved spiral arms, each winding ``turns`` times around the origin.

    Along arm k a point at t in [0, 1] (drawn uniformly) sits at the angle
    2π (turns·t + k / classes) and the radius 0.25 + turns·t: the radius grows by 1 per turn, so
    neighbouring arms are 1 / classes apart (0.5 for two classes, as far as the moons' or the
    circles' classes are). Each point is then moved by Gaussian noise of std ``noise`` in each
    coordinate. No line and no single bend separates the arms: a classifier has to follow them
    round, which takes a network with several hidden layers.

    classes >= 1; n >= classes, so that every arm has a point; turns > 0.
    Returns X (n, 2) float64 and y (n,) int64 in 0 … classes - 1.
    """
    classes = require_size(classes, "classes", "make_spirals")
    n = _check_n(n, "make_spirals", classes)
    require_rng(rng, "make_spirals")
    noise = _check_noise(noise, "make_spirals")
    turns = require_number(turns, "turns", "make_spirals", low=0.0, high=LARGEST_TURNS, low_open=True)
    y = np.arange(n) % classes
    t = rng.uniform(0.0, 1.0, n)
    radius = 0.25 + turns * t
    theta = 2 * np.pi * (turns * t + y / classes)
    X = radius[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]) + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], y[order].astype(np.int64)


def split(X, y, fraction, rng):
    """Shuffle the rows and split off ``fraction`` of them as a hold-out set.

    Returns X_train, y_train, X_hold, y_hold (new arrays; X and y are left as they were).
    Both sets get at least one row: round(fraction * n) rows are held out, at least one
    and at most n - 1.
    """
    where = "split"
    X = require_data(X, "X", where)
    y = require_data(y, "y", where)
    n = require_same_rows(X, "X", y, "y", where)
    fraction = require_number(fraction, "fraction", where, 0.0, 1.0, low_open=True, high_open=True)
    require_rng(rng, where)
    n_hold = max(1, int(round(fraction * n)))
    if n < 2 or n_hold >= n:
        raise ValueError(f"{where}: fraction={fraction!r} of {n} rows leaves {n - n_hold} for training and "
                         f"{n_hold} to hold out; expected at least one row in each (more rows, or a smaller "
                         f"fraction)")
    order = rng.permutation(n)
    hold, keep = order[:n_hold], order[n_hold:]
    return X[keep], y[keep], X[hold], y[hold]


def _digits_file():
    """scikit-learn's copy of the digits (digits.csv.gz), found without importing scikit-learn, or None.

    Importing scikit-learn takes one to three seconds, most of a short notebook's budget; the
    file itself reads in a fraction of that. find_spec locates the package without running it.
    """
    import importlib.util
    import pathlib

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    return path if path.is_file() else None


def load_digits():
    """The 1797 8x8 handwritten digits that scikit-learn ships (no download).

    Returns X (1797, 64) float64 with pixel values scaled to [0, 1], and y (1797,)
    int64 labels 0..9. The rows are those of sklearn.datasets.load_digits, in its order.
    """
    path = _digits_file()
    if path is not None:  # each row: 64 pixel values 0..16, then the label
        table = np.loadtxt(path, delimiter=",")
        return table[:, :-1] / 16.0, table[:, -1].astype(np.int64)
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError as err:  # pragma: no cover - scikit-learn is in requirements.txt
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits data set: "
            "pip install -r requirements.txt"
        ) from err
    digits = _load()
    return digits.data.astype(np.float64) / 16.0, digits.target.astype(np.int64)
