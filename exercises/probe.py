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

Nothing here judges; the report may be a lie if the learner's code tampers with this module,
which can only cost them points, since the judge checks everything it is told.
"""

import contextlib
import io
import linecache
import sys
import time
import warnings

import numpy as np

from . import codec

MIME = "application/vnd.exercises.probe+json"
_setprofile, _getprofile = sys.setprofile, sys.getprofile  # kept: a kernel may rebind sys's names later
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

    log: one (v is x, v - x0 at the call) pair per call, where x is the array the caller
    was given and x0 its values at the start.
    """

    def __init__(self, c, x):
        self.c, self.x, self.x0, self.log = c, x, np.array(x, copy=True), []

    def __call__(self, v):
        v_arr = np.asarray(v, dtype=float)
        if len(self.log) < 2000:
            self.log.append((v is self.x, v_arr - self.x0 if v_arr.shape == self.x0.shape else v_arr))
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
    if kind == "nnlib_value":
        from nnlib.graph import Value
        return Value
    raise ProbeError(f"unknown object kind {kind!r}")


# ------------------------------------------------------------------ naming things

def _resolve(ref, objects, namespace):
    """The object a reference names: {"name"}, {"global"}, {"lit"}, {"attr": [ref, name]},
    {"item": [ref, key]} or {"list": [refs]}."""
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
    raise ProbeError(f"unknown reference {ref!r}")


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
            "add_number": ("node", "number"), "number_mul": ("node", "number"), "pow": ("node", "number"),
            "exp": ("node",), "tanh": ("node",), "neg": ("node",)}
OPS = {
    "leaf": lambda cls, x: cls(x),
    "add": lambda cls, a, b: a + b,
    "mul": lambda cls, a, b: a * b,
    "add_number": lambda cls, a, c: a + c,
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


def _error(exc):
    line, function = _learner_line(exc.__traceback__)
    return {"type": type(exc).__name__, "message": str(exc)[:600], "line": line[:200], "function": function}


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
        try:
            out["value"] = action()
        except (Exception, SystemExit) as exc:  # the learner's exception is a finding, not a crash
            out = {"ok": False, "error": _error(exc)}
        finally:
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
    for obj in objects.values():
        if isinstance(obj, Recorder):
            codes.add(Recorder.__call__.__code__)
        elif callable(obj) and getattr(obj, "__module__", "").startswith("exercises."):
            code = getattr(obj, "__code__", None)
            if code is not None:
                codes.add(code)
    return codes


def _call_step(step, objects, namespace):
    fn = _resolve(step["fn"], objects, namespace)
    args = [_resolve(a, objects, namespace) for a in step.get("args", [])]
    kwargs = {k: _resolve(v, objects, namespace) for k, v in step.get("kwargs", {}).items()}
    report = step.get("report", [])
    ids = _snapshot(objects, report)
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
