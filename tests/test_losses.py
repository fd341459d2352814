import warnings

import numpy as np
import pytest

import nnlib
from nnlib import numerical_gradient, rel_error

pytestmark = pytest.mark.nb02


def test_mse_by_hand():
    y_hat = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[0.0, 2.0], [1.0, -1.0]])
    L, d = nnlib.mse_loss(y_hat, y)
    # rows: ½(1 + 0) and ½(1 + 1); mean over 2 rows
    assert L == pytest.approx((0.5 + 1.0) / 2)
    assert np.allclose(d, (y_hat - y) / 2)


def test_bce_by_hand():
    p = np.array([0.9, 0.2])
    y = np.array([1.0, 0.0])
    L, d = nnlib.bce_loss(p, y)
    assert L == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    assert np.allclose(d, [-1 / 0.9 / 2, 1 / 0.8 / 2])


def test_bce_with_logits_by_hand_and_equals_sigmoid_then_bce():
    z = np.array([[2.0], [-1.0], [0.0]])
    y = np.array([[1.0], [0.0], [1.0]])
    L, dz = nnlib.bce_with_logits(z, y)
    s = 1 / (1 + np.exp(-z))
    assert L == pytest.approx(np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s)))
    assert np.allclose(dz, (s - y) / 3)
    # and the composition bce_loss(sigmoid(z)) gives the same loss and, by the chain rule, gradient
    L2, dp = nnlib.bce_loss(nnlib.sigmoid(z), y)
    assert L2 == pytest.approx(L)
    assert np.allclose(dp * nnlib.sigmoid_prime(z), dz)


def test_softmax_cross_entropy_by_hand():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([2, 0])
    L, d = nnlib.softmax_cross_entropy(logits, y)
    p0 = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    assert L == pytest.approx((-np.log(p0[2]) + np.log(3.0)) / 2)
    expected = np.array([p0 - [0, 0, 1], np.full(3, 1 / 3) - [1, 0, 0]]) / 2
    assert np.allclose(d, expected)


def binary(r, shape):
    return r.integers(0, 2, shape).astype(float)


CASES = {
    "mse": (nnlib.mse_loss, lambda r: (r.standard_normal((4, 3)), r.standard_normal((4, 3)))),
    "bce": (nnlib.bce_loss, lambda r: (r.uniform(0.05, 0.95, (4, 2)), binary(r, (4, 2)))),
    "bce_with_logits": (nnlib.bce_with_logits, lambda r: (3 * r.standard_normal((4, 2)), binary(r, (4, 2)))),
    "softmax_cross_entropy": (nnlib.softmax_cross_entropy,
                              lambda r: (2 * r.standard_normal((5, 4)), r.integers(0, 4, 5))),
}


@pytest.mark.parametrize("name", CASES)
def test_loss_gradient_matches_central_differences(name, rng):
    loss, make = CASES[name]
    pred, y = make(rng)
    _, grad = loss(pred, y)
    numeric = numerical_gradient(lambda p: loss(p, y)[0], pred.copy())
    assert grad.shape == pred.shape
    assert rel_error(grad, numeric) < 1e-7


@pytest.mark.parametrize("name", CASES)
def test_losses_are_batch_means(name, rng):
    # Repeating the batch twice leaves a mean unchanged (a sum would double).
    loss, make = CASES[name]
    pred, y = make(rng)
    L1, _ = loss(pred, y)
    L2, _ = loss(np.concatenate([pred, pred]), np.concatenate([y, y]))
    assert L2 == pytest.approx(L1, rel=1e-12)


def test_stable_for_huge_logits():
    z = np.array([[-1e4], [1e4], [-1e4], [1e4]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L, dz = nnlib.bce_with_logits(z, y)
        Lc, dl = nnlib.softmax_cross_entropy(logits, np.array([1, 0]))
        Lp, dp = nnlib.bce_loss(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]))
    # the two confident mistakes cost 1e4 each: exact, not clipped
    assert L == pytest.approx(2e4 / 4)
    assert np.allclose(dz.ravel(), [0, 0, -0.25, 0.25])
    assert Lc == pytest.approx((2e4 + 2e4 + np.log(2)) / 2)
    assert all(np.all(np.isfinite(v)) for v in (L, dz, Lc, dl, Lp, dp))


def test_softmax_ce_gradient_rows_sum_to_zero(rng):
    _, d = nnlib.softmax_cross_entropy(rng.standard_normal((6, 5)), rng.integers(0, 5, 6))
    assert np.allclose(d.sum(axis=1), 0.0, atol=1e-15)


def test_label_out_of_range_names_label_and_class_count():
    with pytest.raises(ValueError, match=r"label 3 is out of range for 3 classes"):
        nnlib.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        nnlib.softmax_cross_entropy(np.zeros((2, 3)), np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"shape \(2,\).*got shape \(2, 3\)"):
        nnlib.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 3), int))
    with pytest.raises(TypeError, match="integer class labels"):
        nnlib.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))


def test_shape_mismatch_in_losses():
    with pytest.raises(ValueError, match=r"y_hat has shape \(4, 1\) but y has shape \(4,\)"):
        nnlib.mse_loss(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        nnlib.bce_loss(np.array([1.5]), np.array([1.0]))


@pytest.mark.parametrize("name", CASES)
def test_float32_stays_float32(name, rng):
    loss, make = CASES[name]
    pred, y = make(rng)
    _, grad = loss(pred.astype(np.float32), y)
    assert grad.dtype == np.float32
