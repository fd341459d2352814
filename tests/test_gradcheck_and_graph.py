import math

import numpy as np
import pytest

import nnlib
from nnlib.graph import Value, edges, topological_order


@pytest.mark.nb00
@pytest.mark.nb05
def test_numerical_gradient_of_a_known_function_and_restores_x():
    x = np.array([1.0, -2.0, 0.5])
    before = x.copy()
    g = nnlib.numerical_gradient(lambda v: float(np.sum(v**3)), x)
    assert np.array_equal(x, before)
    assert nnlib.rel_error(g, 3 * before**2) < 1e-9


@pytest.mark.nb05
def test_numerical_gradient_rejects_non_float():
    with pytest.raises(TypeError, match="float numpy array"):
        nnlib.numerical_gradient(lambda v: 0.0, np.array([1, 2]))


@pytest.mark.nb05
def test_rel_error_definition():
    assert nnlib.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert nnlib.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert nnlib.rel_error(np.array([0.0]), np.array([1e-10])) == pytest.approx(1e-2)  # floor 1e-8
    with pytest.raises(ValueError, match="shapes differ"):
        nnlib.rel_error(np.zeros(2), np.zeros(3))


@pytest.mark.nb05
def test_gradient_check_catches_a_broken_backward():
    rng = np.random.default_rng(0)
    model = nnlib.mlp([3, 4, 2], activation="sigmoid", rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    act = model.layers[1]
    act.backward = lambda da: da  # "forgot f'(z)"
    errors = nnlib.gradient_check(model, nnlib.softmax_cross_entropy, X, y)
    assert errors["layers[0].W"] > 1e-2
    assert errors["layers[2].W"] < 1e-7  # the layer after the activation is unaffected


@pytest.mark.nb03
def test_value_graph_by_hand():
    # L = (w x + b - y)^2 with w=2, x=3, b=1, y=4: L = 9, dL/dw = 2(wx+b-y) x = 18
    w, x, b, y = Value(2.0), Value(3.0), Value(1.0), Value(4.0)
    L = (w * x + b - y) ** 2
    L.backward()
    assert L.data == 9.0
    assert (w.grad, x.grad, b.grad, y.grad) == (18.0, 12.0, 6.0, -6.0)


@pytest.mark.nb03
@pytest.mark.parametrize("op", ["sigmoid", "tanh", "relu", "exp", "log"])
def test_value_unary_derivatives_match_central_differences(op):
    x0, h = 0.7, 1e-6
    v = Value(x0)
    out = getattr(v, op)()
    out.backward()
    f = lambda t: getattr(Value(t), op)().data  # noqa: E731
    assert nnlib.rel_error(np.array(v.grad), np.array((f(x0 + h) - f(x0 - h)) / (2 * h))) < 1e-7


@pytest.mark.nb03
def test_value_reused_node_accumulates_and_division():
    a = Value(3.0)
    out = a * a + a / 2 - 1 / a  # d/da = 2a + 1/2 + 1/a^2
    out.backward()
    assert a.grad == pytest.approx(6 + 0.5 + 1 / 9)
    out.backward()  # running backward twice gives the same, not double
    assert a.grad == pytest.approx(6 + 0.5 + 1 / 9)


@pytest.mark.nb03
@pytest.mark.parametrize("build, expected", [
    (lambda a, b, c: a * b + a * c, lambda a, b, c: b + c),   # a on the left of both products
    (lambda a, b, c: a * a * a, lambda a, b, c: 3 * a**2),   # (a·a)·a: two of three uses on the left
    (lambda a, b, c: a + b + a, lambda a, b, c: 2.0),        # (a + b) + a: left of one sum, right of the other
], ids=["a*b+a*c", "a*a*a", "a+b+a"])
def test_a_node_reused_as_either_operand_gets_every_paths_term(build, expected):
    values = (2.0, -3.0, 5.0)
    a, b, c = (Value(v) for v in values)
    out = build(a, b, c)
    out.backward()
    assert a.grad == pytest.approx(expected(*values))
    out.backward()  # a second pass starts from zero: the same gradient, not twice it
    assert a.grad == pytest.approx(expected(*values))


@pytest.mark.nb03
def test_one_neuron_graph_matches_nnlib():
    x, w, b, yv = 0.5, -1.2, 0.3, 1.0
    wv, bv = Value(w, label="w"), Value(b, label="b")
    a = (wv * x + bv).sigmoid()
    L = 0.5 * (a - yv) ** 2
    L.backward()
    z = np.array([[w * x + b]])
    s = nnlib.sigmoid(z)[0, 0]
    assert wv.grad == pytest.approx((s - yv) * nnlib.sigmoid_prime(z)[0, 0] * x)
    assert bv.grad == pytest.approx((s - yv) * nnlib.sigmoid_prime(z)[0, 0])


@pytest.mark.nb03
def test_topological_order_and_edges():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order.index(a) < order.index(c) < order.index(d)
    assert len(edges(d)) == 4
    deep = Value(0.0)
    for _ in range(5000):  # no recursion limit
        deep = deep + 1
    deep.backward()
    assert math.isclose(deep.data, 5000.0)


@pytest.mark.nb05
def test_gradient_errors_separate_roundoff_from_bugs():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    model = nnlib.mlp([3, 4, 2], activation="sigmoid", rng=rng)
    reports = nnlib.gradient_errors(model, nnlib.softmax_cross_entropy, X, y)
    L, _ = nnlib.softmax_cross_entropy(model.forward(X), y)
    assert reports.keys() == nnlib.gradient_check(model, nnlib.softmax_cross_entropy, X, y).keys()
    for name, param, grad in model.named_parameters():
        r = reports[name]
        assert r["analytic"].shape == r["numeric"].shape == param.shape
        assert np.array_equal(r["analytic"], grad)  # backprop's own gradient, as the model holds it
        assert r["analytic"] is not grad  # a copy: the next backward overwrites grad in place
        assert r["roundoff"] == pytest.approx(np.finfo(np.float64).eps * L / 1e-5)
        assert r["vector"] <= 1e-9 and r["abs"] <= 10 * r["roundoff"]
    model.layers[1].backward = lambda da: da  # "forgot f'(z)"
    broken = nnlib.gradient_errors(model, nnlib.softmax_cross_entropy, X, y)["layers[0].W"]
    assert broken["vector"] > 1e-2 and broken["abs"] > 1e3 * broken["roundoff"]
    # the report taken before the bug kept its own copy of the correct gradient
    assert not np.array_equal(reports["layers[0].W"]["analytic"], broken["analytic"])


@pytest.mark.nb03
@pytest.mark.parametrize("divide", [lambda: Value(1.0) / 0, lambda: 1 / Value(0.0), lambda: Value(2.0) / Value(0.0)])
def test_value_division_by_zero_says_so(divide):
    with pytest.raises(ZeroDivisionError, match=r"division by zero \((1|2)\.0 / 0\.0\)"):
        divide()


def test_gradient_check_refuses_dropout_in_training_mode():
    # A new mask on every forward pass: central differences of different functions gave a
    # relative error of 1.0 for every parameter, as if backprop were wrong.
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 3)), np.array([0, 1, 0, 1])
    model = nnlib.Sequential(nnlib.Dense(3, 3, rng=rng), nnlib.Residual(nnlib.Dropout(0.5, rng)),
                             nnlib.Dense(3, 2, rng=rng))
    for check in (nnlib.gradient_check, nnlib.gradient_errors):
        with pytest.raises(ValueError, match=r"Dropout\(0.5\) is in training mode.*call model.eval\(\) first"):
            check(model, "softmax_cross_entropy", X, y)
    assert max(nnlib.gradient_check(model.eval(), "softmax_cross_entropy", X, y).values()) < 1e-7
    model.train()
    model.layers[1].block.p = 0.0  # keeps every unit: one function, nothing to refuse
    assert max(nnlib.gradient_check(model, "softmax_cross_entropy", X, y).values()) < 1e-7
