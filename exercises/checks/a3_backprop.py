"""Assignment 3, backpropagation through a network: a layer's backward pass, a two-layer network's,
central differences and a gradient check. References: nnlib.dense_backward, mse_loss,
sigmoid_prime, numerical_gradient (and perturbed_values for the one-sided variants), rel_error."""

import math

import numpy as np

import nnlib
from nnlib.gradcheck import perturbed_values

from .. import codec
from ..givens import make_network, network_forward, network_loss
from ..probe import Recorder
from .engine import (
    Case,
    Fail,
    Mistake,
    Task,
    call,
    compare,
    eq,
    gives,
    learner,
    lit,
    make,
    number,
    numbers,
    preview,
    ref,
    returned,
    stand_in,
    unchanged,
    unpack,
)
from .generic import input_variants, simple_ratio

_NO_NUMERIC = ("nnlib.numerical_gradient", "nnlib.gradcheck.perturbed_values", "nnlib.gradient_check",
               "nnlib.gradient_errors")

_NUMERIC = {"nnlib.numerical_gradient": {"name": "numerical_gradient"}}

# How far an array may end from where it began after a perturbation undone with `+= h`, `-= 2 * h`,
# `+= h` (relative to its largest entry): a few rounding steps, far below any h a check uses.
ROUND_TRIP = 1e-12

# ------------------------------------------------------------------ 3.1 the backward pass of a dense layer


def layer_backward_mistakes(dz, x, W):
    """Wrong variants of (dx, dW, db) for z = x @ W + b: three lists of Mistakes."""
    n = len(x)
    dx, dW, db = nnlib.dense_backward(dz, (x, W))
    dx_m = [Mistake("your dx equals −dz @ W.T, the sign flipped: dx = dz @ W.T", -dx, "sign flipped"),
            Mistake(f"your dx is divided by N = {n}: dz already carries the 1/N of the batch mean, so dx = dz @ W.T",
                    dx / n, "divided by N again"),
            Mistake(f"your dx is multiplied by N = {n}: dz already carries the 1/N of the mean, dx = dz @ W.T",
                    dx * n, "multiplied by N")]
    with np.errstate(all="ignore"):
        dx_m.append(Mistake("your dx equals dz @ pinv(W) (the pseudo-inverse): going back through a layer uses the "
                            "transpose, dx = dz @ W.T, not an inverse", dz @ np.linalg.pinv(W),
                            "inverse instead of Wᵀ"))
    if W.shape[0] == W.shape[1]:
        dx_m.insert(0, Mistake("your dx equals dz @ W: the gradient flows back through Wᵀ, dx = dz @ W.T", dz @ W,
                               "W instead of Wᵀ"))
    dW_m = [Mistake("your dW equals dz.T @ x, the transpose of the right one: dW = x.T @ dz has W's shape",
                    dz.T @ x, "transposed"),
            Mistake(f"your dW is divided by N = {n}: dz already carries the 1/N, so dW = x.T @ dz", dW / n,
                    "divided by N again"),
            Mistake("your dW has the sign flipped: dW = x.T @ dz", -dW, "sign flipped")]
    dW_m.append(Mistake("your dW is the outer product of x and dz each summed over the batch first: the sums lose "
                        "which x goes with which dz. dW = x.T @ dz pairs each row's x with its own dz, then sums",
                        np.outer(x.sum(axis=0), dz.sum(axis=0)), "summed over the batch before the product"))
    if x.shape == dz.shape:
        dW_m.append(Mistake("your dW multiplies x and dz entry by entry; dW = x.T @ dz, a matrix product that sums "
                            "over the batch", x * dz, "entrywise instead of x.T @ dz"))
    db_m = [Mistake("your db is 0: the bias has a gradient too, db = dz.sum(axis=0)", np.zeros_like(db), "db = 0"),
            Mistake("your db averages over the batch (dz.mean(axis=0)); dz already carries the 1/N, so sum: "
                    "db = dz.sum(axis=0)", dz.mean(axis=0), "mean instead of sum"),
            Mistake("your db sums over every entry (one number); sum over the batch axis only: db = dz.sum(axis=0)",
                    dz.sum(), "summed over every entry"),
            Mistake("your db sums over the wrong axis: db = dz.sum(axis=0) has b's shape", dz.sum(axis=1),
                    "summed over the wrong axis"),
            Mistake("your db has the sign flipped: db = dz.sum(axis=0)", -db, "sign flipped"),
            Mistake("your db is the first row of dz only: sum over every row of the batch, db = dz.sum(axis=0)",
                    dz[0], "first row only")]
    return dx_m, dW_m, db_m


class LayerBackward(Task):
    exercise, functions = "3.1", ("layer_backward",)
    forbidden_names = ("nnlib.dense_backward", "nnlib.Dense") + _NO_NUMERIC

    def __init__(self, part):
        self.part, self.test_id = part, f"ex3_1_{part}_tests"

    def cases(self, rng, hidden):
        shapes = [(5, 3, 2), (4, 3, 3)] if not hidden else [
            (int(rng.integers(1, 8)), int(rng.integers(1, 6)), int(rng.integers(1, 6))),
            (int(rng.integers(2, 7)),) + (int(rng.integers(2, 5)),) * 2]
        out = []
        for batch, n_in, n_out in shapes:
            x, W = rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out))
            dz = rng.normal(size=(batch, n_out)) / batch
            steps = [make("dz", dz), make("x", x), make("W", W),
                     call(learner("layer_backward"), ref("dz"), ref("x"), ref("W"), report=("dz", "x", "W"))]
            out.append(Case(steps, {"dz": dz, "x": x, "W": W}, f"dz {dz.shape}, x {x.shape}, W {W.shape}"))
        return out

    def judge(self, case, calls):
        dz, x, W = case.context["dz"], case.context["x"], case.context["W"]
        hint = (f"x is {x.shape}, W is {W.shape}, dz is {dz.shape}: dx = dz @ W.T (Wᵀ, not W) is {x.shape}, "
                f"dW = x.T @ dz is {W.shape}, db = dz.sum(axis=0) is ({W.shape[1]},)")
        got = unpack(returned(calls[-1], "layer_backward", hint), "layer_backward", ("dx", "dW", "db"))
        for name, value in (("dz", dz), ("x", x), ("W", W)):
            unchanged(calls[-1], name, value, "layer_backward", "compute new arrays instead")
        index = ("dx", "dW", "db").index(self.part)
        right = dict(zip(("dx", "dW", "db"), nnlib.dense_backward(dz, (x, W))))
        mistakes = layer_backward_mistakes(dz, x, W)[index] + input_variants(
            lambda dz, x, W: nnlib.dense_backward(dz, (x, W))[index], {"dz": dz, "x": x, "W": W}, self.part)
        compare(self.part, got[index], right[self.part], mistakes, where=case.where,
                sizes={"N (the batch)": len(x)}, others={k: v for k, v in right.items() if k != self.part},
                factors={"x (the layer's input)": x} if self.part == "dx" else None)


# ------------------------------------------------------------------ 3.2 a whole backward pass

def network_gradients(params, cache, y_hat, y):
    """The reference gradients of mse_loss(y_hat, y) for givens.network_forward, from nnlib."""
    _, dy_hat = nnlib.mse_loss(y_hat, y)
    da1, dW2, db2 = nnlib.dense_backward(dy_hat, (cache["a1"], params["W2"]))
    dz1 = da1 * nnlib.sigmoid_prime(cache["z1"])
    _, dW1, db1 = nnlib.dense_backward(dz1, (cache["x"], params["W1"]))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def network_mistakes(params, cache, y_hat, y):
    """Wrong variants of each gradient of the two-layer network: {name: [Mistake, ...]}."""
    n = len(y)
    ref_grads = network_gradients(params, cache, y_hat, y)
    x, z1, a1 = cache["x"], cache["z1"], cache["a1"]
    _, dy = nnlib.mse_loss(y_hat, y)
    out = {k: [Mistake("your gradient has the sign flipped: start from ∂L/∂ŷ = (ŷ − y)/N, not (y − ŷ)/N", -v,
                       "sign flipped"),
               Mistake(f"your gradient is {n} times too large: ∂L/∂ŷ = (ŷ − y)/N carries the 1/N of the mean "
                       f"(N = {n})", n * v, "no 1/N"),
               Mistake(f"your gradient is divided by N = {n} twice: ∂L/∂ŷ carries the 1/N once", v / n,
                       "divided by N twice")]
           for k, v in ref_grads.items()}
    for name in ("b1", "b2"):
        out[name].insert(0, Mistake(f"your d{name} is 0: the bias has a gradient too, "
                                    f"d{name} = dz{name[1]}.sum(axis=0)", np.zeros_like(ref_grads[name]),
                                    "db = 0"))
        out[name].append(Mistake(f"your d{name} sums over every entry (one number); sum over the batch axis only: "
                                 f"d{name} = dz{name[1]}.sum(axis=0)", ref_grads[name].sum(),
                                 "summed over every entry"))
    da1 = dy @ params["W2"].T

    def hidden_variant(dz1, text, label):
        out["W1"].insert(0, Mistake(f"your dW1: {text}", x.T @ dz1, label))
        out["b1"].insert(0, Mistake(f"your db1: {text}", dz1.sum(axis=0), label))

    hidden_variant(da1, "the f'(z1) factor is missing: dz1 = da1 * sigmoid'(z1)", "forgot f'(z1)")
    hidden_variant(nnlib.sigmoid_prime(z1), "the upstream gradient da1 (= dz2 @ W2.T, the incoming gradient) is "
                   "missing: dz1 = da1 * sigmoid'(z1), not sigmoid'(z1) alone", "forgot da1")
    hidden_variant(da1 * nnlib.sigmoid_prime(a1), "sigmoid' was applied to a1 instead of z1: "
                   "dz1 = da1 * sigmoid_prime(z1) (or da1 * a1 * (1 - a1), which is the same)",
                   "f' of a1 instead of z1")
    hidden_variant(da1 * a1, "sigmoid(z1) stands where its derivative belongs: dz1 = da1 * a1 * (1 - a1)",
                   "f instead of f'")
    for slope, what, name in _OTHER_SLOPES:
        hidden_variant(da1 * slope(z1, a1), f"the slope is {what}, another activation's derivative: the hidden layer "
                       "is a sigmoid, so dz1 = da1 * sigmoid_prime(z1) = da1 * a1 * (1 - a1)", name)
    if params["W2"].shape[0] == params["W2"].shape[1]:
        hidden_variant(dy @ params["W2"] * nnlib.sigmoid_prime(z1), "the gradient went back through W2 instead "
                       "of W2ᵀ: da1 = dz2 @ W2.T", "W2 instead of W2ᵀ")
    return out


# The derivatives of the other activations, which a learner may write where the sigmoid's belongs.
_OTHER_SLOPES = ((lambda z1, a1: 1 - a1 ** 2, "1 − a1², tanh's derivative", "tanh' instead of sigmoid'"),
                 (lambda z1, a1: 1 - np.tanh(z1) ** 2, "1 − tanh(z1)², tanh's derivative",
                  "tanh' instead of sigmoid'"),
                 (lambda z1, a1: (z1 > 0) * 1.0, "the step z1 > 0, relu's derivative", "relu' instead of sigmoid'"))


def _other_keys(name, gradients):
    """The mistake of a gradient stored under another parameter's name."""
    return [Mistake(f"your d{name} is d{other}: the gradients went into the wrong keys of the dict (each key is the "
                    "parameter its gradient belongs to)", value, "gradients under the wrong keys")
            for other, value in gradients.items() if other != name]


def dense_backward_stand_in(params, cache, y_hat, y):
    """The probe step making a stand-in for nnlib.dense_backward, which 3.2 may use while the graded
    kernel lacks it (it is 3.1's answer): it knows the two layers' backward passes of this case,
    for the right upstream gradients and for the common wrong ones (so their diagnoses still show)."""
    n = len(y)
    _, dy = nnlib.mse_loss(y_hat, y)
    x, z1, a1 = cache["x"], cache["z1"], cache["a1"]
    W1, W2 = params["W1"], params["W2"]
    queries = []
    for d in (dy, -dy, n * dy, dy / n, 2 * dy, dy / 2):
        queries.append((d, (a1, W2)))
        da1 = d @ W2.T
        hidden = [da1 * nnlib.sigmoid_prime(z1), da1, da1 * nnlib.sigmoid_prime(a1), da1 * a1,
                  nnlib.sigmoid_prime(z1)]
        hidden += [da1 * slope(z1, a1) for slope, _, _ in _OTHER_SLOPES]
        if W2.shape[0] == W2.shape[1]:
            hidden.append(d @ W2 * nnlib.sigmoid_prime(z1))
        queries += [(dz1, (x, W1)) for dz1 in hidden]
    entries = [({"dz": eq(dz), "cache": eq(c)}, nnlib.dense_backward(dz, c)) for dz, c in queries]
    return stand_in("dense_backward", "dense_backward", ["dz", "cache"], entries, sealed=True,
                    hint="It answers dense_backward(dz2, (a1, W2)) with dz2 = ∂L/∂ŷ, and dense_backward(dz1, "
                         "(x, W1)) with dz1 = (dz2 @ W2.T) * sigmoid_prime(z1).")


def numerical_gradient_stand_in(params, x, y, scale=1.0, h=1e-5):
    """The probe step making a stand-in for nnlib.numerical_gradient, which 3.4 may use while the
    graded kernel lacks it (it is 3.3's answer): for each parameter, given a function that reads the
    parameter it is given (checked at two entries) and h, it returns that parameter's central
    difference of this case's loss."""
    loss_of = network_loss(x, y, scale)
    entries = []
    for name, value in params.items():
        def moved(p, n=name):
            return loss_of(dict(params, **{n: p}))
        points, base = [], moved(value.copy())
        # two entries the loss depends on (a first row of W1 that an input always 0 multiplies does not count)
        for index in dict.fromkeys([(0,) * value.ndim, tuple(s - 1 for s in value.shape), *np.ndindex(value.shape)]):
            bumped = value.copy()
            bumped[index] += 1e-3
            if len(points) < 2 and moved(bumped) != base:
                points.append((index, 1e-3, moved(bumped)))
        args = {"f": gives("x", points, f"params[{name!r}]"), "x": eq(value), "h": eq(h)}
        entries.append((args, nnlib.numerical_gradient(moved, value.copy(), h)))
    return stand_in("numerical_gradient", "numerical_gradient", ["f", "x", "h"], entries, defaults={"h": 1e-5},
                    hint="It answers numerical_gradient(lambda _: loss_of(params), params[name], h) for each "
                         "parameter of the test's network.")


class NetworkBackward(Task):
    exercise, functions = "3.2", ("network_backward",)
    forbidden_names = ("nnlib.Sequential", "nnlib.mlp") + _NO_NUMERIC

    def __init__(self, layer, names):
        self.names, self.test_id = names, f"ex3_2_{layer}_layer_tests"

    def cases(self, rng, hidden):
        shapes = [(6, 3, 4, 2), (5, 2, 3, 3)] if not hidden else [
            (int(rng.integers(1, 8)), int(rng.integers(1, 6)), int(rng.integers(1, 6)), 1),
            (int(rng.integers(2, 7)), int(rng.integers(1, 5)), 3, 3)]
        out = []
        for batch, n_in, n_hidden, n_out in shapes:
            params, x, y = make_network(rng, batch=batch, n_in=n_in, n_hidden=n_hidden, n_out=n_out)
            y_hat, cache = network_forward(x, params)
            steps = [make("params", params), make("cache", cache), make("y_hat", y_hat), make("y", y),
                     dense_backward_stand_in(params, cache, y_hat, y),
                     call(learner("network_backward"), ref("params"), ref("cache"), ref("y_hat"), ref("y"),
                          report=("params", "cache", "y_hat", "y"),
                          provide={"nnlib.dense_backward": ref("dense_backward")})]
            out.append(Case(steps, {"params": params, "cache": cache, "y_hat": y_hat, "y": y},
                            f"x {x.shape}, W1 {params['W1'].shape}, W2 {params['W2'].shape}"))
        return out

    def judge(self, case, calls):
        ctx = case.context
        hint = "W1 is (n_in, n_hidden), W2 is (n_hidden, n_out): da1 = dz2 @ W2.T is (batch, n_hidden)"
        got = returned(calls[-1], "network_backward", hint)
        for name in ("params", "cache", "y_hat", "y"):
            unchanged(calls[-1], name, ctx[name], "network_backward",
                      "compute new arrays (y_hat - y, not y_hat -= y)")
        if not isinstance(got, dict):
            raise Fail(f"network_backward should return a dict with keys {list(self.names)}, got "
                       + ("None. Did it forget to `return`?" if got is None else f"a {type(got).__name__}"),
                       mistake="forgot to return" if got is None else "not a dict")
        expected = network_gradients(ctx["params"], ctx["cache"], ctx["y_hat"], ctx["y"])
        mistakes = network_mistakes(ctx["params"], ctx["cache"], ctx["y_hat"], ctx["y"])
        problems = []
        for name in self.names:
            if name not in got:
                problems.append(Fail(f"d{name}: missing from the returned dict (its keys: {sorted(map(str, got))})",
                                     mistake="a gradient missing from the dict"))
                continue
            try:
                compare(f"d{name}", got[name], expected[name], mistakes[name] + _other_keys(name, expected),
                        where=case.where)
            except Fail as exc:
                problems.append(exc)
        if problems:  # every wrong gradient is shown; the first named mistake is the one counted
            named = next((p for p in problems if p.mistake), problems[0])
            raise Fail("\n".join(map(str, problems)), mistake=named.mistake, kind=named.kind)


# ------------------------------------------------------------------ 3.3 central differences

def numerical_mistakes(f, x, h):
    """Wrong variants of the central difference of f at x, built from nnlib's perturbed values."""
    f_plus, f_minus = perturbed_values(f, x.copy(), h)
    f0 = f(x)
    central = (f_plus - f_minus) / (2 * h)
    out = [Mistake("your gradient is the forward difference (f(x+h) − f(x))/h; the central difference "
                   "(f(x+h) − f(x−h))/(2h) is far more accurate", (f_plus - f0) / h, "forward difference"),
           Mistake("your gradient is the backward difference (f(x) − f(x−h))/h; use (f(x+h) − f(x−h))/(2h)",
                   (f0 - f_minus) / h, "backward difference"),
           Mistake("your gradient is twice the right one: the two points x+h and x−h are 2h apart, so divide "
                   "by 2h, not h", 2 * central, "divided by h, not 2h"),
           Mistake("your gradient is half the right one: (f(x+h) − f(x−h)) / 2h is (f_plus - f_minus) / (2 * h); "
                   "`/ 2 * h` multiplies by h instead (Python reads it as (… / 2) * h)",
                   (f_plus - f_minus) / 2 * h, "/ 2 * h (brackets missing)"),
           Mistake("your gradient has the sign flipped: (f(x+h) − f(x−h))/(2h), plus side first", -central,
                   "sign flipped"),
           Mistake("your gradient is f(x+h) − f(x−h) without the division by 2h", f_plus - f_minus,
                   "no division by 2h"),
           Mistake("your gradient adds f(x+h) and f(x−h) (a sum, f_plus + f_minus); the central difference "
                   "subtracts them: "
                   "(f(x+h) − f(x−h))/(2h)", (f_plus + f_minus) / (2 * h), "sum instead of difference"),
           Mistake("your f_minus is f(x) itself, so your gradient is half the forward difference: after "
                   "x[i] = old + h, `x[i] -= h` brings x back to old, not to old − h. Set x[i] = old - h (or "
                   "subtract 2 * h)", (f_plus - f0) / (2 * h), "f_minus taken at x itself")]
    for fixed in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7):  # a number written where the h given belongs
        if not math.isclose(fixed, h):
            out.append(Mistake(f"your gradient divides by 2 · {fixed:g}, a number of its own, while x moved by the "
                               f"h you are given (h = {h:g} here): divide by 2 * h", (f_plus - f_minus) / (2 * fixed),
                               "divided by a fixed h"))
    return out


class NumericalGradient(Task):
    test_id, exercise, functions = "ex3_3_tests", "3.3", ("numerical_gradient",)
    forbidden_names = _NO_NUMERIC

    def cases(self, rng, hidden):
        specs = [((3, 2), 1e-5)] if not hidden else [((int(rng.integers(2, 7)),), 1e-6),
                                                      (tuple(int(n) for n in rng.integers(1, 3, 3)), 1e-4)]
        out = []
        for shape, h in specs:
            x, c = 0.5 * rng.normal(size=shape), rng.normal(size=shape)
            steps = [make("x", x), {"op": "make", "name": "f", "kind": "recorder", "c": codec.encode(c),
                                    "x": "x"},
                     call(learner("numerical_gradient"), ref("f"), ref("x"), lit(h), report=("x",)),
                     {"op": "read", "value": {"attr": [ref("f"), "log"]}}]
            out.append(Case(steps, {"x": x, "c": c, "h": h},
                            f"f(x) = Σ c·exp(2x), x of shape {x.shape}, h = {h:g}"))
        return out

    def judge(self, case, calls):
        x, c, h = case.context["x"], case.context["c"], case.context["h"]
        got = returned(calls[2], "numerical_gradient")
        self._check_log(calls[3].value if calls[3].ok else [], x, h)
        unchanged(calls[2], "x", x, "numerical_gradient", "put each entry back after perturbing it (x[i] = old)",
                  atol=ROUND_TRIP)
        f = Recorder(c, x.copy())
        expected = nnlib.numerical_gradient(f, x.copy(), h)
        compare("gradient", got, expected, numerical_mistakes(f, x.copy(), h), where=case.where)
        self._check_every_entry_moved(calls[3].value if calls[3].ok else [], x, h)

    @staticmethod
    def _still(x):
        """How far an entry of x may sit from where it began and still count as not moved: a few
        rounding steps, what `x[i] += h`, `x[i] -= 2 * h`, `x[i] += h` leaves behind."""
        return 64 * np.finfo(float).eps * max(1.0, float(np.max(np.abs(x))))

    @staticmethod
    def _check_every_entry_moved(log, x, h):
        """Right values are not enough: a central difference evaluates f with each entry of x moved up
        by h and down by h. Values right without those calls came from somewhere else (f's formula,
        read from f's attributes, say)."""
        still = NumericalGradient._still(x)
        seen = set()
        for _, d, *_ in log or []:
            d = np.asarray(d, dtype=float)
            if d.shape == x.shape and np.count_nonzero(np.abs(d) > still) == 1:
                index = np.unravel_index(int(np.argmax(np.abs(d))), x.shape)
                seen.add((index, bool(d[index] > 0)))
        missing = [i for i in np.ndindex(x.shape) if not {(i, True), (i, False)} <= seen]
        if missing:
            where = ", ".join(map(str, missing[0]))
            raise Fail(f"numerical_gradient returned the right values, but it did not call f with x[{where}] "
                       "moved up by h and down by h. A central difference must evaluate f at both points for "
                       "every entry: compute the gradient from f's values, not from a formula for f",
                       mistake="f not evaluated at x ± h")

    @staticmethod
    def _why_several(d, x, h):
        """What moved several entries of x at once, read from how they moved (d: x as f saw it, minus x)."""
        moved = d[d != 0]
        if x.ndim == 2 and np.count_nonzero(d.any(axis=1)) == 1 and moved.size == x.shape[1] \
                and np.allclose(moved, moved[0], rtol=1e-6) and np.isclose(abs(moved[0]), h, rtol=1e-6):
            return (f"a whole row. On a 2-D x, x[i] with one index is row i, so x[i] += h moves all "
                    f"{x.shape[1]} of its entries: go through every entry, for i in np.ndindex(x.shape)")
        if not np.allclose(np.abs(moved), h, rtol=1e-6):
            return ("they moved by amounts other than h, as if your code wrote other numbers into x. If grad is x "
                    "itself (grad = x, not np.zeros_like(x)), every grad[i] = ... writes into x")
        return "put each entry back (x[i] = old) before you move the next one"

    @staticmethod
    def _check_log(log, x, h):
        """What f saw: perturbed copies (in float32 or not), a step other than h, or several entries
        moved at once. An entry a few rounding steps away from where it began has not moved: that is
        what `x[i] += h`, `x[i] -= 2 * h`, `x[i] += h` leaves behind."""
        moves = [(is_x, np.asarray(d), dtype) for is_x, d, *rest in (log or [])
                 for dtype in [rest[0] if rest else "float64"]]
        still = NumericalGradient._still(x)
        moves = [(is_x, np.where(np.abs(d) > still, d, 0.0), dtype) for is_x, d, dtype in moves]
        moves = [m for m in moves if np.any(m[1] != 0)]
        if not moves:
            return
        low = sorted({dtype for _, _, dtype in moves if dtype in ("float32", "float16")})
        if low:
            raise Fail(f"numerical_gradient called f on a {low[0]} copy of x. {low[0]} keeps about "
                       f"{np.finfo(low[0]).precision} significant digits, and f(x + h) − f(x − h) with h = {h:g} "
                       "cancels most of them, so the difference quotient loses its precision (and f never sees x "
                       "itself). Change x itself, in float64, one entry at a time, and put it back",
                       mistake="float32 copy (precision)")
        if not all(is_x for is_x, _, _ in moves):
            raise Fail("numerical_gradient perturbed a copy of x and called f on the copy. The text asks you to "
                       "change x itself, one entry at a time, and put it back: a function such as "
                       "`lambda _: loss_of(params)` reads the array it was given, not your copy (Exercise 3.4 "
                       "relies on that)", mistake="perturbed a copy")
        several = [d for _, d, _ in moves if np.count_nonzero(d) > 1]
        if several:
            raise Fail(f"numerical_gradient called f with {np.count_nonzero(several[0])} entries of x moved at "
                       f"once: {NumericalGradient._why_several(several[0], x, h)}",
                       mistake="several entries moved at once")
        steps = np.array([np.abs(d[d != 0]).max() for _, d, _ in moves])
        signed = np.array([d[d != 0][np.argmax(np.abs(d[d != 0]))] for _, d, _ in moves])
        up, down = signed[signed > 0], -signed[signed < 0]
        if up.size and down.size and not np.allclose(np.median(up), np.median(down), rtol=1e-3):
            def times(step):
                k = simple_ratio(float(np.median(step)) / h)
                return f"{k}h" if k and k != "1" else "h" if k == "1" else f"{float(np.median(step)):.3g}"
            raise Fail(f"numerical_gradient moves x up by {times(up)} and down by {times(down)} (h = {h:g}): the "
                       "central difference moves each entry by the same h both ways, x[i] = old + h and "
                       "x[i] = old − h, and divides by the 2h between them", mistake="uneven steps up and down")
        if not np.allclose(steps, h, rtol=1e-3):
            seen = float(np.median(steps))
            raise Fail(f"numerical_gradient was called with h = {h:g}, but your code moves x by {seen:.3g}. "
                       "Use the h you are given" + (": did the function set h to a number of its own "
                                                     f"(h = {seen:.0e})?" if seen != h else ""),
                       mistake="its own h")


# ------------------------------------------------------------------ 3.4 a gradient check

def checkable_network(rng, dead_input=False):
    """make_network's problem, drawn again until no gradient entry is tiny: central differences
    carry a rounding error of about eps·|L|/h in every entry, so an entry below about 1e-4·|L|
    would show a relative error above 1e-7 even for an exact gradient (see nnlib.gradient_errors).

    dead_input: the first input is 0 in every row, so the first row of dW1 is exactly 0, in the
    backward pass and in the central difference alike (where the relative error is 0 / max(1e-8, 0)):
    a relative error without its 1e-8 floor is 0/0 there."""
    while True:
        params, x, y = make_network(rng)
        if dead_input:
            x[:, 0] = 0.0
        y_hat, cache = network_forward(x, params)
        loss = nnlib.mse_loss(y_hat, y)[0]
        grads = network_gradients(params, cache, y_hat, y)
        live = [g[1:] if dead_input and name == "W1" else g for name, g in grads.items()]
        if min(float(np.abs(g).min()) for g in live) > 1e-2 * loss:
            return params, x, y


def _forgot_f_prime(params, x, y, scale):
    """The gradients of a backward pass that forgot f'(z1) in W1 and b1, the check's planted bug."""
    y_hat, cache = network_forward(x, params)
    right = {k: scale * v for k, v in network_gradients(params, cache, y_hat, y).items()}
    da1 = scale * nnlib.mse_loss(y_hat, y)[1] @ params["W2"].T
    return right, dict(right, W1=x.T @ da1, b1=da1.sum(axis=0))


def error_mistakes(a, numeric):
    """Wrong ways to measure how far a gradient a is from the numerical one."""
    diff = np.abs(a - numeric)
    norms = np.linalg.norm(a) + np.linalg.norm(numeric)
    each = diff / np.maximum(1e-8, np.abs(a) + np.abs(numeric))
    with np.errstate(all="ignore"):
        return [Mistake("your error is the absolute error max|a − b|; the check needs the relative error "
                        "max|a − b| / max(1e-8, |a| + |b|) (nnlib.rel_error), which does not depend on the scale "
                        "of the loss", diff.max(), "absolute instead of relative error"),
                Mistake("your error is the mean absolute difference; use the relative error "
                        "max|a − b| / max(1e-8, |a| + |b|) (nnlib.rel_error)", diff.mean(),
                        "mean absolute difference"),
                Mistake("your error is |a − b| / (|a| + |b|) with 2-norms of whole arrays; the text asks for the "
                        "largest relative error of one entry, nnlib.rel_error", np.linalg.norm(a - numeric) / norms,
                        "norms of whole arrays"),
                Mistake("your error is the mean of the entries' relative errors; the check takes the largest one "
                        "(max), so one bad entry is enough to flag a gradient", each.mean(), "mean instead of max"),
                Mistake("your error divides by |b| alone (the numerical gradient); the relative error divides by "
                        "max(1e-8, |a| + |b|)", np.max(diff / np.abs(numeric)), "divided by |b| only"),
                Mistake("your error divides the largest difference by the largest entry, max|a − b| / max|b|; the "
                        "relative error divides entry by entry, max of |a − b| / max(1e-8, |a| + |b|)",
                        diff.max() / np.abs(numeric).max(), "max over max, not entry by entry"),
                Mistake("your error is the 2-norm of the difference, ‖a − b‖, an absolute measure; the check takes the "
                        "largest relative error of one entry, max|a − b| / max(1e-8, |a| + |b|)",
                        np.linalg.norm(a - numeric), "norm of the difference"),
                Mistake("your error divides by |a + b|; the relative error divides by the sum of the sizes, "
                        "max(1e-8, |a| + |b|)", np.max(diff / np.maximum(1e-8, np.abs(a + numeric))),
                        "|a + b| in the denominator"),
                Mistake("your error divides by |a| alone (your gradient); the relative error divides by "
                        "max(1e-8, |a| + |b|)", np.max(diff / np.abs(a)), "divided by |a| only"),
                Mistake("your error is the sum of the absolute differences; the check takes the largest relative "
                        "error of one entry, max|a − b| / max(1e-8, |a| + |b|)", diff.sum(),
                        "sum of absolute differences")]


class GradientCheck(Task):
    test_id, exercise, functions = "ex3_4_tests", "3.4", ("gradient_check",)
    forbidden_names = ("nnlib.gradient_check", "nnlib.gradient_errors")

    def cases(self, rng, hidden):
        scales = [1.0] if not hidden else [1e-4, 1e4, 1.0]
        out = []
        for i, scale in enumerate(scales):
            dead = hidden and i == 2  # an input that is always 0: gradient entries that are exactly 0
            params, x, y = checkable_network(rng, dead_input=dead)
            right, wrong = _forgot_f_prime(params, x, y, scale)
            steps = [make("params", params), make("right", right), make("wrong", wrong),
                     {"op": "make", "name": "loss_of", "kind": "network_loss", "x": codec.encode(x),
                      "y": codec.encode(y), "scale": scale},
                     numerical_gradient_stand_in(params, x, y, scale),
                     call(learner("gradient_check"), ref("loss_of"), ref("params"), ref("right"),
                          report=("params", "right"), provide=_NUMERIC),
                     call(learner("gradient_check"), ref("loss_of"), ref("params"), ref("wrong"),
                          report=("params", "wrong"), provide=_NUMERIC)]
            out.append(Case(steps, {"params": params, "right": right, "wrong": wrong, "x": x, "y": y, "scale": scale},
                            "the two-layer network" + (f" with its loss times {scale:g}" if scale != 1 else "")
                            + (", its first input 0 in every row (so the first row of dW1 is 0)" if dead else "")))
        return out

    def judge(self, case, calls):
        ctx = case.context
        loss_of = network_loss(ctx["x"], ctx["y"], ctx["scale"])
        numeric = {name: nnlib.numerical_gradient(lambda p, n=name: loss_of(dict(ctx["params"], **{n: p})),
                                                  ctx["params"][name].copy()) for name in ctx["params"]}
        for step, label in ((calls[5], "right"), (calls[6], "wrong")):
            errors = returned(step, "gradient_check")
            unchanged(step, "params", ctx["params"], "gradient_check", "restore every entry after perturbing it",
                      atol=ROUND_TRIP)
            unchanged(step, label, ctx[label], "gradient_check", "leave the gradients alone")
            if not isinstance(errors, dict) or set(errors) != set(ctx["params"]):
                raise Fail(f"gradient_check should return a dict with keys {sorted(ctx['params'])} (one relative "
                           f"error per parameter), got {_what_came(errors)}", mistake="not a dict of errors")
            for name, err in errors.items():
                self._judge_one(name, number(f"the error for {name}", err), label, ctx, numeric[name], case.where)

    @staticmethod
    def _judge_one(name, err, label, ctx, numeric, where):
        planted = label == "wrong" and name in ("W1", "b1")
        truth = nnlib.rel_error(ctx[label][name], numeric)
        shown_err, shown_truth = numbers(err, truth)
        if not (err > 1e-2 if planted else err <= 1e-7):
            grads = "the true gradients" if label == "right" else "gradients that forgot f'(z1) in W1 and b1"
            want = "above 1e-2 (the check must flag them)" if planted else "at most 1e-7"
            raise _with_hint(f"gradient_check reports {shown_err} for {name} with {grads} ({where}); expected {want}. "
                             f"The relative error of {name} is {shown_truth}.", err, ctx[label][name], numeric)
        if planted and not np.isclose(err, truth, rtol=1e-2):
            raise _with_hint(f"gradient_check reports {shown_err} for {name} with gradients that forgot f'(z1); their "
                             f"relative error max|a − b| / max(1e-8, |a| + |b|) is {shown_truth}.", err,
                             ctx[label][name], numeric)


def _what_came(value):
    """A returned value in a few words, numbers at one precision."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return f"the number {numbers(float(value))[0]} (one error for all parameters together?)"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, np.number)) for v in value):
        return f"a {type(value).__name__} {preview(np.array(value, dtype=float))} (the keys are needed too)"
    return f"{value!r:.80}"


def _with_hint(message, err, a, numeric):
    """The Fail for a wrong error: with the way of measuring it that gives it, when one does."""
    if math.isnan(err):
        return Fail(message + "\n  Likely mistake: your error is NaN, which is what 0/0 gives: where an entry of "
                    "both gradients is 0, |a − b| / (|a| + |b|) divides 0 by 0. The denominator has a floor for "
                    "that: max(1e-8, |a| + |b|), np.maximum(1e-8, np.abs(a) + np.abs(b)) (nnlib.rel_error has it)",
                    mistake="no 1e-8 floor (0/0 is NaN)")
    if err == 0:
        return Fail(message + "\n  Likely mistake: an error of exactly 0 means the two gradients compared are the "
                    "same array: compare grads[name] with the central difference of loss_of, computed afresh",
                    mistake="compares a gradient with itself")
    for m in error_mistakes(a, numeric):
        if np.isclose(err, m.value, rtol=1e-6, atol=1e-15):  # the stand-in's numerical gradient is nnlib's, exactly
            return Fail(message + f"\n  Likely mistake: {m.hint}", mistake=m.name)
    ratio = simple_ratio(err / nnlib.rel_error(a, numeric)) if nnlib.rel_error(a, numeric) else None
    if ratio is not None:
        return Fail(message + f"\n  Likely mistake: your error is {ratio} × the relative error"
                    + (" (a percentage?)" if ratio == "100" else "") + ": return rel_error itself, a number between "
                    "0 and 1", mistake=f"error off by a factor {ratio}")
    return Fail(message + " The checks cannot tell which step is wrong: compute rel_error of this parameter by "
                "hand and compare it with each step of your code.")


class YourNetwork(Task):
    """3.4's last point: the learner's gradient check passes the learner's network_backward (3.2)."""

    test_id, exercise, functions = "ex3_4_your_network_tests", "3.4", ("gradient_check", "network_backward")
    forbidden_names = ("nnlib.gradient_check", "nnlib.gradient_errors")
    depends_on = ("3.2",)

    def cases(self, rng, hidden):
        params, x, y = checkable_network(rng)
        y_hat, cache = network_forward(x, params)
        steps = [make("params", params), make("cache", cache), make("y_hat", y_hat), make("y", y),
                 {"op": "make", "name": "loss_of", "kind": "network_loss", "x": codec.encode(x),
                  "y": codec.encode(y)},
                 dense_backward_stand_in(params, cache, y_hat, y),
                 call(learner("network_backward"), ref("params"), ref("cache"), ref("y_hat"), ref("y"), save="grads",
                      provide={"nnlib.dense_backward": ref("dense_backward")}),
                 # made only now: its central differences are this network's gradients, which a
                 # network_backward that found the object in memory could hand back as its own
                 numerical_gradient_stand_in(params, x, y),
                 call(learner("gradient_check"), ref("loss_of"), ref("params"), ref("grads"), report=("params",),
                      provide=_NUMERIC)]
        return [Case(steps, {"params": params, "cache": cache, "y_hat": y_hat, "y": y}, "the two-layer network")]

    def judge(self, case, calls):
        grads = returned(calls[6], "network_backward (Exercise 3.2)")
        errors = returned(calls[8], "gradient_check")
        if not isinstance(errors, dict):
            raise Fail(f"gradient_check should return a dict of relative errors, got {_what_came(errors)}",
                       mistake="not a dict of errors")
        bad = {k: number(f"the error for {k}", v) for k, v in errors.items()}
        bad = {k: v for k, v in bad.items() if not v <= 1e-7}
        if bad:
            shown = ", ".join(f"{k}: {v:.3g}" for k, v in sorted(bad.items()))
            raise Fail(f"your gradient check flags your network_backward ({shown}; each should be at most 1e-7). "
                       "This point needs Exercise 3.2 right: fix network_backward first.",
                       mistake="network_backward (3.2) wrong")
        expected = network_gradients(case.context["params"], case.context["cache"], case.context["y_hat"],
                                     case.context["y"])
        for name, value in expected.items():
            got = grads.get(name) if isinstance(grads, dict) else None
            if not (isinstance(got, np.ndarray) and got.shape == value.shape and nnlib.rel_error(got, value) <= 1e-7):
                yours = preview(got) if isinstance(got, np.ndarray) else repr(got)
                raise Fail(f"your gradient check passes your network_backward, but its d{name} is wrong "
                           f"(expected {preview(value)}, yours {yours}): "
                           "the check does not see the bug. Compare each gradient with the central difference of "
                           "loss_of with respect to that parameter", mistake="the check misses a wrong gradient")


# What a graded kernel may use of nnlib (exercises.withhold): the forward pass and the loss the
# given network needs, sigmoid's derivative and the relative error; no backward pass, no
# central differences.
KERNEL_NNLIB = ("nnlib.dense_forward", "nnlib.sigmoid", "nnlib.sigmoid_prime", "nnlib.mse_loss", "nnlib.rel_error")

TASKS = [LayerBackward("dx"), LayerBackward("dW"), LayerBackward("db"),
         NetworkBackward("output", ("W2", "b2")), NetworkBackward("hidden", ("W1", "b1")),
         NumericalGradient(), GradientCheck(), YourNetwork()]
