"""The shared engine of the checks: compare an answer with the right one and name the mistake.

An assignment's module describes each test as a Task: how to draw its cases from an rng, the
probe steps that call the learner's functions on them (run in the learner's kernel, see
exercises.probe), and how to judge the reports that come back. Judging happens here, in the
grader's process (or the notebook's judge process), never in the learner's kernel.

A failed judgement raises Fail (exercises.checks.feedback) with a message a beginner can act on:
what was expected, what came back, and, when a known wrong variant of the formula matches, the
likely mistake, worded so that the learner's formula and the right one cannot be confused; when
none matches, it says so honestly and points at the first entry that differs.
"""

import json
from dataclasses import dataclass, field

import numpy as np

from .. import codec, seal
from .feedback import (  # noqa: F401  (re-exported: the assignments' modules import them from here)
    Fail,
    Mistake,
    describe,
    entry,
    explain,
    likely,
    numbers,
    one_of,
    pair,
    preview,
    previews,
)
from .generic import (
    constant_read,
    generic_mistake,
    reduced_mistake,
    region_mistake,
    step_readings,
    threshold_step,
)


@dataclass
class Case:
    """One case of a test: the probe steps (sent to the kernel) and what the judge needs (kept here)."""

    steps: list
    context: dict = field(default_factory=dict)
    where: str = ""  # the inputs in a few words, for messages ("x (4, 3), W (3, 2), b (2,)")


@dataclass
class Call:
    """What one probe step reported, decoded (see exercises.probe)."""

    ok: bool
    value: object = None
    error: dict | None = None
    after: dict = field(default_factory=dict)
    same: dict = field(default_factory=dict)
    reached: frozenset = frozenset()
    builtins: frozenset = frozenset()
    ufuncs: frozenset = frozenset()
    global_random: bool = False
    skipped: bool = False

    @classmethod
    def from_report(cls, report):
        if not isinstance(report, dict) or not isinstance(report.get("ok"), bool):
            raise Fail("the kernel sent back a report that is not what the probe makes (did a cell change the "
                       "notebook's machinery?)", mistake="tampered with the machinery", kind="static")
        try:
            same = {name: {codec.decode(k): bool(s) for k, s in pairs} for name, pairs in
                    dict(report.get("same", {})).items()}
            return cls(ok=report["ok"], value=codec.decode(report.get("value")), error=report.get("error"),
                       after={k: codec.decode(v) for k, v in dict(report.get("after", {})).items()}, same=same,
                       reached=frozenset(tuple(r) for r in report.get("reached", [])),
                       builtins=frozenset(report.get("builtins", [])), ufuncs=frozenset(report.get("ufuncs", [])),
                       global_random=bool(report.get("global_random")), skipped=bool(report.get("skipped")))
        except (codec.CodecError, TypeError, ValueError) as exc:
            raise Fail(f"the kernel sent back data that is not what the probe makes ({exc}; did a cell change the "
                       "notebook's machinery?)", mistake="tampered with the machinery", kind="static") from None


# ------------------------------------------------------------------ tolerances

def tolerance(*arrays):
    """(rtol, atol scale) for comparing answers computed from inputs of these dtypes: float64 to
    about 1e-7, float32 to about 1e-4 (its epsilon is 1.2e-7, and a few operations lose a digit or two).

    The inputs' dtype sets it, not the answer's: a float64 answer computed from float32 inputs
    carries float32's rounding all the same."""
    kinds = [a.dtype if isinstance(a, (np.ndarray, np.generic)) else np.dtype(a) for a in arrays]
    worst = max((np.finfo(k).eps for k in kinds if k.kind == "f"), default=np.finfo(float).eps)
    return (1e-7, 1e-10) if worst <= np.finfo(np.float64).eps else (1e-4, 1e-5)


def allclose(got, expected, rtol, atol_scale):
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol_scale * scale))


def _worst_entry(got, expected):
    diff = np.abs(got - expected)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    return index, float(diff[index] if diff.ndim else diff)


def _first_entry(got, expected, rtol, atol_scale):
    """The first entry (in reading order) that is not within the tolerance."""
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    off = ~np.isclose(got, expected, rtol=rtol, atol=atol_scale * scale)
    if not off.any():
        return _worst_entry(got, expected)[0]
    return np.unravel_index(int(np.argmax(off.ravel())), off.shape) if off.ndim else ()


def value_lines(what, got, expected):
    """Expected and got at one precision, with the entry that differs most, shown with enough
    digits to see the difference."""
    index, diff = _worst_entry(got, expected)
    shown_e, shown_g = previews(expected, got)
    lines = [f"  expected {what} = {shown_e}", f"  yours{' ' * (len(what) + 6)}= {shown_g}"]
    at = f" at {entry(index)}" if index else ""
    if shown_e == shown_g:
        e, g = pair(float(expected[index]), float(got[index]))
        lines.append(f"  largest difference {numbers(diff)[0]}{at}: expected {e}, yours {g}")
    else:
        lines.append(f"  (largest difference {numbers(diff)[0]}{at})")
    return lines


def undiagnosed_line(what, got, expected, rtol, atol_scale):
    """The honest last line when no known mistake matches."""
    index = _first_entry(got, expected, rtol, atol_scale)
    e, g = pair(float(expected[index] if index else expected), float(got[index] if index else got))
    where = f" first at entry {entry(index)}" if index else ""
    return (f"  Your {what} differs from the expected value{where} (expected {e}, yours {g}); the checks cannot "
            "tell which step is wrong. Work that entry out by hand from the inputs and compare it with each "
            "step of your code.")


# ------------------------------------------------------------------ comparing an answer

def _numeric(what, got, expected, wanted=None):
    """got as a numeric array, or Fail saying what it is instead. wanted: how the messages name what was
    expected (describe(expected) when not given: its shape and first values)."""
    wanted = describe(expected) if wanted is None else wanted
    if got is None:
        raise Fail(f"{what}: got None, expected {wanted}. Did the function forget to `return` it?",
                   mistake="forgot to return")
    if isinstance(got, codec.Opaque):
        raise Fail(f"{what}: expected {wanted}, got a {got.type_name} ({got.text})",
                   mistake=f"returned a {got.type_name}")
    if expected.ndim == 0:
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.generic, np.ndarray)):
            raise Fail(f"{what} should be a number, got a {type(got).__name__}: {got!r:.60}",
                       mistake="not a number")
        arr = np.asarray(got)
        if arr.ndim:
            raise Fail(f"{what} should be a number, got an array of shape {arr.shape}"
                       + (" (take the number out with float(...) or .item())" if arr.size == 1 else ""),
                       mistake="an array where a number belongs")
        return arr
    if isinstance(got, (list, tuple)):
        raise Fail(f"{what}: expected a numpy array of shape {expected.shape}, got a {type(got).__name__}. "
                   "Build it with numpy operations (or np.array(...)) so it has a shape",
                   mistake=f"returned a {type(got).__name__}")
    if isinstance(got, (int, float, np.generic)) and not isinstance(got, (bool, np.bool_)):
        got = np.asarray(got)  # a number where an array belongs: the shape check below says so
    if not isinstance(got, np.ndarray):
        raise Fail(f"{what}: expected a numpy array of shape {expected.shape}, got a {type(got).__name__}: "
                   f"{got!r:.60}", mistake=f"returned a {type(got).__name__}")
    if got.dtype.kind not in "biuf":
        raise Fail(f"{what}: expected an array of numbers, got dtype {got.dtype}", mistake="not numbers")
    return got


def _same_values(g, v, rtol, atol_scale):
    """Equal shapes and values, NaN and inf included (a wrong formula may overflow where the answer does)."""
    if v.shape != g.shape:
        return False
    finite = np.isfinite(v)
    if not np.array_equal(finite, np.isfinite(g)) or not np.array_equal(g[~finite], v[~finite], equal_nan=True):
        return False
    return allclose(g[finite], v[finite], rtol, atol_scale) if finite.any() else True


def diagnose(got, mistakes, rtol=1e-7, atol_scale=1e-10):
    """The first Mistake whose value equals got (same shape, allclose), else None."""
    g = np.asarray(got, dtype=float)
    with np.errstate(all="ignore"):
        for mistake in mistakes:
            v = np.asarray(mistake.value, dtype=float)
            if _same_values(g, v, max(rtol, 1e-6), max(atol_scale, 1e-9)):
                return mistake
    return None


def _raise_for(head, lines, mistake):
    raise Fail("\n".join([head] + lines + ([f"  Likely mistake: {mistake.hint}"] if mistake else [])),
               mistake=mistake.name if mistake else None, readings=mistake.readings if mistake else ())


def _axis_of_one(what, ndim, expected):
    """The Mistake of right values with an axis of length 1 too many, too few or elsewhere."""
    how = ("an axis of length 1 too many" if ndim > expected.ndim else
           "an axis of length 1 is missing" if ndim < expected.ndim else "its axes of length 1 are elsewhere")
    return Mistake(f"your values are right but {how}: {what} should have shape {expected.shape} (a column [:, None] "
                   "or .reshape(-1, 1) adds an axis; .ravel() or [:, 0] removes one)", None, "an axis of length 1 off")


def _reduced_away(what, shape, expected):
    """The Mistake of an answer whose shape is the right one without an axis (or a number where an
    array belongs), whatever its values: something summed or averaged that axis away."""
    axes = [i for i in range(expected.ndim) if expected.shape[:i] + expected.shape[i + 1:] == shape]
    if axes:
        which = " (or over axis ".join(map(str, axes)) + ")" * (len(axes) - 1)
        return Mistake(f"your {what} has shape {shape}, the right shape {expected.shape} without an axis: something "
                       f"was summed over axis {which} or averaged over it (np.sum(..., axis=...), .mean(axis=...)), "
                       "where every entry of that axis keeps its own value", None, "an axis summed away")
    if shape in ((), (1,)) and expected.size > 1:
        return Mistake(f"your {what} is one number where an array of shape {expected.shape} belongs: something "
                       "summed or averaged over every entry (np.sum or .mean without an axis)", None,
                       "summed into one number")
    return None


def _another_output(what, g, others, rtol, atol_scale):
    """The Mistake of an answer that equals another value the same function returns (the order swapped)."""
    for name, value in (others or {}).items():
        v = np.asarray(value, dtype=float)
        if _same_values(g, v, max(rtol, 1e-6), max(atol_scale, 1e-9)):
            return Mistake(f"your {what} equals the right {name}: the values are returned in the wrong order, or "
                           f"swapped ({what} where {name} belongs)", None, "outputs swapped")
    return None


def compare(what, got, expected, mistakes=(), *, where="", precision=np.float64, inputs=None, factors=None,
            sizes=None, others=None, start=None):
    """Fail unless got equals expected: same shape, values within the tolerance of the inputs' dtype.

    what names the answer ("dW"); mistakes are Mistake variants to diagnose with; where
    describes the case's inputs; precision is the dtype of the inputs (float32 allows float32's
    rounding, whatever dtype the answer comes in); inputs: for an elementwise function, its input z (a
    mistake on one side of 0 only is then named); factors: {name: array} a wrong answer may have been
    multiplied or divided by (exercises.checks.generic); sizes: {name: count} of the case (N, n_in) a wrong
    division may have used; others: {name: value} the other values the function returns (an answer equal to
    one of them is named as returned in the wrong order); start: for an update, the value before it (a step
    off by a factor, or by a named number of sizes, is named).
    """
    expected = np.asarray(expected, dtype=float)
    g = _numeric(what, got, expected)
    rtol, atol_scale = tolerance(precision)
    gf = g.astype(float)
    head = f"{what}" + (f" (for {where})" if where else "")
    if gf.shape != expected.shape:
        mistake = diagnose(gf, mistakes) or _another_output(what, gf, others, rtol, atol_scale)
        if mistake is None and gf.size == expected.size and np.squeeze(gf).shape == np.squeeze(expected).shape \
                and allclose(gf.reshape(expected.shape), expected, rtol, atol_scale):
            mistake = _axis_of_one(what, gf.ndim, expected)
        if mistake is None:
            mistake = reduced_mistake(what, gf, expected, rtol, atol_scale)
        if mistake is None and expected.ndim == 2 and gf.shape == expected.T.shape:
            mistake = Mistake("your shape is the transpose of the right one: check the order of the matrix product",
                              None, "transposed")
        if mistake is None:
            mistake = _reduced_away(what, gf.shape, expected)
        _raise_for(f"{head}: expected shape {expected.shape}, got shape {gf.shape}.", [], mistake)
    if not np.all(np.isfinite(gf)):
        mistake = diagnose(gf, mistakes, rtol, atol_scale)
        _raise_for(f"{head}: your answer contains NaN or inf: {preview(gf)}; expected {preview(expected)}.", [],
                   mistake or Mistake("a NaN or inf comes from a division by 0, the log of 0 or a negative "
                                      "number, or an exp that overflows: look for one in your formula", None,
                                      "NaN or inf"))
    if allclose(gf, expected, rtol, atol_scale):
        return
    lines = value_lines(what, gf, expected)
    mistake = diagnose(gf, mistakes, rtol, atol_scale) or _another_output(what, gf, others, rtol, atol_scale)
    if inputs is not None:
        mistake = step_readings(what, mistake, gf, expected, inputs)
    if mistake is None and g.dtype.kind == "f" and np.finfo(g.dtype).eps > np.finfo(precision).eps \
            and allclose(gf, expected, *tolerance(g)):
        mistake = Mistake(f"your {what} is {g.dtype}, which keeps about {np.finfo(g.dtype).precision} digits, while "
                          f"the inputs are {np.dtype(precision)}: somewhere your code made a {g.dtype} array "
                          f"(dtype={g.dtype}, .astype(...)). Compute in {np.dtype(precision)}", None,
                          f"{g.dtype} precision")
    if mistake is None and inputs is not None:
        mistake = threshold_step(what, gf, expected, inputs)
    if mistake is None:
        mistake = generic_mistake(what, gf, expected, rtol, atol_scale, factors, sizes, mistakes, start)
    if mistake is None and inputs is not None:
        mistake = constant_read(what, gf, expected, inputs, rtol, atol_scale) or \
            region_mistake(what, gf, expected, inputs, rtol, atol_scale)
    if mistake is None:
        lines.append(undiagnosed_line(what, gf, expected, rtol, atol_scale))
    _raise_for(f"{head}: wrong values.", lines, mistake)


def number(what, got):
    """got as a float, or Fail when it is not a single number."""
    arr = _numeric(what, got, np.zeros(()), wanted="a single number (a float)")
    return float(arr)


def unpack(value, name, parts):
    """A tuple (or list) of len(parts) items, or Fail naming what came back instead."""
    if not isinstance(value, (tuple, list)) or len(value) != len(parts):
        got = "None" if value is None else f"a {type(value).__name__}" + (
            f" of {len(value)} items" if isinstance(value, (tuple, list)) else "")
        raise Fail(f"{name} should return a tuple ({', '.join(parts)}), got {got}"
                   + (". Did it forget to `return`?" if value is None else ""),
                   mistake="forgot to return" if value is None else f"not a tuple of {len(parts)}")
    return value


def returned(call, name, shape_hint=""):
    """The value a call returned, or Fail with the learner's exception explained."""
    if not call.ok:
        raise explain(call.error or {}, name, shape_hint)
    return call.value


def _same_array(after, original, atol):
    if not (isinstance(after, np.ndarray) and after.shape == np.shape(original)):
        return False
    if not atol:
        return bool(np.array_equal(after, original))
    scale = max(1.0, float(np.max(np.abs(original)))) if np.size(original) else 1.0
    return bool(np.allclose(after, original, rtol=0, atol=atol * scale))


def unchanged(call, arg, original, name, fix, *, atol=0.0):
    """Fail if the object reported as `arg` after the call differs from original (an input the
    answer changed in place). fix: what to do instead. atol: a difference allowed, relative to the
    array's largest entry (a perturbation undone with `+= h`, `-= 2 * h`, `+= h` may leave an entry
    one rounding step away from where it began)."""
    after = call.after.get(arg)
    if isinstance(original, dict):
        for key, value in original.items():
            new = after.get(key) if isinstance(after, dict) else None
            if not _same_array(new, value, atol):
                raise Fail(f"{name} changed {arg}[{key!r}] in place: it was {preview(value)}, afterwards "
                           f"{preview(new) if isinstance(new, np.ndarray) else repr(new)}. {fix}",
                           mistake="changed its input in place")
        return
    if not _same_array(after, original, atol):
        now = preview(after) if isinstance(after, np.ndarray) else repr(after)
        if isinstance(after, np.ndarray) and after.shape == np.shape(original):
            index, _ = _worst_entry(after.astype(float), np.asarray(original, dtype=float))
            was, now_ = pair(float(original[index]), float(after[index]))
            now = f"{now}; at {entry(index)} it was {was}, afterwards {now_}" if index else now
        raise Fail(f"{name} changed its input {arg} in place: it was {preview(original)}, afterwards {now}. "
                   f"The caller's array must stay as it was; {fix}", mistake="changed its input in place")


# ------------------------------------------------------------------ forbidden building blocks

def _resolve(dotted):
    from ..static import resolve

    obj = resolve(dotted)
    if obj is None:
        raise ValueError(f"a forbidden name that names nothing: {dotted!r}")
    return obj


def _codes(code):
    """A code object and every code object nested in it (closures, comprehensions)."""
    yield code
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            yield from _codes(const)


def _signature(code, module):
    return (module, getattr(code, "co_qualname", code.co_name), code.co_firstlineno)


@dataclass(eq=False)
class Forbidden:
    """The library's own versions of what a test asks for: resolved to objects (for the static
    scan) and to what a probe's trace reports (for the calls a solution reaches)."""

    names: tuple
    objects: tuple
    signatures: dict  # (module, qualified name, first line) of every Python function -> the name it came from
    watch: tuple  # numpy ufuncs among them (a profile cannot see a ufunc call; the probe wraps them)
    builtins: dict  # builtin functions among them, as module.name -> the name it came from

    @classmethod
    def of(cls, names, *, allow=()):
        """Forbid the objects the dotted names resolve to (a module or class: everything in it),
        except the functions named in allow."""
        import inspect
        import types

        objects, signatures, watch, builtins = [], {}, [], {}
        allowed = {id(_resolve(n)) for n in allow}

        def add_function(fn, dotted):
            fn = inspect.unwrap(fn)
            if id(fn) in allowed or not hasattr(fn, "__code__"):
                return
            for code in _codes(fn.__code__):
                signatures.setdefault(_signature(code, fn.__globals__.get("__name__")), dotted)

        for dotted in names:
            obj = _resolve(dotted)
            objects.append(obj)
            if isinstance(obj, np.ufunc):
                watch.append(dotted.split(".")[-1])
            elif isinstance(obj, types.BuiltinFunctionType):
                builtins[f"{obj.__module__}.{obj.__qualname__}"] = dotted
            elif isinstance(obj, types.ModuleType):
                for member in vars(obj).values():
                    if getattr(member, "__module__", None) == obj.__name__:
                        for fn in ([member] if inspect.isfunction(member) else _class_functions(member)):
                            add_function(fn, dotted)
            elif inspect.isclass(obj):
                for fn in _class_functions(obj):
                    add_function(fn, dotted)
            elif callable(obj):
                add_function(obj, dotted)
        return cls(tuple(names), tuple(objects), signatures, tuple(watch), builtins)

    def reached_by(self, call):
        """The forbidden names a call reached (empty when none)."""
        hits = {f"np.{n}" for n in self.watch if f"numpy.{n}" in call.ufuncs}
        hits.update(self.builtins[b] for b in call.builtins if b in self.builtins)
        hits.update(self.signatures[tuple(r)] for r in call.reached if tuple(r) in self.signatures)
        return sorted(hits)

    def covers(self, obj):
        """Whether a name the learner's code refers to is (inside) one of the forbidden objects."""
        import inspect

        for f in self.objects:
            if obj is f:
                return True
            module = getattr(obj, "__module__", None)
            if inspect.ismodule(f) and (module == f.__name__ or (inspect.ismodule(obj)
                                                                and obj.__name__.startswith(f.__name__ + "."))):
                return True
            if inspect.isclass(f) and module == f.__module__ and \
                    getattr(obj, "__qualname__", "").startswith(f.__qualname__ + "."):
                return True
        return False

    def name_of(self, obj):
        for name, f in zip(self.names, self.objects):
            if obj is f or self.__class__.of((name,)).covers(obj):
                return name
        return getattr(obj, "__name__", repr(obj))


def _class_functions(cls_obj):
    import inspect

    if not inspect.isclass(cls_obj):
        return []
    out = []
    for member in vars(cls_obj).values():
        member = getattr(member, "__func__", member)
        if isinstance(member, property):
            out += [f for f in (member.fget, member.fset) if f]
        elif inspect.isfunction(member):
            out.append(member)
    return out


def check_forbidden(calls, forbidden, exercise):
    """Fail when any call reached a forbidden building block."""
    for call in calls:
        hits = forbidden.reached_by(call) if forbidden else []
        if hits:
            raise Fail(f"Exercise {exercise} asks you to write this yourself, but your code calls {', '.join(hits)}, "
                       "a ready-made version of it. Write it yourself: this test gives no points while the "
                       "answer comes from the library.", mistake=f"uses {hits[0]}", kind="static")


def check_own_rng(call, name):
    """Fail when a call drew from numpy's global random state (np.random.permutation, ...)."""
    if call.global_random:
        raise Fail(f"{name} drew from numpy's global random state (np.random.permutation, np.random.shuffle, "
                   "...). Use the rng you are given (rng.permutation(n)): then a run can be repeated exactly.",
                   mistake="global random state")


# ------------------------------------------------------------------ tests as tasks

def lit(value):
    """A probe argument holding a literal value."""
    return {"lit": codec.encode(value)}


def ref(name):
    """A probe argument naming an object an earlier step made or saved."""
    return {"name": name}


def learner(name):
    """A probe argument naming something in the learner's namespace (their function)."""
    return {"global": name}


def make(name, value):
    """A probe step that puts a value (arrays, numbers, dicts of arrays) into the probe's objects."""
    return {"op": "make", "name": name, "kind": "value", "value": codec.encode(value)}


def call(fn, *args, save=None, report=(), kwargs=None, attrs=(), provide=None):
    """A probe step calling fn (a reference) on the references args; report: names of objects
    whose state afterwards comes back; provide: {name or "nnlib.NAME": reference} set for the
    duration of the call (a stand-in where the kernel's nnlib lacks a function)."""
    step = {"op": "call", "fn": fn, "args": list(args), "report": list(report)}
    if provide:
        step["provide"] = provide
    if kwargs:
        step["kwargs"] = kwargs
    if save:
        step["save"] = save
    if attrs:
        step["attrs"] = list(attrs)
    return step


# ------------------------------------------------------------------ stand-ins for withheld library code

def eq(value):
    """A stand-in argument that matches by value (arrays within 1e-9, see exercises.probe.StandIn)."""
    return {"eq": codec.encode(value)}


def same_object(reference):
    """A stand-in argument that must be the very object a probe reference names (not a copy)."""
    return {"is": reference}


def gives(at, points, what):
    """A stand-in's function argument: called with the argument `at` perturbed in place at each
    point (index, delta, the value it must give), it must give those values."""
    return {"gives": {"at": at, "points": [[list(map(int, i)), float(d), float(v)] for i, d, v in points],
                      "what": what}}


def stand_in(name, label, params, entries, *, defaults=None, hint="", sealed=False):
    """A probe step making a StandIn: a function that answers only the calls listed in entries,
    [(args {param: spec}, result)], with the results computed here. It takes the place, for one
    call, of a library function the graded kernel lacks (exercises.withhold), so a later exercise
    can build on one an earlier exercise asks for without that answer being in the kernel.

    sealed: when a result is itself an answer the learner must reach (3.2's dense_backward returns
    dW1 for the right dz1), every argument given by value (eq) is kept only as digests and the
    result encrypted with a key made from those values (exercises.seal): the kernel can answer a
    call with the right arguments, but nobody can read the answers from the table."""
    return {"op": "make", "name": name, "kind": "stand_in", "label": label, "params": list(params),
            "defaults": {k: codec.encode(v) for k, v in (defaults or {}).items()},
            "entries": [_sealed_entry(args, result) if sealed else {"args": args, "result": codec.encode(result)}
                        for args, result in entries], "hint": hint}


def _sealed_entry(args, result):
    """An entry whose eq arguments are sealed with its result; other kinds of argument stay as they are."""
    by_value = {name: codec.decode(spec["eq"]) for name, spec in args.items() if "eq" in spec}
    rest = {name: spec for name, spec in args.items() if "eq" not in spec}
    return {"args": rest, "sealed": seal.seal(by_value, json.dumps(codec.encode(result)))}


class Task:
    """One test cell of an assignment (by its grade_id): cases, probe steps and the judgement.

    Subclasses set test_id, exercise (e.g. "1.2"), functions (the learner's names the probe
    calls, in the order a notebook's `check(test_id, *functions)` passes them), forbidden (dotted
    names of the library's versions of the answer), and write cases() and judge().
    """

    test_id = ""
    exercise = ""
    functions = ()
    forbidden_names = ()
    allow = ()
    depends_on = ()  # exercises whose code this test also runs (the notebook says so)

    def cases(self, rng, hidden):
        """The cases to try: a list of Case. hidden: draw the grader's varied cases rather than
        the few the notebook shows (rng is then seeded from the operating system)."""
        raise NotImplementedError

    def judge(self, case, calls):
        """Raise Fail when the reports of one case show a wrong answer."""
        raise NotImplementedError

    @property
    def forbidden(self):
        if not self.forbidden_names:
            return None
        cached = self.__dict__.get("_forbidden")
        if cached is None:
            cached = self.__dict__["_forbidden"] = Forbidden.of(self.forbidden_names, allow=self.allow)
        return cached

    def probe_steps(self, case):
        """The case's steps with the forbidden ufuncs watched during every call."""
        watch = list(self.forbidden.watch) if self.forbidden else []
        return [dict(step, watch=watch) if step.get("op") in ("call", "graph") else step for step in case.steps]


def visible_rng(task):
    """The notebook's cases: the same every time, so a learner sees stable feedback."""
    import zlib

    return np.random.default_rng(zlib.crc32(task.test_id.encode()))


def hidden_rng():
    """The grader's cases: a fresh seed from the operating system, stored nowhere."""
    import os

    return np.random.default_rng(int.from_bytes(os.urandom(16), "little"))


def draw_cases(task, *, hidden):
    """The cases of a test: the notebook's (visible) ones, and with hidden=True the grader's as well."""
    cases = [(c, False) for c in task.cases(visible_rng(task), hidden=False)]
    if hidden:
        cases += [(c, True) for c in task.cases(hidden_rng(), hidden=True)]
    return cases


@dataclass
class Verdict:
    """A test's judgement: message None when every case passed; else the message of the first case
    that failed, whether that case was a hidden one, and the Fail's mistake and kind."""

    message: str | None
    hidden: bool = False
    mistake: str | None = None
    kind: str = "passed"


HIDDEN_CASE_NOTE = ("\n  (This was one of the grader's hidden cases: your code passed the cases the notebook "
                    "shows, so make it right for any inputs, not just those.)")


def judgement(task, cases, reports):
    """The Verdict of a test on the reports of its cases.

    cases: [(Case, hidden)]; reports: one list of step reports per case (from exercises.probe).
    """
    if not isinstance(reports, list) or len(reports) != len(cases):
        return Verdict("the kernel did not report on every case of this test (did a cell change the notebook's "
                       "machinery?)", mistake="tampered with the machinery", kind="static")
    for i, ((case, hidden), report) in enumerate(zip(cases, reports)):
        exc = _judge_one(task, case, report)
        if exc is not None:
            exc = _told_apart(task, exc, hidden, list(zip(cases, reports))[i + 1:]) or exc
            return Verdict(str(exc) + (HIDDEN_CASE_NOTE if hidden else ""), hidden, exc.mistake, exc.kind)
    return Verdict(None)


def _judge_one(task, case, report):
    """The Fail of one case (None when it passed)."""
    try:
        if not isinstance(report, list) or len(report) != len(case.steps):
            raise Fail("the kernel did not report on every step of this test (did a cell change the "
                       "notebook's machinery?)", mistake="tampered with the machinery", kind="static")
        calls = [Call.from_report(r) for r in report]
        check_forbidden(calls, task.forbidden, task.exercise)
        task.judge(case, calls)
    except Exception as exc:  # an answer the judge did not foresee must not stop the grading
        if not isinstance(exc, Fail):
            exc = Fail(f"your answer is not in the form this test expects ({type(exc).__name__}: {exc}), so it "
                       "gives no points: check that it returns what the exercise asks for, with the types and "
                       "shapes its text gives", mistake="an answer of an unexpected form")
        return exc
    return None


def _told_apart(task, fail, hidden, later):
    """When a case's values fit several slips equally (fail.readings), the Fail of a later case (one the
    learner sees too, unless this one is hidden) that names just one of them: that case tells them apart."""
    if len(fail.readings) < 2:
        return None
    for (case, other_hidden), report in later:
        if other_hidden and not hidden:
            continue
        other = _judge_one(task, case, report)
        if other is not None and not other.readings and other.mistake in fail.readings:
            return Fail(f"{other}\n  (An earlier case fits more than one slip: {fail.mistake}; this one tells them "
                        "apart.)", mistake=other.mistake, kind=other.kind)
    return None


def verdict(task, cases, reports):
    """(None, False) when every case passed, else (the message for the first case that failed,
    whether that case was one of the hidden ones); see judgement()."""
    found = judgement(task, cases, reports)
    return found.message, found.hidden
