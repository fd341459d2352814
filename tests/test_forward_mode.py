"""Forward mode: dual numbers' rules, JVPs against finite-difference directional derivatives,
the Jacobian by forward mode (n passes) and by reverse mode (m passes), layer and network JVPs."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnlib
from nnlib import Dual, numerical_gradient, rel_error
from nnlib.graph import Value

pytestmark = pytest.mark.nb11

H = 1e-6


def central(f, x, v, h=H):
    """(f(x + h v) − f(x − h v)) / 2h: the directional derivative to O(h²)."""
    return (np.asarray(f(x + h * v)) - np.asarray(f(x - h * v))) / (2 * h)


UNARY = {
    "exp": math.exp, "log": math.log, "sigmoid": lambda a: 1 / (1 + math.exp(-a)), "tanh": math.tanh,
    "relu": lambda a: max(a, 0.0), "square": lambda a: a * a, "power": lambda a: a**-1.5,
    "reciprocal": lambda a: 1 / a, "subtract from 3": lambda a: 3 - a, "divide 2 by": lambda a: 2 / a,
}
ON_DUALS = {
    "exp": Dual.exp, "log": Dual.log, "sigmoid": Dual.sigmoid, "tanh": Dual.tanh, "relu": Dual.relu,
    "square": lambda d: d * d, "power": lambda d: d**-1.5, "reciprocal": lambda d: 1 / d,
    "subtract from 3": lambda d: 3 - d, "divide 2 by": lambda d: 2 / d,
}


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("a", [0.3, 1.7])
def test_each_rule_gives_the_derivative(op, a):
    out = ON_DUALS[op](Dual(a, 1.0))
    assert out.value == pytest.approx(UNARY[op](a), rel=1e-15)
    assert out.tangent == pytest.approx((UNARY[op](a + H) - UNARY[op](a - H)) / (2 * H), rel=1e-8)


def test_binary_rules_and_constants():
    a, b = Dual(2.0, 1.0), Dual(-3.0, 0.5)
    assert (a + b).tangent == 1.5 and (a - b).tangent == 0.5  # sum rule
    assert (a * b).tangent == 1.0 * -3.0 + 2.0 * 0.5  # product rule
    assert (a / b).tangent == pytest.approx((1.0 * -3.0 - 2.0 * 0.5) / 9.0)  # quotient rule
    assert (a * 4 + 1).tangent == 4.0 and (4 * a - 1).tangent == 4.0
    assert Dual(5.0).tangent == 0.0  # a constant does not move
    with pytest.raises(TypeError, match=r"Dual.__pow__: the exponent must be an int or float \(a constant\), "
                                        r"got a Dual"):
        a**b
    with pytest.raises(ZeroDivisionError, match=r"Dual.__truediv__: division by zero"):
        a / Dual(0.0)
    with pytest.raises(ValueError, match=r"Dual.log: needs a positive number, got -3\.0"):
        b.log()


def test_a_dual_holds_a_finite_real_number_as_a_value_does():
    # the same errors as nnlib.graph.Value's, named for Dual: a function written for one runs on the other
    with pytest.raises(TypeError, match=r"Dual: value must be a real number \(an int or a float\), got str 'abc'"):
        Dual("abc")
    with pytest.raises(ValueError, match=r"Dual: tangent must be finite, got nan"):
        Dual(1.0, float("nan"))
    with pytest.raises(OverflowError, match=r"Dual.exp: e \*\* 1000.0 is too large for a float"):
        Dual(1000.0).exp()
    with pytest.raises(ValueError, match=r"Dual.__pow__: a negative base to a fractional power is not a real number"):
        Dual(-8.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match=r"Dual.__pow__: 0 to a negative power divides by zero"):
        Dual(0.0) ** -1
    with pytest.raises(OverflowError, match=r"Dual.__mul__: 1e\+308 \* 10.0 = inf is too large for a float"):
        Dual(1e308) * 10
    with pytest.raises(OverflowError, match=r"Dual.__add__: the tangent of 1.0 \+ 2.0 = inf is too large"):
        Dual(1.0, 1e308) + Dual(2.0, 1e308)
    with pytest.raises(TypeError, match=r"Dual.__rsub__: the other operand must be a Dual or a real number"):
        Dual(1.0).__rsub__([1.0])
    with pytest.raises(TypeError, match=r"Dual.__add__: the other operand .* got an array of shape \(2,\)"):
        Dual(1.0) + np.ones(2)
    assert (Dual(2.0) ** 0).tangent == 0.0 and (Dual(0.0, 1.0) ** 0).value == 1.0  # d(a⁰)/da = 0, even at a = 0


def neuron_loss(w1, w2, b):
    """A function written for nnlib.graph.Value: one sigmoid neuron's BCE on a fixed example."""
    p = (w1 * 0.5 + w2 * -1.5 + b).sigmoid()
    return -(p.log())


def two_outputs(x1, x2, x3):
    return [(x1 * x2).tanh() + x3.exp(), x1 / (x2 * x2 + 1) - x3.relu()]


def test_a_function_written_for_value_runs_on_duals_and_agrees_with_backprop():
    x = np.array([0.4, -0.2, 0.1])
    inputs = [Value(a) for a in x]
    neuron_loss(*inputs).backward()
    gradient = np.array([node.grad for node in inputs])
    for j in range(3):
        _, tangent = nnlib.jvp(neuron_loss, x, np.eye(3)[j])
        assert tangent[0] == pytest.approx(gradient[j], rel=1e-14)


@given(x=st.lists(st.floats(-2, 2), min_size=3, max_size=3), v=st.lists(st.floats(-1, 1), min_size=3, max_size=3))
def test_jvp_equals_the_finite_difference_directional_derivative(x, v):
    x, v = np.array(x), np.array(v)
    values, tangents = nnlib.jvp(two_outputs, x, v)
    on_floats = lambda p: [o.value for o in two_outputs(*[Dual(a) for a in p])]  # noqa: E731
    assert np.allclose(values, on_floats(x), rtol=1e-15)
    expected = central(on_floats, x, v)
    # relu's kink: a difference straddling x3 = 0 is no derivative; keep the directions that do not
    if abs(x[2]) > 2 * H * abs(v[2]):
        assert np.allclose(tangents, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_forward_mode_takes_one_pass_per_input_and_reverse_mode_one_per_output(n):
    calls = {"forward": 0}

    def loss(*xs):  # f: Rⁿ → R, like a loss of n parameters; runs on Duals and on Values alike
        calls["forward"] += 1
        total = 0.0
        for k, x in enumerate(xs):
            total = (x - 0.5 * k) * (x - 0.5 * k) + total
        return total.tanh()

    x = np.linspace(-1, 1, n)
    forward = nnlib.jacobian_forward(loss, x)
    assert (forward.forward_passes, forward.backward_passes, calls["forward"]) == (n, 0, n)
    calls["forward"] = 0
    reverse = nnlib.jacobian_reverse(loss, x)
    assert (reverse.forward_passes, reverse.backward_passes, calls["forward"]) == (1, 1, 1)
    assert forward.jacobian.shape == reverse.jacobian.shape == (1, n)
    assert np.allclose(forward.jacobian, reverse.jacobian, rtol=1e-14)


def test_jacobians_of_a_vector_function_agree_with_differences():
    x = np.array([0.3, 1.2, -0.4])
    forward, reverse = nnlib.jacobian_forward(two_outputs, x), nnlib.jacobian_reverse(two_outputs, x)
    assert (forward.forward_passes, reverse.backward_passes) == (3, 2)
    numeric = np.array([numerical_gradient(lambda p, k=k: two_outputs(*[Dual(a) for a in p])[k].value, x.copy())
                        for k in range(2)])
    assert rel_error(forward.jacobian, numeric) < 1e-7
    assert np.allclose(forward.jacobian, reverse.jacobian, rtol=1e-14)


def test_scalar_functions_keep_float32_and_refuse_non_finite_points():
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    values, tangents = nnlib.jvp(two_outputs, x, np.ones(3, dtype=np.float32))
    assert values.dtype == tangents.dtype == np.float32
    assert nnlib.jacobian_forward(two_outputs, x).jacobian.dtype == np.float32
    assert nnlib.jacobian_reverse(two_outputs, x).jacobian.dtype == np.float32
    for f in (nnlib.jacobian_forward, nnlib.jacobian_reverse):
        with pytest.raises(ValueError, match=f.__name__ + r": x holds nan at row 1; a Dual or a Value holds a finite"):
            f(two_outputs, np.array([1.0, np.nan, 2.0]))
    with pytest.raises(TypeError, match=r"jvp: f must be a function of n scalars, got None"):
        nnlib.jvp(None, np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"jvp: f must return a Dual or a list of them.*it returned an empty list"):
        nnlib.jvp(lambda a: [], np.ones(1), np.ones(1))


def test_scalar_function_errors():
    with pytest.raises(ValueError, match=r"jvp: v has shape \(2,\) but x has shape \(3,\)"):
        nnlib.jvp(two_outputs, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match=r"jacobian_forward: x must be a non-empty 1-D array"):
        nnlib.jacobian_forward(two_outputs, np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"jvp: f must return a Dual or a list of them.*output 0 is float"):
        nnlib.jvp(lambda a: 3.0, np.ones(1), np.ones(1))


# --------------------------------------------------------------------------- layers and networks


def test_dense_and_activation_jvps_equal_directional_derivatives(rng):
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    x_dot, W_dot, b_dot = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    z, z_dot = nnlib.dense_jvp(x, W, b, x_dot, W_dot, b_dot)
    assert np.allclose(z, nnlib.dense_forward(x, W, b)[0])
    moved = lambda t: nnlib.dense_forward(x + t * x_dot, W + t * W_dot, b + t * b_dot)[0]  # noqa: E731
    assert np.allclose(z_dot, (moved(H) - moved(-H)) / (2 * H), rtol=1e-8, atol=1e-10)
    _, only_x = nnlib.dense_jvp(x, W, b, x_dot)
    assert np.allclose(only_x, x_dot @ W)  # the tangents left out are zero
    for name in ("sigmoid", "tanh", "relu", "identity"):
        a, a_dot = nnlib.activation_jvp(z, name, z_dot)
        f = nnlib.ACTIVATIONS[name][0]
        assert np.allclose(a, f(z)) and np.allclose(a_dot, central(f, z, z_dot), rtol=1e-7, atol=1e-9), name


def test_network_jvp_and_directional_derivative(rng):
    model = nnlib.Sequential(nnlib.Dense(3, 4, rng=rng), nnlib.Activation("tanh"),
                             nnlib.Residual(nnlib.mlp([4, 5, 4], activation="sigmoid", rng=rng)),
                             nnlib.Dense(4, 2, rng=rng))
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    X_dot = rng.standard_normal(X.shape)
    v = [rng.standard_normal(p.shape) for p, _ in model.parameters()]
    params = [p for p, _ in model.parameters()]
    start = [p.copy() for p in params]

    def output_at(t):
        for p, p0, d in zip(params, start, v):
            p[...] = p0 + t * d
        out = model.forward(X + t * X_dot)
        for p, p0 in zip(params, start):
            p[...] = p0
        return out

    out, out_dot = nnlib.network_jvp(model, X, X_dot, v)
    assert np.allclose(out, model.forward(X), rtol=1e-14)
    assert np.allclose(out_dot, (output_at(H) - output_at(-H)) / (2 * H), rtol=1e-7, atol=1e-9)

    L, L_dot = nnlib.directional_derivative(model, "softmax_cross_entropy", X, y, v)
    value, dout = nnlib.softmax_cross_entropy(model.forward(X), y)
    model.backward(dout)
    by_backprop = sum(float(np.sum(g * d)) for (_, g), d in zip(model.parameters(), v))  # ∇L · v
    assert L == pytest.approx(value, rel=1e-14) and L_dot == pytest.approx(by_backprop, rel=1e-12)


def test_network_jvp_errors(rng):
    model = nnlib.mlp([3, 2], rng=rng)
    with pytest.raises(ValueError, match=r"network_jvp: X_dot has shape \(2, 2\) but X has shape \(2, 3\)"):
        nnlib.network_jvp(model, np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"network_jvp: v has 1 arrays but the model has 2 parameters"):
        nnlib.network_jvp(model, np.ones((2, 3)), v=[np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"dense_jvp: W_dot has shape \(2, 3\) but W has shape \(3, 2\)"):
        nnlib.dense_jvp(np.ones((2, 3)), np.ones((3, 2)), np.ones(2), None, np.ones((2, 3)))
