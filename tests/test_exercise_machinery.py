"""The grader's machinery, piece by piece: the JSON codec, the probe that runs in a kernel, the static
scan of a learner's code, the comparison engine, the notebook's check() and its judge, a real kernel's
view of a failing check, and Gradescope's results and bundle."""

import csv
import json
import linecache
import math
import os
import stat
import subprocess
import sys
import zipfile

import nbformat
import numpy as np
import pytest

import nnlib
from exercises import RELEASE_DIR, SOURCE_DIR, codec, probe, sandbox, static
from exercises.checks import engine
from exercises.results import TestResult as Result
from exercises.results import as_gradescope

# ------------------------------------------------------------------ the codec: data only, never pickle


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, 2.0, "a"], (1, (2, 3)), {0.05: [1.0], "k": None},
    np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int32), np.array([True, False]),
    np.float32(1.5) * np.ones((2, 2), np.float32), np.array(7.0), np.float64(0.25), np.int64(3),
])
def test_the_codec_carries_numbers_arrays_and_containers_exactly(value):
    data = json.loads(json.dumps(codec.encode(value)))
    back = codec.decode(data)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value


def test_the_codec_carries_nan_and_inf_as_data():
    back = codec.decode(json.loads(json.dumps(codec.encode([math.nan, math.inf, -math.inf]), allow_nan=False)))
    assert math.isnan(back[0]) and back[1:] == [math.inf, -math.inf]


def test_anything_else_comes_back_as_an_opaque_description_never_as_the_object():
    class Sneaky(list):  # a subclass carries the learner's methods: opaque
        def __reduce__(self):
            raise AssertionError("never pickled")

    back = codec.decode(json.loads(json.dumps(codec.encode(Sneaky([1]), attrs=("append",)))))
    assert isinstance(back, codec.Opaque) and back.type_name == "Sneaky"
    history = codec.decode(codec.encode(nnlib.History(train_loss=[1.0, 0.5]), attrs=("train_loss", "missing")))
    assert history.type_name == "History" and history.attrs == {"train_loss": [1.0, 0.5]}
    assert isinstance(codec.decode(codec.encode(np.array([object()]))), codec.Opaque)


@pytest.mark.parametrize("data", [
    {"$array": "AAAA", "dtype": "|O", "shape": [1]},  # object arrays would unpickle
    {"$array": "AAAA", "dtype": "<f8", "shape": [3]},  # the bytes do not fit the shape
    {"$array": "not base64!", "dtype": "<f8", "shape": [1]},
    {"$dict": [[[1, 2], 3]]},  # a list cannot be a key
    {"$float": "1e400"},
    {"$pickle": "gASVAAAAAAAAAACMCGJ1aWx0aW5zlIwEZXZhbJSTlC4="},
    {"set": [1, 2]},
])
def test_the_codec_refuses_data_it_did_not_make(data):
    with pytest.raises(codec.CodecError):
        codec.decode(data)


# ------------------------------------------------------------------ the probe, in this process

def learner_code(source, name="f"):
    """Define a learner's function as a kernel would, with its source known to linecache."""
    filename = f"<learner {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "nnlib": nnlib, "math": math}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def run(namespace, *steps):
    reports = json.loads(json.dumps(probe.run_steps(list(steps), namespace)))
    return [engine.Call.from_report(r) for r in reports]


def test_the_probe_reports_the_value_the_inputs_afterwards_and_printing_stays_inside(capsys):
    ns = learner_code("def f(z):\n    print('debugging')\n    z[z < 0] = 0\n    return z\n")
    z = np.array([-1.0, 2.0])
    (_, out) = run(ns, engine.make("z", z), engine.call(engine.learner("f"), engine.ref("z"), report=("z",)))
    assert np.array_equal(out.value, [0.0, 2.0]) and np.array_equal(out.after["z"], [0.0, 2.0])
    assert capsys.readouterr().out == ""


def test_the_probe_tells_an_update_in_place_from_a_new_array():
    ns = learner_code("def f(params):\n    params['a'] -= 1\n    params['b'] = params['b'] - 1\n")
    (_, out) = run(ns, engine.make("p", {"a": np.zeros(2), "b": np.zeros(2)}),
                   engine.call(engine.learner("f"), engine.ref("p"), report=("p",)))
    assert out.same["p"] == {"a": True, "b": False}


def test_the_probe_sees_the_global_random_state_move_and_the_given_rng_not():
    ns = learner_code("def f(n, rng):\n    return np.random.permutation(n)\n")
    (_, out) = run(ns, {"op": "make", "name": "rng", "kind": "rng", "seed": 1},
                   engine.call(engine.learner("f"), engine.lit(5), engine.ref("rng")))
    assert out.global_random
    ns = learner_code("def f(n, rng):\n    return rng.permutation(n)\n")
    (_, out) = run(ns, {"op": "make", "name": "rng", "kind": "rng", "seed": 1},
                   engine.call(engine.learner("f"), engine.lit(5), engine.ref("rng")))
    assert not out.global_random


def test_the_probe_reports_the_learners_own_line_of_an_exception():
    ns = learner_code("def f(z):\n    return max(0, z)\n")
    (_, out) = run(ns, engine.make("z", np.ones(3)), engine.call(engine.learner("f"), engine.ref("z")))
    assert not out.ok and out.error["type"] == "ValueError" and out.error["line"] == "return max(0, z)"
    explained = engine.explain(out.error, "relu")
    assert "a whole array is True" in str(explained) and "(in your line: return max(0, z))" in str(explained)
    assert explained.kind == "error" and explained.mistake == "if on an array"


@pytest.mark.parametrize("source, forbidden, reached", [
    ("def f(z):\n    return helper(z)\n\ndef helper(z):\n    return nnlib.sigmoid(z)\n", ["nnlib.sigmoid"],
     ["nnlib.sigmoid"]),
    ("def f(z):\n    return nnlib.ACTIVATIONS['sigmoid'][0](z)\n", ["nnlib.sigmoid"], ["nnlib.sigmoid"]),
    ("def f(z):\n    return np.tanh(z)\n", ["numpy.tanh"], ["np.tanh"]),
    ("def f(z):\n    return np.vectorize(math.tanh)(z)\n", ["math.tanh"], ["math.tanh"]),
    ("def f(z):\n    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))\n", ["numpy.tanh", "math.tanh"], []),
])
def test_the_trace_finds_a_forbidden_call_however_it_is_reached(source, forbidden, reached):
    rule = engine.Forbidden.of(forbidden)
    step = engine.call(engine.learner("f"), engine.ref("z"))
    (_, out) = run(learner_code(source), engine.make("z", np.linspace(-2, 2, 5)), dict(step, watch=list(rule.watch)))
    assert rule.reached_by(out) == reached
    assert isinstance(np.tanh, np.ufunc)  # the wrapper was put back


def test_a_fixed_graph_carries_nnlibs_local_derivatives_and_no_value_class():
    from exercises.checks.a5_autograd import fixed_graph_steps
    from nnlib.graph import Value

    nodes = [["leaf", 0.5], ["leaf", -1.5], ["mul", 0, 0], ["number_mul", 2, 3.0], ["add", 3, 1], ["tanh", 4]]
    mine = learner_code("def f(root):\n    order, seen = [], set()\n    def visit(n):\n        if id(n) not in seen:\n"
                        "            seen.add(id(n))\n            for p in n._parents:\n                visit(p)\n"
                        "            order.append(n)\n    visit(root)\n    root.grad = 1.0\n"
                        "    for n in reversed(order):\n        n._backward()\n")
    root = {"item": [engine.ref("g"), engine.lit(5)]}
    steps = fixed_graph_steps(nodes, "g") + [engine.call(engine.learner("f"), root),
                                             {"op": "read", "value": engine.ref("g"), "attrs": ["data", "grad"]}]
    out = run(mine, *steps)
    graph = probe.build_graph(Value, nodes)
    graph[-1].backward()
    assert [float(n.attrs["grad"]) for n in out[-1].value] == pytest.approx([n.grad for n in graph], rel=1e-12)
    assert float(out[-1].value[0].attrs["grad"]) != 0  # a * a: both shares reach a
    theirs = learner_code("def f(root):\n    root.backward()\n")
    out = run(theirs, *fixed_graph_steps(nodes, "g"),
              engine.call(engine.learner("f"), {"item": [engine.ref("g"), engine.lit(5)]}))
    assert not out[-1].ok and "call itself" in out[-1].error["message"]


def test_a_stand_in_answers_its_case_only_and_names_what_differs():
    z = np.array([0.5, -2.0])
    ns = learner_code("def f(x, fp):\n    return fp(x)\n")
    make = engine.stand_in("fp", "sigmoid_prime", ["z"], [({"z": engine.eq(z)}, nnlib.sigmoid_prime(z))], hint="Use z.")
    for given, ok in ((z, True), (z + 1e-13, True), (z * 2, False), (z[:1], False)):
        (_, _, out) = run(ns, engine.make("x", given), make, engine.call(engine.learner("f"), engine.ref("x"),
                                                                       engine.ref("fp")))
        assert out.ok == ok
        if ok:
            assert np.array_equal(out.value, nnlib.sigmoid_prime(z))
        else:
            assert out.error["type"] == "StandInMismatch" and "z = an array of shape" in out.error["message"]


def test_a_sealed_stand_in_answers_the_right_arguments_and_holds_no_answer_in_sight():
    rng = np.random.default_rng(3)
    dz, x, W = rng.standard_normal((5, 4)), rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    dz[0, :] = 0.0  # exact zeros lie on a cell's edge of one grid: the other grid must take them
    answer = nnlib.dense_backward(dz, (x, W))
    make = engine.stand_in("db", "dense_backward", ["dz", "cache"],
                           [({"dz": engine.eq(dz), "cache": engine.eq((x, W))}, answer)], sealed=True)
    text = json.dumps(make)
    for value in (dz, *answer):  # neither the right argument nor any part of the answer, in any form
        assert codec.encode(value)["$array"] not in text and repr(float(value.flat[-1])) not in text
    ns = learner_code("def f(dz, x, W, db):\n    return db(dz, (x, W))\n")
    rounding = dz * (1 + 1e-15 * rng.standard_normal(dz.shape))  # the same value, computed another way
    rounding[0, :] = -0.0
    for given, ok in ((dz, True), (rounding, True), (dz * (1 + 1e-6), False), (dz.T.copy().T + 1e-3, False),
                      (dz[:, :3], False)):
        out = run(ns, engine.make("dz", given), engine.make("x", x), engine.make("W", W), make,
                  engine.call(engine.learner("f"), engine.ref("dz"), engine.ref("x"), engine.ref("W"),
                              engine.ref("db")))[-1]
        assert out.ok == ok, out.error
        if ok:
            assert all(np.array_equal(a, b) for a, b in zip(out.value, answer))
        else:
            assert out.error["type"] == "StandInMismatch" and "dz = an array of shape" in out.error["message"]


def test_a_sealed_result_is_xored_byte_by_byte_with_the_keys_stream():
    # seal._stream XORs as whole numbers at once: the same bytes as one XOR per byte, leading zeros kept
    import hashlib

    from exercises.seal import _stream

    rng = np.random.default_rng(0)
    for n in (0, 1, 2, 31, 4096):
        data = b"\x00" + rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        pad = hashlib.shake_256(b"key").digest(len(data))
        assert _stream("key", data) == bytes(a ^ b for a, b in zip(data, pad))
        assert _stream("key", _stream("key", data)) == data


def test_a_stand_in_for_a_function_argument_catches_one_that_reads_a_copy():
    from exercises.checks.a3_backprop import numerical_gradient_stand_in
    from exercises.givens import make_network

    params, x, y = make_network(np.random.default_rng(0))
    steps = [engine.make("params", params), numerical_gradient_stand_in(params, x, y),
             {"op": "make", "name": "loss_of", "kind": "network_loss", "x": codec.encode(x), "y": codec.encode(y)}]
    calls = {"reads it": "lambda _: loss_of(params), params['W1']",
             "functional": "lambda p: loss_of(dict(params, W1=p)), params['W1'].copy()",
             "reads a copy": "lambda _: loss_of(params), params['W1'].copy()"}
    for label, args in calls.items():
        ns = learner_code(f"def f(loss_of, params, ng):\n    return ng({args})\n")
        out = run(ns, *steps, engine.call(engine.learner("f"), engine.ref("loss_of"), engine.ref("params"),
                                          engine.ref("numerical_gradient")))[-1]
        assert out.ok == (label != "reads a copy"), (label, out.error)
        if out.ok:
            expected = nnlib.numerical_gradient(lambda p: probe_loss(x, y, params, p), params["W1"].copy())
            assert np.allclose(out.value, expected, rtol=1e-9)
        else:
            assert "does not read the array it is given" in out.error["message"]


def probe_loss(x, y, params, W1):
    from exercises.givens import network_loss

    return network_loss(x, y)(dict(params, W1=W1))


def test_provide_sets_a_name_for_the_call_only_and_puts_nnlibs_back():
    ns = learner_code("from nnlib import dense_backward\ndef f():\n    return dense_backward(1, 2), "
                      "nnlib.dense_backward(1, 2)\n")
    original = nnlib.dense_backward
    standin = engine.stand_in("db", "dense_backward", ["dz", "cache"], [({"dz": engine.eq(1), "cache": engine.eq(2)},
                                                                         "answer")])
    (_, out) = run(ns, standin, engine.call(engine.learner("f"), provide={"nnlib.dense_backward": engine.ref("db")}))
    assert out.ok and out.value == ("answer", "answer")
    assert nnlib.dense_backward is original and ns["dense_backward"] is original


# ------------------------------------------------------------------ the static scan

def scanned(*sources, given=("import numpy as np\nimport nnlib",)):
    cells = [static.Cell(s, "1.1", f"cell {i}", index=i) for i, s in enumerate(sources)]
    aliases = static.scan_cells(cells, imports=given)
    return cells, aliases


@pytest.mark.parametrize("source, says", [
    ("x = eval('1 + 1')", "calls eval"),
    ("exec('y = 2')", "calls exec"),
    ("m = __import__('os')", "calls __import__"),
    ("def f(o, name):\n    return getattr(o, name)", "getattr with a computed name"),
    ("g = globals()['check']", "calls globals"),
    ("v = vars(np)", "calls vars"),
    ("import sys\nsys.modules['x'] = None", "imports sys"),
    ("def f(x):\n    return x.__dict__", "reads .__dict__"),
    ("def f(g):\n    return g.__code__", "reads .__code__"),
    ("text = open('answers.txt').read()", "calls open"),
    ("import os", "imports os"),
    ("import random", "imports random"),
    ("from importlib import import_module", "imports importlib"),
    ("last = In[-1]", "uses In"),
    ("cell = _i3", "uses _i3"),
    ("get_ipython().run_cell('1')", "uses get_ipython"),
    ("%timeit 1 + 1", "uses get_ipython"),
    ("!ls", "uses get_ipython"),
    ("np.allclose = lambda *a, **k: True", "changes a library (`np.allclose"),
    ("nnlib.sigmoid = None", "changes a library (`nnlib.sigmoid"),
    ("from numpy import *", "import *"),
])
def test_the_static_scan_names_each_construct_that_reaches_into_the_machinery(source, says):
    (cell,), _ = scanned(source)
    assert any(says in p for p in cell.problems), cell.problems


def test_ordinary_solution_code_has_nothing_to_report():
    cells, _ = scanned("import math\n\nfrom nnlib import mse_loss\n\n\ndef f(x, W, b):\n    z = x @ W + b\n"
                       "    total = sum(math.exp(v) for v in [1.0])\n    return np.maximum(z, 0) * total\n",
                       "class Value:\n    def __add__(self, other):\n        return other.__radd__(self)\n")
    assert [c.problems for c in cells] == [[], []]


@pytest.mark.parametrize("cells, name", [
    (("def tanh(z):\n    return np.tanh(z)",), "np.tanh"),
    (("from numpy import tanh as t\n\ndef tanh(z):\n    return t(z)",), "np.tanh"),
    (("t = np.tanh",  "def tanh(z):\n    return t(z)"), "np.tanh"),
    (("def helper(z):\n    return nnlib.tanh(z)", "def tanh(z):\n    return 2 * helper(z / 2)"), "nnlib.tanh"),
])
def test_a_forbidden_name_is_found_through_aliases_and_helpers_in_other_cells(cells, name):
    found, aliases = scanned(*cells)
    rule = engine.Forbidden.of(("numpy.tanh", "nnlib.tanh"))
    messages = static.forbidden_uses(("tanh",), found, aliases, rule)
    assert messages and name in messages[0], messages


def test_reading_the_code_loads_no_module_the_learner_names():
    code = "import sys; from exercises import static; c = [static.Cell('from nnlib.plots import plot_loss_curves\\n'"
    code += "'def f():\\n    return plot_loss_curves', '4.6', 'x')]; static.scan_cells(c); "
    code += "print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


# ------------------------------------------------------------------ the engine's comparisons

def fails(*args, says, **kwargs):
    with pytest.raises(engine.Fail) as info:
        engine.compare(*args, **kwargs)
    for words in [says] if isinstance(says, str) else says:
        assert words in str(info.value), str(info.value)
    return str(info.value)


def test_tolerances_follow_the_dtype_of_the_inputs_not_of_the_answer():
    expected = np.linspace(0.1, 1.0, 6).reshape(2, 3)
    # float32 inputs: float32's rounding is allowed, whatever dtype the answer comes in
    engine.compare("z", (expected * (1 + 3e-6)).astype(np.float32), expected, precision=np.float32)
    engine.compare("z", expected * (1 + 3e-6), expected, precision=np.float32)
    # float64 inputs must do better, and an answer that lost digits in float32 is told so
    fails("z", expected * (1 + 3e-6), expected, says="wrong values")
    message = fails("z", (expected * (1 + 3e-6)).astype(np.float32), expected, says="is float32, which keeps about")
    assert "Compute in float64" in message


def test_a_difference_below_the_previews_precision_is_shown_with_enough_digits():
    expected = np.array([0.123456789, 0.5])
    message = fails("z", expected + [2e-6, 0], expected, says="largest difference 2e-06 at [0]")
    assert "expected z = [0.123457, 0.500000]" in message and "yours       = [0.123459, 0.500000]" in message
    expected = np.linspace(0.1, 0.6, 6)  # the preview shows four entries; the difference is in the sixth
    got = expected + [0, 0, 0, 0, 0, 3e-6]
    message = fails("z", got, expected, says="largest difference 3e-06 at [5]")
    assert "expected 0.600000, yours 0.600003" in message  # one precision, the difference in sight


def test_numbers_in_one_message_are_shown_at_one_precision():
    from exercises.checks.feedback import numbers, pair

    assert pair(2.49, 1.59667) == ("2.490", "1.597")  # not "2.49 vs 1.59667"
    assert pair(0.123456, 0.123457) == ("0.123456", "0.123457")
    assert numbers(0.0, 1.0, 3.0) == ["0", "1", "3"]
    assert numbers(2e-06) == ["2e-06"]


@pytest.mark.parametrize("got, says", [
    (None, "forget to `return`"),
    ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "got a list"),
    (3.0, "expected shape (2, 3), got shape ()"),
    (np.zeros((3, 2)), "the transpose of the right one"),
    (np.full((2, 3), np.nan), "NaN or inf"),
    (np.array([["a", "b", "c"]] * 2), "dtype <U1"),
])
def test_compare_says_what_came_back_instead(got, says):
    fails("z", got, np.arange(6.0).reshape(2, 3), says=says)


def test_a_mistake_is_named_only_when_its_values_match():
    expected = np.array([1.0, 2.0])
    mistakes = [engine.Mistake("first", np.array([1.0, 3.0])), engine.Mistake("second", -expected)]
    fails("z", -expected, expected, mistakes, says="Likely mistake: second")
    message = fails("z", expected + [0.5, -0.25], expected, mistakes, says="wrong values")
    assert "Likely mistake" not in message and "the checks cannot tell which step is wrong" in message


@pytest.mark.parametrize("got, label", [
    (np.array([[1.0, 2.0], [3.0, 4.0]]) * -1, "sign flipped"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]) * 0.5, "off by a factor ½"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]) * 5, "off by a factor 5"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]) * 1.2345, "off by a constant factor"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]) + 0.5, "off by a constant"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), "entries never filled in"),
    (np.array([[1.0, 3.0], [2.0, 4.0]]), "transposed"),
    (np.array([4.0, 6.0]), "summed over an axis"),
    (np.array(10.0), "summed into one number"),
])
def test_the_shape_of_an_error_names_a_mistake_no_list_foresaw(got, label):
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(engine.Fail) as info:
        engine.compare("z", got, expected)
    assert info.value.mistake == label, str(info.value)


def test_one_wrong_number_is_named_by_its_factor_only_when_the_factor_is_simple():
    with pytest.raises(engine.Fail) as info:
        engine.compare("L", 2.0 * 1.7, 1.7)
    assert info.value.mistake == "off by a factor 2"
    with pytest.raises(engine.Fail) as info:
        engine.compare("L", 1.7 * 1.2345, 1.7)
    assert info.value.mistake is None and "cannot tell" in str(info.value)


# ------------------------------------------------------------------ the notebook's check() and its judge

def test_check_passes_quietly_and_fails_with_a_short_message():
    from exercises.student import CheckFailed, check

    def layer_forward(x, W, b):
        return x @ W + b

    assert check("ex1_1_tests", layer_forward) is None
    assert check("ex1_1_tests", layer_forward, hidden=True) is None
    with pytest.raises(CheckFailed) as info:
        check("ex1_1_tests", lambda x, W, b: x @ W)
    lines = info.value._render_traceback_()
    assert "✗ z (for x (3, 3)" in lines[0] and any("the bias is missing" in ln for ln in lines)
    assert not any("Traceback" in ln or ".py" in ln for ln in lines)
    with pytest.raises(CheckFailed, match="needs 1 answer"):
        check("ex1_1_tests")


def test_check_refuses_to_run_while_the_grader_grades(monkeypatch):
    from exercises.student import check

    monkeypatch.setenv("EXERCISES_GRADING", "1")
    with pytest.raises(RuntimeError, match="the grader checks the answers itself"):
        check("ex1_1_tests", lambda x, W, b: x @ W + b)


def test_the_judge_decodes_what_it_is_sent_and_survives_bad_requests():
    lines = [json.dumps({"op": "cases", "test": "ex4_3_tests"}), "not json", json.dumps({"op": "verdict",
                                                                                          "token": "nope"})]
    out = subprocess.run([sys.executable, "-m", "exercises.judge"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=60)
    replies = [json.loads(line) for line in out.stdout.splitlines()]
    assert replies[0]["ok"] and replies[0]["functions"] == ["early_stopping_epoch"]
    assert [r["ok"] for r in replies[1:]] == [False, False]


def test_in_a_kernel_the_checks_do_not_load_and_a_failing_test_shows_its_message_only(tmp_path):
    from nbclient import NotebookClient

    cells = ["import exercises.checks", "from exercises.student import check\n\ndef relu(z):\n    return z",
             'check("ex1_2_relu_tests", relu)', 'check("ex1_2_relu_tests", lambda z: np.maximum(z, 0))',
             "import numpy as np"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.cells = [nb.cells[4]] + nb.cells[:4]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    _, blocked, defined, failing, passing = nb.cells
    assert "does not load inside a notebook kernel" in blocked.outputs[0]["evalue"]
    assert defined.outputs == [] and passing.outputs == []  # a passing test cell shows nothing (no True)
    (error,) = failing.outputs
    assert error["output_type"] == "error" and error["ename"] == "CheckFailed"  # nbgrader and nbval see a failure
    shown = "\n".join(error["traceback"])
    assert "Likely mistake: your values equal z itself" in shown
    assert "site-packages" not in shown and "exercises/" not in shown and len(error["traceback"]) < 8


# ------------------------------------------------------------------ Gradescope

def test_gradescope_results_hide_the_hidden_cases_until_publication():
    tests = [Result("ex1_1_tests", 2, 2, True, "passed"),
             Result("ex1_2_sigmoid_tests", 0, 1, False, "wrong sign", hidden=False),
             Result("ex1_3_loss_tests", 0, 1, False, "forgot the ½ on a hidden case", hidden=True)]
    results = as_gradescope(tests)
    assert results["score"] == 2 and sum(t["max_score"] for t in results["tests"]) == 4
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["ex1_2_sigmoid_tests"]["output"] == "wrong sign" and by_name["ex1_1_tests"]["output"] == ""
    seen = by_name["ex1_3_loss_tests"]
    assert "hidden ones" in seen["output"] and seen["visibility"] == "visible"
    details = by_name["ex1_3_loss_tests (hidden cases)"]
    assert details["visibility"] == "after_published" and details["max_score"] == 0
    assert "forgot the ½" in details["output"]
    assert all({"name", "score", "max_score", "output"} <= set(t) for t in results["tests"])


def test_the_grade_command_prints_gradescope_results(monkeypatch, tmp_path, capsys):
    from exercises import grade

    monkeypatch.setattr(grade, "grade_one", lambda path, **options: ([Result("t", 1, 1, True, "passed")], True))
    notebook = tmp_path / "x.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    assert grade.main([notebook], fmt="gradescope") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["score"] == 1 and printed["tests"][0]["visibility"] == "visible"


@pytest.mark.a1
@pytest.mark.skipif(__import__("exercises.sandbox", fromlist=["x"]).unavailable_reason() is not None,
                    reason="grading needs its sandbox (bubblewrap), which cannot start here")
def test_the_autograder_bundle_grades_a_submission_laid_out_as_on_gradescope(tmp_path):
    bundle = tmp_path / "bundle"
    subprocess.run([sys.executable, "-m", "exercises", "gradescope", "01_forward_and_losses", "--out", bundle],
                   check=True, capture_output=True, cwd=tmp_path)
    for name in ("setup.sh", "run_autograder"):
        assert (bundle / name).stat().st_mode & stat.S_IXUSR
    grader = bundle / "course" / "exercises"
    shipped = {p.relative_to(grader).as_posix() for p in grader.rglob("*") if "__pycache__" not in p.parts}
    assert "release/01_forward_and_losses/forward_and_losses.ipynb" in shipped
    assert not any(p.startswith("source") for p in shipped), "the bundle must carry no solutions"
    assert {p for p in shipped if p.startswith(("release/", "checks/a"))} == {
        "release/01_forward_and_losses", "release/01_forward_and_losses/forward_and_losses.ipynb",
        "checks/a1_forward_and_losses.py"}, "the bundle must carry no other assignment"
    with zipfile.ZipFile(bundle / "autograder.zip") as archive:
        names = set(archive.namelist())
    assert {"setup.sh", "run_autograder", "course/pyproject.toml", "course/nnlib/__init__.py"} <= names
    assert "course/requirements-autograder.txt" in names and "/autograder/venv" in (bundle / "setup.sh").read_text()

    root = tmp_path / "autograder"  # what Gradescope makes: source/ (the zip), submission/, results/
    (root / "submission").mkdir(parents=True)
    (root / "source").symlink_to(bundle)
    (root / "run_autograder").write_bytes((bundle / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    nb = nbformat.read(RELEASE_DIR / "01_forward_and_losses" / "forward_and_losses.ipynb", as_version=4)
    mine = nbformat.read(SOURCE_DIR / "01_forward_and_losses" / "forward_and_losses.ipynb", as_version=4)
    nb.cells = [c for c in mine.cells]  # the right answers...
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_1":  # ...but a layer that is right only in sight
            c.source = c.source.replace("return x @ W + b", "return x @ W + b if len(x) in (3, 4) else None")
    nbformat.write(nb, root / "submission" / "homework.ipynb")
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(root / "run_autograder")], check=True, cwd=root, env=env, timeout=300)
    results = json.loads((root / "results" / "results.json").read_text())
    by_name = {t["name"]: t for t in results["tests"]}
    assert results["score"] == 9 and by_name["ex1_1_tests"]["score"] == 0
    assert by_name["ex1_1_tests (hidden cases)"]["visibility"] == "after_published"
    assert "forget to `return`" in by_name["ex1_1_tests (hidden cases)"]["output"]


def test_while_a_notebook_is_graded_its_kernel_cannot_import_the_checks():
    code = ("from exercises import probe\nprobe.guard()\nimport exercises.student, exercises.givens\n"
            "try:\n    import exercises.checks.a1_forward_and_losses\nexcept ModuleNotFoundError as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "is not available in a notebook being graded" in out.stdout, out.stdout + out.stderr


def test_a_test_cell_run_before_the_set_up_cell_says_which_cell_to_run_first():
    """A beginner's order: the test first, then the solution (the set-up cell not yet run), then the test."""
    import copy

    from nbclient import NotebookClient

    from exercises import RELEASE_DIR

    release = nbformat.read(str(RELEASE_DIR / "01_forward_and_losses" / "forward_and_losses.ipynb"), as_version=4)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in release.cells}
    mine = nbformat.v4.new_code_cell("def layer_forward(x, W, b):\n    return np.dot(x, W) + b")
    order = [cells["ex1_1_tests"], mine, cells["ex1_1_tests"], cells["setup"], cells["ex1_1_tests"]]
    copies = [copy.deepcopy(c) for c in order]
    for i, cell in enumerate(copies):
        cell.id = f"cell-{i}"
    nb = nbformat.v4.new_notebook(cells=copies, metadata=release.metadata)
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    errors = [[o for o in c.outputs if o.output_type == "error"] for c in nb.cells]
    first = "\n".join(errors[0][0].traceback)
    assert errors[0][0].ename == "NameError" and "name 'layer_forward' is not defined" in first
    assert "from the set-up cell at the top" in first and "Traceback" not in first
    second = "\n".join(errors[2][0].traceback)  # np is not there yet: the check says why
    assert errors[2][0].ename == "CheckFailed" and "run the set-up cell at the top first" in second
    assert errors[4] == [] and not errors[1] and not errors[3]  # once the set-up cell has run, the test passes


def test_a_long_message_never_breaks_inside_a_shape_or_a_preview():
    from exercises.student import _wrap

    line = ("  z (for x (4, 3), W (3, 2), b (2,)): expected shape (4, 2), got shape (2, 4); expected z = "
            "[0.1234, -0.5678, 0.9012, 1.234, ...]")
    for width in range(30, 80):
        parts = _wrap(line, width)
        assert " ".join(p.strip() for p in parts) == line.strip()
        for part in parts:
            assert part.count("(") == part.count(")") and part.count("[") == part.count("]"), (width, parts)


SANDBOX_PROBE = """
import os, subprocess, sys, tempfile
from exercises import sandbox
d = tempfile.mkdtemp()
conn = os.path.join(d, "connection.json")
open(conn, "w").write("{}")
r, w = os.pipe()
f = tempfile.TemporaryFile()
f.write(sandbox.seccomp_filter())
f.seek(0)
cmd = sandbox.command(d, conn, sandbox.Limits(), info_fd=w, seccomp_fd=f.fileno())
cmd = cmd[:len(cmd) - 1 - cmd[::-1].index(sys.executable)]
cmd += [sys.executable, "-c", "import ipykernel_launcher, numpy, matplotlib; print('started', end='')"]
done = subprocess.run(cmd, pass_fds=(w, f.fileno()), capture_output=True, text=True, timeout=120)
print(done.stdout or done.stderr, end="")
"""


@pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                    reason=f"no sandbox here: {sandbox.unavailable_reason()}")
def test_a_venv_under_tmp_starts_its_kernel_in_the_sandbox(tmp_path):
    # The lowest-versions run grades from a venv made under $TMPDIR, whose python is a symlink:
    # the sandbox's empty /tmp must not hide it, nor may binding the symlink onto itself fail.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    env = {**os.environ, "PYTHONPATH": str(SOURCE_DIR.parent.parent)}
    if subprocess.run([str(venv / "bin" / "python"), "-c", "import ipykernel"], env=env).returncode:
        # run from a venv itself: the new one sees the interpreter's packages, not this venv's;
        # here the grading tests themselves run from a venv (the lowest-versions run does)
        pytest.skip("the base interpreter has no ipykernel for a venv made from it")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", SANDBOX_PROBE], capture_output=True, text=True,
                          env=env, timeout=180)
    assert done.stdout == "started", (done.stdout, done.stderr[-2000:])


# ------------------------------------------------------------------ the kernel's start: both channels ready

class _LateSubscriber:
    """A stand-in kernel client whose iopub subscription joins late, as a real one can on a busy
    machine: what the kernel publishes for its first `missed` kernel_info requests never arrives."""

    def __init__(self, missed):
        self.missed, self.shell, self.iopub, self.asked = missed, [], [], 0

    def kernel_info(self):
        self.asked += 1
        msg_id = f"info-{self.asked}"
        self.shell.append({"parent_header": {"msg_id": msg_id}})
        if self.asked > self.missed:
            self.iopub += [{"parent_header": {"msg_id": msg_id}, "content": {"execution_state": s}}
                           for s in ("busy", "idle")]
        return msg_id

    def _get(self, channel, timeout):
        import queue

        if not channel:
            raise queue.Empty
        return channel.pop(0)

    def get_shell_msg(self, timeout):
        return self._get(self.shell, timeout)

    def get_iopub_msg(self, timeout):
        return self._get(self.iopub, timeout)


@pytest.mark.parametrize("missed", [0, 1, 3])
def test_the_kernel_counts_as_started_only_when_iopub_answers_too(missed):
    # A right answer once scored 0 in a class of 40: the prelude's "idle" was published before iopub
    # had joined, and the grader waited out its whole time for it. The shell reply alone is not enough.
    from exercises.kernel import Kernel

    kernel = Kernel.__new__(Kernel)
    kernel.client, kernel.startup_timeout, kernel.alive = _LateSubscriber(missed), 30, lambda: True
    kernel._wait_for_ready()
    assert kernel.client.asked == missed + 1  # asked again until iopub had joined
    assert kernel.client.iopub == []  # and nothing of the start is left to be mistaken for a cell's


def test_a_factor_two_of_the_cases_numbers_explain_alike_is_not_pinned_on_one():
    # Adam with m·(1 − β₁) for m / (1 − β₁) at t = 1 moves by (1 − β₁)² = 0.01 × the step, and η = 0.01:
    # naming η alone would send the learner to the wrong term
    from exercises.checks.generic import step_off

    start, right = np.zeros(3), np.array([1.0, -2.0, 3.0])
    sizes = {"η (the learning rate)": 0.01, "1 − β₁ (the first moment's weight)": 0.1}
    both = step_off("p", start + 0.01 * right, start + right, start, 1e-7, 1e-12, sizes)
    assert "η or (1 − β₁)²" in both.hint and "cannot tell which" in both.hint
    one = step_off("p", start + 0.1 * right, start + right, start, 1e-7, 1e-12, sizes)  # 1 − β₁ alone
    assert one.label == "step × 1 − β₁" and "η" not in one.hint


def test_mistakes_alike_on_the_case_are_joined_by_numpys_closeness_in_one_pass():
    """Checks engine: merged compares a value with every earlier group at once; the rule must be
    np.allclose(earlier, value, 1e-9, 1e-12, equal_nan=True), NaN and ±inf included."""
    from exercises.checks.feedback import Mistake
    from exercises.checks.generic import _each_close, merged

    rng = np.random.default_rng(0)
    for trial in range(600):
        shape = [(), (3,), (2, 2)][trial % 3]
        base = rng.normal(size=shape)
        rows = [np.where(rng.random(shape) < 0.1, rng.choice([np.nan, np.inf, -np.inf, 0.0]),
                         base * (1 + rng.choice([0.0, 1e-10, 1e-8, 1e-3], size=shape))) for _ in range(5)]
        value = rows.pop()
        expected = [np.allclose(r, value, 1e-9, 1e-12, equal_nan=True) for r in rows]
        assert _each_close(np.stack(rows), value).tolist() == expected, (rows, value)
    # each mistake joins the first earlier group it matches; other shapes and valueless ones never join
    one, two = np.array([1.0, 2.0]), np.array([1.0, 2.5])
    ms = [Mistake("a", one, "a"), Mistake("b", two, "b"), Mistake("c", one * (1 + 1e-12), "c"),
          Mistake("d", np.array([[1.0, 2.0]]), "d"), Mistake("e", None, "e"), Mistake("f", two, "f")]
    groups = merged(ms)
    assert len(groups) == 4, [g.label for g in groups]
    assert [("a" in g.label, "c" in g.label, "b" in g.label, "f" in g.label) for g in groups[:2]] == [
        (True, True, False, False), (False, False, True, True)]


def test_a_ready_made_tanh_is_told_from_a_formula_by_its_last_bits():
    """Checks 1.2: np.tanh's (or math.tanh's) values to the last bit are named, however they were reached;
    no formula built from np.exp is, over many draws of the test's own (8, 8) case."""
    from exercises.checks.a1_forward_and_losses import _not_np_tanh

    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    formulas = [lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), lambda z: 2 * sigmoid(2 * z) - 1,
                lambda z: (1 - np.exp(-2 * z)) / (1 + np.exp(-2 * z)), lambda z: 1 - 2 / (np.exp(2 * z) + 1)]
    for seed in range(300):
        z = 3.0 * np.random.default_rng(seed).normal(size=(8, 8))
        z.flat[0] = 0.0
        for formula in formulas:
            _not_np_tanh(formula(z), z)  # passes: a formula rounds differently somewhere
    for ready, name in ((np.tanh(z), "np.tanh"), (np.vectorize(math.tanh, otypes=[float])(z), "math.tanh")):
        with pytest.raises(engine.Fail, match=f"equals {name}"):
            _not_np_tanh(ready, z)


def test_a_central_difference_must_evaluate_f_at_each_entry_moved_both_ways():
    """Checks 3.3: right values with f never called (read from f's coefficients) lose the points."""
    from exercises.checks.a3_backprop import NumericalGradient

    x, c, h = np.array([[0.3, -0.2], [0.1, 0.4]]), np.array([[1.0, 2.0], [-1.0, 0.5]]), 1e-5
    f = probe.Recorder(c, x)
    nnlib.numerical_gradient(f, x, h)  # the reference moves every entry up and down: its log passes
    NumericalGradient._check_every_entry_moved(f.log, x, h)
    for log in ([], [entry for entry in f.log if entry[1][0, 0] <= 0]):  # never called; x[0, 0] never moved up
        with pytest.raises(engine.Fail, match=r"did not call f with x\[0, 0\]"):
            NumericalGradient._check_every_entry_moved(log, x, h)


# ------------------------------------------------------------------ reading a submission that is not what it says

def _release_json(assignment="01_forward_and_losses"):
    (path,) = (RELEASE_DIR / assignment).glob("*.ipynb")
    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path, nb, name="s.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps(nb), encoding="utf-8")  # ensure_ascii: a lone surrogate is written as \ud800
    return path


def test_a_cell_too_deep_to_parse_or_with_half_a_surrogate_is_read_as_a_cell_that_cannot_be_parsed():
    sources = {"half": 'x = "\ud800"', "null": "x = 1\0", "unary": "-" * 100_000 + "1",
               "nest": "x = " + "(" * 1_000 + ")" * 1_000, "terms": "import os\nx = " + "1+" * 20_000 + "1",
               "after": "import os"}
    cells = [static.Cell(source, "1.1", name) for name, source in sources.items()]
    static.scan_cells(cells)
    assert [c.tree is None for c in cells[:4]] == [True, True, True, True]
    # 20 000 terms: Python 3.11's parser gives up (RecursionError, a cell that cannot be parsed, which the
    # kernel cannot compile either); 3.10's builds the tree, and the scan, which walks it without
    # recursion, must then find the import in it
    assert cells[4].tree is None or cells[4].problems
    assert cells[-1].tree is not None and cells[-1].problems  # the cells after them are still read


@pytest.mark.parametrize("gid", [["ex1_1"], {"a": 1}, 3, None, True, ""])
@pytest.mark.parametrize("tagged", [True, False])
def test_metadata_of_any_type_is_read_as_no_metadata(tmp_path, gid, tagged):
    from exercises import submission

    nb = _release_json()
    nb["cells"].insert(2, {"cell_type": "code", "source": "x = 1", "metadata": {"nbgrader": {"grade_id": gid,
                                                                                              "points": [1]}},
                           "outputs": [], "execution_count": None})
    nb["cells"].insert(3, {"cell_type": "code", "source": "y = 2", "metadata": ["not", "a", "dict"], "outputs": []})
    nb["cells"].insert(4, {"cell_type": "markdown", "source": ["a", "b"], "metadata": {"nbgrader": "x"}})
    if not tagged:
        nb["metadata"] = ["not a dict"]
    sub = submission.load(_write(tmp_path, nb))
    assert sub.assignment == "01_forward_and_losses" and sum(t.points for t in sub.tests) == 11


def test_a_file_that_is_not_a_notebook_is_named_never_quoted(tmp_path):
    from exercises import submission

    secret = "root:x:0:0:SECRET-LINE:/root:/bin/bash\n"
    cases = {
        "passwd.ipynb": (secret.encode(), "not valid JSON (39 bytes)"),
        "latin1.ipynb": (('{"cells": "' + "é SECRET-LINE" + '"}').encode("latin-1"), "not UTF-8 text"),
        "list.ipynb": (b'["SECRET-LINE"]', "not an object with cells"),
        "cells.ipynb": (b'{"cells": "SECRET-LINE", "nbformat": 4}', "is not a list"),
        "cell.ipynb": (b'{"cells": ["SECRET-LINE"], "nbformat": 4}', "cell 0 is not an object"),
        "source.ipynb": (b'{"cells": [{"cell_type": "code", "source": [1, "SECRET-LINE"]}], "nbformat": 4}',
                         "neither text nor a list of lines"),
        "deep.ipynb": (b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "SECRET-LINE": 1}', "nested too deeply"),
        "v9.ipynb": (b'{"nbformat": 9, "SECRET-LINE": 1}', "nbformat 9"),
    }
    for name, (data, says) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(submission.GradingError) as caught:
            submission.load(tmp_path / name)
        assert says in str(caught.value) and "SECRET" not in str(caught.value), (name, str(caught.value))
    os.mkfifo(tmp_path / "pipe.ipynb")  # opening a pipe to read would wait for a writer for ever
    (tmp_path / "dir.ipynb").mkdir()
    for name in ("pipe.ipynb", "dir.ipynb"):
        with pytest.raises(submission.GradingError, match="not a regular file"):
            submission.load(tmp_path / name)
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "passwd.ipynb")
    with pytest.raises(submission.GradingError, match="is a symbolic link") as caught:
        submission.load(tmp_path / "link.ipynb", follow_symlinks=False)
    assert "passwd" not in str(caught.value)  # where it points is not said


def test_a_cell_holding_half_a_surrogate_pair_runs_as_a_cell_that_says_so(tmp_path):
    from exercises import submission

    nb = _release_json()
    solution = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    solution["source"] = 'import numpy as np\nx = "\ud800"\n'
    sub = submission.load(_write(tmp_path, nb))
    (cell,) = [c for c, s in zip(sub.cells, sub.slots) if s.role == "solution"][:1]
    assert cell.source.startswith("raise SyntaxError(") and "line 2" in cell.source and "U+D800" in cell.source
    for c in sub.cells:
        c.source.encode("utf-8")  # every cell can be sent to the kernel


def test_a_notebook_past_the_limits_is_refused_saying_the_limit_and_its_size(tmp_path):
    from exercises import grade, submission

    big = tmp_path / "big.ipynb"
    with open(big, "wb") as f:
        f.truncate(submission.FILE_LIMIT + 1)  # sparse: nothing of it is read
    with pytest.raises(submission.GradingError, match=r"the file is 20\.0 MB.*at most 20\.0 MB"):
        submission.load(big)
    nb = _release_json()
    nb["cells"][0]["metadata"]["many"] = [0] * (submission.VALUE_LIMIT + 1)
    with pytest.raises(submission.GradingError, match=f"at most {submission.VALUE_LIMIT}"):
        submission.load(_write(tmp_path, nb, "values.ipynb"))
    nb = _release_json()
    solution = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    solution["source"] = "x = 1\n" * (submission.SOURCE_LIMIT // 6 + 1)
    path = _write(tmp_path, nb, "code.ipynb")
    with pytest.raises(submission.GradingError, match=f"at most {submission.SOURCE_LIMIT}") as caught:
        submission.load(path)
    assert caught.value.assignment == "01_forward_and_losses" and caught.value.max_score == 11
    tests, graded = grade.grade_one(path)  # the assignment is known: 0 of its 11 points, not 0/0
    assert not graded and [(t.points, t.max_points, t.kind) for t in tests] == [(0, 11, "not graded")]


_LOAD = """
import resource, sys, time
sys.modules.setdefault("rfc3987_syntax", None)
from exercises import submission
start = time.perf_counter()
try:
    what = len(submission.load(sys.argv[1]).tests)
except submission.GradingError as exc:
    what = str(exc)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, time.perf_counter() - start, what)
"""


def _load_cost(path):
    proc = subprocess.run([sys.executable, "-c", _LOAD, str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak, seconds, what = proc.stdout.split(" ", 2)
    return int(peak), float(seconds), what.strip()


def test_no_submission_makes_the_graders_own_process_use_more_than_the_limits_allow(tmp_path):
    # The red team's 14.7 MB notebook took 4.7 GB and 50 s here, before any limit of the sandbox.
    # The bound is derived from the limits and the costs submission.py states, not tuned: over what
    # loading a real notebook takes, the file in memory up to four times (its bytes, its text, the
    # text without its strings, the strings parsed), 100 bytes per JSON value, and 1 kB per character
    # of code for the syntax trees of the static scan.
    from exercises import submission

    baseline, _, _ = _load_cost(next((RELEASE_DIR / "01_forward_and_losses").glob("*.ipynb")))
    bound = baseline + 4 * submission.FILE_LIMIT + 100 * submission.VALUE_LIMIT + 1024 * submission.SOURCE_LIMIT
    widest = _release_json()  # as many bytes and JSON values as the limits let through
    widest["cells"][0]["metadata"]["junk"] = [[] for _ in range((submission.VALUE_LIMIT - 2000) // 2)]
    room = submission.FILE_LIMIT - len(json.dumps(widest).encode()) - 1000
    widest["cells"][0]["source"] = "\U0001F600" * (room // 4)  # four bytes a character, in the file and in memory
    wide = tmp_path / "wide.ipynb"
    wide.write_text(json.dumps(widest, ensure_ascii=False), encoding="utf-8")
    densest = _release_json()  # as much code as the limit lets through, of the kind with the largest trees
    solution = next(c for c in densest["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    solution["source"] = "a;" * ((submission.SOURCE_LIMIT - 6000) // 2)
    dense = _write(tmp_path, densest, "dense.ipynb")
    for path in (wide, dense):
        peak, seconds, what = _load_cost(path)
        assert what == "8", what  # within the limits: read and planned
        assert peak < bound, (path.name, peak >> 20, bound >> 20)
        assert seconds < 10, (path.name, seconds)
    over = _release_json()
    over["cells"][2]["source"] = ["a0=(1,2,3,[4,5,{6:7}])\n"] * 400_000  # the red team's notebook
    peak, seconds, what = _load_cost(_write(tmp_path, over, "over.ipynb"))
    assert "not graded" in what and peak < bound and seconds < 10


# ------------------------------------------------------------------ names and messages as they are shown

def test_names_are_shown_with_every_unprintable_character_escaped():
    from exercises.results import safe_text, shown

    assert shown("eve/e.ipynb\n   11∕11   frank.ipynb\n\u200b.ipynb") == \
        "eve/e.ipynb\\n   11∕11   frank.ipynb\\n\\u200b.ipynb"
    assert shown("a\rb\x1b[2Jc\u202ed\\e") == "a\\rb\\x1b[2Jc\\u202ed\\\\e"
    assert shown(os.fsdecode(b"caf\xe9.ipynb")) == "caf\\xe9.ipynb"  # a byte that is not UTF-8
    assert shown("Zoë Ñúñez/日本.ipynb") == "Zoë Ñúñez/日本.ipynb"
    assert safe_text("line one\n\tline two \ud800 \x1b[31m\r") == "line one\n\tline two \\ud800 \\x1b[31m\\r"
    safe_text("\ud800\udfff").encode("utf-8")


def test_a_name_with_a_newline_forges_no_line_of_the_summary_and_no_row_of_the_csv(tmp_path, capsys):
    from exercises import results

    store = results.ClassResults(tmp_path / "results")
    names = [tmp_path / "eve" / "e.ipynb\n   11/11   frank.ipynb", tmp_path / os.fsdecode(b"\xff.ipynb")]
    found = {}
    for name in names:
        report = results.as_json(results.unreadable("why"))
        store.put(name, report, False)
        found[name] = (report, False)
    results.print_summary(found, sys.stdout)
    out = capsys.readouterr().out
    assert len(out.splitlines()) == len(names) + 1 and "\\n   11/11   frank" in out and "\\xff.ipynb" in out
    with open(tmp_path / "results" / "results.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + len(names) and all("\n" not in cell for row in rows for cell in row)
    assert len(list((tmp_path / "results").glob("*.json"))) == len(names)


def test_result_files_are_named_by_the_path_given_and_never_shared(tmp_path):
    from exercises import results

    store = results.ClassResults(tmp_path / "results")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "nb.ipynb").write_text("{}")
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "nb.ipynb").symlink_to(tmp_path / "bob" / "nb.ipynb")
    (tmp_path / "dave").symlink_to(tmp_path / "bob")
    paths = [tmp_path / "bob" / "nb.ipynb", tmp_path / "carol" / "nb.ipynb", tmp_path / "dave" / "nb.ipynb"]
    files = [store.file(p) for p in paths]
    assert len(set(files)) == 3 and "carol" in files[1].name and "dave" in files[2].name


@pytest.mark.parametrize("assignment", sorted(__import__("exercises.checks", fromlist=["x"]).ASSIGNMENTS))
def test_a_graded_kernels_nnlib_holds_none_of_the_answers_its_checks_forbid(assignment):
    """Every nnlib function a test of the assignment forbids is withheld from its kernel's nnlib, unless
    the assignment hands it out (KERNEL_NNLIB). What nnlib runs when imported is kept whole, so a set
    built at import time from the losses, say, once kept assignment 1's answers in its kernel."""
    import importlib

    from exercises import withhold
    from exercises.checks import ASSIGNMENTS

    module = importlib.import_module(f"exercises.checks.{ASSIGNMENTS[assignment]}")
    closure = withhold._Closure(withhold._modules())
    kept = withhold.kept_symbols(module.KERNEL_NNLIB)
    given = {closure.resolve(*name.rsplit(".", 1)) for name in module.KERNEL_NNLIB}
    forbidden = {name for task in module.TASKS for name in task.forbidden_names if name.startswith("nnlib.")}
    leaked = sorted(name for name in forbidden
                    if (symbol := closure.resolve(*name.rsplit(".", 1))) in kept and symbol not in given)
    assert not leaked, f"{assignment}'s kernel keeps {leaked}"
