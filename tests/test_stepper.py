"""The backprop steppers, driven headlessly: every step's gradients against a plain backward pass.

backprop_stepper is checked on nnlib's Value and on small learner-style classes written here (one
with _parents like assignment 05's, one with micrograd's _prev set, one with the = bug), against a
backward pass run the plain way: every grad 0, the output's 1, then each node's _backward in turn.
network_stepper is checked against Sequential.backward and the four equations of notebook 05.
"""

import copy
import math
import re

import numpy as np
import pytest

import nnlib
from nnlib import graph
from nnlib.widgets import _base, backprop_stepper, network_stepper

# --------------------------------------------------------------------------- learner-style classes


class Learner:
    """Assignment 05's Value, as a learner writes it: _parents, no label, no op."""

    def __init__(self, data, _parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(_parents)
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Learner) else Learner(other)
        out = Learner(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Learner) else Learner(other)
        out = Learner(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        out = Learner(math.tanh(self.data), (self,))

        def _backward():
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def __eq__(self, other):  # a learner may compare Values: the class is then unhashable
        return isinstance(other, Learner) and self.data == other.data

    __hash__ = None


def learner_backprop(root):
    """Assignment 05's backprop: a recursive depth-first search, then _backward output first."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node._parents:
                visit(parent)
            order.append(node)

    visit(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        node._backward()


class Micro:
    """micrograd's layout: _prev is a set, _op names the operation, grads start as int 0."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad, self._backward = data, 0, lambda: None
        self._prev, self._op = set(_children), _op

    def __mul__(self, other):
        out = Micro(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __add__(self, other):
        out = Micro(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out


def plain_pass(order):
    """Every node's grad (in order's order) after each of the _backward calls of a plain backward pass."""
    for node in order:
        node.grad = 0.0
    order[0].grad = 1.0
    snapshots = [[float(n.grad) for n in order]]
    for node in order:
        node._backward()
        snapshots.append([float(n.grad) for n in order])
    return snapshots


def notebook_03_graph():
    """Notebook 03's neuron with squared error, labelled as 03 labels it."""
    x, w, b = graph.Value(1.5, label="x"), graph.Value(-0.8, label="w"), graph.Value(0.4, label="b")
    wx = w * x
    wx.label = "w·x"
    z = wx + b
    z.label = "z"
    y_hat = z.sigmoid()
    y_hat.label = "ŷ"
    e = y_hat - graph.Value(1.0, label="y")
    e.label = "e = ŷ − y"
    L = 0.5 * e**2
    L.label = "L"
    return L, {"x": x, "w": w, "b": b}


def learner_graph(cls):
    """tanh(a·a + a·b) + b: a is used twice by one operation and on two paths, b on two paths."""
    a, b = cls(3.0), cls(-2.0)
    return (a * a + a * b).tanh() + b, a, b


# --------------------------------------------------------------------------- on nnlib's Value


@pytest.mark.nb03
def test_the_order_is_output_first_and_the_one_value_backward_uses():
    L, _ = notebook_03_graph()
    stepper = backprop_stepper(L)
    order = stepper.state["order"]
    assert order[0] is L and len(order) == 13
    assert [id(n) for n in order] == [id(n) for n in reversed(graph.topological_order(L))]
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:  # every node comes before the nodes it was computed from
        assert all(position[id(node)] < position[id(p)] for p in node._parents)


@pytest.mark.nb03
def test_every_step_has_the_grads_of_a_plain_pass_after_as_many_backward_calls():
    L, _ = notebook_03_graph()
    stepper = backprop_stepper(L)
    order = stepper.state["order"]
    expected = plain_pass(order)  # nnlib's order, plain _backward calls, no recording
    stepper.reset()
    for k in range(len(order) + 1):
        state = stepper.state
        assert state["step"] == k
        assert state["grads"] == expected[k], k
        assert [n.grad for n in order] == expected[k], "the nodes hold the step shown"
        stepper.step()
    assert stepper.state["step"] == len(order), "Step at the end stays at the end"


@pytest.mark.nb03
def test_at_the_end_the_graph_is_left_as_value_backward_leaves_it():
    L, leaves = notebook_03_graph()
    stepper = backprop_stepper(L)
    L_ref, leaves_ref = notebook_03_graph()
    L_ref.backward()
    assert stepper.state["grads"][0] == 1.0 and all(g == 0 for g in stepper.state["grads"][1:]), "step 0"
    stepper.to_end()
    for name in leaves:
        assert leaves[name].grad == leaves_ref[name].grad, name
        assert type(leaves[name].grad) is float
    ref_order = list(reversed(graph.topological_order(L_ref)))
    assert stepper.state["grads"] == [n.grad for n in ref_order]


@pytest.mark.nb03
def test_back_and_reset_show_exactly_the_earlier_steps():
    L, _ = notebook_03_graph()
    stepper = backprop_stepper(L)
    seen = [stepper.state]
    for _ in range(5):
        seen.append(stepper.step())
    for k in (4, 3):
        state = stepper.back()
        assert state["step"] == k and state["grads"] == seen[k]["grads"] and state["lines"] == seen[k]["lines"]
        assert [n.grad for n in state["order"]] == seen[k]["grads"]
    assert stepper.step(2)["grads"] == seen[5]["grads"]
    assert stepper.reset()["grads"] == seen[0]["grads"] and stepper.state["step"] == 0
    assert stepper.back()["step"] == 0, "Back at the start stays at the start"
    assert stepper.go(13)["step"] == 13
    with pytest.raises(ValueError, match=r"k must be an integer in \[0, 13\], got 14"):
        stepper.go(14)


@pytest.mark.nb03
def test_the_buttons_drive_it_and_are_greyed_out_where_they_cannot_act():
    L, _ = notebook_03_graph()
    stepper = backprop_stepper(L)
    buttons = stepper.controls
    assert list(buttons) == ["step", "back", "to_end", "reset"]
    assert [b.description for b in buttons.values()] == ["Step", "Back", "Run to end", "Reset"]
    assert buttons["back"].disabled and buttons["reset"].disabled and not buttons["step"].disabled
    png = stepper.png()
    buttons["step"].click()
    buttons["step"].click()
    assert stepper.state["step"] == 2 and stepper.png() != png
    buttons["back"].click()
    assert stepper.state["step"] == 1
    buttons["to_end"].click()
    assert stepper.state["step"] == 13 and buttons["step"].disabled and buttons["to_end"].disabled
    buttons["reset"].click()
    assert stepper.state["step"] == 0


@pytest.mark.nb03
def test_each_step_writes_the_product_that_made_each_term():
    L, leaves = notebook_03_graph()
    stepper = backprop_stepper(L)
    order, names = stepper.state["order"], stepper.state["names"]
    wx = order[names.index("w·x")]
    k = names.index("w·x") + 1  # the step in which w·x passes its gradient on
    state = stepper.go(k)
    upstream = wx.grad
    text = "\n".join(state["lines"])
    # ∂(w·x)/∂w = x = 1.5 and ∂(w·x)/∂x = w = -0.8
    assert f"w.grad += (w·x).grad · ∂(w·x)/∂w = ({upstream:.4g}) · 1.5 = {upstream * 1.5:.4g}" in text
    assert f"x.grad += (w·x).grad · ∂(w·x)/∂x = ({upstream:.4g}) · (-0.8) = {upstream * -0.8:.4g}" in text
    by_parent = {names[e.parent]: e for e in state["events"]}
    assert by_parent["w"].local == 1.5 and by_parent["x"].local == -0.8 and by_parent["w"].upstream == upstream
    assert state["passing"] == k - 1 and "w·x passed" in stepper.summary


@pytest.mark.nb03
def test_a_leaf_and_a_one_node_graph():
    lone = graph.Value(2.5, label="c")
    stepper = backprop_stepper(lone)
    assert len(stepper.state["order"]) == 1 and stepper.state["grads"] == [1.0]
    state = stepper.step()
    assert state["step"] == 1 and state["grads"] == [1.0] and state["events"] == []
    assert "c is an input" in state["lines"][0] and lone.grad == 1.0


@pytest.mark.nb03
@pytest.mark.a5
def test_a_node_used_twice_by_one_operation_shows_its_two_terms():
    a = Learner(3.0)
    square = a * a
    stepper = backprop_stepper(square, names=[(a, "a"), (square, "out")])
    state = stepper.step()
    terms = [line for line in state["lines"] if line.strip().startswith("a.grad +=")]
    assert len(terms) == 2, state["lines"]
    assert all("out.grad · ∂out/∂a = 1 · 3 = 3" in t for t in terms)
    assert "→ a.grad = 3" in terms[0] and "→ a.grad = 6" in terms[1] and "second use of a" in terms[1]
    assert [(e.before, e.after) for e in state["events"]] == [(0.0, 3.0), (3.0, 6.0)]
    assert a.grad == 6.0 == 2 * a.data


@pytest.mark.nb03
@pytest.mark.a5
def test_a_node_reused_on_two_paths_receives_in_two_steps():
    x = graph.Value(0.5, label="x")
    h1, h2 = (1.5 * x).tanh(), (-2.0 * x).sigmoid()
    h1.label, h2.label = "h1", "h2"
    L = h1 + h2
    L.label = "L"
    stepper = backprop_stepper(L)
    names = stepper.state["names"]
    steps = [k for k in range(1, len(names) + 1)
             if any(names[e.parent] == "x" for e in stepper.go(k)["events"])]
    assert len(steps) == 2, "x.grad += happens once per path, in two different steps"
    later = stepper.go(steps[1])
    text = " ".join(" ".join(later["lines"]).split())  # a long line is wrapped in the picture
    first = stepper.grads[steps[0]][names.index("x")]
    assert re.search(rf"x\.grad \+= .*?→ x\.grad = [-\d.]+ \(on top of {first:.4g} from another path\)", text)
    L_ref = (1.5 * graph.Value(0.5)).tanh() + (-2.0 * graph.Value(0.5)).sigmoid()
    stepper.to_end()
    path_1 = (1 - math.tanh(0.75) ** 2) * 1.5
    s = 1 / (1 + math.exp(1.0))
    assert math.isclose(x.grad, path_1 + s * (1 - s) * -2.0, rel_tol=1e-12)
    assert L_ref.data == L.data


# --------------------------------------------------------------------------- on a learner's own class


@pytest.mark.nb03
@pytest.mark.a5
def test_a_learners_class_steps_like_its_own_backprop():
    root, a, b = learner_graph(Learner)
    stepper = backprop_stepper(root, names=[(a, "a"), (b, "b")])
    order = stepper.state["order"]
    assert len(order) == 7
    expected = plain_pass(order)  # the stepper's order, plain calls
    for k in range(len(order) + 1):
        assert stepper.go(k)["grads"] == expected[k]
    ref_root, ref_a, ref_b = learner_graph(Learner)
    learner_backprop(ref_root)
    # a gets three terms (a·a twice, a·b once); another order of the same terms may round the sum
    # differently in the last bit, so the learner's own pass is matched to 1e-15, not exactly
    assert math.isclose(a.grad, ref_a.grad, rel_tol=1e-15) and b.grad == ref_b.grad
    assert a.grad != 0 and b.grad != 0
    t = math.tanh(9.0 - 6.0)
    assert math.isclose(a.grad, (1 - t**2) * (2 * 3.0 - 2.0), rel_tol=1e-12)
    assert math.isclose(b.grad, (1 - t**2) * 3.0 + 1.0, rel_tol=1e-12)


@pytest.mark.nb03
@pytest.mark.a5
def test_micrograds_prev_set_and_int_grads_work_too():
    a, b = Micro(2.0), Micro(-3.0)
    out = a * b + a
    stepper = backprop_stepper(out, names={a: "a", b: "b"})
    stepper.to_end()
    assert (a.grad, b.grad, out.grad) == (-2.0, 2.0, 1.0)
    titles = stepper._titles
    assert any(t.endswith("  *") for t in titles) and any(t.endswith("  +") for t in titles), "_op is shown"
    state = stepper.go(1)
    assert {stepper.state["names"][e.parent] for e in state["events"]} == {"a", stepper.state["names"][1]}


@pytest.mark.nb03
@pytest.mark.a5
def test_an_overwriting_backward_is_shown_overwriting():
    class Overwriting(Learner):
        def __mul__(self, other):
            out = Overwriting(self.data * other.data, (self, other))

            def _backward():  # the bug of notebook 03: = instead of +=
                self.grad = other.data * out.grad
                other.grad = self.data * out.grad

            out._backward = _backward
            return out

    w = Overwriting(3.0)
    square = w * w
    stepper = backprop_stepper(square, names=[(w, "w")])
    state = stepper.step()
    assert w.grad == 3.0, "only the last path's term survives, as in notebook 03"
    assert [e.kind for e in state["events"]] == ["="]
    assert any("w.grad = 3: set with =, not added with +=" in line for line in state["lines"])


@pytest.mark.nb03
@pytest.mark.a5
def test_a_backward_that_forgets_a_parent_is_named():
    class Forgetful(Learner):
        def __add__(self, other):
            out = Forgetful(self.data + other.data, (self, other))

            def _backward():
                self.grad += out.grad  # other is left out

            out._backward = _backward
            return out

    a, b = Forgetful(1.0), Forgetful(2.0)
    stepper = backprop_stepper(a + b, names=[(a, "a"), (b, "b")])
    lines = stepper.step()["lines"]
    assert any("b.grad: nothing added; this _backward leaves it out" in line for line in lines)


# --------------------------------------------------------------------------- bad input


@pytest.mark.nb03
@pytest.mark.parametrize("root, message", [
    (3.0, r"root must be a node of a scalar graph, with data, grad, _backward and _parents \(or _prev\).*"
          r"got float 3.0, which has no data, grad, _backward, _parents"),
    ([graph.Value(1.0)], "got list"),
    (np.array(2.0), "got ndarray"),
])
def test_anything_but_a_graph_node_is_refused_with_what_it_lacks(root, message):
    with pytest.raises(TypeError, match=message):
        backprop_stepper(root)


@pytest.mark.nb03
def test_half_a_node_and_bad_parents_are_named():
    class NoBackward:
        data, grad, _parents = 1.0, 0.0, ()

    with pytest.raises(TypeError, match="which has no _backward"):
        backprop_stepper(NoBackward())
    vector = Learner(1.0)
    vector.data = np.ones(3)
    with pytest.raises(TypeError, match=r"data must be a number \(a scalar graph\), got ndarray"):
        backprop_stepper(vector)
    node = Learner(1.0)
    node._parents = (2.0,)
    with pytest.raises(TypeError, match=r"every parent \(of .*\) must be a node .* got float 2.0"):
        backprop_stepper(node)
    node._parents = 5
    with pytest.raises(TypeError, match="_parents of .* must be a tuple, list or set of nodes, got int"):
        backprop_stepper(node)
    with pytest.raises(TypeError, match=r"names must be a dict \{node: name\} or a list of \(node, name\) pairs"):
        backprop_stepper(Learner(1.0), names=["a"])
    with pytest.raises(TypeError, match="every name in names must be a non-empty string, got 3"):
        backprop_stepper(Learner(1.0), names=[(node, 3)])


@pytest.mark.nb03
def test_a_cycle_is_refused():
    a, b = Learner(1.0), Learner(2.0)
    c = a + b
    a._parents = (c,)  # a now claims to be computed from c, which was computed from a
    before = (a.grad, b.grad, c.grad)
    with pytest.raises(ValueError, match="the graph has a cycle"):
        backprop_stepper(c)
    assert (a.grad, b.grad, c.grad) == before, "nothing was touched"
    loop = Learner(1.0)
    loop._parents = (loop,)
    with pytest.raises(ValueError, match="cycle"):
        backprop_stepper(loop)


@pytest.mark.nb03
def test_a_backward_that_raises_is_named_and_a_graph_too_large_to_draw_is_refused():
    a = Learner(1.0)
    broken = a * 2.0
    broken._backward = lambda: 1 / 0
    with pytest.raises(RuntimeError, match=r"n\d+._backward\(\) raised ZeroDivisionError"):
        backprop_stepper(broken)
    total = Learner(0.0)
    for k in range(9):
        total = total + Learner(k)
    with pytest.raises(ValueError, match=r"the graph is 10 steps long .* at most 8 × 7"):
        backprop_stepper(total)


# --------------------------------------------------------------------------- the picture


def steppers():
    L, _ = notebook_03_graph()
    root, a, b = learner_graph(Learner)
    rng = np.random.default_rng(0)
    model = nnlib.mlp([4, 6, 5, 3], activation="tanh", rng=rng)
    X, y = rng.standard_normal((7, 4)), rng.integers(0, 3, 7)
    return [backprop_stepper(L), backprop_stepper(root, names=[(a, "a"), (b, "b")]),
            network_stepper(model, nnlib.softmax_cross_entropy, X, y)]


@pytest.mark.nb03
@pytest.mark.nb05
def test_every_step_draws_every_text_inside_the_picture_at_a_readable_size():
    import ipywidgets

    for stepper in steppers():
        assert isinstance(stepper.widget, ipywidgets.Box)
        width, height = _base.figure_size_px(stepper.figure)
        assert width == 920
        renderer = stepper.figure.canvas.get_renderer()
        frame = stepper.figure.bbox
        for k in range(stepper.n_steps + 1):
            stepper.go(k)
            texts = [t for t in stepper.figure.findobj(lambda a: hasattr(a, "get_fontsize"))
                     if t.get_visible() and t.get_text()]
            assert min(t.get_fontsize() for t in texts) >= 9  # 12.5 page pixels and more
            for t in texts:
                box = t.get_window_extent(renderer)
                assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, (k, t.get_text()[:40])
                assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, (k, t.get_text()[:40])
            assert stepper.png()[16:24] == np.array([width * 2, height * 2], ">u4").tobytes()
            if hasattr(stepper, "boxes"):  # the graph's boxes and labels stay inside the graph's own area
                graph = stepper.figure.axes[0]
                for t in graph.texts:
                    box = (t.get_bbox_patch() or t).get_window_extent(renderer)
                    if t.get_visible() and t.get_text():
                        assert graph.bbox.y0 - 1 <= box.y0 and box.y1 <= graph.bbox.y1 + 1, (k, t.get_text())
        assert "\n" not in stepper.summary
        bundle, metadata = stepper._repr_mimebundle_()  # a reopened notebook shows the last picture
        assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["image/png"]
        shown = metadata["image/png"]
        assert (shown["width"], shown["height"]) == (width, height)
        assert shown["alt"] == stepper.alt and f"step {stepper.state['step']}" in shown["alt"]


@pytest.mark.nb03
@pytest.mark.nb05
def test_the_steppers_live_in_their_own_modules():
    import importlib

    from nnlib import widgets

    network_module = importlib.import_module("nnlib.widgets.layer_stepper")
    stepper_module = importlib.import_module("nnlib.widgets.stepper")

    assert widgets.backprop_stepper is stepper_module.backprop_stepper
    assert widgets.network_stepper is network_module.network_stepper


@pytest.mark.nb03
def test_the_highlight_has_a_second_cue_besides_colour():
    L, _ = notebook_03_graph()
    stepper = backprop_stepper(L)
    stepper.go(3)
    boxes = [t.get_bbox_patch() for t in stepper.boxes]
    passing = boxes[stepper.state["passing"]]
    assert stepper.state["passing"] == 2
    receiving = [boxes[e.parent] for e in stepper.state["events"]]
    others = [p for p in boxes if p is not passing and all(p is not r for r in receiving)]
    assert len(receiving) == 2 and len(others) == 10
    assert passing.get_linewidth() >= 3 and passing.get_linestyle() == "-"
    assert all(r.get_linewidth() >= 2.5 and r.get_linestyle() == "--" for r in receiving)
    assert all(p.get_linewidth() <= 1 for p in others)


# --------------------------------------------------------------------------- a network, layer by layer


def network(seed=0, activation="tanh"):
    rng = np.random.default_rng(seed)
    model = nnlib.mlp([4, 6, 5, 3], activation=activation, rng=rng)
    for layer in model.dense_layers():
        layer.b[:] = 0.1 * rng.standard_normal(layer.b.shape)
    return model, rng.standard_normal((7, 4)), rng.integers(0, 3, 7)


@pytest.mark.nb05
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_the_network_stepper_ends_with_sequential_backwards_gradients(activation):
    model, X, y = network(activation=activation)
    reference = copy.deepcopy(model)
    stepper = network_stepper(model, nnlib.softmax_cross_entropy, X, y)
    L, dout = nnlib.softmax_cross_entropy(reference.forward(X), y)
    reference.backward(dout)
    state = stepper.to_end()
    assert state["step"] == 3 and state["loss"] == L
    for l, (mine, ref) in enumerate(zip(model.dense_layers(), reference.dense_layers()), start=1):
        assert np.array_equal(state["dW"][l], ref.dW) and np.array_equal(state["db"][l], ref.db), l
        assert np.array_equal(mine.dW, ref.dW), "the model is left as a full backward pass leaves it"


@pytest.mark.nb05
def test_each_network_step_adds_one_layer_by_the_four_equations():
    model, X, y = network()
    stepper = network_stepper(model, nnlib.softmax_cross_entropy, X, y)
    W = {l: d.W for l, d in enumerate(model.dense_layers(), start=1)}
    b = {l: d.b for l, d in enumerate(model.dense_layers(), start=1)}
    a, z = {0: X}, {}
    for l in (1, 2, 3):
        z[l] = a[l - 1] @ W[l] + b[l]
        a[l] = np.tanh(z[l]) if l < 3 else z[l]
    delta = {3: (nnlib.softmax(z[3]) - np.eye(3)[y]) / len(X)}                  # (BP1)
    state = stepper.reset()
    assert state["layer"] is None and list(state["deltas"]) == [3] and state["dW"] == {}
    assert np.allclose(state["deltas"][3], delta[3])
    for k, l in enumerate((3, 2, 1), start=1):
        state = stepper.step()
        assert state["step"] == k and state["layer"] == l and sorted(state["dW"]) == list(range(l, 4))
        assert np.allclose(state["dW"][l], a[l - 1].T @ delta[l])               # (BP4)
        assert np.allclose(state["db"][l], delta[l].sum(axis=0))                 # (BP3)
        if l > 1:
            delta[l - 1] = (delta[l] @ W[l].T) * (1 - np.tanh(z[l - 1]) ** 2)   # (BP2)
            assert np.allclose(state["deltas"][l - 1], delta[l - 1])
            assert np.allclose(state["upstream"] * state["f_prime"], state["deltas"][l - 1])
        assert np.isnan(state["dW_norms"][:l - 1]).all() and not np.isnan(state["dW_norms"][l - 1:]).any()
    assert stepper.back()["layer"] == 2 and sorted(stepper.state["dW"]) == [2, 3]


@pytest.mark.nb05
def test_the_network_stepper_refuses_what_it_cannot_step_through():
    model, X, y = network()
    with pytest.raises(TypeError, match="model must be a Sequential such as mlp builds"):
        network_stepper(model.layers, nnlib.softmax_cross_entropy, X, y)
    with pytest.raises(ValueError, match=r"X must have the model's 4 input columns, shape \(batch, 4\); got shape "
                                         r"\(7, 3\)"):
        network_stepper(model, nnlib.softmax_cross_entropy, X[:, :3], y)
    with pytest.raises(ValueError, match=r"loss must return \(L, dL/dy_hat\) with dL/dy_hat shaped like the output"):
        network_stepper(model, lambda out, y: (0.0, out[:, 0]), X, y)
    deep = nnlib.mlp([2] * 8 + [1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="8 dense layers; the stepper draws at most 6"):
        network_stepper(deep, nnlib.mse_loss, np.ones((3, 2)), np.ones((3, 1)))
