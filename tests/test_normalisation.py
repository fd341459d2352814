"""Batch normalisation and residual connections: forward passes by their definitions, backward
passes against central differences and against the step-by-step chain rule, training and
evaluation modes, bad input, and (where PyTorch is installed) torch.nn.BatchNorm1d."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import BatchNorm, Residual, numerical_gradient, rel_error

pytestmark = pytest.mark.nb13


def random_batch(rng, shape=(6, 4)):
    """A batch whose columns have different means and spreads, as a layer's inputs do."""
    return rng.standard_normal(shape) * rng.uniform(0.5, 3.0, shape[1]) + rng.uniform(-2, 2, shape[1])


# --------------------------------------------------------------------------- batchnorm_forward / backward


def test_forward_standardises_every_column_then_scales_and_shifts(rng):
    x = random_batch(rng)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.standard_normal(4)
    eps = 1e-3
    out, cache = nnlib.batchnorm_forward(x, gamma, beta, eps=eps)
    x_hat = (out - beta) / gamma
    var = x.var(axis=0)  # the biased variance, divided by N
    assert np.allclose(x_hat.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(x_hat.var(axis=0), var / (var + eps), rtol=1e-12)  # ε leaves it a little below 1
    assert np.allclose(cache.mean, x.sum(axis=0) / len(x)) and np.allclose(cache.var, var)
    assert np.allclose(cache.sigma, np.sqrt(var + eps))


def test_a_constant_feature_comes_out_as_beta_and_finite():
    x = np.column_stack([np.full(5, 3.0), np.arange(5.0)])
    out, _ = nnlib.batchnorm_forward(x, np.array([2.0, 1.0]), np.array([0.5, 0.0]))
    assert np.all(np.isfinite(out)) and np.allclose(out[:, 0], 0.5)  # σ = √ε, x − μ = 0


def bn_loss_and_grads(x, gamma, beta, upstream):
    """L = Σ upstream ⊙ out makes dL/dout = upstream; returns L's gradients by backprop and by differences."""
    def loss(x_, g_, b_):
        return float(np.sum(upstream * nnlib.batchnorm_forward(x_, g_, b_)[0]))

    _, cache = nnlib.batchnorm_forward(x, gamma, beta)
    analytic = nnlib.batchnorm_backward(upstream, cache)
    numeric = (numerical_gradient(lambda v: loss(v, gamma, beta), x.copy()),
               numerical_gradient(lambda v: loss(x, v, beta), gamma.copy()),
               numerical_gradient(lambda v: loss(x, gamma, v), beta.copy()))
    return analytic, numeric


# Not batch 2: there x̂ = ±√(σ²/(σ² + ε)) hardly depends on x, dx is of order ε/σ² and the
# differences' rounding (about 1e-16 · |L| / h) is a large part of each tiny entry.
@pytest.mark.parametrize("shape", [(3, 3), (6, 4), (17, 2)])
def test_backward_matches_central_differences(rng, shape):
    x = random_batch(rng, shape)
    gamma, beta = rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    analytic, numeric = bn_loss_and_grads(x, gamma, beta, rng.standard_normal(shape))
    for name, a, n in zip(("dx", "dgamma", "dbeta"), analytic, numeric):
        assert rel_error(a, n) < 1e-7, name


def staged_backward(dout, x, gamma, eps):
    """The chain rule one node at a time through x̂ = (x − μ) σ⁻¹, σ = (var + ε)^½, var = mean((x − μ)²)."""
    n = len(x)
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    inv_sigma = 1 / np.sqrt(var + eps)
    x_hat = xc * inv_sigma
    dx_hat = dout * gamma
    dinv_sigma = (dx_hat * xc).sum(axis=0)
    dvar = dinv_sigma * -0.5 * (var + eps) ** -1.5
    dxc = dx_hat * inv_sigma + dvar * 2 * xc / n  # x − μ feeds x̂ and the variance
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n  # x feeds x − μ and μ
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def test_compact_backward_equals_the_staged_chain_rule(rng):
    x = random_batch(rng, (9, 5))
    gamma, beta = rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    dout = rng.standard_normal((9, 5))
    _, cache = nnlib.batchnorm_forward(x, gamma, beta, eps=1e-4)
    for compact, staged in zip(nnlib.batchnorm_backward(dout, cache), staged_backward(dout, x, gamma, 1e-4)):
        assert np.allclose(compact, staged, rtol=1e-12, atol=1e-14)


def test_dx_sums_to_zero_over_the_batch(rng):
    # adding a constant to a column changes no output, so the gradient has no component along it
    x = random_batch(rng, (8, 3))
    _, cache = nnlib.batchnorm_forward(x, np.ones(3), np.zeros(3))
    dx, _, _ = nnlib.batchnorm_backward(rng.standard_normal((8, 3)), cache)
    assert np.allclose(dx.sum(axis=0), 0, atol=1e-12)


@given(batch=st.integers(1, 9), n=st.integers(1, 6), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**32 - 1))
def test_shapes_and_dtypes(batch, n, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, n)).astype(dtype)
    gamma, beta = np.ones(n, dtype), np.zeros(n, dtype)
    out, cache = nnlib.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = nnlib.batchnorm_backward(np.ones_like(out), cache)
    assert out.shape == dx.shape == (batch, n) and dgamma.shape == dbeta.shape == (n,)
    assert out.dtype == dx.dtype == dgamma.dtype == dbeta.dtype == dtype


def test_bad_input_names_the_argument_and_changes_nothing():
    x, gamma, beta = np.arange(6.0).reshape(3, 2), np.ones(2), np.zeros(2)
    originals = [a.copy() for a in (x, gamma, beta)]
    cases = [
        ((x, np.ones(3), beta), {}, r"gamma has shape \(3,\) but x has 2 columns; expected gamma of shape \(2,\)"),
        ((x, gamma, np.zeros((1, 2))), {}, r"beta has shape \(1, 2\) but x has 2 columns"),
        ((x[0], gamma, beta), {}, r"x must be 2-D with shape \(batch, n\), got shape \(2,\)"),
        ((x[:0], gamma, beta), {}, r"x must have at least one row"),
        ((x, gamma, beta), {"eps": 0.0}, r"eps must be a positive finite number, got 0\.0"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(ValueError, match="batchnorm_forward: " + message):
            nnlib.batchnorm_forward(*args, **kwargs)
    _, dense_cache = nnlib.dense_forward(x, np.ones((2, 2)), np.zeros(2))
    with pytest.raises(TypeError, match=r"batchnorm_backward: cache must be the one batchnorm_forward returned "
                                        r"\(a BatchNormCache\), got a tuple of 2 items"):
        nnlib.batchnorm_backward(np.ones((3, 2)), dense_cache)
    _, cache = nnlib.batchnorm_forward(x, gamma, beta)
    with pytest.raises(ValueError, match=r"dout has shape \(2, 2\) but the forward pass's out had shape \(3, 2\)"):
        nnlib.batchnorm_backward(np.ones((2, 2)), cache)
    assert all(np.array_equal(a, o) for a, o in zip((x, gamma, beta), originals))


# --------------------------------------------------------------------------- the BatchNorm layer


def test_running_statistics_follow_torchs_update_with_the_unbiased_variance(rng):
    bn = BatchNorm(3, momentum=0.2)
    mean, var = np.zeros(3), np.ones(3)
    for batch in (4, 7, 2):
        x = random_batch(rng, (batch, 3))
        bn.forward(x)
        mean = 0.8 * mean + 0.2 * x.mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=0, ddof=1)  # ddof=1: divided by N − 1
        assert np.allclose(bn.running_mean, mean, rtol=1e-14) and np.allclose(bn.running_var, var, rtol=1e-14)


def test_running_statistics_approach_the_datas_mean_and_variance(rng):
    bn = BatchNorm(2, momentum=0.1)
    mean, std = np.array([3.0, -1.0]), np.array([2.0, 0.5])
    for _ in range(300):
        bn.forward(mean + std * rng.standard_normal((64, 2)))
    # After 300 batches the start is forgotten (0.9^300 ≈ 2e-14); what is left is sampling noise.
    # An exponential average with weight m has √(m/(2 − m)) times its terms' spread: a batch
    # mean's is σ/√64, an unbiased batch variance's σ²·√(2/63). Five of those spreads each.
    shrink = np.sqrt(0.1 / 1.9)
    assert np.allclose(bn.running_mean, mean, rtol=0, atol=5 * shrink * std.max() / 8)
    assert np.allclose(bn.running_var, std**2, rtol=5 * shrink * np.sqrt(2 / 63))


def test_evaluation_mode_uses_the_running_statistics_row_by_row(rng):
    bn = BatchNorm(3)
    bn.gamma[...], bn.beta[...] = [1.0, 2.0, 0.5], [0.0, -1.0, 1.0]
    for _ in range(5):
        bn.forward(random_batch(rng, (10, 3)))
    stats = [bn.running_mean.copy(), bn.running_var.copy()]
    x = random_batch(rng, (4, 3))
    out = bn.eval().forward(x)
    expected = bn.gamma * (x - stats[0]) / np.sqrt(stats[1] + bn.eps) + bn.beta
    assert np.allclose(out, expected, rtol=1e-14)
    assert np.allclose(bn.forward(x[2:3]), out[2:3])  # one row alone: the same output
    assert np.array_equal(bn.running_mean, stats[0]) and np.array_equal(bn.running_var, stats[1])
    bn.train()
    assert not np.allclose(bn.forward(x), out)  # back to the batch's own statistics


def test_layer_gradients_match_central_differences_in_both_modes(rng):
    bn = BatchNorm(4)
    bn.gamma[...], bn.beta[...] = rng.uniform(0.5, 2, 4), rng.standard_normal(4)
    bn.forward(random_batch(rng, (20, 4)))  # running statistics away from their start
    x, upstream = random_batch(rng), rng.standard_normal((6, 4))
    for mode in ("train", "eval"):
        getattr(bn, mode)()
        bn.forward(x)
        dx = bn.backward(upstream)

        def loss(_):
            return float(np.sum(upstream * bn.forward(x)))

        assert rel_error(dx, numerical_gradient(lambda v: float(np.sum(upstream * bn.forward(v))), x.copy())) < 1e-7
        assert rel_error(bn.dgamma, numerical_gradient(loss, bn.gamma)) < 1e-7, mode
        assert rel_error(bn.dbeta, numerical_gradient(loss, bn.beta)) < 1e-7, mode


def test_layer_parameters_are_gamma_and_beta_and_the_statistics_are_buffers():
    bn = BatchNorm(3)
    (g, dg), (b, db) = bn.parameters()
    assert g is bn.gamma and dg is bn.dgamma and b is bn.beta and db is bn.dbeta
    assert bn.buffers()[0] is bn.running_mean and bn.buffers()[1] is bn.running_var
    bn.forward(np.arange(6.0).reshape(2, 3))
    bn.backward(np.ones((2, 3)))
    assert bn.parameters()[0][1] is dg  # written in place


def test_layer_bad_input():
    # the wrong kind of thing is a TypeError, the right kind with a wrong value a ValueError
    for error, kwargs, message in [
            (ValueError, {"n": 0}, r"n must be a positive integer, got 0"),
            (TypeError, {"n": 2.5}, r"n must be a positive integer, got 2\.5"),
            (TypeError, {"n": "3"}, r"n must be a positive integer, got str '3'"),
            (ValueError, {"n": 2, "momentum": 1.5}, r"momentum must be a finite number in \[0, 1\], got 1\.5"),
            (TypeError, {"n": 2, "momentum": "0.1"}, r"momentum must be a finite number in \[0, 1\], got str"),
            (ValueError, {"n": 2, "eps": -1e-5}, r"eps must be a positive finite number, got -1e-05")]:
        with pytest.raises(error, match="BatchNorm: " + message):
            BatchNorm(**kwargs)
    bn = BatchNorm(3)
    with pytest.raises(ValueError, match=r"BatchNorm.forward: x has 2 columns but this layer normalises 3 features"):
        bn.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"training mode needs at least 2 rows.*call eval\(\)"):
        bn.forward(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match=r"BatchNorm.backward: call forward first"):
        bn.backward(np.ones((4, 3)))
    assert np.array_equal(bn.running_mean, np.zeros(3)) and np.array_equal(bn.running_var, np.ones(3))
    assert bn.eval().forward(np.ones((1, 3))).shape == (1, 3)  # one row is fine on running statistics


def test_a_forward_pass_that_fails_in_a_later_layer_leaves_every_running_statistic_as_it_was(rng):
    # batch norm has already updated its statistics when the last layer, of the wrong width, raises:
    # the Sequential puts them back, in the residual block too
    outer, inner = BatchNorm(3), BatchNorm(3)
    block = nnlib.Sequential(inner, nnlib.Dense(3, 3, rng=rng))
    model = nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), outer, Residual(block), nnlib.Dense(2, 2, rng=rng))
    X = rng.standard_normal((5, 3))
    with pytest.raises(ValueError, match=r"Dense.forward: x has 3 columns but W has 2 rows"):
        model.forward(X)
    for bn in (outer, inner):
        assert np.array_equal(bn.running_mean, np.zeros(3)) and np.array_equal(bn.running_var, np.ones(3))
    model.layers[-1] = nnlib.Dense(3, 2, rng=rng)
    model.forward(X)  # fitting layers: the same pass now moves both
    assert not np.array_equal(outer.running_mean, np.zeros(3)) and not np.array_equal(inner.running_var, np.ones(3))


def test_batch_norm_checks_its_own_arrays_before_it_changes_any(rng):
    X = rng.standard_normal((4, 3))
    bn = BatchNorm(3)
    frozen = bn.running_var.copy()
    frozen.flags.writeable = False
    bn.running_var = frozen
    with pytest.raises(ValueError, match=r"BatchNorm.forward: running_var is read-only, and BatchNorm.forward changes "
                                         r"it in place"):
        bn.forward(X)
    assert np.array_equal(bn.running_mean, np.zeros(3))  # not moved ahead of running_var
    bn = BatchNorm(3)
    bn.gamma = np.ones(4)
    with pytest.raises(ValueError, match=r"BatchNorm.forward: gamma has shape \(4,\) but this layer normalises 3 "
                                         r"features"):
        bn.forward(X)
    bn = BatchNorm(3)
    bn.forward(X)
    bn.dbeta = np.zeros(2)
    with pytest.raises(ValueError, match=r"BatchNorm.backward: dbeta must have shape \(3,\), got shape \(2,\)"):
        bn.backward(np.ones((4, 3)))
    assert np.array_equal(bn.dgamma, np.zeros(3))  # not written ahead of dbeta
    bn = BatchNorm(3).eval()
    bn.running_var = -np.ones(3)
    with pytest.raises(ValueError, match=r"BatchNorm.forward: running_var must not be negative \(it is a variance\), "
                                         r"got -1.0 at index 0"):
        bn.forward(X)


# --------------------------------------------------------------------------- residual connections


def test_residual_adds_the_input_and_its_gradient_passes_straight_through(rng):
    block = nnlib.mlp([3, 5, 3], activation="tanh", rng=rng)
    res = Residual(block)
    x = rng.standard_normal((4, 3))
    assert np.allclose(res.forward(x), x + block.forward(x))
    dout = rng.standard_normal((4, 3))
    dx = res.backward(dout)
    block.forward(x)
    assert np.allclose(dx, dout + block.backward(dout))  # sum rule: identity path + the block's


def test_residual_jacobian_is_identity_plus_the_blocks(rng):
    block = nnlib.mlp([3, 4, 3], activation="sigmoid", rng=rng)
    res = Residual(block)
    x = rng.standard_normal((1, 3))

    def jacobian(f):  # row k: the gradient of output k by central differences
        return np.array([numerical_gradient(lambda v, k=k: f(v)[0, k], x.copy())[0] for k in range(3)])

    jac_res, jac_block = jacobian(res.forward), jacobian(block.forward)
    assert np.allclose(jac_res, np.eye(3) + jac_block, atol=1e-9)


def test_residual_gradients_match_central_differences(rng):
    res = Residual(nnlib.Sequential(nnlib.Dense(4, 4, rng=rng), nnlib.Activation("tanh"), nnlib.Dense(4, 4, rng=rng)))
    x, upstream = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    res.forward(x)
    dx = res.backward(upstream)
    assert rel_error(dx, numerical_gradient(lambda v: float(np.sum(upstream * res.forward(v))), x.copy())) < 1e-7
    for name, p, g in res.named_parameters():
        assert rel_error(g, numerical_gradient(lambda _: float(np.sum(upstream * res.forward(x))), p)) < 1e-7, name


def test_residual_shares_the_blocks_parameters_modes_and_dense_layers(rng):
    block = nnlib.Sequential(nnlib.Dense(2, 2, rng=rng), nnlib.Dropout(0.5, rng), nnlib.BatchNorm(2))
    res = Residual(block)
    assert all(a is b for pair, pair_b in zip(res.parameters(), block.parameters()) for a, b in zip(pair, pair_b))
    assert [n for n, _, _ in res.named_parameters()] == [
        "block.layers[0].W", "block.layers[0].b", "block.layers[2].gamma", "block.layers[2].beta"]
    model = nnlib.Sequential(nnlib.Dense(2, 2, rng=rng), res)
    assert model.dense_layers() == [model.layers[0], block.layers[0]]
    model.eval()
    assert not any(layer.training for layer in [model, res, block, *block.layers])
    model.train()
    assert all(layer.training for layer in [model, res, block, *block.layers])
    assert model.buffers() == block.layers[2].buffers()


def test_residual_bad_input(rng):
    with pytest.raises(TypeError, match=r"Residual: block needs forward and backward methods, such as a layer or "
                                        r"a Sequential, got 3"):
        Residual(3)
    with pytest.raises(ValueError, match=r"Residual.forward: the block maps x of shape \(2, 3\) to shape \(2, 4\)"):
        Residual(nnlib.Dense(3, 4, rng=rng)).forward(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"Residual.backward: call forward first"):
        Residual(nnlib.Dense(3, 3, rng=rng)).backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"Sequential.train: mode must be True or False, got str 'no'"):
        nnlib.Sequential().train("no")


# --------------------------------------------------------------------------- whole networks


def deep_net(rng, dropout_seed):
    """Dense, BatchNorm, tanh, a residual block, dropout and a last Dense: every new layer at once."""
    return nnlib.Sequential(
        nnlib.Dense(3, 4, rng=rng), BatchNorm(4), nnlib.Activation("tanh"),
        Residual(nnlib.Sequential(nnlib.Dense(4, 4, rng=rng), nnlib.Activation("sigmoid"), nnlib.Dense(4, 4, rng=rng))),
        nnlib.Dropout(0.3, np.random.default_rng(dropout_seed)), nnlib.Dense(4, 2, rng=rng))


@pytest.mark.nb14
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_network_with_every_new_layer_passes_the_gradient_check(rng, mode):
    model = deep_net(rng, dropout_seed=0)
    getattr(model, mode)()
    X, y = rng.standard_normal((7, 3)), rng.integers(0, 2, 7)
    dropout = model.layers[4]

    def loss(_=None):
        dropout.rng = np.random.default_rng(5)  # the same mask on every forward pass
        return nnlib.softmax_cross_entropy(model.forward(X), y)

    value, dout = loss()
    model.backward(dout)
    for name, p, g in model.named_parameters():
        assert rel_error(g, numerical_gradient(lambda _: loss()[0], p)) < 1e-7, (mode, name)
    if mode == "train":
        assert dropout.last_mask is not None and np.any(dropout.last_mask == 0)
    errors = nnlib.gradient_check(model.eval(), "softmax_cross_entropy", X, y)  # dropout off: one function
    assert max(errors.values()) < 1e-7 and len(errors) == len(model.parameters())


@pytest.mark.nb05
def test_gradient_check_in_training_mode_puts_the_running_statistics_back(rng):
    model = nnlib.Sequential(nnlib.Dense(3, 4, rng=rng), BatchNorm(4), nnlib.Activation("tanh"),
                             nnlib.Dense(4, 2, rng=rng))
    X, y = random_batch(rng, (8, 3)), rng.standard_normal((8, 2))
    model.forward(X)
    stats = [b.copy() for b in model.buffers()]
    errors = nnlib.gradient_check(model, "mse", X, y)
    assert max(errors.values()) < 1e-7
    assert [n for n in errors] == ["layers[0].W", "layers[0].b", "layers[1].gamma", "layers[1].beta",
                                   "layers[3].W", "layers[3].b"]
    assert all(np.array_equal(b, s) for b, s in zip(model.buffers(), stats))


def test_train_evaluates_in_evaluation_mode_and_restores_the_best_statistics(rng):
    X, y = random_batch(rng, (60, 3)), rng.integers(0, 2, 60)
    model = nnlib.Sequential(nnlib.Dense(3, 8, rng=rng), BatchNorm(8), nnlib.Activation("relu"),
                             nnlib.Dropout(0.2, rng), nnlib.Dense(8, 2, rng=rng))
    history = nnlib.train(model, "softmax_cross_entropy", X, y, X_val=X[:20], y_val=y[:20], lr=0.1, batch_size=10,
                          max_epochs=6, rng=rng)
    assert model.training  # the mode it came in
    # the model holds the best epoch's weights and statistics: its validation loss, measured in
    # evaluation mode, is the best one recorded
    assert nnlib.evaluate(model, "softmax_cross_entropy", X[:20], y[:20]) == pytest.approx(min(history.val_loss))
    assert model.training
    model.eval()
    nnlib.train(model, "softmax_cross_entropy", X, y, lr=0.1, batch_size=10, max_epochs=1, rng=rng)
    assert not model.training


# --------------------------------------------------------------------------- against torch.nn.BatchNorm1d


def test_batchnorm_equals_torch_batchnorm1d_in_training_and_evaluation(rng):
    torch = pytest.importorskip("torch")
    ours = BatchNorm(4, momentum=0.3, eps=1e-4)
    theirs = torch.nn.BatchNorm1d(4, momentum=0.3, eps=1e-4, dtype=torch.float64)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.standard_normal(4)
    ours.gamma[...], ours.beta[...] = gamma, beta
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(gamma))
        theirs.bias.copy_(torch.from_numpy(beta))
    for mode, batch in [("train", 6), ("train", 3), ("eval", 5), ("train", 9), ("eval", 2)]:
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x, dout = random_batch(rng, (batch, 4)), rng.standard_normal((batch, 4))
        xt = torch.tensor(x, requires_grad=True)
        theirs.weight.grad = theirs.bias.grad = None
        out_t = theirs(xt)
        out_t.backward(torch.from_numpy(dout))
        assert rel_error(ours.forward(x), out_t.detach().numpy()) < 1e-12, mode
        assert rel_error(ours.backward(dout), xt.grad.numpy()) < 1e-10, mode
        assert rel_error(ours.dgamma, theirs.weight.grad.numpy()) < 1e-12, mode
        assert rel_error(ours.dbeta, theirs.bias.grad.numpy()) < 1e-12, mode
        assert rel_error(ours.running_mean, theirs.running_mean.numpy()) < 1e-12, mode
        assert rel_error(ours.running_var, theirs.running_var.numpy()) < 1e-12, mode


@given(x=hnp.arrays(np.float64, (4, 2), elements=st.floats(-1e3, 1e3)))
def test_output_is_always_finite(x):
    out, cache = nnlib.batchnorm_forward(x, np.ones(2), np.zeros(2))
    dx, _, _ = nnlib.batchnorm_backward(np.ones_like(out), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))


class Scale:
    """A learner's layer with a parameter, offering parameters() only."""

    def __init__(self):
        self.s, self.ds = np.ones(2), np.zeros(2)

    def forward(self, x):
        self.x = x
        return x * self.s

    def backward(self, dout):
        self.ds[...] = (dout * self.x).sum(axis=0)
        return dout * self.s

    def parameters(self):
        return [(self.s, self.ds)]


class Negate:
    """A learner's layer with neither parameters() nor named_parameters()."""

    def forward(self, x):
        return -x

    def backward(self, dout):
        return -dout


@pytest.mark.nb05
def test_learners_own_layers_are_named_numbered_or_left_out(rng):
    model = nnlib.Sequential(nnlib.Dense(3, 2, rng=rng), Scale(), Negate(), BatchNorm(2))
    assert [n for n, _, _ in model.named_parameters()] == [
        "layers[0].W", "layers[0].b", "layers[1].parameters[0]", "layers[3].gamma", "layers[3].beta"]
    model.eval()  # Negate has no train(): it is left as it is
    assert not model.layers[3].training and not hasattr(model.layers[2], "training")
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    assert max(nnlib.gradient_check(model, "mse", X, y).values()) < 1e-7
    pairs, named = model.parameters(), model.named_parameters()
    assert len(pairs) == len(named) == 5 and all(p is q for (p, _), (_, q, _) in zip(pairs, named))
