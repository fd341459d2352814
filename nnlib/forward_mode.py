"""Forward-mode differentiation: every value travels with its tangent, its derivative along
one chosen direction of the inputs.

For f: Rⁿ → Rᵐ and a direction v in Rⁿ, one forward pass that carries tangents gives the
Jacobian-vector product J v (a JVP): one column of J per pass when v is a unit vector, so
the whole Jacobian costs n passes. Reverse mode (backprop, nnlib.graph) gives vᵀ J (a VJP),
one row per backward pass, m passes in all: for a loss (m = 1) one backward pass yields the
whole gradient, however many inputs there are.

Two levels, the same idea:
- Dual, a scalar a + ȧε with ε² = 0, with the operations of nnlib.graph.Value, so a
  function written for Value runs on Duals unchanged; jvp, jacobian_forward and
  jacobian_reverse on such functions, counting their passes;
- network_jvp and directional_derivative on a Sequential, layer by layer (dense_jvp,
  activation_jvp), with tangents for the input and for the parameters.
"""

import math
from numbers import Real
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    describe,
    finite_result,
    real_power,
    require_callable,
    require_finite,
    require_forward,
    require_real,
    require_same_shape,
)
from .activations import get_activation, sigmoid
from .dropout import Dropout
from .graph import Value
from .layers import check_dense_inputs
from .memory import Checkpoint
from .models import Activation, Dense, Residual, Sequential
from .train import _resolve_loss, check_data


class Dual:
    """A dual number value + tangent·ε with ε² = 0: f(a + ȧε) = f(a) + f'(a)ȧε.

    value: the number; tangent: its derivative along the chosen direction; both finite real
    numbers. Every operation applies the rule for its derivative to the tangent as it computes
    the value; one whose value or tangent is not a finite real number raises, as Value's do.
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        self.value = require_real(value, "value", "Dual")
        self.tangent = require_real(tangent, "tangent", "Dual")

    @staticmethod
    def _made(value, tangent, where, what):
        """The Dual an operation made, its value and tangent finite (what says how they were made)."""
        out = Dual.__new__(Dual)
        out.value = finite_result(value, where, what)
        out.tangent = finite_result(tangent, where, f"the tangent of {what}")
        return out

    @staticmethod
    def _wrap(other, where):
        if isinstance(other, Dual):
            return other
        return Dual(require_real(other, "the other operand", where, "a Dual or a real number (an int or a float)"))

    # Each rule once, with the name of the operation the learner called for the messages.
    def _add(self, other, where):
        return self._made(self.value + other.value, self.tangent + other.tangent,  # sum rule
                          where, f"{self.value!r} + {other.value!r}")

    def _mul(self, other, where):
        return self._made(self.value * other.value,
                          self.tangent * other.value + self.value * other.tangent,  # product rule
                          where, f"{self.value!r} * {other.value!r}")

    def _pow(self, n, where):
        a = self.value
        value = real_power(a, n, where)
        slope = n * real_power(a, n - 1, f"{where} (its derivative, {n!r} * a ** {n - 1!r})") if n else 0.0
        return self._made(value, slope * self.tangent, where, f"{a!r} ** {n!r}")  # power rule: n a^(n−1)

    def _div(self, other, where):
        if other.value == 0:
            raise ZeroDivisionError(f"{where}: division by zero ({self.value} / {other.value})")
        finite_result(self.value / other.value, where, f"{self.value!r} / {other.value!r}")
        return self._mul(other._pow(-1.0, where), where)  # a / b = a · b^(-1): the quotient rule

    def __add__(self, other):
        return self._add(self._wrap(other, "Dual.__add__"), "Dual.__add__")

    def __mul__(self, other):
        return self._mul(self._wrap(other, "Dual.__mul__"), "Dual.__mul__")

    def __pow__(self, exponent):
        where = "Dual.__pow__"
        if isinstance(exponent, (Dual, Value)) or not isinstance(exponent, Real) or isinstance(exponent, bool):
            raise TypeError(f"{where}: the exponent must be an int or float (a constant), got {describe(exponent)}")
        return self._pow(require_real(exponent, "the exponent", where), where)

    def exp(self):
        try:
            e = math.exp(self.value)
        except OverflowError:  # math says only "math range error"
            raise OverflowError(f"Dual.exp: e ** {self.value!r} is too large for a float (the largest is about "
                                f"1.8e308, e ** 709.78); exp needs value <= 709.78") from None
        return self._made(e, e * self.tangent, "Dual.exp", f"e ** {self.value!r}")  # (e^a)' = e^a

    def log(self):
        if self.value <= 0:
            raise ValueError(f"Dual.log: needs a positive number, got {self.value}")
        return self._made(math.log(self.value), self.tangent / self.value,  # (log a)' = 1/a
                          "Dual.log", f"log({self.value!r})")

    def sigmoid(self):
        s = float(sigmoid(self.value))
        return self._made(s, s * (1 - s) * self.tangent, "Dual.sigmoid", f"sigmoid({self.value!r})")  # s' = s(1 − s)

    def tanh(self):
        t = math.tanh(self.value)
        return self._made(t, (1 - t * t) * self.tangent, "Dual.tanh", f"tanh({self.value!r})")  # tanh' = 1 − tanh²

    def relu(self):
        return self._made(max(self.value, 0.0), self.tangent if self.value > 0 else 0.0,  # relu'(0) = 0
                          "Dual.relu", f"relu({self.value!r})")

    def __neg__(self):
        return self._mul(Dual(-1.0), "Dual.__neg__")

    def __sub__(self, other):
        return self._add(self._wrap(other, "Dual.__sub__")._mul(Dual(-1.0), "Dual.__sub__"), "Dual.__sub__")

    def __truediv__(self, other):
        return self._div(self._wrap(other, "Dual.__truediv__"), "Dual.__truediv__")

    def __radd__(self, other):
        return self._wrap(other, "Dual.__radd__")._add(self, "Dual.__radd__")

    def __rmul__(self, other):
        return self._wrap(other, "Dual.__rmul__")._mul(self, "Dual.__rmul__")

    def __rsub__(self, other):
        return self._wrap(other, "Dual.__rsub__")._add(self._mul(Dual(-1.0), "Dual.__rsub__"), "Dual.__rsub__")

    def __rtruediv__(self, other):
        return self._wrap(other, "Dual.__rtruediv__")._div(self, "Dual.__rtruediv__")

    def __repr__(self):
        return f"Dual({self.value:.6g}, tangent={self.tangent:.6g})"


# --------------------------------------------------------------------------- functions of a few scalars


class JacobianResult(NamedTuple):
    """A Jacobian (m, n) with the passes it took: forward passes of f, backward passes through its graph."""

    jacobian: np.ndarray
    forward_passes: int
    backward_passes: int


def _as_point(x, where, name="x"):
    """x as a non-empty 1-D float array of finite numbers (float32 kept), or this raises."""
    x = as_float_array(x, name, where)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{where}: {name} must be a non-empty 1-D array of the n inputs, got shape {x.shape}")
    require_finite(x, name, where, need="a Dual or a Value holds a finite number")
    return x


def _outputs(result, kind, where):
    """f's result as a non-empty list of the m outputs, each of type kind (Dual or Value)."""
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    if not outputs:
        raise ValueError(f"{where}: f must return a {kind.__name__} or a list of them, computed from its inputs; "
                         f"it returned an empty {type(result).__name__}")
    for k, out in enumerate(outputs):
        if not isinstance(out, kind):
            raise TypeError(f"{where}: f must return a {kind.__name__} or a list of them, computed from its "
                            f"inputs; output {k} is {type(out).__name__}")
    return outputs


def _jvp(f, x, v, where):
    """jvp on checked arguments: one forward pass of f on dual numbers."""
    outputs = _outputs(f(*[Dual(a, t) for a, t in zip(x.tolist(), v.tolist())]), Dual, where)
    return (np.array([o.value for o in outputs], dtype=x.dtype),
            np.array([o.tangent for o in outputs], dtype=x.dtype))


def jvp(f, x, v):
    """f(x) and the Jacobian-vector product J v, by one forward pass on dual numbers.

    f: takes n scalars (f(*inputs)) and returns one or a list of m, using +, −, *, /, ** and
    the methods exp, log, sigmoid, tanh, relu (as nnlib.graph.Value offers them).
    x, v: (n,), the point and the direction, finite. Returns (values (m,), J v (m,)), in x's
    dtype (the arithmetic itself is Python's, in double precision).
    """
    where = "jvp"
    require_callable(f, "f", where, "a function of n scalars")
    x = _as_point(x, where)
    v = _as_point(v, where, "v")
    require_same_shape(v, "v", x, "x", where)
    return _jvp(f, x, v, where)


def jacobian_forward(f, x):
    """The Jacobian of f at x by forward mode: one pass per input, column j from the direction e_j.

    f: as for jvp; x: (n,). Returns JacobianResult(jacobian (m, n), forward_passes=n, backward_passes=0).
    """
    where = "jacobian_forward"
    require_callable(f, "f", where, "a function of n scalars")
    x = _as_point(x, where)
    columns, passes = [], 0
    for e_j in np.eye(x.size):
        _, column = _jvp(f, x, e_j, where)  # the tangent of input j set to 1, the others 0
        columns.append(column)
        passes += 1
    return JacobianResult(np.column_stack(columns), passes, 0)


def jacobian_reverse(f, x):
    """The Jacobian of f at x by reverse mode: one forward pass that builds the graph, then one
    backward pass per output, row k from output k.

    f: as for jvp, run on nnlib.graph.Value; x: (n,).
    Returns JacobianResult(jacobian (m, n), forward_passes=1, backward_passes=m).
    """
    where = "jacobian_reverse"
    require_callable(f, "f", where, "a function of n scalars")
    x = _as_point(x, where)
    inputs = [Value(a) for a in x.tolist()]
    outputs = _outputs(f(*inputs), Value, where)
    rows, passes = [], 0
    for out in outputs:
        for node in inputs:  # an input this output does not reach keeps no stale gradient
            node.grad = 0.0
        out.backward()
        rows.append([node.grad for node in inputs])
        passes += 1
    return JacobianResult(np.array(rows, dtype=x.dtype), 1, passes)


# --------------------------------------------------------------------------- layers and networks


def _tangent_of(value, tangent, name, where):
    """A tangent as a float array of its value's shape (None stays None: a zero tangent), or this raises."""
    if tangent is None:
        return None
    tangent = as_float_array(tangent, f"{name}_dot", where)
    require_same_shape(tangent, f"{name}_dot", value, name, where)
    return tangent


def _dense_jvp(x, W, b, x_dot, W_dot, b_dot):
    """dense_jvp on checked arguments."""
    z = x @ W + b
    z_dot = np.zeros_like(z)
    if x_dot is not None:
        z_dot += x_dot @ W  # the input moves
    if W_dot is not None:
        z_dot += x @ W_dot  # the weights move
    if b_dot is not None:
        z_dot += b_dot  # the bias moves, the same in every row
    return z, z_dot


def dense_jvp(x, W, b, x_dot=None, W_dot=None, b_dot=None):
    """z = x @ W + b and its tangent ż = ẋ W + x Ẇ + ḃ (the product rule on x @ W).

    x, x_dot: (batch, n_in); W, W_dot: (n_in, n_out); b, b_dot: (n_out,). A tangent left
    None is zero. Returns (z, z_dot), both (batch, n_out).
    """
    where = "dense_jvp"
    x, W, b = check_dense_inputs(x, W, b, where)
    x_dot, W_dot, b_dot = (_tangent_of(v, t, name, where)
                           for v, t, name in ((x, x_dot, "x"), (W, W_dot, "W"), (b, b_dot, "b")))
    return _dense_jvp(x, W, b, x_dot, W_dot, b_dot)


def _activation_jvp(z, name, z_dot, where):
    """activation_jvp on checked z and z_dot."""
    f, f_prime = get_activation(name, where)
    return f(z), (np.zeros_like(z) if z_dot is None else f_prime(z) * z_dot)


def activation_jvp(z, name, z_dot):
    """a = f(z) and its tangent ȧ = f'(z) ż (the chain rule, entry by entry).

    z, z_dot: any shape, the same (z_dot None: a zero tangent). Returns (a, a_dot) of z's shape.
    """
    where = "activation_jvp"
    get_activation(name, where)
    z = as_float_array(z, "z", where)
    return _activation_jvp(z, name, _tangent_of(z, z_dot, "z", where), where)


def _check_directions(params, v, where, finite=False, name="v"):
    """v as a list of float arrays shaped like the parameters, in their order, or this raises.
    finite: no NaN or inf (a direction the learner chose, as opposed to one flowing through).
    name: what the caller calls v, for the messages."""
    if v is None or isinstance(v, (str, bytes, dict, np.ndarray)) or not hasattr(v, "__iter__"):
        raise TypeError(f"{where}: {name} must be a list of arrays shaped like model.parameters(), "
                        f"got {describe(v)}")
    v = list(v)
    if len(v) != len(params):
        raise ValueError(f"{where}: {name} has {len(v)} arrays but the model has {len(params)} parameters; "
                         f"expected one array per parameter, in the order of model.parameters()")
    arrays = []
    for i, ((p, _), d) in enumerate(zip(params, v)):
        d = as_float_array(d, f"{name}[{i}]", where)
        if d.shape != p.shape:
            raise ValueError(f"{where}: {name}[{i}] has shape {d.shape} but parameter {i} has shape {p.shape}; "
                             f"expected {name}[{i}] of shape {p.shape}")
        if finite:
            require_finite(d, f"{name}[{i}]", where, need="a direction must be finite")
        arrays.append(d)
    return arrays


class _ParameterTangents:
    """The direction the parameters move in: id(param) -> its tangent (absent means zero)."""

    def __init__(self, params, directions):
        self.of = {id(p): d for (p, _), d in zip(params, directions)}

    def __call__(self, param):
        return self.of.get(id(param))


def _tangent_forward(layer, x, x_dot, tangents, where):
    """One layer (or Sequential) forward with tangents: returns (out, out_dot, record).

    x, x_dot checked by the caller. record keeps what the second-order backward pass
    (nnlib.hessian) needs; this is the forward half of Pearlmutter's R-operator. Layers:
    Dense, Activation, Residual, Checkpoint, Sequential, and Dropout in evaluation mode (the
    identity). A Dense layer's W and b are checked against what reaches it.
    """
    if isinstance(layer, Sequential):
        records = []
        for inner in layer.layers:
            x, x_dot, record = _tangent_forward(inner, x, x_dot, tangents, where)
            records.append(record)
        return x, x_dot, ("sequential", records)
    if isinstance(layer, Dense):
        _, W, b = check_dense_inputs(x, layer.W, layer.b, f"{where} ({layer!r})")
        z, z_dot = _dense_jvp(x, W, b, x_dot, tangents(layer.W), tangents(layer.b))
        return z, z_dot, ("dense", layer, x, x_dot)
    if isinstance(layer, Activation):
        a, a_dot = _activation_jvp(x, layer.name, x_dot, where)
        return a, a_dot, ("activation", layer.name, x, x_dot, a)
    if isinstance(layer, Checkpoint):  # what it computes is its block's; only its memory differs
        return _tangent_forward(layer.block, x, x_dot, tangents, where)
    if isinstance(layer, Residual):
        fx, fx_dot, record = _tangent_forward(layer.block, x, x_dot, tangents, where)
        if fx.shape != x.shape:
            raise ValueError(f"{where}: {layer!r} maps x of shape {x.shape} to shape {fx.shape}; "
                             f"x + block(x) needs the block to keep the shape")
        return x + fx, x_dot + fx_dot, ("residual", record)  # sum rule on x + F(x)
    if isinstance(layer, Dropout) and not layer.training:
        return x, x_dot, ("identity",)
    hint = " in training mode: call model.eval() first" if isinstance(layer, Dropout) else ""
    raise TypeError(f"{where}: cannot carry tangents through {layer!r}{hint}; supported layers are "
                    f"Dense, Activation, Residual, Checkpoint, Sequential and Dropout in evaluation mode")


def _check_network(model, X, where):
    """model a layer or Sequential with parameters(); X (batch, n_in) as a float array of the
    width the first Dense layer takes. Returns (model.parameters(), X)."""
    require_forward(model, "model", where)
    if not callable(getattr(model, "parameters", None)):
        raise TypeError(f"{where}: model must be a layer or a Sequential with a parameters() method, "
                        f"got {describe(model)}")
    X = as_float_array(X, "X", where)
    if isinstance(model, Sequential):
        model.check_layers(X, where, "X")
    elif isinstance(model, Dense):
        Sequential(model).check_layers(X, where, "X")
    return model.parameters(), X


def network_jvp(model, X, X_dot=None, v=None):
    """The model's output and its tangent along a direction of the input and of the parameters.

    model: a Sequential (or one layer) of the layers _tangent_forward supports;
    X: (batch, n_in); X_dot: the input's tangent, X's shape (None: zero);
    v: a list of arrays shaped like model.parameters(), the parameters' tangents (None: zero).
    As in a forward pass, NaN or inf in X, X_dot or v flow through to the output.
    One forward pass; the model's caches and gradients are not touched.
    Returns (out, out_dot), both the output's shape.
    """
    where = "network_jvp"
    params, X = _check_network(model, X, where)
    X_dot = np.zeros_like(X) if X_dot is None else as_float_array(X_dot, "X_dot", where)
    require_same_shape(X_dot, "X_dot", X, "X", where)
    directions = [None] * len(params) if v is None else _check_directions(params, v, where)
    out, out_dot, _ = _tangent_forward(model, X, X_dot, _ParameterTangents(params, directions), where)
    return out, out_dot


def directional_derivative(model, loss, X, y, v):
    """The loss L on (X, y) and its derivative along the parameter direction v, ∇L · v, by forward mode.

    loss: a loss function (y_hat, y) -> (L, dL/dy_hat) or its name; X, y: finite data;
    v: finite arrays shaped like model.parameters(). One forward pass with tangents; the last
    step is the chain rule L̇ = Σ (dL/dŷ) ⊙ ŷ̇. The full gradient this way takes one pass per
    parameter entry. Returns (L, L_dot), two floats.
    """
    where = "directional_derivative"
    loss_fn = _resolve_loss(loss, where)
    X, y = check_data(X, y, where, need="expected finite numbers")
    params, X = _check_network(model, X, where)
    directions = _check_directions(params, v, where, finite=True)
    out, out_dot, _ = _tangent_forward(model, X, np.zeros_like(X), _ParameterTangents(params, directions), where)
    L, dout = loss_fn(out, y)
    return L, float(np.sum(dout * out_dot))
