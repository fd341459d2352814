"""Inverted dropout: the mask and its scale, the expectation kept, the backward pass through the
forward pass's own mask, the layer's two modes, and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import Dropout, dropout_backward, dropout_forward, numerical_gradient, rel_error

pytestmark = pytest.mark.nb14


def test_mask_is_zero_or_one_over_keep_probability_and_keeps_about_one_minus_p(rng):
    p, n = 0.3, 200_000
    x = np.ones(n)
    out, cache = dropout_forward(x, p, rng)
    assert set(np.unique(cache.mask)) == {0.0, 1 / (1 - p)}
    assert np.array_equal(out, x * cache.mask)
    kept = np.mean(cache.mask > 0)
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)  # five binomial standard deviations


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_expectation_is_kept(rng, p):
    x = rng.standard_normal(8)
    draws = 20_000
    outs = np.array([dropout_forward(x, p, rng)[0] for _ in range(draws)])
    # each entry is x/(1 − p) with probability 1 − p, else 0: mean x, standard deviation |x|√(p/(1 − p))
    spread = np.abs(x) * np.sqrt(p / (1 - p)) / np.sqrt(draws)
    assert np.all(np.abs(outs.mean(axis=0) - x) < 5 * spread)


def test_p_zero_is_the_identity(rng):
    x = rng.standard_normal((3, 4))
    out, cache = dropout_forward(x, 0.0, rng)
    assert np.array_equal(out, x) and np.array_equal(dropout_backward(np.ones_like(x), cache), np.ones_like(x))


def test_backward_reuses_the_forward_mask_and_matches_central_differences(rng):
    x, upstream = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))

    def loss(x_):
        return float(np.sum(upstream * dropout_forward(x_, 0.4, np.random.default_rng(7))[0]))  # a fixed mask

    _, cache = dropout_forward(x, 0.4, np.random.default_rng(7))
    dx = dropout_backward(upstream, cache)
    assert np.array_equal(dx == 0, cache.mask == 0)  # no gradient reaches a dropped unit
    assert rel_error(dx, numerical_gradient(loss, x.copy())) < 1e-7


def test_the_same_seed_draws_the_same_mask():
    x = np.ones((4, 4))
    a = dropout_forward(x, 0.5, np.random.default_rng(3))[1].mask
    b = dropout_forward(x, 0.5, np.random.default_rng(3))[1].mask
    c = dropout_forward(x, 0.5, np.random.default_rng(4))[1].mask
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@given(x=hnp.arrays(st.sampled_from([np.float32, np.float64]), hnp.array_shapes(min_dims=1, max_dims=3),
                    elements=st.floats(-10, 10, width=32)),
       p=st.floats(0, 0.99), seed=st.integers(0, 2**32 - 1))
def test_shapes_and_dtypes(x, p, seed):
    out, cache = dropout_forward(x, p, np.random.default_rng(seed))
    dx = dropout_backward(np.ones_like(out), cache)
    assert out.shape == dx.shape == x.shape and out.dtype == dx.dtype == x.dtype
    assert np.all((out == 0) | np.isclose(out, x / (1 - p), rtol=1e-6))


def test_bad_input_names_the_argument():
    x, rng = np.ones((2, 2)), np.random.default_rng(0)
    for p in (1.0, -0.1, 2, float("nan")):
        with pytest.raises(ValueError, match=r"dropout_forward: p must be a finite number in \[0, 1\)"):
            dropout_forward(x, p, rng)
    with pytest.raises(ValueError, match=r"p must be a finite number in \[0, 1\), got 1\.0"):
        dropout_forward(x, 1.0, rng)
    with pytest.raises(TypeError, match=r"p must be a finite number in \[0, 1\), got str '0\.5'"):
        dropout_forward(x, "0.5", rng)
    with pytest.raises(TypeError, match=r"dropout_forward: rng must be a numpy.random.Generator"):
        dropout_forward(x, 0.5, 0)
    _, bn_cache = nnlib.batchnorm_forward(x, np.ones(2), np.zeros(2))
    with pytest.raises(TypeError, match=r"dropout_backward: cache must be the one dropout_forward returned "
                                        r"\(a DropoutCache\), got a BatchNormCache"):
        dropout_backward(x, bn_cache)
    _, cache = dropout_forward(x, 0.5, rng)
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3\) but the forward pass's out had shape \(2, 2\)"):
        dropout_backward(np.ones((2, 3)), cache)
    assert np.array_equal(x, np.ones((2, 2)))


# --------------------------------------------------------------------------- the Dropout layer


def test_layer_drops_in_training_and_is_the_identity_in_evaluation(rng):
    layer = Dropout(0.5, rng)
    x = rng.standard_normal((50, 4))
    out = layer.forward(x)
    assert np.any(out == 0) and np.array_equal(out, x * layer.last_mask)
    dout = rng.standard_normal(x.shape)
    assert np.array_equal(layer.backward(dout), dout * layer.last_mask)
    layer.eval()
    assert np.array_equal(layer.backward(dout), dout * layer.last_mask)  # still the forward pass's mask
    assert np.array_equal(layer.forward(x), x) and layer.last_mask is None
    assert np.array_equal(layer.backward(dout), dout)
    layer.train()
    assert np.array_equal(layer.backward(dout), dout)  # the last forward pass was the identity


def test_training_output_of_a_linear_layer_averages_to_its_evaluation_output(rng):
    dense = nnlib.Dense(6, 3, rng=rng)
    model = nnlib.Sequential(Dropout(0.5, rng), dense)
    x = rng.standard_normal((1, 6))
    draws = 20_000
    outs = np.array([model.forward(x)[0] for _ in range(draws)])
    evaluated = model.eval().forward(x)[0]
    # the output j is Σ_i x_i m_i W_ij: the mean is the evaluation output, the variance Σ_i (x_i W_ij)² p/(1 − p)
    spread = np.sqrt(((x[0][:, None] * dense.W) ** 2).sum(axis=0) * 0.5 / (1 - 0.5)) / np.sqrt(draws)
    assert np.all(np.abs(outs.mean(axis=0) - evaluated) < 5 * spread)


def test_layer_bad_input(rng):
    with pytest.raises(ValueError, match=r"Dropout: p must be a finite number in \[0, 1\), got 1\.5"):
        Dropout(1.5, rng)
    with pytest.raises(TypeError, match=r"Dropout: rng must be a numpy.random.Generator"):
        Dropout(0.5, 42)
    with pytest.raises(RuntimeError, match=r"Dropout.backward: call forward first"):
        Dropout(0.5, rng).backward(np.ones(3))
    layer = Dropout(0.5, rng).eval()
    layer.forward(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"dout has shape \(3,\) but the forward pass's out had shape \(2, 2\)"):
        layer.backward(np.ones(3))
