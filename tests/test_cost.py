"""The cost of a gradient, counted: 2P forward passes by central differences, under three by backprop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlib
from nnlib.cost import matmul_flops

pytestmark = pytest.mark.nb05


def test_central_differences_make_two_forward_passes_per_parameter():
    rng = np.random.default_rng(0)
    model = nnlib.mlp([3, 5, 2], activation="tanh", rng=rng)
    X, y = rng.standard_normal((4, 3)), rng.integers(0, 2, 4)
    calls = []

    def loss(_):
        calls.append(1)
        return nnlib.softmax_cross_entropy(model.forward(X), y)[0]

    n_params = 0
    for param, _ in model.parameters():
        nnlib.numerical_gradient(loss, param)
        n_params += param.size
    assert n_params == 3 * 5 + 5 + 5 * 2 + 2
    assert len(calls) == 2 * n_params


def test_matmul_flops_by_hand():
    model = nnlib.mlp([3, 4, 2], rng=np.random.default_rng(0))
    # forward: 2·5·(3·4) + 2·5·(4·2) = 120 + 80; backward: twice that, less the first layer's dx
    assert matmul_flops(model, 5) == (200, 400 - 120)
    assert matmul_flops(model, 5, input_grad=True) == (200, 400)


@given(st.lists(st.integers(1, 64), min_size=2, max_size=6), st.integers(1, 128))
def test_backprop_costs_between_two_and_three_forward_passes(sizes, batch):
    model = nnlib.mlp(sizes, rng=np.random.default_rng(0))
    forward, backward = matmul_flops(model, batch)
    assert 2 <= (forward + backward) / forward < 3
    forward, backward = matmul_flops(model, batch, input_grad=True)
    assert (forward + backward) / forward == 3


def test_matmul_flops_rejects_bad_input():
    model = nnlib.mlp([3, 2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        matmul_flops(model, 0)
    with pytest.raises(ValueError, match="no Dense layers"):
        matmul_flops(nnlib.Sequential(nnlib.Activation("tanh")), 3)
