"""Every public function of nnlib, given one broken argument at a time.

SPECS holds one entry per public function and method of nnlib, nnlib.data, nnlib.dynamics,
nnlib.graph, nnlib.cost, nnlib.models, nnlib.forward_mode, nnlib.hessian and nnlib.memory,
found by walking the modules (a new public function, or a new argument of one, without an
entry fails test_every_public_function_has_an_entry). A method's own object can be broken
too, as the argument "self" (a layer whose gamma was replaced, an optimiser whose parameter
became read-only), so that what it changes in place is held to all-or-nothing. Each
entry gives valid arguments and the kind of each; the kind says how the argument is broken
(ARGUMENT_CLASSES) and what must happen:

- "raise": the call raises TypeError, ValueError, OverflowError, ZeroDivisionError or
  RuntimeError, from nnlib's own code (the traceback's last frame is in nnlib, not in
  numpy), with a message that names the function and the argument; and nothing the caller
  passed has changed (not even what the function changes in place when it succeeds);
- "same": the input is acceptable (a list for an array, a read-only or non-contiguous
  array, float32, a numpy scalar for a number, ...): no error, no warning, the same result
  as with the valid argument, and nothing the caller passed has changed except what the
  function changes in place by design (those arrays are compared as part of the result);
- "accept": a prediction that has become NaN or inf flows through (that is how train sees
  divergence): no error, nothing the caller passed changed.
"""

import dataclasses
import functools
import inspect
import math
import pathlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

import nnlib
import nnlib.cost
import nnlib.data
import nnlib.dynamics
import nnlib.forward_mode
import nnlib.graph
import nnlib.hessian
import nnlib.memory
import nnlib.models
from nnlib.forward_mode import Dual
from nnlib.graph import Value

RAISE, SAME, ACCEPT = "raise", "same", "accept"
NNLIB_DIR = pathlib.Path(nnlib.__file__).resolve().parent
ERRORS = (TypeError, ValueError, OverflowError, ZeroDivisionError, RuntimeError)


# --------------------------------------------------------------------------- ways to break an argument


def readonly(v):
    c = np.array(v, copy=True)
    c.flags.writeable = False
    return c


def noncontiguous(v):
    """The same values, in a view that is not contiguous (every other column of a wider array)."""
    wide = np.repeat(np.asarray(v), 2, axis=-1)
    view = wide[..., ::2]
    assert not view.flags.c_contiguous and np.array_equal(view, v)
    return view


def with_entry(v, value):
    c = np.array(v, dtype=float, copy=True)
    c.flat[min(1, c.size - 1)] = value
    return c


def array_classes(v, nonfinite=RAISE, shape=True):
    """An array argument: the kinds of thing that are not arrays of numbers, then the
    acceptable variants, then NaN and inf, then a wrong shape."""
    cases = [("None", None, RAISE), ("a string", "abc", RAISE), ("a dict", {}, RAISE),
             ("an array of strings", np.full(np.shape(v), "a"), RAISE),
             ("an object array", np.array([object()] * max(1, np.size(v)), dtype=object), RAISE),
             ("a list", np.asarray(v).tolist(), SAME), ("read-only", readonly(v), SAME),
             ("float32", np.asarray(v, dtype=np.float32), SAME),
             ("float16", np.asarray(v, dtype=np.float16), ACCEPT)]
    if np.ndim(v) >= 1 and np.size(v) > 0:
        cases.append(("non-contiguous", noncontiguous(v), SAME))
    if np.size(v) > 0:
        cases += [("NaN", with_entry(v, np.nan), nonfinite), ("inf", with_entry(v, np.inf), nonfinite)]
    if shape:
        cases.append(("an extra axis", np.asarray(v)[..., None], RAISE))
    return cases


def label_classes(v, n_classes):
    v = np.asarray(v)
    return [("None", None, RAISE), ("a string", "abc", RAISE), ("fractions", v + 0.5, RAISE),
            ("a negative label", with_entry(v, -1).astype(int), RAISE),
            ("a label >= n_classes", with_entry(v, n_classes).astype(int), RAISE),
            ("a whole float beyond int64", with_entry(v, 1e308), RAISE),
            ("NaN", with_entry(v, np.nan), RAISE), ("an extra axis", v[:, None], RAISE),
            ("one label short", v[:-1], RAISE), ("a list", v.tolist(), SAME),
            ("whole floats", v.astype(float), SAME), ("read-only", readonly(v), SAME),
            ("non-contiguous", noncontiguous(v), SAME), ("int32", v.astype(np.int32), SAME)]


def number_classes(v, low=None, low_open=False, high=None):
    """A number: not a number at all, not finite, then out of range; a numpy scalar is fine."""
    cases = [("None", None, RAISE), ("a string", str(v), RAISE), ("a bool", True, RAISE),
             ("a list", [v], RAISE), ("NaN", float("nan"), RAISE), ("inf", float("inf"), RAISE),
             ("-inf", float("-inf"), RAISE), ("a numpy scalar", np.float64(v), SAME)]
    if low is not None:
        cases.append(("below the range", low - 1.0, RAISE))
        if low_open:
            cases.append(("the excluded bound", float(low), RAISE))
    if high is not None:
        cases.append(("above the range", high + 1.0, RAISE))
    return cases


def int_classes(v, low=1, high=None):
    cases = [("None", None, RAISE), ("a string", str(v), RAISE), ("a float", v + 0.5, RAISE),
             ("a whole float", float(v), RAISE), ("a bool", True, RAISE), ("NaN", float("nan"), RAISE),
             ("a list", [v], RAISE), ("below the range", low - 1, RAISE), ("a numpy int", np.int64(v), SAME)]
    if high is not None:
        cases.append(("above the range", high + 1, RAISE))
    return cases


def choice_classes(v):
    return [("an unknown name", "no-such-name", RAISE), ("None", None, RAISE), ("a number", 3, RAISE),
            ("a list", [v], RAISE)]


def callable_classes():
    return [("None", None, RAISE), ("a number", 3, RAISE), ("a string", "f", RAISE)]


def rng_classes():
    return [("None", None, RAISE), ("a seed", 0, RAISE), ("a RandomState", np.random.RandomState(0), RAISE)]


def bool_classes(v=True):
    return [("None", None, RAISE), ("a string", "yes", RAISE), ("a number", 2, RAISE),
            ("a numpy bool", np.bool_(v), SAME)]


def model_classes():
    return [("None", None, RAISE), ("a Dense layer", nnlib.Dense(3, 3, rng=np.random.default_rng(0)), RAISE),
            ("a list of layers", [nnlib.Activation("tanh")], RAISE), ("a string", "mlp", RAISE)]


def loss_classes():
    return [("an unknown name", "hinge", RAISE), ("None", None, RAISE), ("a number", 3, RAISE)]


def operand_classes(v):
    return [("None", None, RAISE), ("a string", "a", RAISE), ("a list", [1.0], RAISE),
            ("an array", np.array([1.0, 2.0]), RAISE), ("NaN", float("nan"), RAISE), ("inf", float("inf"), RAISE),
            ("a bool", True, RAISE), ("a numpy scalar", np.float64(v), SAME), ("a Value", Value(v), SAME)]


def node_classes():
    return [("None", None, RAISE), ("a number", 3.0, RAISE), ("a string", "x", RAISE)]


def cache_classes(cache, make_bad_arrays):
    """A cache as a forward function returns it, broken."""
    return [("None", None, RAISE), ("an empty tuple", (), RAISE), ("one entry short", cache[:-1], RAISE),
            ("a list", list(cache), RAISE), ("an array", np.zeros(3), RAISE)] + make_bad_arrays(cache)


def pair_classes(pairs, grads_written=False, params_written=True):
    """(param, grad) pairs as model.parameters() returns them, broken one pair at a time."""
    (W, dW), (b, db) = pairs
    ro_param = RAISE if params_written else SAME
    ro_grad = RAISE if grads_written else SAME
    return [("None", None, RAISE), ("an array", W, RAISE), ("[param, param]", [W, W], RAISE),
            ("a string", "Wb", RAISE), ("a triple", [(W, dW, dW), (b, db)], RAISE),
            ("the second gradient of the wrong shape", [(W, dW), (b, db[:-1])], RAISE),
            ("the second parameter read-only", [(W, dW), (readonly(b), db)], ro_param),
            ("the second gradient read-only", [(W, dW), (b, readonly(db))], ro_grad),
            ("the second parameter a list", [(W, dW), (b.tolist(), db)], RAISE),
            ("the second parameter integers", [(W, dW), (np.zeros(b.shape, int), db)], RAISE if params_written
                                                                                           else SAME),
            ("the second gradient strings", [(W, dW), (b, np.full(db.shape, "g"))], RAISE),
            ("the second gradient None", [(W, dW), (b, None)], RAISE),
            ("lists for pairs", [[W, dW], [b, db]], SAME),
            ("a non-contiguous parameter", [(noncontiguous(W), dW), (b, db)], SAME),
            ("float32 parameters", [(W.astype(np.float32), dW), (b.astype(np.float32), db)], SAME)] + (
        [] if params_written or grads_written else [("a generator", iter([(W, dW), (b, db)]), SAME)])


# --------------------------------------------------------------------------- the table


@dataclass
class Arg:
    """One argument: its name, a function making a fresh valid value, and the ways to break it
    (a function of the valid value returning (label, broken value, outcome) triples)."""

    name: str
    make: object
    classes: object
    words: tuple = ()  # what the message must mention (default: the name)

    def cases(self):
        return self.classes(self.make())

    def mentions(self):
        return self.words or (self.name,)


@dataclass
class Spec:
    """How to call one public function: call(**arguments) -> result."""

    call: object
    args: list
    where: tuple  # a message names one of these as the function
    written: tuple = ()  # arguments the function changes in place when it succeeds
    result: object = None  # (kwargs, returned) -> what to compare; default: the returned value
    unchecked: dict = field(default_factory=dict)  # parameters left out, with the reason why
    float32: bool = False  # every float input float32 -> every float array output float32


R = np.random.default_rng(7)
X43 = R.standard_normal((4, 3))
Y4 = np.array([0, 1, 2, 1])
Z32 = R.standard_normal((3, 2))
H22 = np.array([[2.0, 0.5], [0.5, 1.0]])
H33 = np.diag([3.0, 2.0, 1.0])


def fixed(value):
    return lambda: value.copy() if hasattr(value, "copy") else value


def gen():
    return np.random.default_rng(0)


def small_mlp():
    return nnlib.mlp([3, 4, 3], activation="tanh", rng=np.random.default_rng(1))


def seen_mlp():
    model = small_mlp()
    model.forward(X43.copy())
    return model


def dense_after_forward():
    layer = nnlib.Dense(3, 2, rng=np.random.default_rng(2))
    layer.forward(X43.copy())
    return layer


def act_after_forward():
    layer = nnlib.Activation("tanh")
    layer.forward(Z32.copy())
    return layer


def pairs():
    r = np.random.default_rng(3)
    return [(r.standard_normal((3, 2)), 10 * r.standard_normal((3, 2))),
            (r.standard_normal(2), 10 * r.standard_normal(2))]


def square_of(v):
    return float(np.sum(np.asarray(v, dtype=float) ** 2))


def arr(name, value, **kw):
    words = kw.pop("words", ())
    return Arg(name, fixed(value), lambda v: array_classes(v, **kw), words)


def pred(name, value, **kw):
    """A prediction or a value flowing through a network: NaN and inf pass."""
    return arr(name, value, nonfinite=ACCEPT, **kw)


def upstream(name, value, **kw):
    """An upstream gradient (dout, dz, da): a prediction's classes, and a boolean array, which is a
    mask and never a gradient, is refused (data arrays take booleans as 0 and 1 on purpose)."""
    return with_extra(pred(name, value, **kw), [("booleans", np.asarray(value) > 0.5, RAISE),
                                                ("a list of booleans", (np.asarray(value) > 0.5).tolist(), RAISE)])


def labels(name, value, n_classes, words=()):
    return Arg(name, fixed(value), lambda v: label_classes(v, n_classes), words)


def num(name, value, words=(), **kw):
    return Arg(name, lambda: value, lambda v: number_classes(v, **kw), words)


def positive(name, value, words=()):
    return num(name, value, words, low=0.0, low_open=True)


def integer(name, value, low=1, high=None, words=()):
    return Arg(name, lambda: value, lambda v: int_classes(v, low, high), words)


def size(name, value, low=1, words=()):
    """A count of rows, units or classes: an integer, and not beyond any array numpy can make."""
    return with_extra(integer(name, value, low, words=words), [("beyond any array", 10**30, RAISE)])


def choice(name, value, words=()):
    return Arg(name, lambda: value, choice_classes, words)


def flag(name, value=True):
    return Arg(name, lambda: value, bool_classes)


def rng_arg(name="rng"):
    return Arg(name, gen, lambda v: rng_classes())


def model_arg(make=small_mlp, extra=(), dense=RAISE):
    """dense: what a lone Dense layer given as the model must do (train takes any object with
    forward, backward and parameters; the others need a Sequential)."""
    return Arg("model", make, lambda v: [(lab, val, dense if lab == "a Dense layer" else out)
                                         for lab, val, out in model_classes()] + list(extra))


def loss_arg(value="softmax_cross_entropy"):
    return Arg("loss", lambda: value, lambda v: loss_classes())


def func_arg(name, value):
    return Arg(name, lambda: value, lambda v: callable_classes())


def with_extra(arg, extra):
    base = arg.classes
    return dataclasses.replace(arg, classes=lambda v: base(v) + list(extra))


def outcomes(arg, changed):
    """The same ways of breaking arg, some with another outcome: outcomes(arg, {"an extra axis": SAME})."""
    base = arg.classes
    return dataclasses.replace(arg, classes=lambda v: [(lab, val, changed.get(lab, out)) for lab, val, out in base(v)])


def opt(arg):
    """An optional argument: None is the default and is fine."""
    base = arg.classes
    return dataclasses.replace(arg, classes=lambda v: [c for c in base(v) if c[0] != "None"])


# unit-interval targets for the cross-entropies
def unit_targets(name, value):
    return with_extra(arr(name, value), [("a target of 2", with_entry(value, 2.0), RAISE),
                                         ("a target of -1", with_entry(value, -1.0), RAISE)])


P42 = np.clip(R.uniform(size=(4, 2)), 0.05, 0.95)
T42 = (R.uniform(size=(4, 2)) > 0.5).astype(float)
CACHE_DENSE = nnlib.dense_forward(X43, Z32, np.zeros(2))[1]
CACHE_ACT = nnlib.activation_forward(Z32, "tanh")[1]


def bad_dense_cache(c):
    x, W = c
    return [("x of the wrong width", (x[:, :2], W), RAISE), ("strings for W", (x, np.full(W.shape, "w")), RAISE)]


def bad_act_cache(c):
    name, z, a = c
    return [("an unknown activation", ("no-such", z, a), RAISE), ("a of another shape", (name, z, a[:1]), RAISE),
            ("None for z", (name, None, a), RAISE)]


EXEMPT = {
    "nnlib.History": "a record train returns: a dataclass holding lists, no computation to check",
    "nnlib.forward_mode.JacobianResult": "a record jacobian_forward and jacobian_reverse return: a named "
                                         "tuple, no computation to check",
}

VALUE_OPS = ["__add__", "__mul__", "__sub__", "__truediv__", "__radd__", "__rmul__", "__rsub__", "__rtruediv__"]


def value_op(op):
    return Spec(lambda other: getattr(Value(2.0), op)(other),
                [Arg("other", lambda: 0.5, operand_classes, ("operand",))], (f"Value.{op}",))


def no_args(call):
    return Spec(call, [], ())


# --------------------------------------------------------------------------- the layers, optimisers and forward mode


G3, B3 = np.array([1.0, 2.0, 0.5]), np.array([0.0, 0.1, -0.1])  # not the defaults: a mix-up shows
RUNNING_MEAN, RUNNING_VAR = np.array([0.1, -0.2, 0.3]), np.array([1.5, 0.5, 2.0])
BN_CACHE = nnlib.batchnorm_forward(X43, G3, B3)[1]
RUNNING_CACHE = nnlib.batchnorm_running_forward(X43, G3, B3, RUNNING_MEAN, RUNNING_VAR)[1]
DROPOUT_CACHE = nnlib.dropout_forward(X43, 0.5, np.random.default_rng(5))[1]
X3, V3 = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -2.0])


def with_attrs(obj, **attrs):
    for name, value in attrs.items():
        setattr(obj, name, value)
    return obj


def batchnorm(training=True):
    layer = with_attrs(nnlib.BatchNorm(3), gamma=G3.copy(), beta=B3.copy(), running_mean=RUNNING_MEAN.copy(),
                       running_var=RUNNING_VAR.copy())
    return layer.train(training)


def batchnorm_after_forward(training=True):
    layer = batchnorm(training)
    layer.forward(X43.copy())
    return layer


def batchnorm_self_classes():
    """A BatchNorm whose own arrays were replaced: each raises, and changes none of the others."""
    return [("gamma of the wrong length", with_attrs(batchnorm(), gamma=np.ones(2)), RAISE),
            ("strings for beta", with_attrs(batchnorm(), beta=np.full(3, "b")), RAISE),
            ("a list for gamma", with_attrs(batchnorm(), gamma=G3.tolist()), SAME),
            # forward updates the running statistics: both must be writable, checked before either moves
            ("a read-only running_var", with_attrs(batchnorm(), running_var=readonly(RUNNING_VAR)), RAISE),
            ("in evaluation mode", batchnorm(False), ACCEPT),
            ("gamma of the wrong length in evaluation mode", with_attrs(batchnorm(False), gamma=np.ones(2)), RAISE),
            ("a negative running_var in evaluation mode", with_attrs(batchnorm(False), running_var=-RUNNING_VAR),
             RAISE)]


def bad_batchnorm_cache(c):
    return [("gamma of another length", c._replace(gamma=c.gamma[:2]), RAISE),
            ("strings for x_hat", c._replace(x_hat=np.full(c.x_hat.shape, "x")), RAISE),
            ("the other kind of batch-norm cache", RUNNING_CACHE if type(c) is type(BN_CACHE) else BN_CACHE, RAISE)]


def bad_dropout_cache(c):
    return [("strings for the mask", c._replace(mask=np.full(c.mask.shape, "m")), RAISE),
            ("a batch-norm cache", BN_CACHE, RAISE)]


def fraction(name, value, words=()):
    """A number in [0, 1): the bound 1 itself is refused too."""
    return with_extra(num(name, value, words, low=0.0, high=1.0), [("the excluded bound 1", 1.0, RAISE)])


def block():
    """A block that keeps its input's width, (batch, 3) -> (batch, 3)."""
    return nnlib.Sequential(nnlib.Dense(3, 3, rng=np.random.default_rng(4)), nnlib.Activation("tanh"))


def block_classes():
    return [("None", None, RAISE), ("a number", 3, RAISE), ("a string", "dense", RAISE),
            ("a list of layers", [nnlib.Activation("tanh")], RAISE),
            ("a Dense layer", nnlib.Dense(3, 3, rng=gen()), ACCEPT)]


def after_forward(layer):
    layer.forward(X43.copy())
    return layer


def in_evaluation(model):
    """model.training inside evaluation_mode and after it."""
    with nnlib.models.evaluation_mode(model) as m:
        inside = getattr(m, "training", None)
    return inside, getattr(model, "training", None)


def dual_operand_classes(v):
    return [("None", None, RAISE), ("a string", "a", RAISE), ("a list", [1.0], RAISE),
            ("an array", np.array([1.0, 2.0]), RAISE), ("NaN", float("nan"), RAISE), ("inf", float("inf"), RAISE),
            ("a bool", True, RAISE), ("a Value", Value(v), RAISE), ("a numpy scalar", np.float64(v), SAME),
            ("a Dual", Dual(v), SAME)]


def dual_op(op):
    return Spec(lambda other: getattr(Dual(2.0, 1.0), op)(other),
                [Arg("other", lambda: 0.5, dual_operand_classes, ("operand",))], (f"Dual.{op}",))


def scalar_f(a, b, c):
    """Two outputs of three scalars, through every operation Dual and Value share."""
    return [a * b + c.exp() - a / (b + 3.0), (a**2).tanh() + b.sigmoid() * c.relu() - (c * c + 1.0).log() - 1 / b]


def scalar_point(name, value):
    return with_extra(arr(name, value), [("no entries", np.zeros(0), RAISE)])


MLP_SHAPES = [p.shape for p, _ in small_mlp().parameters()]
V_MLP = [np.random.default_rng(6).standard_normal(shape) for shape in MLP_SHAPES]


def directions(nonfinite=RAISE, optional=False, name="v"):
    """v (or the argument called name): one array per parameter of small_mlp, in their order."""
    def classes(v):
        cases = [("an array", v[0], RAISE), ("a string", "v", RAISE), ("a number", 3.0, RAISE),
                 ("one array short", v[:-1], RAISE), ("strings", [v[0], np.full(v[1].shape, "s"), *v[2:]], RAISE),
                 ("a wrong shape", [v[0], v[1][:-1], *v[2:]], RAISE), ("a tuple", tuple(v), SAME),
                 ("read-only", [readonly(a) for a in v], SAME), ("lists", [a.tolist() for a in v], SAME),
                 ("float32", [a.astype(np.float32) for a in v], SAME),
                 ("NaN", [with_entry(v[0], np.nan), *v[1:]], nonfinite)]
        return cases if optional else [("None", None, RAISE)] + cases
    return Arg(name, lambda: [a.copy() for a in V_MLP], classes)


def no_second_derivative(y_hat, y):
    return 0.0, np.zeros_like(y_hat)


def hessian_loss_arg():
    return with_extra(loss_arg(), [("a loss without a second derivative", no_second_derivative, RAISE)])


def optimiser_pairs_arg():
    return Arg("parameters", pairs, lambda v: pair_classes(v) + [("one parameter twice", [v[0], v[0]], RAISE),
                                                                 ("no pairs", [], RAISE)])


def stepped(make):
    """Build the optimiser, take one step; the result is the parameters after it."""
    return lambda **kw: make(**kw).step()


def optimiser(cls):
    opt = cls(pairs(), lr=0.1)
    opt.step()
    return opt


def optimiser_self_classes(cls):
    def frozen():
        opt = optimiser(cls)
        opt.parameters[1][0].flags.writeable = False  # after the optimiser took it
        return opt
    return lambda v: [("a parameter made read-only since", frozen(), RAISE)]


def parameters_after(kw, out):
    """What an optimiser's step changes: the parameters."""
    return [p for p, _ in kw["parameters"]]


def wrapped_batchnorm():
    return nnlib.models.Wrapper(nnlib.Sequential(nnlib.Dense(3, 3, rng=gen()), batchnorm()))


def call_method(make, name):
    return getattr(make(), name)()


def flat_like():
    return [Z32.copy(), np.ones(2)]


SPECS = {
    # activations: elementwise, any shape; NaN flows through
    **{f"nnlib.{n}": Spec(getattr(nnlib, n), [pred("z", Z32, shape=False)], (n,), float32=True)
       for n in ["sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime", "identity",
                 "identity_prime"]},
    "nnlib.activation_forward": Spec(nnlib.activation_forward, [pred("z", Z32, shape=False), choice("name", "tanh",
                                                                                                  ("activation",))],
                                     ("activation_forward",), unchecked={"check": "check=False skips the checks"},
                                     float32=True),
    "nnlib.activation_backward": Spec(nnlib.activation_backward,
                                      [upstream("da", np.ones((3, 2))), Arg("cache", lambda: CACHE_ACT,
                                                                        lambda c: cache_classes(c, bad_act_cache),
                                                                        ("cache", "activation"))],
                                      ("activation_backward",), unchecked={"check": "check=False skips the checks"}),
    "nnlib.dense_forward": Spec(nnlib.dense_forward, [pred("x", X43), pred("W", Z32), pred("b", np.zeros(2))],
                                ("dense_forward",), unchecked={"check": "check=False skips the checks"}, float32=True),
    "nnlib.dense_backward": Spec(
        nnlib.dense_backward,
        [upstream("dz", np.ones((4, 2))),
         Arg("cache", lambda: CACHE_DENSE, lambda c: cache_classes(c, bad_dense_cache)),
         flag("input_grad"),
         Arg("out", lambda: None, lambda v: [("one array", np.zeros((3, 2)), RAISE),
                                             ("dW of the wrong shape", (np.zeros((2, 2)), np.zeros(2)), RAISE),
                                             ("a read-only dW", (readonly(np.zeros((3, 2))), np.zeros(2)), RAISE),
                                             ("integer arrays", (np.zeros((3, 2), int), np.zeros(2, int)), RAISE)])],
        ("dense_backward",), written=("out",), unchecked={"check": "check=False skips the checks"}),
    "nnlib.mse_loss": Spec(nnlib.mse_loss, [pred("y_hat", P42), arr("y", T42)], ("mse_loss",), float32=True),
    "nnlib.bce_loss": Spec(nnlib.bce_loss, [with_extra(outcomes(arr("p", P42, nonfinite=ACCEPT), {"inf": RAISE}),
                                                       [("a probability of 1.5", with_entry(P42, 1.5), RAISE)]),
                                            unit_targets("y", T42)], ("bce_loss",), float32=True),
    "nnlib.bce_with_logits": Spec(nnlib.bce_with_logits, [pred("z", X43[:, :2]), unit_targets("y", T42)],
                                  ("bce_with_logits",), float32=True),
    "nnlib.softmax": Spec(nnlib.softmax, [with_extra(pred("z", X43, shape=False), [("a number", 1.0, RAISE)])],
                          ("softmax",), float32=True),
    "nnlib.softmax_cross_entropy": Spec(nnlib.softmax_cross_entropy, [pred("logits", X43), labels("y", Y4, 3)],
                                        ("softmax_cross_entropy",), float32=True),
    # models
    "nnlib.Dense": Spec(lambda n_in, n_out, init, rng, scale: nnlib.Dense(n_in, n_out, init=init, rng=rng, scale=scale),
                        [size("n_in", 3), size("n_out", 2), choice("init", "he", ("init",)), rng_arg(),
                         opt(num("scale", 0.5, low=0.0))], ("Dense",)),
    "nnlib.Dense.forward": Spec(lambda x: nnlib.Dense(3, 2, rng=gen()).forward(x), [pred("x", X43)],
                                ("Dense.forward",), unchecked={"check": "check=False skips the checks"}),
    "nnlib.Dense.backward": Spec(lambda dz, input_grad: dense_after_forward().backward(dz, input_grad),
                                 [upstream("dz", np.ones((4, 2))), flag("input_grad")], ("Dense.backward",),
                                 unchecked={"check": "check=False skips the checks"}),
    "nnlib.Activation": Spec(nnlib.Activation, [choice("name", "tanh", ("activation",))], ("Activation",)),
    "nnlib.Activation.forward": Spec(lambda z: nnlib.Activation("sigmoid").forward(z), [pred("z", Z32, shape=False)],
                                     ("Activation.forward",), unchecked={"check": "check=False skips the checks"}),
    "nnlib.Activation.backward": Spec(lambda da: act_after_forward().backward(da), [upstream("da", np.ones((3, 2)))],
                                      ("Activation.backward",), unchecked={"check": "check=False skips the checks"}),
    "nnlib.Sequential": Spec(lambda layers: nnlib.Sequential(*layers),
                             [Arg("layers", lambda: [nnlib.Dense(3, 2, rng=gen()), nnlib.Activation("tanh")],
                                  lambda v: [("None as a layer", [None], RAISE), ("a number as a layer", [3], RAISE),
                                             ("a list as a layer", [list(v)], RAISE)], ("layer",))],
                             ("Sequential",)),
    "nnlib.Sequential.forward": Spec(lambda x: small_mlp().forward(x),
                                     [with_extra(pred("x", X43), [("two columns", X43[:, :2], RAISE)])],
                                     ("Sequential.forward",)),
    "nnlib.Sequential.__call__": Spec(lambda x: small_mlp()(x), [pred("x", X43)], ("Sequential.forward",)),
    "nnlib.Sequential.backward": Spec(lambda dout, input_grad: seen_mlp().backward(dout, input_grad),
                                      [upstream("dout", np.ones((4, 3))), flag("input_grad")],
                                      ("Sequential.backward",)),
    "nnlib.Sequential.check_layers": Spec(lambda x: small_mlp().check_layers(x),
                                          [opt(arr("x", X43, nonfinite=ACCEPT))],
                                          ("Sequential",), unchecked={"where": "the name messages give the caller",
                                                                      "name": "the name messages give x"}),
    "nnlib.Sequential.parameters": no_args(lambda: small_mlp().parameters()),
    "nnlib.Sequential.named_parameters": no_args(lambda: small_mlp().named_parameters()),
    "nnlib.Sequential.dense_layers": no_args(lambda: small_mlp().dense_layers()),
    "nnlib.mlp": Spec(lambda sizes, activation, init, rng, scale: nnlib.mlp(sizes, activation=activation, init=init,
                                                                          rng=rng, scale=scale),
                      [Arg("sizes", lambda: [3, 4, 2],
                           lambda v: [("None", None, RAISE), ("a number", 5, RAISE), ("a string", "342", RAISE),
                                      ("one size", [3], RAISE), ("a zero", [3, 0, 2], RAISE),
                                      ("a 0-d array", np.array(3), RAISE), ("ragged", [[1.0, 2.0], [3.0]], RAISE),
                                      ("beyond any array", [3, 10**30], RAISE),
                                      ("a fraction", [3, 2.5, 2], RAISE), ("a tuple", tuple(v), SAME),
                                      ("an array", np.array(v), SAME)]),
                       choice("activation", "relu"), choice("init", "he"), rng_arg(), opt(num("scale", 2.0, low=0.0))],
                      ("mlp",)),
    # initialisation, optimisation
    "nnlib.init_weights": Spec(nnlib.init_weights, [size("n_in", 3), size("n_out", 2),
                                                    choice("scheme", "xavier", ("init scheme",)), rng_arg(),
                                                    opt(num("scale", 0.5, low=0.0))], ("init_weights",)),
    "nnlib.init_std": Spec(nnlib.init_std, [size("n_in", 3), size("n_out", 2),
                                            choice("scheme", "he", ("init scheme",))], ("init_std",)),
    "nnlib.sgd_step": Spec(nnlib.sgd_step, [Arg("parameters", pairs, pair_classes), positive("lr", 0.1)],
                           ("sgd_step",), written=("parameters",),
                           result=lambda kw, out: (out, [p for p, _ in kw["parameters"]])),
    "nnlib.clip_gradients": Spec(nnlib.clip_gradients,
                                 [Arg("parameters", pairs, lambda v: pair_classes(v, grads_written=True,
                                                                                  params_written=False)),
                                  positive("max_norm", 1.0)], ("clip_gradients",), written=("parameters",),
                                 result=lambda kw, out: (out, [g for _, g in kw["parameters"]])),
    "nnlib.global_grad_norm": Spec(nnlib.global_grad_norm,
                                   [Arg("parameters", pairs, lambda v: pair_classes(v, params_written=False))],
                                   ("global_grad_norm",)),
    # training
    "nnlib.iterate_minibatches": Spec(lambda X, y, batch_size, rng, shuffle: list(nnlib.iterate_minibatches(
                                          X, y, batch_size, rng, shuffle)),
                                      [outcomes(arr("X", X43), {"an extra axis": ACCEPT}),
                                       with_extra(outcomes(arr("y", Y4.astype(float)), {"an extra axis": ACCEPT}),
                                                  [("one row short", Y4[:-1], RAISE)]), integer("batch_size", 3),
                                       rng_arg(), flag("shuffle")], ("iterate_minibatches",)),
    "nnlib.train": Spec(
        lambda model, loss, X, y, X_val, y_val, lr, batch_size, max_epochs, patience, rng, progress, clip,
        restore_best: (nnlib.train(model, loss, X, y, X_val=X_val, y_val=y_val, lr=lr, batch_size=batch_size,
                                   max_epochs=max_epochs, patience=patience, rng=rng, progress=progress, clip=clip,
                                   restore_best=restore_best), model),
        [model_arg(dense=ACCEPT), loss_arg(), arr("X", X43), labels("y", Y4, 3, ("y", "label")),
         arr("X_val", X43[:2]),
         labels("y_val", Y4[:2], 3, ("y_val", "label", " y")), positive("lr", 0.1), integer("batch_size", 2),
         integer("max_epochs", 2), opt(integer("patience", 1)), rng_arg(), flag("progress", False),
         opt(positive("clip", 5.0)), flag("restore_best")],
        ("train", "softmax_cross_entropy"), written=("model",)),
    "nnlib.early_stopping_epoch": Spec(nnlib.early_stopping_epoch,
                                       [arr("val_losses", np.array([1.0, 0.5, 0.6, 0.7]), words=("val_losses",)),
                                        opt(integer("patience", 2))], ("early_stopping_epoch",)),
    "nnlib.evaluate": Spec(nnlib.evaluate, [Arg("model", small_mlp, lambda v: [("None", None, RAISE),
                                                                               ("a string", "mlp", RAISE)]),
                                            loss_arg(), arr("X", X43), labels("y", Y4, 3, ("y", "label"))],
                           ("evaluate", "softmax_cross_entropy", "Sequential.forward")),
    "nnlib.accuracy": Spec(nnlib.accuracy, [arr("scores", X43), labels("y", Y4, 3, ("y", "label"))], ("accuracy",)),
    "nnlib.confusion_matrix": Spec(nnlib.confusion_matrix,
                                   [labels("y_true", Y4, 3, ("y_true", "label")),
                                    labels("y_pred", np.array([0, 2, 2, 1]), 3, ("y_pred", "label")),
                                    opt(size("n_classes", 3))], ("confusion_matrix",)),
    # checking gradients
    "nnlib.numerical_gradient": Spec(
        nnlib.numerical_gradient,
        [func_arg("f", square_of),
         # x is perturbed in place: a list or a read-only array cannot be; float32 is too coarse
         # for h = 1e-5 to give the same numbers, so it is only run
         with_extra(outcomes(Arg("x", fixed(np.array([[1.0, -2.0], [0.5, 3.0]])),
                                 lambda v: array_classes(v, shape=False)),
                             {"a list": RAISE, "read-only": RAISE, "float32": ACCEPT,
                              "float16": RAISE}),
                    [("integers", np.array([[1, -2], [0, 3]]), RAISE)]),
         positive("h", 1e-5)], ("numerical_gradient",)),
    "nnlib.rel_error": Spec(nnlib.rel_error, [arr("a", Z32), arr("b", Z32 + 1e-3)], ("rel_error",)),
    "nnlib.gradient_check": Spec(nnlib.gradient_check, [model_arg(), loss_arg(), arr("X", X43[:2]),
                                                        labels("y", Y4[:2], 3, ("y", "label")), positive("h", 1e-5)],
                                 ("gradient_check", "softmax_cross_entropy", "Sequential.forward")),
    "nnlib.gradient_errors": Spec(nnlib.gradient_errors, [model_arg(), loss_arg(), arr("X", X43[:2]),
                                                          labels("y", Y4[:2], 3, ("y", "label")), positive("h", 1e-5)],
                                  ("gradient_errors", "softmax_cross_entropy", "Sequential.forward")),
    # the data sets
    "nnlib.data.make_line": Spec(nnlib.data.make_line, [size("n", 5), rng_arg(), num("slope", 2.0),
                                                        num("intercept", -1.0), num("noise", 0.1, low=0.0)],
                                 ("make_line",)),
    **{f"nnlib.data.{n}": Spec(getattr(nnlib.data, n), [size("n", 6, low=2 if n != "make_xor" else 1), rng_arg(),
                                                        num("noise", 0.1, low=0.0)], (n,))
       for n in ["make_xor", "make_moons"]},
    "nnlib.data.make_circles": Spec(nnlib.data.make_circles,
                                    [size("n", 6, low=2), rng_arg(), num("noise", 0.1, low=0.0),
                                     num("factor", 0.5, ("factor",), low=0.0, low_open=True, high=1.0)],
                                    ("make_circles",)),
    "nnlib.data.make_spirals": Spec(nnlib.data.make_spirals, [size("n", 6, low=3), rng_arg(),
                                                              size("classes", 3), num("noise", 0.1, low=0.0),
                                                              num("turns", 1.25, low=0.0, low_open=True)],
                                    ("make_spirals",)),
    "nnlib.data.split": Spec(nnlib.data.split, [outcomes(arr("X", X43), {"an extra axis": ACCEPT}),
                                                with_extra(outcomes(arr("y", Y4.astype(float)),
                                                                    {"an extra axis": ACCEPT}),
                                                           [("one row short", Y4[:-1], RAISE)]),
                                                num("fraction", 0.25, low=0.0, low_open=True, high=1.0),
                                                rng_arg()], ("split",)),
    "nnlib.data.load_digits": no_args(lambda: nnlib.data.load_digits()[1][:5]),
    # the explorers' mathematics
    "nnlib.dynamics.check_hessian": Spec(nnlib.dynamics.check_hessian,
                                         [with_extra(arr("hessian", H22),
                                                     [("not symmetric", np.array([[1.0, 2.0], [0.0, 1.0]]), RAISE),
                                                      ("not positive definite", np.diag([1.0, -1.0]), RAISE)])],
                                         ("quadratic_descent",),
                                         unchecked={"where": "the name messages give the caller"}),
    "nnlib.dynamics.stability_limit": Spec(nnlib.dynamics.stability_limit, [arr("hessian", H22)],
                                           ("stability_limit",)),
    "nnlib.dynamics.shrink_factor": Spec(nnlib.dynamics.shrink_factor, [arr("hessian", H22), positive("lr", 0.5)],
                                         ("shrink_factor",)),
    "nnlib.dynamics.descent_verdict": Spec(nnlib.dynamics.descent_verdict, [num("factor", 0.5, low=0.0)],
                                           ("descent_verdict",)),
    "nnlib.dynamics.run_verdict": Spec(nnlib.dynamics.run_verdict,
                                       [with_extra(arr("losses", np.array([1.0, 0.5, 0.25]), nonfinite=ACCEPT),
                                                   [("no losses", np.array([]), RAISE)]), flag("diverged")],
                                       ("run_verdict",)),
    "nnlib.dynamics.quadratic_descent": Spec(nnlib.dynamics.quadratic_descent,
                                             [arr("hessian", H22),
                                              outcomes(arr("w0", np.array([1.0, -0.5])), {"an extra axis": SAME}),
                                              positive("lr", 0.5), integer("steps", 5, low=0, high=10**6)],
                                             ("quadratic_descent",)),
    "nnlib.dynamics.momentum_radius": Spec(nnlib.dynamics.momentum_radius,
                                           [arr("hessian", H22), positive("lr", 0.1),
                                            num("beta", 0.5, low=0.0, high=1.0)],
                                           ("momentum_radius",)),
    "nnlib.dynamics.momentum_descent": Spec(nnlib.dynamics.momentum_descent,
                                            [arr("hessian", H22),
                                             outcomes(arr("w0", np.array([1.0, -0.5])), {"an extra axis": SAME}),
                                             positive("lr", 0.1), num("beta", 0.5, low=0.0, high=1.0),
                                             integer("steps", 5, low=0, high=10**6)],
                                            ("momentum_descent",)),
    "nnlib.dynamics.network_descent": Spec(nnlib.dynamics.network_descent,
                                           [model_arg(), arr("X", X43), arr("y", X43 / 2), positive("lr", 0.1),
                                            integer("steps", 3, low=0, high=10**6)],
                                           ("network_descent", "mse_loss"), written=("model",),
                                           result=lambda kw, out: (out, kw["model"].parameters())),
    "nnlib.dynamics.rotated_hessian": Spec(nnlib.dynamics.rotated_hessian,
                                           [arr("eigenvalues", np.array([1.0, 4.0])), num("angle_degrees", 30.0)],
                                           ("rotated_hessian",)),
    "nnlib.dynamics.check_model_data": Spec(lambda model, X, y: nnlib.dynamics.check_model_data(
                                                model, X, y, "check_model_data"),
                                            [model_arg(), arr("X", X43),
                                             outcomes(arr("y", X43), {"an extra axis": ACCEPT})],
                                            ("check_model_data",),
                                            unchecked={"where": "the name messages give the caller"}),
    "nnlib.dynamics.backward_factors": Spec(nnlib.dynamics.backward_factors,
                                            [model_arg(seen_mlp, [("a model before its first forward pass",
                                                                   small_mlp(), RAISE)])],
                                            ("backward_factors",)),
    "nnlib.dynamics.gradient_flow": Spec(nnlib.dynamics.gradient_flow,
                                         [model_arg(), arr("X", X43), arr("y", X43 / 2), flag("bound")],
                                         ("gradient_flow", "mse_loss", "Sequential.forward")),
    "nnlib.dynamics.build_deep_mlp": Spec(
        lambda depth, activation, init, scale, width, n_out, rng: nnlib.dynamics.build_deep_mlp(
            depth, activation, init, scale, width=width, n_out=n_out, rng=rng),
        [with_extra(integer("depth", 3), [("beyond any array", 10**30, RAISE)]), choice("activation", "tanh"),
         choice("init", "xavier"), opt(num("scale", 1.0, low=0.0)),
         size("width", 4), size("n_out", 2), rng_arg()], ("build_deep_mlp", "mlp")),
    "nnlib.dynamics.flow_verdict": Spec(nnlib.dynamics.flow_verdict,
                                        [with_extra(arr("grad_norms", np.array([0.1, 1.0, 2.0]), nonfinite=ACCEPT),
                                                    [("a negative norm", np.array([0.1, -1.0]), RAISE),
                                                     ("no norms", np.array([]), RAISE)])], ("flow_verdict",)),
    "nnlib.dynamics.flat_gradient": Spec(
        lambda model, X, y, loss: (lambda w0, grad, restore: (w0, grad(w0)))(*nnlib.dynamics.flat_gradient(
            model, X, y, loss)),
        [model_arg(), arr("X", X43), arr("y", X43 / 2), Arg("loss", lambda: nnlib.mse_loss, lambda v: loss_classes())],
        ("flat_gradient", "mse_loss", "Sequential.forward")),
    "nnlib.dynamics.hessian_vector_product": Spec(nnlib.dynamics.hessian_vector_product,
                                                  [func_arg("grad", lambda w: H33 @ w),
                                                   arr("w", np.array([1.0, 2.0, 3.0])),
                                                   arr("v", np.array([0.0, 1.0, 0.0])), positive("h", 1e-5)],
                                                  ("hessian_vector_product",)),
    "nnlib.dynamics.power_iteration": Spec(nnlib.dynamics.power_iteration,
                                           [func_arg("matvec", lambda v: H33 @ v),
                                            with_extra(arr("v0", np.array([1.0, 1.0, 1.0])),
                                                       [("zeros", np.zeros(3), RAISE)]),
                                            integer("iters", 20), positive("tol", 1e-7)], ("power_iteration",)),
    "nnlib.dynamics.network_lambda_max": Spec(nnlib.dynamics.network_lambda_max,
                                              [model_arg(), arr("X", X43), arr("y", X43 / 2), rng_arg(),
                                               Arg("loss", lambda: nnlib.mse_loss, lambda v: loss_classes()),
                                               integer("iters", 5), positive("tol", 1e-7)],
                                              ("network_lambda_max", "mse_loss", "Sequential.forward")),
    "nnlib.dynamics.relative_update_sizes": Spec(
        nnlib.dynamics.relative_update_sizes,
        [Arg(n, (lambda k: lambda: [Z32 + k, np.ones(2) + k])(i), lambda v: [
            ("None", None, RAISE), ("an array", np.zeros(3), RAISE), ("one array short", v[:1], RAISE),
            ("strings", [v[0], "b"], RAISE), ("a wrong shape", [v[0], np.ones(3)], RAISE),
            ("a tuple", tuple(v), SAME), ("read-only", [readonly(a) for a in v], SAME)]) for i, n in
         enumerate(["before", "after"])], ("relative_update_sizes",)),
    "nnlib.dynamics.sgd_steps": Spec(
        nnlib.dynamics.sgd_steps,
        [model_arg(), func_arg("loss", nnlib.softmax_cross_entropy), arr("X", X43),
         labels("y", Y4, 3, ("y", "label")),
         Arg("batches", lambda: [np.array([0, 1]), np.array([2, 3])], lambda v: [
             ("None", None, RAISE), ("an array", np.arange(4), RAISE), ("fractions", [np.array([0.5])], RAISE),
             ("a row beyond X", [np.array([0, 9])], RAISE), ("an empty batch", [np.array([], int)], RAISE),
             ("a generator", iter(v), SAME), ("lists", [list(b) for b in v], SAME)]), positive("lr", 0.1)],
        ("sgd_steps", "softmax_cross_entropy"), written=("model",),
        result=lambda kw, out: (out, kw["model"].parameters())),
    # the scalar graph
    "nnlib.graph.Value": Spec(lambda data, label: Value(data, label=label),
                              [Arg("data", lambda: 2.0, lambda v: [c for c in number_classes(v) if c[0] != "a list"]
                                   + [("a list", [2.0], RAISE), ("an int", 2, SAME)]),
                               Arg("label", lambda: "w", lambda v: [("None", None, RAISE), ("a number", 3, RAISE)])],
                              ("Value",), unchecked={"_parents": "filled in by the operations, not by a learner",
                                                     "op": "filled in by the operations, not by a learner"}),
    **{f"nnlib.graph.Value.{op}": value_op(op) for op in VALUE_OPS},
    "nnlib.graph.Value.__pow__": Spec(lambda exponent: Value(2.0) ** exponent,
                                      [Arg("exponent", lambda: 3, lambda v: number_classes(v) + [
                                          ("a Value", Value(3.0), RAISE), ("too large", 2000, RAISE)],
                                           ("exponent", "**"))],
                                      ("Value.__pow__",)),
    **{f"nnlib.graph.Value.{op}": no_args((lambda o: lambda: getattr(Value(0.5), o)())(op))
       for op in ["exp", "log", "sigmoid", "tanh", "relu", "__neg__", "backward"]},
    **{f"nnlib.graph.{n}": Spec(getattr(nnlib.graph, n), [Arg("root", lambda: Value(2.0) * 3.0,
                                                              lambda v: node_classes())], (n,))
       for n in ["topological_order", "edges"]},
    "nnlib.cost.matmul_flops": Spec(nnlib.cost.matmul_flops, [model_arg(), size("batch", 8), flag("input_grad")],
                                    ("matmul_flops",)),
    # the layers, modes, optimisers, forward mode and Hessian
    # optimisers
    "nnlib.Momentum": Spec(stepped(lambda parameters, lr, beta, weight_decay: nnlib.Momentum(
                               parameters, lr, beta, weight_decay=weight_decay)),
                           [optimiser_pairs_arg(), positive("lr", 0.1), fraction("beta", 0.9),
                            num("weight_decay", 0.1, low=0.0)],
                           ("Momentum",), written=("parameters",), result=parameters_after),
    "nnlib.Adam": Spec(stepped(lambda parameters, lr, beta1, beta2, eps, weight_decay, decoupled: nnlib.Adam(
                           parameters, lr, beta1, beta2, eps, weight_decay=weight_decay, decoupled=decoupled)),
                       [optimiser_pairs_arg(), positive("lr", 0.1), fraction("beta1", 0.9), fraction("beta2", 0.99),
                        positive("eps", 1e-8), num("weight_decay", 0.1, low=0.0), flag("decoupled", False)],
                       ("Adam",), written=("parameters",), result=parameters_after),
    **{f"nnlib.{cls.__name__}.step": Spec(lambda self: (self.step(), [p for p, _ in self.parameters])[1],
                                          [Arg("self", functools.partial(optimiser, cls), optimiser_self_classes(cls),
                                               ("read-only",))], (f"{cls.__name__}.step",), written=("self",))
       for cls in (nnlib.Momentum, nnlib.Adam)},
    "nnlib.momentum_update_matrix": Spec(nnlib.momentum_update_matrix, [num("lr", 0.1), num("curvature", 2.0),
                                                                        num("beta", 0.9)], ("momentum_update_matrix",)),
    "nnlib.momentum_stability_limit": Spec(nnlib.momentum_stability_limit,
                                           [num("curvature", 2.0, low=0.0, low_open=True), fraction("beta", 0.9)],
                                           ("momentum_stability_limit",)),
    # batch normalisation
    "nnlib.batchnorm_forward": Spec(lambda x, gamma, beta, eps: nnlib.batchnorm_forward(x, gamma, beta, eps=eps),
                                    [with_extra(pred("x", X43), [("no rows", X43[:0], RAISE)]), pred("gamma", G3),
                                     pred("beta", B3), positive("eps", 1e-5)], ("batchnorm_forward",), float32=True),
    "nnlib.batchnorm_backward": Spec(nnlib.batchnorm_backward,
                                     [upstream("dout", X43 / 3), Arg("cache", lambda: BN_CACHE,
                                                                 lambda c: cache_classes(c, bad_batchnorm_cache))],
                                     ("batchnorm_backward",)),
    "nnlib.batchnorm_running_forward": Spec(
        lambda x, gamma, beta, running_mean, running_var, eps: nnlib.batchnorm_running_forward(
            x, gamma, beta, running_mean, running_var, eps=eps),
        [pred("x", X43), pred("gamma", G3), pred("beta", B3), pred("running_mean", RUNNING_MEAN),
         with_extra(pred("running_var", RUNNING_VAR), [("a negative variance", -RUNNING_VAR, RAISE)]),
         positive("eps", 1e-5)], ("batchnorm_running_forward",), float32=True),
    "nnlib.batchnorm_running_backward": Spec(nnlib.batchnorm_running_backward,
                                             [upstream("dout", X43 / 3),
                                              Arg("cache", lambda: RUNNING_CACHE,
                                                  lambda c: cache_classes(c, bad_batchnorm_cache))],
                                             ("batchnorm_running_backward",)),
    "nnlib.BatchNorm": Spec(lambda n, momentum, eps: nnlib.BatchNorm(n, momentum=momentum, eps=eps),
                            [size("n", 3), num("momentum", 0.1, low=0.0, high=1.0), positive("eps", 1e-5)],
                            ("BatchNorm",)),
    "nnlib.BatchNorm.forward": Spec(lambda self, x: (self.forward(x), self.running_mean, self.running_var),
                                    [Arg("self", batchnorm, lambda v: batchnorm_self_classes(),
                                         ("gamma", "beta", "running_var")),
                                     with_extra(pred("x", X43), [("two columns", X43[:, :2], RAISE),
                                                                 ("no rows", X43[:0], RAISE),
                                                                 ("one row, in training mode", X43[:1], RAISE)])],
                                    ("BatchNorm.forward",), written=("self",)),
    "nnlib.BatchNorm.backward": Spec(
        lambda self, dout: (self.backward(dout), self.dgamma, self.dbeta),
        [Arg("self", batchnorm_after_forward, lambda v: [
            ("before any forward pass", batchnorm(), RAISE),
            ("a read-only dbeta", with_attrs(batchnorm_after_forward(), dbeta=readonly(np.zeros(3))), RAISE),
            ("dgamma of the wrong length", with_attrs(batchnorm_after_forward(), dgamma=np.zeros(2)), RAISE),
            ("after a forward pass in evaluation mode", batchnorm_after_forward(False), ACCEPT)],
            ("forward", "dgamma", "dbeta")),
         upstream("dout", X43 / 3)], ("BatchNorm.backward",), written=("self",)),
    "nnlib.BatchNorm.named_parameters": no_args(lambda: batchnorm().named_parameters()),
    "nnlib.BatchNorm.buffers": no_args(lambda: batchnorm().buffers()),
    # dropout
    "nnlib.dropout_forward": Spec(nnlib.dropout_forward, [pred("x", X43, shape=False), fraction("p", 0.5), rng_arg()],
                                  ("dropout_forward",), float32=True),
    "nnlib.dropout_backward": Spec(nnlib.dropout_backward,
                                   [upstream("dout", X43 / 3), Arg("cache", lambda: DROPOUT_CACHE,
                                                               lambda c: cache_classes(c, bad_dropout_cache))],
                                   ("dropout_backward",)),
    "nnlib.Dropout": Spec(nnlib.Dropout, [fraction("p", 0.5), rng_arg()], ("Dropout",)),
    "nnlib.Dropout.forward": Spec(lambda self, x: self.forward(x),
                                  [Arg("self", lambda: nnlib.Dropout(0.5, gen()), lambda v: [
                                      ("p set to 1", with_attrs(nnlib.Dropout(0.5, gen()), p=1.0), RAISE),
                                      ("rng set to a seed", with_attrs(nnlib.Dropout(0.5, gen()), rng=0), RAISE),
                                      ("in evaluation mode", nnlib.Dropout(0.5, gen()).eval(), ACCEPT)], ("p", "rng")),
                                   pred("x", X43, shape=False)], ("Dropout.forward",)),
    "nnlib.Dropout.backward": Spec(lambda self, dout: self.backward(dout),
                                   [Arg("self", lambda: after_forward(nnlib.Dropout(0.5, gen())), lambda v: [
                                       ("before any forward pass", nnlib.Dropout(0.5, gen()), RAISE),
                                       ("after a forward pass in evaluation mode",
                                        after_forward(nnlib.Dropout(0.5, gen()).eval()), ACCEPT)], ("forward",)),
                                    upstream("dout", X43 / 3)], ("Dropout.backward",)),
    # layers, modes and containers
    "nnlib.Layer": no_args(nnlib.Layer),
    "nnlib.Layer.__call__": Spec(lambda self, x: self(x),
                                 [Arg("self", lambda: nnlib.Dense(3, 2, rng=gen()),
                                      lambda v: [("a Layer with no forward pass", nnlib.Layer(), RAISE)], ("forward",)),
                                  with_extra(pred("x", X43), [("two columns", X43[:, :2], RAISE)])],
                                 ("Dense.forward", "Layer")),
    "nnlib.Layer.train": Spec(lambda mode: nnlib.Dense(3, 2, rng=gen()).train(mode).training, [flag("mode")],
                              ("Dense.train",)),
    "nnlib.Layer.eval": no_args(lambda: nnlib.Dense(3, 2, rng=gen()).eval().training),
    "nnlib.Layer.named_parameters": no_args(lambda: nnlib.Layer().named_parameters()),
    "nnlib.Layer.parameters": no_args(lambda: batchnorm().parameters()),
    "nnlib.Layer.buffers": no_args(lambda: nnlib.Layer().buffers()),
    "nnlib.Dense.named_parameters": no_args(lambda: dense_after_forward().named_parameters()),
    "nnlib.Sequential.train": Spec(lambda mode: [layer.training for layer in nnlib.Sequential(
                                       nnlib.Dense(3, 3, rng=gen()), batchnorm()).train(mode).layers],
                                   [flag("mode")], ("Sequential.train",)),
    "nnlib.Sequential.buffers": no_args(lambda: nnlib.Sequential(nnlib.Dense(3, 3, rng=gen()), batchnorm()).buffers()),
    "nnlib.models.evaluation_mode": Spec(in_evaluation, [Arg("model", small_mlp, lambda v: [
                                             ("None", None, RAISE), ("a string", "mlp", RAISE), ("a number", 3, RAISE),
                                             ("a list of layers", [nnlib.Activation("tanh")], RAISE),
                                             ("a Dense layer", nnlib.Dense(3, 3, rng=gen()), SAME)])],
                                         ("evaluation_mode",)),
    **{f"nnlib.{prefix}{cls.__name__}": Spec(cls, [Arg("block", block, lambda v: block_classes())], (cls.__name__,))
       for prefix, cls in (("", nnlib.Residual), ("", nnlib.Checkpoint), ("models.", nnlib.models.Wrapper))},
    "nnlib.models.Wrapper.train": Spec(lambda mode: [(w.training, w.block.training) for w in [
                                           nnlib.models.Wrapper(block()).train(mode)]],
                                       [flag("mode")], ("Wrapper.train",)),
    **{f"nnlib.models.Wrapper.{m}": no_args(functools.partial(call_method, wrapped_batchnorm, m))
       for m in ("named_parameters", "buffers", "dense_layers")},
    # a block that fails after its batch norm has run: the running statistics are put back
    "nnlib.Residual.forward": Spec(lambda self, x: self.forward(x),
                                   [Arg("self", lambda: nnlib.Residual(block()), lambda v: [
                                       ("a block that changes the width", nnlib.Residual(nnlib.Sequential(
                                           batchnorm(), nnlib.Dense(3, 2, rng=gen()))), RAISE)], ("block",)),
                                    with_extra(pred("x", X43), [("two columns", X43[:, :2], RAISE)])],
                                   ("Residual.forward", "Sequential.forward"), written=("self",)),
    "nnlib.Checkpoint.forward": Spec(lambda self, x: self.forward(x),
                                     [Arg("self", lambda: nnlib.Checkpoint(block()), lambda v: [
                                         ("a block whose layers do not fit", nnlib.Checkpoint(nnlib.Sequential(
                                             batchnorm(), nnlib.Dense(2, 3, rng=gen()))), RAISE)], ("columns",)),
                                      with_extra(pred("x", X43), [("two columns", X43[:, :2], RAISE)])],
                                     ("Checkpoint.forward", "Sequential.forward", "Dense.forward"),
                                     written=("self",)),
    **{f"nnlib.{cls.__name__}.backward": Spec(
        lambda self, dout: self.backward(dout),
        [Arg("self", (lambda c: lambda: after_forward(c(block())))(cls),
             (lambda c: lambda v: [("before any forward pass", c(block()), RAISE)])(cls), ("forward",)),
         upstream("dout", X43 / 3)], (f"{cls.__name__}.backward",), written=("self",))
       for cls in (nnlib.Residual, nnlib.Checkpoint)},
    "nnlib.cache_bytes": Spec(nnlib.cache_bytes, [model_arg(seen_mlp, dense=ACCEPT)], ("cache_bytes",)),
    "nnlib.saved_arrays": Spec(nnlib.saved_arrays, [model_arg(seen_mlp, dense=ACCEPT)], ("saved_arrays",)),
    "nnlib.softmax_jacobian": Spec(nnlib.softmax_jacobian, [pred("z", X43)], ("softmax_jacobian",), float32=True),
    # forward mode
    "nnlib.Dual": Spec(Dual, [Arg("value", lambda: 2.0, lambda v: number_classes(v) + [
                                  ("an int", 2, SAME), ("a Value", Value(2.0), RAISE)]),
                              Arg("tangent", lambda: 0.5, number_classes)], ("Dual",)),
    **{f"nnlib.Dual.{op}": dual_op(op) for op in VALUE_OPS},
    "nnlib.Dual.__pow__": Spec(lambda exponent: Dual(2.0, 1.0) ** exponent,
                               [Arg("exponent", lambda: 3, lambda v: number_classes(v) + [
                                   ("a Dual", Dual(3.0), RAISE), ("too large", 2000, RAISE)], ("exponent", "**"))],
                               ("Dual.__pow__",)),
    **{f"nnlib.Dual.{op}": no_args((lambda o: lambda: getattr(Dual(0.5, 1.0), o)())(op))
       for op in ["exp", "log", "sigmoid", "tanh", "relu", "__neg__"]},
    "nnlib.jvp": Spec(nnlib.jvp, [func_arg("f", scalar_f), scalar_point("x", X3), scalar_point("v", V3)], ("jvp",),
                      float32=True),
    **{f"nnlib.{n}": Spec(getattr(nnlib, n), [func_arg("f", scalar_f), scalar_point("x", X3)], (n,), float32=True)
       for n in ["jacobian_forward", "jacobian_reverse"]},
    "nnlib.dense_jvp": Spec(nnlib.dense_jvp, [pred("x", X43), pred("W", Z32), pred("b", B3[:2]),
                                              opt(pred("x_dot", X43 / 2)), opt(pred("W_dot", Z32 / 3)),
                                              opt(pred("b_dot", B3[1:]))], ("dense_jvp",), float32=True),
    "nnlib.activation_jvp": Spec(nnlib.activation_jvp,
                                 [pred("z", Z32, shape=False), choice("name", "tanh", ("activation",)),
                                  opt(with_extra(pred("z_dot", Z32 / 2, shape=False),
                                                 [("another shape", np.ones(3), RAISE)]))],
                                 ("activation_jvp",), float32=True),
    "nnlib.network_jvp": Spec(nnlib.network_jvp,
                              [model_arg(), with_extra(pred("X", X43), [("two columns", X43[:, :2], RAISE)]),
                               opt(pred("X_dot", X43 / 2)), directions(ACCEPT, optional=True)], ("network_jvp",)),
    "nnlib.directional_derivative": Spec(nnlib.directional_derivative,
                                         [model_arg(), loss_arg(), arr("X", X43), labels("y", Y4, 3, ("y", "label")),
                                          directions()], ("directional_derivative", "softmax_cross_entropy")),
    # the Hessian
    "nnlib.hessian_vector_product": Spec(nnlib.hessian_vector_product,
                                         [model_arg(), hessian_loss_arg(), arr("X", X43),
                                          labels("y", Y4, 3, ("y", "label")), directions()],
                                         ("hessian_vector_product", "softmax_cross_entropy")),
    "nnlib.hessian_matrix": Spec(nnlib.hessian_matrix, [model_arg(dense=ACCEPT), hessian_loss_arg(), arr("X", X43),
                                                        labels("y", Y4, 3, ("y", "label"))],
                                 ("hessian_matrix", "softmax_cross_entropy")),
    "nnlib.sharpness": Spec(lambda model, loss, X, y, rng, iters, tol, return_direction: nnlib.sharpness(
                                model, loss, X, y, rng, iters=iters, tol=tol, return_direction=return_direction),
                            [model_arg(dense=ACCEPT), hessian_loss_arg(), arr("X", X43),
                             labels("y", Y4, 3, ("y", "label")), rng_arg(), integer("iters", 5), positive("tol", 1e-7),
                             flag("return_direction", False)],
                            ("sharpness", "softmax_cross_entropy"),
                            unchecked={"start": "shaped by the model, so tests/test_hessian.py::"
                                                "test_sharpness_bad_start_says_what_was_expected breaks it"}),
    "nnlib.hessian.loss_gradient_jvp": Spec(nnlib.hessian.loss_gradient_jvp,
                                            [hessian_loss_arg(), pred("y_hat", X43), labels("y", Y4, 3, ("y", "label")),
                                             pred("y_hat_dot", X43 / 2)],
                                            ("loss_gradient_jvp", "softmax_cross_entropy")),
    "nnlib.hessian.flatten": Spec(nnlib.hessian.flatten, [Arg("arrays", flat_like, lambda v: [
                                      ("None", None, RAISE), ("a string", "W", RAISE), ("an array", v[0], RAISE),
                                      ("(param, grad) pairs", [(a, a) for a in v], RAISE),
                                      ("strings", [v[0], np.full(2, "s")], RAISE), ("a tuple", tuple(v), SAME),
                                      ("lists", [a.tolist() for a in v], SAME), ("a generator", iter(v), SAME),
                                      ("read-only", [readonly(a) for a in v], SAME),
                                      ("float32", [a.astype(np.float32) for a in v], SAME)])], ("flatten",)),
    "nnlib.hessian.unflatten": Spec(nnlib.hessian.unflatten,
                                    [with_extra(pred("vector", np.arange(8.0)), [("one entry short", np.arange(7.0),
                                                                                  RAISE)]),
                                     Arg("like", flat_like, lambda v: [
                                         ("None", None, RAISE), ("a string", "W", RAISE), ("an array", v[0], RAISE),
                                         ("strings", [v[0], np.full(2, "s")], RAISE),
                                         ("(param, grad) pairs", [(a, a) for a in v], SAME),
                                         ("a tuple", tuple(v), SAME)])], ("unflatten",)),
}


# --------------------------------------------------------------------------- finding every public function


def public_callables():
    """'module.name' (and 'module.Class.method') for every public function, class and method."""
    found = {}

    def add(prefix, name, obj):
        found[f"{prefix}.{name}"] = obj
        if inspect.isclass(obj) and not issubclass(obj, tuple):  # a named tuple is a record: no methods of its own
            for meth, member in vars(obj).items():
                dunder = meth.startswith("__") and meth not in ("__init__", "__repr__", "__eq__")
                if inspect.isfunction(member) and (not meth.startswith("_") or dunder):
                    found[f"{prefix}.{name}.{meth}"] = member

    for name in nnlib.__all__:
        obj = getattr(nnlib, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            add("nnlib", name, obj)
    known = {id(obj) for obj in found.values()}  # found again in its module, it keeps its nnlib.* name
    for module in (nnlib.data, nnlib.dynamics, nnlib.graph, nnlib.cost, nnlib.models, nnlib.forward_mode,
                   nnlib.hessian, nnlib.memory):
        for name, obj in vars(module).items():
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj)) \
                    and obj.__module__ == module.__name__ and id(obj) not in known:
                add(module.__name__, name, obj)
    return found


def parameters_of(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    if target is object.__init__:  # a class without a constructor of its own takes nothing
        return []
    params = list(inspect.signature(target).parameters.values())
    return [p.name for p in params if p.name != "self"]


def test_every_public_function_has_an_entry():
    found = public_callables()
    missing = sorted(set(found) - set(SPECS) - set(EXEMPT))
    assert not missing, f"add an entry to SPECS in tests/test_bad_input.py for: {missing}"
    stale = sorted(set(SPECS) - set(found))
    assert not stale, f"SPECS has entries for what is not public (any more): {stale}"
    for name, spec in SPECS.items():
        covered = {a.name for a in spec.args} | set(spec.unchecked)
        params = set(parameters_of(found[name]))
        if name.startswith("nnlib.graph.Value.__") and name != "nnlib.graph.Value.__pow__":
            params = {"other"} if params else params  # the operators' argument, however each names it
        assert params <= covered, f"{name}: no entry for the arguments {sorted(params - covered)}"


# --------------------------------------------------------------------------- running one broken call


def arrays_in(value, seen=None):
    """Every numpy array (and Value) reachable from value, for checking nothing was changed."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return [value] if value.dtype != object else []
    if isinstance(value, Value):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in arrays_in(v, seen)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in arrays_in(v, seen)]
    if isinstance(value, nnlib.Sequential):
        return [a for layer in value.layers for a in arrays_in(layer, seen)]
    if isinstance(value, nnlib.Dense):
        return [value.W, value.b]
    if isinstance(value, nnlib.models.Wrapper):
        return arrays_in(value.block, seen)
    if isinstance(value, nnlib.Layer):  # its parameters, their gradients and its buffers
        return arrays_in([[p, g] for _, p, g in value.named_parameters()] + list(value.buffers()), seen)
    if isinstance(value, nnlib.Momentum):
        return arrays_in([value.parameters, value.velocities], seen)
    if isinstance(value, nnlib.Adam):
        return arrays_in([value.parameters, value.m, value.v], seen)
    return []


def snapshot(kwargs, skip=()):
    taken = []
    for name, value in kwargs.items():
        if name in skip:
            continue
        for a in arrays_in(value):
            taken.append((name, a, a.data if isinstance(a, Value) else a.copy()))
    return taken


def changed(taken):
    out = []
    for name, a, before in taken:
        now = a.data if isinstance(a, Value) else a
        same = now == before if isinstance(a, Value) else (now.shape == before.shape and np.array_equal(
            now, before, equal_nan=now.dtype.kind in "fc"))
        if not same:
            out.append(name)
    return out


def normalise(value):
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, nnlib.Sequential):
        return ["model"] + [normalise(p) for p, _ in value.parameters()]
    if isinstance(value, nnlib.Dense):
        return ["dense", value.W, value.b]
    if isinstance(value, Value):
        return ["Value", value.data, value.grad]
    if isinstance(value, Dual):
        return ["Dual", value.value, value.tangent]
    if isinstance(value, nnlib.models.Wrapper):
        return [type(value).__name__, normalise(value.block)]
    if isinstance(value, nnlib.Layer):
        return ([type(value).__name__] + [normalise(p) for _, p, _ in value.named_parameters()]
                + [normalise(b) for b in value.buffers()])
    if dataclasses.is_dataclass(value):
        return normalise(dataclasses.asdict(value))
    if hasattr(value, "__next__"):
        return [normalise(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return type(value).__name__


def same(a, b, rtol):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return bool(np.allclose(a, b, rtol=rtol, atol=rtol * 1e-3, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rtol) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * 1e-3)
    return a == b


def last_frame_file(tb):
    while tb.tb_next is not None:
        tb = tb.tb_next
    return pathlib.Path(tb.tb_frame.f_code.co_filename).resolve()


def call(spec, kwargs):
    out = spec.call(**kwargs)
    return normalise(spec.result(kwargs, out) if spec.result else out)


def check_case(name, spec, arg, label, value, outcome):
    """One call with arg broken as label says; returns what went wrong ('' when nothing did)."""
    kwargs = {a.name: a.make() for a in spec.args}
    kwargs[arg.name] = value
    what = f"{name}({arg.name}={label})"
    if outcome == RAISE:
        taken = snapshot(kwargs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(spec, kwargs)
        except ERRORS as err:
            message = str(err)
            where = last_frame_file(err.__traceback__)
            if NNLIB_DIR not in where.parents:
                return f"{what}: raised from {where}, outside nnlib: {type(err).__name__}: {message}"
            if not any(w in message for w in spec.where):
                return f"{what}: the message does not name the function ({spec.where}): {message}"
            if not any(w in message for w in arg.mentions()):
                return f"{what}: the message does not name the argument ({arg.mentions()}): {message}"
        except Exception as err:  # noqa: B902 - any other kind of error is itself the finding
            return f"{what}: raised {type(err).__name__}, not a clear error: {err}"
        else:
            return f"{what}: no error"
        moved = changed(taken)
        return f"{what}: raised, but changed {moved}" if moved else ""
    taken = snapshot(kwargs, skip=spec.written)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error" if outcome == SAME else "ignore")
            got = call(spec, kwargs)
    except Exception as err:  # noqa: B902
        return f"{what}: should be accepted, raised {type(err).__name__}: {err}"
    moved = changed(taken)
    if moved:
        return f"{what}: changed {moved}"
    if outcome == SAME:
        expected = call(spec, {a.name: a.make() for a in spec.args})
        rtol = 2e-3 if "float32" in label else 1e-9
        if not same(got, expected, rtol):
            return f"{what}: a different result than with the valid argument"
    return ""


@pytest.mark.parametrize("name", sorted(SPECS))
def test_one_broken_argument_at_a_time(name):
    spec = SPECS[name]
    if not spec.args:  # nothing to break: the call works, quietly, and gives the same twice
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert same(call(spec, {}), call(spec, {}), 0.0)
        return
    # Each case is made afresh (a.cases()[i]): a call that changes its arguments in place, as
    # it may when it succeeds, must not hand the next case changed values.
    problems = [check_case(name, spec, a, *a.cases()[i]) for a in spec.args for i in range(len(a.cases()))]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def all_cases():
    return [(name, a.name, label, outcome) for name, spec in SPECS.items() for a in spec.args
            for label, _, outcome in a.cases()]


def test_the_table_tries_every_class_of_argument():
    # Counts of what the fuzzing covers, held to what this file was written to try: if an
    # edit drops a class of argument from every function, this says so.
    cases = all_cases()
    labels_tried = {label for _, _, label, _ in cases}
    for label in ["None", "a string", "an array of strings", "a list", "read-only", "non-contiguous", "float32",
                  "NaN", "inf", "an extra axis", "a bool", "a numpy scalar", "a float", "below the range",
                  "an unknown name", "a seed", "a Dense layer", "[param, param]", "fractions", "a negative label",
                  "a label >= n_classes", "an empty tuple", "too large"]:
        assert label in labels_tried, label
    assert {o for *_, o in cases} == {RAISE, SAME, ACCEPT}
    assert len(SPECS) >= 90 and len(cases) >= 900, (len(SPECS), len(cases))


# --------------------------------------------------------------------------- float32 in, float32 out


def to_float32(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, tuple):
        return tuple(to_float32(v) for v in value)
    return value


def float_arrays(value):
    if isinstance(value, np.ndarray):
        return [value] if value.dtype.kind == "f" else []
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in float_arrays(v)]
    return []


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.float32))
def test_float32_in_float32_out(name):
    spec = SPECS[name]
    out = spec.call(**{a.name: to_float32(a.make()) for a in spec.args})
    arrays = float_arrays(out)
    assert arrays and all(a.dtype == np.float32 for a in arrays), [a.dtype for a in arrays]


# --------------------------------------------------------------------------- the cases the issue lists


def raises(call, error, *words):
    with pytest.raises(error) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    return str(info.value)


def test_the_silent_cases_of_the_issue_now_raise():
    rng = np.random.default_rng(0)
    scores, y = rng.standard_normal((6, 3)), np.array([0, 1, 2, 0, 1, 2])
    p = np.array([0.2, 0.9])
    raises(lambda: nnlib.bce_loss(p, np.array([2.0, 0.0])), ValueError, "bce_loss", "y", "[0, 1]")
    raises(lambda: nnlib.bce_with_logits(p, np.array([2.0, 0.0])), ValueError, "bce_with_logits", "y")
    raises(lambda: nnlib.accuracy(scores, y[:, None]), ValueError, "accuracy", "y", "shape (6,)")
    raises(lambda: nnlib.accuracy(scores, y[:1]), ValueError, "accuracy", "y")
    raises(lambda: nnlib.accuracy(scores, None), TypeError, "accuracy", "y")
    raises(lambda: nnlib.accuracy(scores[:, 0], y), ValueError, "accuracy", "scores", "2-D")
    raises(lambda: nnlib.confusion_matrix([0, -1], [0, 1], 2), ValueError, "confusion_matrix", "label -1")
    raises(lambda: nnlib.confusion_matrix([0, 2], [0, 1], 2), ValueError, "confusion_matrix", "label 2")
    for patience in (0, -1):
        raises(lambda p=patience: nnlib.early_stopping_epoch([1.0, 2.0, 3.0], p), ValueError, "patience")
    raises(lambda: nnlib.early_stopping_epoch([1.0, 2.0, 3.0], 2.5), TypeError, "patience")
    raises(lambda: nnlib.numerical_gradient(lambda v: float(v.sum()), np.ones(2), h=0), ValueError, "h")
    raises(lambda: nnlib.gradient_check(nnlib.mlp([2, 2], rng=rng), "mse", np.ones((1, 2)), np.ones((1, 2)), h=0),
           ValueError, "gradient_check", "h")
    raises(lambda: nnlib.dynamics.quadratic_descent(np.eye(2), [1.0, 1.0], 0.0, 5), ValueError, "lr")
    raises(lambda: nnlib.dynamics.quadratic_descent(np.eye(2), [np.nan, 1.0], 0.1, 5), ValueError, "w0")
    X = np.ones((4, 2))
    X[1, 0] = np.nan
    raises(lambda: nnlib.dynamics.network_descent(nnlib.mlp([2, 2], rng=rng), X, np.ones((4, 2)), 0.1, 3),
           ValueError, "network_descent", "X holds nan at row 1, column 0")
    raises(lambda: nnlib.init_std(-2, 3, "he"), ValueError, "init_std", "n_in")
    for make in (nnlib.data.make_line, nnlib.data.make_xor, nnlib.data.make_moons, nnlib.data.make_circles,
                 nnlib.data.make_spirals):
        raises(lambda f=make: f(10, np.random.default_rng(0), noise=float("nan")), ValueError, "noise")
    raises(lambda: nnlib.data.make_spirals(10, rng, classes=0), ValueError, "classes")
    raises(lambda: nnlib.data.split(np.ones((3, 1)), np.ones(3), 0.9, rng), ValueError, "split", "fraction")


def test_the_obscure_cases_of_the_issue_now_say_what_is_wrong():
    rng = np.random.default_rng(0)
    arr = np.ones((2, 3))
    raises(lambda: nnlib.sgd_step([arr, arr], 0.1), TypeError, "sgd_step", "parameters[0]", "(param, grad) pair")
    raises(lambda: nnlib.clip_gradients(None, 1), TypeError, "clip_gradients", "parameters")
    raises(lambda: nnlib.gradient_check(nnlib.Dense(2, 2, rng=rng), "mse", np.ones((1, 2)), np.ones((1, 2))),
           TypeError, "gradient_check", "Sequential")
    raises(lambda: nnlib.init_weights(2, 2, "he", rng, scale="2"), TypeError, "init_weights", "scale", "'2'")
    raises(lambda: nnlib.dense_backward(np.ones((2, 2)), (np.ones((2, 2)),)), TypeError, "dense_backward",
           "cache must be the tuple dense_forward returned")
    raises(lambda: Value("abc"), TypeError, "Value", "data", "'abc'")
    raises(lambda: Value(1000).exp(), OverflowError, "Value.exp", "1000")
    raises(lambda: Value(-8) ** 0.5, ValueError, "Value.__pow__", "negative base", "fractional power")
    raises(lambda: Value(1.0) + "a", TypeError, "Value.__add__", "operand")
    raises(lambda: None * Value(1.0), TypeError, "Value.__rmul__", "operand")


def test_bce_with_logits_is_finite_and_quiet_for_the_largest_logits():
    z = np.array([1e308, -1e308, 1e308])
    y = np.array([0.0, 1.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dz = nnlib.bce_with_logits(z, y)
    # per entry max(z, 0) - z y + log(1 + e^-|z|): 1e308, 1e308 and 0.5e308; their mean
    assert loss == pytest.approx(1e308 / 3 + 1e308 / 3 + 0.5e308 / 3, rel=1e-12)
    assert np.allclose(dz, (np.array([1.0, 0.0, 1.0]) - y) / 3)


def test_a_bad_pair_leaves_every_parameter_as_it_was():
    # The first pair is fine and comes first: a step that checked as it went would have moved it.
    W, dW, b = np.ones((2, 2)), np.ones((2, 2)), np.zeros(2)
    for second in [(readonly(b), np.ones(2)), (b, np.ones(3)), (b.tolist(), np.ones(2))]:
        with pytest.raises((TypeError, ValueError), match="sgd_step: .*parameters\\[1\\]|sgd_step: a gradient"):
            nnlib.sgd_step([(W, dW), second], 0.5)
        assert np.array_equal(W, np.ones((2, 2)))


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 3:  # on the second entry, moved by +h
            raise RuntimeError("f failed")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="f failed"):
        nnlib.numerical_gradient(f, x)
    assert np.array_equal(x, [1.0, 2.0, 3.0])
    assert calls[2][1] == 2.0 + 1e-5  # f did see the moved entry: x was restored after it
    raises(lambda: nnlib.numerical_gradient(lambda v: float("nan"), np.ones(2)), ValueError, "f returned nan")
    raises(lambda: nnlib.numerical_gradient(lambda v: "1", np.ones(2)), TypeError, "f must return a single number")
    raises(lambda: nnlib.numerical_gradient(lambda v: v, np.ones(2)), TypeError, "f must return a single number")
    raises(lambda: nnlib.numerical_gradient(square_of, np.array([1e12, 1.0])), ValueError, "h=1e-05 is too small")


def test_non_contiguous_parameters_are_updated_in_place_where_they_live():
    # A view (every other column of a wider array) is a parameter like any other: the step
    # reaches the array it views.
    wide = np.ones((2, 4))
    W = wide[:, ::2]
    nnlib.sgd_step([(W, np.full((2, 2), 2.0))], 0.25)
    assert np.array_equal(wide, [[0.5, 1.0, 0.5, 1.0], [0.5, 1.0, 0.5, 1.0]])


def test_numpy_small_integer_sizes_do_not_wrap():
    # require_size hands back a Python int; the callers use it, so uint8(200) + uint8(100)
    # is 300, not 44, and np.int32(2**20) squared does not overflow.
    u200, u100 = np.uint8(200), np.uint8(100)
    assert nnlib.init_std(u200, u100, "xavier") == pytest.approx(np.sqrt(2 / 300))
    assert nnlib.Dense(u200, u100, rng=gen()).W.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    model = nnlib.mlp([u200, u100], rng=gen())
    assert model.layers[0].W.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    assert nnlib.init_weights(u200, u100, "he", gen()).std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    forward, backward = nnlib.cost.matmul_flops(model, np.uint8(8))
    assert (forward, backward) == (2 * 8 * 200 * 100, 2 * 8 * 200 * 100)
    assert type(forward) is int
    assert nnlib.cost.matmul_flops(model, np.int32(2**20))[0] == 2 * 2**20 * 200 * 100
    X, y = nnlib.data.make_moons(np.uint8(255), gen())
    assert X.shape == (255, 2) and np.bincount(y).tolist() == [127, 128]
    X, y = nnlib.data.make_spirals(np.uint8(255), gen(), classes=np.uint8(3))
    assert np.bincount(y).tolist() == [85, 85, 85]
    deep = nnlib.dynamics.build_deep_mlp(np.uint8(2), "tanh", "xavier", 1.0, width=u200, n_out=u100, rng=gen())
    assert deep.layers[0].W.shape == (200, 200)
    batches = list(nnlib.iterate_minibatches(np.ones((300, 1)), np.ones(300), np.uint8(250), gen()))
    assert [len(b) for b, _ in batches] == [250, 50]
    assert nnlib.early_stopping_epoch([1.0] * 300, np.uint8(255)) == 255


def test_train_takes_numpy_small_integer_counts():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 2)), rng.integers(0, 2, 300)
    model = nnlib.mlp([2, 2], rng=rng)
    history = nnlib.train(model, "softmax_cross_entropy", X, y, lr=0.01, batch_size=np.uint8(250),
                          max_epochs=np.uint8(2), rng=rng)
    assert history.epochs == 2


def test_whole_float_labels_beyond_int64_are_named_as_given():
    # Cast to int64 first, 1e308 became -9223372036854775808 (with a cast warning) and the
    # message named that number, which the learner never wrote.
    hessian_loss = nnlib.hessian.hessian_matrix
    cases = [(lambda: nnlib.softmax_cross_entropy(np.zeros((1, 3)), np.array([1e308])), "y", "0..2"),
             (lambda: nnlib.accuracy(np.zeros((2, 3)), np.array([0.0, 1e20])), "y", "0..2"),
             (lambda: nnlib.confusion_matrix([1e20], [0], 3), "y_true", "0..2"),
             (lambda: nnlib.confusion_matrix([0], [1e20]), "y_pred", "below 2**63"),
             (lambda: hessian_loss(small_mlp(), "softmax_cross_entropy", X43[:1], np.array([1e308])), "y", "0..2")]
    for make, name, valid in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            message = raises(make, ValueError, f"of {name} is out of range", valid)
        assert "1e+" in message and "-9223372036854775808" not in message, message
    raises(lambda: nnlib.softmax_cross_entropy(np.zeros((1, 3)), np.array([1e308])), ValueError,
           "softmax_cross_entropy: label 1e+308 at row 0 of y is out of range; labels must be integers in 0..2")
