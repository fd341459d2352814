"""What backprop keeps between the passes, counted against the layers' shapes, and recomputation:
a checkpointed block gives the same gradients, keeps only its input, and runs forward once more."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlib
from nnlib import BatchNorm, Checkpoint, Dropout, Sequential, cache_bytes, saved_arrays

pytestmark = pytest.mark.nb11


@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=6), batch=st.integers(1, 8),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]))
def test_an_mlp_keeps_its_input_and_every_hidden_z_and_a(sizes, batch, activation):
    model = nnlib.mlp(sizes, activation=activation, rng=np.random.default_rng(0))
    model.forward(np.ones((batch, sizes[0])))
    # Dense keeps its input x; an activation keeps z and a, and its a is the next Dense's x:
    # X (batch, n_0), then z and a of every hidden layer, 8 bytes each
    assert cache_bytes(model) == 8 * batch * (sizes[0] + 2 * sum(sizes[1:-1]))


def test_memory_grows_with_depth_and_batch_and_parameters_do_not_count(rng):
    def kept(depth, batch):
        model = nnlib.mlp([4] + [8] * depth + [2], rng=rng)
        model.forward(np.ones((batch, 4)))
        assert not any(a is p for a in saved_arrays(model) for p, _ in model.parameters())
        return cache_bytes(model)

    assert kept(4, 10) - kept(3, 10) == 8 * 10 * 2 * 8  # one more hidden layer: its z and a
    assert kept(3, 20) == 2 * kept(3, 10)  # everything kept has a row per example


def block_with_state(rng):
    return Sequential(nnlib.Dense(3, 5, rng=rng), BatchNorm(5), nnlib.Activation("tanh"), Dropout(0.4, rng),
                      nnlib.Dense(5, 3, rng=rng))


def test_checkpoint_gives_the_same_output_gradients_masks_and_statistics(rng):
    plain = block_with_state(np.random.default_rng(3))
    checkpointed = Checkpoint(block_with_state(np.random.default_rng(3)))
    X, dout = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    for _ in range(2):  # the second step draws new masks, the same in both
        out_plain, out_check = plain.forward(X), checkpointed.forward(X)
        assert np.array_equal(out_plain, out_check)
        assert np.array_equal(plain.backward(dout), checkpointed.backward(dout))
        for (_, g1), (_, g2) in zip(plain.parameters(), checkpointed.parameters()):
            assert np.array_equal(g1, g2)
        assert all(np.array_equal(a, b) for a, b in zip(plain.buffers(), checkpointed.buffers()))
    assert checkpointed.recomputations == 2  # one extra forward pass of the block per step


def test_checkpoint_keeps_only_its_input(rng):
    inner = nnlib.mlp([4, 16, 16, 16, 4], activation="sigmoid", rng=rng)
    model = Sequential(nnlib.Dense(3, 4, rng=rng), Checkpoint(inner), nnlib.Dense(4, 2, rng=rng))
    X = rng.standard_normal((10, 3))
    model.forward(X)
    # X for the first Dense, the checkpoint's input (the first Dense's output), the block's
    # output as the last Dense's input: three arrays of 10 rows
    assert cache_bytes(model) == 8 * 10 * (3 + 4 + 4)
    assert cache_bytes(inner) == 0
    model.backward(np.ones((10, 2)))
    assert cache_bytes(inner) == 0  # dropped again once its backward pass is done


def test_a_checkpointed_network_passes_the_gradient_check_and_the_hvp(rng):
    model = Sequential(nnlib.Dense(3, 4, rng=rng), Checkpoint(nnlib.mlp([4, 5, 4], activation="tanh", rng=rng)),
                       nnlib.Dense(4, 2, rng=rng))
    X, y = rng.standard_normal((7, 3)), rng.integers(0, 2, 7)
    errors = nnlib.gradient_check(model, "softmax_cross_entropy", X, y)
    assert len(errors) == 8 and max(errors.values()) < 1e-7
    plain = Sequential(model.layers[0], *model.layers[1].block.layers, model.layers[2])
    v = [rng.standard_normal(p.shape) for p, _ in model.parameters()]
    for a, b in zip(nnlib.hessian_vector_product(model, "softmax_cross_entropy", X, y, v),
                    nnlib.hessian_vector_product(plain, "softmax_cross_entropy", X, y, v)):
        assert np.array_equal(a, b)


def test_checkpoint_bad_input():
    with pytest.raises(TypeError, match=r"Checkpoint: block needs forward and backward methods, such as a layer "
                                        r"or a Sequential, got str 'block'"):
        Checkpoint("block")
    with pytest.raises(RuntimeError, match=r"Checkpoint.backward: call forward first"):
        Checkpoint(nnlib.Activation("tanh")).backward(np.ones(3))
