"""Momentum and Adam: the update rules by hand, momentum's stability limit from its 2x2 update
matrix, Adam's scale invariance, the two kinds of weight decay, bad input, and (where PyTorch
is installed) step for step equal to torch.optim."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnlib
from nnlib import Adam, Momentum


def readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def pairs_of(*arrays):
    """(param, grad) pairs with zero gradients, as a model's parameters() would hand them out."""
    return [(a, np.zeros_like(a)) for a in arrays]


# --------------------------------------------------------------------------- momentum


@pytest.mark.nb12
def test_momentum_first_step_is_gradient_descent_and_the_second_remembers_it():
    p = np.array([1.0, -2.0])
    params = pairs_of(p)
    opt = Momentum(params, lr=0.1, beta=0.9)
    g1, g2 = np.array([0.5, -1.0]), np.array([1.0, 2.0])
    params[0][1][...] = g1
    opt.step()
    assert np.allclose(p, [1.0 - 0.1 * 0.5, -2.0 + 0.1 * 1.0])  # v = g1, p − ηg1
    params[0][1][...] = g2
    opt.step()
    v2 = 0.9 * g1 + g2  # v ← βv + g
    assert np.allclose(p, np.array([1.0, -2.0]) - 0.1 * g1 - 0.1 * v2)


@pytest.mark.nb12
def test_momentum_with_beta_zero_is_sgd_step(rng):
    W = rng.standard_normal((3, 4))
    W_copy = W.copy()
    params, params_copy = pairs_of(W), pairs_of(W_copy)
    opt = Momentum(params, lr=0.05, beta=0.0)
    for _ in range(3):
        g = rng.standard_normal(W.shape)
        params[0][1][...] = g
        params_copy[0][1][...] = g
        opt.step()
        nnlib.sgd_step(params_copy, 0.05)
    assert np.array_equal(W, W_copy)


def momentum_matrix(lr_times_lam, beta, lam=1.0):
    """nnlib's 2x2 update matrix for a given product ηλ."""
    return nnlib.momentum_update_matrix(lr_times_lam / lam, lam, beta)


@pytest.mark.nb12
def test_momentum_on_a_quadratic_is_the_power_of_its_update_matrix():
    lam, lr, beta = 3.0, 0.2, 0.7
    w = np.array([1.0])
    params = pairs_of(w)
    opt = Momentum(params, lr=lr, beta=beta)
    state = np.array([1.0, 0.0])  # (w, v) before the first step
    M = momentum_matrix(lr * lam, beta, lam)
    for _ in range(25):
        params[0][1][...] = lam * w  # the gradient of ½λw²
        opt.step()
        state = M @ state
        assert w[0] == pytest.approx(state[0], rel=1e-12, abs=1e-300)
        assert opt.velocities[0][0] == pytest.approx(state[1], rel=1e-12, abs=1e-300)


@pytest.mark.nb12
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_momentum_is_stable_exactly_when_lr_times_curvature_is_below_two_times_one_plus_beta(beta):
    limit = nnlib.momentum_stability_limit(1.0, beta)  # ηλ at the edge
    assert nnlib.momentum_stability_limit(4.0, beta) == pytest.approx(limit / 4)  # η scales as 1/λ
    assert np.min(np.abs(np.linalg.eigvals(momentum_matrix(limit, beta)) + 1)) < 1e-9  # M has the eigenvalue −1
    for factor in (0.02, 0.5, 0.9, 0.99, 1.01, 1.1, 2.0):
        radius = max(abs(np.linalg.eigvals(momentum_matrix(factor * limit, beta))))
        assert (radius < 1) == (factor < 1), (beta, factor, radius)
    # ηλ ≤ 0 never converges: the eigenvalue 1 (ηλ = 0) or one above it (ηλ < 0)
    assert max(abs(np.linalg.eigvals(momentum_matrix(0.0, beta)))) == pytest.approx(1.0)
    assert max(abs(np.linalg.eigvals(momentum_matrix(-0.1, beta)))) > 1


@pytest.mark.nb12
@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_momentum_run_grows_or_shrinks_at_the_rate_of_the_spectral_radius(factor):
    lam, beta = 2.0, 0.8
    lr = factor * nnlib.momentum_stability_limit(lam, beta)
    radius = max(abs(np.linalg.eigvals(momentum_matrix(lr * lam, beta, lam))))
    w = np.array([1.0])
    params = pairs_of(w)
    opt = Momentum(params, lr=lr, beta=beta)
    sizes = []
    for _ in range(400):
        params[0][1][...] = lam * w
        opt.step()
        sizes.append(np.hypot(w[0], opt.velocities[0][0]))
    # the slope of log size over the last 300 steps, fitted: complex eigenvalues turn (w, v) round
    # as they scale it, so its length wobbles about the geometric trend the fit averages over
    rate = np.exp(np.polyfit(np.arange(300), np.log(sizes[-300:]), 1)[0])
    assert rate == pytest.approx(radius, rel=1e-3)
    assert (sizes[-1] < 1e-3) == (factor < 1) and (sizes[-1] > 1e3) == (factor > 1)


# --------------------------------------------------------------------------- Adam


@pytest.mark.nb12
def test_adam_first_step_moves_each_entry_by_about_lr():
    p = np.array([1.0, 1.0, 1.0])
    params = pairs_of(p)
    g = np.array([1e-4, -3.0, 250.0])
    params[0][1][...] = g
    Adam(params, lr=0.01, eps=1e-8).step()
    # t = 1: m̂ = g and v̂ = g², so the step is η g / (|g| + ε) ≈ η sign(g) whatever |g| is
    assert np.allclose(p, 1.0 - 0.01 * g / (np.abs(g) + 1e-8), rtol=0, atol=1e-15)


@pytest.mark.nb12
def test_adam_second_step_by_hand():
    p = np.array([0.5])
    params = pairs_of(p)
    opt = Adam(params, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)
    g1, g2 = 2.0, -1.0
    expected = 0.5
    for t, g in ((1, g1), (2, g2)):
        params[0][1][...] = g
        opt.step()
        # the moments written out as sums over the gradients seen so far
        m = (1 - 0.9) * (g if t == 1 else 0.9 * g1 + g2)
        v = (1 - 0.99) * (g * g if t == 1 else 0.99 * g1 * g1 + g2 * g2)
        expected -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-8)
        assert p[0] == pytest.approx(expected, rel=1e-14)
    assert opt.t == 2


@pytest.mark.nb12
@given(scale=st.floats(1e-3, 1e3), seed=st.integers(0, 2**32 - 1))
def test_adam_steps_do_not_depend_on_the_gradients_scale(scale, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(4) for _ in range(5)]
    results = []
    for c in (1.0, scale):
        p = np.ones(4)
        params = pairs_of(p)
        opt = Adam(params, lr=0.01, eps=1e-300)  # ε tiny, so m̂/√v̂ alone decides the step
        for g in grads:
            params[0][1][...] = c * g
            opt.step()
        results.append(p)
    assert nnlib.rel_error(results[0], results[1]) < 1e-12


@pytest.mark.nb12
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
       dtype=st.sampled_from([np.float32, np.float64]), which=st.sampled_from(["momentum", "adam"]))
def test_optimisers_keep_every_parameters_shape_and_dtype(shape, dtype, which):
    p = np.ones(shape, dtype)
    params = pairs_of(p)
    params[0][1][...] = 0.5
    opt = Momentum(params, lr=0.1) if which == "momentum" else Adam(params, lr=0.1)
    opt.step()
    opt.step()
    assert p.shape == shape and p.dtype == dtype
    assert np.all(p < 1)  # a positive gradient moves every entry down
    state = opt.velocities if which == "momentum" else opt.first_moments + opt.second_moments
    assert all(s.shape == shape and s.dtype == dtype for s in state)


@pytest.mark.nb12
def test_optimisers_take_a_models_parameters_and_leave_the_gradients_alone(rng):
    model = nnlib.mlp([3, 4, 2], activation="tanh", rng=rng)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    params = model.parameters()
    opt = Adam(params, lr=0.01, weight_decay=0.1)
    losses = []
    for _ in range(30):
        loss, dout = nnlib.softmax_cross_entropy(model.forward(X), y)
        model.backward(dout)
        grads = [g.copy() for _, g in params]
        opt.step()
        assert all(np.array_equal(g, g0) for (_, g), g0 in zip(params, grads))
        losses.append(loss)
    assert losses[-1] < 0.9 * losses[0]


# --------------------------------------------------------------------------- weight decay


@pytest.mark.nb14
def test_decoupled_decay_shrinks_every_weight_by_the_same_factor():
    p = np.array([1.0, -4.0, 0.01])
    params = pairs_of(p)  # zero gradient: only the decay acts
    opt = Adam(params, lr=0.1, weight_decay=0.5, decoupled=True)
    for _ in range(3):
        opt.step()
    assert np.allclose(p, np.array([1.0, -4.0, 0.01]) * (1 - 0.1 * 0.5) ** 3, rtol=1e-14)


@pytest.mark.nb14
def test_l2_decay_under_adam_is_normalised_like_a_gradient():
    p0 = np.array([1.0, -4.0, 0.01])
    p = p0.copy()
    params = pairs_of(p)  # zero gradient: the decay λp is the whole gradient
    Adam(params, lr=0.1, weight_decay=0.5).step()
    g = 0.5 * p0
    assert np.allclose(p, p0 - 0.1 * g / (np.abs(g) + 1e-8), rtol=0, atol=1e-15)
    # Adam's first step has size η whatever the gradient's scale, so a large weight and a tiny
    # one move by the same amount, where decoupled decay shrinks each in proportion to its size
    assert np.allclose(np.abs(p0 - p), 0.1, rtol=1e-8 / np.min(np.abs(g)))  # short of η by under ε/|g|


@pytest.mark.nb14
def test_l2_decay_under_momentum_adds_lambda_p_to_the_gradient():
    p, q = np.array([2.0, -1.0]), np.array([2.0, -1.0])
    decayed, plain = pairs_of(p), pairs_of(q)
    g = np.array([0.3, 0.1])
    decayed[0][1][...] = g
    Momentum(decayed, lr=0.1, beta=0.9, weight_decay=0.2).step()
    plain[0][1][...] = g + 0.2 * q
    Momentum(plain, lr=0.1, beta=0.9).step()
    assert np.array_equal(p, q)
    assert np.array_equal(decayed[0][1], g)  # the gradient array itself is unchanged


# --------------------------------------------------------------------------- bad input


@pytest.mark.nb12
@pytest.mark.parametrize("make, error, message", [
    (lambda ps: Momentum(ps, lr=0.0), ValueError, r"Momentum: lr must be a positive finite number, got 0\.0"),
    (lambda ps: Momentum(ps, lr=0.1, beta=1.0), ValueError,
     r"Momentum: beta must be a finite number in \[0, 1\), got 1\.0"),
    (lambda ps: Momentum(ps, lr=0.1, beta=-0.1), ValueError, r"beta must be a finite number in \[0, 1\), got -0\.1"),
    (lambda ps: Momentum(ps, lr=0.1, weight_decay=-1), ValueError, r"weight_decay must be a finite number >= 0"),
    (lambda ps: Momentum(ps, lr="0.1"), TypeError, r"Momentum: lr must be a positive finite number, got str '0\.1'"),
    (lambda ps: Adam(ps, lr=float("nan")), ValueError, r"Adam: lr must be a positive finite number, got nan"),
    (lambda ps: Adam(ps, beta1=1.5), ValueError, r"Adam: beta1 must be a finite number in \[0, 1\), got 1\.5"),
    (lambda ps: Adam(ps, beta2=1), ValueError, r"Adam: beta2 must be a finite number in \[0, 1\), got 1"),
    (lambda ps: Adam(ps, eps=0), ValueError, r"Adam: eps must be a positive finite number, got 0"),
    # a string where a number belongs is the wrong kind of thing: a TypeError (the README's "Bad input")
    (lambda ps: Adam(ps, beta1="0.9"), TypeError, r"Adam: beta1 must be a finite number in \[0, 1\), got str '0\.9'"),
    (lambda ps: Adam(ps, decoupled="yes"), TypeError, r"Adam: decoupled must be True or False, got str 'yes'"),
])
def test_bad_hyperparameters_name_the_argument_and_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make(pairs_of(np.ones(2)))


@pytest.mark.nb12
def test_update_matrix_bad_input():
    # any finite η, λ and β build the matrix (β ≥ 1 too, to show why it never converges there)
    where = "momentum_update_matrix: "
    with pytest.raises(ValueError, match=where + r"lr must be a finite number, got nan"):
        nnlib.momentum_update_matrix(float("nan"), 1.0, 0.5)
    with pytest.raises(TypeError, match=where + r"curvature must be a finite number, got None"):
        nnlib.momentum_update_matrix(0.1, None, 0.5)


@pytest.mark.nb12
def test_stability_limit_bad_input():
    with pytest.raises(ValueError, match=r"momentum_stability_limit: curvature must be a finite number > 0, got -1"):
        nnlib.momentum_stability_limit(-1, 0.9)
    with pytest.raises(ValueError, match=r"momentum_stability_limit: beta must be a finite number in \[0, 1\), "
                                         r"got 1"):
        nnlib.momentum_stability_limit(1.0, 1)
    with pytest.raises(TypeError, match=r"momentum_update_matrix: curvature must be a finite number, got None"):
        nnlib.momentum_update_matrix(0.1, None, 0.9)


@pytest.mark.nb12
@pytest.mark.parametrize("cls", [Momentum, Adam])
def test_bad_parameter_lists_are_refused_before_anything_is_kept(cls):
    W, b = np.ones((2, 3)), np.ones(3)
    where = cls.__name__
    with pytest.raises(ValueError, match=where + r": a gradient has shape \(2,\) but its parameter has shape \(3,\) "
                                                 r"\(parameters\[1\]\)"):
        cls([(W, np.zeros_like(W)), (b, np.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match=r"parameters\[1\] is the same array as parameters\[0\]"):
        cls([(W, np.zeros_like(W)), (W, np.zeros_like(W))], lr=0.1)
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a \(param, grad\) pair"):
        cls([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"parameters\[0\]\[0\] \(a parameter\) must be an array of floats"):
        cls([(np.ones(2, int), np.zeros(2, int))], lr=0.1)
    with pytest.raises(ValueError, match=r"parameters\[1\]\[0\] \(a parameter\) is read-only"):
        cls([(W, np.zeros_like(W)), (readonly(b), np.zeros(3))], lr=0.1)
    with pytest.raises(TypeError, match=r"parameters must be a list of \(param, grad\) pairs"):
        cls(3, lr=0.1)
    with pytest.raises(ValueError, match=r"parameters is empty"):
        cls(nnlib.Sequential(nnlib.Activation("tanh")).parameters(), lr=0.1)
    assert np.array_equal(W, np.ones((2, 3))) and np.array_equal(b, np.ones(3))


def optimiser_state(opt):
    """Copies of what a step changes besides the parameters: the velocities, or Adam's m, v and t."""
    if isinstance(opt, Momentum):
        return [v.copy() for v in opt.velocities]
    return [opt.m.copy(), opt.v.copy(), opt.t]


@pytest.mark.nb12
@pytest.mark.parametrize("make", [lambda ps: Momentum(ps, lr=0.1, beta=0.9),
                                  lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, decoupled=True)])
def test_a_parameter_made_read_only_later_stops_the_step_before_anything_changes(make):
    # The optimiser checked the pairs when it took them; a parameter frozen since then must not
    # leave the model half stepped, nor the optimiser's state one step ahead.
    W, b = np.ones((2, 3)), np.ones(3)
    params = pairs_of(W, b)
    opt = make(params)
    for _, g in params:
        g[...] = 1.0
    opt.step()
    before = [W.copy(), b.copy()] + optimiser_state(opt)
    b.flags.writeable = False
    with pytest.raises(ValueError, match=r"\.step: parameters\[1\] has become read-only since the optimiser took it"):
        opt.step()
    after = [W, b] + optimiser_state(opt)
    assert all(np.array_equal(a, s) for a, s in zip(after, before))
    b.flags.writeable = True
    opt.step()  # writable again, the step goes on
    assert not np.array_equal(W, before[0])


@pytest.mark.nb12
def test_integer_gradients_are_taken_as_floats():
    p, q = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    ints, floats = [(p, np.array([1, -2]))], [(q, np.array([1.0, -2.0]))]
    for make in (lambda ps: Momentum(ps, lr=0.1), lambda ps: Adam(ps, lr=0.1, weight_decay=0.5)):
        make(ints).step()
        make(floats).step()
        assert np.array_equal(p, q)


# --------------------------------------------------------------------------- against torch.optim


def run_both(make_ours, make_torch, steps, rng):
    """Ours and torch's optimiser on the same weights fed the same random gradients; returns both weights."""
    torch = pytest.importorskip("torch")
    start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    ours = [w.copy() for w in start]
    params = pairs_of(*ours)
    theirs = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in start]
    opt, topt = make_ours(params), make_torch(theirs)
    for _ in range(steps):
        for (_, g), t in zip(params, theirs):
            g[...] = rng.standard_normal(g.shape)
            t.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    return ours, [t.detach().numpy() for t in theirs]


@pytest.mark.nb12
@pytest.mark.parametrize("beta, weight_decay", [(0.9, 0.0), (0.5, 0.0), (0.9, 0.3)])
def test_momentum_equals_torch_sgd_with_momentum(rng, beta, weight_decay):
    torch = pytest.importorskip("torch")
    ours, theirs = run_both(lambda ps: Momentum(ps, lr=0.05, beta=beta, weight_decay=weight_decay),
                            lambda ts: torch.optim.SGD(ts, lr=0.05, momentum=beta, weight_decay=weight_decay),
                            8, rng)
    for a, b in zip(ours, theirs):
        assert nnlib.rel_error(a, b) < 1e-12


@pytest.mark.nb12
@pytest.mark.parametrize("kwargs", [{}, {"beta1": 0.5, "beta2": 0.9, "eps": 1e-3}])
def test_adam_equals_torch_adam(rng, kwargs):
    torch = pytest.importorskip("torch")
    betas = (kwargs.get("beta1", 0.9), kwargs.get("beta2", 0.999))
    ours, theirs = run_both(lambda ps: Adam(ps, lr=0.01, **kwargs),
                            lambda ts: torch.optim.Adam(ts, lr=0.01, betas=betas, eps=kwargs.get("eps", 1e-8)),
                            8, rng)
    for a, b in zip(ours, theirs):
        assert nnlib.rel_error(a, b) < 1e-12


@pytest.mark.nb14
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_weight_decay_equals_torch_adam_or_adamw(rng, decoupled):
    torch = pytest.importorskip("torch")
    torch_cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    ours, theirs = run_both(lambda ps: Adam(ps, lr=0.01, weight_decay=0.1, decoupled=decoupled),
                            lambda ts: torch_cls(ts, lr=0.01, weight_decay=0.1), 8, rng)
    for a, b in zip(ours, theirs):
        assert nnlib.rel_error(a, b) < 1e-12
