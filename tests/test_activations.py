import warnings

import numpy as np
import pytest

import nnlib
from nnlib import numerical_gradient, rel_error

NAMES = ["sigmoid", "tanh", "relu", "identity"]
F = {name: fs for name, fs in nnlib.ACTIVATIONS.items()}


@pytest.mark.nb01
def test_values_by_hand():
    z = np.array([-1.0, 0.0, 2.0])
    e = np.e
    assert np.allclose(nnlib.sigmoid(z), [1 / (1 + e), 0.5, 1 / (1 + e**-2)])
    assert np.allclose(nnlib.tanh(z), [(e**-1 - e) / (e**-1 + e), 0.0, (e**2 - e**-2) / (e**2 + e**-2)])
    assert np.array_equal(nnlib.relu(z), [0.0, 0.0, 2.0])
    assert np.array_equal(nnlib.identity(z), z)


@pytest.mark.nb04
def test_derivatives_by_hand():
    # sigmoid'(0) = 1/2 * 1/2 = 1/4, the largest value it takes; tanh'(0) = 1.
    assert nnlib.sigmoid_prime(0.0) == 0.25
    assert nnlib.tanh_prime(0.0) == 1.0
    assert np.array_equal(nnlib.relu_prime(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 1.0])
    assert np.array_equal(nnlib.identity_prime(np.array([-2.0, 5.0])), [1.0, 1.0])
    s = 1 / (1 + np.exp(-2.0))
    assert np.isclose(nnlib.sigmoid_prime(2.0), s * (1 - s))


@pytest.mark.nb04
def test_sigmoid_prime_never_exceeds_a_quarter():
    z = np.linspace(-20, 20, 4001)
    assert nnlib.sigmoid_prime(z).max() == pytest.approx(0.25)
    assert np.all(nnlib.sigmoid_prime(z) <= 0.25)


@pytest.mark.nb04
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "identity"])
def test_derivative_matches_central_differences(name):
    f, f_prime = F[name]
    z = np.linspace(-3, 3, 13)
    numeric = numerical_gradient(lambda z_: float(np.sum(f(z_))), z.copy())
    assert rel_error(f_prime(z), numeric) < 1e-7


@pytest.mark.nb04
def test_relu_derivative_away_from_the_kink():
    # Central differences straddle the kink when |z| < h, where ReLU has no derivative:
    # there (f(h) - f(-h)) / 2h = 1/2, which is neither one-sided value. So we check
    # points at least 1e-3 away from 0, and the convention relu_prime(0) == 0 separately.
    z = np.array([-2.0, -0.5, -1e-3, 1e-3, 0.7, 3.0])
    numeric = numerical_gradient(lambda z_: float(np.sum(nnlib.relu(z_))), z.copy())
    assert rel_error(nnlib.relu_prime(z), numeric) < 1e-7
    at_kink = numerical_gradient(lambda z_: float(np.sum(nnlib.relu(z_))), np.zeros(1))
    assert at_kink[0] == pytest.approx(0.5)
    assert nnlib.relu_prime(0.0) == 0.0


@pytest.mark.nb04
@pytest.mark.nb05
@pytest.mark.parametrize("name", NAMES)
def test_forward_backward_multiplies_by_f_prime(name, rng):
    z = rng.standard_normal((4, 3))
    da = rng.standard_normal((4, 3))
    a, cache = nnlib.activation_forward(z, name)
    f, f_prime = F[name]
    assert np.allclose(a, f(z))
    dz = nnlib.activation_backward(da, cache)
    assert np.allclose(dz, da * f_prime(z), rtol=1e-12, atol=1e-15)
    numeric = numerical_gradient(lambda z_: float(np.sum(da * f(z_))), z.copy())
    assert rel_error(dz, numeric) < 1e-7


@pytest.mark.nb01
@pytest.mark.parametrize("fn", [nnlib.sigmoid, nnlib.sigmoid_prime, nnlib.tanh, nnlib.tanh_prime])
def test_extreme_inputs_are_finite_and_quiet(fn):
    z = np.array([-1e4, -700.0, -50.0, 0.0, 50.0, 700.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fn(z)
    assert np.all(np.isfinite(out))


@pytest.mark.nb01
def test_sigmoid_is_the_textbook_formula():
    z = np.linspace(-30, 30, 61)
    assert np.array_equal(nnlib.sigmoid(z), 1 / (1 + np.exp(-z)))


# per dtype: a z where e^(-z) overflows, and z's where it is still finite
TAILS = {np.float64: (-720.0, [-40.0, -700.0]), np.float32: (-100.0, [-40.0, -87.0])}


@pytest.mark.nb01
@pytest.mark.parametrize("dtype", TAILS)
def test_sigmoid_is_exact_in_both_tails(dtype):
    overflowing, finite = TAILS[dtype]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nnlib.sigmoid(np.array([-1e4, overflowing, 40.0, 1e4], dtype))
    assert out.dtype == dtype
    # e^(-z) overflows to inf and 1 / (1 + inf) is exactly 0, where the true value, about
    # e^z, is below the smallest normal number; on the right, e^(-z) rounds to 0 or is
    # below half an ulp of 1, and the result is exactly 1
    assert np.array_equal(out, [0, 0, 1, 1])
    assert np.exp(np.float64(overflowing)) < np.finfo(dtype).tiny
    # where e^(-z) is still finite, the result is e^z to a few units in the last place
    for z in finite:
        assert nnlib.sigmoid(dtype(z)) == pytest.approx(np.exp(np.float64(z)), rel=8 * float(np.finfo(dtype).eps))


@pytest.mark.nb04
@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    z = np.linspace(-2, 2, 5, dtype=np.float32)
    f, f_prime = F[name]
    assert f(z).dtype == np.float32
    assert f_prime(z).dtype == np.float32
    a, cache = nnlib.activation_forward(z, name)
    assert a.dtype == np.float32
    assert nnlib.activation_backward(np.ones_like(z), cache).dtype == np.float32


@pytest.mark.nb04
def test_unknown_activation_names_it_and_lists_valid_ones():
    valid = r"'sigmoid', 'tanh', 'relu', 'identity'"
    with pytest.raises(ValueError, match=rf"activation_forward: unknown activation 'sigmod'.*{valid}"):
        nnlib.activation_forward(np.zeros(2), "sigmod")
    with pytest.raises(ValueError, match="'softplus'"):
        nnlib.Activation("softplus")
    # backward looks the name up again: a cache whose activation is unknown raises too,
    # instead of passing da through as if f' were 1
    z = np.array([0.5, -1.0])
    with pytest.raises(ValueError, match=rf"activation_backward: unknown activation 'sigmod'.*{valid}"):
        nnlib.activation_backward(np.ones(2), ("sigmod", z, z))


def softplus(z):
    return np.log1p(np.exp(z))


@pytest.mark.nb04
def test_an_activation_added_to_the_registry_uses_its_own_derivative(monkeypatch, rng):
    # softplus' = sigmoid: nothing in nnlib knows softplus, so every step below can only
    # get its derivative from the registry entry
    monkeypatch.setitem(nnlib.ACTIVATIONS, "softplus", (softplus, nnlib.sigmoid))
    z, da = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    a, cache = nnlib.activation_forward(z, "softplus")
    assert np.array_equal(a, softplus(z))
    dz = nnlib.activation_backward(da, cache)
    assert np.allclose(dz, da * nnlib.sigmoid(z), rtol=1e-14, atol=0)
    assert rel_error(dz, numerical_gradient(lambda z_: float(np.sum(da * softplus(z_))), z.copy())) < 1e-7
    model = nnlib.mlp([3, 4, 2], activation="softplus", rng=rng)
    assert model.layers[1].name == "softplus"


@pytest.mark.nb04
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_derivative_written_through_the_output_is_the_same_derivative(name):
    # the backward pass uses f' through a = f(z) for these two: a(1 - a) and 1 - a^2
    f, f_prime = F[name]
    z = np.linspace(-8, 8, 33)
    assert np.allclose(f_prime.from_output(f(z)), f_prime(z), rtol=1e-9, atol=1e-15)


@pytest.mark.nb04
@pytest.mark.nb05
def test_backward_shape_mismatch():
    _, cache = nnlib.activation_forward(np.zeros((2, 3)), "tanh")
    with pytest.raises(ValueError, match=r"da has shape \(3, 2\).*\(2, 3\)"):
        nnlib.activation_backward(np.zeros((3, 2)), cache)


@pytest.mark.nb01
@pytest.mark.parametrize("name", NAMES)
def test_plain_numbers_work_like_arrays(name):
    f, f_prime = F[name]
    for z in (0.5, -2.0, np.float64(3.0), np.array(1.5)):
        assert np.ndim(f(z)) == 0 and np.ndim(f_prime(z)) == 0
        assert f(z) == f(np.array([z]))[0]
        assert f_prime(z) == f_prime(np.array([z]))[0]
