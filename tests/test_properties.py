"""Property tests: shapes and identities that hold for every input, not just a few."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nnlib

finite = st.floats(-50, 50, allow_nan=False)
huge = st.floats(-1e4, 1e4, allow_nan=False)
dims = st.integers(1, 6)


@pytest.mark.nb04
@given(arrays(np.float64, st.tuples(dims, dims), elements=huge | st.floats(-745, -709)))
def test_sigmoid_prime_is_s_times_one_minus_s(z):
    s = nnlib.sigmoid(z)
    # 1 - s(z) = s(-z); written that way the product keeps full precision in the tails,
    # where 1 - s cancels catastrophically, so a tight relative tolerance is fair. Below
    # z of about -709, s(z) is 0 where the true value, e^z, is under the smallest normal
    # float64, while sigmoid_prime returns e^z as a subnormal: they differ by less than that.
    tiny = np.finfo(np.float64).tiny
    assert np.allclose(nnlib.sigmoid_prime(z), s * nnlib.sigmoid(-z), rtol=1e-12, atol=tiny)
    assert np.allclose(nnlib.sigmoid_prime(z), s * (1 - s), rtol=0, atol=1e-15)
    assert np.all((s >= 0) & (s <= 1))
    assert np.allclose(nnlib.sigmoid(-z), 1 - s, atol=1e-15)  # symmetry


@pytest.mark.nb04
@given(arrays(np.float64, st.tuples(dims, dims), elements=huge))
def test_tanh_prime_is_one_minus_tanh_squared(z):
    t = nnlib.tanh(z)
    assert np.allclose(nnlib.tanh_prime(z), 1 - t**2)


@pytest.mark.nb05
@given(st.data(), dims, dims, dims)
def test_dense_shapes(data, batch, n_in, n_out):
    x = data.draw(arrays(np.float64, (batch, n_in), elements=finite))
    W = data.draw(arrays(np.float64, (n_in, n_out), elements=finite))
    b = data.draw(arrays(np.float64, (n_out,), elements=finite))
    z, cache = nnlib.dense_forward(x, W, b)
    assert z.shape == (batch, n_out)
    dx, dW, db = nnlib.dense_backward(np.ones_like(z), cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    assert np.allclose(db, batch)  # db sums dz over the batch


@pytest.mark.nb02
@given(st.data(), dims, st.integers(2, 6))
def test_softmax_ce_gradient_rows_sum_to_zero(data, batch, n_classes):
    logits = data.draw(arrays(np.float64, (batch, n_classes), elements=huge))
    y = data.draw(arrays(np.int64, (batch,), elements=st.integers(0, n_classes - 1)))
    L, d = nnlib.softmax_cross_entropy(logits, y)
    assert np.isfinite(L) and L >= 0
    assert d.shape == logits.shape
    assert np.allclose(d.sum(axis=1), 0.0, atol=1e-12)
    assert np.allclose(nnlib.softmax(logits).sum(axis=1), 1.0)


@pytest.mark.nb02
@given(st.data(), dims, dims)
def test_bce_with_logits_is_finite_and_nonnegative(data, rows, cols):
    z = data.draw(arrays(np.float64, (rows, cols), elements=huge))
    y = data.draw(arrays(np.float64, (rows, cols), elements=st.sampled_from([0.0, 1.0])))
    L, dz = nnlib.bce_with_logits(z, y)
    assert np.isfinite(L) and L >= 0
    assert np.all(np.abs(dz) <= 1.0 / z.size + 1e-15)


@pytest.mark.nb04
@given(arrays(np.float64, st.tuples(dims, dims), elements=finite))
def test_relu_identities(z):
    assert np.array_equal(nnlib.relu(z), z * nnlib.relu_prime(z))
    assert np.array_equal(nnlib.relu(z) - nnlib.relu(-z), z)


@pytest.mark.nb13
@given(st.data(), st.integers(0, 300), dims, st.sampled_from([np.float64, np.float32]))
def test_batch_sum_is_the_sum_of_the_rows(data, batch, n, dtype):
    """batch_sum (the product 1ᵀa batch norm sums over the batch with) is a.sum(axis=0)
    up to rounding: summed one addition at a time, N rows lose at most (N − 1)·u·Σ|a| with u = eps/2
    the unit roundoff (Higham, Accuracy and Stability of Numerical Algorithms, §4.2); eps·N·Σ|a| covers it."""
    from nnlib.normalisation import batch_sum

    a = data.draw(arrays(dtype, (batch, n), elements=st.floats(-1e6, 1e6, width=np.finfo(dtype).bits)))
    exact = np.array([math.fsum(column) for column in a.T.astype(np.float64)]).reshape(n)
    bound = batch * np.finfo(dtype).eps * np.abs(a.astype(np.float64)).sum(axis=0)
    s = batch_sum(a)
    assert s.shape == (n,) and s.dtype == dtype
    assert np.all(np.abs(s.astype(np.float64) - exact) <= bound), (s, exact, bound)
