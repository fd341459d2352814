import numpy as np
import pytest

import nnlib
from nnlib import numerical_gradient, rel_error


@pytest.mark.nb01
def test_dense_forward_by_hand():
    x = np.array([[1.0, 2.0]])
    W = np.array([[0.5, -1.0, 0.0], [0.25, 2.0, 1.0]])
    b = np.array([0.1, 0.2, -0.3])
    z, _ = nnlib.dense_forward(x, W, b)
    # z_j = x_1 W_1j + x_2 W_2j + b_j
    assert np.allclose(z, [[1 * 0.5 + 2 * 0.25 + 0.1, -1 + 4 + 0.2, 0 + 2 - 0.3]])


@pytest.mark.nb05
def test_dense_backward_by_hand():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    W = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5]])
    dz = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
    _, cache = nnlib.dense_forward(x, W, np.zeros(3))
    dx, dW, db = nnlib.dense_backward(dz, cache)
    assert np.allclose(dx, [[1 - 2, -1 - 0.5], [0.5, -0.5 + 2]])
    assert np.allclose(dW, [[1 + 1.5, 6, -1], [2 - 0.5, -2, -2]])
    assert np.allclose(db, [1.5, 2.0, -1.0])


@pytest.mark.nb05
def test_dense_gradients_match_central_differences(rng):
    x = rng.standard_normal((5, 4))
    W = rng.standard_normal((4, 3))
    b = rng.standard_normal(3)
    upstream = rng.standard_normal((5, 3))  # L = sum(upstream * z) makes dz = upstream

    def loss(x_, W_, b_):
        return float(np.sum(upstream * nnlib.dense_forward(x_, W_, b_)[0]))

    _, cache = nnlib.dense_forward(x, W, b)
    dx, dW, db = nnlib.dense_backward(upstream, cache)
    assert rel_error(dx, numerical_gradient(lambda v: loss(v, W, b), x.copy())) < 1e-7
    assert rel_error(dW, numerical_gradient(lambda v: loss(x, v, b), W.copy())) < 1e-7
    assert rel_error(db, numerical_gradient(lambda v: loss(x, W, v), b.copy())) < 1e-7


@pytest.mark.nb01
def test_shape_mismatch_names_both_shapes_and_the_expected_one():
    with pytest.raises(ValueError) as info:
        nnlib.dense_forward(np.zeros((2, 3)), np.zeros((4, 5)), np.zeros(5))
    message = str(info.value)
    assert "x has 3 columns but W has 4 rows" in message
    assert "expected x of shape (batch, 4)" in message and "(2, 3)" in message


@pytest.mark.nb01
def test_bias_and_dimension_errors():
    with pytest.raises(ValueError, match=r"b has shape \(4,\).*expected b of shape \(5,\)"):
        nnlib.dense_forward(np.zeros((2, 3)), np.zeros((3, 5)), np.zeros(4))
    with pytest.raises(ValueError, match=r"x must be 2-D.*got shape \(3,\)"):
        nnlib.dense_forward(np.zeros(3), np.zeros((3, 5)), np.zeros(5))
    _, cache = nnlib.dense_forward(np.zeros((2, 3)), np.zeros((3, 5)), np.zeros(5))
    with pytest.raises(ValueError, match=r"dz has shape \(2, 4\).*expected dz of shape \(2, 5\)"):
        nnlib.dense_backward(np.zeros((2, 4)), cache)


@pytest.mark.nb05
def test_float32_stays_float32():
    x = np.ones((2, 3), np.float32)
    W = np.ones((3, 4), np.float32)
    b = np.zeros(4, np.float32)
    z, cache = nnlib.dense_forward(x, W, b)
    assert z.dtype == np.float32
    assert all(g.dtype == np.float32 for g in nnlib.dense_backward(np.ones_like(z), cache))
