"""A scalar computation graph with reverse-mode differentiation.

Each Value remembers the Values it was computed from and how to pass a gradient
back to them. ``backward()`` visits the graph from the output to the inputs and
applies the chain rule at every node: a parent's gradient is the sum, over its
children, of the child's gradient times the local derivative.
"""

import math


class Value:
    """A scalar that records how it was computed.

    data: the number; grad: dL/d(this), filled in by backward() on the output L.
    label: an optional name used when the graph is drawn.
    """

    def __init__(self, data, _parents=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(_parents)
        self._backward = lambda: None
        self.op = op
        self.label = label

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = Value(self.data + other.data, (self, other), "+")

        def backward():  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = Value(self.data * other.data, (self, other), "*")

        def backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"Value.__pow__: the exponent must be an int or float, got "
                            f"{type(exponent).__name__}")
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def backward():  # d(a^n)/da = n a^(n-1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = backward
        return out

    def _unary(self, value, local_derivative, op):
        out = Value(value, (self,), op)

        def backward():
            self.grad += local_derivative * out.grad

        out._backward = backward
        return out

    def exp(self):
        e = math.exp(self.data)
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
        return self + (-self._wrap(other))

    def __truediv__(self, other):
        other = self._wrap(other)
        if other.data == 0:
            raise ZeroDivisionError(f"Value.__truediv__: division by zero ({self.data} / {other.data})")
        return self * other ** -1  # a / b = a · b^(-1), so the power rule gives d/db = -a / b²

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __rtruediv__(self, other):
        return self._wrap(other) / self

    def backward(self):
        """Fill in .grad of every Value this one depends on (dself/dnode)."""
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"


def topological_order(root):
    """Every node root depends on, each after all of its parents (inputs first)."""
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
    return [(p, node) for node in topological_order(root) for p in node._parents]
