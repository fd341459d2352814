"""The kernel's side of a check: run the learner's functions on given inputs, report what happened.

It knows no answers. A probe is a list of steps (JSON, from the grader or from the notebook's
judge); each step makes an object, calls something, builds a small graph or reads a value,
and every step's report goes back as data (exercises.codec):

- make: an object from a small spec, built here because it cannot travel as data: a numpy
  Generator with a seed, a function that records how it is called, a model that records its
  forward and backward passes, nnlib's Value class;
- call: a learner's function (or a method) on arguments that name objects or literal values.
  The report holds what it returned or the exception it raised (type, message and the
  learner's own line), the state afterwards of every object named in "report", whether the
  values of a dict argument are still the same objects, whether the global np.random state
  moved, and which functions the call reached (a sys.setprofile trace, plus wrappers for the
  numpy ufuncs named in "watch", which a profile cannot see);
- graph: a scalar expression built with a given Value class (the learner's or nnlib's) from a
  list of nodes, traced like a call;
- set and read: an attribute set to a number, a value read back; parents: which nodes of a
  graph each node names as its parents.

Two kinds of object stand in for library code while a graded kernel lacks it (exercises.withhold):
a stand-in (``StandIn``) answers a function's calls for one case only, from a table of answers the
grader computed (so a later exercise can use what an earlier one asks for, without that earlier
answer being anywhere in the kernel), and a fixed graph (``FixedNode``) is a scalar graph whose
local derivatives are numbers the grader computed, for testing a backward pass without anyone's
Value class. A call step may "provide" such objects under a name of the learner's namespace or of
nnlib, for the duration of that call only.

Nothing here judges; the report may be a lie if the learner's code tampers with this module,
which can only cost them points, since the judge checks everything it is told.
"""

import contextlib
import io
import json
import linecache
import math
import sys
import time
import warnings

import numpy as np

from . import codec, seal

MIME = "application/vnd.exercises.probe+json"
_setprofile, _getprofile = sys.setprofile, sys.getprofile  # kept: a kernel may rebind sys's names later
_thread_profile = __import__("threading").setprofile
_ndarray = np.ndarray
_random_state, _random_seed = np.random.get_state, np.random.seed


def _library_dirs():
    """Where library code lives (numpy's site-packages, the standard library, nnlib, this package):
    a traceback frame elsewhere is the learner's."""
    import os

    import nnlib

    dirs = {os.path.dirname(os.path.dirname(np.__file__)), os.path.dirname(contextlib.__file__),
            os.path.dirname(nnlib.__file__), os.path.dirname(__file__)}
    return tuple(d + os.sep for d in dirs)


_LIBRARY_DIRS = _library_dirs()


class ProbeError(ValueError):
    """A probe spec this module cannot follow (a bug in the check, not in the learner's code)."""


# ------------------------------------------------------------------ objects made from a spec

class Recorder:
    """f(v) = sum(c * exp(2 v)): a curved test function that logs each call's argument.

    log: one (v is x, v - x0 at the call, v's dtype) triple per call, where x is the array the
    caller was given and x0 its values at the start.
    """

    def __init__(self, c, x):
        self.c, self.x, self.x0, self.log = c, x, np.array(x, copy=True), []

    def __call__(self, v):
        v_arr = np.asarray(v, dtype=float)
        if len(self.log) < 2000:
            dtype = str(v.dtype) if isinstance(v, _ndarray) else type(v).__name__
            self.log.append((v is self.x, v_arr - self.x0 if v_arr.shape == self.x0.shape else v_arr, dtype))
        return float(np.sum(self.c * np.exp(2.0 * v_arr)))


def _recording_model(sizes, seed):
    """nnlib.mlp(sizes) whose forward and backward passes are logged: [("forward", input, output) or
    ("backward", upstream gradient), ...], all copies."""
    import nnlib

    model = nnlib.mlp(sizes, rng=np.random.default_rng(seed))
    log = []
    forward, backward = model.forward, model.backward

    def logged_forward(x):
        out = forward(x)
        log.append(("forward", np.array(x, dtype=float, copy=True), np.array(out, dtype=float, copy=True)))
        return out

    def logged_backward(dout, *args, **kwargs):
        log.append(("backward", np.array(dout, dtype=float, copy=True)))
        return backward(dout, *args, **kwargs)

    model.forward, model.backward = logged_forward, logged_backward
    return model, log


class StandInMismatch(ValueError):
    """A stand-in was asked something its table of answers for this case does not hold."""


_MISSING = object()


class StandIn:
    """A function that knows the answers for one case only: a table of (arguments -> result).

    Arguments match by value (arrays of the same shape and values within 1e-9, numbers alike),
    by identity with one of the probe's objects, as anything, or, for a function argument, by
    what it gives: called with the array argument perturbed at given entries, it must give the
    listed values (so a function that does not read that array, or reads a copy, is caught)."""

    def __init__(self, label, params, defaults, entries, hint):
        self.label, self.params, self.defaults, self.entries, self.hint = label, params, defaults, entries, hint

    def __call__(self, *args, **kwargs):
        bound = dict(zip(self.params, args))
        if len(args) > len(self.params) or set(kwargs) - set(self.params) or set(kwargs) & set(bound):
            raise TypeError(f"{self.label}() takes the arguments ({', '.join(self.params)})")
        bound.update(kwargs)
        for name, value in self.defaults.items():
            bound.setdefault(name, value)
        missing = [p for p in self.params if p not in bound]
        if missing:
            raise TypeError(f"{self.label}() is missing the argument {missing[0]!r}")
        why, closest = None, -1
        for entry in self.entries:
            specs = sorted(entry["args"].items(), key=lambda item: "gives" in item[1])  # cheap comparisons first
            problems = (self._differs(name, spec, bound) for name, spec in specs)
            matched, problem = 0, None
            for problem in problems:
                if problem:
                    break
                matched += 1
            else:
                if "sealed" not in entry:
                    return codec.decode(entry["result"])
                opened = seal.open_entry(entry["sealed"], bound)
                if opened is not None:
                    return codec.decode(json.loads(opened))
                matched, problem = self._sealed_differs(entry["sealed"], bound, matched)
            if matched > closest:  # the message speaks of the entry that came closest
                why, closest = problem, matched
        raise StandInMismatch(f"{self.label} was called with {why or 'arguments this test does not expect'}. "
                              f"(While this test runs, {self.label} knows the answers for this test's inputs only. "
                              f"{self.hint})".replace(" )", ")"))

    @staticmethod
    def _sealed_differs(sealed, bound, matched):
        """(arguments matched, a sentence on the first sealed one that does not match)."""
        salt = bytes.fromhex(sealed["salt"])
        for name in sorted(sealed["args"]):
            got = bound.get(name, _MISSING)
            if not seal.matching_grids(sealed["args"][name], got, salt):
                return matched, f"{name} = {_short(got)}, not the value expected here"
            matched += 1
        return matched, "arguments this test does not expect"

    def _differs(self, name, spec, bound):
        """None when bound[name] matches spec, else a sentence saying how it differs."""
        got = bound.get(name, _MISSING)
        if "any" in spec:
            return None
        if "is" in spec:
            return None if got is spec["is"] else f"a {name} that is not the array the test gave (a copy?)"
        if "gives" in spec:
            return _check_gives(name, got, bound[spec["gives"]["at"]], spec["gives"])
        return None if _same(got, codec.decode(spec["eq"])) else f"{name} = {_short(got)}, not the value expected here"


def _same(got, want):
    if isinstance(want, _ndarray):
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return False
        if arr.shape != want.shape:
            return False
        scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
        return bool(np.allclose(arr, want, rtol=1e-9, atol=1e-12 * scale))
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(_same, got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(_same(got[k], want[k]) for k in want)
    if isinstance(want, float):
        try:
            return math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return got == want


def _short(value):
    if isinstance(value, _ndarray):
        shown = ", ".join(f"{v:.4g}" for v in value.ravel()[:3]) + (", ..." if value.size > 3 else "")
        return f"an array of shape {value.shape}, [{shown}]"
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, _ndarray) for v in value):
        shapes = ", ".join(str(v.shape) for v in value)
        return f"a {type(value).__name__} of arrays of shapes {shapes}"
    return f"{type(value).__name__} {str(value)[:40]}"


def _check_gives(name, fn, x, spec):
    """None when fn(x), with x perturbed in place at each listed entry, gives the listed values."""
    if not callable(fn):
        return f"a {name} that is not a function"
    try:
        base = float(fn(x))
        for index, delta, want in spec["points"]:
            index = tuple(index)
            old = x[index]
            x[index] = old + delta
            try:
                value = float(fn(x))
            finally:
                x[index] = old
            if value == base:
                return (f"a function {name} that does not read the array it is given: changing that array at "
                        f"{list(index)} does not change what {name} gives (does it read a copy of {spec['what']}?), "
                        "so its central difference would be 0")
            if not math.isclose(value, want, rel_tol=1e-9, abs_tol=1e-15):
                return (f"a function {name} that, called with {spec['what']} changed at {list(index)}, gives "
                        f"{value:.10g} where the loss is {want:.10g}")
    except Exception as exc:  # the learner's function failed: say so in the stand-in's words
        return f"a function {name} that raised {type(exc).__name__}: {exc}"
    return None


class FixedNode:
    """A node of a scalar graph whose local derivatives were computed by the grader: data, grad,
    _parents (and micrograd's _prev), and _backward, which adds d(self)/d(parent) * self.grad to each
    parent's grad (a parent listed twice gets both shares)."""

    def __init__(self, data, parents=(), partials=()):
        self.data, self.grad = float(data), 0.0
        self._parents, self._partials = tuple(parents), tuple(float(d) for d in partials)
        self._prev = set(self._parents)

    def _backward(self):
        for parent, local in zip(self._parents, self._partials):
            parent.grad += local * self.grad  # the chain rule, one edge at a time

    def backward(self):
        raise AttributeError("backprop is tested on a graph of plain nodes (data, grad, _parents, _backward), which "
                             "have no backward(): backprop must do the whole pass itself. (In your Value class, "
                             "backward() calls backprop, so backprop calling root.backward() would call itself "
                             "forever.)")

    def __repr__(self):
        return f"Node(data={self.data:.6g}, grad={self.grad:.6g})"


def _fixed_graph(spec):
    nodes = []
    for data, parents, partials in spec:
        nodes.append(FixedNode(data, [nodes[i] for i in parents], partials))
    return nodes


def _stand_in(step, objects):
    entries = []
    for entry in step["entries"]:
        args = {}
        for name, spec in entry["args"].items():
            args[name] = {"is": _resolve(spec["is"], objects, {})} if "is" in spec else spec
        entries.append({"args": args, **({"sealed": entry["sealed"]} if "sealed" in entry else
                                          {"result": entry["result"]})})
    defaults = {k: codec.decode(v) for k, v in step.get("defaults", {}).items()}
    return StandIn(step["label"], list(step["params"]), defaults, entries, step.get("hint", ""))


def _make(step, objects):
    kind = step["kind"]
    if kind == "value":
        return codec.decode(step["value"])
    if kind == "rng":
        return np.random.default_rng(int(step["seed"]))
    if kind == "recorder":
        return Recorder(codec.decode(step["c"]), objects[step["x"]])
    if kind == "network_loss":
        from .givens import network_loss
        return network_loss(codec.decode(step["x"]), codec.decode(step["y"]), float(step.get("scale", 1.0)))
    if kind == "recording_model":
        model, log = _recording_model(step["sizes"], step["seed"])
        objects[step["name"] + "_log"] = log
        return model
    if kind == "stand_in":
        return _stand_in(step, objects)
    if kind == "fixed_graph":
        return _fixed_graph(step["nodes"])
    if kind == "ref":
        return _resolve(step["ref"], objects, {})
    raise ProbeError(f"unknown object kind {kind!r}")


# ------------------------------------------------------------------ naming things

def _resolve(ref, objects, namespace):
    """The object a reference names: {"name"}, {"global"}, {"lit"}, {"attr": [ref, name]},
    {"item": [ref, key]}, {"list": [refs]}, or {"models_on": ref}: the outputs of every nnlib
    network among the learner's names for that input."""
    if "name" in ref:
        return objects[ref["name"]]
    if "global" in ref:
        name = ref["global"]
        if name not in namespace:
            raise NameError(f"name {name!r} is not defined")
        return namespace[name]
    if "lit" in ref:
        return codec.decode(ref["lit"])
    if "attr" in ref:
        base, name = ref["attr"]
        return getattr(_resolve(base, objects, namespace), name)
    if "item" in ref:
        base, key = ref["item"]
        return _resolve(base, objects, namespace)[_resolve(key, objects, namespace)]
    if "list" in ref:
        return [_resolve(r, objects, namespace) for r in ref["list"]]
    if "tuple" in ref:
        return tuple(_resolve(r, objects, namespace) for r in ref["tuple"])
    if "dict" in ref:
        return {codec.decode(k): _resolve(r, objects, namespace) for k, r in ref["dict"]}
    if "models_on" in ref:  # what every network of the namespace gives for an input: [output, ...]
        x = _resolve(ref["models_on"], objects, namespace)
        return [out for out in (_output(v, x) for v in list(namespace.values())
                                if type(v).__name__ == "Sequential" and type(v).__module__ == "nnlib.models")
                if out is not None]
    if "nnlib" in ref:  # something the kernel's nnlib still has (exercises.withhold)
        import nnlib
        return getattr(nnlib, ref["nnlib"])
    raise ProbeError(f"unknown reference {ref!r}")


def _output(model, x):
    """model.forward(x), or None when it raises (a network made for another input)."""
    try:
        return model.forward(x)
    except Exception:
        return None


def build_graph(cls, nodes):
    """Build a scalar expression with the Value class cls: nodes[i] is [op, operand, ...] where
    operands are indices of earlier nodes or numbers (see OPS). Returns the list of nodes."""
    built = []
    for op, *operands in nodes:
        kinds = OPERANDS[op]
        if len(kinds) != len(operands):
            raise ProbeError(f"node {op!r} takes {len(kinds)} operands, got {operands!r}")
        args = [built[a] if kind == "node" else float(a) for kind, a in zip(kinds, operands)]
        built.append(OPS[op](cls, *args))
    return built


def parent_indices(graph):
    """For each node of a built graph, its _parents as [index in the graph (-1: not one of its nodes),
    the parent's type name when it is not of the node's own class (else None)]."""
    where = {id(n): i for i, n in enumerate(graph)}
    return [[[where.get(id(p), -1), None if isinstance(p, type(n)) else type(p).__name__]
             for p in getattr(n, "_parents", ())] for n in graph]


# Each node's operands: "node" (the index of an earlier node) or "number".
OPERANDS = {"leaf": ("number",), "add": ("node", "node"), "mul": ("node", "node"), "sub": ("node", "node"),
            "add_number": ("node", "number"), "number_add": ("node", "number"), "number_mul": ("node", "number"),
            "pow": ("node", "number"),
            "exp": ("node",), "tanh": ("node",), "neg": ("node",)}
OPS = {
    "leaf": lambda cls, x: cls(x),
    "add": lambda cls, a, b: a + b,
    "mul": lambda cls, a, b: a * b,
    "add_number": lambda cls, a, c: a + c,
    "number_add": lambda cls, a, c: c + a,  # a number on the left of +: Value.__radd__
    "number_mul": lambda cls, a, c: c * a,
    "pow": lambda cls, a, k: a ** k,
    "exp": lambda cls, a: a.exp(),
    "tanh": lambda cls, a: a.tanh(),
    "sub": lambda cls, a, b: a - b,
    "neg": lambda cls, a: -a,
}


# ------------------------------------------------------------------ watching a call

class _Trace:
    """Which functions a call reached: Python functions as (module, qualified name, first line),
    builtins as module.name, and the watched numpy ufuncs that were called."""

    def __init__(self, quiet_codes):
        self.codes, self.builtins, self.ufuncs = set(), set(), set()
        self.quiet_codes, self.quiet = quiet_codes, 0

    def profile(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code in self.quiet_codes:
                self.quiet += 1
            elif not self.quiet:
                self.codes.add((frame.f_globals.get("__name__"), code))
        elif event == "return" and frame.f_code in self.quiet_codes:
            self.quiet -= 1
        elif event == "c_call" and not self.quiet:
            self.builtins.add(arg)

    def report(self):
        reached = sorted({(str(m), getattr(c, "co_qualname", c.co_name), c.co_firstlineno) for m, c in self.codes})
        names = sorted({f"{getattr(b, '__module__', None) or ''}.{getattr(b, '__qualname__', '?')}"
                        for b in self.builtins})
        return {"reached": [list(r) for r in reached], "builtins": names, "ufuncs": sorted(self.ufuncs)}


@contextlib.contextmanager
def _watching(names, trace):
    """Replace numpy.<name> by a wrapper that notes the call, for the duration of a call."""
    saved = {}
    for name in names:
        original = getattr(np, name)
        saved[name] = original

        def wrapper(*args, _original=original, _name=name, **kwargs):
            if not trace.quiet:
                trace.ufuncs.add(f"numpy.{_name}")
            return _original(*args, **kwargs)

        setattr(np, name, wrapper)
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(np, name, original)


def _learner_line(tb):
    """(line of code, function name) of the last traceback frame outside the libraries."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(_LIBRARY_DIRS):
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            found = (line, code.co_name)
        tb = tb.tb_next
    return found or ("", "")


def learner_line(tb):
    """The learner's own line of code in a traceback ("" when none is theirs)."""
    return _learner_line(tb)[0]


def _error(exc):
    line, function = _learner_line(exc.__traceback__)
    return {"type": _text(type(exc).__name__), "message": _text(_message(exc))[:600], "line": _text(line)[:200],
            "function": _text(function)}


def _message(exc):
    """str(exc); an exception class of the learner's may make str() itself raise."""
    try:
        return str(exc)
    except Exception as inner:
        return f"(its message could not be shown: str() of it raised {type(inner).__name__})"


def _text(text):
    """text that travels as UTF-8 whatever it holds: a lone surrogate becomes an escape (\\ud800)."""
    text = text if isinstance(text, str) else str(text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _global_random_moved(before):
    after = _random_state(legacy=False)
    return bool(after["state"]["pos"] != before["state"]["pos"]
                or not _ndarray.__eq__(after["state"]["key"], before["state"]["key"]).all())


def _watched_call(action, watch, quiet_codes):
    """Run action() with the trace on, stdout and stderr captured, the global rng seeded."""
    trace = _Trace(set(quiet_codes))
    _random_seed(12345)
    before = _random_state(legacy=False)
    out = {"ok": True}
    sink = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _watching(watch, trace), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's overflow warnings of a wrong formula: the judge says what is wrong
        previous = _getprofile()
        _setprofile(trace.profile)
        _thread_profile(trace.profile)  # threads the call starts are traced too
        try:
            out["value"] = action()
        except (Exception, SystemExit) as exc:  # the learner's exception is a finding, not a crash
            out = {"ok": False, "error": _error(exc)}
        finally:
            _thread_profile(None)
            try:
                _setprofile(previous)
            except TypeError:  # a C profiler (cProfile) cannot be put back from Python
                _setprofile(None)
    out["seconds"] = round(time.perf_counter() - start, 4)
    out["global_random"] = _global_random_moved(before)
    out["printed"] = sink.getvalue()[:300]
    out.update(trace.report())
    return out


# ------------------------------------------------------------------ running a probe

def _snapshot(objects, names):
    """The ids of the values of every dict among the named objects (to tell in-place from rebinding)."""
    return {n: {k: id(v) for k, v in objects[n].items()} for n in names if type(objects.get(n)) is dict}


def _quiet_codes(objects):
    codes = set()
    codes.update(f.__code__ for f in (StandIn.__call__, FixedNode._backward))
    for obj in objects.values():
        if isinstance(obj, Recorder):
            codes.add(Recorder.__call__.__code__)
        elif callable(obj) and getattr(obj, "__module__", "").startswith("exercises."):
            code = getattr(obj, "__code__", None)
            if code is not None:
                codes.add(code)
    return codes


@contextlib.contextmanager
def _providing(provide, objects, namespace):
    """For the duration of a call: each name of the learner's namespace, or "nnlib.NAME" (the
    module's attribute and every name of the namespace bound to the same object), set to an object."""
    saved = []
    try:
        for target, ref in provide.items():
            value = _resolve(ref, objects, namespace)
            if target.startswith("nnlib."):
                import nnlib
                attr = target.split(".", 1)[1]
                original = getattr(nnlib, attr, _MISSING)
                saved.append((nnlib.__dict__, attr, original))
                setattr(nnlib, attr, value)
                for name, bound in list(namespace.items()):
                    if original is not _MISSING and bound is original:
                        saved.append((namespace, name, bound))
                        namespace[name] = value
            else:
                saved.append((namespace, target, namespace.get(target, _MISSING)))
                namespace[target] = value
        yield
    finally:
        for where, name, before in reversed(saved):
            if before is _MISSING:
                where.pop(name, None)
            else:
                where[name] = before


def _call_step(step, objects, namespace):
    fn = _resolve(step["fn"], objects, namespace)
    args = [_resolve(a, objects, namespace) for a in step.get("args", [])]
    kwargs = {k: _resolve(v, objects, namespace) for k, v in step.get("kwargs", {}).items()}
    report = step.get("report", [])
    ids = _snapshot(objects, report)
    with _providing(step.get("provide", {}), objects, namespace):
        out = _watched_call(lambda: fn(*args, **kwargs), step.get("watch", []), _quiet_codes(objects))
    if out["ok"] and step.get("save"):
        objects[step["save"]] = out["value"]
    if "value" in out:
        out["value"] = codec.encode(out["value"], step.get("attrs", ()))
    out["after"] = {n: codec.encode(objects[n], step.get("attrs", ())) for n in report}
    out["same"] = {n: [[codec.encode(k), id(v) == ids[n].get(k)] for k, v in objects[n].items()]
                   for n in ids if type(objects[n]) is dict}
    return out


def _step(step, objects, namespace):
    op = step["op"]
    if op == "make":
        objects[step["name"]] = _make(step, objects)
        return {"ok": True}
    if op == "call":
        return _call_step(step, objects, namespace)
    if op == "graph":
        cls = _resolve(step["cls"], objects, namespace)
        out = _watched_call(lambda: build_graph(cls, step["nodes"]), [], _quiet_codes(objects))
        if out["ok"]:
            objects[step["save"]] = out.pop("value")
        return out
    if op == "set":
        try:
            setattr(_resolve(step["target"], objects, namespace), step["attr"], codec.decode(step["value"]))
            return {"ok": True}
        except Exception as exc:
            return {"ok": False, "error": _error(exc)}
    if op == "parents":
        try:
            return {"ok": True, "value": parent_indices(objects[step["graph"]])}
        except Exception as exc:
            return {"ok": False, "error": _error(exc)}
    if op == "read":
        try:
            return {"ok": True, "value": codec.encode(_resolve(step["value"], objects, namespace),
                                                      step.get("attrs", ()))}
        except Exception as exc:
            return {"ok": False, "error": _error(exc)}
    raise ProbeError(f"unknown step {op!r}")


def run_steps(steps, namespace):
    """Run a probe's steps against the learner's namespace; returns one report per step.

    A step whose inputs failed to appear (an earlier step raised) reports that instead.
    """
    objects, reports = {}, []
    for step in steps:
        try:
            reports.append(_step(step, objects, namespace))
        except KeyError as exc:  # a name an earlier, failed step should have made
            reports.append({"ok": False, "skipped": True, "error": {"type": "Skipped", "message": str(exc),
                                                                    "line": "", "function": ""}})
        except NameError as exc:
            reports.append({"ok": False, "error": _error(exc)})
    return reports


def run_cases(cases, namespace):
    """Run each case's steps (with objects of its own); one list of reports per case."""
    return [run_steps(steps, namespace) for steps in cases]


def run(spec_json, nonce):
    """What the grader's probe cell calls: run the cases against the kernel's user namespace and
    publish the reports as one display_data output tagged with the grader's nonce."""
    import json

    from IPython.display import publish_display_data

    main = sys.modules["__main__"].__dict__
    reports = run_cases(json.loads(spec_json)["cases"], main)
    publish_display_data({MIME: {"nonce": nonce, "reports": reports}})


class _Blocker:
    """A meta-path finder that refuses every exercises module a learner's kernel has no business with."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        from . import KERNEL_SAFE

        if name.startswith("exercises.") and name not in KERNEL_SAFE:
            raise ModuleNotFoundError(f"{name} is not available in a notebook being graded: it belongs to the "
                                      "grader, which judges answers in its own process", name=name)
        return None


def guard():
    """Install the blocker first in sys.meta_path (the grader's kernel runs this before any cell)."""
    if _Blocker not in sys.meta_path:
        sys.meta_path.insert(0, _Blocker)
