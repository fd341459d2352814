"""Checks for the exercises: compare a learner's answer with the formula, and name the mistake.

Every ``check_*`` function takes the learner's function (or answer), runs it on inputs it
makes itself from a seeded rng, and compares what comes back with the reference formula.
When the two differ it also compares the answer with known *wrong* variants of the
formula (forgot the f'(z) factor, wrong sign, summed instead of averaged over the batch,
used W instead of Wᵀ, updated with +η, forgot the bias gradient, ...). A failed check
raises :class:`CheckFailed`, an AssertionError whose message says what was expected, what
came back (shapes and a few numbers) and, when a variant matches, the likely mistake.

The diagnoses are plain functions (``*_mistakes``) that return the wrong variants for
given inputs, so each one can be tested on a deliberately wrong answer. The exercises'
notebooks, their grader and the unit tests all use this module. numpy only.
"""

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS, relu, sigmoid, sigmoid_prime
from .gradcheck import numerical_gradient
from .layers import dense_backward, dense_forward
from .losses import bce_loss, mse_loss

__all__ = [
    "CheckFailed", "Mistake", "diagnose", "compare",
    "check_layer_forward", "check_activation", "check_mse", "check_bce",
    "check_activation_prime", "check_chain_rule_factors", "check_neuron_gradients",
    "check_layer_backward", "check_network_backward", "check_numerical_gradient",
    "check_gradient_check", "check_sgd_update", "check_minibatch_indices",
    "check_early_stopping_epoch", "check_fit", "check_stability_limit",
    "check_learning_rate_runs", "check_diverging_answer",
    "mse_mistakes", "bce_mistakes", "activation_mistakes", "activation_prime_mistakes",
    "layer_forward_mistakes", "neuron_gradient_mistakes", "layer_backward_mistakes",
    "network_backward_mistakes", "numerical_gradient_mistakes", "sgd_mistakes",
    "early_stopping_variants", "stability_limit_mistakes",
    "network_forward", "network_backward_reference", "early_stopping_reference",
    "stability_limit_reference", "make_network",
]


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message says what, and when it can tell, why."""


@dataclass(frozen=True)
class Mistake:
    """A known wrong variant of a formula: what it produces on the check's inputs, and a hint."""

    hint: str
    value: object


RTOL, ATOL = 1e-6, 1e-9


def _as_float(a):
    """a as a float array, or None when it is not numeric."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr


def _same(got, value, rtol=RTOL, atol=ATOL):
    g, v = _as_float(got), _as_float(value)
    if g is None or v is None:
        return False
    if v.ndim == 0 and g.size == 1:
        g = g.reshape(())
    return g.shape == v.shape and bool(np.allclose(g, v, rtol=rtol, atol=atol, equal_nan=False))


def diagnose(got, mistakes, *, rtol=RTOL, atol=ATOL):
    """The hint of the first Mistake whose value equals ``got`` (same shape, allclose), else None."""
    for mistake in mistakes:
        if _same(got, mistake.value, rtol, atol):
            return mistake.hint
    return None


def _preview(arr, k=4):
    flat = np.ravel(arr)
    shown = ", ".join(f"{v:.4g}" for v in flat[:k])
    return f"[{shown}{', ...' if flat.size > k else ''}]" if np.ndim(arr) else f"{float(arr):.6g}"


def _describe(arr):
    return f"a number ({_preview(arr)})" if np.ndim(arr) == 0 else f"shape {np.shape(arr)} {_preview(arr)}"


def compare(what, got, expected, mistakes=(), *, rtol=RTOL, atol=ATOL, inputs=""):
    """Raise CheckFailed unless ``got`` equals ``expected`` (same shape, np.allclose).

    what: names the answer in the message ("dW"); mistakes: Mistake variants to diagnose
    with; inputs: a short description of the inputs, added to the message.
    """
    expected = np.asarray(expected, dtype=np.float64)
    suffix = f"\n  (inputs: {inputs})" if inputs else ""
    if got is None:
        raise CheckFailed(f"{what}: got None, expected {_describe(expected)}. "
                          f"Did the function forget to `return` it?{suffix}")
    g = _as_float(got)
    if g is None:
        raise CheckFailed(f"{what}: expected {_describe(expected)}, got a {type(got).__name__} "
                          f"that is not an array of numbers{suffix}")
    if expected.ndim == 0 and g.size == 1:
        g = g.reshape(())
    hint = diagnose(g, mistakes, rtol=rtol, atol=atol)
    if g.shape != expected.shape:
        msg = f"{what}: expected shape {expected.shape}, got shape {g.shape}."
        if expected.ndim == 2 and g.shape == expected.T.shape and hint is None:
            hint = "the shape is the transpose of the right one: check the order of the matrix product"
    elif not np.all(np.isfinite(g)):
        msg = f"{what}: the answer contains NaN or inf: {_preview(g)}; expected {_preview(expected)}."
    elif not np.allclose(g, expected, rtol=rtol, atol=atol):
        diff = float(np.max(np.abs(g - expected)))
        msg = (f"{what}: wrong values. Expected {_preview(expected)}, got {_preview(g)} "
               f"(largest difference {diff:.3g}).")
    else:
        return
    if hint:
        msg += f"\n  Likely mistake: {hint}"
    raise CheckFailed(msg + suffix)


def _shapes(args):
    return ", ".join(f"{np.shape(a)}" if isinstance(a, np.ndarray) else type(a).__name__ for a in args)


def _call(fn, name, *args, error_hint="", **kwargs):
    """Call the learner's function; turn its exception into a CheckFailed that names it."""
    if not callable(fn):
        raise CheckFailed(f"expected the function {name}, got {type(fn).__name__}: {fn!r:.60}")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as exc:
        raise CheckFailed(f"{name} is not written yet ({exc})") from None
    except Exception as exc:  # the learner's bug: report it, with the shapes it was given
        msg = f"{name} raised {type(exc).__name__}: {exc}\n  (called with arguments of shapes {_shapes(args)})"
        if error_hint and ("matmul" in str(exc) or "shape" in str(exc) or "broadcast" in str(exc)):
            msg += f"\n  Hint: {error_hint}"
        raise CheckFailed(msg) from None


def _unpack(result, name, parts):
    if not isinstance(result, (tuple, list)) or len(result) != len(parts):
        got = f"a {type(result).__name__}" + (f" of {len(result)} items" if isinstance(result, (tuple, list)) else "")
        raise CheckFailed(f"{name} should return a tuple ({', '.join(parts)}), got {got}"
                          + (". Did it forget to `return`?" if result is None else ""))
    return result


def _rng(seed):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- assignment 1: forward pass, losses

def layer_forward_mistakes(x, W, b):
    """Wrong variants of z = x @ W + b."""
    out = [Mistake("forgot the bias: z = x @ W + b", x @ W),
           Mistake("wrong sign of the bias: z = x @ W + b, not x @ W - b", x @ W - b)]
    if W.shape[0] == W.shape[1]:
        out.append(Mistake("used W.T instead of W: with x (batch, n_in) and W (n_in, n_out), z = x @ W + b",
                           x @ W.T + b))
    return out


def check_layer_forward(layer_forward, *, seed=0, batch=4, n_in=3, n_out=2):
    """Check layer_forward(x, W, b) -> z = x @ W + b with x (batch, n_in), W (n_in, n_out), b (n_out,)."""
    rng = _rng(seed)
    x, W, b = rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    expected, _ = dense_forward(x, W, b)
    got = _call(layer_forward, "layer_forward", x.copy(), W.copy(), b.copy(),
                error_hint=f"x is ({batch}, {n_in}) and W is ({n_in}, {n_out}): z = x @ W + b is ({batch}, {n_out})")
    compare("z", got, expected, layer_forward_mistakes(x, W, b),
            inputs=f"x {x.shape}, W {W.shape}, b {b.shape}")
    return True


def activation_mistakes(name, z):
    """Wrong variants of the activation ``name`` at z."""
    if name == "sigmoid":
        return [Mistake("wrong sign in the exponent: sigmoid(z) = 1 / (1 + exp(-z))", sigmoid(-z)),
                Mistake("returned exp(-z); sigmoid(z) = 1 / (1 + exp(-z))", np.exp(-z))]
    if name == "tanh":
        return [Mistake("(e^z - e^-z) / 2 is sinh; tanh divides by (e^z + e^-z)", np.sinh(z)),
                Mistake("wrong sign: tanh(z) = (e^z - e^-z) / (e^z + e^-z)", -np.tanh(z))]
    if name == "relu":
        return [Mistake("np.max(z, 0) takes the largest entry of each column; use np.maximum(z, 0) (elementwise)",
                        z.max(axis=0)),
                Mistake("kept the negative part: relu(z) = max(0, z)", np.minimum(z, 0)),
                Mistake("returned the step (z > 0), which is relu's derivative, not max(0, z)", (z > 0) * 1.0),
                Mistake("returned |z|; relu(z) = max(0, z) is 0 for negative z", np.abs(z))]
    raise ValueError(f"activation_mistakes: unknown activation {name!r}; valid: sigmoid, tanh, relu")


def check_activation(fn, name, *, seed=0, shape=(4, 3)):
    """Check an activation ``name`` ('sigmoid', 'tanh' or 'relu') elementwise on z of ``shape``."""
    z = 3.0 * _rng(seed).normal(size=shape)
    z.flat[0] = 0.0
    got = _call(fn, name, z.copy())
    compare(f"{name}(z)", got, ACTIVATIONS[name][0](z), activation_mistakes(name, z), inputs=f"z {z.shape}")
    return True


def mse_mistakes(y_hat, y):
    """Wrong variants of (L, dy_hat) for L = mean over rows of ½ Σ_k (y_hat - y)²."""
    n, k = y_hat.shape
    d = y_hat - y
    L = 0.5 * np.sum(d * d) / n
    loss = [Mistake("forgot the ½: L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²", 2 * L),
            Mistake(f"summed over the batch instead of averaging: divide by the batch size N = {n}", n * L)]
    if k > 1:
        loss += [Mistake(f"averaged over all N·k entries; the course sums over the k = {k} outputs of a row and "
                         "averages over the N rows", L / k),
                 Mistake("np.mean((ŷ − y)²) averages over all entries and has no ½: "
                         "L = (1/N) Σ_rows ½ Σ_k (ŷ − y)²", 2 * L / k)]
    grad = [Mistake("wrong sign: ∂L/∂ŷ = (ŷ − y)/N, not (y − ŷ)/N", -d / n),
            Mistake(f"summed instead of averaged over the batch: divide by N = {n}", d),
            Mistake("the factor 2 belongs to (ŷ − y)² without the ½; with the ½ it cancels: ∂L/∂ŷ = (ŷ − y)/N",
                    2 * d / n)]
    if k > 1:
        grad.append(Mistake(f"divided by N·k = {n * k}; the loss averages over the N = {n} rows only", d / (n * k)))
    return loss, grad


def _check_loss(fn, name, args, reference, mistakes, part, grad_name, where):
    """Compare fn(*args) -> (L, grad) with reference(*args); part: 'loss', 'gradient' or 'both'."""
    L, grad = reference(*args)
    got_L, got_grad = _unpack(_call(fn, name, *(a.copy() for a in args)), name, ("L", grad_name))
    loss_m, grad_m = mistakes(*args)
    if part in ("loss", "both"):
        compare("L", got_L, L, loss_m, inputs=where)
    if part in ("gradient", "both"):
        compare(grad_name, got_grad, grad, grad_m, inputs=where)
    return True


def check_mse(mse, *, part="both", seed=0, batch=4, k=3):
    """Check mse(y_hat, y) -> (L, dy_hat). part: 'loss', 'gradient' or 'both'."""
    rng = _rng(seed)
    y_hat, y = rng.normal(size=(batch, k)), rng.normal(size=(batch, k))
    return _check_loss(mse, "mse", (y_hat, y), mse_loss, mse_mistakes, part, "dy_hat",
                       f"y_hat and y of shape {y_hat.shape}")


def bce_mistakes(p, y):
    """Wrong variants of (L, dp) for L = mean(−y log p − (1 − y) log(1 − p))."""
    n = p.size
    L = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / n
    dp = (p - y) / (p * (1 - p)) / n
    loss = [Mistake("wrong sign: L = −y log p − (1 − y) log(1 − p) is positive", -L),
            Mistake(f"summed instead of averaged: divide by the number of entries N = {n}", n * L),
            Mistake("forgot the (1 − y) log(1 − p) term", -np.sum(y * np.log(p)) / n)]
    grad = [Mistake("wrong sign: ∂L/∂p = (p − y) / (p (1 − p)) / N", -dp),
            Mistake(f"summed instead of averaged: divide by N = {n}", n * dp),
            Mistake("(p − y)/N is the gradient with respect to the logit z (sigmoid and BCE together); "
                    "with respect to p, divide it by p (1 − p)", (p - y) / n)]
    return loss, grad


def check_bce(bce, *, part="both", seed=0, batch=6):
    """Check bce(p, y) -> (L, dp) with p, y of shape (batch, 1). part: 'loss', 'gradient' or 'both'."""
    rng = _rng(seed)
    p = rng.uniform(0.05, 0.95, size=(batch, 1))
    y = (rng.uniform(size=(batch, 1)) < 0.5).astype(np.float64)
    y[0, 0], y[1, 0] = 0.0, 1.0
    return _check_loss(bce, "bce", (p, y), bce_loss, bce_mistakes, part, "dp", f"p and y of shape {p.shape}")


# ---------------------------------------------------------------- assignment 2: derivatives, chain rule

def activation_prime_mistakes(name, z):
    """Wrong variants of the derivative of ``name`` at z."""
    if name == "sigmoid":
        s = sigmoid(z)
        return [Mistake("returned sigmoid(z) itself, not its derivative s (1 − s)", s),
                Mistake("applied s (1 − s) to z; first compute s = sigmoid(z), then s * (1 - s)", z * (1 - z)),
                Mistake("wrong sign: sigmoid'(z) = s (1 − s) is positive", -s * (1 - s)),
                Mistake("forgot a factor: sigmoid'(z) = s (1 − s), not 1 − s", 1 - s)]
    if name == "tanh":
        t = np.tanh(z)
        return [Mistake("used z where tanh(z) belongs: tanh'(z) = 1 − tanh(z)²", 1 - z * z),
                Mistake("returned tanh(z) itself, not its derivative 1 − tanh(z)²", t),
                Mistake("wrong sign: tanh'(z) = 1 − tanh(z)²", 1 + t * t),
                Mistake("forgot to square: tanh'(z) = 1 − tanh(z)²", 1 - t)]
    if name == "relu":
        return [Mistake("returned relu(z) itself; its derivative is 1 where z > 0, else 0", relu(z)),
                Mistake("at z = 0 the course uses relu'(0) = 0: write z > 0, not z >= 0", (z >= 0) * 1.0),
                Mistake("returned 1 everywhere; relu'(z) is 0 for z < 0", np.ones_like(z))]
    raise ValueError(f"activation_prime_mistakes: unknown activation {name!r}; valid: sigmoid, tanh, relu")


def check_activation_prime(fn, name, *, seed=0, shape=(4, 3)):
    """Check the derivative of the activation ``name`` elementwise (z includes 0, the ReLU kink)."""
    z = 3.0 * _rng(seed).normal(size=shape)
    z.flat[0] = 0.0
    got = _call(fn, f"{name}_prime", z.copy())
    compare(f"{name}_prime(z)", got, ACTIVATIONS[name][1](z), activation_prime_mistakes(name, z),
            inputs=f"z {z.shape}, with z[0, 0] = 0")
    return True


def chain_rule_reference(x, w, b, y):
    """For one neuron ŷ = sigmoid(w x + b) and L = ½ (ŷ − y)²: (∂L/∂ŷ, ∂ŷ/∂z, ∂z/∂w), all scalars."""
    z = w * x + b
    y_hat = float(sigmoid(z))
    return y_hat - y, float(sigmoid_prime(z)), x


def check_chain_rule_factors(fn, *, seed=0):
    """Check fn(x, w, b, y) -> (dL_dyhat, dyhat_dz, dz_dw) for ŷ = sigmoid(w x + b), L = ½ (ŷ − y)²."""
    rng = _rng(seed)
    x, w, b, y = (float(v) for v in rng.normal(size=4))
    z = w * x + b
    s = float(sigmoid(z))
    expected = chain_rule_reference(x, w, b, y)
    got = _unpack(_call(fn, "chain_rule_factors", x, w, b, y), "chain_rule_factors",
                  ("dL_dyhat", "dyhat_dz", "dz_dw"))
    mistakes = (
        [Mistake("wrong sign: ∂L/∂ŷ = ŷ − y for L = ½ (ŷ − y)²", y - s),
         Mistake("the ½ cancels the 2 of the square: ∂L/∂ŷ = ŷ − y", 2 * (s - y))],
        [Mistake("returned sigmoid(z); ∂ŷ/∂z is its derivative sigmoid(z) (1 − sigmoid(z))", s),
         Mistake("applied s (1 − s) to z; use s = sigmoid(z)", z * (1 - z))],
        [Mistake("∂z/∂w is x (z = w x + b), not w", w),
         Mistake("∂z/∂w is x; 1 is ∂z/∂b", 1.0)],
    )
    names = ("dL_dyhat", "dyhat_dz", "dz_dw")
    for name, g, e, m in zip(names, got, expected, mistakes):
        compare(name, g, e, m, inputs=f"x={x:.4g}, w={w:.4g}, b={b:.4g}, y={y:.4g}")
    return True


def neuron_reference(x, w, b, y, activation):
    """One neuron a = f(x @ w + b) with L = mean over the batch of ½ (a − y)².

    x (N, n_in), w (n_in,), b a number, y (N,). Returns (dw (n_in,), db a number).
    """
    f, f_prime = ACTIVATIONS[activation]
    z = x @ w + b
    delta = (f(z) - y) * f_prime(z) / len(x)
    return x.T @ delta, float(delta.sum())


def neuron_gradient_mistakes(x, w, b, y, activation):
    """Wrong variants of (dw, db) for one neuron; returns (dw mistakes, db mistakes)."""
    f, f_prime = ACTIVATIONS[activation]
    n = len(x)
    z = x @ w + b
    a = f(z)
    dw, db = neuron_reference(x, w, b, y, activation)
    no_fp = (a - y) / n
    with_f = (a - y) * f(z) / n
    z_err = (z - y) * f_prime(z) / n
    dw_m = [Mistake("forgot the f'(z) factor: ∂L/∂w = mean over the batch of (a − y) f'(z) x", x.T @ no_fp),
            Mistake("wrong sign: ∂L/∂w = (a − y) f'(z) x, with a − y, not y − a", -dw),
            Mistake(f"summed instead of averaged over the batch: divide by N = {n}", n * dw),
            Mistake("used f(z) where its derivative f'(z) belongs", x.T @ with_f),
            Mistake("used z where a = f(z) belongs in the error a − y", x.T @ z_err)]
    db_m = [Mistake("forgot the bias gradient: ∂L/∂b = mean over the batch of (a − y) f'(z), not 0", 0.0),
            Mistake("forgot the f'(z) factor: ∂L/∂b = mean of (a − y) f'(z)", float(no_fp.sum())),
            Mistake("wrong sign: ∂L/∂b = mean of (a − y) f'(z)", -db),
            Mistake(f"summed instead of averaged over the batch: divide by N = {n}", n * db),
            Mistake("used f(z) where its derivative f'(z) belongs", float(with_f.sum()))]
    return dw_m, db_m


def check_neuron_gradients(fn, *, part="both", seed=0, batch=5, n_in=3, activations=("sigmoid", "tanh", "relu")):
    """Check fn(x, w, b, y, activation) -> (dw, db) for one neuron, L = mean ½ (f(x @ w + b) − y)².

    part: 'dw', 'db' or 'both'.
    """
    rng = _rng(seed)
    for activation in activations:
        x, w = rng.normal(size=(batch, n_in)), rng.normal(size=n_in)
        b, y = float(rng.normal()), rng.normal(size=batch)
        dw, db = neuron_reference(x, w, b, y, activation)
        got = _unpack(_call(fn, "neuron_gradients", x.copy(), w.copy(), b, y.copy(), activation,
                            error_hint=f"x is {x.shape}, w is {w.shape}, y is {y.shape}: dw has w's shape"),
                      "neuron_gradients", ("dw", "db"))
        dw_m, db_m = neuron_gradient_mistakes(x, w, b, y, activation)
        where = f"activation {activation!r}, x {x.shape}, w {w.shape}, y {y.shape}"
        if part in ("dw", "both"):
            compare("dw", got[0], dw, dw_m, inputs=where)
        if part in ("db", "both"):
            compare("db", got[1], db, db_m, inputs=where)
    return True


# ---------------------------------------------------------------- assignment 3: backprop through a network

def layer_backward_mistakes(dz, x, W):
    """Wrong variants of (dx, dW, db) for z = x @ W + b; returns three lists of Mistakes."""
    n = len(x)
    dx, dW, db = dense_backward(dz, (x, W))
    dx_m = [Mistake("wrong sign: dx = dz @ W.T", -dx),
            Mistake("divided by N again: dz already carries the 1/N of the batch mean", dx / n)]
    if W.shape[0] == W.shape[1]:
        dx_m.insert(0, Mistake("used W instead of Wᵀ: dx = dz @ W.T", dz @ W))
    dW_m = [Mistake("computed dz.T @ x, the transpose: dW = x.T @ dz has W's shape", dz.T @ x),
            Mistake("divided by N again: dz already carries the 1/N of the batch mean", dW / n),
            Mistake("wrong sign: dW = x.T @ dz", -dW)]
    db_m = [Mistake("forgot the bias gradient: db = dz.sum(axis=0), not 0", np.zeros_like(db)),
            Mistake("averaged over the batch again: db = dz.sum(axis=0), since dz already carries 1/N",
                    dz.mean(axis=0)),
            Mistake("summed over everything; sum over the batch axis only: db = dz.sum(axis=0)", dz.sum()),
            Mistake("summed over the wrong axis: db = dz.sum(axis=0) has b's shape", dz.sum(axis=1)),
            Mistake("wrong sign: db = dz.sum(axis=0)", -db)]
    return dx_m, dW_m, db_m


def check_layer_backward(fn, *, part="all", seed=0, cases=((5, 3, 2), (4, 3, 3))):
    """Check fn(dz, x, W) -> (dx, dW, db) for z = x @ W + b.

    part: 'dx', 'dW', 'db' or 'all'. cases: (batch, n_in, n_out) shapes to try; a
    square W (n_in == n_out) is what tells W from Wᵀ.
    """
    rng = _rng(seed)
    for batch, n_in, n_out in cases:
        x, W = rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out))
        dz = rng.normal(size=(batch, n_out)) / batch
        expected = dense_backward(dz, (x, W))
        hint = (f"x is {x.shape}, W is {W.shape}, dz is {dz.shape}: dx = dz @ W.T (Wᵀ, not W) is {x.shape}, "
                f"dW = x.T @ dz is {W.shape}, db = dz.sum(axis=0) is ({n_out},)")
        got = _unpack(_call(fn, "layer_backward", dz.copy(), x.copy(), W.copy(), error_hint=hint),
                      "layer_backward", ("dx", "dW", "db"))
        where = f"dz {dz.shape}, x {x.shape}, W {W.shape}"
        for name, g, e, m in zip(("dx", "dW", "db"), got, expected, layer_backward_mistakes(dz, x, W)):
            if part in (name, "all"):
                compare(name, g, e, m, inputs=where)
    return True


def make_network(seed=0, *, batch=6, n_in=3, n_hidden=4, n_out=2):
    """A small problem for the two-layer network: (params, x, y).

    params: {"W1" (n_in, n_hidden), "b1" (n_hidden,), "W2" (n_hidden, n_out), "b2" (n_out,)};
    x (batch, n_in), y (batch, n_out).
    """
    rng = _rng(seed)
    params = {"W1": rng.normal(size=(n_in, n_hidden)), "b1": 0.1 * rng.normal(size=n_hidden),
              "W2": rng.normal(size=(n_hidden, n_out)), "b2": 0.1 * rng.normal(size=n_out)}
    return params, rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))


def network_forward(x, params):
    """Two-layer network y_hat = sigmoid(x @ W1 + b1) @ W2 + b2. Returns (y_hat, cache)."""
    z1 = x @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    y_hat = a1 @ params["W2"] + params["b2"]
    return y_hat, {"x": x, "z1": z1, "a1": a1}


def network_backward_reference(params, cache, y_hat, y):
    """Gradients of mse_loss(y_hat, y) for network_forward: {"W1", "b1", "W2", "b2"}."""
    _, dy = mse_loss(y_hat, y)
    da1, dW2, db2 = dense_backward(dy, (cache["a1"], params["W2"]))
    dz1 = da1 * sigmoid_prime(cache["z1"])
    _, dW1, db1 = dense_backward(dz1, (cache["x"], params["W1"]))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def network_backward_mistakes(params, cache, y_hat, y):
    """Wrong variants of each gradient of the two-layer network: {name: [Mistake, ...]}."""
    n = len(y)
    ref = network_backward_reference(params, cache, y_hat, y)
    x, z1, a1 = cache["x"], cache["z1"], cache["a1"]
    dy = (y_hat - y) / n
    out = {k: [Mistake("wrong sign: start from ∂L/∂ŷ = (ŷ − y)/N", -v),
               Mistake(f"summed instead of averaged over the batch: ∂L/∂ŷ = (ŷ − y)/N with N = {n}", n * v),
               Mistake(f"divided by N = {n} twice: ∂L/∂ŷ carries the 1/N once", v / n)]
           for k, v in ref.items()}
    for name in ("b1", "b2"):
        out[name].insert(0, Mistake(f"forgot the bias gradient: d{name[0]}{name[1]} = dz.sum(axis=0)",
                                    np.zeros_like(ref[name])))
    da1 = dy @ params["W2"].T
    out["W1"].insert(0, Mistake("forgot the f'(z1) factor: dz1 = da1 * sigmoid'(z1)", x.T @ da1))
    out["b1"].insert(1, Mistake("forgot the f'(z1) factor: dz1 = da1 * sigmoid'(z1)", da1.sum(axis=0)))
    out["W1"].append(Mistake("used sigmoid(z1) where sigmoid'(z1) belongs", x.T @ (da1 * a1)))
    if params["W2"].shape[0] == params["W2"].shape[1]:
        da1_wrong = dy @ params["W2"]
        dz1_wrong = da1_wrong * sigmoid_prime(z1)
        out["W1"].insert(0, Mistake("used W2 instead of W2ᵀ: da1 = dz2 @ W2.T", x.T @ dz1_wrong))
        out["b1"].insert(0, Mistake("used W2 instead of W2ᵀ: da1 = dz2 @ W2.T", dz1_wrong.sum(axis=0)))
    return out


def check_network_backward(fn, *, names=("W1", "b1", "W2", "b2"), seed=0, shapes=((6, 3, 4, 2), (5, 2, 3, 3))):
    """Check fn(params, cache, y_hat, y) -> {"W1", "b1", "W2", "b2"} for network_forward + mse_loss.

    names: which gradients to check. shapes: (batch, n_in, n_hidden, n_out) cases; one with
    n_hidden == n_out tells W2 from W2ᵀ. Every wrong gradient is listed in the message.
    """
    for i, (batch, n_in, n_hidden, n_out) in enumerate(shapes):
        params, x, y = make_network(seed + i, batch=batch, n_in=n_in, n_hidden=n_hidden, n_out=n_out)
        y_hat, cache = network_forward(x, params)
        expected = network_backward_reference(params, cache, y_hat, y)
        got = _call(fn, "network_backward", {k: v.copy() for k, v in params.items()},
                    {k: v.copy() for k, v in cache.items()}, y_hat.copy(), y.copy(),
                    error_hint="W1 (n_in, n_hidden), W2 (n_hidden, n_out): da1 = dz2 @ W2.T is (batch, n_hidden)")
        if not isinstance(got, dict):
            raise CheckFailed(f"network_backward should return a dict with keys {list(names)}, "
                              f"got {type(got).__name__}" + (". Did it forget to `return`?" if got is None else ""))
        mistakes = network_backward_mistakes(params, cache, y_hat, y)
        problems = []
        for name in names:
            if name not in got:
                problems.append(f"d{name}: missing from the returned dict (keys: {sorted(got)})")
                continue
            try:
                compare(f"d{name}", got[name], expected[name], mistakes[name],
                        inputs=f"x {x.shape}, W1 {params['W1'].shape}, W2 {params['W2'].shape}")
            except CheckFailed as exc:
                problems.append(str(exc))
        if problems:
            right = [n for n in names if all(not p.startswith(f"d{n}:") for p in problems)]
            raise CheckFailed("\n".join(problems) + (f"\n  (right: {', '.join('d' + n for n in right)})"
                                                     if right else ""))
    return True


def numerical_gradient_mistakes(f, x, h):
    """Wrong variants of the central difference of f at x with step h."""
    fwd, bwd = np.zeros_like(x), np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        fwd[i], bwd[i] = (fp - f0) / h, (f0 - fm) / h
    central = numerical_gradient(f, x, h)
    return [Mistake("forward difference (f(x+h) − f(x))/h; the central difference (f(x+h) − f(x−h))/(2h) "
                    "is far more accurate", fwd),
            Mistake("backward difference (f(x) − f(x−h))/h; use (f(x+h) − f(x−h))/(2h)", bwd),
            Mistake("divided by h instead of 2h: the two points are 2h apart", 2 * central),
            Mistake("wrong sign: (f(x+h) − f(x−h))/(2h)", -central)]


def check_numerical_gradient(fn, *, seed=0, shape=(3, 2), h=1e-5):
    """Check fn(f, x, h) -> the central-difference gradient of f at x (x's shape), x restored."""
    rng = _rng(seed)
    x = 0.5 * rng.normal(size=shape)
    c = rng.normal(size=shape)

    def f(v):
        return float(np.sum(np.exp(2 * v) * c))  # curved enough that one-sided differences show

    expected = 2 * np.exp(2 * x) * c
    original = x.copy()
    got = _call(fn, "numerical_gradient", f, x, h)
    if not np.array_equal(x, original):
        raise CheckFailed("numerical_gradient changed x: put each entry back after perturbing it "
                          f"(x[i] = old). x was {_preview(original)}, now {_preview(x)}")
    compare("gradient", got, expected, numerical_gradient_mistakes(f, x.copy(), h), rtol=1e-7, atol=1e-9,
            inputs=f"f(x) = sum(c · exp(2x)), x {x.shape}, h = {h}")
    return True


def check_gradient_check(fn, *, seed=0):
    """Check fn(loss_of, params, grads) -> {name: relative error} (a gradient check).

    It must report errors below 1e-7 for the true gradients, flag a wrong gradient (the
    W1 and b1 of a backward pass that forgot f'(z1)) with an error above 1e-2, and leave
    the parameters as it found them.
    """
    params, x, y = make_network(seed)

    def loss_of(p):
        return mse_loss(network_forward(x, p)[0], y)[0]

    y_hat, cache = network_forward(x, params)
    right = network_backward_reference(params, cache, y_hat, y)
    da1 = mse_loss(y_hat, y)[1] @ params["W2"].T
    wrong = dict(right, W1=x.T @ da1, b1=da1.sum(axis=0))  # a backward pass that forgot f'(z1)
    before = {k: v.copy() for k, v in params.items()}
    for grads, label in ((right, "the true gradients"), (wrong, "gradients that forgot f'(z1) in W1 and b1")):
        errors = _call(fn, "gradient_check", loss_of, params, grads)
        for k in params:
            if not np.array_equal(params[k], before[k]):
                raise CheckFailed(f"gradient_check changed params[{k!r}]: restore every entry after perturbing it")
        if not isinstance(errors, dict) or set(errors) != set(params):
            raise CheckFailed(f"gradient_check should return a dict with keys {sorted(params)} (one relative error "
                              f"per parameter), got {errors!r:.120}")
        for k, err in errors.items():
            try:
                err = float(err)
            except (TypeError, ValueError):
                raise CheckFailed(f"gradient_check: the error for {k} should be a number, got {err!r:.60}") from None
            bad = k in ("W1", "b1") and grads is wrong
            if not bad and not err < 1e-7:
                raise CheckFailed(f"gradient_check reports {err:.3g} for {k} with {label}; expected below 1e-7. "
                                  "Use central differences and the relative error max|a − b| / max(1e-8, |a| + |b|)")
            if bad and not err > 1e-2:
                raise CheckFailed(f"gradient_check reports {err:.3g} for {k} with {label}; a check must flag them "
                                  "(expected a relative error above 1e-2). Compare against the numerical gradient "
                                  "of loss_of with respect to that parameter")
    return True


# ---------------------------------------------------------------- assignment 4: training

def sgd_mistakes(params, grads, lr):
    """Wrong variants of the update p ← p − lr · g: {name: [Mistake, ...]}."""
    return {k: [Mistake(f"updated with +η: w ← w − η ∂L/∂w goes downhill; yours climbs the loss "
                        f"(params[{k!r}] + lr * grads[{k!r}])", p + lr * grads[k]),
                Mistake("forgot the learning rate: w ← w − η ∂L/∂w", p - grads[k]),
                Mistake(f"params[{k!r}] did not change: "
                        + ("forgot to update the bias" if k.startswith("b") else "forgot to update it"), p)]
            for k, p in params.items()}


def check_sgd_update(fn, *, seed=0, lr=0.1):
    """Check fn(params, grads, lr): afterwards params[k] == old params[k] − lr · grads[k] for every k."""
    rng = _rng(seed)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    old = {k: v.copy() for k, v in params.items()}
    _call(fn, "sgd_update", params, {k: v.copy() for k, v in grads.items()}, lr)
    mistakes = sgd_mistakes(old, grads, lr)
    for k in old:
        compare(f"params[{k!r}] after the update", params.get(k), old[k] - lr * grads[k], mistakes[k],
                inputs=f"lr = {lr}")
    return True


def check_minibatch_indices(fn, *, seed=0, n=20, batch_size=6):
    """Check fn(n, batch_size, rng) -> a list of index arrays: one shuffled epoch in batches."""
    rng = _rng(seed)
    batches = _call(fn, "minibatch_indices", n, batch_size, rng)
    if batches is None or not hasattr(batches, "__iter__"):
        raise CheckFailed(f"minibatch_indices should return a list of index arrays, got {batches!r:.80}")
    batches = [np.asarray(b) for b in batches]
    sizes = [len(b) for b in batches]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    every = np.concatenate(batches) if batches else np.array([], dtype=int)
    if len(every) < n and len(set(every.tolist())) == len(every) and sizes == expected_sizes[:len(sizes)]:
        raise CheckFailed(f"batch sizes {sizes} cover {len(every)} of the {n} rows; expected sizes {expected_sizes}."
                          f"\n  Likely mistake: dropped the last, smaller batch: keep it so every row is seen")
    if sorted(every.tolist()) != list(range(n)):
        repeated = len(every) - len(set(every.tolist()))
        hint = ("\n  Likely mistake: sampled with replacement; use rng.permutation(n) so each row appears once"
                if repeated else "")
        raise CheckFailed(f"the batches should hold every row index 0..{n - 1} exactly once; got {len(every)} indices "
                          f"with {repeated} repeated{hint}")
    if sizes != expected_sizes:
        raise CheckFailed(f"batch sizes: expected {expected_sizes} (n = {n}, batch_size = {batch_size}), got {sizes}")
    if np.array_equal(every, np.arange(n)):
        raise CheckFailed("the rows come in their original order.\n  Likely mistake: forgot to shuffle: take the "
                          "order from rng.permutation(n)")
    again = np.concatenate([np.asarray(b) for b in _call(fn, "minibatch_indices", n, batch_size, rng)])
    if np.array_equal(again, every):
        raise CheckFailed("two epochs drawn from the same rng came in the same order.\n  Likely mistake: made a "
                          "new generator with a fixed seed inside the function; draw from the rng you are given")
    return True


def early_stopping_reference(val_losses, patience):
    """The epoch after which training stops, or None when it never stops early.

    The best epoch is the first one with the lowest validation loss so far (a tie is no
    improvement); training stops after epoch e once e − best_epoch >= patience.
    """
    best, best_epoch = np.inf, None
    for epoch, value in enumerate(val_losses):
        if value < best:
            best, best_epoch = value, epoch
        elif epoch - best_epoch >= patience:
            return epoch
    return None


def early_stopping_variants(val_losses, patience):
    """Wrong stopping rules, each applied to val_losses: [(hint, stop epoch or None), ...]."""
    def rule(better, stop_when):
        best, best_epoch = np.inf, None
        for epoch, value in enumerate(val_losses):
            if better(value, best):
                best, best_epoch = value, epoch
            elif stop_when(epoch - best_epoch):
                return epoch
        return None

    return [
        ("stopped one epoch late: stop once epoch − best_epoch >= patience, not >",
         rule(lambda v, b: v < b, lambda gap: gap > patience)),
        ("stopped one epoch early: stop once epoch − best_epoch >= patience",
         rule(lambda v, b: v < b, lambda gap: gap >= patience - 1)),
        ("counted a tie as an improvement: only a strictly lower loss is better",
         rule(lambda v, b: v <= b, lambda gap: gap >= patience)),
        ("stopped at the first epoch without improvement; patience allows that many epochs without one",
         rule(lambda v, b: v < b, lambda gap: gap >= 1)),
    ]


EARLY_STOPPING_CASES = (
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
    ([1.0, 0.9, 0.8, 0.7, 0.6], 2),
    ([0.5, 0.5, 0.5, 0.4, 0.6, 0.6], 2),
    ([1.0, 1.1, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88], 3),
    ([0.3, 0.4], 1),
)


def check_early_stopping_epoch(fn, *, cases=EARLY_STOPPING_CASES):
    """Check fn(val_losses, patience) -> the epoch training stops after, or None."""
    got_all, wrong = [], []
    for losses, patience in cases:
        got = _call(fn, "early_stopping_epoch", list(losses), patience)
        expected = early_stopping_reference(losses, patience)
        got_all.append(got)
        if got != expected:
            wrong.append(f"val_losses={list(losses)}, patience={patience}: expected {expected}, got {got!r}")
    if not wrong:
        return True
    msg = "early_stopping_epoch gave the wrong epoch:\n  " + "\n  ".join(wrong)
    for i, _ in enumerate(early_stopping_variants([], 1)):
        answers = [early_stopping_variants(losses, patience)[i] for losses, patience in cases]
        if all(g == a for g, (_, a) in zip(got_all, answers)):
            msg += f"\n  Likely mistake: {answers[0][0]}"
            break
    if all(g == len(losses) - 1 for g, (losses, _) in zip(got_all, cases)):
        msg += "\n  Likely mistake: returned the last epoch; return None when training never stops early"
    raise CheckFailed(msg)


def check_fit(fit, *, seed=0, lr=0.3, batch_size=16, max_epochs=60, patience=3):
    """Check fit(model, X, y, X_val, y_val, *, lr, batch_size, max_epochs, patience, rng) -> history.

    history: {"train_loss": [...], "val_loss": [...], "best_epoch": int}, one entry per epoch run.
    The task: a linear model on noisy points of a line (noise std 0.1, so the lowest
    reachable validation loss is about ½ · 0.1² = 0.005; the check asks for below 0.02).
    Checked: the losses go down, the run stops exactly where the stopping rule says for
    the recorded validation losses, best_epoch is their argmin, and the model ends with
    the best epoch's weights.
    """
    from .data import make_line, split
    from .models import mlp

    rng = _rng(seed)
    X, y = make_line(160, rng)
    X_tr, y_tr, X_val, y_val = split(X, y, 0.25, rng)
    model = mlp([1, 1], rng=rng)
    with np.errstate(all="ignore"):
        history = _call(fit, "fit", model, X_tr, y_tr, X_val, y_val, lr=lr, batch_size=batch_size,
                        max_epochs=max_epochs, patience=patience, rng=rng)
    if not isinstance(history, dict) or not {"train_loss", "val_loss", "best_epoch"} <= set(history):
        raise CheckFailed("fit should return a dict with keys 'train_loss', 'val_loss' and 'best_epoch', got "
                          f"{history!r:.120}" + (". Did it forget to `return`?" if history is None else ""))
    train_loss = np.asarray(history["train_loss"], dtype=float)
    val_loss = np.asarray(history["val_loss"], dtype=float)
    if not 1 <= len(val_loss) <= max_epochs or len(train_loss) != len(val_loss):
        raise CheckFailed(f"expected one training and one validation loss per epoch (1 to {max_epochs} epochs); "
                          f"got {len(train_loss)} training and {len(val_loss)} validation losses")
    if not np.all(np.isfinite(val_loss)) or val_loss[-1] > val_loss[0]:
        raise CheckFailed(f"the validation loss went from {val_loss[0]:.4g} to {val_loss[-1]:.4g} instead of "
                          "going down.\n  Likely mistake: updated with +η; the rule is w ← w − η ∂L/∂w")
    if val_loss.min() > 0.02:
        raise CheckFailed(f"the best validation loss is {val_loss.min():.4g}; a linear model on this line reaches "
                          "about 0.005 (the noise). Does every epoch visit every mini-batch and update all parameters?")
    expected_best = int(np.argmin(val_loss))
    if history["best_epoch"] != expected_best:
        raise CheckFailed(f"best_epoch is {history['best_epoch']!r}, but the lowest validation loss "
                          f"({val_loss[expected_best]:.4g}) is at epoch {expected_best} (counting from 0)")
    stop = early_stopping_reference(list(val_loss), patience)
    expected_epochs = max_epochs if stop is None else stop + 1
    if len(val_loss) != expected_epochs:
        hint = ""
        for text, variant in early_stopping_variants(list(val_loss), patience):
            if variant is not None and variant + 1 == len(val_loss):
                hint = f"\n  Likely mistake: {text}"
                break
        raise CheckFailed(f"with these validation losses and patience {patience} training should run "
                          f"{expected_epochs} epochs; yours ran {len(val_loss)}.{hint}")
    final = mse_loss(model.forward(X_val), y_val)[0]
    if not np.isclose(final, val_loss[expected_best], rtol=1e-9, atol=1e-12):
        raise CheckFailed(f"after fit the model's validation loss is {final:.6g}, but the best epoch had "
                          f"{val_loss[expected_best]:.6g}.\n  Likely mistake: kept the last epoch's weights; copy the "
                          "weights at the best epoch (p.copy()) and put them back at the end (p[...] = saved)")
    return True


def stability_limit_reference(X):
    """2 / λ_max of the Hessian AᵀA / N of the MSE of a linear model (A = [X, 1] adds the bias).

    Full-batch gradient descent on that loss diverges for any learning rate above it.
    """
    A = np.column_stack([X, np.ones(len(X))])
    return 2.0 / np.linalg.eigvalsh(A.T @ A / len(X)).max()


def stability_limit_mistakes(X):
    """Wrong variants of 2 / λ_max(AᵀA / N)."""
    n = len(X)
    A = np.column_stack([X, np.ones(n)])
    eig = np.linalg.eigvalsh(A.T @ A / n)
    no_bias = np.linalg.eigvalsh(X.T @ X / n).max()
    return [Mistake("forgot the bias: it is a parameter too, so add a column of ones to X (A = [X, 1])",
                    2.0 / no_bias),
            Mistake(f"used AᵀA instead of AᵀA / N: the loss is a batch mean, so its Hessian is averaged "
                    f"(N = {n})", 2.0 / (n * eig.max())),
            Mistake("1 / λ_max is where the steps start to oscillate; divergence starts at 2 / λ_max",
                    1.0 / eig.max()),
            Mistake("used the smallest eigenvalue; the largest one sets the limit", 2.0 / eig.min())]


def check_stability_limit(fn, X):
    """Check fn(X) -> 2 / λ_max of the Hessian of the MSE of a linear model with a bias, on X (N, d)."""
    got = _call(fn, "stability_limit", np.array(X, dtype=float))
    compare("stability limit", got, stability_limit_reference(X), stability_limit_mistakes(X),
            inputs=f"X {np.shape(X)}")
    return True


def _loss_curve(run):
    return np.asarray(getattr(run, "train_loss", run), dtype=float)


def check_learning_rate_runs(runs, learning_rates, X):
    """Check runs {lr: History or list of losses}: a curve per learning rate, which goes down
    below the stability limit and up (or to inf/NaN) above it."""
    if not isinstance(runs, dict):
        raise CheckFailed(f"runs should be a dict from learning rate to its History, got {type(runs).__name__}")
    limit = stability_limit_reference(X)
    for lr in learning_rates:
        if lr not in runs:
            raise CheckFailed(f"runs has no entry for lr = {lr}; expected one per learning rate in {learning_rates}")
        curve = _loss_curve(runs[lr])
        if curve.ndim != 1 or len(curve) < 2:
            raise CheckFailed(f"runs[{lr}] should hold at least two epochs of losses, got {curve!r:.80}")
        went_up = not np.isfinite(curve[-1]) or curve[-1] > curve[0] or getattr(runs[lr], "diverged", False)
        if lr > limit and not went_up:
            raise CheckFailed(f"lr = {lr} is above the stability limit {limit:.4g}, yet its loss went from "
                              f"{curve[0]:.4g} to {curve[-1]:.4g}: did this run use full-batch gradient descent?")
        if lr < limit and went_up:
            raise CheckFailed(f"lr = {lr} is below the stability limit {limit:.4g}, yet its loss went up "
                              f"({curve[0]:.4g} → {curve[-1]:.4g})")
    return True


def check_diverging_answer(answer, learning_rates, X):
    """Check the answer: the learning rates (from learning_rates) for which training diverges."""
    limit = stability_limit_reference(X)
    expected = sorted(lr for lr in learning_rates if lr > limit)
    try:
        got = sorted(float(v) for v in answer)
    except TypeError:
        raise CheckFailed(f"the answer should be a list of learning rates, got {answer!r:.80}") from None
    if got != expected:
        extra = sorted(set(got) - set(expected))
        missing = sorted(set(expected) - set(got))
        msg = f"expected {expected}, got {got}."
        if extra:
            msg += f" {extra}: below 2/λ_max = {limit:.4g}, these converge; look at their curves again."
        if missing:
            msg += f" {missing}: above 2/λ_max = {limit:.4g}, these diverge."
        raise CheckFailed(msg)
    return True
