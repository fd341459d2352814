"""The backward pass of any scalar graph, recorded one node at a time (for the backprop stepper).

A node is anything with ``data`` (a number), ``grad``, ``_backward`` (called with no
arguments, it adds ``grad`` times each local derivative to the parents' ``grad``) and its
parents in ``_parents`` or, as in micrograd, ``_prev``: nnlib's Value, the learner's own
Value of assignment 05, micrograd's. Nothing here uses nnlib.graph: the order is computed
from the parents, and each node's own ``_backward`` does the arithmetic.

How a ``_backward`` is watched without reading its code: before it runs, each parent's
``grad`` is replaced by a ``_Recorder``, a float that notes every number added to it and
returns a Recorder of the sum. ``a.grad += c`` then hands ``c`` to the Recorder, and the sum
is the very float a plain run computes (float addition, in the same order). A ``_backward``
that writes ``a.grad = c`` instead leaves a plain number, and the record says so. A first
run with the node's ``grad`` set to 1 (and the parents' to 0) gives each local derivative
∂node/∂parent, one per use; everything is put back before the real run.
"""

import numbers
from dataclasses import dataclass

import numpy as np

PARENT_ATTRIBUTES = ("_parents", "_prev")  # nnlib and assignment 05; micrograd


def is_number(x):
    """A real scalar (int, float, numpy scalar), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _describe(node):
    text = repr(node)
    return text if len(text) <= 60 else text[:57] + "..."


def check_node(node, where, what="root"):
    """Raise a TypeError naming what ``node`` lacks to be a node of a scalar graph."""
    needs = ("data, grad, _backward and _parents (or _prev), as nnlib.graph.Value and the Value of "
             "assignment 05 have")
    missing = [name for name in ("data", "grad", "_backward") if not hasattr(node, name)]
    if not any(hasattr(node, name) for name in PARENT_ATTRIBUTES):
        missing.append("_parents (or _prev)")
    if missing:
        raise TypeError(f"{where}: {what} must be a node of a scalar graph, with {needs}; got "
                        f"{type(node).__name__} {_describe(node)}, which has no {', '.join(missing)}")
    if not is_number(node.data):
        raise TypeError(f"{where}: {what}'s data must be a number (a scalar graph), got "
                        f"{type(node.data).__name__} in {_describe(node)}")
    if not callable(node._backward):
        raise TypeError(f"{where}: {what}'s _backward must be a function, got {type(node._backward).__name__}")


def parents_of(node, where="backprop_stepper"):
    """The nodes ``node`` was computed from, as a tuple (a node used twice appears twice)."""
    for name in PARENT_ATTRIBUTES:
        if hasattr(node, name):
            parents = getattr(node, name)
            if isinstance(parents, (str, bytes)) or not hasattr(parents, "__iter__"):
                raise TypeError(f"{where}: {name} of {_describe(node)} must be a tuple, list or set of nodes, "
                                f"got {type(parents).__name__}")
            return tuple(parents)
    raise TypeError(f"{where}: {_describe(node)} has no _parents (or _prev)")


def backward_order(root, where="backprop_stepper"):
    """Every node ``root`` depends on, output first: the order in which a backward pass calls _backward.

    The reverse of a depth-first topological order, the same search as nnlib.graph.topological_order
    (so nnlib's Values are visited as Value.backward visits them). Raises a ValueError on a cycle
    and a TypeError on anything among the parents that is not a node.
    """
    check_node(root, where)
    order, seen, finished = [], set(), set()
    stack = [(root, False)]
    while stack:  # iterative: a long chain of operations does not hit the recursion limit
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            finished.add(id(node))
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in parents_of(node, where):
            check_node(parent, where, what=f"every parent (of {_describe(node)})")
            if id(parent) in seen and id(parent) not in finished:
                # seen but not finished: it is on the path from the root to this node
                raise ValueError(f"{where}: the graph has a cycle: {_describe(parent)} is among the parents of "
                                 f"{_describe(node)}, which was computed from it; a node's parents must be "
                                 "the nodes it was computed from, made before it")
            if id(parent) not in seen:
                stack.append((parent, False))
    return order[::-1]


class _Recorder(np.float64):
    """A float that writes down every number added to (or subtracted from) it.

    A subclass of numpy's float64 (itself a float), so that ``c + a.grad`` asks the Recorder
    first whether c is a Python or a numpy number.
    """

    def __new__(cls, value, log):
        self = super().__new__(cls, value)
        self.log = log
        return self

    def _record(self, sign, other, result):
        if not is_number(result):  # a Value or an array was added: let the check afterwards report it
            return result
        self.log.append((sign, other, result))
        return _Recorder(result, self.log)

    def __add__(self, other):
        if not is_number(other):
            return NotImplemented
        return self._record("+=", other, float(self) + other)

    def __radd__(self, other):  # other + a.grad, for a number other
        if not is_number(other):
            return NotImplemented
        return self._record("+=", other, other + float(self))

    def __sub__(self, other):
        if not is_number(other):
            return NotImplemented
        return self._record("-=", other, float(self) - other)


@dataclass
class Accumulation:
    """One change to a parent's grad while a node passed its gradient on.

    parent: its index in the order; kind: "+=", "-=" or "=" (the grad was overwritten);
    upstream: the node's grad, ∂L/∂node; local: ∂node/∂parent for this use (None if unknown);
    amount: what was added (or, for "=", the new value); before, after: the parent's grad.
    """

    parent: int
    kind: str
    upstream: float
    local: float
    amount: float
    before: float
    after: float


def _run(node, name):
    try:
        node._backward()
    except Exception as error:
        raise RuntimeError(f"backprop_stepper: {name}._backward() raised {type(error).__name__}: {error}") from error


def _watched_run(node, parents, name):
    """Call node._backward() with Recorders in the parents' grads; return {id(parent): (log, grad after)}."""
    logs = {id(p): [] for p in parents}
    for p in parents:
        p.grad = _Recorder(p.grad, logs[id(p)])
    _run(node, name)
    return {id(p): (logs[id(p)], p.grad) for p in parents}


def _pass_on(k, order, index, names):
    """Node order[k] passes its gradient on; returns its Accumulations. Leaves grads as a plain run does."""
    node = order[k]
    parents = list({id(p): p for p in parents_of(node)}.values())  # each once, in order
    upstream = float(node.grad)
    saved = [n.grad for n in order]
    # 1. the local derivatives: grad 1 upstream, each parent's from 0, then everything put back
    node.grad = 1.0
    for p in parents:
        p.grad = 0.0
    locals_ = _watched_run(node, parents, names[k])
    for n, g in zip(order, saved):
        n.grad = g
    # 2. the step itself
    seen = _watched_run(node, parents, names[k])
    events = []
    for p in parents:
        log, grad = seen[id(p)]
        i = index[id(p)]
        if not is_number(grad):
            raise TypeError(f"backprop_stepper: {names[k]}._backward() set {names[i]}.grad to "
                            f"{type(grad).__name__} {_describe(grad)}, not a number")
        slopes = [amount for _, amount, _ in locals_[id(p)][0]]
        before = float(saved[i])
        for j, (kind, amount, after) in enumerate(log):
            local = float(slopes[j]) if len(slopes) == len(log) else None
            events.append(Accumulation(i, kind, upstream, local, float(amount), before, float(after)))
            before = float(after)
        if not (isinstance(grad, _Recorder) and grad.log is log):  # written with =, not +=
            events.append(Accumulation(i, "=", upstream, None, float(grad), before, float(grad)))
        p.grad = float(grad)  # a plain number again, as a plain run leaves it
    return events


def trace_backward(order, names):
    """Run the backward pass over ``order`` (output first), one node at a time.

    Sets every grad to 0 and the output's to 1 (∂L/∂L), as a backward pass starts, then calls
    each node's _backward in turn. Returns (grads, events): grads[k] is every node's grad (in
    order's order) after k nodes have passed theirs on, k = 0 … len(order); events[k] lists the
    Accumulations of step k + 1. The nodes are left as a full backward pass leaves them.
    """
    index = {id(n): i for i, n in enumerate(order)}
    for node in order:
        node.grad = 0.0
    order[0].grad = 1.0
    grads, events = [[float(n.grad) for n in order]], []
    for k in range(len(order)):
        events.append(_pass_on(k, order, index, names))
        grads.append([float(n.grad) for n in order])
    return grads, events
