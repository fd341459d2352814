"""nnlib.checks: a right answer passes, and each diagnosis fires on the wrong answer it names.

Every wrong answer here is written the way a learner would write it (not taken from the
module's own list of variants), so a test fails if a diagnosis stops recognising it.
"""

import numpy as np
import pytest

import nnlib
from nnlib import checks
from nnlib.checks import CheckFailed


def fails_with(check, *args, says, **kwargs):
    """Run a check that must fail; return its message after checking it contains each of ``says``."""
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    message = str(info.value)
    for text in ([says] if isinstance(says, str) else says):
        assert text in message, f"expected {text!r} in the message:\n{message}"
    return message


# ------------------------------------------------------------------ the shared machinery

def test_diagnose_returns_the_matching_hint_or_none():
    mistakes = [checks.Mistake("first", np.array([1.0, 2.0])), checks.Mistake("second", np.array([3.0, 4.0]))]
    assert checks.diagnose(np.array([3.0, 4.0]), mistakes) == "second"
    assert checks.diagnose(np.array([5.0, 6.0]), mistakes) is None
    assert checks.diagnose(np.array([3.0, 4.0, 5.0]), mistakes) is None  # shape must match too


def test_compare_reports_none_shape_values_and_nan():
    expected = np.arange(6.0).reshape(2, 3)
    fails_with(checks.compare, "z", None, expected, says=["got None", "return"])
    fails_with(checks.compare, "z", np.zeros(3), expected, says=["expected shape (2, 3)", "got shape (3,)"])
    fails_with(checks.compare, "z", expected.T, expected, says=["transpose"])
    msg = fails_with(checks.compare, "z", expected + 1, expected, says=["wrong values", "largest difference 1"])
    assert "[0, 1, 2, 3, ...]" in msg  # a few numbers, not a wall of them
    fails_with(checks.compare, "z", np.full((2, 3), np.nan), expected, says="NaN")
    fails_with(checks.compare, "z", "text", expected, says="not an array of numbers")
    checks.compare("z", expected.tolist(), expected)  # a list of the right numbers is fine


def test_a_function_that_raises_or_is_missing_gives_a_clear_message():
    def broken(x, W, b):
        return x @ W.T + b

    fails_with(checks.check_layer_forward, broken, says=["layer_forward raised ValueError", "Hint:", "x @ W + b"])
    fails_with(checks.check_layer_forward, None, says="expected the function layer_forward")

    def unwritten(x, W, b):
        raise NotImplementedError("Exercise 1.1: compute z")

    fails_with(checks.check_layer_forward, unwritten, says="not written yet (Exercise 1.1")


# ------------------------------------------------------------------ assignment 1

def test_layer_forward():
    assert checks.check_layer_forward(lambda x, W, b: x @ W + b)
    assert checks.check_layer_forward(lambda x, W, b: nnlib.dense_forward(x, W, b)[0], seed=3, n_in=4, n_out=4)
    fails_with(checks.check_layer_forward, lambda x, W, b: x @ W, says="Likely mistake: forgot the bias")
    fails_with(checks.check_layer_forward, lambda x, W, b: x @ W - b, says="Likely mistake: wrong sign of the bias")
    fails_with(checks.check_layer_forward, lambda x, W, b: x @ W.T + b, n_in=3, n_out=3,
               says="Likely mistake: used W.T instead of W")
    fails_with(checks.check_layer_forward, lambda x, W, b: None, says="Did the function forget to `return`")


@pytest.mark.parametrize("name, right", [
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("tanh", lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))),
    ("relu", lambda z: np.maximum(z, 0)),
])
def test_activations_accept_a_right_answer(name, right):
    assert checks.check_activation(right, name)


@pytest.mark.parametrize("name, wrong, says", [
    ("sigmoid", lambda z: 1 / (1 + np.exp(z)), "wrong sign in the exponent"),
    ("tanh", lambda z: (np.exp(z) - np.exp(-z)) / 2, "is sinh"),
    ("relu", lambda z: np.max(z, 0), "np.max(z, 0) takes the largest entry of each column"),
    ("relu", lambda z: np.minimum(z, 0), "kept the negative part"),
    ("relu", lambda z: (z > 0).astype(float), "returned the step"),
])
def test_activation_diagnoses(name, wrong, says):
    fails_with(checks.check_activation, wrong, name, says=["Likely mistake:", says])


def right_mse(y_hat, y):
    return 0.5 * np.sum((y_hat - y) ** 2) / len(y), (y_hat - y) / len(y)


def test_mse():
    assert checks.check_mse(right_mse)
    assert checks.check_mse(nnlib.mse_loss, seed=5, batch=7, k=1)


@pytest.mark.parametrize("part, wrong, says", [
    ("loss", lambda yh, y: (np.sum((yh - y) ** 2) / len(y), None), "forgot the ½"),
    ("loss", lambda yh, y: (0.5 * np.sum((yh - y) ** 2), None), "summed over the batch instead of averaging"),
    ("loss", lambda yh, y: (0.5 * np.mean((yh - y) ** 2), None), "averaged over all N·k entries"),
    ("loss", lambda yh, y: (np.mean((yh - y) ** 2), None), "np.mean((ŷ − y)²)"),
    ("gradient", lambda yh, y: (0, (y - yh) / len(y)), "wrong sign"),
    ("gradient", lambda yh, y: (0, yh - y), "summed instead of averaged"),
    ("gradient", lambda yh, y: (0, 2 * (yh - y) / len(y)), "the factor 2"),
    ("gradient", lambda yh, y: (0, (yh - y) / yh.size), "divided by N·k"),
])
def test_mse_diagnoses(part, wrong, says):
    fails_with(checks.check_mse, wrong, part=part, says=["Likely mistake:", says])


def right_bce(p, y):
    n = p.size
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / n, (p - y) / (p * (1 - p)) / n


def test_bce():
    assert checks.check_bce(right_bce)
    assert checks.check_bce(nnlib.bce_loss, seed=2)
    fails_with(checks.check_bce, lambda p, y: 0.5, says="should return a tuple (L, dp)")


@pytest.mark.parametrize("part, wrong, says", [
    ("loss", lambda p, y: (np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), None), "wrong sign"),
    ("loss", lambda p, y: (-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), None), "summed instead of averaged"),
    ("loss", lambda p, y: (-np.mean(y * np.log(p)), None), "forgot the (1 − y) log(1 − p) term"),
    ("gradient", lambda p, y: (0, (y - p) / (p * (1 - p)) / p.size), "wrong sign"),
    ("gradient", lambda p, y: (0, (p - y) / (p * (1 - p))), "summed instead of averaged"),
    ("gradient", lambda p, y: (0, (p - y) / p.size), "gradient with respect to the logit"),
])
def test_bce_diagnoses(part, wrong, says):
    fails_with(checks.check_bce, wrong, part=part, says=["Likely mistake:", says])


# ------------------------------------------------------------------ assignment 2

def test_activation_primes_accept_right_answers():
    s = nnlib.sigmoid
    assert checks.check_activation_prime(lambda z: s(z) * (1 - s(z)), "sigmoid")
    assert checks.check_activation_prime(lambda z: 1 - np.tanh(z) ** 2, "tanh")
    assert checks.check_activation_prime(lambda z: (z > 0).astype(float), "relu")
    assert checks.check_activation_prime(lambda z: z > 0, "relu", seed=4)  # booleans are numbers too


@pytest.mark.parametrize("name, wrong, says", [
    ("sigmoid", nnlib.sigmoid, "returned sigmoid(z) itself"),
    ("sigmoid", lambda z: z * (1 - z), "applied s (1 − s) to z"),
    ("sigmoid", lambda z: -nnlib.sigmoid(z) * (1 - nnlib.sigmoid(z)), "wrong sign"),
    ("tanh", lambda z: 1 - z ** 2, "used z where tanh(z) belongs"),
    ("tanh", np.tanh, "returned tanh(z) itself"),
    ("tanh", lambda z: 1 - np.tanh(z), "forgot to square"),
    ("relu", lambda z: np.maximum(z, 0), "returned relu(z) itself"),
    ("relu", lambda z: (z >= 0) * 1.0, "relu'(0) = 0"),
])
def test_activation_prime_diagnoses(name, wrong, says):
    fails_with(checks.check_activation_prime, wrong, name, says=["Likely mistake:", says])


def right_factors(x, w, b, y):
    s = nnlib.sigmoid(w * x + b)
    return s - y, s * (1 - s), x


def test_chain_rule_factors():
    assert checks.check_chain_rule_factors(right_factors)
    r = right_factors
    fails_with(checks.check_chain_rule_factors, lambda x, w, b, y: (-r(x, w, b, y)[0],) + r(x, w, b, y)[1:],
               says=["dL_dyhat", "Likely mistake: wrong sign"])
    fails_with(checks.check_chain_rule_factors, lambda x, w, b, y: (r(x, w, b, y)[0], nnlib.sigmoid(w * x + b), x),
               says=["dyhat_dz", "Likely mistake: returned sigmoid(z)"])
    fails_with(checks.check_chain_rule_factors, lambda x, w, b, y: r(x, w, b, y)[:2] + (w,),
               says=["dz_dw", "Likely mistake: ∂z/∂w is x"])


def right_neuron(x, w, b, y, activation):
    f, f_prime = nnlib.ACTIVATIONS[activation]
    z = x @ w + b
    delta = (f(z) - y) * f_prime(z) / len(x)
    return x.T @ delta, delta.sum()


def neuron_variant(kind):
    def fn(x, w, b, y, activation):
        f, f_prime = nnlib.ACTIVATIONS[activation]
        z = x @ w + b
        factor = {"no_fp": 1.0, "f": f(z)}.get(kind, f_prime(z))
        delta = (f(z) - y) * factor / len(x)
        if kind == "sign":
            delta = -delta
        if kind == "sum":
            delta = delta * len(x)
        return x.T @ delta, (0.0 if kind == "no_db" else delta.sum())
    return fn


def test_neuron_gradients():
    assert checks.check_neuron_gradients(right_neuron)
    assert checks.check_neuron_gradients(right_neuron, seed=9, batch=8, n_in=2)


@pytest.mark.parametrize("kind, part, says", [
    ("no_fp", "dw", "forgot the f'(z) factor"),
    ("no_fp", "db", "forgot the f'(z) factor"),
    ("sign", "dw", "wrong sign"),
    ("sum", "dw", "summed instead of averaged over the batch"),
    ("sum", "db", "summed instead of averaged over the batch"),
    ("f", "dw", "used f(z) where its derivative f'(z) belongs"),
    ("no_db", "db", "forgot the bias gradient"),
])
def test_neuron_gradient_diagnoses(kind, part, says):
    fails_with(checks.check_neuron_gradients, neuron_variant(kind), part=part, says=["Likely mistake:", says])


# ------------------------------------------------------------------ assignment 3

def right_layer_backward(dz, x, W):
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)


def test_layer_backward():
    assert checks.check_layer_backward(right_layer_backward)
    assert checks.check_layer_backward(lambda dz, x, W: nnlib.dense_backward(dz, (x, W)), seed=4)


@pytest.mark.parametrize("wrong, part, says", [
    (lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(0)), "dx", "used W instead of Wᵀ"),
    (lambda dz, x, W: (-dz @ W.T, x.T @ dz, dz.sum(0)), "dx", "wrong sign"),
    (lambda dz, x, W: (dz @ W.T, dz.T @ x, dz.sum(0)), "dW", "computed dz.T @ x, the transpose"),
    (lambda dz, x, W: (dz @ W.T, x.T @ dz / len(x), dz.sum(0)), "dW", "divided by N again"),
    (lambda dz, x, W: (dz @ W.T, x.T @ dz, np.zeros(W.shape[1])), "db", "forgot the bias gradient"),
    (lambda dz, x, W: (dz @ W.T, x.T @ dz, dz.mean(0)), "db", "averaged over the batch again"),
    (lambda dz, x, W: (dz @ W.T, x.T @ dz, dz.sum()), "db", "summed over everything"),
])
def test_layer_backward_diagnoses(wrong, part, says):
    # only the square case, where dz @ W has the right shape, can tell W from Wᵀ by value
    cases = ((4, 3, 3),) if "Wᵀ" in says else ((5, 3, 2), (4, 3, 3))
    fails_with(checks.check_layer_backward, wrong, part=part, cases=cases, says=[f"d{part[1:]}",
                                                                                  f"Likely mistake: {says}"])


def test_layer_backward_with_a_non_square_W_explains_the_shape_error():
    fails_with(checks.check_layer_backward, lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(0)),
               says=["raised ValueError", "Hint:", "dx = dz @ W.T (Wᵀ, not W) is (5, 3)"])


def network_backward_variant(kind=None):
    def fn(params, cache, y_hat, y):
        n = len(y)
        dy = (y_hat - y) / n
        if kind == "sign":
            dy = -dy
        if kind == "sum":
            dy = dy * n
        dW2, db2 = cache["a1"].T @ dy, dy.sum(axis=0)
        W2 = params["W2"] if kind == "W" else params["W2"].T
        da1 = dy @ W2
        dz1 = da1 if kind == "no_fp" else da1 * cache["a1"] * (1 - cache["a1"])
        dW1, db1 = cache["x"].T @ dz1, dz1.sum(axis=0)
        if kind == "no_db":
            db1, db2 = np.zeros_like(db1), np.zeros_like(db2)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return fn


def test_network_backward():
    assert checks.check_network_backward(network_backward_variant())


@pytest.mark.parametrize("kind, says", [
    ("no_fp", ["dW1", "forgot the f'(z1) factor", "right: dW2, db2"]),
    ("sign", ["dW1", "dW2", "wrong sign"]),
    ("sum", ["summed instead of averaged over the batch"]),
    ("no_db", ["db1", "db2", "forgot the bias gradient", "right: dW1, dW2"]),
    ("W", ["dW1", "used W2 instead of W2ᵀ"]),
])
def test_network_backward_diagnoses(kind, says):
    shapes = ((5, 2, 3, 3),) if kind == "W" else ((6, 3, 4, 2),)
    fails_with(checks.check_network_backward, network_backward_variant(kind), shapes=shapes, says=says)


def test_network_backward_wrong_return_and_missing_keys():
    fails_with(checks.check_network_backward, lambda *a: None, says="forget to `return`")
    fails_with(checks.check_network_backward, lambda *a: {"W1": 0}, says="db1: missing from the returned dict")


def numerical_variant(kind=None):
    def fn(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            plus = f(x)
            x[i] = old - h
            minus = f(x)
            x[i] = old if kind != "no_restore" else old + h
            if kind == "forward":
                grad[i] = (plus - f(x)) / h
            elif kind == "h":
                grad[i] = (plus - minus) / h
            else:
                grad[i] = (plus - minus) / (2 * h)
        return grad
    return fn


def test_numerical_gradient():
    assert checks.check_numerical_gradient(numerical_variant())
    assert checks.check_numerical_gradient(nnlib.numerical_gradient, seed=3, shape=(4,))
    fails_with(checks.check_numerical_gradient, numerical_variant("forward"), says="Likely mistake: forward difference")
    fails_with(checks.check_numerical_gradient, numerical_variant("h"),
               says="Likely mistake: divided by h instead of 2h")
    fails_with(checks.check_numerical_gradient, numerical_variant("no_restore"), says="changed x")


def gradient_check_variant(kind=None):
    def fn(loss_of, params, grads, h=1e-5):
        out = {}
        for name, p in params.items():
            numeric = nnlib.numerical_gradient(lambda _: loss_of(params), p, h)
            if kind == "absolute":
                out[name] = float(np.max(np.abs(numeric - grads[name])))
            elif kind == "mean":
                out[name] = float(np.mean(np.abs(numeric - grads[name])))
            else:
                out[name] = nnlib.rel_error(grads[name], numeric)
        if kind == "constant":
            return dict.fromkeys(params, 0.0)
        return out
    return fn


def test_gradient_check():
    assert checks.check_gradient_check(gradient_check_variant())
    fails_with(checks.check_gradient_check, gradient_check_variant("constant"), says="a check must flag them")
    fails_with(checks.check_gradient_check, lambda *a: [0.0], says="should return a dict with keys")


def test_gradient_check_must_leave_the_parameters_alone():
    def sloppy(loss_of, params, grads):
        for p in params.values():
            p += 1e-5
        return dict.fromkeys(params, 0.0)

    fails_with(checks.check_gradient_check, sloppy, says="changed params")


# ------------------------------------------------------------------ assignment 4

def sgd_variant(kind=None):
    def fn(params, grads, lr):
        for name in params:
            if kind == "no_bias" and name.startswith("b"):
                continue
            step = grads[name] if kind == "no_lr" else lr * grads[name]
            params[name] = params[name] + step if kind == "plus" else params[name] - step
    return fn


def test_sgd_update():
    assert checks.check_sgd_update(sgd_variant())
    assert checks.check_sgd_update(lambda p, g, lr: nnlib.sgd_step([(p[k], g[k]) for k in p], lr), lr=0.5)
    fails_with(checks.check_sgd_update, sgd_variant("plus"), says="Likely mistake: updated with +η")
    fails_with(checks.check_sgd_update, sgd_variant("no_lr"), says="Likely mistake: forgot the learning rate")
    fails_with(checks.check_sgd_update, sgd_variant("no_bias"), says="Likely mistake: params['b'] did not change: "
                                                                    "forgot to update the bias")


def batches_variant(kind=None):
    def fn(n, batch_size, rng):
        if kind == "ordered":
            order = np.arange(n)
        elif kind == "replace":
            order = rng.integers(0, n, size=n)
        elif kind == "fixed_seed":
            order = np.random.default_rng(0).permutation(n)
        else:
            order = rng.permutation(n)
        stop = n - n % batch_size if kind == "drop_last" else n
        return [order[i:i + batch_size] for i in range(0, stop, batch_size)]
    return fn


def test_minibatch_indices():
    assert checks.check_minibatch_indices(batches_variant())
    assert checks.check_minibatch_indices(batches_variant(), n=12, batch_size=4)


@pytest.mark.parametrize("kind, says", [
    ("ordered", "forgot to shuffle"),
    ("replace", "sampled with replacement"),
    ("fixed_seed", "made a new generator with a fixed seed"),
    ("drop_last", "dropped the last, smaller batch"),
])
def test_minibatch_diagnoses(kind, says):
    fails_with(checks.check_minibatch_indices, batches_variant(kind), says=["Likely mistake:", says])


def stopping_variant(gap_ok=lambda gap, patience: gap >= patience, better=lambda v, best: v < best):
    def fn(val_losses, patience):
        best, best_epoch = float("inf"), None
        for epoch, v in enumerate(val_losses):
            if better(v, best):
                best, best_epoch = v, epoch
            elif gap_ok(epoch - best_epoch, patience):
                return epoch
        return None
    return fn


def test_early_stopping_epoch():
    assert checks.check_early_stopping_epoch(stopping_variant())
    # the reference agrees with nnlib.train's rule on the worked cases
    assert checks.early_stopping_reference([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3) == 5
    assert checks.early_stopping_reference([1.0, 0.9], 1) is None


@pytest.mark.parametrize("variant, says", [
    (stopping_variant(gap_ok=lambda gap, p: gap > p), "stopped one epoch late"),
    (stopping_variant(gap_ok=lambda gap, p: gap >= p - 1), "stopped one epoch early"),
    (stopping_variant(better=lambda v, best: v <= best), "counted a tie as an improvement"),
    (stopping_variant(gap_ok=lambda gap, p: gap >= 1), "stopped at the first epoch without improvement"),
    (lambda losses, patience: len(losses) - 1, "returned the last epoch"),
])
def test_early_stopping_diagnoses(variant, says):
    fails_with(checks.check_early_stopping_epoch, variant, says=["Likely mistake:", says])


def fit_variant(kind=None):
    def fit(model, X, y, X_val, y_val, *, lr, batch_size, max_epochs, patience, rng):
        history = {"train_loss": [], "val_loss": [], "best_epoch": None}
        best, saved = np.inf, None
        for epoch in range(max_epochs):
            total = 0.0
            for Xb, yb in nnlib.iterate_minibatches(X, y, batch_size, rng):
                loss, dout = nnlib.mse_loss(model.forward(Xb), yb)
                model.backward(dout)
                for p, g in model.parameters():
                    p += lr * g if kind == "plus" else -lr * g
                total += loss * len(Xb)
            history["train_loss"].append(total / len(X))
            val = nnlib.mse_loss(model.forward(X_val), y_val)[0]
            history["val_loss"].append(val)
            if val < best:
                best, history["best_epoch"] = val, epoch
                saved = [p.copy() for p, _ in model.parameters()]
            elif epoch - history["best_epoch"] >= (patience + 1 if kind == "late" else patience):
                break
        if kind != "no_restore":
            for (p, _), s in zip(model.parameters(), saved):
                p[...] = s
        return history
    return fit


def test_fit():
    assert checks.check_fit(fit_variant())


@pytest.mark.parametrize("kind, says", [
    ("plus", "Likely mistake: updated with +η"),
    ("late", "Likely mistake: stopped one epoch late"),
    ("no_restore", "Likely mistake: kept the last epoch's weights"),
])
def test_fit_diagnoses(kind, says):
    fails_with(checks.check_fit, fit_variant(kind), says=says)


def learning_rate_data():
    return np.random.default_rng(0).normal(1.0, 1.0, size=(60, 2))


def right_limit(X):
    A = np.column_stack([X, np.ones(len(X))])
    return 2 / np.linalg.eigvalsh(A.T @ A / len(X)).max()


def test_stability_limit_matches_where_gradient_descent_diverges():
    X = learning_rate_data()
    assert checks.check_stability_limit(right_limit, X)
    limit = checks.stability_limit_reference(X)
    y = X @ np.array([1.0, -2.0]) + 0.5
    for factor, diverges in ((0.95, False), (1.05, True)):
        model = nnlib.mlp([2, 1], rng=np.random.default_rng(1))
        h = nnlib.train(model, "mse", X, y[:, None], lr=factor * limit, batch_size=len(X), max_epochs=300,
                        rng=np.random.default_rng(2), restore_best=False)
        assert (h.train_loss[-1] > h.train_loss[0]) == diverges


@pytest.mark.parametrize("wrong, says", [
    (lambda X: 2 / np.linalg.eigvalsh(X.T @ X / len(X)).max(), "forgot the bias"),
    (lambda X: right_limit(X) / len(X), "used AᵀA instead of AᵀA / N"),
    (lambda X: right_limit(X) / 2, "1 / λ_max"),
])
def test_stability_limit_diagnoses(wrong, says):
    fails_with(checks.check_stability_limit, wrong, learning_rate_data(), says=["Likely mistake:", says])


def test_learning_rate_runs_and_answer():
    X = learning_rate_data()
    limit = checks.stability_limit_reference(X)
    rates = [0.1 * limit, 1.3 * limit]
    down, up = [1.0, 0.5, 0.2], [1.0, 3.0, 9.0]
    assert checks.check_learning_rate_runs({rates[0]: down, rates[1]: up}, rates, X)
    fails_with(checks.check_learning_rate_runs, {rates[0]: down, rates[1]: down}, rates, X, says="above the stability")
    fails_with(checks.check_learning_rate_runs, {rates[0]: down}, rates, X, says="has no entry for lr")
    assert checks.check_diverging_answer([rates[1]], rates, X)
    fails_with(checks.check_diverging_answer, rates, rates, X, says="these converge")
    fails_with(checks.check_diverging_answer, [], rates, X, says="these diverge")
