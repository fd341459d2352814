"""The exact Hessian-vector product: against finite differences of backprop's gradient, against
the full Hessian built from them column by column, against a Hessian known in closed form;
linear in v, symmetric; the sharpness by power iteration; bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlib
from nnlib import BatchNorm, Dropout, Residual, Sequential, hessian_vector_product, numerical_gradient, rel_error
from nnlib.hessian import flatten, unflatten

pytestmark = pytest.mark.nb11

H_STEP = 1e-5  # central differences of the gradient: error about h² |∂³L| + ε |∇L| / h, near 1e-10 here


def gradient_at(model, loss, X, y, w):
    """Backprop's gradient (P,) with the parameters set to w (P,); the weights are put back after."""
    params = model.parameters()
    saved = [p.copy() for p, _ in params]
    for (p, _), piece in zip(params, unflatten(w, params)):
        p[...] = piece
    _, dout = nnlib.LOSSES[loss](model.forward(X), y)
    model.backward(dout)
    g = flatten([g for _, g in params])
    for (p, _), s in zip(params, saved):
        p[...] = s
    return g


def differenced_hvp(model, loss, X, y, v):
    """(∇L(w + h v) − ∇L(w − h v)) / 2h: H v to O(h²), from two backward passes."""
    w = flatten([p for p, _ in model.parameters()])
    v = flatten(v)
    plus, minus = gradient_at(model, loss, X, y, w + H_STEP * v), gradient_at(model, loss, X, y, w - H_STEP * v)
    return (plus - minus) / (2 * H_STEP)


def vector_error(a, b):
    """|a − b| / (|a| + |b|) with 2-norms: the error of the vector as a whole (tiny entries cannot sway it)."""
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def random_direction(model, rng):
    return [rng.standard_normal(p.shape) for p, _ in model.parameters()]


def classification_data(rng, n_out, n=7, n_in=3):
    return rng.standard_normal((n, n_in)), rng.integers(0, n_out, n)


NETWORKS = {
    # name: (builder, loss, targets)
    "sigmoid, mse": (lambda rng: nnlib.mlp([3, 4, 2], activation="sigmoid", rng=rng), "mse",
                     lambda rng: rng.standard_normal((7, 2))),
    "tanh, softmax cross-entropy": (lambda rng: nnlib.mlp([3, 5, 4, 3], activation="tanh", rng=rng),
                                    "softmax_cross_entropy", lambda rng: rng.integers(0, 3, 7)),
    "relu, bce with logits": (lambda rng: nnlib.mlp([3, 6, 1], activation="relu", rng=rng), "bce_with_logits",
                              lambda rng: rng.integers(0, 2, (7, 1)).astype(float)),
    "sigmoid output, bce": (lambda rng: Sequential(*nnlib.mlp([3, 4, 1], activation="tanh", rng=rng).layers,
                                                   nnlib.Activation("sigmoid")), "bce",
                            lambda rng: rng.integers(0, 2, (7, 1)).astype(float)),
    "residual, dropout in evaluation": (
        lambda rng: Sequential(nnlib.Dense(3, 4, rng=rng), nnlib.Activation("tanh"),
                               Residual(nnlib.mlp([4, 4, 4], activation="sigmoid", rng=rng)),
                               Dropout(0.5, rng).eval(), nnlib.Dense(4, 2, rng=rng)),
        "softmax_cross_entropy", lambda rng: rng.integers(0, 2, 7)),
}


@pytest.mark.nb12
@pytest.mark.parametrize("network", list(NETWORKS))
def test_hvp_equals_finite_differences_of_the_gradient(rng, network):
    build, loss, targets = NETWORKS[network]
    model = build(rng)
    X, y = rng.standard_normal((7, 3)), targets(rng)
    v = random_direction(model, rng)
    hv = hessian_vector_product(model, loss, X, y, v)
    assert [a.shape for a in hv] == [p.shape for p, _ in model.parameters()]
    assert vector_error(flatten(hv), differenced_hvp(model, loss, X, y, v)) < 1e-8


def test_softmax_jacobian_is_diag_p_minus_p_p_transposed(rng):
    z = rng.standard_normal((3, 4))
    J = nnlib.softmax_jacobian(z)
    for i in range(3):
        numeric = np.array([numerical_gradient(lambda v, k=k: nnlib.softmax(v[None])[0, k], z[i].copy())
                            for k in range(4)])
        assert rel_error(J[i], numeric) < 1e-7
    assert np.allclose(J, np.transpose(J, (0, 2, 1)))  # symmetric
    assert np.allclose(J.sum(axis=2), 0, atol=1e-15)  # the probabilities always sum to 1
    with pytest.raises(ValueError, match=r"softmax_jacobian: z must be 2-D"):
        nnlib.softmax_jacobian(np.ones(3))


@pytest.mark.parametrize("loss, targets", [
    ("mse", lambda rng: rng.standard_normal((5, 3))),
    ("softmax_cross_entropy", lambda rng: rng.integers(0, 3, 5)),
    ("bce_with_logits", lambda rng: rng.integers(0, 2, (5, 3)).astype(float)),
    ("bce", lambda rng: rng.uniform(0, 1, (5, 3))),
])
def test_each_losss_gradient_jvp_equals_differences_of_its_gradient(rng, loss, targets):
    y_hat = rng.uniform(0.1, 0.9, (5, 3)) if loss == "bce" else rng.standard_normal((5, 3))
    y, y_hat_dot = targets(rng), rng.standard_normal((5, 3))
    gradient = lambda t: nnlib.LOSSES[loss](y_hat + t * y_hat_dot, y)[1]  # noqa: E731
    expected = (gradient(1e-6) - gradient(-1e-6)) / 2e-6
    assert vector_error(nnlib.hessian.loss_gradient_jvp(loss, y_hat, y, y_hat_dot), expected) < 1e-8
    if loss == "softmax_cross_entropy":  # the same as the Jacobian applied row by row, over N
        by_jacobian = np.einsum("ijk,ik->ij", nnlib.softmax_jacobian(y_hat), y_hat_dot) / 5
        assert np.allclose(nnlib.hessian.loss_gradient_jvp(loss, y_hat, y, y_hat_dot), by_jacobian, rtol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_second_derivatives_are_the_derivatives_of_f_prime(name):
    f, f_prime = nnlib.ACTIVATIONS[name]
    z = np.array([-3.0, -0.7, 0.4, 2.5])  # away from relu's kink
    numeric = (f_prime(z + 1e-6) - f_prime(z - 1e-6)) / 2e-6
    assert np.allclose(nnlib.hessian.SECOND_DERIVATIVES[name](z, f(z)), numeric, rtol=1e-7, atol=1e-10)


def test_full_hessian_equals_the_one_built_from_differences_of_gradients(rng):
    model = nnlib.mlp([2, 3, 2], activation="tanh", rng=rng)
    X, y = classification_data(rng, 2, n_in=2)
    params = model.parameters()
    size = sum(p.size for p, _ in params)
    by_columns = np.column_stack([differenced_hvp(model, "softmax_cross_entropy", X, y, unflatten(e, params))
                                  for e in np.eye(size)])
    H = nnlib.hessian_matrix(model, "softmax_cross_entropy", X, y)
    assert H.shape == (size, size) == (17, 17)
    assert np.max(np.abs(H - by_columns)) < 1e-8 * np.max(np.abs(H))
    assert np.max(np.abs(H - H.T)) < 1e-14 * np.max(np.abs(H))  # exact: symmetric to rounding


def test_linear_least_squares_has_the_hessian_of_its_normal_equations(rng):
    # L = (1/2N) Σ (x·w + b − y)²: H = [X 1]ᵀ[X 1] / N, whatever w and b are
    model = Sequential(nnlib.Dense(3, 1, rng=rng))
    X, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 1))
    A = np.column_stack([X, np.ones(10)])
    assert np.allclose(nnlib.hessian_matrix(model, "mse", X, y), A.T @ A / 10, rtol=1e-13, atol=1e-15)


def test_hvp_is_linear_in_v_and_symmetric(rng):
    model = nnlib.mlp([3, 4, 3], activation="sigmoid", rng=rng)
    X, y = classification_data(rng, 3)
    u, w = random_direction(model, rng), random_direction(model, rng)
    Hu, Hw = (flatten(hessian_vector_product(model, "softmax_cross_entropy", X, y, d)) for d in (u, w))
    combo = [2.5 * a - 0.75 * b for a, b in zip(u, w)]
    H_combo = flatten(hessian_vector_product(model, "softmax_cross_entropy", X, y, combo))
    assert vector_error(H_combo, 2.5 * Hu - 0.75 * Hw) < 1e-14
    assert flatten(u) @ Hw == pytest.approx(flatten(w) @ Hu, rel=1e-12)  # uᵀHw = wᵀHu


def test_hvp_leaves_the_model_as_it_was(rng):
    model = nnlib.mlp([3, 4, 2], activation="tanh", rng=rng)
    X, y = classification_data(rng, 2)
    model.forward(X[:2])
    model.backward(np.ones((2, 2)))
    before = [a.copy() for pair in model.parameters() for a in pair]
    caches = [layer._cache for layer in model.layers]
    v = random_direction(model, rng)
    v_copy = [d.copy() for d in v]
    hessian_vector_product(model, "softmax_cross_entropy", X, y, v)
    assert all(np.array_equal(a, b) for a, b in zip([a for pair in model.parameters() for a in pair], before))
    assert all(layer._cache is c for layer, c in zip(model.layers, caches))
    assert all(np.array_equal(a, b) for a, b in zip(v, v_copy))


@pytest.mark.nb12
def test_sharpness_is_the_largest_eigenvalue_of_the_hessian(rng):
    model = nnlib.mlp([2, 4, 1], activation="tanh", rng=rng)
    X, y = rng.standard_normal((12, 2)), rng.standard_normal((12, 1))
    eigenvalues = np.linalg.eigvalsh(nnlib.hessian_matrix(model, "mse", X, y))
    largest = eigenvalues[np.argmax(np.abs(eigenvalues))]
    lam, iterations = nnlib.sharpness(model, "mse", X, y, rng, iters=2000, tol=1e-12)
    assert lam == pytest.approx(largest, rel=1e-8) and iterations < 2000


@pytest.mark.nb12
def test_a_warm_start_near_the_eigenvector_needs_fewer_products_and_returns_it(rng):
    model = nnlib.mlp([3, 6, 2], activation="tanh", rng=rng)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    cold, cold_products, direction = nnlib.sharpness(model, "mse", X, y, rng, iters=2000, tol=1e-12,
                                                     return_direction=True)
    assert [d.shape for d in direction] == [p.shape for p, _ in model.parameters()]
    u = flatten(direction)
    assert np.linalg.norm(u) == pytest.approx(1.0)
    hu = flatten(hessian_vector_product(model, "mse", X, y, direction))
    assert np.linalg.norm(hu - cold * u) < 1e-5 * abs(cold)  # H u = λ u: an eigenvector
    # a few training steps later the Hessian has moved a little: the old direction is a good start
    for _ in range(3):
        model.backward(nnlib.mse_loss(model.forward(X), y)[1])
        nnlib.sgd_step(model.parameters(), 0.01)
    start = [d.copy() for d in direction]
    warm, warm_products = nnlib.sharpness(model, "mse", X, y, rng, iters=2000, tol=1e-9, start=direction)
    again, again_products = nnlib.sharpness(model, "mse", X, y, np.random.default_rng(7), iters=2000, tol=1e-9)
    assert warm == pytest.approx(again, rel=1e-6) and warm_products < again_products
    assert all(np.array_equal(a, b) for a, b in zip(direction, start))  # start is not changed


@pytest.mark.nb12
def test_sharpness_bad_start_says_what_was_expected(rng):
    model = nnlib.mlp([3, 4, 2], rng=rng)
    X, y = classification_data(rng, 2)
    v = random_direction(model, rng)
    where = "sharpness: "
    with pytest.raises(ValueError, match=where + r"start has 3 arrays but the model has 4 parameters"):
        nnlib.sharpness(model, "mse", X, y, rng, start=v[:3])
    with pytest.raises(ValueError, match=where + r"start\[1\] has shape \(2,\) but parameter 1 has shape \(4,\)"):
        nnlib.sharpness(model, "mse", X, y, rng, start=[v[0], np.ones(2), v[2], v[3]])
    with pytest.raises(ValueError, match=where + r"start must not be all zeros"):
        nnlib.sharpness(model, "mse", X, y, rng, start=[np.zeros_like(a) for a in v])
    with pytest.raises(ValueError, match=where + r"start\[0\] holds nan"):
        nnlib.sharpness(model, "mse", X, y, rng, start=[np.full_like(a, np.nan) for a in v])
    with pytest.raises(TypeError, match=where + r"return_direction must be True or False, got str 'yes'"):
        nnlib.sharpness(model, "mse", X, y, rng, return_direction="yes")


@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4), batch=st.integers(1, 5),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]), seed=st.integers(0, 2**32 - 1))
def test_hvp_has_the_parameters_shapes(sizes, batch, activation, seed):
    rng = np.random.default_rng(seed)
    model = nnlib.mlp(sizes, activation=activation, rng=rng)
    X, y = rng.standard_normal((batch, sizes[0])), rng.standard_normal((batch, sizes[-1]))
    hv = hessian_vector_product(model, "mse", X, y, random_direction(model, rng))
    assert [a.shape for a in hv] == [p.shape for p, _ in model.parameters()]
    assert all(np.all(np.isfinite(a)) for a in hv)


def test_bad_input_says_what_was_expected(rng):
    model = nnlib.mlp([3, 4, 2], rng=rng)
    X, y = classification_data(rng, 2)
    v = random_direction(model, rng)
    where = "hessian_vector_product: "
    with pytest.raises(ValueError, match=where + r"v has 3 arrays but the model has 4 parameters"):
        hessian_vector_product(model, "mse", X, y, v[:3])
    with pytest.raises(ValueError, match=where + r"v\[1\] has shape \(2,\) but parameter 1 has shape \(4,\)"):
        hessian_vector_product(model, "mse", X, y, [v[0], np.ones(2), v[2], v[3]])
    with pytest.raises(TypeError, match=where + r"v must be a list of arrays shaped like model.parameters\(\)"):
        hessian_vector_product(model, "mse", X, y, 3.0)
    with pytest.raises(ValueError, match=where + r"no second derivative known for the loss 'hinge'; supported "
                                                 r"losses are mse_loss, softmax_cross_entropy"):
        def hinge(y_hat, y):
            return 0.0, np.zeros_like(y_hat)
        hessian_vector_product(model, hinge, X, y, v)
    with_bn = Sequential(nnlib.Dense(3, 2, rng=rng), BatchNorm(2))
    with pytest.raises(TypeError, match=where + r"cannot carry tangents through BatchNorm\(2"):
        hessian_vector_product(with_bn, "mse", X, y, random_direction(with_bn, rng))
    with_dropout = Sequential(nnlib.Dense(3, 2, rng=rng), Dropout(0.5, rng))
    with pytest.raises(TypeError, match=r"Dropout\(0.5\) in training mode: call model.eval\(\) first"):
        hessian_vector_product(with_dropout, "mse", X, y, random_direction(with_dropout, rng))
