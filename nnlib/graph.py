"""A scalar computation graph with reverse-mode differentiation.

Each Value remembers the Values it was computed from and how to pass a gradient
back to them. ``backward()`` visits the graph from the output to the inputs and
applies the chain rule at every node: a parent's gradient is the sum, over its
children, of the child's gradient times the local derivative.

A Value holds a finite real number. An operation whose result is not one raises at
once, naming the operation and its operands: an OverflowError when the result is too
large for a float (e ** 1000), a ValueError when it is not real (a negative number to
a fractional power), a ZeroDivisionError for a division by zero.
"""

import math
from numbers import Real

from ._validate import describe, finite_result, real_power, require_real


class Value:
    """A scalar that records how it was computed.

    data: the number (finite); grad: dL/d(this), filled in by backward() on the output L.
    label: an optional name used when the graph is drawn.
    """

    def __init__(self, data, _parents=(), op="", label=""):
        self.data = require_real(data, "data", "Value")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a string, got {describe(label)}")
        self.grad = 0.0
        self._parents = tuple(_parents)
        self._backward = lambda: None
        self.op = op
        self.label = label

    @staticmethod
    def _wrap(other, where="Value"):
        if isinstance(other, Value):
            return other
        return Value(require_real(other, "the other operand", where, "a Value or a real number (an int or a float)"))

    def __add__(self, other):
        other = self._wrap(other, "Value.__add__")
        total = finite_result(self.data + other.data, "Value.__add__", f"{self.data!r} + {other.data!r}")
        out = Value(total, (self, other), "+")

        def backward():  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        other = self._wrap(other, "Value.__mul__")
        product = finite_result(self.data * other.data, "Value.__mul__", f"{self.data!r} * {other.data!r}")
        out = Value(product, (self, other), "*")

        def backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __pow__(self, exponent):
        where, a = "Value.__pow__", self.data
        if isinstance(exponent, Value) or not isinstance(exponent, Real) or isinstance(exponent, bool):
            raise TypeError(f"{where}: the exponent must be an int or float (a constant), got {describe(exponent)}")
        n = require_real(exponent, "the exponent", where)
        out = Value(real_power(a, n, where), (self,), f"**{exponent}")

        def backward():  # d(a^n)/da = n a^(n-1)
            self.grad += n * real_power(a, n - 1, f"{where} (its derivative, {n!r} * a ** {n - 1!r})") * out.grad

        out._backward = backward
        return out

    def _unary(self, value, local_derivative, op):
        out = Value(value, (self,), op)

        def backward():
            self.grad += local_derivative * out.grad

        out._backward = backward
        return out

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:  # math says only "math range error"
            raise OverflowError(f"Value.exp: e ** {self.data!r} is too large for a float (the largest is about "
                                f"1.8e308, e ** 709.78); exp needs data <= 709.78") from None
        return self._unary(e, e, "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: needs a positive number, got {self.data}")
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def sigmoid(self):
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return self._unary(s, s * (1.0 - s), "sigmoid")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def relu(self):
        return self._unary(max(self.data, 0.0), 1.0 if self.data > 0 else 0.0, "relu")

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other, "Value.__sub__"))

    def __truediv__(self, other):
        other = self._wrap(other, "Value.__truediv__")
        if other.data == 0:
            raise ZeroDivisionError(f"Value.__truediv__: division by zero ({self.data} / {other.data})")
        finite_result(self.data / other.data, "Value.__truediv__", f"{self.data!r} / {other.data!r}")
        return self * other ** -1  # a / b = a · b^(-1), so the power rule gives d/db = -a / b²

    def __radd__(self, other):
        return self + self._wrap(other, "Value.__radd__")

    def __rmul__(self, other):
        return self * self._wrap(other, "Value.__rmul__")

    def __rsub__(self, other):
        return self._wrap(other, "Value.__rsub__") - self

    def __rtruediv__(self, other):
        return self._wrap(other, "Value.__rtruediv__") / self

    def backward(self):
        """Fill in .grad of every Value this one depends on (dself/dnode).

        Raises OverflowError if a gradient grows beyond the largest float.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
            if not math.isfinite(node.grad):
                raise OverflowError(f"Value.backward: the gradient of {node!r} is {node.grad}, too large for a "
                                    f"float")

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"


def _check_root(root, where):
    if not hasattr(root, "_parents"):
        raise TypeError(f"{where}: root must be a Value (or a node with _parents), got {describe(root)}")


def topological_order(root):
    """Every node root depends on, each after all of its parents (inputs first)."""
    _check_root(root, "topological_order")
    order, seen = [], set()
    stack = [(root, False)]
    while stack:  # iterative depth-first search: deep graphs do not hit the recursion limit
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if id(p) not in seen)
    return order


def edges(root):
    """(parent, child) pairs of the graph below root, for drawing it."""
    _check_root(root, "edges")
    return [(p, node) for node in topological_order(root) for p in node._parents]
