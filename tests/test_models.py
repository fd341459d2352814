import numpy as np
import pytest

import nnlib
import nnlib.memory


def make_data(loss_name, rng, n=6, n_in=3, n_out=4):
    X = rng.standard_normal((n, n_in))
    if loss_name == "mse":
        return X, rng.standard_normal((n, n_out)), nnlib.mse_loss
    if loss_name == "bce":
        return X, rng.integers(0, 2, (n, n_out)).astype(float), nnlib.bce_with_logits
    return X, rng.integers(0, n_out, n), nnlib.softmax_cross_entropy


@pytest.mark.nb05
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss_name", ["mse", "bce", "softmax_ce"])
def test_whole_network_gradient_check(activation, loss_name):
    # Why a fixed seed, and what limits the bound: central differences in float64 carry a
    # roundoff error of about eps * L / h ~ 1e-11 * L in every entry, so an entry whose
    # true gradient is below ~1e-4 * L shows a relative error near 1e-7 even when backprop
    # is exact. Measured with this test's set-up over seeds 0..39 (all nine cases each):
    # the median worst error was ~1e-8 and 19 seeds stayed under 1e-7 in every case; seed 0
    # gives 2e-8, a 5x margin. A wrong backward pass gives errors of 1e-2 and more
    # (test_gradient_check_catches_a_broken_backward).
    rng = np.random.default_rng(0)
    X, y, loss = make_data(loss_name, rng)
    model = nnlib.mlp([3, 5, 4, 4], activation=activation, init="xavier", rng=rng)
    for layer in model.dense_layers():  # non-zero biases so every path is exercised
        layer.b[:] = 0.1 * rng.standard_normal(layer.b.shape)
    if activation == "relu":
        # Central differences are only valid away from the kink: make sure no hidden
        # pre-activation sits within 1e-3 of 0, where a step of h = 1e-5 could cross it.
        zs = []
        x = X
        for layer in model.layers:
            x = layer.forward(x)
            if isinstance(layer, nnlib.Dense):
                zs.append(x)
        assert min(np.abs(z).min() for z in zs[:-1]) > 1e-3
    errors = nnlib.gradient_check(model, loss, X, y)
    assert set(errors) == {f"layers[{i}].{p}" for i in (0, 2, 4) for p in "Wb"}
    assert max(errors.values()) <= 1e-7, errors


@pytest.mark.nb05
def test_bce_probability_head_gradient_check():
    # sigmoid output layer followed by bce_loss (the unfused textbook pairing)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 2, (6, 1)).astype(float)
    model = nnlib.Sequential(nnlib.Dense(3, 4, rng=rng), nnlib.Activation("tanh"),
                             nnlib.Dense(4, 1, rng=rng), nnlib.Activation("sigmoid"))
    errors = nnlib.gradient_check(model, nnlib.bce_loss, X, y)
    assert max(errors.values()) <= 1e-7, errors


@pytest.mark.nb01
def test_mlp_structure():
    rng = np.random.default_rng(0)
    model = nnlib.mlp([2, 8, 8, 3], activation="tanh", rng=rng)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Activation", "Dense", "Activation", "Dense"]
    assert [layer.W.shape for layer in model.dense_layers()] == [(2, 8), (8, 8), (8, 3)]
    assert len(model.parameters()) == 6
    assert model.forward(np.zeros((5, 2))).shape == (5, 3)


@pytest.mark.nb01
def test_determinism_same_seed_same_weights():
    a = nnlib.mlp([4, 6, 2], rng=np.random.default_rng(42))
    b = nnlib.mlp([4, 6, 2], rng=np.random.default_rng(42))
    c = nnlib.mlp([4, 6, 2], rng=np.random.default_rng(43))
    assert all(np.array_equal(p, q) for (p, _), (q, _) in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(a.layers[0].W, c.layers[0].W)


@pytest.mark.nb08
def test_init_schemes_have_their_standard_deviations():
    rng = np.random.default_rng(0)
    n_in, n_out = 400, 300
    for scheme, std in [("normal", 1.0), ("xavier", np.sqrt(2 / (n_in + n_out))),
                        ("he", np.sqrt(2 / n_in))]:
        W = nnlib.init_weights(n_in, n_out, scheme, rng)
        # 120000 draws: the sample std is within 1% of the true one with overwhelming odds
        assert W.shape == (n_in, n_out)
        assert W.std() == pytest.approx(std, rel=0.01)
        assert nnlib.init_weights(n_in, n_out, scheme, rng, scale=3.0).std() == pytest.approx(3 * std, rel=0.01)


@pytest.mark.nb08
def test_bad_init_and_rng_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"unknown init scheme 'glorot'.*'normal', 'xavier', 'he'"):
        nnlib.init_weights(3, 2, "glorot", rng)
    with pytest.raises(TypeError, match=r"numpy.random.Generator.*got int"):
        nnlib.init_weights(3, 2, "he", 0)
    with pytest.raises(ValueError, match=r"unknown activation 'elu'"):
        nnlib.mlp([2, 2], activation="elu", rng=rng)
    with pytest.raises(RuntimeError, match="call forward first"):
        nnlib.Dense(2, 2, rng=rng).backward(np.zeros((1, 2)))


@pytest.mark.nb06
def test_sgd_step_moves_against_the_gradient():
    W = np.array([1.0, -2.0])
    g = np.array([0.5, -1.0])
    nnlib.sgd_step([(W, g)], lr=0.1)
    assert np.allclose(W, [0.95, -1.9])  # w <- w - eta * dL/dw
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        nnlib.sgd_step([(W, g)], lr=-0.1)


@pytest.mark.nb08
def test_clip_gradients_caps_the_global_norm():
    g1, g2 = np.array([3.0]), np.array([4.0])
    norm = nnlib.clip_gradients([(np.zeros(1), g1), (np.zeros(1), g2)], max_norm=1.0)
    assert norm == pytest.approx(5.0)
    assert np.allclose([g1[0], g2[0]], [0.6, 0.8])


@pytest.mark.nb05
def test_backward_can_skip_the_input_gradient():
    rng = np.random.default_rng(0)
    model = nnlib.mlp([3, 4, 2], activation="tanh", rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    _, dout = nnlib.softmax_cross_entropy(model.forward(X), y)
    dx = model.backward(dout)
    full = [g.copy() for _, g in model.parameters()]
    assert dx.shape == X.shape
    assert model.backward(dout, input_grad=False) is None
    assert all(np.array_equal(g, f) for (_, g), f in zip(model.parameters(), full))
    # a network that starts with an activation still returns dx: the Activation needs it
    starts_with_activation = nnlib.Sequential(nnlib.Activation("tanh"), nnlib.Dense(3, 2, rng=rng))
    starts_with_activation.forward(X)
    assert starts_with_activation.backward(np.ones((5, 2)), input_grad=False).shape == X.shape


@pytest.mark.nb05
def test_layers_expose_what_their_last_forward_pass_saw():
    rng = np.random.default_rng(0)
    dense, act = nnlib.Dense(3, 2, rng=rng), nnlib.Activation("tanh")
    assert dense.last_input is None and act.last_input is None and act.last_output is None
    x = rng.standard_normal((4, 3))
    z = dense.forward(x)
    a = act.forward(z)
    assert dense.last_input is x
    assert act.last_input is z and act.last_output is a


@pytest.mark.nb07
def test_backward_writes_the_gradients_into_the_same_arrays(rng):
    model = nnlib.mlp([3, 4, 2], activation="tanh", rng=rng)
    pairs = model.parameters()
    for _ in range(2):  # two different batches: the second overwrites the first
        X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
        _, dout = nnlib.softmax_cross_entropy(model.forward(X), y)
        model.backward(dout)
        assert all(g is g_now for (_, g), (_, g_now) in zip(pairs, model.parameters()))
        last = model.layers[2]  # its upstream gradient is dout itself
        _, dW, db = nnlib.dense_backward(dout, (last.last_input, last.W))
        assert np.array_equal(last.dW, dW) and np.array_equal(last.db, db)


def learner_loop(take_list_once, X, y, epochs=20):
    """A learner's own training loop, the way notebook 07 writes one."""
    model = nnlib.mlp([2, 8, 2], activation="tanh", rng=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    params = model.parameters()
    losses = []
    for _ in range(epochs):
        for Xb, yb in nnlib.iterate_minibatches(X, y, 16, rng):
            loss, dout = nnlib.softmax_cross_entropy(model.forward(Xb), yb)
            model.backward(dout)
            nnlib.sgd_step(params if take_list_once else model.parameters(), 0.5)
        losses.append(loss)
    return model, losses


@pytest.mark.nb07
def test_a_parameter_list_taken_once_trains_exactly_like_one_asked_every_step():
    X, y = nnlib.data.make_moons(160, np.random.default_rng(2))
    once, once_losses = learner_loop(True, X, y)
    every, every_losses = learner_loop(False, X, y)
    assert once_losses == every_losses  # bitwise: the same arithmetic on the same arrays
    for (p, g), (q, h) in zip(once.parameters(), every.parameters()):
        assert np.array_equal(p, q) and np.array_equal(g, h)
    assert nnlib.accuracy(once.forward(X), y) > 0.85  # and it did learn: not two untouched models


@pytest.mark.nb07
def test_float32_data_trains_through_a_list_taken_once():
    # The weights are float64, so a float32 batch gives float64 gradients, written into
    # the same float64 arrays; the list stays valid and the step moves the weights.
    X, y = nnlib.data.make_moons(64, np.random.default_rng(5))
    model = nnlib.mlp([2, 4, 2], activation="sigmoid", rng=np.random.default_rng(6))
    params = model.parameters()
    before = [p.copy() for p, _ in params]
    _, dout = nnlib.softmax_cross_entropy(model.forward(X.astype(np.float32)), y)
    model.backward(dout)
    nnlib.sgd_step(params, 0.1)
    assert all(g.dtype == np.float64 for _, g in params)
    assert all(np.all(p == b - 0.1 * g) for (p, g), b in zip(params, before))
    assert all(np.any(g != 0) for _, g in params)


@pytest.mark.nb05
def test_a_replaced_backward_is_called_with_the_upstream_gradient_alone(rng):
    # Notebook 05 plants bugs by putting a one-argument function in place of a layer's
    # backward; Sequential calls it that way, also on the first layer when training asks
    # to skip dx, and the replacement's own return value comes back.
    model = nnlib.mlp([3, 4, 2], activation="tanh", rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    _, dout = nnlib.softmax_cross_entropy(model.forward(X), y)
    seen = []
    model.layers[0].backward = lambda dz: seen.append(dz.shape) or "dx of the replacement"
    model.layers[1].backward = lambda da: da  # "forgot f'(z)"
    assert model.backward(dout, input_grad=False) == "dx of the replacement"
    assert model.backward(dout) == "dx of the replacement"
    assert seen == [(5, 4), (5, 4)]


def _states(layers):
    """Each layer's cache and output shape, by identity: what a failed forward pass must not replace."""
    return [(getattr(layer, "_cache", None), getattr(layer, "_output_shape", None)) for layer in layers]


def _same_states(layers, states):
    return all(c is c0 and s == s0 for (c, s), (c0, s0) in zip(_states(layers), states))


def test_a_forward_pass_that_fails_part_way_leaves_every_cache_as_it_was():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3))
    model = nnlib.mlp([3, 4, 3], activation="tanh", rng=rng)
    model.forward(X)
    states = _states(model.layers)
    with pytest.raises(ValueError, match=r"layers\[3\] \(Dense\(5, 2\)\) takes 5 columns"):
        nnlib.Sequential(*model.layers, nnlib.Dense(5, 2, rng=rng)).forward(X[:2])
    assert _same_states(model.layers, states)
    model.backward(np.ones((4, 3)))  # the batch of 4 rows, as before

    # BatchNorm refuses one row in training mode: the Dense before it keeps its cache of 4 rows
    net = nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.BatchNorm(3))
    net.forward(X)
    states = _states(net.layers)
    with pytest.raises(ValueError, match="at least 2 rows"):
        net.forward(X[:1])
    assert _same_states(net.layers, states)
    net.backward(np.ones((4, 3)))


def test_a_failed_forward_pass_undoes_the_blocks_inside_that_succeeded():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 3))
    inner = nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.Activation("tanh"), nnlib.Dropout(0.5, rng),
                             nnlib.BatchNorm(3))
    blocks = [nnlib.Residual(inner), nnlib.Residual(nnlib.Dense(3, 3, rng=rng)), nnlib.memory.Checkpoint(
        nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.BatchNorm(3)))]
    net = nnlib.Sequential(*blocks, nnlib.Dense(3, 2, rng=rng), nnlib.BatchNorm(2))
    net.forward(X)
    everything = [*net.layers, *inner.layers, blocks[1].block, *blocks[2].block.layers, blocks[2].block, inner]
    states = _states(everything)
    buffers = [b.copy() for b in net.buffers()]
    kept = blocks[2]._input
    with pytest.raises(ValueError, match="at least 2 rows"):
        net.forward(X[:1])
    assert _same_states(everything, states)
    assert all(np.array_equal(b, b0) for b, b0 in zip(net.buffers(), buffers))
    assert blocks[2]._input is kept
    net.backward(np.ones((4, 2)))


def test_a_residual_block_that_changes_the_shape_leaves_its_cache_as_it_was():
    rng = np.random.default_rng(2)
    block = nnlib.Dense(3, 2, rng=rng)
    block.forward(np.ones((5, 3)))
    cache = block._cache
    with pytest.raises(ValueError, match="Residual.forward: the block maps x"):
        nnlib.Residual(block).forward(np.ones((4, 3)))
    assert block._cache is cache


@pytest.mark.parametrize("stale", [0, 1, 2])
def test_backward_after_one_layer_ran_forward_on_its_own_says_so_and_writes_no_gradient(stale):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 3))
    model = nnlib.mlp([3, 4, 3], rng=rng)
    model.forward(X)
    model.backward(np.ones((4, 3)))
    grads = [g.copy() for _, g in model.parameters()]
    model.layers[stale].forward(model.layers[stale]._cache[0 if stale != 1 else 1][:2])
    with pytest.raises(RuntimeError, match=rf"Sequential.backward: layers\[{stale}\] .* batch of 2 rows but dout "
                                           r"has 4.*run model.forward"):
        model.backward(np.ones((4, 3)))
    assert all(np.array_equal(g, g0) for (_, g), g0 in zip(model.parameters(), grads))


def test_backward_checks_the_batch_of_batchnorm_and_dropout_caches_too():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((4, 3))
    for layer in (nnlib.BatchNorm(3), nnlib.Dropout(0.5, rng)):
        model = nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), layer, nnlib.Dense(3, 2, rng=rng))
        model.forward(X)
        layer.forward(X[:2])
        with pytest.raises(RuntimeError, match=r"layers\[1\] .* batch of 2 rows"):
            model.backward(np.ones((4, 2)))
    # in evaluation mode a Dropout keeps no batch, only a shape: nothing to compare, nothing refused
    model = nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.Dropout(0.5, rng)).eval()
    model.forward(X)
    model.backward(np.ones((4, 3)))


def test_a_forward_pass_that_succeeds_keeps_nothing_of_the_one_before():
    """The undo of a failed pass holds what it replaces only while the pass runs: after one that
    succeeds, no layer, nested or not, still holds the previous batch's arrays (memory, notebook 11)."""
    import gc
    import weakref

    from nnlib.memory import Checkpoint

    rng = np.random.default_rng(5)
    model = nnlib.Sequential(nnlib.Residual(nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.Activation("tanh"))),
                             Checkpoint(nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.BatchNorm(3))),
                             nnlib.Dense(3, 2, rng=rng))
    first = rng.standard_normal((4, 3))
    model.forward(first)
    gone = [weakref.ref(first), weakref.ref(model.layers[0].block.layers[1]._cache[2])]
    del first
    model.forward(rng.standard_normal((4, 3)))
    gc.collect()
    assert [ref() is None for ref in gone] == [True, True]
