"""The explorers' mathematics (nnlib.dynamics), with numpy alone: verdicts, curvature, learning per layer."""

import subprocess
import sys

import numpy as np
import pytest

import nnlib
from nnlib import dynamics


def test_dynamics_imports_without_matplotlib_or_ipywidgets():
    code = ("import sys; sys.modules['matplotlib'] = None; sys.modules['ipywidgets'] = None\n"
            "import nnlib.dynamics as d; print(d.stability_limit([[4.0]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0.5"


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("lr, verdict", [(0.1, "converges"), (0.199, "converges"), (0.2, "on the limit"),
                                         (0.201, "diverges"), (5.0, "diverges")])
@pytest.mark.nb06
def test_descent_verdict_follows_the_shrink_factor(lr, verdict):
    H = dynamics.rotated_hessian((1.0, 10.0))
    factor = dynamics.shrink_factor(H, lr)
    assert factor == pytest.approx(max(abs(1 - lr * 1.0), abs(1 - lr * 10.0)), rel=1e-12)
    assert dynamics.descent_verdict(factor) == verdict


@pytest.mark.nb06
def test_a_run_is_called_converging_only_after_enough_steps():
    falling = np.geomspace(1.0, 0.5, dynamics.VERDICT_STEPS + 1)
    assert dynamics.run_verdict(falling, False) == "converges"
    assert dynamics.run_verdict(falling[:2], False) == "too few steps to tell"  # one step that lowered the loss
    assert dynamics.run_verdict(falling[:-1], False) == "too few steps to tell"
    assert dynamics.run_verdict([1.0, 0.1, 50.0], True) == "diverges"  # however short, a blow-up is one
    assert dynamics.run_verdict(falling[::-1], False) == "diverges"  # ended above its start
    assert dynamics.run_verdict([1.0, np.inf], False) == "diverges"


@pytest.mark.nb06
def test_on_the_limit_the_steep_coordinate_keeps_its_size():
    H = np.diag([1.0, 10.0])
    weights, _, _ = dynamics.quadratic_descent(H, [1.0, 1.0], 0.2, 40)
    assert np.allclose(np.abs(weights[:, 1]), 1.0) and abs(weights[-1, 0]) < 1e-3


@pytest.mark.parametrize("norms, verdict", [([1e-5, 1e-2, 1.0], "vanishing"), ([0.099, 1.0], "vanishing"),
                                            ([0.1, 1.0], "balanced"), ([5.0, 1.0], "balanced"),
                                            ([10.0, 1.0], "balanced"), ([10.1, 1.0], "exploding"),
                                            ([1e6, 1e7], "balanced"), ([np.inf, 1.0], "exploding"),
                                            ([0.0, 0.0], "vanishing"), ([1.0, 0.0], "exploding")])
@pytest.mark.nb08
def test_flow_verdict_is_one_rule_on_first_over_last(norms, verdict):
    assert dynamics.flow_verdict(norms) == verdict


@pytest.mark.nb08
def test_relu_gradients_scale_by_one_power_of_the_weight_scale():
    """With ReLU, zero biases and targets 0, scaling every W by s multiplies every ‖dW_l‖ by s^(2D-1):
    a_{l-1} by s^(l-1), ŷ and so δ_D by s^D, and each of the D - l steps back by s."""
    X = np.random.default_rng(0).standard_normal((16, 32))
    y = np.zeros((16, 1))
    depth, norms = 8, {}
    for s in (1.0, 2.0):
        net = dynamics.build_deep_mlp(depth, "relu", "he", s, width=32, n_out=1, rng=np.random.default_rng(1))
        norms[s] = dynamics.gradient_flow(net, X, y)["grad_norms"]
    np.testing.assert_allclose(norms[2.0], norms[1.0] * 2.0 ** (2 * depth - 1), rtol=1e-10)
    assert dynamics.flow_verdict(norms[2.0]) == dynamics.flow_verdict(norms[1.0])


@pytest.mark.nb08
def test_backward_factors_are_sigma_w_root_n_times_rms_f_prime():
    rng = np.random.default_rng(0)
    net = nnlib.mlp([4, 6, 6, 2], activation="tanh", rng=rng)
    X = rng.standard_normal((10, 4))
    net.forward(X)
    dense = net.dense_layers()
    z1 = X @ dense[0].W + dense[0].b
    z2 = np.tanh(z1) @ dense[1].W + dense[1].b
    by_hand = [np.std(dense[k + 1].W) * np.sqrt(6) * np.sqrt(np.mean((1 - np.tanh(z) ** 2) ** 2))
               for k, z in enumerate((z1, z2))]
    np.testing.assert_allclose(dynamics.backward_factors(net), by_hand, rtol=1e-12)


@pytest.mark.nb08
def test_gradient_flow_delta_norms_are_dl_dz_of_each_layer():
    rng = np.random.default_rng(0)
    net = nnlib.mlp([5, 7, 7, 1], activation="sigmoid", rng=rng)
    X, y = rng.standard_normal((9, 5)), rng.standard_normal((9, 1))
    flow = dynamics.gradient_flow(net, X, y)
    (W1, b1), (W2, b2), (W3, b3) = [(d.W, d.b) for d in net.dense_layers()]
    s = nnlib.sigmoid
    z1 = X @ W1 + b1
    z2 = s(z1) @ W2 + b2
    d3 = (s(z2) @ W3 + b3 - y) / 9                      # dL/dŷ of the MSE, batch mean
    d2 = (d3 @ W3.T) * s(z2) * (1 - s(z2))              # δ_{l-1} = (δ_l W_lᵀ) ⊙ σ'(z_{l-1})
    d1 = (d2 @ W2.T) * s(z1) * (1 - s(z1))
    np.testing.assert_allclose(flow["delta_norms"], [np.linalg.norm(d) for d in (d1, d2, d3)], rtol=1e-12)
    np.testing.assert_allclose(flow["grad_norms"], [np.linalg.norm(X.T @ d1), np.linalg.norm(s(z1).T @ d2),
                                                    np.linalg.norm(s(z2).T @ d3)], rtol=1e-12)


# --------------------------------------------------------------------------- curvature


@pytest.mark.nb06
def test_hessian_vector_product_of_a_quadratic_is_exact():
    H = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    w, v = np.array([0.3, -1.0, 2.0]), np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(dynamics.hessian_vector_product(lambda u: H @ u, w, v), H @ v, rtol=1e-9)
    assert np.all(dynamics.hessian_vector_product(lambda u: H @ u, w, np.zeros(3)) == 0)


@pytest.mark.nb06
def test_power_iteration_finds_the_largest_eigenvalue():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    lam = np.array([0.1, 0.5, 1.0, 2.0, 3.0, 6.0])
    A = Q @ np.diag(lam) @ Q.T
    value, vector, iterations = dynamics.power_iteration(lambda v: A @ v, rng.standard_normal(6))
    assert value == pytest.approx(6.0, rel=1e-6) and iterations < 200
    assert abs(vector @ Q[:, -1]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.nb06
def test_network_lambda_max_matches_the_full_hessian_and_leaves_the_weights():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (32, 1))
    y = np.sin(np.pi * X)
    net = nnlib.mlp([1, 6, 1], activation="tanh", rng=rng)
    weights = [p.copy() for p, _ in net.parameters()]
    lam, _ = dynamics.network_lambda_max(net, X, y, np.random.default_rng(1))
    assert all(np.array_equal(p, w) for (p, _), w in zip(net.parameters(), weights))
    w0, grad, restore = dynamics.flat_gradient(net, X, y)
    H = np.array([dynamics.hessian_vector_product(grad, w0, e) for e in np.eye(w0.size)])
    restore()
    eigenvalues = np.linalg.eigvalsh((H + H.T) / 2)
    top = eigenvalues[np.argmax(np.abs(eigenvalues))]
    assert lam == pytest.approx(top, rel=1e-5)


# --------------------------------------------------------------------------- learning per layer


@pytest.mark.nb08
def test_relative_update_sizes():
    before = [np.ones((2, 2)), np.array([3.0, 4.0])]
    after = [np.ones((2, 2)) * 1.1, np.array([3.0, 4.5])]
    np.testing.assert_allclose(dynamics.relative_update_sizes(before, after), [0.1, 0.1])
    with pytest.raises(ValueError, match="2 arrays before but 1 after"):
        dynamics.relative_update_sizes(before, after[:1])


@pytest.mark.nb08
def test_sgd_steps_records_each_layer_and_equals_sgd_step():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_moons(64, rng)
    net = nnlib.mlp([2, 5, 5, 2], activation="tanh", rng=rng)
    twin = nnlib.mlp([2, 5, 5, 2], activation="tanh", rng=np.random.default_rng(0))
    for (p, _), (q, _) in zip(twin.parameters(), net.parameters()):
        p[...] = q
    batches = [np.arange(0, 16), np.arange(16, 32)]
    record = dynamics.sgd_steps(net, nnlib.softmax_cross_entropy, X, y, batches, 0.5)
    assert record["loss"].shape == (2,) and record["grad_norms"].shape == record["update_sizes"].shape == (2, 3)
    assert record["delta_norms"].shape == (2, 3)
    for k, rows in enumerate(batches):  # the same steps by hand
        value, d = nnlib.softmax_cross_entropy(twin.forward(X[rows]), y[rows])
        twin.backward(d)
        dense, acts = twin.dense_layers(), twin.layers[1::2]
        sizes = [0.5 * np.linalg.norm(layer.dW) / np.linalg.norm(layer.W) for layer in dense]
        deltas = [d]  # δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ tanh'(z_l), from the output back
        for layer, act in zip(dense[:0:-1], acts[::-1]):
            deltas.insert(0, (deltas[0] @ layer.W.T) * nnlib.tanh_prime(act.last_input))
        assert record["loss"][k] == pytest.approx(value)
        np.testing.assert_allclose(record["grad_norms"][k], [np.sqrt(np.sum(layer.dW**2)) for layer in dense])
        np.testing.assert_allclose(record["delta_norms"][k], [np.sqrt(np.sum(e**2)) for e in deltas])
        np.testing.assert_allclose(record["update_sizes"][k], sizes, rtol=1e-10)
        nnlib.sgd_step(twin.parameters(), 0.5)
    for (p, _), (q, _) in zip(twin.parameters(), net.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12)


@pytest.mark.nb08
def test_sgd_steps_takes_the_same_step_as_model_backward_when_a_dense_layer_sits_in_a_block():
    rng = np.random.default_rng(1)
    X, y = nnlib.data.make_moons(32, rng)

    def net():
        r = np.random.default_rng(2)
        return nnlib.Sequential(nnlib.Dense(2, 4, rng=r), nnlib.Activation("tanh"),
                                nnlib.Residual(nnlib.Sequential(nnlib.Dense(4, 4, rng=r), nnlib.Activation("tanh"))),
                                nnlib.Dense(4, 2, rng=r))

    model, twin = net(), net()
    record = dynamics.sgd_steps(model, nnlib.softmax_cross_entropy, X, y, [np.arange(32)], 0.1)
    twin.backward(nnlib.softmax_cross_entropy(twin.forward(X), y)[1])
    nnlib.sgd_step(twin.parameters(), 0.1)
    for (p, _), (q, _) in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12)
    # the Dense layer inside the Residual block is not reached by the loop over the top-level layers
    assert np.isnan(record["delta_norms"][0, 1]) and np.all(np.isfinite(record["delta_norms"][0, [0, 2]]))


def test_the_helpers_that_take_a_loss_name_it_when_it_returns_the_wrong_thing():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    model = nnlib.mlp([3, 3], rng=rng)

    def nothing(y_hat, y):
        return None

    _, grad, _ = dynamics.flat_gradient(model, X, Y, nothing)
    calls = {"flat_gradient": lambda: grad(np.zeros(12)),
             "network_lambda_max": lambda: dynamics.network_lambda_max(model, X, Y, rng, nothing),
             "sgd_steps": lambda: dynamics.sgd_steps(model, nothing, X, Y, [np.arange(2)], 0.1)}
    for where, call in calls.items():
        with pytest.raises(TypeError, match=rf"{where}: loss must return \(L, dL/dy_hat\), got None"):
            call()
    with pytest.raises(ValueError, match=r"sgd_steps: the loss returned dL/dy_hat of shape \(2, 1\)"):
        dynamics.sgd_steps(model, lambda y_hat, y: (1.0, y_hat[:, :1]), X, Y, [np.arange(2)], 0.1)


def test_the_dynamics_helpers_refuse_what_they_cannot_compute():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3))
    with pytest.raises(OverflowError, match="momentum_radius: lr \\* λ_max"):
        dynamics.momentum_radius(np.diag([3.0, 1.0]), 1e308, 0.5)
    for call in (lambda: dynamics.flat_gradient(nnlib.Sequential(), X, X),
                 lambda: dynamics.sgd_steps(nnlib.Sequential(), nnlib.mse_loss, X, X, [np.arange(2)], 0.1)):
        with pytest.raises(ValueError, match="the model has no parameters"):
            call()
    model = nnlib.mlp([3, 3], rng=rng)
    with pytest.raises(TypeError, match="sgd_steps: batches must be a list"):
        dynamics.sgd_steps(model, nnlib.mse_loss, X, X, {}, 0.1)
    with pytest.raises(ValueError, match="sgd_steps: batches must hold at least one"):
        dynamics.sgd_steps(model, nnlib.mse_loss, X, X, [], 0.1)
    for bad, error in ((True, TypeError), (np.array([[True]]), TypeError), (2.5, ValueError), ([1.0, 2.0], ValueError),
                       (np.zeros((0, 0)), ValueError)):
        for call in (dynamics.stability_limit, dynamics.check_hessian):
            with pytest.raises(error, match=r"hessian must be a square \(d, d\) matrix"):
                call(bad)
    assert dynamics.stability_limit([[2.5]]) == pytest.approx(0.8)


def test_finite_difference_curvature_says_when_it_overflows():
    with pytest.raises(OverflowError, match="hessian_vector_product: .*h=1e\\+308"):
        dynamics.hessian_vector_product(lambda w: 2 * w, np.ones(3), np.ones(3), h=1e308)
    with pytest.raises(ValueError, match="h=1e\\+308 is too large"):
        dynamics.hessian_vector_product(lambda w: 2 * w, np.full(3, 1.7e308), np.ones(3), h=1e308)
    rng = np.random.default_rng(0)
    X, model = np.ones((4, 3)), nnlib.mlp([3, 3], rng=rng)
    weights = [p.copy() for p, _ in model.parameters()]
    # the loss overflows; its gradient, 1e200, is finite but swamps every finite difference (H v came out 0)
    with pytest.raises(OverflowError, match="network_lambda_max: the loss at the current weights is inf"):
        dynamics.network_lambda_max(model, X, np.full((4, 3), 1e200), rng)
    assert all(np.array_equal(p, w) for (p, _), w in zip(model.parameters(), weights))
    assert dynamics.network_lambda_max(model, X, np.ones((4, 3)), rng)[0] == pytest.approx(4.0)
