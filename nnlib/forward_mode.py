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
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array
from .activations import get_activation, sigmoid
from .dropout import Dropout
from .graph import Value
from .layers import check_dense_shapes
from .memory import Checkpoint
from .models import Activation, Dense, Residual, Sequential
from .train import _resolve_loss


class Dual:
    """A dual number value + tangent·ε with ε² = 0: f(a + ȧε) = f(a) + f'(a)ȧε.

    value: the number; tangent: its derivative along the chosen direction. Every operation
    applies the rule for its derivative to the tangent as it computes the value.
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        self.value = float(value)
        self.tangent = float(tangent)

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Dual) else Dual(other)  # a constant has tangent 0

    def __add__(self, other):
        other = self._wrap(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)  # sum rule

    def __mul__(self, other):
        other = self._wrap(other)
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)  # product rule

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"Dual.__pow__: the exponent must be an int or float, got {type(exponent).__name__}")
        return Dual(self.value**exponent, exponent * self.value ** (exponent - 1) * self.tangent)  # power rule

    def exp(self):
        e = math.exp(self.value)
        return Dual(e, e * self.tangent)  # (e^a)' = e^a

    def log(self):
        if self.value <= 0:
            raise ValueError(f"Dual.log: needs a positive number, got {self.value}")
        return Dual(math.log(self.value), self.tangent / self.value)  # (log a)' = 1/a

    def sigmoid(self):
        s = float(sigmoid(self.value))
        return Dual(s, s * (1 - s) * self.tangent)  # s' = s(1 − s)

    def tanh(self):
        t = math.tanh(self.value)
        return Dual(t, (1 - t * t) * self.tangent)  # tanh' = 1 − tanh²

    def relu(self):
        return Dual(max(self.value, 0.0), self.tangent if self.value > 0 else 0.0)  # relu'(0) = 0

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __truediv__(self, other):
        other = self._wrap(other)
        if other.value == 0:
            raise ZeroDivisionError(f"Dual.__truediv__: division by zero ({self.value} / {other.value})")
        return self * other**-1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __rtruediv__(self, other):
        return self._wrap(other) / self

    def __repr__(self):
        return f"Dual({self.value:.6g}, tangent={self.tangent:.6g})"


# --------------------------------------------------------------------------- functions of a few scalars


class JacobianResult(NamedTuple):
    """A Jacobian (m, n) with the passes it took: forward passes of f, backward passes through its graph."""

    jacobian: np.ndarray
    forward_passes: int
    backward_passes: int


def _as_point(x, where):
    x = np.asarray(as_float_array(x, "x", where), dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{where}: x must be a non-empty 1-D array of the n inputs, got shape {x.shape}")
    return x


def _outputs(result, kind, where):
    """f's result as a list of the m outputs, each of type kind (Dual or Value)."""
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    for k, out in enumerate(outputs):
        if not isinstance(out, kind):
            raise TypeError(f"{where}: f must return a {kind.__name__} or a list of them, computed from its "
                            f"inputs; output {k} is {type(out).__name__}")
    return outputs


def jvp(f, x, v):
    """f(x) and the Jacobian-vector product J v, by one forward pass on dual numbers.

    f: takes n scalars (f(*inputs)) and returns one or a list of m, using +, −, *, /, ** and
    the methods exp, log, sigmoid, tanh, relu (as nnlib.graph.Value offers them).
    x, v: (n,), the point and the direction. Returns (values (m,), J v (m,)).
    """
    x = _as_point(x, "jvp")
    v = np.asarray(v, dtype=float)
    if v.shape != x.shape:
        raise ValueError(f"jvp: v has shape {v.shape} but x has shape {x.shape}; expected v of shape {x.shape}")
    outputs = _outputs(f(*[Dual(a, t) for a, t in zip(x, v)]), Dual, "jvp")
    return np.array([o.value for o in outputs]), np.array([o.tangent for o in outputs])


def jacobian_forward(f, x):
    """The Jacobian of f at x by forward mode: one pass per input, column j from the direction e_j.

    f: as for jvp; x: (n,). Returns JacobianResult(jacobian (m, n), forward_passes=n, backward_passes=0).
    """
    x = _as_point(x, "jacobian_forward")
    columns, passes = [], 0
    for j in range(x.size):
        _, column = jvp(f, x, np.eye(x.size)[j])  # the tangent of input j set to 1, the others 0
        columns.append(column)
        passes += 1
    return JacobianResult(np.column_stack(columns), passes, 0)


def jacobian_reverse(f, x):
    """The Jacobian of f at x by reverse mode: one forward pass that builds the graph, then one
    backward pass per output, row k from output k.

    f: as for jvp, run on nnlib.graph.Value; x: (n,).
    Returns JacobianResult(jacobian (m, n), forward_passes=1, backward_passes=m).
    """
    x = _as_point(x, "jacobian_reverse")
    inputs = [Value(a) for a in x]
    outputs = _outputs(f(*inputs), Value, "jacobian_reverse")
    rows, passes = [], 0
    for out in outputs:
        for node in inputs:  # an input this output does not reach keeps no stale gradient
            node.grad = 0.0
        out.backward()
        rows.append([node.grad for node in inputs])
        passes += 1
    return JacobianResult(np.array(rows), 1, passes)


# --------------------------------------------------------------------------- layers and networks


def _tangent_of(value, tangent, name, where):
    """A tangent as a float array of its value's shape (None stays None: a zero tangent), or this raises."""
    if tangent is None:
        return None
    tangent = as_float_array(tangent, f"{name}_dot", where)
    if tangent.shape != value.shape:
        raise ValueError(f"{where}: {name}_dot has shape {tangent.shape} but {name} has shape {value.shape}; "
                         f"a tangent has its value's shape")
    return tangent


def dense_jvp(x, W, b, x_dot=None, W_dot=None, b_dot=None):
    """z = x @ W + b and its tangent ż = ẋ W + x Ẇ + ḃ (the product rule on x @ W).

    x, x_dot: (batch, n_in); W, W_dot: (n_in, n_out); b, b_dot: (n_out,). A tangent left
    None is zero. Returns (z, z_dot), both (batch, n_out).
    """
    x, W, b = (as_float_array(a, name, "dense_jvp") for a, name in ((x, "x"), (W, "W"), (b, "b")))
    check_dense_shapes(x, W, b, "dense_jvp")
    x_dot, W_dot, b_dot = (_tangent_of(v, t, name, "dense_jvp")
                           for v, t, name in ((x, x_dot, "x"), (W, W_dot, "W"), (b, b_dot, "b")))
    z = x @ W + b
    z_dot = np.zeros_like(z)
    if x_dot is not None:
        z_dot += x_dot @ W  # the input moves
    if W_dot is not None:
        z_dot += x @ W_dot  # the weights move
    if b_dot is not None:
        z_dot += b_dot  # the bias moves, the same in every row
    return z, z_dot


def activation_jvp(z, name, z_dot):
    """a = f(z) and its tangent ȧ = f'(z) ż (the chain rule, entry by entry).

    z, z_dot: any shape, the same. Returns (a, a_dot) of that shape.
    """
    f, f_prime = get_activation(name, "activation_jvp")
    z = as_float_array(z, "z", "activation_jvp")
    z_dot = _tangent_of(z, z_dot, "z", "activation_jvp")
    return f(z), (np.zeros_like(z) if z_dot is None else f_prime(z) * z_dot)


def check_directions(params, v, where, name="v"):
    """v as a list of float arrays shaped like the parameters, in their order, or this raises.

    name: what the caller calls v, for the messages.
    """
    try:
        v = list(v)
    except TypeError:
        raise TypeError(f"{where}: {name} must be a list of arrays shaped like model.parameters(), "
                        f"got {type(v).__name__}") from None
    if len(v) != len(params):
        raise ValueError(f"{where}: {name} has {len(v)} arrays but the model has {len(params)} parameters; "
                         f"expected one array per parameter, in the order of model.parameters()")
    arrays = []
    for i, ((p, _), d) in enumerate(zip(params, v)):
        d = as_float_array(d, f"{name}[{i}]", where)
        if d.shape != p.shape:
            raise ValueError(f"{where}: {name}[{i}] has shape {d.shape} but parameter {i} has shape {p.shape}; "
                             f"expected {name}[{i}] of shape {p.shape}")
        arrays.append(d)
    return arrays


class ParameterTangents:
    """The direction the parameters move in: id(param) -> its tangent (absent means zero)."""

    def __init__(self, model, v, where):
        params = model.parameters()
        directions = [None] * len(params) if v is None else check_directions(params, v, where)
        self.of = {id(p): d for (p, _), d in zip(params, directions)}

    def __call__(self, param):
        return self.of.get(id(param))


def tangent_forward(layer, x, x_dot, tangents, where):
    """One layer (or Sequential) forward with tangents: returns (out, out_dot, record).

    record keeps what the second-order backward pass (nnlib.hessian) needs; this is the
    forward half of Pearlmutter's R-operator. Layers: Dense, Activation, Residual,
    Checkpoint, Sequential, and Dropout in evaluation mode (the identity).
    """
    if isinstance(layer, Sequential):
        records = []
        for inner in layer.layers:
            x, x_dot, record = tangent_forward(inner, x, x_dot, tangents, where)
            records.append(record)
        return x, x_dot, ("sequential", records)
    if isinstance(layer, Dense):
        z, z_dot = dense_jvp(x, layer.W, layer.b, x_dot, tangents(layer.W), tangents(layer.b))
        return z, z_dot, ("dense", layer, x, x_dot)
    if isinstance(layer, Activation):
        a, a_dot = activation_jvp(x, layer.name, x_dot)
        return a, a_dot, ("activation", layer.name, x, x_dot, a)
    if isinstance(layer, Checkpoint):  # what it computes is its block's; only its memory differs
        return tangent_forward(layer.block, x, x_dot, tangents, where)
    if isinstance(layer, Residual):
        fx, fx_dot, record = tangent_forward(layer.block, x, x_dot, tangents, where)
        return x + fx, x_dot + fx_dot, ("residual", record)  # sum rule on x + F(x)
    if isinstance(layer, Dropout) and not layer.training:
        return x, x_dot, ("identity",)
    hint = " in training mode: call model.eval() first" if isinstance(layer, Dropout) else ""
    raise TypeError(f"{where}: cannot carry tangents through {layer!r}{hint}; supported layers are "
                    f"Dense, Activation, Residual, Checkpoint, Sequential and Dropout in evaluation mode")


def network_jvp(model, X, X_dot=None, v=None):
    """The model's output and its tangent along a direction of the input and of the parameters.

    model: a Sequential (or one layer) of the layers tangent_forward supports;
    X: (batch, n_in); X_dot: the input's tangent, X's shape (None: zero);
    v: a list of arrays shaped like model.parameters(), the parameters' tangents (None: zero).
    One forward pass; the model's caches and gradients are not touched.
    Returns (out, out_dot), both the output's shape.
    """
    X = as_float_array(X, "X", "network_jvp")
    X_dot = np.zeros_like(X) if X_dot is None else as_float_array(X_dot, "X_dot", "network_jvp")
    if X_dot.shape != X.shape:
        raise ValueError(f"network_jvp: X_dot has shape {X_dot.shape} but X has shape {X.shape}; "
                         f"expected X_dot of shape {X.shape}")
    out, out_dot, _ = tangent_forward(model, X, X_dot, ParameterTangents(model, v, "network_jvp"), "network_jvp")
    return out, out_dot


def directional_derivative(model, loss, X, y, v):
    """The loss L on (X, y) and its derivative along the parameter direction v, ∇L · v, by forward mode.

    loss: a loss function (y_hat, y) -> (L, dL/dy_hat) or its name; v: arrays shaped like
    model.parameters(). One forward pass with tangents; the last step is the chain rule
    L̇ = Σ (dL/dŷ) ⊙ ŷ̇. The full gradient this way takes one pass per parameter entry.
    Returns (L, L_dot), two floats.
    """
    out, out_dot = network_jvp(model, X, None, v)
    L, dout = _resolve_loss(loss)(out, y)
    return L, float(np.sum(dout * out_dot))
