"""Assignment 5, autograd: a scalar Value class (add, mul, pow, exp, tanh), backprop in reverse
topological order, and a neuron built on it.

The reference is nnlib.graph.Value: every expression is built twice from the same list of
nodes (exercises.probe.build_graph), once in the learner's kernel with their class and once
here with nnlib's. Wrong variants of backprop are run on nnlib's graph, using nnlib's own
topological order and local derivatives, so each diagnosis comes from the right answer.
"""

import math
import re

import numpy as np

from nnlib.graph import Value, topological_order

from ..probe import OPERANDS, build_graph, parent_indices
from . import generic
from .engine import Case, Fail, Mistake, Task, call, explain, learner, lit, numbers, one_of, pair, ref, returned

_NO_GRAPH = ("nnlib.graph",)
_LEAF_NAMES = "abcdefghijklmnopqrstuvwxyz"


def label(nodes, i):
    """A readable name of node i: a leaf's letter, or its expression."""
    op, *args = nodes[i]
    if op == "leaf":
        return _LEAF_NAMES[sum(1 for n in nodes[:i] if n[0] == "leaf") % 26]
    parts = [label(nodes, a) if kind == "node" else f"{a:g}" for kind, a in zip(OPERANDS[op], args)]
    return {"add": "({} + {})", "mul": "{} * {}", "sub": "({} − {})", "add_number": "({} + {})",
            "number_add": "({1} + {0})", "number_mul": "{1} * {0}", "pow": "{}**{}", "exp": "exp({})",
            "tanh": "tanh({})", "neg": "−{}"}[op].format(*parts)


def _read_graph(name):
    return {"op": "read", "value": ref(name), "attrs": ["data", "grad"]}


def _pairs(report_value, what):
    """[(data, grad)] from a read of a graph's nodes, or Fail when a node lacks them."""
    out = []
    for i, node in enumerate(report_value or []):
        attrs = getattr(node, "attrs", None) or {}
        if "data" not in attrs or "grad" not in attrs:
            raise Fail(f"{what}: node {i} has no .data or .grad attribute (keep the names __init__ gives them)",
                       mistake="data or grad renamed")
        try:
            out.append((float(attrs["data"]), float(attrs["grad"])))
        except (TypeError, ValueError):
            raise Fail(f"{what}: node {i}'s data or grad is not a number "
                       f"({attrs['data']!r}, {attrs['grad']!r})", mistake="data or grad not a number") from None
    return out


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# ------------------------------------------------------------------ 5.1 the operations and their local derivatives

def local_case(rng, nodes, upstream, earlier):
    """The probe steps for one operation: build it, give the output an upstream gradient and the
    inputs an earlier one (to see += at work), run the output's _backward, read every node."""
    out = len(nodes) - 1
    steps = [{"op": "graph", "cls": learner("Value"), "nodes": nodes, "save": "g"}]
    steps += [{"op": "set", "target": {"item": [ref("g"), lit(i)]}, "attr": "grad", "value": earlier}
              for i, n in enumerate(nodes) if n[0] == "leaf"]
    steps += [{"op": "set", "target": {"item": [ref("g"), lit(out)]}, "attr": "grad", "value": upstream},
              call({"attr": [{"item": [ref("g"), lit(out)]}, "_backward"]}),
              _read_graph("g"), {"op": "parents", "graph": "g"}]
    return Case(steps, {"nodes": nodes, "upstream": upstream, "earlier": earlier}, label(nodes, out))


def _reference_local(nodes, upstream, earlier):
    graph = build_graph(Value, nodes)
    for node, spec in zip(graph, nodes):
        if spec[0] == "leaf":
            node.grad = earlier
    graph[-1].grad = upstream
    graph[-1]._backward()
    return graph


def _leaf_values(nodes):
    return [spec[1] for spec in nodes if spec[0] == "leaf"]


def value_variants(nodes):
    """Wrong values of a one-operation graph's output: [(hint, value, label)]."""
    op, *args = nodes[-1]
    values = _leaf_values(nodes)
    a = values[0]
    b = values[1] if len(values) > 1 else a
    c = args[1] if len(args) > 1 and OPERANDS[op][1] == "number" else 0.0
    if op == "add":
        return [("your + multiplies: out.data = self.data + other.data", a * b, "+ computes a product"),
                ("your + subtracts: out.data = self.data + other.data", a - b, "+ computes a difference")]
    if op in ("add_number", "number_add"):
        return [("your + multiplies: out.data = self.data + other.data", a * c, "+ computes a product")]
    if op == "mul":
        return [("your * adds: out.data = self.data * other.data", a + b, "* computes a sum"),
                ("your * squares self: out.data = self.data * other.data", a * a, "* uses self twice")]
    if op == "number_mul":
        return [("your * adds: out.data = self.data * other.data", a + c, "* computes a sum")]
    if op == "pow":
        out = [(f"your a**k multiplies a by k = {c:g}: out.data = self.data ** k", a * c, "a**k computes a·k"),
               ("your a**k squares whatever k is: out.data = self.data ** k", a * a, "always squares")]
        if c > 0:
            out.append(("your a**k computes k ** a, base and exponent swapped: out.data = self.data ** k", c ** a,
                        "k**a"))
        if a > 0 or float(c).is_integer():
            out.append(("your a**k computes a ** (k − 1), the exponent of the derivative: out.data = self.data ** k",
                        a ** (c - 1), "a**(k − 1)"))
        return out
    if op == "exp":
        return [("your exp computes e^(−a): out.data = math.exp(self.data)", math.exp(-a), "e^(−a)"),
                ("your exp returns a itself: out.data = math.exp(self.data)", a, "exp not applied")]
    if op == "tanh":
        return [("your tanh returns a itself: out.data = math.tanh(self.data)", a, "tanh not applied"),
                ("your tanh computes (e^a − e^(−a)) / 2, which is sinh(a): divide by e^a + e^(−a)", math.sinh(a),
                 "sinh instead of tanh")]
    return []


def local_variants(nodes, upstream, earlier):
    """Wrong leaf gradients for a one-operation graph: [(hint, [grad of each leaf], label)]."""
    op = nodes[-1][0]
    leaves = [i for i, n in enumerate(nodes) if n[0] == "leaf"]
    reference = _reference_local(nodes, upstream, earlier)
    right, out_data = [n.grad for n in reference], reference[-1].data
    local = [(right[i] - earlier) / upstream for i in leaves]  # nnlib's local derivative of each leaf
    out = [("`self.grad = ...` overwrites what other paths added (a node used twice, or a gradient that was "
            "already there): write `self.grad += local * out.grad`", [g * upstream for g in local], "= instead of +="),
           ("the local derivative is not multiplied by out.grad: the chain rule needs "
            "`self.grad += local * out.grad`", [earlier + g for g in local], "out.grad factor missing"),
           ("the local derivative is multiplied by out.data, the output's value, where out.grad, its gradient, "
            "belongs: `self.grad += local * out.grad`", [earlier + g * out_data for g in local],
            "out.data where out.grad belongs"),
           ("the local derivative is multiplied by self.grad, the input's own gradient, where out.grad belongs: "
            "`self.grad += local * out.grad`", [earlier + g * earlier for g in local],
            "self.grad where out.grad belongs")]
    values = _leaf_values(nodes)
    if op == "mul" and len(leaves) == 2:
        a_grad = earlier + earlier * upstream  # self.grad += other.grad * out.grad, other.grad was `earlier`
        out += [("in a * b, the local derivative of a is b's value, other.data; yours uses other.grad, b's gradient "
                 "(and self.grad for b): `self.grad += other.data * out.grad`",
                 [a_grad, earlier + a_grad * upstream], "grad where data belongs")]
        out += [("in a * b, a's local derivative is b and b's is a; yours are swapped",
                 [earlier + values[0] * upstream, earlier + values[1] * upstream], "local derivatives swapped"),
                ("in a * b, the local derivatives are the other factor (b for a, a for b); yours passes out.grad "
                 "on unchanged", [earlier + upstream] * 2, "the other factor missing")]
    if op == "mul" and len(leaves) == 1 and nodes[-1][1] == nodes[-1][2]:
        out.append(("a * a uses a twice: both `self.grad += other.data * out.grad` and `other.grad += "
                    "self.data * out.grad` land on a, which gives 2a · out.grad. Yours counted it once: with "
                    "`self.grad = ...` the second assignment overwrites the first; write +=", [values[0] * upstream],
                    "= instead of +="))
    if op == "add" and len(leaves) == 1:
        out.append(("a + a uses a twice, so a.grad gets out.grad twice (2 · out.grad). Yours counted it once: "
                    "with `self.grad = ...` the second assignment overwrites the first; write +=", [upstream],
                    "= instead of +="))
    if op == "pow":
        k, a = nodes[-1][2], values[0]
        with np.errstate(all="ignore"):
            out += [(f"the local derivative of a**k is k * a**(k − 1); yours is missing the factor k = {k:g}",
                     [earlier + a ** (k - 1) * upstream], "factor k missing"),
                    ("the local derivative of a**k is k * a**(k − 1); yours is k * a**k",
                     [earlier + k * a ** k * upstream], "k·a**k"),
                    ("the local derivative of a**k is k * a**(k − 1); yours is (k − 1) * a**(k − 2), the rule "
                     "applied one step too far (or to k − 1)", [earlier + (k - 1) * a ** (k - 2) * upstream],
                     "(k − 1)·a**(k − 2)"),
                    ("the local derivative of a**k is k * a**(k − 1); yours is k * a**(k + 1): the exponent drops "
                     "by one", [earlier + k * a ** (k + 1) * upstream], "k·a**(k + 1)"),
                    ("the local derivative of a**k is k * a**(k − 1); yours is a**k itself (out.data)",
                     [earlier + a ** k * upstream], "a**k itself"),
                    ("your _backward adds k * a**k − out.grad: without brackets, `k * self.data ** k - 1 * out.grad` "
                     "takes the power k and then subtracts 1 * out.grad. Put the exponent in brackets: "
                     "k * self.data ** (k - 1) * out.grad", [earlier + k * a ** k - upstream],
                     "brackets missing around k − 1"),
                    ("your _backward adds k * a**k − 1: without brackets, `k * self.data ** k - 1` takes the power k "
                     "and then subtracts 1 (and out.grad is missing). Write k * self.data ** (k - 1) * out.grad",
                     [earlier + k * a ** k - 1], "brackets missing around k − 1")]
    if op == "exp":
        a = values[0]
        out += [("the derivative of e^a is e^a itself (out.data); yours uses a", [earlier + a * upstream],
                 "a instead of e^a"),
                ("the local derivative of exp is missing: e^a, which is out.data", [earlier + upstream],
                 "local derivative missing"),
                ("the derivative of e^a is e^a; yours is e^(−a)", [earlier + math.exp(-a) * upstream], "e^(−a)")]
    if op == "tanh":
        a, t = values[0], math.tanh(values[0])
        out += [("the local derivative of tanh is 1 − t² with t = tanh(a) (out.data); yours uses 1 − a², from the "
                 "input a", [earlier + (1 - a * a) * upstream], "1 − a² (from the input)"),
                ("the local derivative of tanh is 1 − t², not t", [earlier + t * upstream], "t instead of 1 − t²"),
                ("the local derivative of tanh is 1 − t²; the square is missing", [earlier + (1 - t) * upstream],
                 "1 − t (square missing)"),
                ("the local derivative of tanh is 1 − t²; yours is (1 − t)²: square t, then subtract it from 1",
                 [earlier + (1 - t) ** 2 * upstream], "(1 − t)²"),
                ("the local derivative of tanh is 1 − t²; yours is 1 + t²", [earlier + (1 + t * t) * upstream],
                 "1 + t²"),
                ("the local derivative of tanh is missing: 1 − t² with t = out.data", [earlier + upstream],
                 "local derivative missing")]
    return out


class Operations(Task):
    exercise, functions = "5.1", ("Value",)
    forbidden_names = _NO_GRAPH

    def __init__(self, name, ops):
        self.test_id, self.ops = name, ops

    def cases(self, rng, hidden):
        out = []
        for op in self.ops:
            for nodes in self._graphs(rng, op):
                upstream, earlier = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.1, 1.0))
                out.append(local_case(rng, nodes, upstream, earlier))
        return out

    @staticmethod
    def _graphs(rng, op):
        a, b, c = (float(v) for v in rng.uniform(0.3, 1.5, 3) * rng.choice([-1, 1], 3))
        if op in ("add", "mul"):
            return [[["leaf", a], ["leaf", b], [op, 0, 1]], [["leaf", a], [op, 0, 0]]]
        if op in ("add_number", "number_add", "number_mul"):
            return [[["leaf", a], [op, 0, c]]]
        if op == "pow":
            return [[["leaf", a], ["pow", 0, k]] for k in (2.0, 3.0, -1.0)] + [[["leaf", abs(a)], ["pow", 0, 0.5]]]
        return [[["leaf", a], [op, 0]]]

    def judge(self, case, calls):
        nodes, upstream, earlier = case.context["nodes"], case.context["upstream"], case.context["earlier"]
        what = label(nodes, len(nodes) - 1)
        if not calls[0].ok:
            raise _explain_build(calls[0], what, nodes)
        back = calls[-3]
        returned(back, f"the _backward of {what}")
        got = _pairs(returned(calls[-2], what), what)
        reference = _reference_local(nodes, upstream, earlier)
        _check_inputs_kept(nodes, got, what)
        _check_value(nodes, got[-1][0], reference[-1].data, what)
        parents = (calls[-1].value or [[]])[-1] if calls[-1].ok else []
        strangers = sorted({kind for _, kind in parents if kind})
        if strangers:
            raise Fail(f"{what}: its _parents hold a {', '.join(strangers)}: only Values belong there (a plain number "
                       "such as an exponent is not part of the graph), or backprop stops at it",
                       mistake="a number in _parents")
        parents = [index for index, _ in parents]
        needed = {i for i, _ in parent_indices(reference)[-1] if i >= 0}
        if not needed <= set(parents):
            raise Fail(f"{what}: its _parents should hold the Values it was computed from; yours "
                       f"{'are empty' if not parents else 'miss some'}, so backprop cannot reach them. Pass them "
                       "on: Value(data, (self, other))", mistake="_parents missing")
        leaves = [i for i, n in enumerate(nodes) if n[0] == "leaf"]
        wrong = [i for i in leaves if not _close(got[i][1], reference[i].grad)]
        if not wrong:
            return
        lines = [f"after {what}._backward() with out.grad = {upstream:.4g} (each input's grad was {earlier:.4g} "
                 f"before, from other paths; for {_inputs(nodes)}):"]
        lines += ["  {}.grad: expected {}, yours {}".format(label(nodes, i), *pair(reference[i].grad, got[i][1]))
                  for i in wrong]
        for hint, grads, name in local_variants(nodes, upstream, earlier):
            if all(_close(got[i][1], g) for i, g in zip(leaves, grads)):
                raise Fail("\n".join(lines + [f"  Likely mistake: {hint}"]), mistake=name)
        untouched = [label(nodes, i) for i in wrong if _close(got[i][1], earlier)]
        if untouched:
            raise Fail("\n".join(lines + [f"  Likely mistake: {', '.join(untouched)}.grad did not change: the "
                                          "_backward must add its share of out.grad to every input's grad"]),
                       mistake="an input's grad left unchanged")
        named = _local_derivatives_named(nodes, wrong, [g for _, g in got], [n.grad for n in reference], upstream,
                                         earlier, reference[-1].data)
        if named:
            raise Fail("\n".join(lines + [f"  Likely mistake: {named[0]}"]), mistake=named[1])
        raise Fail("\n".join(lines + ["  The checks cannot tell which step is wrong: work out the local derivative "
                                      "of this operation by hand, multiply it by out.grad, add it to the grad that "
                                      "was there, and compare with each step of your _backward."]))


def local_catalogue(nodes, leaf):
    """What a local derivative of a one-operation graph is confused with: [(expression, value)], in
    the operation's own terms (a, b the inputs, k the exponent, t or out the output)."""
    op, *args = nodes[-1]
    values = _leaf_values(nodes)
    a = values[0]
    b = values[1] if len(values) > 1 else a
    mine = nodes[leaf][1]
    out = build_graph(Value, nodes)[-1].data
    table = [("1", 1.0), ("−1", -1.0), ("2", 2.0), ("the output's value out.data", out)]
    if op in ("add", "mul"):
        own = {0: "self.data", 1: "other.data"}.get(leaf, "its .data")
        table += [(f"{label(nodes, leaf)} itself (its own value, {own}, where the other input's value belongs)", mine),
                  ("a + b", a + b), ("a · b", a * b)]
    if op == "pow":
        k = args[1]
        table += [("a**k", a ** k), ("k · a", k * a), ("k", k), ("a**(k − 1)", a ** (k - 1)),
                  ("k · a**k", k * a ** k), ("(k − 1) · a**(k − 2)", (k - 1) * a ** (k - 2)),
                  ("k · a**(k + 1)", k * a ** (k + 1)), ("k · out.data", k * out)]
    if op == "exp":
        table += [("a", a), ("e^(−a)", math.exp(-a)), ("a · e^a", a * math.exp(a)),
                  ("e^(e^a), the derivative taken at the output instead of the input", math.exp(out))]
    if op == "tanh":
        t = out
        table += [("1 − tanh(t)², the derivative taken at the output t instead of the input a",
                   1 - math.tanh(t) ** 2), ("1 − tanh(a²), the square taken inside the tanh", 1 - math.tanh(a * a))]
        table += [(text + (" (a = self.data, the input, where t = tanh(a) = out.data belongs)" if used == "a" else ""),
                   value) for text, used, value in generic.rule_slips("tanh", [("t", t), ("a", a)])]
    return [(text, float(value)) for text, value in table if math.isfinite(value)]


def _local_derivatives_named(nodes, wrong, got, right, upstream, earlier, out_data):
    """(hint, label) naming what each wrong input's grad came out as, when every one of them is some local
    derivative of the catalogue (the right one too), multiplied by out.grad or by what stands in its place,
    added to the grad that was there or written over it; else None."""
    what = label(nodes, len(nodes) - 1)
    parts = []
    for leaf in wrong:
        local = (right[leaf] - earlier) / upstream
        found = _grad_reading(got[leaf], [("the right local derivative", local)] + local_catalogue(nodes, leaf),
                              upstream, earlier, out_data)
        if found is None:
            ratio = generic.simple_ratio((got[leaf] - earlier) / upstream / local) if local else None
            found = f"{ratio} × the right one (a factor too many or missing)" if ratio else None
        if found is None:
            return None
        parts.append(f"the local derivative of {what} with respect to {label(nodes, leaf)} came out as {found}; "
                     f"it is {numbers(local)[0]} here")
    hint = "; ".join(parts) + " (the table above the exercise gives each operation's local derivatives)"
    first = parts[0].split("came out as ")[1].split(";")[0].split(",")[0].split(" (")[0]
    return hint, f"local derivative: {first}"


def _grad_reading(grad, catalogue, upstream, earlier, out_data):
    """In words, how an input's grad after _backward follows from a local derivative of the catalogue: times
    out.grad (or out.data, self.grad, nothing in its place), added to the earlier grad (or written over it)."""
    for times, factor in (("", upstream), ("not multiplied by out.grad", 1.0),  # the fewest slips first
                          ("times out.data where out.grad belongs", out_data),
                          ("times the input's own grad where out.grad belongs", earlier),
                          ("times out.data once more", out_data * upstream)):
        for how, before in (("", earlier), ("written with `=` over the grad that was there", 0.0)):
            for text, value in catalogue:
                if (text, times, how) != ("the right local derivative", "", "") and \
                        _close(grad, before + value * factor):
                    slips = ", ".join(x for x in (times, how) if x)
                    return f"{text}" + (f", {slips} (`self.grad += local * out.grad`)" if slips else "")
    return None


def _check_inputs_kept(nodes, got, what):
    """Fail when building the operation changed an input's value (an __add__ that updates self)."""
    for i, spec in enumerate(nodes):
        if spec[0] == "leaf" and not _close(got[i][0], spec[1]):
            e, g = pair(spec[1], got[i][0])
            raise Fail(f"{what}: building it changed its input {label(nodes, i)}: {label(nodes, i)}.data was {e}, "
                       f"afterwards {g}.\n  Likely mistake: the operation updates self (self.data += ...) and "
                       "returns it; it must leave its inputs alone and return a new Value: "
                       "out = Value(self.data + other.data, (self, other))", mistake="an operation changes self")


def _check_value(nodes, got, expected, what):
    """Fail when the output's value is wrong, naming the wrong formula when one fits."""
    if _close(got, expected):
        return
    e, g = pair(expected, got)
    message = (f"{what}: its .data is {g}, expected {e} (for {_inputs(nodes)}): the value itself is wrong, "
               "before any gradient")
    for hint, value, name in value_variants(nodes):
        if math.isfinite(value) and _close(got, value):
            raise Fail(f"{message}.\n  Likely mistake: {hint}", mistake=name)
    raise Fail(message + ". The checks cannot tell which step is wrong: compute it by hand and compare.")


def _inputs(nodes):
    return ", ".join(f"{label(nodes, i)} = {n[1]:.4g}" for i, n in enumerate(nodes) if n[0] == "leaf")


_REFLECTED = {"number_add": ("+", "__radd__", "self + other"), "number_mul": ("*", "__rmul__", "self * other")}


def _explain_build(call_report, what, nodes=None):
    """The Fail for an error raised while building an expression with the learner's Value."""
    error = call_report.error or {}
    op = nodes[-1][0] if nodes else None
    if op in _REFLECTED and error.get("type") == "TypeError" and "unsupported operand" in error.get("message", ""):
        sign, method, body = _REFLECTED[op]
        return Fail(f"building {what} with your Value raised TypeError: {error.get('message')}\n  Likely mistake: "
                    f"with a plain number on the left, `number {sign} value` asks the Value for {method}, which your "
                    f"class lacks: def {method}(self, other): return {body}", mistake=f"no {method}")
    if error.get("type") == "AttributeError" and re.search(r"'(float|int)' object has no attribute",
                                                            error.get("message", "")):
        return Fail(f"building {what} with your Value raised AttributeError: {error.get('message')}\n  Likely mistake: "
                    "a plain number reached your operation as `other` and was used as a Value: wrap it first, "
                    "other = other if isinstance(other, Value) else Value(other)"
                    + (f"\n  (in your line: {error['line']})" if error.get("line") else ""),
                    mistake="a number not wrapped in a Value")
    return explain(error, f"building {what} with your Value")


# ------------------------------------------------------------------ 5.2 backprop

def random_graph(rng, reuse, size=None):
    """A list of nodes (see probe.build_graph): a tree (every node used once), or with reuse a graph
    where nodes feed several others, so the order of the backward pass matters."""
    while True:
        n_leaves = int(rng.integers(2, 4))
        nodes = [["leaf", float(v)] for v in rng.uniform(-1, 1, n_leaves)]
        pool = list(range(n_leaves))
        for _ in range(size or int(rng.integers(4, 8))):
            op = str(rng.choice(["add", "mul", "tanh", "exp", "pow", "number_mul", "add"]))
            if reuse:  # the newest node and any earlier one (itself, too): nodes get used again
                a, b = len(nodes) - 1, int(rng.integers(len(nodes)))
            else:
                if len(pool) < 2 and OPERANDS[op].count("node") == 2:
                    op = "tanh"
                a = pool.pop(int(rng.integers(len(pool))))
                b = pool.pop(int(rng.integers(len(pool)))) if OPERANDS[op].count("node") == 2 else None
            node = {"add": ["add", a, b], "mul": ["mul", a, b], "tanh": ["tanh", a], "exp": ["exp", a],
                    "pow": ["pow", a, 2.0], "number_mul": ["number_mul", a, float(rng.uniform(-1.5, 1.5))]}[op]
            nodes.append(node)
            pool.append(len(nodes) - 1)
        while not reuse and len(pool) > 1:  # join what is left into one root
            nodes.append(["add", pool.pop(), pool.pop()])
            pool.append(len(nodes) - 1)
        if reuse:  # the root uses the first operation again: one path to it is short, one long,
            # so a backward pass that visits nodes in any order but the reverse topological one is off
            nodes.append([str(rng.choice(["add", "mul"])), len(nodes) - 1, n_leaves])
        try:
            graph = build_graph(Value, nodes)
        except OverflowError:  # exp of exp of ...: draw again
            continue
        if all(abs(n.data) < 50 for n in graph) and (not reuse or _reuses(nodes)):
            return nodes


def _reuses(nodes):
    uses = {}
    for spec in nodes:
        for kind, a in zip(OPERANDS[spec[0]], spec[1:]):
            if kind == "node":
                uses[a] = uses.get(a, 0) + 1
    return any(count > 1 for count in uses.values())


def _fresh(nodes):
    graph = build_graph(Value, nodes)
    return graph, graph[-1]


def _per_path(node):
    """Each node, then its parents, once for every path that reaches it (no topological order)."""
    yield node
    for parent in node._parents:
        yield from _per_path(parent)


def _post_order(node):
    """A topological order without the set of visited nodes: a reused node comes once per path."""
    for parent in node._parents:
        yield from _post_order(parent)
    yield node


def _breadth_first(root):
    queue, seen = [root], set()
    while queue:  # nearest the output first
        node = queue.pop(0)
        if id(node) not in seen:
            seen.add(id(node))
            yield node
            queue.extend(node._parents)


def _wrong_pass(order, *, zero=True, seed=True):
    """A backward pass on nnlib's graph that calls nnlib's _backward of each node in order(root)
    (set to 0 first unless zero is False, the root's grad set to 1 unless seed is False; a function
    seed(nodes, root) sets the starting grads instead)."""
    def backprop(root):
        if zero:
            for node in topological_order(root):
                node.grad = 0.0
        if callable(seed):
            seed(list(topological_order(root)), root)
        elif seed:
            root.grad = 1.0
        for node in list(order(root)):
            node._backward()
    return backprop


def _reverse_topological(root):
    return reversed(topological_order(root))


def equal_value_graphs(rng, reuse):
    """Graphs in which different nodes hold equal values, so that a backward pass that tells nodes
    apart by their value (a visited set of .data) goes wrong where one that tells them apart by
    identity does not. With reuse: a * a + a * a (two products alike in value and parents), (a + a) * b
    with b = a, and shared constants (2 · a + 2 · b); without: a * b + c * d with c = a, d = b."""
    v, w = (float(x) for x in rng.uniform(0.3, 1.2, 2) * rng.choice([-1, 1], 2))
    if not reuse:
        return [[["leaf", v], ["leaf", w], ["leaf", v], ["leaf", w], ["mul", 0, 1], ["mul", 2, 3], ["add", 4, 5]]]
    return [[["leaf", v], ["leaf", w], ["mul", 0, 0], ["mul", 0, 0], ["add", 2, 3], ["mul", 4, 1]],
            [["leaf", v], ["leaf", v], ["add", 0, 0], ["mul", 2, 1], ["tanh", 3]],
            [["leaf", v], ["leaf", v], ["number_mul", 0, 2.0], ["number_mul", 1, 2.0], ["add", 2, 3], ["pow", 4, 2.0]]]


def _keyed_order(key):
    """A topological sort whose set of visited nodes holds key(node): by value, it mistakes equal values
    for one node."""
    def order(root):
        out, seen = [], set()

        def visit(node):
            if key(node) not in seen:
                seen.add(key(node))
                for parent in node._parents:
                    visit(parent)
                out.append(node)

        visit(root)
        return out
    return order


def _pass_over(order_of):
    """The right backward pass over the nodes order_of(root) lists (zeroed first, root seeded with 1)."""
    def backprop(root):
        order = list(order_of(root))
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in reversed(order):
            node._backward()
    return backprop


_BY_VALUE = ("the set of visited nodes holds values (node.data, or a tuple such as (node.data, "
             "len(node._parents))): two different nodes that hold equal values, such as a * a and another a * a, "
             "count as one, and the second never passes its gradient on. Put the nodes themselves (or id(node)) in "
             "the set")


def _pre_order(root):
    out, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            out.append(node)
            for parent in node._parents:
                visit(parent)

    visit(root)
    return out


def _pass_over_all_but_root():
    def backprop(root):
        order = list(topological_order(root))
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in reversed(order[:-1]):
            node._backward()
    return backprop


def _set_grads(nodes, value):
    for node in nodes:
        node.grad = value


def _leaves(order):
    return [node for node in order if not node._parents]


_ONLY_THE_ROOT = ("; only the root starts at 1 (dL/dL = 1) and every other node at 0, to be filled in by the pass: "
                  "set every grad to 0, then root.grad = 1")


def _seeding(which):
    """A backward pass that gives grad 1 to the nodes which(nodes, root) picks, every other node 0."""
    return _wrong_pass(_reverse_topological, seed=lambda nodes, root: _set_grads(which(nodes, root), 1.0))


def seeding_variants():
    """Backward passes that start from the wrong grads, each run on nnlib's graph: [(hint, pass, label)]."""
    return [("every node's grad was set to 1 before the pass, not only the root's, so each node's gradient "
             "starts 1 too high and passes that on" + _ONLY_THE_ROOT, _seeding(lambda nodes, root: nodes),
             "every node seeded with 1"),
            ("the inputs (the leaves, the nodes without parents) started at grad 1 as well as the root"
             + _ONLY_THE_ROOT, _seeding(lambda nodes, root: _leaves(nodes) + [root]), "leaves seeded with 1"),
            ("the inputs (the leaves) were seeded with 1 and the root was not, so nothing flows from the root"
             + _ONLY_THE_ROOT, _seeding(lambda nodes, root: _leaves(nodes)), "leaves seeded with 1, not the root")]


def backprop_variants():
    """Wrong backward passes, each run on nnlib's graph: [(hint, function of the root, label)]."""
    return seeding_variants() + [
        ("the nodes were visited inputs first: either the loop goes through the topological order without "
         "reversing it, or the sort puts a node in the order before its parents (order.append(node) before the "
         "loop over node._parents). A node goes in after all of its parents, and the pass goes through that order "
         "in reverse (output first), so a node's grad is complete before it is passed on",
         _wrong_pass(topological_order), "not reversed"),
        ("each node passed its gradient on as soon as it was reached, once per path, without a topological "
         "order: a node used twice passes on a half-finished grad. Sort first, then call _backward in reverse "
         "order", _wrong_pass(_per_path), "no topological order"),
        ("the nodes were visited breadth first from the output: a node that is also reached by a longer path "
         "passes its grad on before that path has added its share. Use the reverse topological order",
         _wrong_pass(_breadth_first), "breadth first"),
        ("the topological sort lists a reused node more than once (it needs a set of visited nodes), so its "
         "_backward runs twice and its inputs' gradients are counted twice",
         _wrong_pass(lambda root: reversed(list(_post_order(root)))), "no visited set"),
        (_BY_VALUE, _pass_over(_keyed_order(lambda n: n.data)), "visited set keyed by value"),
        (_BY_VALUE, _pass_over(_keyed_order(lambda n: (n.data, len(n._parents)))), "visited set keyed by value"),
        ("the topological sort adds a node before its parents (order.append(node) before the loop over "
         "node._parents), so the reversed order visits parents before the nodes they feed. Append a node after "
         "all of its parents", _pass_over(_pre_order), "node added before its parents"),
        ("no gradient left the root: its own _backward never ran, either because the loop over the reversed order "
         "skips its first node, the root, or because no _backward ran at all (`node._backward` without the () "
         "only names the function, it does not call it). Call node._backward() for every node, the root first",
         _pass_over_all_but_root(), "the root's _backward never ran"),
        ("the root's grad was never set to 1 (dL/dL = 1), so every gradient stays 0",
         _wrong_pass(_reverse_topological, seed=False), "root grad never seeded with 1"),
        ("the grads were not set to 0 before the pass, so a second backprop on the same graph adds to what the "
         "first left behind: set every node's grad to 0 first (the root's to 1)",
         _wrong_pass(_reverse_topological, zero=False), "grads not zeroed"),
    ]


def fixed_graph_steps(nodes, name):
    """Probe steps that build, in the kernel, the graph of `nodes` as FixedNodes (exercises.probe):
    every node of nnlib's graph, hidden constants included, with the local derivative of each
    listed parent computed here; `name` then holds the nodes of `nodes`, in their order. No Value
    class is needed in the kernel, neither the learner's nor nnlib's (which it does not have)."""
    graph = build_graph(Value, nodes)
    order, where = [], {}
    for node in graph:  # every node, those the root does not depend on too, each after its parents
        for n in topological_order(node):
            if id(n) not in where:
                where[id(n)] = len(order)
                order.append(n)
    spec = [[n.data, [where[id(p)] for p in n._parents], _partials(n)] for n in order]
    pick = {"list": [{"item": [ref(f"{name}_all"), lit(where[id(n)])]} for n in graph]}
    return [{"op": "make", "name": f"{name}_all", "kind": "fixed_graph", "nodes": spec},
            {"op": "make", "name": name, "kind": "ref", "ref": pick}]


def _partials(node):
    """d node / d parent for each parent as listed (a parent listed twice, as in a * a, once each)."""
    parents = node._parents
    if node.op == "+":
        partials = [1.0, 1.0]
    elif node.op == "*":
        partials = [parents[1].data, parents[0].data]
    elif len(parents) == 1:  # a one-input operation: its _backward with out.grad = 1 gives the local derivative
        saved = parents[0].grad, node.grad
        parents[0].grad, node.grad = 0.0, 1.0
        node._backward()
        partials = [parents[0].grad]
        parents[0].grad, node.grad = saved
    elif not parents:
        partials = []
    else:
        raise ValueError(f"no local derivatives known for the operation {node.op!r}")
    return partials


class Backprop(Task):
    exercise, functions = "5.2", ("backprop",)
    forbidden_names = ("nnlib.graph.topological_order", "nnlib.graph.Value.backward")

    def __init__(self, name, reuse):
        self.test_id, self.reuse = name, reuse

    def cases(self, rng, hidden):
        graphs = [random_graph(rng, self.reuse) for _ in range(3 if hidden else 2)]
        structured = equal_value_graphs(rng, self.reuse)
        graphs += structured if hidden else structured[:1]
        out = []
        for nodes in graphs:
            root = {"item": [ref("g"), lit(len(nodes) - 1)]}
            steps = fixed_graph_steps(nodes, "g") + [call(learner("backprop"), root)]
            if self.reuse:  # a second pass must give the same gradients: backprop starts from zero
                steps.append(call(learner("backprop"), root))
            steps.append(_read_graph("g"))
            out.append(Case(steps, {"nodes": nodes}, label(nodes, len(nodes) - 1)))
        return out

    def judge(self, case, calls):
        nodes = case.context["nodes"]
        for step in calls[2:-1]:
            if not step.ok and (step.error or {}).get("message", "").startswith(_NO_BACKWARD):
                raise Fail(f"backprop raised AttributeError: {step.error['message']}"
                           + (f"\n  (in your line: {step.error['line']})" if step.error.get("line") else ""),
                           mistake="backprop calls root.backward()")
            returned(step, "backprop")
        got = _pairs(returned(calls[-1], "the graph"), "the graph")
        graph, root = _fresh(nodes)
        root.backward()
        wrong = [i for i, n in enumerate(graph) if not _close(got[i][1], n.grad)]
        if not wrong:
            return
        head = f"backprop on L = {label(nodes, len(nodes) - 1)} (for {_inputs(nodes)})"
        lines = [f"{head}{' run twice' if self.reuse else ''}:"]
        lines += ["  d L / d {}: expected {}, yours {}".format(label(nodes, i), *pair(graph[i].grad, got[i][1]))
                  for i in wrong[:3]]
        fits = []
        for hint, variant, name in backprop_variants():
            other, other_root = _fresh(nodes)
            variant(other_root)
            if self.reuse:
                variant(other_root)
            if all(_close(got[i][1], n.grad) for i, n in enumerate(other)):
                fits.append(Mistake(hint, None, name))
        if fits:
            found = one_of(fits)
            raise Fail("\n".join(lines + [f"  Likely mistake: {found.hint}"]), mistake=found.name,
                       readings=found.readings)
        factor = generic.constant_factor("gradient", np.array([g for _, g in got]),
                                         np.array([n.grad for n in graph]), 1e-7, 1e-12)
        if factor is not None:
            k = got[-1][1] / graph[-1].grad if graph[-1].grad else 0.0
            own = " (root.data, L's own value)" if _close(k, graph[-1].data) else ""
            raise Fail("\n".join(lines + [f"  Likely mistake: every gradient is {numbers(k)[0]} × the right one: the "
                                          f"pass is right but starts from root.grad = {numbers(k)[0]}{own}; "
                                          "dL/dL = 1"]), mistake="root grad not seeded with 1")
        raise Fail("\n".join(lines + ["  The checks cannot tell which step is wrong: follow your backprop by hand on "
                                      "this graph, node by node, and compare each grad with the expected ones."]))


# What FixedNode.backward says (exercises.probe): a backprop that calls root.backward().
_NO_BACKWARD = "backprop is tested on a graph of plain nodes"


# ------------------------------------------------------------------ 5.3 a neuron

def neuron_reference(xs, ws, b):
    """tanh(Σ w_i x_i + b) built from nnlib Values: (output, xs, ws, b) after backward."""
    X, W, B = [Value(v) for v in xs], [Value(v) for v in ws], Value(b)
    z = B
    for w, x in zip(W, X):
        z = z + w * x
    out = z.tanh()
    out.backward()
    return out, X, W, B


def neuron_variants(xs, ws, b):
    z = sum(w * x for w, x in zip(ws, xs))
    out = [("the bias is missing: tanh(Σ w·x + b)", math.tanh(z), "bias missing"),
            ("the bias is added after the tanh; it belongs inside: tanh(Σ w·x + b)", math.tanh(z) + b,
             "bias outside the tanh"),
            ("the tanh is missing: the neuron's output is tanh(Σ w·x + b)", z + b, "tanh missing"),
            ("your neuron uses the sigmoid; this one uses tanh(Σ w·x + b)", 1 / (1 + math.exp(-(z + b))),
             "sigmoid instead of tanh"),
            ("your neuron adds w + x; a neuron multiplies each input by its weight: tanh(Σ w·x + b)",
             math.tanh(sum(w + x for w, x in zip(ws, xs)) + b), "w + x instead of w · x"),
            ("the bias is added twice: tanh(Σ w·x + b)", math.tanh(z + 2 * b), "bias added twice"),
            ("your neuron ends with exp; this one ends with tanh: tanh(Σ w·x + b)", math.exp(z + b),
             "exp instead of tanh"),
            ("your neuron ends with relu; this one ends with tanh: tanh(Σ w·x + b)", max(z + b, 0.0),
             "relu instead of tanh"),
            ("tanh is applied twice: tanh(Σ w·x + b) once", math.tanh(math.tanh(z + b)), "tanh applied twice"),
            ("the bias is added once for every input (z = z + w * x + b inside the loop); it belongs once: "
             "tanh(Σ w·x + b)", math.tanh(z + len(xs) * b + b), "bias added once per input"),
            ("only the last input counts (z = w * x inside the loop, not z = z + w * x): tanh(Σ w·x + b)",
             math.tanh(ws[-1] * xs[-1] + b), "the sum overwritten in the loop"),
            ("only the last input counts, and the bias is lost: z = w * x inside the loop replaces z each time; "
             "start from z = b and add: z = z + w * x", math.tanh(ws[-1] * xs[-1]), "the sum overwritten in the loop"),
            ("tanh is applied to each product w·x and the results added (plus b); the neuron adds first and takes "
             "one tanh of the sum: tanh(Σ w·x + b)", sum(math.tanh(w * x) for w, x in zip(ws, xs)) + b,
             "tanh of each term, not of the sum"),
            ("tanh is applied to each product w·x and the results added (b inside the sum's tanh); take one tanh of "
             "the whole sum: tanh(Σ w·x + b)", math.tanh(sum(math.tanh(w * x) for w, x in zip(ws, xs)) + b),
             "tanh of each term, not of the sum")]
    # the right neuron from the wrong ingredients: the inputs or the weights not applied, or each passed
    # through tanh before the sum, or every product negated
    for plural, one, k in (("inputs", "input", 0), ("weights", "weight", 1)):
        for how, f, label in (("not applied (each taken as 1)", lambda v: 1.0, "not applied"),
                              (f"passed through tanh before they are used (tanh of each {one})", math.tanh,
                               "tanh of each")):
            value = math.tanh(sum((f(w) if k else w) * (x if k else f(x)) for w, x in zip(ws, xs)) + b)
            out.append((f"the {plural} are {how}: tanh(Σ w·x + b) uses every input x times its own weight w",
                        value, f"{one} {label}"))
    in_loop = b  # tanh taken inside the loop, of each partial sum: z = (z + w * x).tanh()
    for w, x in zip(ws, xs):
        in_loop = math.tanh(in_loop + w * x)
    out += [("tanh is taken inside the loop, of every partial sum (z = (z + w * x).tanh()); add all the terms "
             "first and take one tanh at the end: tanh(Σ w·x + b)", in_loop, "tanh inside the loop"),
            ("tanh is taken inside the loop, of every partial sum, and once more at the end; add all the terms "
             "first and take one tanh: tanh(Σ w·x + b)", math.tanh(in_loop), "tanh inside the loop")]
    out.append(("every product w·x has its sign flipped (every input or every weight negated; the checks cannot "
                "tell which): tanh(Σ w·x + b)", math.tanh(b - z), "w·x negated"))
    if len(xs) > 1:
        out += [(f"the {which} input is left out of the sum (the loop stops one short, or starts at 1): every one "
                 f"of the {len(xs)} inputs counts, for w, x in zip(ws, xs)", math.tanh(z - ws[i] * xs[i] + b),
                 f"the {which} input left out") for which, i in (("last", -1), ("first", 0))]
    return out


class Neuron(Task):
    test_id, exercise, functions = "ex5_3_tests", "5.3", ("neuron", "Value")
    forbidden_names = _NO_GRAPH
    depends_on = ("5.1", "5.2")

    def cases(self, rng, hidden):
        out = []
        for n in ([3] if not hidden else [int(rng.integers(1, 6)), 4]):
            xs, ws, b = list(rng.uniform(-1, 1, n)), list(rng.uniform(-1, 1, n)), float(rng.uniform(-0.5, 0.5))
            nodes = [["leaf", float(v)] for v in xs + ws + [b]]
            item = lambda i: {"item": [ref("g"), lit(i)]}  # noqa: E731
            steps = [{"op": "graph", "cls": learner("Value"), "nodes": nodes, "save": "g"},
                     call(learner("neuron"), {"list": [item(i) for i in range(n)]},
                          {"list": [item(n + i) for i in range(n)]}, item(2 * n), save="out", attrs=("data",)),
                     call({"attr": [ref("out"), "backward"]}),
                     _read_graph("g")]
            out.append(Case(steps, {"xs": xs, "ws": ws, "b": b}, f"{n} inputs"))
        return out

    def judge(self, case, calls):
        xs, ws, b = case.context["xs"], case.context["ws"], case.context["b"]
        if not calls[0].ok:
            raise _explain_build(calls[0], "the inputs")
        value = returned(calls[1], "neuron")
        data = getattr(value, "attrs", {}) or {}
        if "data" not in data:
            raise Fail(f"neuron should return a Value (built from your Value class), got {value!r:.80}",
                       mistake="not a Value")
        out, X, W, B = neuron_reference(xs, ws, b)
        where = f"xs = {np.round(xs, 3).tolist()}, ws = {np.round(ws, 3).tolist()}, b = {b:.3g}"
        if not _close(float(data["data"]), out.data):
            msg = "neuron's output is {1}, expected {0} (for {2}).".format(*pair(out.data, float(data["data"])), where)
            for hint, v, name in neuron_variants(xs, ws, b):
                if _close(float(data["data"]), v):
                    raise Fail(f"{msg}\n  Likely mistake: {hint}", mistake=name)
            ratio = generic.simple_ratio(float(data["data"]) / out.data) if out.data else None
            if ratio is not None:
                raise Fail(f"{msg}\n  Likely mistake: your output is {ratio} × the right one: a factor too many or "
                           "missing around the tanh", mistake=f"off by a factor {ratio}")
            raise Fail(msg + " The checks cannot tell which step is wrong: compute tanh(Σ w·x + b) by hand and "
                       "compare it with each step of your neuron.")
        if not calls[2].ok and (calls[2].error or {}).get("type") == "RecursionError":
            raise Fail("out.backward() raised RecursionError: maximum recursion depth exceeded.\n  Likely mistake: "
                       "Value.backward() calls backprop(self), and your backprop calls root.backward(), so each calls "
                       "the other without end. backprop (Exercise 5.2) must do the whole pass itself: sort, zero, "
                       "seed the root with 1, call each node's _backward.", mistake="backprop calls root.backward()")
        returned(calls[2], "out.backward()")
        got = _pairs(returned(calls[3], "the inputs"), "the inputs")
        expected = [v.grad for v in X + W + [B]]
        names = [f"x{i}" for i in range(len(xs))] + [f"w{i}" for i in range(len(ws))] + ["b"]
        wrong = [(n, e, g[1]) for n, e, g in zip(names, expected, got) if not _close(g[1], e)]
        if wrong:
            shown = "; ".join("{}.grad expected {}, yours {}".format(n, *pair(e, g)) for n, e, g in wrong[:3])
            if all(g == 0 for _, _, g in wrong):
                cut = _cut_off(names, [n for n, _, _ in wrong])
                if cut:
                    raise Fail(f"after out.backward() (for {where}): {shown}.\n  Likely mistake: {cut} get no "
                               "gradient while the rest do: the neuron used them as plain numbers (.data) or as "
                               "copies (Value(b.data)), which cuts them off the graph. Use the Values themselves: "
                               "z = b, then z = z + w * x", mistake="computed with .data (graph cut)")
                raise Fail(f"after out.backward() (for {where}): {shown}.\n  Likely mistake: no gradient reaches the "
                           "inputs: the neuron was computed from plain numbers (.data), so it is not connected to "
                           "xs, ws and b. Build it from Value operations only: z = b, then z = z + w * x",
                           mistake="computed with .data (graph cut)")
            raise Fail(f"after out.backward() (for {where}): {shown}. This test uses your Value and backprop: "
                       "when 5.1 or 5.2 fails, fix them first.", mistake="Value or backprop wrong (5.1, 5.2)")


def _cut_off(names, zero):
    """The groups of a neuron's inputs (xs, ws, b) that are exactly those with a zero gradient, in words;
    None when every input has one (or the zeros are not whole groups)."""
    groups = {"the inputs xs": [n for n in names if n.startswith("x")],
              "the weights ws": [n for n in names if n.startswith("w")], "the bias b": ["b"]}
    cut = [what for what, members in groups.items() if members and set(members) <= set(zero)]
    covered = {n for what in cut for n in groups[what]}
    if not cut or covered != set(zero) or covered == set(names):
        return None
    return " and ".join(cut)


# The kernel grading this assignment gets no nnlib at all: every function raises (exercises.withhold).
KERNEL_NNLIB = ()

TASKS = [Operations("ex5_1_add_mul_tests", ("add", "mul", "add_number", "number_add", "number_mul")),
         Operations("ex5_1_pow_exp_tanh_tests", ("pow", "exp", "tanh")),
         Backprop("ex5_2_tree_tests", reuse=False), Backprop("ex5_2_reuse_tests", reuse=True), Neuron()]
