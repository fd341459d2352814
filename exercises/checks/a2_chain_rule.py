"""Assignment 2, derivatives and the chain rule: f' of three activations, the chain rule factor
by factor, and one neuron's gradients over a batch. References: nnlib's ACTIVATIONS and mse_loss."""

import numpy as np

import nnlib

from .. import codec
from .engine import (
    Case,
    Fail,
    Mistake,
    Task,
    call,
    compare,
    eq,
    learner,
    lit,
    make,
    number,
    ref,
    returned,
    stand_in,
    unchanged,
    unpack,
)
from .generic import elementwise_catalogue, input_variants

_NO_TABLE = ("nnlib.ACTIVATIONS", "nnlib.activation_forward", "nnlib.activation_backward")
_NO_NUMERIC = ("nnlib.numerical_gradient", "nnlib.gradcheck.perturbed_values")

# ------------------------------------------------------------------ 2.1–2.3 derivatives of the activations


def prime_mistakes(name, z):
    """Wrong variants of f'(z) for the activation `name`."""
    s, t = nnlib.sigmoid(z), np.tanh(z)
    if name == "sigmoid":
        with np.errstate(all="ignore"):
            wrong_s = 1 + np.exp(-z)  # what 1 / 1 + np.exp(-z) computes
            return [Mistake("your values equal sigmoid(z) itself, not its derivative. σ'(z) = s(1 − s) with "
                            "s = sigmoid(z)", s, "sigmoid itself"),
                    Mistake("your values equal z(1 − z): the formula s(1 − s) was applied to z instead of to "
                            "s = sigmoid(z). First s = sigmoid(z), then s * (1 - s)", z * (1 - z), "z(1 − z)"),
                    Mistake("your values equal s(1 + s): the second factor needs a minus. σ'(z) = s(1 − s)",
                            s * (1 + s), "s(1 + s)"),
                    Mistake("your values equal −s(1 − s): σ'(z) = s(1 − s) is positive", -s * (1 - s),
                            "sign flipped"),
                    Mistake("your values equal 1 − s: a factor s is missing. σ'(z) = s(1 − s)", 1 - s, "1 − s"),
                    Mistake("your values equal s²: σ'(z) = s(1 − s), not s·s", s * s, "s²"),
                    Mistake("your values equal s(1 − s)²: the second factor is squared. σ'(z) = s(1 − s)",
                            s * (1 - s) ** 2, "s(1 − s)²"),
                    Mistake("your s is 1 + e^(−z): Python reads 1 / 1 + np.exp(-z) as (1 / 1) + e^(−z). "
                            "Write s = 1 / (1 + np.exp(-z)), then s * (1 - s)", wrong_s * (1 - wrong_s),
                            "brackets missing in s")]
    if name == "tanh":
        return [Mistake("your values equal 1 − z²: z is where tanh(z) belongs. tanh'(z) = 1 − tanh(z)²", 1 - z * z,
                        "1 − z²"),
                Mistake("your values equal tanh(z) itself, not its derivative 1 − tanh(z)²", t, "tanh itself"),
                Mistake("your values equal 1 + tanh(z)²: tanh'(z) = 1 − tanh(z)²", 1 + t * t, "1 + tanh²"),
                Mistake("your values equal 1 − tanh(z): the square is missing. tanh'(z) = 1 − tanh(z)²", 1 - t,
                        "square missing"),
                Mistake("your values equal (1 − tanh(z))²: square tanh(z) first. tanh'(z) = 1 − tanh(z)²",
                        (1 - t) ** 2, "(1 − tanh)²"),
                Mistake("your values equal 1 − tanh(z²): square after taking tanh. tanh'(z) = 1 − tanh(z)²",
                        1 - np.tanh(z * z), "1 − tanh(z²)"),
                Mistake("your values equal tanh(z)² − 1, the sign flipped: tanh'(z) = 1 − tanh(z)²", t * t - 1,
                        "sign flipped")]
    if name == "relu":
        return [Mistake("np.sign(z) is −1 for negative z; relu'(z) is 0 there and 1 for z > 0: (z > 0) * 1.0",
                        np.sign(z), "np.sign"),
                Mistake("your values equal relu(z) itself; its derivative is 1 where z > 0, else 0",
                        np.maximum(z, 0), "relu itself"),
                Mistake("at z = 0 the course uses relu'(0) = 0: write z > 0, not z >= 0", (z >= 0) * 1.0,
                        "z >= 0 (the kink)"),
                Mistake("your values are 1 everywhere; relu'(z) is 0 for z ≤ 0", np.ones_like(z), "1 everywhere"),
                Mistake("your values are 1 for z < 0 and 0 for z > 0, the wrong way round: relu'(z) = 1 where z > 0",
                        (z < 0) * 1.0, "the wrong way round"),
                Mistake("your values are 1 wherever z ≠ 0; relu'(z) is 0 for negative z: (z > 0) * 1.0",
                        (z != 0) * 1.0, "1 wherever z ≠ 0"),
                Mistake("your relu' keeps only the entries where z > 0 (a boolean mask picks them out and drops the "
                        "rest), so the shape is lost: (z > 0) * 1.0 keeps every entry", np.ones(int((z > 0).sum())),
                        "boolean mask drops entries")]
    raise ValueError(f"unknown activation {name!r}; valid: sigmoid, tanh, relu")


class ActivationPrime(Task):
    def __init__(self, name, number_):
        self.name, self.exercise = name, f"2.{number_}"
        self.test_id, self.functions = f"ex2_{number_}_tests", (f"{name}_prime",)
        self.forbidden_names = (f"nnlib.{name}_prime",) + _NO_TABLE + _NO_NUMERIC

    def cases(self, rng, hidden):
        shapes = [(4, 3)] if not hidden else [(int(rng.integers(1, 9)),), tuple(int(n) for n in rng.integers(1, 5, 2)),
                                              (1, 4)]
        out = []
        for i, shape in enumerate(shapes):
            z = 3.0 * rng.normal(size=shape)
            z.flat[0] = 0.0  # the kink of relu, where the course's convention is relu'(0) = 0
            if hidden and i == 2:  # float32 too: its own precision is enough
                z = z.astype(np.float32)
            out.append(Case([make("z", z), call(learner(self.functions[0]), ref("z"), report=("z",))], {"z": z},
                            f"z of shape {z.shape}, z[0] = 0" + (" in float32" if z.dtype == np.float32 else "")))
        return out

    def judge(self, case, calls):
        z, fn = case.context["z"], self.functions[0]
        got = returned(calls[-1], fn)
        unchanged(calls[-1], "z", z, fn, "return a new array instead of changing z")
        zd = z.astype(float)
        right = nnlib.ACTIVATIONS[self.name][1](zd)
        mistakes = prime_mistakes(self.name, zd) + elementwise_catalogue(zd, f"{self.name}'(z)", right)
        s, t = nnlib.sigmoid(zd), np.tanh(zd)
        parts = {"sigmoid": {"s = sigmoid(z)": s, "1 − s": 1 - s}, "tanh": {"tanh(z)": t, "1 − tanh(z)": 1 - t,
                                                                             "1 + tanh(z)": 1 + t}}.get(self.name, {})
        compare(f"{fn}(z)", got, right, mistakes, where=case.where, precision=z.dtype, inputs=zd,
                factors={"z": zd, **parts})


# ------------------------------------------------------------------ 2.4 the chain rule, factor by factor

def chain_factors(x, w, b, y):
    """(∂L/∂ŷ, ∂ŷ/∂z, ∂z/∂w) for ŷ = sigmoid(w x + b) and L = ½ (ŷ − y)², from nnlib."""
    z = np.array([[w * x + b]])
    y_hat = nnlib.sigmoid(z)
    _, dy_hat = nnlib.mse_loss(y_hat, np.array([[y]]))  # one row: ∂L/∂ŷ = ŷ − y
    return float(dy_hat[0, 0]), float(nnlib.sigmoid_prime(z)[0, 0]), x


def chain_mistakes(x, w, b, y):
    z = w * x + b
    s = float(nnlib.sigmoid(np.array(z)))
    return (
        [Mistake("your ∂L/∂ŷ equals y − ŷ, the sign flipped — a common slip. For L = ½(ŷ − y)², ∂L/∂ŷ = ŷ − y", y - s,
                 "sign flipped"),
         Mistake("your ∂L/∂ŷ equals 2(ŷ − y): the ½ cancels the 2 of the square, so ∂L/∂ŷ = ŷ − y", 2 * (s - y),
                 "factor 2"),
         Mistake("your ∂L/∂ŷ equals the loss ½(ŷ − y)² itself, not its derivative ŷ − y", 0.5 * (s - y) ** 2,
                 "the loss instead of its derivative"),
         Mistake("your ∂L/∂ŷ uses z where ŷ = sigmoid(z) belongs: ∂L/∂ŷ = ŷ − y", z - y, "z instead of ŷ"),
         Mistake("your ∂L/∂ŷ equals (ŷ − y)², twice the loss, not its derivative: ∂L/∂ŷ = ŷ − y", (s - y) ** 2,
                 "the loss instead of its derivative"),
         Mistake("your ∂L/∂ŷ is multiplied by ∂ŷ/∂z already, which makes it ∂L/∂z; each factor stands alone: "
                 "∂L/∂ŷ = ŷ − y", (s - y) * s * (1 - s), "∂L/∂z instead of ∂L/∂ŷ"),
         Mistake("your ŷ leaves out the bias: ŷ = sigmoid(w x + b), so ∂L/∂ŷ = ŷ − y with the b inside",
                 float(nnlib.sigmoid(np.array(w * x))) - y, "bias left out of z"),
         *partial_products(0, (s - y, s * (1 - s), x))],
        [Mistake("your ∂ŷ/∂z equals sigmoid(z); ∂ŷ/∂z is its derivative s(1 − s) with s = sigmoid(z)", s,
                 "sigmoid instead of its derivative"),
         Mistake("your ∂ŷ/∂z equals z(1 − z): apply s(1 − s) to s = sigmoid(z), not to z", z * (1 - z), "z(1 − z)"),
         Mistake("your ∂ŷ/∂z equals s(1 + s): ∂ŷ/∂z = s(1 − s)", s * (1 + s), "s(1 + s)"),
         Mistake("your ∂ŷ/∂z equals 1 − s: a factor s is missing, ∂ŷ/∂z = s(1 − s)", 1 - s, "1 − s"),
         Mistake("your ŷ leaves out the bias: ŷ = sigmoid(w x + b), and ∂ŷ/∂z = ŷ(1 − ŷ) with that ŷ",
                 float(nnlib.sigmoid(np.array(w * x)) * (1 - nnlib.sigmoid(np.array(w * x)))), "bias left out of z"),
         *[Mistake(f"your ∂ŷ/∂z is sigmoid's derivative taken at {at}; it is taken at z = w x + b: "
                   "s(1 − s) with s = sigmoid(z) = ŷ", float(nnlib.sigmoid_prime(np.array(v))), f"sigmoid' at {at}")
           for at, v in (("x", x), ("w", w), ("b", b)) if not np.isclose(v, z)],
         # the rule ŷ(1 − ŷ) with another of the case's quantities in one of its two places
         *[Mistake(f"your ∂ŷ/∂z equals {text}: {name} stands where ŷ belongs in the {place} factor. "
                   "∂ŷ/∂z = ŷ(1 − ŷ), ŷ in both", value, f"{name} where ŷ belongs")
           for name, q in (("y", y), ("z", z), ("x", x), ("w", w))
           for text, value, place in ((f"ŷ(1 − {name})", s * (1 - q), "second"),
                                      (f"{name}(1 − ŷ)", q * (1 - s), "first"))
           if not np.isclose(q, s)],
         *partial_products(1, (s - y, s * (1 - s), x))],
        [Mistake("your ∂z/∂w equals w; for z = w x + b, ∂z/∂w = x", w, "w instead of x"),
         Mistake("your ∂z/∂w equals 1, which is ∂z/∂b; ∂z/∂w = x", 1.0, "∂z/∂b instead"),
         Mistake("your ∂z/∂w equals b; for z = w x + b, ∂z/∂w = x", b, "b instead of x"),
         Mistake("your ∂z/∂w equals w·x, the term itself; its derivative with respect to w is x", w * x,
                 "w·x instead of x"),
         Mistake("your ∂z/∂w equals x + b: the bias does not depend on w, so its derivative is 0; ∂z/∂w = x", x + b,
                 "x + b instead of x"),
         *partial_products(2, (s - y, s * (1 - s), x))])


_FACTORS = ("∂L/∂ŷ", "∂ŷ/∂z", "∂z/∂w")
_PRODUCTS = {(0, 1): "∂L/∂z", (1, 2): "∂ŷ/∂w", (0, 1, 2): "∂L/∂w", (0, 2): "∂L/∂ŷ · ∂z/∂w"}


def partial_products(i, factors):
    """Mistakes for factor i of the chain: the product of it with its neighbours (the chain multiplied
    out, partly or whole), returned where the factor alone belongs."""
    out = []
    for group, name in _PRODUCTS.items():
        if i in group:
            value = float(np.prod([factors[j] for j in group]))
            out.append(Mistake(f"your {_FACTORS[i]} equals {' · '.join(_FACTORS[j] for j in group)} = {name}: the "
                               f"factors are already multiplied together. Return each factor alone; the chain "
                               f"rule multiplies them afterwards, ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w", value,
                               f"{name} instead of {_FACTORS[i]}"))
    return out


class ChainRule(Task):
    test_id, exercise, functions = "ex2_4_tests", "2.4", ("chain_rule_factors",)
    forbidden_names = ("nnlib.sigmoid_prime",) + _NO_TABLE + _NO_NUMERIC

    def cases(self, rng, hidden):
        out = []
        for _ in range(3 if hidden else 1):
            x, w, b, y = (float(v) for v in rng.normal(size=4))
            steps = [call(learner("chain_rule_factors"), lit(x), lit(w), lit(b), lit(y))]
            out.append(Case(steps, {"xwby": (x, w, b, y)}, f"x={x:.4g}, w={w:.4g}, b={b:.4g}, y={y:.4g}"))
        return out

    def judge(self, case, calls):
        xwby = case.context["xwby"]
        got = unpack(returned(calls[0], "chain_rule_factors"), "chain_rule_factors", ("dL_dyhat", "dyhat_dz", "dz_dw"))
        names = dict(zip(("x", "w", "b (the bias)", "y (the target)"), xwby))
        for i, (name, g, e, m) in enumerate(zip(("dL_dyhat", "dyhat_dz", "dz_dw"), got, chain_factors(*xwby),
                                                chain_mistakes(*xwby))):
            m = m + input_variants(lambda i=i, **k: chain_factors(k["x"], k["w"], k["b"], k["y"])[i], names, name)
            number(name, g)
            compare(name, g, e, m, where=case.where)


# ------------------------------------------------------------------ 2.5 one neuron over a batch

def neuron_gradients_reference(x, w, b, y, activation):
    """(dw, db) for a = f(x @ w + b), L = mean over the batch of ½ (a − y)², from nnlib."""
    f, f_prime = nnlib.ACTIVATIONS[activation]
    z = x @ w + b
    _, da = nnlib.mse_loss(f(z)[:, None], y[:, None])  # ∂L/∂a = (a − y)/N
    delta = da[:, 0] * f_prime(z)
    return x.T @ delta, float(delta.sum())


def neuron_mistakes(x, w, b, y, activation):
    f, f_prime = nnlib.ACTIVATIONS[activation]
    n, z = len(x), x @ w + b
    a = f(z)
    dw, db = neuron_gradients_reference(x, w, b, y, activation)
    variants = {
        "forgot f'(z)": ((a - y) / n, "the f'(z) factor is missing: ∂L/∂w = (1/N) Σ (a − y) f'(z) x"),
        "f' of a instead of z": ((a - y) * f_prime(a) / n, "f' was applied to a = f(z) instead of to z: the chain "
                                 "rule needs f'(z), the slope where the neuron's input z is"),
        "f instead of f'": ((a - y) * a / n, "f(z) stands where its derivative f'(z) belongs"),
        "error z − y": ((z - y) * f_prime(z) / n, "the error is z − y; it is a − y, with a = f(z)"),
        "f' without the bias": ((a - y) * f_prime(x @ w) / n, "f' was taken at x @ w, without the bias: "
                                "z = x @ w + b"),
        "error a − y missing": (f_prime(z) / n, "the error a − y is missing: ∂L/∂a = (a − y)/N comes first in the "
                                "chain, ∂L/∂w = (1/N) Σ (a − y) f'(z) x"),
        "bias left out of z": ((f(x @ w) - y) * f_prime(x @ w) / n, "z leaves out the bias b: z = x @ w + b, and "
                               "both a = f(z) and f'(z) are taken at it"),
    }
    written_out = {"sigmoid": ("a(1 − a), sigmoid's derivative", a * (1 - a)),
                   "tanh": ("1 − a², tanh's derivative", 1 - a * a),
                   "relu": ("the step z > 0, relu's derivative", (z > 0) * 1.0)}
    others = {f"{name}' for every activation": (
        (a - y) * slope / n, f"the slope is {what}, written out, while this neuron's activation is {activation!r}: "
        "use f_prime(z) from ACTIVATIONS[activation], which follows the activation")
        for name, (what, slope) in written_out.items() if name != activation and np.any(slope)}
    dw_m = [Mistake(f"your dw: {text}", x.T @ d, label) for label, (d, text) in variants.items()]
    db_m = [Mistake(f"your db: {text}", float(d.sum()), label) for label, (d, text) in variants.items()]
    dw_m += [Mistake("your dw equals −(1/N) Σ (a − y) f'(z) x, the gradient with the sign flipped: the error "
                     "is a − y", -dw, "sign flipped"),
             Mistake(f"your dw is the sum over the batch, not the mean: divide by N = {n}", n * dw,
                     "sum instead of mean"),
             Mistake(f"your dw is divided by N = {n} twice; the mean divides by N once", dw / n, "divided by N twice")]
    db_m += [Mistake("your db is 0: the bias has a gradient too, ∂L/∂b = (1/N) Σ (a − y) f'(z)", 0.0, "db = 0"),
             Mistake("your db has the sign flipped: ∂L/∂b = (1/N) Σ (a − y) f'(z)", -db, "sign flipped"),
             Mistake(f"your db is the sum over the batch, not the mean: divide by N = {n}", n * db,
                     "sum instead of mean"),
             Mistake(f"your db is divided by N = {n} twice; the mean divides by N once", db / n, "divided by N twice")]
    dw_m += [Mistake(f"your dw: {text}", x.T @ d, label) for label, (d, text) in others.items()]
    db_m += [Mistake(f"your db: {text}", float(d.sum()), label) for label, (d, text) in others.items()]
    # delta = (a − y) f'(z) / N with one factor of the chain too many: each of the chain's own values
    delta = (a - y) * f_prime(z) / n
    extra = (("a = f(z)", a, "an extra factor a = f(z) (the activation's value)"),
             ("a − y", a - y, "the error (a − y) enters twice, as (a − y)², the squared error of the loss itself "
              "where its derivative a − y belongs"),
             ("f'(z)", f_prime(z), "f'(z) enters twice"),
             ("z", z, "an extra factor z"), ("y", y, "an extra factor y"))
    for name, factor, text in extra:
        d, why = delta * factor, f"delta = (a − y) f'(z) / N times {name}: {text}. delta = ∂L/∂z is (a − y)·f'(z)/N"
        dw_m.append(Mistake(f"your dw: {why}", x.T @ d, f"extra factor {name} in delta"))
        db_m.append(Mistake(f"your db: {why}", float(d.sum()), f"extra factor {name} in delta"))
    # the sum over the batch taken of each factor first, then multiplied: (Σ x)(Σ delta) is not Σ x·delta
    for how, xs, ds in (("sums", x.sum(axis=0), delta.sum()), ("means", x.mean(axis=0), delta.mean()),
                        ("mean of x times the sum", x.mean(axis=0), delta.sum())):
        dw_m.append(Mistake(f"your dw is a product of {how} over the batch ((Σ x)·(Σ delta), say): summing each factor "
                            "first loses which x goes with which delta. dw = x.T @ delta sums the products x·delta "
                            "of each row", xs * ds, "product of sums, not sum of products"))
    return dw_m, db_m


def activation_stand_ins(x, w, b, activation):
    """Probe steps making `activations`, the ACTIVATIONS table 2.5 reads while it is graded: each
    activation itself (the kernel has those) with a stand-in for its derivative that knows f' at
    this case's z = x @ w + b only (and at a = f(z) and x @ w, where common slips evaluate it), so
    2.5 does not depend on the learner's 2.1–2.3, and their answers are not in the kernel."""
    f, f_prime = nnlib.ACTIVATIONS[activation]
    z = x @ w + b
    points = [z, f(z), x @ w]
    steps, table = [], []
    for name in ("sigmoid", "tanh", "relu"):
        entries = [({"z": eq(p)}, f_prime(p)) for p in points] if name == activation else []
        steps.append(stand_in(f"{name}_prime", f"{name}_prime", ["z"], entries,
                              hint="Call f_prime on z = x @ w + b (an array of shape (N,))."))
        table.append([codec.encode(name), {"tuple": [{"nnlib": name}, ref(f"{name}_prime")]}])
    return steps + [{"op": "make", "name": "activations", "kind": "ref", "ref": {"dict": table}}]


class NeuronGradients(Task):
    exercise, functions = "2.5", ("neuron_gradients",)
    forbidden_names = ("nnlib.dense_backward", "nnlib.activation_backward") + _NO_NUMERIC

    def __init__(self, part):
        self.part, self.test_id = part, f"ex2_5_{part}_tests"

    def cases(self, rng, hidden):
        out = []
        for i, activation in enumerate(("sigmoid", "tanh", "relu") + (("tanh",) if hidden else ())):
            batch, n_in = (5, 3) if not hidden else (int(rng.integers(1, 10)), int(rng.integers(1, 6)))
            batch = 1 if i == 3 else batch  # a batch of one: the mean over the batch is that one example
            x, w = rng.normal(size=(batch, n_in)), rng.normal(size=n_in)
            b, y = float(rng.normal()), rng.normal(size=batch)
            steps = [make("x", x), make("w", w), make("y", y), *activation_stand_ins(x, w, b, activation),
                     call(learner("neuron_gradients"), ref("x"), ref("w"), lit(b), ref("y"), lit(activation),
                          report=("x", "w", "y"), provide={"nnlib.ACTIVATIONS": ref("activations")})]
            out.append(Case(steps, {"args": (x, w, b, y, activation)},
                            f"activation {activation!r}, x {x.shape}, w {w.shape}, y {y.shape}"))
        return out

    def judge(self, case, calls):
        x, w, b, y, activation = case.context["args"]
        hint = (f"x is {x.shape}, w is {w.shape}, y is {y.shape}: z = x @ w + b is ({len(x)},) and "
                "dw = x.T @ delta has w's shape")
        got = unpack(returned(calls[-1], "neuron_gradients", hint), "neuron_gradients", ("dw", "db"))
        for name, value in (("x", x), ("w", w), ("y", y)):
            unchanged(calls[-1], name, value, "neuron_gradients", "compute new arrays instead")
        dw, db = neuron_gradients_reference(x, w, b, y, activation)
        dw_m, db_m = neuron_mistakes(x, w, b, y, activation)
        names = {"x (the inputs)": x, "w (the weights)": w, "b (the bias)": b, "y (the targets)": y}
        dw_m += input_variants(lambda **k: neuron_gradients_reference(**k, activation=activation)[0], names, "dw")
        db_m += input_variants(lambda **k: neuron_gradients_reference(**k, activation=activation)[1], names, "db")
        sizes = {"N (len(x), the batch)": len(x), "n_in (len(w), the inputs)": len(w)}
        if self.part == "dw":
            compare("dw", got[0], dw, dw_m, where=case.where, sizes=sizes)
        else:
            if isinstance(got[1], np.ndarray) and got[1].shape == (len(x),):
                raise Fail(f"db should be a number, got an array of shape {got[1].shape} (for {case.where}): "
                           "sum over the batch, ∂L/∂b = (1/N) Σ (a − y) f'(z)", mistake="not summed over the batch")
            number("db", got[1])
            compare("db", got[1], db, db_m, where=case.where, sizes=sizes)


# What a graded kernel may use of nnlib (exercises.withhold): the activations themselves, not
# their derivatives, which this assignment asks for.
KERNEL_NNLIB = ("nnlib.sigmoid", "nnlib.tanh", "nnlib.relu")

TASKS = [ActivationPrime("sigmoid", 1), ActivationPrime("tanh", 2), ActivationPrime("relu", 3),
         ChainRule(), NeuronGradients("dw"), NeuronGradients("db")]
