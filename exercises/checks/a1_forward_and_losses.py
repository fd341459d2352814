"""Assignment 1, the forward pass and the losses: a dense layer, three activations, MSE and BCE.

The right answers come from nnlib (dense_forward, ACTIVATIONS, mse_loss, bce_loss); every
wrong variant is built from the same inputs so a diagnosis names what the learner wrote.
"""

import math

import numpy as np

import nnlib

from .engine import Case, Fail, Mistake, Task, call, compare, learner, make, number, ref, returned, unchanged, unpack
from .generic import elementwise_catalogue, input_variants

# ------------------------------------------------------------------ 1.1 a dense layer


def layer_forward_mistakes(x, W, b):
    """Wrong variants of z = x @ W + b."""
    first_row = x @ W
    first_row[0] += b
    out = [Mistake("your z equals x @ W: the bias is missing. z = x @ W + b adds b to every row", x @ W,
                   "bias missing"),
           Mistake("your z equals x @ W − b: the bias has the wrong sign. z = x @ W + b", x @ W - b,
                   "bias sign flipped"),
           Mistake("your z equals x @ W + b with b added twice: z = x @ W + b", x @ W + 2 * b, "bias added twice"),
           Mistake("your z has the bias in its first row only (z[0] += b): every example gets the bias, so add b "
                   "to every row: z = x @ W + b (broadcasting does it)", first_row, "bias on the first row only"),
           Mistake("your z adds the sum of the biases, b.sum(), to every entry; each output j gets its own "
                   "bias b[j]: z = x @ W + b", x @ W + b.sum(), "bias summed (b.sum())"),
           Mistake("your z adds one bias, b[0], to every output; each output j gets its own bias b[j]: "
                   "z = x @ W + b", x @ W + b[0], "one bias for every output (b[0])"),
           Mistake("your z adds the mean of the biases, b.mean(), to every entry; each output j gets its own "
                   "bias b[j]: z = x @ W + b", x @ W + b.mean(), "one bias for every output (b.mean())"),
           Mistake("your z equals x @ (W + b): the bias went into the weights before the product, so each row gets "
                   "b times the sum of its inputs. Add it after the product: z = x @ W + b", x @ (W + b),
                   "bias added to W (x @ (W + b))"),
           Mistake("your z multiplies by the bias, (x @ W) * b; the bias is added: z = x @ W + b", (x @ W) * b,
                   "bias multiplied instead of added")]
    if x.shape[1] == b.shape[0]:
        out.append(Mistake("your z equals (x + b) @ W: the bias was added to the input before the product. Add it "
                           "after: z = x @ W + b", (x + b) @ W, "bias added to x before the product"))
    if W.shape[0] == W.shape[1]:
        out.append(Mistake("your z equals x @ W.T + b: with x (batch, n_in) and W (n_in, n_out) the product "
                           "is x @ W, no transpose", x @ W.T + b, "W transposed"))
    if x.shape[0] == W.shape[1]:
        out.append(Mistake("your z adds b down the columns (b as a column, b[:, None]): each output has its bias, "
                           "so b is added to every row: z = x @ W + b", x @ W + b[:, None], "bias as a column"))
    if x.shape[0] == x.shape[1] == W.shape[0]:
        out.append(Mistake("your z equals x.T @ W + b: x holds one example per row already, so z = x @ W + b",
                           x.T @ W + b, "x transposed"))
    if W.shape[1] == x.shape[0] and W.shape[0] == x.shape[0] == x.shape[1]:
        out.append(Mistake("your z equals W @ x + b: batch rows come first, so the layer is z = x @ W + b",
                           W @ x + b, "W @ x (wrong order)"))
    if x.shape[0] == W.shape[1]:
        out.append(Mistake("your z is transposed ((x @ W + b).T): row i of z belongs to example i",
                           (x @ W + b).T, "z transposed"))
    if x.shape == W.shape:
        out.append(Mistake("your z multiplies entry by entry (x * W): a layer needs the matrix product x @ W",
                           x * W + b, "x * W (entrywise)"))
    return out


class LayerForward(Task):
    test_id, exercise, functions = "ex1_1_tests", "1.1", ("layer_forward",)
    forbidden_names = ("nnlib.dense_forward",)

    def cases(self, rng, hidden):
        shapes = [(3, 3, 3), (4, 3, 2)] if not hidden else [
            (int(rng.integers(1, 9)), int(rng.integers(1, 7)), int(rng.integers(1, 7))),
            (int(rng.integers(2, 6)),) + (int(rng.integers(2, 6)),) * 2, (1, 5, 1), (1, 1, 1)]
        out = []
        for i, (batch, n_in, n_out) in enumerate(shapes):
            dtype = np.float32 if hidden and i == 1 else np.float64  # float32 in: float32's precision is enough
            x, W, b = (rng.normal(size=s).astype(dtype) for s in ((batch, n_in), (n_in, n_out), (n_out,)))
            if hidden and i == 3:
                x[...] = 0.0  # a zero input: z is the bias alone
            steps = [make("x", x), make("W", W), make("b", b),
                     call(learner("layer_forward"), ref("x"), ref("W"), ref("b"), report=("x", "W", "b"))]
            out.append(Case(steps, {"x": x, "W": W, "b": b},
                            f"x {x.shape}, W {W.shape}, b {b.shape}" + (" in float32" if dtype == np.float32 else "")
                            + (", x = 0" if hidden and i == 3 else "")))
        return out

    def judge(self, case, calls):
        x, W, b = (case.context[k] for k in "xWb")
        hint = (f"x is {x.shape} and W is {W.shape}: z = x @ W + b is ({x.shape[0]}, {W.shape[1]}); "
                "W @ x or x * W do not fit")
        z = returned(calls[-1], "layer_forward", hint)
        for name, value in (("x", x), ("W", W), ("b", b)):
            unchanged(calls[-1], name, value, "layer_forward", "compute z as a new array")
        xd, Wd, bd = x.astype(float), W.astype(float), b.astype(float)
        expected, _ = nnlib.dense_forward(xd, Wd, bd)
        mistakes = layer_forward_mistakes(xd, Wd, bd) + input_variants(
            lambda x, W, b: x @ W + b, {"x": xd, "W": Wd, "b (the bias)": bd}, "z",
            sizes={"N (len(x), the batch)": len(x)})
        compare("z", z, expected, mistakes, where=case.where, precision=x.dtype)


# ------------------------------------------------------------------ 1.2 activations

def activation_mistakes(name, z):
    """Wrong variants of the activation `name` at z, each worded with the right formula."""
    return [Mistake(f"your values equal z itself: {name} was not applied", z, f"{name} not applied")] + \
        _activation_mistakes(name, z)


def _activation_mistakes(name, z):
    s = nnlib.sigmoid
    if name == "sigmoid":
        with np.errstate(all="ignore"):
            return [Mistake("your values equal sigmoid(−z) = 1 − sigmoid(z): either the exponent's sign is "
                            "flipped (1 / (1 + e^z)) or the numerator is e^(−z) instead of 1 "
                            "(e^(−z) / (1 + e^(−z)) = 1 − sigmoid(z)). sigmoid(z) = 1 / (1 + e^(−z))", s(-z),
                            "sigmoid(−z)"),
                    Mistake("your values equal 1 + e^(−z): Python reads 1 / 1 + np.exp(-z) as (1 / 1) + e^(−z). "
                            "Put the denominator in brackets: 1 / (1 + np.exp(-z))", 1 + np.exp(-z),
                            "brackets missing (1 / 1 + e^−z)"),
                    Mistake("your values equal e^(−z) alone. sigmoid(z) = 1 / (1 + e^(−z))", np.exp(-z),
                            "e^(−z) alone"),
                    Mistake("your values equal 1 / (1 − e^(−z)): the denominator needs a plus. "
                            "sigmoid(z) = 1 / (1 + e^(−z))", 1 / (1 - np.exp(-z)), "minus in the denominator"),
                    Mistake("your values equal the derivative s(1 − s), not the sigmoid itself. "
                            "sigmoid(z) = 1 / (1 + e^(−z))", s(z) * (1 - s(z)), "the derivative instead")]
    if name == "tanh":
        with np.errstate(all="ignore"):
            ez, emz = np.exp(z), np.exp(-z)
            return [Mistake("your values equal (e^z − e^(−z)) / 2, which is sinh(z): tanh divides by "
                            "(e^z + e^(−z)) instead of by 2", (ez - emz) / 2, "sinh (divided by 2)"),
                    Mistake("your values equal −tanh(z): numerator flipped. tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
                            -(ez - emz) / (ez + emz), "sign flipped"),
                    Mistake("your values equal e^z − e^(−z) / e^z + e^(−z): without brackets Python divides "
                            "e^(−z) alone. Write (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))",
                            ez - emz / ez + emz, "brackets missing"),
                    Mistake("your values equal (e^z + e^(−z)) / (e^z − e^(−z)), the formula upside down. "
                            "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))", (ez + emz) / (ez - emz), "upside down"),
                    Mistake("your values equal 2·sigmoid(z) − 1 = tanh(z/2): the identity is "
                            "tanh(z) = 2·sigmoid(2z) − 1", 2 * s(z) - 1, "2·sigmoid(z) − 1")]
    if name == "relu":
        return [Mistake("np.max(z, 0) takes the largest entry of each column (the 0 is an axis); "
                        "np.maximum(z, 0) compares every entry with 0", np.max(z, 0), "np.max instead of np.maximum"),
                Mistake("your values keep the negative part, min(0, z). relu(z) = max(0, z)", np.minimum(z, 0),
                        "min instead of max"),
                Mistake("your values are the step (z > 0), which is relu's derivative. relu(z) = max(0, z)",
                        (z > 0) * 1.0, "the step z > 0 (relu')"),
                Mistake("your relu keeps only the positive entries (z[z > 0] picks them out and drops the rest), "
                        "so the shape is lost: keep every entry and set the negative ones to 0, "
                        "np.maximum(z, 0) or z * (z > 0)", z[z > 0], "boolean mask drops entries"),
                Mistake("your values equal |z|. relu(z) = max(0, z) is 0 for negative z", np.abs(z), "|z|"),
                Mistake("your values equal −relu(−z) = min(z, 0). relu(z) = max(0, z)", -np.maximum(-z, 0),
                        "min instead of max")]
    raise ValueError(f"unknown activation {name!r}; valid: sigmoid, tanh, relu")


class Activation(Task):
    """One activation, elementwise on arrays of any shape (a z = 0 entry included; float32 too)."""

    exercise = "1.2"

    def __init__(self, name, forbidden):
        self.name, self.test_id, self.functions = name, f"ex1_2_{name}_tests", (name,)
        self.forbidden_names = forbidden

    def cases(self, rng, hidden):
        shapes = [(4, 3)] if not hidden else [(int(rng.integers(1, 9)),), tuple(int(n) for n in rng.integers(1, 5, 2)),
                                              tuple(int(n) for n in rng.integers(1, 4, 3)), (1, 3)]
        out = []
        if self.name == "tanh":  # enough points to tell a formula from np.tanh itself (_not_np_tanh)
            shapes = shapes + [(8, 8)]
        for i, shape in enumerate(shapes):
            z = 3.0 * rng.normal(size=shape)
            z.flat[0] = 0.0
            if hidden and i == 3:  # "an array of any shape" holds float32 too: its own precision is enough
                z = z.astype(np.float32)
            out.append(Case([make("z", z), call(learner(self.name), ref("z"), report=("z",))], {"z": z},
                            f"z of shape {z.shape}" + (" in float32" if z.dtype == np.float32 else "")))
        return out

    def judge(self, case, calls):
        z = case.context["z"]
        got = returned(calls[-1], self.name)
        unchanged(calls[-1], "z", z, self.name, "return a new array (np.maximum(z, 0) makes one) instead of "
                                                "changing z, e.g. with z[z < 0] = 0")
        zd = z.astype(float)
        right = nnlib.ACTIVATIONS[self.name][0](zd)
        mistakes = activation_mistakes(self.name, zd) + elementwise_catalogue(zd, f"{self.name}(z)", right)
        compare(f"{self.name}(z)", got, right, mistakes, where=case.where, precision=z.dtype, inputs=zd,
                factors={"z": zd, **_INGREDIENTS.get(self.name, lambda _: {})(zd)})
        if self.name == "tanh" and z.dtype == np.float64:
            _not_np_tanh(got, z)


# A tanh written from np.exp rounds its last bit differently from np.tanh (and math.tanh) at about half of
# the points (measured on 100,000 draws of 3·N(0, 1): the formula (e^z − e^(−z))/(e^z + e^(−z)) agrees with
# np.tanh at 39% of them, 2·sigmoid(2z) − 1 at 48%, (1 − e^(−2z))/(1 + e^(−2z)) at 60%). Equal at all of 40
# points or more, not ±1 and not 0, where each agrees at most 60% of the time, has a chance below 0.6⁴⁰ ≈ 1e-9
# of being a formula: the values came from a ready-made tanh however it was reached (a reference kept
# before the check began, np.vectorize(math.tanh), ...), which the probe's watch cannot always see.
_TELLING_POINTS = 40


def _not_np_tanh(got, z):
    telling = (np.abs(z) > 0) & (np.abs(np.tanh(z)) < 1)
    if telling.sum() < _TELLING_POINTS:
        return
    got = np.asarray(got, dtype=np.float64)[telling]
    for name, ready in (("np.tanh", np.tanh(z)), ("math.tanh", np.vectorize(math.tanh, otypes=[float])(z))):
        if np.array_equal(got, ready[telling]):
            raise Fail(f"your tanh(z) equals {name}(z) to the last bit at all {int(telling.sum())} points. A tanh "
                       "built from np.exp, as the exercise asks, rounds differently from it at about half of them: "
                       f"the values come from {name} itself. Write tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)) "
                       "with np.exp", mistake="a ready-made tanh")


_NO_TABLE = ("nnlib.ACTIVATIONS", "nnlib.activation_forward", "nnlib.activation_backward")

# The parts of each activation's formula, by their place in it: an answer off by one of them (a denominator
# squared or missing, e^z where e^(−z) belongs) is named by the part (exercises.checks.generic).
_INGREDIENTS = {
    "sigmoid": lambda z: {"1 + e^(−z)": (1 + np.exp(-z), "denominator"), "e^(−z)": np.exp(-z), "e^z": np.exp(z)},
    "tanh": lambda z: {"e^z + e^(−z)": (np.exp(z) + np.exp(-z), "denominator"),
                       "e^z − e^(−z)": (np.exp(z) - np.exp(-z), "numerator"), "e^z": np.exp(z),
                       "e^(−z)": np.exp(-z), "2": 2.0 * np.ones_like(z)},
}

# ------------------------------------------------------------------ 1.3 and 1.4 losses


def mse_mistakes(y_hat, y):
    """Wrong variants of (L, dy_hat) for L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²."""
    n, k = y_hat.shape
    d = y_hat - y
    L = nnlib.mse_loss(y_hat, y)[0]
    norm = np.linalg.norm(d)
    loss = [Mistake("your L has no ½: it equals (1/N) Σ (ŷ − y)². L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²", 2 * L, "no ½"),
            Mistake(f"your L is the sum over the batch, not the mean: divide by the batch size N = {n}", n * L,
                    "sum instead of mean"),
            Mistake("your L averages the absolute errors |ŷ − y|; the course squares them: "
                    "L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²", np.sum(np.abs(d)) / n, "absolute instead of squared errors"),
            Mistake("your L is ½ Σ|ŷ − y| / N, absolute values where squares belong: L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²",
                    0.5 * np.sum(np.abs(d)) / n, "absolute instead of squared errors"),
            Mistake("your L is the square root of the mean squared error (an RMSE): the course's L has no root",
                    np.sqrt(np.mean(d * d)), "square root (RMSE)"),
            Mistake("your L uses the norm ‖ŷ − y‖ without squaring it: np.linalg.norm takes a square root, so "
                    "L = ½ ‖ŷ − y‖² / N needs np.linalg.norm(...) ** 2", 0.5 * norm / n, "norm without the square"),
            Mistake("your L uses the norm ‖ŷ − y‖ without squaring it (and without the ½): "
                    "L = ½ ‖ŷ − y‖² / N", norm / n, "norm without the square"),
            Mistake("your L sums the differences without squaring them: L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²",
                    0.5 * np.sum(d) / n, "differences not squared"),
            Mistake("your L squares the sum of the differences, (Σ (ŷ − y))²; the loss sums the squares: "
                    "Σ (ŷ − y)², each difference squared first", 0.5 * np.sum(d) ** 2 / n, "square of the sum")]
    if k > 1:
        loss += [Mistake(f"your L averages over all N·k = {n * k} entries; the course sums over the k = {k} "
                         "outputs of a row and averages over the N rows", L / k, "mean over all entries"),
                 Mistake("your L is np.mean((ŷ − y)²): that averages over all entries and has no ½. "
                         "L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²", 2 * L / k, "np.mean, no ½")]
    grad = [Mistake("your dy_hat equals (y − ŷ)/N, the gradient with the sign flipped — a common slip. "
                    "∂L/∂ŷ = (ŷ − y)/N", -d / n, "sign flipped"),
            Mistake(f"your dy_hat equals ŷ − y without the 1/N of the batch mean: divide by N = {n}", d, "no 1/N"),
            Mistake("your dy_hat adds ŷ and y: the derivative of ½(ŷ − y)² is ŷ − y, a difference",
                    (y_hat + y) / n, "ŷ + y instead of ŷ − y"),
            Mistake("your dy_hat equals 2(ŷ − y)/N: the 2 from the square cancels with the ½. "
                    "∂L/∂ŷ = (ŷ − y)/N", 2 * d / n, "factor 2"),
            Mistake("your dy_hat equals (ŷ − y)²/N: that is the loss per entry, not its derivative. "
                    "∂L/∂ŷ = (ŷ − y)/N", d * d / n, "squared instead of differentiated"),
            Mistake("your dy_hat equals ½(ŷ − y)²/N, the loss of each entry, not its derivative: "
                    "∂L/∂ŷ = (ŷ − y)/N", 0.5 * d * d / n, "squared instead of differentiated")]
    if k > 1:
        grad.append(Mistake(f"your dy_hat divides by N·k = {n * k}; the loss averages over the N = {n} rows "
                            "only: ∂L/∂ŷ = (ŷ − y)/N", d / (n * k), "divided by N·k"))
    if k != n:
        grad.append(Mistake(f"your dy_hat divides by k = {k}, the number of outputs (y.shape[1]); the loss averages "
                            f"over the N = {n} rows (len(y)): ∂L/∂ŷ = (ŷ − y)/N", d / k,
                            "divided by k, not N"))
        loss.append(Mistake(f"your L divides by k = {k}, the number of outputs (y.shape[1]); it averages over the "
                            f"N = {n} rows (len(y)): L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²", 0.5 * np.sum(d * d) / k,
                            "divided by k, not N"))
    return loss, grad


def _clipped(p, y, c):
    """BCE's loss and gradient with p clipped to [c, 1 − c]."""
    q = np.clip(p, c, 1 - c)
    n = p.size
    return -np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)) / n, (q - y) / (q * (1 - q)) / n


def bce_mistakes(p, y):
    """Wrong variants of (L, dp) for L = −mean(y log p + (1 − y) log(1 − p))."""
    n = p.size
    L, dp = nnlib.bce_loss(p, y)
    loss = [Mistake("your L is negative: it equals mean(y log p + (1 − y) log(1 − p)) without the minus. "
                    "L = −mean(y log p + (1 − y) log(1 − p)) is positive", -L, "minus sign missing"),
            Mistake(f"your L is the sum, not the mean: divide by the number of entries N = {n}", n * L,
                    "sum instead of mean"),
            Mistake("your L has only the y log p term: add (1 − y) log(1 − p) for the examples with y = 0",
                    -np.sum(y * np.log(p)) / n, "only the y log p term"),
            Mistake("your L subtracts the second term: both terms are added inside the bracket, "
                    "L = −mean(y log p + (1 − y) log(1 − p)), so the minus in front applies to both",
                    -np.sum(y * np.log(p) - (1 - y) * np.log(1 - p)) / n, "second term's sign flipped"),
            Mistake("your L takes log p in the second term too: it is (1 − y) log(1 − p), the log of the "
                    "probability of a 0", -np.sum(y * np.log(p) + (1 - y) * np.log(p)) / n,
                    "log p where log(1 − p) belongs"),
            Mistake("your L has y and 1 − y swapped: y goes with log p, (1 − y) with log(1 − p)",
                    -np.sum(y * np.log(1 - p) + (1 - y) * np.log(p)) / n, "y and 1 − y swapped"),
            Mistake("your L uses log10; the course's log is the natural one (np.log)",
                    -np.sum(y * np.log10(p) + (1 - y) * np.log10(1 - p)) / n, "log10")]
    grad = [Mistake("your dp equals −(p − y)/(p(1 − p))/N, the gradient with the sign flipped — a common "
                    "slip. ∂L/∂p = (p − y)/(p(1 − p))/N", -dp, "sign flipped"),
            Mistake(f"your dp is missing the 1/N of the mean: divide by N = {n}. ∂L/∂p = (p − y)/(p(1 − p))/N",
                    n * dp, "no 1/N"),
            Mistake("your dp equals (p − y)/N, which is the gradient with respect to the logit z when sigmoid and "
                    "BCE are taken together; with respect to p, divide it by p(1 − p): (p − y)/(p(1 − p))/N",
                    (p - y) / n, "gradient w.r.t. the logit"),
            Mistake("your dp equals (−y/p − (1 − y)/(1 − p))/N: the derivative of −(1 − y) log(1 − p) is "
                    "+(1 − y)/(1 − p) (the chain rule brings a −1 from 1 − p). ∂L/∂p = (p − y)/(p(1 − p))/N",
                    (-y / p - (1 - y) / (1 - p)) / n, "chain rule's −1 missing"),
            Mistake("your dp equals −y/(pN), the derivative of the first term only: add (1 − y)/((1 − p)N)",
                    -y / p / n, "only the first term"),
            Mistake("your dp divides by p(1 + p); the denominator is p(1 − p): ∂L/∂p = (p − y)/(p(1 − p))/N",
                    (p - y) / (p * (1 + p)) / n, "p(1 + p) in the denominator")]
    for c in (0.1, 0.05, 0.01):  # the test's p holds 0.004 and 0.996: a clip at c changes them
        clipped_L, clipped_dp = _clipped(p, y, c)
        why = (f"your {{}} is computed from p clipped to [{c:g}, {1 - c:g}]: clipping keeps log away from 0, but "
               f"a bound as large as {c:g} changes p where p is near 0 or 1. Clip at something tiny (1e-12), or not "
               "at all: the test's p lie strictly between 0 and 1")
        loss.append(Mistake(why.format("L"), clipped_L, "p clipped too far"))
        grad.append(Mistake(why.format("dp"), clipped_dp, "p clipped too far"))
    if p.ndim == 2 and p.shape[1] > 1:
        rows = len(p)
        loss.append(Mistake(f"your L divides by len(p) = {rows}, the number of rows; the mean is over all "
                            f"N = {n} entries (p.size)", L * n / rows, "divided by rows, not entries"))
        grad.append(Mistake(f"your dp divides by len(p) = {rows}, the number of rows; the mean is over all "
                            f"N = {n} entries (p.size)", dp * n / rows, "divided by rows, not entries"))
    return loss, grad


class Loss(Task):
    """The loss part or the gradient part of mse(y_hat, y) or bce(p, y)."""

    def __init__(self, kind, part):
        self.kind, self.part = kind, part
        self.exercise = "1.3" if kind == "mse" else "1.4"
        self.test_id = f"ex{self.exercise.replace('.', '_')}_{'loss' if part == 'loss' else 'gradient'}_tests"
        self.functions = (kind,)
        self.forbidden_names = ("nnlib.mse_loss",) if kind == "mse" else ("nnlib.bce_loss", "nnlib.bce_with_logits")

    def cases(self, rng, hidden):
        shapes = [(4, 3)] if self.kind == "mse" else [(6, 1)]
        if hidden:
            shapes = ([(int(rng.integers(2, 10)), 1), (int(rng.integers(1, 5)), int(rng.integers(2, 6))), (1, 3)]
                      if self.kind == "mse" else [(int(rng.integers(2, 12)), 1), (int(rng.integers(2, 5)), 3)])
        out = []
        for shape in shapes:
            if self.kind == "mse":
                a, y = rng.normal(size=shape), rng.normal(size=shape)
            else:
                a = rng.uniform(0.05, 0.95, size=shape)
                y = (rng.uniform(size=shape) < 0.5).astype(float)
                y.flat[0], y.flat[-1] = 0.0, 1.0
                a.flat[0], a.flat[-1] = 0.004, 0.996  # confident and right: a p clipped at 0.01 or more shows
            first = "y_hat" if self.kind == "mse" else "p"
            steps = [make(first, a), make("y", y), call(learner(self.kind), ref(first), ref("y"), report=(first, "y"))]
            out.append(Case(steps, {"a": a, "y": y, "first": first}, f"{first} and y of shape {shape}"))
        return out

    def judge(self, case, calls):
        a, y, first = case.context["a"], case.context["y"], case.context["first"]
        grad_name = "dy_hat" if self.kind == "mse" else "dp"
        result = returned(calls[-1], self.kind)
        got_L, got_grad = unpack(result, self.kind, ("L", grad_name))
        fix = f"compute with {first} - y, which makes a new array, rather than `{first} -= y`"
        unchanged(calls[-1], first, a, self.kind, fix)
        unchanged(calls[-1], "y", y, self.kind, fix)
        reference = nnlib.mse_loss if self.kind == "mse" else nnlib.bce_loss
        L, grad = reference(a, y)
        loss_m, grad_m = (mse_mistakes if self.kind == "mse" else bce_mistakes)(a, y)
        names = {first: a, "y (the targets)": y}
        loss_m += input_variants(lambda **k: reference(*k.values())[0], names, "L")
        grad_m += input_variants(lambda **k: reference(*k.values())[1], names, grad_name)
        rows, cols = (a.shape + (1,))[:2]
        sizes = ({"N (the rows)": rows, "k (the outputs, y.shape[1])": cols, "N·k (every entry)": a.size}
                 if self.kind == "mse" else {"N (every entry, p.size)": a.size, "the rows (len(p))": rows,
                                             "the columns (p.shape[1])": cols})
        if self.part == "loss":
            if isinstance(got_L, np.ndarray) and got_L.shape == a.shape:
                raise Fail(f"L should be a number, got an array of shape {got_L.shape} (for {case.where}): "
                           "sum (np.sum) the per-entry losses, then divide by N", mistake="per-entry losses not summed")
            number("L", got_L)
            compare("L", got_L, L, loss_m, where=case.where, sizes=sizes)
        else:
            factors = {"(1 − p)": 1 - a, "p": a, "p(1 − p)": a * (1 - a)} if self.kind == "bce" else None
            compare(grad_name, got_grad, grad, grad_m, where=case.where, factors=factors, sizes=sizes)


# The kernel grading this assignment gets no nnlib at all: every function raises (exercises.withhold).
KERNEL_NNLIB = ()

TASKS = [
    LayerForward(),
    Activation("sigmoid", ("nnlib.sigmoid",) + _NO_TABLE),
    Activation("tanh", ("numpy.tanh", "math.tanh", "nnlib.tanh") + _NO_TABLE),
    Activation("relu", ("nnlib.relu",) + _NO_TABLE),
    Loss("mse", "loss"), Loss("mse", "gradient"), Loss("bce", "loss"), Loss("bce", "gradient"),
]
