# ruff: noqa: E501  (a table of answers, one to a line, reads best unwrapped)
"""Realistic answers to every exercise, wrong and right, graded by the grader's own judging.

Each wrong answer is an edit of the source notebook's solution, the way a learner gets it
wrong; the test asserts exactly which tests fail (so the points lost, and that no other
exercise loses any unless the notebook says it depends on it) and that the message names the
mistake. Each correct-but-different answer must get full marks. The cells run in this
process (tests/exercise_harness.py); tests/test_exercises.py grades a sample in real kernels.
"""

import exercise_harness as harness
import pytest

from exercises.notebooks import grade_id, is_test, points
from exercises.results import KINDS

A1, A2, A3, A4, A5 = "01_forward_and_losses", "02_chain_rule", "03_backprop", "04_training", "05_autograd"
A6 = "06_optimisers_and_normalisation"
MARK = {A1: pytest.mark.a1, A2: pytest.mark.a2, A3: pytest.mark.a3, A4: pytest.mark.a4, A5: pytest.mark.a5,
        A6: pytest.mark.a6}

SIGMOID = "return 1.0 / (1.0 + np.exp(-z))"
TANH = "return (ez - emz) / (ez + emz)"
RELU = "return np.maximum(z, 0.0)"
MSE = "return 0.5 * np.sum(diff ** 2) / n, diff / n"
BCE_LOSS = "loss = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / n"
BCE_GRAD = "return loss, (p - y) / (p * (1 - p)) / n"
NEURON = "delta = (f(z) - y) * f_prime(z) / len(x)  # dL/dz for each row"
LAYER = "return dz @ W.T, x.T @ dz, dz.sum(axis=0)"
NET_DZ1 = 'dz1 = da1 * sigmoid_prime(cache["z1"])'
NET_DY = "_, dy_hat = mse_loss(y_hat, y)"
NUM = "grad[i] = (f_plus - f_minus) / (2 * h)"
CHECK = "errors[name] = nnlib.rel_error(grads[name], numeric)"
SGD = "p -= lr * grads[name]"
BATCH = "order = rng.permutation(n)"
BATCHES = "return [order[start:start + batch_size] for start in range(0, n, batch_size)]"
STOP = "elif epoch - best_epoch >= patience:"
LIMIT = "A = np.column_stack([X, np.ones(len(X))])"
LIMIT_RET = "return 2.0 / np.linalg.eigvalsh(A.T @ A / len(X)).max()"
MOM = "v[...] = beta * v + grads[name]"
MOM_BOTH = "        v[...] = beta * v + grads[name]  # v ← βv + g: past gradients, each shrunk by β per step\n        p -= lr * v"
MOM_P = "p -= lr * v  # p ← p − ηv, with the new velocity"
ADAM_M = "m[name] = beta1 * m[name] + (1 - beta1) * g"
ADAM_V = "v[name] = beta2 * v[name] + (1 - beta2) * g ** 2"
ADAM_P = "p -= lr * m_hat / (np.sqrt(v_hat) + eps)"
ADAM_HAT = "m_hat = m[name] / (1 - beta1 ** t)  # bias correction: m and v started at 0\n        v_hat = v[name] / (1 - beta2 ** t)"
BN_FWD = "mean = x.mean(axis=0)  # μ, one per feature\n    var = ((x - mean) ** 2).mean(axis=0)"
BN_VAR = "var = ((x - mean) ** 2).mean(axis=0)"
BN_DC = "dc = dx_hat / sigma + dsigma * x_hat / n"
BN_DX = "dx = dc - dc.mean(axis=0)"
BN_BACK = ("    dx_hat = dout * gamma\n    dsigma = (dx_hat * -x_hat / sigma).sum(axis=0)  # x̂ = c / σ: ∂x̂/∂σ = −x̂/σ\n"
           "    dc = dx_hat / sigma + dsigma * x_hat / n  # directly, and through σ (∂σ/∂c_i = x̂_i / N)\n"
           "    dx = dc - dc.mean(axis=0)  # c = x − μ: the mean's path")
DO_KEEP = "keep = rng.random(x.shape) >= p"
TANH_BACK = "self.grad += (1 - out.data**2) * out.grad"
SEED = "    for node in order:\n        node.grad = 0.0\n    root.grad = 1.0  # dL/dL\n"
DO_MASK = "mask = keep / (1 - p)"
DO_BACK = "    mask = cache\n    dx = dout * mask"
DO_CACHE = ('    cache = mask\n    ### END SOLUTION\n    return out, cache\n\n\ndef dropout_backward(dout, cache):\n'
            '    """dL/dout -> dL/dx, with the forward pass\'s own mask."""\n    ### BEGIN SOLUTION\n' + DO_BACK)

# (assignment, cell, old, new, tests that must fail (space separated, without "_tests"), words the message must hold)
WRONG = [
    # 1.1 a dense layer
    (A1, "ex1_1", "x @ W + b", "x @ W", "ex1_1", "the bias is missing"),
    (A1, "ex1_1", "x @ W + b", "x @ W - b", "ex1_1", "the bias has the wrong sign"),
    (A1, "ex1_1", "x @ W + b", "W @ x + b", "ex1_1", "batch rows come first"),
    (A1, "ex1_1", "x @ W + b", "x @ W.T + b", "ex1_1", "no transpose"),
    (A1, "ex1_1", "x @ W + b", "x * W + b", "ex1_1", "entry by entry"),
    (A1, "ex1_1", "return x @ W + b", "z = x @ W + b\n    z += b\n    return z", "ex1_1", "b added twice"),
    (A1, "ex1_1", "return x @ W + b", "import nnlib\n    return nnlib.dense_forward(x, W, b)[0]", "ex1_1",
     "nnlib.dense_forward"),
    (A1, "ex1_1", "x @ W + b", "(x @ W + b).tolist()", "ex1_1", "got a list"),
    (A1, "ex1_1", "return x @ W + b", "z = x @ W + b", "ex1_1", "forget to `return`"),
    (A1, "ex1_1", "return x @ W + b", "return np.array([row @ W for row in x])", "ex1_1", "the bias is missing"),
    (A1, "ex1_1", "x @ W + b", "x @ W + b.reshape(-1, 1)", "ex1_1", "down the columns"),
    (A1, "ex1_1", "x @ W + b", "(x @ W + b).T", "ex1_1", "your z is transposed"),
    (A1, "ex1_1", "return x @ W + b", "z = x @ W\n    z[0] += b\n    return z", "ex1_1", "first row only"),
    (A1, "ex1_1", "x @ W + b", "x @ W + b.sum()", "ex1_1", "b.sum()"),
    (A1, "ex1_1", "return x @ W + b", "z = np.zeros((len(x), W.shape[1]))\n    for i in range(len(x)):\n"
     "        for j in range(W.shape[1]):\n            for k in range(W.shape[0]):\n"
     "                z[i, j] += x[i, k] * W[k, j]\n    return z", "ex1_1", "the bias is missing"),
    (A1, "ex1_1", "x @ W + b", "np.dot(x, W + b)", "ex1_1", "the bias went into the weights"),
    (A1, "ex1_1", "x @ W + b", "b * (x @ W)", "ex1_1", "multiplies by the bias"),
    (A1, "ex1_1", "x @ W + b", "np.dot(x + b, W)", "ex1_1", "added to the input before the product"),
    (A1, "ex1_1", "x @ W + b", "x @ W + np.mean(b)", "ex1_1", "the mean of the biases"),
    # 1.2 activations
    (A1, "ex1_2", SIGMOID, "return 1 / (1 + np.exp(z))", "ex1_2_sigmoid", "the exponent's sign is flipped"),
    (A1, "ex1_2", SIGMOID, "return np.exp(-z) / (1 + np.exp(-z))", "ex1_2_sigmoid", "numerator is e^(−z)"),
    (A1, "ex1_2", SIGMOID, "return 1 / 1 + np.exp(-z)", "ex1_2_sigmoid", "(1 / 1) + e^(−z)"),
    (A1, "ex1_2", SIGMOID, "import math\n    return 1 / (1 + math.exp(-z))", "ex1_2_sigmoid", "math functions take one"),
    (A1, "ex1_2", SIGMOID, "import nnlib\n    return nnlib.sigmoid(z)", "ex1_2_sigmoid", "nnlib.sigmoid"),
    (A1, "ex1_2", SIGMOID, "return np.exp(-z)", "ex1_2_sigmoid", "e^(−z) alone"),
    (A1, "ex1_2", SIGMOID, "return 1 / (1 - np.exp(-z))", "ex1_2_sigmoid", "needs a plus"),
    (A1, "ex1_2", SIGMOID, "s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)", "ex1_2_sigmoid", "the derivative s(1 − s)"),
    (A1, "ex1_2", TANH, "return (ez - emz) / 2", "ex1_2_tanh", "sinh"),
    (A1, "ex1_2", TANH, "return np.tanh(z)", "ex1_2_tanh", "np.tanh"),
    (A1, "ex1_2", TANH, "import math\n    return np.vectorize(math.tanh)(z)", "ex1_2_tanh", "math.tanh"),
    (A1, "ex1_2", TANH, "return ez - emz / ez + emz", "ex1_2_tanh", "without brackets"),
    (A1, "ex1_2", TANH, "return (ez + emz) / (ez - emz)", "ex1_2_tanh", "upside down"),
    (A1, "ex1_2", TANH, "return (emz - ez) / (ez + emz)", "ex1_2_tanh", "−tanh(z)"),
    (A1, "ex1_2", TANH, "return 2 * sigmoid(z) - 1", "ex1_2_tanh", "2·sigmoid(2z) − 1"),
    (A1, "ex1_2", RELU, "return np.max(z, 0)", "ex1_2_relu", "np.max(z, 0) takes the largest entry"),
    (A1, "ex1_2", RELU, "return np.minimum(z, 0)", "ex1_2_relu", "keep the negative part"),
    (A1, "ex1_2", RELU, "return max(0, z)", "ex1_2_relu", "a whole array is True"),
    (A1, "ex1_2", RELU, "z[z < 0] = 0\n    return z", "ex1_2_relu", "changed its input z in place"),
    (A1, "ex1_2", RELU, "return (z > 0) * 1.0", "ex1_2_relu", "relu's derivative"),
    (A1, "ex1_2", RELU, "return np.abs(z)", "ex1_2_relu", "|z|"),
    (A1, "ex1_2", RELU, "if z > 0:\n        return z\n    return 0 * z", "ex1_2_relu", "a whole array is True"),
    (A1, "ex1_2", RELU, "import nnlib\n    return nnlib.relu(z)", "ex1_2_relu", "nnlib.relu"),
    (A1, "ex1_2", RELU, "return z[z > 0]", "ex1_2_relu", "keeps only the positive entries"),
    (A1, "ex1_2", RELU, "return z > 0", "ex1_2_relu", "relu's derivative"),
    (A1, "ex1_2", TANH, "return np.sinh(z) / np.cosh(-z) * -1", "ex1_2_tanh", "−tanh(z)"),
    (A1, "ex1_2", SIGMOID, "return 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z)))", "ex1_2_sigmoid",
     "the derivative s(1 − s)"),
    # 1.3 MSE
    (A1, "ex1_3", MSE, "return np.sum(diff ** 2) / n, diff / n", "ex1_3_loss", "no ½"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2), diff / n", "ex1_3_loss", "the sum over the batch"),
    (A1, "ex1_3", MSE, "return 0.5 * np.mean(diff ** 2), diff / n", "ex1_3_loss", "averages over all N·k"),
    (A1, "ex1_3", MSE, "return np.mean(diff ** 2), diff / n", "ex1_3_loss", "np.mean((ŷ − y)²)"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(np.abs(diff)) / n * 2, diff / n", "ex1_3_loss", "absolute errors"),
    (A1, "ex1_3", MSE, "return 0.5 * diff ** 2 / n, diff / n", "ex1_3_loss", "should be a number"),
    (A1, "ex1_3", MSE, "return np.sqrt(np.mean(diff ** 2)), diff / n", "ex1_3_loss", "RMSE"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n, -diff / n", "ex1_3_gradient", "sign flipped"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n, diff", "ex1_3_gradient", "without the 1/N"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n, 2 * diff / n", "ex1_3_gradient", "cancels with the ½"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n, diff / y.size", "ex1_3_gradient", "divides by N·k"),
    (A1, "ex1_3", "diff = y_hat - y", "diff = y_hat\n    diff -= y", "ex1_3_loss ex1_3_gradient",
     "changed its input y_hat in place"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n", "ex1_3_loss ex1_3_gradient", "should return a tuple"),
    (A1, "ex1_3", MSE, "return 0.5 * np.linalg.norm(diff) / n, diff / n", "ex1_3_loss", "without squaring it"),
    (A1, "ex1_3", MSE, "return np.linalg.norm(diff) / n, diff / n", "ex1_3_loss", "without squaring it"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n, 0.5 * diff ** 2 / n", "ex1_3_gradient",
     "not its derivative"),
    (A1, "ex1_3", MSE, "k = y.shape[1]\n    return 0.5 * np.sum(diff ** 2) / n, diff / k", "ex1_3_gradient", "divides by k = 3"),
    # 1.4 BCE
    (A1, "ex1_4", BCE_LOSS, "loss = np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / n", "ex1_4_loss", "is negative"),
    (A1, "ex1_4", BCE_LOSS, "loss = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))", "ex1_4_loss", "the sum, not the mean"),
    (A1, "ex1_4", BCE_LOSS, "loss = -np.sum(y * np.log(p)) / n", "ex1_4_loss", "only the y log p term"),
    (A1, "ex1_4", BCE_LOSS, "loss = -np.sum(y * np.log10(p) + (1 - y) * np.log10(1 - p)) / n", "ex1_4_loss", "log10"),
    (A1, "ex1_4", BCE_LOSS, "loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)) / n", "ex1_4_loss",
     "should be a number"),
    (A1, "ex1_4", "n = p.size", "n = len(p)", "ex1_4_loss ex1_4_gradient", "number of rows"),
    (A1, "ex1_4", BCE_GRAD, "return loss, (y - p) / (p * (1 - p)) / n", "ex1_4_gradient", "sign flipped"),
    (A1, "ex1_4", BCE_GRAD, "return loss, (p - y) / (p * (1 - p))", "ex1_4_gradient", "missing the 1/N"),
    (A1, "ex1_4", BCE_GRAD, "return loss, (p - y) / n", "ex1_4_gradient", "with respect to the logit z"),
    (A1, "ex1_4", BCE_GRAD, "return loss, (-y / p - (1 - y) / (1 - p)) / n", "ex1_4_gradient", "+(1 − y)/(1 − p)"),
    (A1, "ex1_4", BCE_GRAD, "return loss, -y / p / n", "ex1_4_gradient", "first term only"),
    (A1, "ex1_4", "n = p.size", "n = p.size\n    p = np.clip(p, 0.1, 0.9)", "ex1_4_loss ex1_4_gradient",
     "clipped to [0.1, 0.9]"),
    (A1, "ex1_4", "n = p.size", "n = p.size\n    p = np.clip(p, 0.01, 0.99)", "ex1_4_loss ex1_4_gradient",
     "clipped to [0.01, 0.99]"),
    (A1, "ex1_4", BCE_GRAD, "import nnlib\n    return nnlib.bce_loss(p, y)", "ex1_4_loss ex1_4_gradient",
     "nnlib.bce_loss"),
    (A1, "ex1_4", BCE_LOSS, "loss = -(np.sum(y * np.log(p)) - np.sum((1 - y) * np.log(1 - p))) / n", "ex1_4_loss", "subtracts the second term"),
    # 2.1–2.3 derivatives
    (A2, "ex2_1", "return s * (1 - s)", "return s", "ex2_1", "sigmoid(z) itself"),
    (A2, "ex2_1", "return s * (1 - s)", "return z * (1 - z)", "ex2_1", "applied to z instead of"),
    (A2, "ex2_1", "return s * (1 - s)", "return s * (1 + s)", "ex2_1", "needs a minus"),
    (A2, "ex2_1", "return s * (1 - s)", "return -s * (1 - s)", "ex2_1", "is positive"),
    (A2, "ex2_1", "return s * (1 - s)", "return 1 - s", "ex2_1", "a factor s is missing"),
    (A2, "ex2_1", "return s * (1 - s)", "return s ** 2", "ex2_1", "not s·s"),
    (A2, "ex2_1", "return s * (1 - s)", "return s * (1 - s) ** 2", "ex2_1", "second factor is squared"),
    (A2, "ex2_1", "s = sigmoid(z)", "s = 1 / 1 + np.exp(-z)", "ex2_1", "(1 / 1) + e^(−z)"),
    (A2, "ex2_1", "s = sigmoid(z)\n    return s * (1 - s)", "import nnlib\n    return nnlib.sigmoid_prime(z)", "ex2_1",
     "nnlib.sigmoid_prime"),
    (A2, "ex2_1", "s = sigmoid(z)\n    return s * (1 - s)", 'return ACTIVATIONS["sigmoid"][1](z)', "ex2_1",
     "ACTIVATIONS"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 - z ** 2", "ex2_2", "z is where tanh(z) belongs"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return np.tanh(z)", "ex2_2", "tanh(z) itself"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 + np.tanh(z) ** 2", "ex2_2", "1 + tanh(z)²"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z)", "ex2_2", "the square is missing"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return (1 - np.tanh(z)) ** 2", "ex2_2", "square tanh(z) first"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z ** 2)", "ex2_2", "square after taking tanh"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return np.tanh(z) ** 2 - 1", "ex2_2", "the sign flipped"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "import nnlib\n    return nnlib.tanh_prime(z)", "ex2_2",
     "nnlib.tanh_prime"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return np.sign(z)", "ex2_3", "np.sign(z) is −1"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return (z >= 0).astype(float)", "ex2_3", "not z >= 0"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return np.ones_like(z)", "ex2_3", "1 everywhere"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return np.maximum(z, 0)", "ex2_3", "relu(z) itself"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return 1.0 if z > 0 else 0.0", "ex2_3", "a whole array is True"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return (z < 0) * 1.0", "ex2_3", "the wrong way round"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return (z != 0).astype(float)", "ex2_3", "wherever z ≠ 0"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "z[z > 0] = 1\n    z[z <= 0] = 0\n    return z", "ex2_3",
     "changed its input z in place"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "t = np.tanh(z)\n    return 1 - t ^ 2", "ex2_2", "`^` is bitwise XOR"),
    # 2.4 the chain rule
    (A2, "ex2_4", "return y_hat - y,", "return y - y_hat,", "ex2_4", "the sign flipped"),
    (A2, "ex2_4", "return y_hat - y,", "return 2 * (y_hat - y),", "ex2_4", "the ½ cancels the 2"),
    (A2, "ex2_4", "y_hat * (1 - y_hat), x", "y_hat, x", "ex2_4", "its derivative s(1 − s)"),
    (A2, "ex2_4", "y_hat * (1 - y_hat), x", "y_hat * (1 - y_hat), w", "ex2_4", "∂z/∂w = x"),
    (A2, "ex2_4", "y_hat * (1 - y_hat), x", "y_hat * (1 - y_hat), 1", "ex2_4", "which is ∂z/∂b"),
    (A2, "ex2_4", "y_hat * (1 - y_hat), x", "(w * x + b) * (1 - (w * x + b)), x", "ex2_4", "not to z"),
    (A2, "ex2_4", "y_hat * (1 - y_hat), x", "y_hat * (1 - y_hat)", "ex2_4", "should return a tuple"),
    (A2, "ex2_4", "return y_hat - y,", "return 0.5 * (y_hat - y) ** 2,", "ex2_4", "the loss ½(ŷ − y)² itself"),
    (A2, "ex2_4", "y_hat * (1 - y_hat), x", "sigmoid(w) * (1 - sigmoid(w)), x", "ex2_4", "sigmoid's derivative taken at w"),
    # 2.5 one neuron
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) / len(x)", "ex2_5_dw ex2_5_db", "the f'(z) factor is missing"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f_prime(f(z)) / len(x)", "ex2_5_dw ex2_5_db", "applied to a = f(z)"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f(z) / len(x)", "ex2_5_dw ex2_5_db", "f(z) stands where"),
    (A2, "ex2_5", NEURON, "delta = (y - f(z)) * f_prime(z) / len(x)", "ex2_5_dw ex2_5_db", "sign flipped"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f_prime(z)", "ex2_5_dw ex2_5_db", "the sum over the batch"),
    (A2, "ex2_5", NEURON, "delta = (z - y) * f_prime(z) / len(x)", "ex2_5_dw ex2_5_db", "the error is z − y"),
    (A2, "ex2_5", "return x.T @ delta, delta.sum()", "return x.T @ delta, 0.0", "ex2_5_db", "your db is 0"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f_prime(x @ w) / len(x)", "ex2_5_dw ex2_5_db", "without the bias"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f_prime(z) / len(x) / len(x)", "ex2_5_dw ex2_5_db",
     "divided by N = 5 twice"),
    (A2, "ex2_5", "return x.T @ delta, delta.sum()", "return x.T @ delta, delta.mean()", "ex2_5_db", "divided by N"),
    (A2, "ex2_5", "return x.T @ delta, delta.sum()", "return x @ delta, delta.sum()", "ex2_5_dw ex2_5_db",
     "raised ValueError"),
    (A2, "ex2_5", "return x.T @ delta, delta.sum()", "return x.T @ delta, delta", "ex2_5_db", "should be a number"),
    (A2, "ex2_5", "return x.T @ delta, delta.sum()", "return (x.T @ delta)[:, None], delta.sum()", "ex2_5_dw",
     "expected shape"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f(z) * (1 - f(z)) / len(x)", "ex2_5_dw ex2_5_db", "a(1 − a), sigmoid's derivative, written out"),
    # 3.1 a layer's backward pass
    (A3, "ex3_1", LAYER, "return dz @ W, x.T @ dz, dz.sum(axis=0)", "ex3_1_dx ex3_1_dW ex3_1_db", "Wᵀ, not W"),
    (A3, "ex3_1", LAYER, "return -dz @ W.T, x.T @ dz, dz.sum(axis=0)", "ex3_1_dx", "sign flipped: dx = dz @ W.T"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, dz.T @ x, dz.sum(axis=0)", "ex3_1_dW", "the transpose of the right one"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz / len(x), dz.sum(axis=0)", "ex3_1_dW", "already carries the 1/N"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz, np.zeros(W.shape[1])", "ex3_1_db", "your db is 0"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz, dz.mean(axis=0)", "ex3_1_db", "averages over the batch"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz, dz.sum()", "ex3_1_db", "sums over every entry"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz, dz.sum(axis=1)", "ex3_1_db", "the wrong axis"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz, dz[0]", "ex3_1_db", "first row of dz only"),
    (A3, "ex3_1", LAYER, "return dense_backward(dz, (x, W))", "ex3_1_dx ex3_1_dW ex3_1_db", "nnlib.dense_backward"),
    (A3, "ex3_1", LAYER, "return nnlib.dense_backward(dz, (x, W))", "ex3_1_dx ex3_1_dW ex3_1_db",
     "nnlib.dense_backward"),
    # 3.2 a network's backward pass (3.4's last point uses it: the notebook says so)
    (A3, "ex3_2", NET_DZ1, "dz1 = da1", "ex3_2_hidden_layer ex3_4_your_network", "the f'(z1) factor is missing"),
    (A3, "ex3_2", NET_DZ1, 'dz1 = da1 * sigmoid_prime(cache["a1"])', "ex3_2_hidden_layer ex3_4_your_network",
     "applied to a1 instead of z1"),
    (A3, "ex3_2", NET_DZ1, 'dz1 = da1 * cache["a1"]', "ex3_2_hidden_layer ex3_4_your_network", "stands where its derivative"),
    (A3, "ex3_2", NET_DY, "dy_hat = (y - y_hat) / len(y)", "ex3_2_output_layer ex3_2_hidden_layer ex3_4_your_network",
     "sign flipped"),
    (A3, "ex3_2", NET_DY, "dy_hat = y_hat - y", "ex3_2_output_layer ex3_2_hidden_layer ex3_4_your_network",
     "times too large"),
    (A3, "ex3_2", NET_DY, "_, dy_hat = mse_loss(y_hat, y)\n    dy_hat = dy_hat / len(y)",
     "ex3_2_output_layer ex3_2_hidden_layer ex3_4_your_network", "twice"),
    (A3, "ex3_2", 'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}', 'return {"W1": dW1, "b1": db1, "W2": dW2}',
     "ex3_2_output_layer ex3_4_your_network", "missing from the returned dict"),
    (A3, "ex3_2", 'return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
     'return {"W1": dW1, "b1": 0 * db1, "W2": dW2, "b2": db2}', "ex3_2_hidden_layer ex3_4_your_network", "your db1 is 0"),
    (A3, "ex3_2", NET_DY, "y_hat -= y\n    dy_hat = y_hat / len(y)",
     "ex3_2_output_layer ex3_2_hidden_layer", "changed its input y_hat in place"),
    (A3, "ex3_2", 'da1, dW2, db2 = dense_backward(dy_hat, (cache["a1"], params["W2"]))',
     'dW2, db2 = cache["a1"].T @ dy_hat, dy_hat.sum(axis=0)\n    da1 = dy_hat @ params["W2"]',
     "ex3_2_output_layer ex3_2_hidden_layer ex3_4_your_network", "da1 = dz2 @ W2.T"),
    (A3, "ex3_2", NET_DZ1, 'dz1 = da1 * (cache["z1"] > 0)', "ex3_2_hidden_layer ex3_4_your_network", "relu's derivative"),
    # 3.3 central differences
    (A3, "ex3_3", "grad = np.zeros_like(x)", "grad = x", "ex3_3", "grad = x"),
    (A3, "ex3_3", "for i in np.ndindex(x.shape):", "for i in range(len(x)):", "ex3_3", "np.ndindex(x.shape)"),
    (A3, "ex3_3", NUM, "grad[i] = (f_plus - f(x)) / h", "ex3_3", "the forward difference"),
    (A3, "ex3_3", NUM, "grad[i] = (f_plus - f_minus) / h", "ex3_3", "divide by 2h, not h"),
    (A3, "ex3_3", NUM, "grad[i] = (f_minus - f_plus) / (2 * h)", "ex3_3", "sign flipped"),
    (A3, "ex3_3", "        x[i] = old\n", "", "ex3_3", "put each entry back"),
    (A3, "ex3_3", "grad = np.zeros_like(x)", "grad = np.zeros_like(x)\n    h = 1e-12", "ex3_3",
     "set h to a number of its own"),
    (A3, "ex3_3", "x[i] = old + h\n        f_plus = f(x)\n        x[i] = old - h\n        f_minus = f(x)",
     "xp, xm = x.copy(), x.copy()\n        xp[i], xm[i] = old + h, old - h\n        f_plus, f_minus = f(xp), f(xm)",
     "ex3_3", "perturbed a copy of x"),
    (A3, "ex3_3", "for i in np.ndindex(x.shape):", "for i in range(len(x)):", "ex3_3", "entries of x moved at once"),
    (A3, "ex3_3", "        x[i] = old\n", "        x[i] = old\n        x = x.copy()\n", "ex3_3", "perturbed a copy of x"),
    (A3, "ex3_3", "return grad", "return grad.tolist()", "ex3_3", "got a list"),
    (A3, "ex3_3", NUM, "grad[i] = f_plus - f_minus", "ex3_3", "without the division by 2h"),
    (A3, "ex3_3", NUM, "grad[i] = (f_plus - f_minus) / 2 * h", "ex3_3", "(… / 2) * h"),
    (A3, "ex3_3", "grad = np.zeros_like(x)", "x = x.astype(np.float32)\n    grad = np.zeros_like(x)", "ex3_3",
     "float32 copy of x"),
    (A3, "ex3_3", "grad = np.zeros_like(x)", "return nnlib.numerical_gradient(f, x, h)", "ex3_3",
     "nnlib.numerical_gradient"),
    (A3, "ex3_3", "x[i] = old - h", "x[i] = x[i] - h", "ex3_3", "your f_minus is f(x) itself"),
    (A3, "ex3_3", NUM, "grad[i] = (f_plus - f_minus) / (2 * 0.0001)", "ex3_3", "a number of its own"),
    # 3.4 a gradient check
    (A3, "ex3_4", CHECK, "errors[name] = float(np.max(np.abs(grads[name] - numeric)))", "ex3_4", "absolute error"),
    (A3, "ex3_4", CHECK, "errors[name] = float(np.mean(np.abs(grads[name] - numeric)))", "ex3_4",
     "mean absolute difference"),
    (A3, "ex3_4", CHECK, "a, b = grads[name], numeric\n        errors[name] = np.linalg.norm(a - b) / "
     "(np.linalg.norm(a) + np.linalg.norm(b))", "ex3_4", "2-norms"),
    (A3, "ex3_4", "numeric = nnlib.numerical_gradient(lambda _: loss_of(params), param, h)",
     "numeric = nnlib.numerical_gradient(lambda _: loss_of(params), param.copy(), h)",
     "ex3_4 ex3_4_your_network", "does not read the array it is given"),
    (A3, "ex3_4", CHECK, "errors[name] = nnlib.rel_error(grads[name], grads[name])", "ex3_4",
     "the check must flag them"),
    (A3, "ex3_4", CHECK, "a, b = grads[name], numeric\n        errors[name] = float(np.mean(np.abs(a - b) / "
     "np.maximum(1e-8, np.abs(a) + np.abs(b))))", "ex3_4", "the largest one (max)"),
    (A3, "ex3_4", CHECK, "errors[name] = float(np.max(np.abs(grads[name] - numeric) / np.abs(numeric)))", "ex3_4",
     "divides by |b| alone"),
    (A3, "ex3_4", "return errors", "return list(errors.values())", "ex3_4 ex3_4_your_network", "should return a dict"),
    (A3, "ex3_4", CHECK, "a, b = grads[name], numeric\n        errors[name] = float((np.abs(a - b) / (np.abs(a) + np.abs(b))).max())", "ex3_4", "what 0/0 gives"),
    # 4.1 the update rule
    (A4, "ex4_1", SGD, "p += lr * grads[name]", "ex4_1", "moved uphill"),
    (A4, "ex4_1", SGD, "p -= grads[name]", "ex4_1", "the learning rate is missing"),
    (A4, "ex4_1", "for name, p in params.items():\n        p -= lr * grads[name]",
     "for name in params:\n        params[name] = params[name] - lr * grads[name]", "ex4_1", "a new array"),
    (A4, "ex4_1", SGD, "p = p - lr * grads[name]", "ex4_1", "`p = p - lr * g`"),
    (A4, "ex4_1", SGD, "g = grads[name]\n        g *= lr\n        p -= g", "ex4_1", "the gradients must be left alone"),
    (A4, "ex4_1", SGD, "if name.startswith('W'):\n            p -= lr * grads[name]", "ex4_1", "the bias needs"),
    (A4, "ex4_1", SGD, "p -= grads[name] / lr", "ex4_1", "do not divide"),
    (A4, "ex4_1", "for name, p in params.items():\n        p -= lr * grads[name]",
     "nnlib.sgd_step([(params[k], grads[k]) for k in params], lr)", "ex4_1", "nnlib.sgd_step"),
    # 4.2 mini-batches
    (A4, "ex4_2", BATCH, "order = np.arange(n)", "ex4_2", "forgot to shuffle"),
    (A4, "ex4_2", BATCH, "order = np.random.permutation(n)", "ex4_2", "global random state"),
    (A4, "ex4_2", BATCH, "order = np.random.default_rng(0).permutation(n)", "ex4_2", "a fixed seed"),
    (A4, "ex4_2", BATCH, "order = rng.integers(0, n, size=n)", "ex4_2", "with replacement"),
    (A4, "ex4_2", BATCH, "order = rng.choice(n, n)", "ex4_2", "with replacement"),
    (A4, "ex4_2", "range(0, n, batch_size)", "range(0, n - batch_size + 1, batch_size)", "ex4_2",
     "the last, smaller batch was dropped"),
    (A4, "ex4_2", BATCHES, "return np.array_split(order, batch_size)", "ex4_2", "np.array_split(order, batch_size)"),
    (A4, "ex4_2", BATCH, "order = rng.permutation(n)\n    order = np.concatenate([order, order[:(-n) % batch_size]])",
     "ex4_2", "filled up to batch_size"),
    (A4, "ex4_2", BATCHES, "return [list(order[s:s + batch_size]) for s in range(0, n, batch_size)]", "ex4_2",
     "Python list"),
    (A4, "ex4_2", BATCHES, "return (order[s:s + batch_size] for s in range(0, n, batch_size))", "ex4_2", "generator"),
    (A4, "ex4_2", BATCH, "order = rng.permutation(n) + 1", "ex4_2", "did you add 1"),
    (A4, "ex4_2", BATCH, "order = rng.permutation(n).astype(float)", "ex4_2", "integer row indices"),
    (A4, "ex4_2", "start:start + batch_size", "start:start + batch_size - 1", "ex4_2", "the slices skip rows"),
    (A4, "ex4_2", BATCHES, "return [order[s:s + batch_size] for s in range(0, n, batch_size)][::-1][:1]", "ex4_2",
     "rows are never used"),
    (A4, "ex4_2", BATCHES, "return np.split(order, batch_size)", "ex4_2", "parts of equal size"),
    # 4.3 when to stop
    (A4, "ex4_3", STOP, "elif epoch - best_epoch > patience:", "ex4_3", "stopped one epoch late"),
    (A4, "ex4_3", STOP, "elif epoch - best_epoch >= patience - 1:", "ex4_3", "stopped one epoch early"),
    (A4, "ex4_3", "if loss < best:", "if loss <= best:", "ex4_3", "counted a tie as an improvement"),
    (A4, "ex4_3", STOP, "elif epoch - best_epoch >= 1:", "ex4_3", "the first epoch without improvement"),
    (A4, "ex4_3", "if loss < best:", "if loss < best - 1e-3:", "ex4_3", "val_losses=[1.0, 0.9, 0.8999"),
    (A4, "ex4_3", "best, best_epoch = float(\"inf\"), None\n    for epoch, loss in enumerate(val_losses):\n"
     "        if loss < best:\n            best, best_epoch = loss, epoch\n        elif epoch - best_epoch >= patience:\n"
     "            return epoch",
     "best, waited = float(\"inf\"), 0\n    for epoch, loss in enumerate(val_losses):\n        if loss < best:\n"
     "            best = loss\n        else:\n            waited += 1\n            if waited >= patience:\n"
     "                return epoch", "ex4_3", "never reset"),
    (A4, "ex4_3", "            return epoch", "            return best_epoch", "ex4_3", "returned the best epoch"),
    (A4, "ex4_3", "            return epoch", "            return epoch + 1", "ex4_3", "counted epochs from 1"),
    (A4, "ex4_3", "            return epoch", "            return epoch - 1", "ex4_3", "returned epoch − 1"),
    (A4, "ex4_3", "    return None", "    return len(val_losses) - 1", "ex4_3", "return None then"),
    (A4, "ex4_3", "best, best_epoch = float(\"inf\"), None", "return nnlib.early_stopping_epoch(val_losses, patience)",
     "ex4_3", "nnlib.early_stopping_epoch"),
    (A4, "ex4_3", "for epoch, loss in enumerate(val_losses):", "for epoch in range(1, len(val_losses)):\n        loss = val_losses[epoch]", "ex4_3", "skipped epoch 0"),
    (A4, "ex4_3", "if loss < best:", "if epoch == 0 or loss < val_losses[epoch - 1]:", "ex4_3", "compared with the epoch before's"),
    # 4.4 a training loop
    (A4, "ex4_4", "p[...] = weights", "pass", "ex4_4", "kept the last epoch's weights"),
    (A4, "ex4_4", "p -= lr * g", "p = p - lr * g", "ex4_4", "the weights never changed"),
    (A4, "ex4_4", "p -= lr * g", "p = p.copy() - lr * g", "ex4_4", "in place"),
    (A4, "ex4_6", "p -= lr * g", "p = p - lr * g", "ex4_6_runs", "the weights never changed"),
    (A4, "ex4_4", "saved = [p.copy() for p, _ in model.parameters()]", "saved = [p for p, _ in model.parameters()]",
     "ex4_4", "a saved reference keeps changing"),
    (A4, "ex4_4", "val = nnlib.mse_loss(model.forward(X_val), y_val)[0]", "val = nnlib.mse_loss(model.forward(X), y)[0]",
     "ex4_4", "validated on the training set"),
    (A4, "ex4_4", "if val < best:", "if val <= best:", "ex4_4", "counted a tie as an improvement"),
    (A4, "ex4_4", "    best, saved = float(\"inf\"), None\n",
     "    best, saved = float(\"inf\"), None\n"
     "    history[\"val_loss\"].append(nnlib.mse_loss(model.forward(X_val), y_val)[0])\n",
     "ex4_4", "before the first epoch's training and recorded it"),
    (A4, "ex4_4", "total += loss * len(Xb)", "total += loss * batch_size", "ex4_4", "weighted by batch size"),
    (A4, "ex4_4", "order = rng.permutation(len(X))", "order = np.arange(len(X))", "ex4_4", "forgot to shuffle"),
    (A4, "ex4_4", "p -= lr * g", "p -= 0.1 * g", "ex4_4", "as if lr were 0.1"),
    (A4, "ex4_4", "elif epoch - history[\"best_epoch\"] >= patience:", "elif epoch - history[\"best_epoch\"] > patience:",
     "ex4_4", "stopped one epoch late"),
    (A4, "ex4_4", "        elif epoch - history[\"best_epoch\"] >= patience:\n            break", "", "ex4_4",
     "never stopped early"),
    (A4, "ex4_4", "best, history[\"best_epoch\"] = val, epoch", "best, history[\"best_epoch\"] = val, epoch + 1",
     "ex4_4", "counting from 1"),
    (A4, "ex4_4", "model.backward(dy_hat)", "model.backward(dy_hat * len(Xb))", "ex4_4", "missing the 1/N"),
    (A4, "ex4_4", "return history", "pass", "ex4_4", "forget to `return`"),
    (A4, "ex4_4", "order = rng.permutation(len(X))", "order = np.random.permutation(len(X))", "ex4_4",
     "global random state"),
    (A4, "ex4_4", "p -= lr * g", "p += lr * g", "ex4_4", "updated with +η"),
    (A4, "ex4_4", "            model.backward(dy_hat)\n            for p, g in model.parameters():\n"
     "                p -= lr * g\n", "            for p, g in model.parameters():\n                p -= lr * g\n"
     "            model.backward(dy_hat)\n", "ex4_4", "the update came before model.backward"),
    (A4, "ex4_4", "            Xb, yb = X[rows], y[rows]",
     "            Xb, yb = X[rows], y[rng.permutation(len(X))[start:start + batch_size]]", "ex4_4",
     "X and y were shuffled separately"),
    (A4, "ex4_4", "for epoch in range(max_epochs):", "for epoch in range(5):", "ex4_4",
     "loop `for epoch in range(max_epochs)`"),
    (A4, "ex4_4", "total += loss * len(Xb)", "total += loss", "ex4_4", "without weighting them"),
    (A4, "ex4_4", "            for p, g in model.parameters():\n                p -= lr * g\n",
     "            nnlib.sgd_step(model.parameters(), lr)\n", "ex4_4", "nnlib.sgd_step"),
    (A4, "ex4_4", "history = {\"train_loss\": [], \"val_loss\": [], \"best_epoch\": None}",
     "return nnlib.train(model, 'mse', X, y, X_val=X_val, y_val=y_val, lr=lr, batch_size=batch_size, "
     "max_epochs=max_epochs, patience=patience, rng=rng)", "ex4_4", "nnlib.train"),
    (A4, "ex4_4", "Xb, yb = X[rows], y[rows]", "Xb, yb = X, y", "ex4_4", "took the whole training set"),
    # 4.5 the stability limit
    (A4, "ex4_5", LIMIT, "A = X", "ex4_5", "leaves out the bias"),
    (A4, "ex4_5", LIMIT_RET, "return 2.0 / np.linalg.eigvalsh(A.T @ A).max()", "ex4_5", "AᵀA instead of AᵀA / N"),
    (A4, "ex4_5", LIMIT_RET, "return 1.0 / np.linalg.eigvalsh(A.T @ A / len(X)).max()", "ex4_5", "1 / λ_max"),
    (A4, "ex4_5", LIMIT_RET, "return 2.0 / np.linalg.eigvalsh(A.T @ A / len(X)).min()", "ex4_5",
     "the smallest eigenvalue"),
    (A4, "ex4_5", LIMIT_RET, "return 2.0 / np.trace(A.T @ A / len(X))", "ex4_5", "the trace"),
    (A4, "ex4_5", LIMIT_RET, "return np.linalg.eigvalsh(A.T @ A / len(X)).max() / 2", "ex4_5", "upside down"),
    (A4, "ex4_5", LIMIT_RET, "return np.array([2.0 / np.linalg.eigvalsh(A.T @ A / len(X)).max()])", "ex4_5",
     "should be a number"),
    (A4, "ex4_5", LIMIT_RET, "return nnlib.dynamics.stability_limit(A.T @ A / len(X))", "ex4_5", "stability_limit"),
    (A4, "ex4_5", LIMIT_RET, "return 2.0 / np.abs(np.linalg.eig(A.T @ A / len(X))[1]).max()", "ex4_5", "eigenvectors"),
    # 4.6 the learning rate, answered with a plot
    (A4, "ex4_6", "model.forward(X_lr), y_lr)", "model.forward(X_lr[:16]), y_lr[:16])", "ex4_6_runs",
     "not full-batch gradient descent"),
    (A4, "ex4_6", "p -= lr * g", "p -= learning_rates[0] * g", "ex4_6_runs", "with lr = 0.05, not 0.2"),
    (A4, "ex4_6", "    model = nnlib.mlp([2, 1], rng=np.random.default_rng(1))\n    losses = []\n    for _epoch in range(40):\n        loss, dy_hat = nnlib.mse_loss(model.forward(X_lr), y_lr)\n        model.backward(dy_hat)\n        for p, g in model.parameters():\n            p -= lr * g\n        losses.append(loss)",
     "    net = nnlib.mlp([2, 1], rng=np.random.default_rng(1))\n    losses = []\n    for _epoch in range(40):\n        _, dy_hat = nnlib.mse_loss(net.forward(X_lr), y_lr)\n        net.backward(dy_hat)\n        for p, g in net.parameters():\n            p -= lr * g\n        losses.append(nnlib.mse_loss(net.forward(X_lr), y_lr)[0])",
     "ex4_6_runs", "the loss of the model after its last step"),
    (A4, "ex4_6", "runs[lr] = {", "runs[str(lr)] = {", "ex4_6_runs ex4_6_answer",
     "no entry for lr = 0.05"),
    (A4, "ex4_6", "plot_loss_curves(runs[lr]", "plot_loss_curves(runs[str(lr)]", "ex4_6_runs ex4_6_answer",
     "KeyError"),
    (A4, "ex4_6", "diverging_lrs = [0.6]", "diverging_lrs = [0.4, 0.6]", "ex4_6_answer", "these converge"),
    (A4, "ex4_6", "diverging_lrs = [0.6]", "diverging_lrs = []", "ex4_6_answer", "these diverge"),
    (A4, "ex4_6", "diverging_lrs = [0.6]", "diverging_lrs = 0.6", "ex4_6_answer", "should be a list"),
    (A4, "ex4_6", "for _epoch in range(40):", "for _epoch in range(5):", "ex4_6_runs", "the text asks for 40 epochs"),
    (A4, "ex4_6", "        losses.append(loss)\n", "        losses.append(loss)\n"
     "    losses.append(nnlib.mse_loss(model.forward(X_lr), y_lr)[0])\n", "ex4_6_runs", "one too many"),
    (A4, "ex4_6", "        losses.append(loss)\n", "        loss = nnlib.mse_loss(model.forward(X_lr), y_lr)[0]  # after the step\n        losses.append(loss)\n", "ex4_6_runs", "taken after the epoch's step"),
    # 5.1 the operations
    (A5, "ex5_1", "            self.grad += out.grad\n            other.grad += out.grad",
     "            self.grad = out.grad\n            other.grad = out.grad", "ex5_1_add_mul", "overwrites"),
    (A5, "ex5_1", "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad", "ex5_1_add_mul ex5_3",
     "swapped"),
    (A5, "ex5_1", "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "self.grad += other.data\n            other.grad += self.data", "ex5_1_add_mul ex5_3",
     "not multiplied by out.grad"),
    (A5, "ex5_1", "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "self.grad += out.grad\n            other.grad += out.grad", "ex5_1_add_mul ex5_3", "the other factor"),
    (A5, "ex5_1", "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
     "self.grad = other.data * out.grad\n            other.grad = self.data * out.grad", "ex5_1_add_mul",
     "overwrites"),
    (A5, "ex5_1", "out = Value(self.data + other.data, (self, other))", "out = Value(self.data + other.data)",
     "ex5_1_add_mul ex5_3", "_parents should hold"),
    (A5, "ex5_1", "    def __add__(self, other):\n        \"\"\"self + other; other may be a plain number.\"\"\"\n"
     "        other = other if isinstance(other, Value) else Value(other)",
     "    def __add__(self, other):\n        \"\"\"self + other; other may be a plain number.\"\"\"", "ex5_1_add_mul",
     "'float' object has no attribute 'data'"),
    (A5, "ex5_1", "self.grad += k * self.data ** (k - 1) * out.grad", "self.grad += self.data ** (k - 1) * out.grad",
     "ex5_1_pow_exp_tanh", "missing the factor k"),
    (A5, "ex5_1", "self.grad += k * self.data ** (k - 1) * out.grad", "self.grad += k * self.data ** k * out.grad",
     "ex5_1_pow_exp_tanh", "yours is k * a**k"),
    (A5, "ex5_1", "self.grad += out.data * out.grad\n", "self.grad += self.data * out.grad\n", "ex5_1_pow_exp_tanh",
     "yours uses a"),
    (A5, "ex5_1", "self.grad += (1 - out.data**2) * out.grad", "self.grad += (1 - self.data**2) * out.grad",
     "ex5_1_pow_exp_tanh ex5_3", "uses 1 − a²"),
    (A5, "ex5_1", "self.grad += (1 - out.data**2) * out.grad", "self.grad += out.data * out.grad",
     "ex5_1_pow_exp_tanh ex5_3", "not t"),
    (A5, "ex5_1", "self.grad += (1 - out.data**2) * out.grad", "self.grad += (1 - out.data) * out.grad",
     "ex5_1_pow_exp_tanh ex5_3", "the square is missing"),
    (A5, "ex5_1", "self.grad += (1 - out.data**2) * out.grad", "self.grad = (1 - out.data**2) * out.grad",
     "ex5_1_pow_exp_tanh", "overwrites"),
    (A5, "ex5_1", "class Value:", "import nnlib\n\n\nclass Value(nnlib.graph.Value):", "ex5_1_add_mul ex5_1_pow_exp_tanh "
     "ex5_3", "nnlib.graph"),
    (A5, "ex5_1", "self.grad += k * self.data ** (k - 1) * out.grad", "self.grad += k * self.data ** k - out.grad", "ex5_1_pow_exp_tanh", "Put the exponent in brackets"),
    # 5.2 backprop
    (A5, "ex5_2", "for node in reversed(order):", "for node in order:", "ex5_2_tree ex5_2_reuse ex5_3", "inputs first"),
    (A5, "ex5_2", "    root.grad = 1.0  # dL/dL\n", "", "ex5_2_tree ex5_2_reuse ex5_3", "never set to 1"),
    (A5, "ex5_2", "        if id(node) not in seen:\n            seen.add(id(node))\n            for parent in node._parents:"
     "\n                visit(parent)\n            order.append(node)",
     "        for parent in node._parents:\n            visit(parent)\n        order.append(node)", "ex5_2_reuse",
     "more than once"),
    (A5, "ex5_2", "    for node in order:\n        node.grad = 0.0\n", "", "ex5_2_reuse", "not set to 0 before the pass"),
    (A5, "ex5_2", "    visit(root)\n", "    from nnlib.graph import topological_order\n    order = topological_order(root)\n",
     "ex5_2_tree ex5_2_reuse ex5_3", "nnlib.graph.topological_order"),
    (A5, "ex5_2", "    visit(root)\n    for node in order:\n        node.grad = 0.0\n    root.grad = 1.0  # dL/dL\n"
     "    for node in reversed(order):  # output first: each node's grad is complete before it is passed on\n"
     "        node._backward()",
     "    def push(node):\n        node._backward()\n        for parent in node._parents:\n            push(parent)\n\n"
     "    visit(root)\n    for node in order:\n        node.grad = 0.0\n    root.grad = 1.0\n    push(root)",
     "ex5_2_reuse", "once per path"),
    (A5, "ex5_2", "order, seen = [], set()", "return root.backward()\n    order, seen = [], set()",
     "ex5_2_tree ex5_2_reuse ex5_3", "call itself"),
    (A5, "ex5_2", "    for node in reversed(order):  # output first: each node's grad is complete before it is passed on\n        node._backward()",
     "    queue, done = [root], set()\n    while queue:\n        node = queue.pop(0)\n        if id(node) not in done:\n            done.add(id(node))\n            node._backward()\n            queue.extend(node._parents)",
     "ex5_2_reuse", "breadth first"),
    (A5, "ex5_1", "out = Value(self.data**k, (self,))", "out = Value(self.data**k, (self, k))", "ex5_1_pow_exp_tanh", "only Values belong there"),
    (A5, "ex5_1", "            self.grad += out.grad\n            other.grad += out.grad", "            self.grad += out.grad", "ex5_1_add_mul ex5_3", "b.grad did not change"),
    (A5, "ex5_1", "self.grad += k * self.data ** (k - 1) * out.grad",
     "self.grad += (k - 1) * self.data ** (k - 2) * out.grad", "ex5_1_pow_exp_tanh", "(k − 1) * a**(k − 2)"),
    (A5, "ex5_1", "self.grad += k * self.data ** (k - 1) * out.grad", "self.grad = k * self.data ** (k - 1) * out.grad",
     "ex5_1_pow_exp_tanh", "overwrites"),
    (A5, "ex5_1", "out = Value(self.data**k, (self,))", "out = Value(self.data**2, (self,))", "ex5_1_pow_exp_tanh",
     "squares whatever k is"),
    (A5, "ex5_1", "out = Value(self.data**k, (self,))", "out = Value(self.data * k, (self,))", "ex5_1_pow_exp_tanh",
     "multiplies a by k"),
    (A5, "ex5_1", "self.grad += (1 - out.data**2) * out.grad", "self.grad += (1 - out.data)**2 * out.grad",
     "ex5_1_pow_exp_tanh ex5_3", "(1 − t)²"),
    (A5, "ex5_1", "        out = Value(self.data + other.data, (self, other))\n",
     "        self.data += other.data\n        out = self\n", "ex5_1_add_mul ex5_3", "changed its input a"),
    (A5, "ex5_1", "            self.grad += out.grad\n            other.grad += out.grad",
     "            self.grad += out.data\n            other.grad += out.data", "ex5_1_add_mul ex5_3",
     "out.data, the output's value"),
    (A5, "ex5_1", "self.grad += out.data * out.grad\n", "self.grad += out.data * self.grad\n", "ex5_1_pow_exp_tanh",
     "multiplied by self.grad"),
    (A5, "ex5_1", "self.grad += out.data * out.grad\n", "self.grad = out.data * out.grad\n", "ex5_1_pow_exp_tanh",
     "overwrites"),
    (A5, "ex5_1", "out = Value(math.exp(self.data), (self,))", "out = Value(math.exp(-self.data), (self,))",
     "ex5_1_pow_exp_tanh", "e^(−a)"),
    (A5, "ex5_1", "    def __radd__(self, other):  # other + self, for a plain number other\n        return self + other\n",
     "", "ex5_1_add_mul", "__radd__"),
    (A5, "ex5_2", "if id(node) not in seen:\n            seen.add(id(node))",
     "if node.data not in seen:\n            seen.add(node.data)", "ex5_2_tree ex5_2_reuse", "holds values (node.data"),
    (A5, "ex5_2", "if id(node) not in seen:\n            seen.add(id(node))",
     "if (node.data, len(node._parents)) not in seen:\n            seen.add((node.data, len(node._parents)))",
     "ex5_2_tree ex5_2_reuse", "(node.data, len(node._parents))"),
    (A5, "ex5_2", "    root.grad = 1.0  # dL/dL\n", "    root.grad = 0.0\n", "ex5_2_tree ex5_2_reuse ex5_3",
     "never set to 1"),
    (A5, "ex5_2", "    for node in order:\n        node.grad = 0.0\n    root.grad = 1.0  # dL/dL\n",
     "    root.grad = 1.0\n    for node in order:\n        node.grad = 0.0\n", "ex5_2_tree ex5_2_reuse ex5_3",
     "never set to 1"),
    (A5, "ex5_2", "        node._backward()", "        getattr(node, \"_backward\")", "ex5_2_tree ex5_2_reuse ex5_3", "without the ()"),
    # 6.1 momentum
    (A6, "ex6_1", MOM, "v[...] = beta * v + (1 - beta) * grads[name]", "ex6_1", "an exponential average"),
    (A6, "ex6_1", MOM, "v[...] = (1 - beta) * v + beta * grads[name]", "ex6_1", "β and 1 − β are swapped"),
    (A6, "ex6_1", MOM_BOTH, "        v[...] = beta * v - lr * grads[name]\n        p += v", "ex6_1", "the other convention"),
    (A6, "ex6_1", MOM, "v = beta * v + grads[name]", "ex6_1", "the new velocity must stay in velocities"),
    (A6, "ex6_1", MOM_BOTH, "        p -= lr * v\n        v[...] = beta * v + grads[name]", "ex6_1", "the old velocity"),
    (A6, "ex6_1", MOM_P, "p -= lr * grads[name]", "ex6_1", "plain gradient descent"),
    (A6, "ex6_1", MOM_P, "p -= lr * (grads[name] + beta * v)", "ex6_1", "Nesterov"),
    (A6, "ex6_1", MOM_P, "p = p - lr * v", "ex6_1", "`p = p - ...`"),
    (A6, "ex6_1", MOM_P, "params[name] = p - lr * v", "ex6_1", "put a new array into params"),
    (A6, "ex6_1", "    for name, p in params.items():\n        v = velocities[name]",
     "    import nnlib\n    nnlib.Momentum([(params[k], grads[k]) for k in params], lr, beta).step()\n"
     "    for name, p in []:\n        v = velocities[name]", "ex6_1", "nnlib.Momentum"),
    (A6, "ex6_1", MOM, "v[...] = beta * v + beta * grads[name]", "ex6_1", "β shrinks the gradient too"),
    # 6.2 Adam
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name]\n        v_hat = v[name]", "ex6_2", "the bias correction is missing"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name] / (1 - beta1 ** t)\n        v_hat = v[name]", "ex6_2", "corrected but not v"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name]\n        v_hat = v[name] / (1 - beta2 ** t)", "ex6_2", "corrected but not m"),
    (A6, "ex6_2", ADAM_M, "m[name] = (1 - beta1) * m[name] + beta1 * g", "ex6_2", "β₁ and 1 − β₁ are swapped"),
    (A6, "ex6_2", ADAM_V, "v[name] = (1 - beta2) * v[name] + beta2 * g ** 2", "ex6_2", "β₂ and 1 − β₂ are swapped"),
    (A6, "ex6_2", ADAM_V, "v[name] = beta2 * v[name] + (1 - beta2) * g", "ex6_2", "not its square"),
    (A6, "ex6_2", ADAM_P, "p -= lr * m_hat / np.sqrt(v_hat + eps)", "ex6_2", "ε goes outside the square root"),
    (A6, "ex6_2", ADAM_P, "p -= lr * m_hat / (v_hat + eps)", "ex6_2", "the square root of v̂ is missing"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name] / (1 - beta1 ** (t + 1))\n        v_hat = v[name] / (1 - beta2 ** (t + 1))",
     "ex6_2", "step t + 1"),
    (A6, "ex6_2", ADAM_M, "m_new = beta1 * m[name] + (1 - beta1) * g", "ex6_2", "store the new moment"),
    (A6, "ex6_2", ADAM_P, "p -= lr * g", "ex6_2", "plain gradient descent"),
    (A6, "ex6_2", ADAM_HAT, "bc1, bc2 = (1 - beta1) ** t, (1 - beta2) ** t\n        m_hat = m[name] / bc1\n        v_hat = v[name] / bc2", "ex6_2", "(1 − β)ᵗ, the power of 1 − β"),
    (A6, "ex6_2", ADAM_P, "p -= lr * (m_hat / np.sqrt(v_hat)) + eps", "ex6_2", "ε is added to the step"),
    # 6.3 batch normalisation
    (A6, "ex6_3", "dsigma = (dx_hat * -x_hat / sigma).sum(axis=0)", "dsigma = dx_hat * -x_hat / sigma", "ex6_3_backward",
     "dsigma is not summed over the rows"),
    (A6, "ex6_3", BN_VAR, "var = x.var(axis=0, ddof=1)", "ex6_3_forward ex6_3_backward", "divided by N − 1"),
    (A6, "ex6_3", BN_VAR, "var = ((x - mean) ** 2).sum(axis=0) / (len(x) - 1)", "ex6_3_forward ex6_3_backward",
     "divided by N − 1"),
    (A6, "ex6_3", BN_FWD, "mean = x.mean(axis=1, keepdims=True)\n    var = x.var(axis=1, keepdims=True)",
     "ex6_3_forward ex6_3_backward", "normalises each row"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = np.sqrt(var) + eps", "ex6_3_forward ex6_3_backward",
     "ε goes inside"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = var + eps", "ex6_3_forward ex6_3_backward", "divide by its square root"),
    (A6, "ex6_3", "out = gamma * x_hat + beta", "out = x_hat", "ex6_3_forward ex6_3_backward", "scale and shift it"),
    (A6, "ex6_3", BN_DX, "dx = dc", "ex6_3_backward", "path through the mean"),
    (A6, "ex6_3", BN_DC, "dc = dx_hat / sigma", "ex6_3_backward", "path through σ"),
    (A6, "ex6_3", BN_BACK, "    dx = dout * gamma / sigma", "ex6_3_backward", "treats μ and σ as constants"),
    (A6, "ex6_3", BN_DC, "dc = dx_hat / sigma + dsigma * x_hat / (n - 1)", "ex6_3_backward", "N − 1 where N belongs"),
    (A6, "ex6_3", "dsigma = (dx_hat * -x_hat / sigma)", "dsigma = (dx_hat * x_hat / sigma)", "ex6_3_backward",
     "wrong sign"),
    (A6, "ex6_3", BN_DC, "dc = dx_hat / sigma + 2 * dsigma * x_hat / n", "ex6_3_backward", "brings a ½"),
    (A6, "ex6_3", "dgamma = (dout * x_hat).sum(axis=0)", "dgamma = dout.sum(axis=0)", "ex6_3_backward", "sums dout alone"),
    (A6, "ex6_3", "dgamma = (dout * x_hat).sum(axis=0)", "dgamma = (dout * x_hat).mean(axis=0)", "ex6_3_backward",
     "γ is used in every row"),
    (A6, "ex6_3", "dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)", "ex6_3_backward", "averages over the rows"),
    (A6, "ex6_3", "dx_hat = dout * gamma", "dx_hat = dout", "ex6_3_backward", "factor γ"),
    (A6, "ex6_3", "x_hat = (x - mean) / sigma", "x -= mean\n    x_hat = x / sigma", "ex6_3_forward",
     "changed its input x in place"),
    (A6, "ex6_3", "    x_hat, gamma, sigma = cache\n", "    import nnlib\n    return nnlib.batchnorm_backward(dout, cache)\n",
     "ex6_3_backward", "nnlib.batchnorm_backward"),
    (A6, "ex6_3", "out = gamma * x_hat + beta", "out = x * gamma + beta", "ex6_3_forward ex6_3_backward?", "not x itself"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = x.std(axis=0)", "ex6_3_forward ex6_3_backward?", "without ε"),
    (A6, "ex6_3", "dsigma = (dx_hat * -x_hat / sigma).sum(axis=0)", "dsigma = np.mean(dx_hat * -x_hat / sigma, axis=0)", "ex6_3_backward", "not the mean"),
    (A6, "ex6_3", "cache = (x_hat, gamma, sigma)", "cache = (x_hat, gamma, var + eps)", "ex6_3_backward", "holds the variance, not σ"),
    # 6.4 dropout
    (A6, "ex6_4", DO_MASK, "mask = keep * 1.0", "ex6_4_forward ex6_4_backward", "not scaled"),
    (A6, "ex6_4", DO_MASK, "mask = keep * (1 - p)", "ex6_4_forward ex6_4_backward", "multiplied by 1 − p"),
    (A6, "ex6_4", DO_MASK, "mask = keep / p", "ex6_4_forward ex6_4_backward", "divided by p"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape) < p", "ex6_4_forward", "p and 1 − p are swapped"),
    (A6, "ex6_4", DO_KEEP, "keep = np.random.random(x.shape) >= p", "ex6_4_forward", "global random state"),
    (A6, "ex6_4", DO_KEEP, "keep = np.random.default_rng(0).random(x.shape) >= p", "ex6_4_forward", "dropped the same units"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape[1]) >= p", "ex6_4_forward", "one mask row"),
    (A6, "ex6_4", DO_BACK, "    dx = dout * (cache > 0)", "ex6_4_backward", "scaled too"),
    (A6, "ex6_4", DO_BACK, "    dx = dout", "ex6_4_backward", "passed nothing forward"),
    (A6, "ex6_4", DO_CACHE, DO_CACHE.replace("cache = mask", "cache = (rng, p)").replace(
        "mask = cache\n    dx = dout * mask", "rng, p = cache\n    dx = dout * (rng.random(dout.shape) >= p) / (1 - p)"),
     "ex6_4_backward", "drew a new mask"),
    (A6, "ex6_4", DO_CACHE, DO_CACHE.replace("cache = mask", "cache = p").replace(
        "mask = cache\n    dx = dout * mask", "p = cache\n    dx = dout * (np.random.random(dout.shape) >= p) / (1 - p)"),
     "ex6_4_backward", "the backward pass draws nothing"),
    (A6, "ex6_3", "dx_hat = dout * gamma", "dx_hat = dout * gamma * gamma", "ex6_3_backward", "each column of your dx is the right column times a number of its own"),
    (A6, "ex6_4", DO_MASK, "mask = np.where(keep, p, 0.0)", "ex6_4_forward ex6_4_backward", "multiplied by p, the probability of dropping"),
    # named from the shape of the error alone (exercises/checks/generic.py), where no list foresaw the slip
    (A2, "ex2_1", "return s * (1 - s)", "return s * (1 - s) / 2", "ex2_1", "every entry of your sigmoid_prime(z) is ½ ×"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 / np.cosh(z)", "ex2_2", "sech(z) without its square"),
    (A1, "ex1_3", MSE, "return 0.5 * np.sum(diff ** 2) / n, -2 * diff / n", "ex1_3_gradient", "is −2 × the right one"),
    (A1, "ex1_2", SIGMOID, "return 1 / (1 + np.exp(-z)) - 0.5", "ex1_2_sigmoid", "is 0.5 less than the right one"),
    (A3, "ex3_3", "        grad[i] = (f_plus - f_minus) / (2 * h)\n",
     "        grad[i] = (f_plus - f_minus) / (2 * h)\n        break\n", "ex3_3", "never filled in"),
    (A3, "ex3_1", LAYER, "return dz @ W.T, x.T @ dz, dz.sum(axis=0, keepdims=True)", "ex3_1_db",
     "an axis of length 1 too many"),
    (A3, "ex3_4", CHECK, "errors[name] = nnlib.rel_error(grads[name], numeric) * 100", "ex3_4 ex3_4_your_network?",
     "(a percentage?)"),  # 100 × an exact check's 1e-9 can pass the 1e-7 bar of the second test, or not
    (A4, "ex4_1", SGD, "p -= 0.5 * lr * grads[name]", "ex4_1", "moved in the right direction, but by ½ × lr · g"),
    (A4, "ex4_4", "val = nnlib.mse_loss(model.forward(X_val), y_val)[0]",
     "val = nnlib.mse_loss(model.forward(X_val), y_val)[0] * len(X_val)", "ex4_4", "40 × the right one"),
    (A4, "ex4_4", "            best, history[\"best_epoch\"] = val, epoch", "            best = val", "ex4_4",
     "a variable that is still None"),
    # 5.3 a neuron
    (A5, "ex5_3", "z = z + w * x\n    return z.tanh()", "z = (z + w * x).tanh()\n    return z", "ex5_3", "tanh is taken inside the loop"),
    (A5, "ex5_3", "z = z + w * x\n    return z.tanh()", "z = (z + w * x).tanh()\n    return z.tanh()", "ex5_3", "tanh is taken inside the loop"),
    (A5, "ex5_3", "    z = b\n", "    z = 0\n", "ex5_3", "the bias is missing"),
    (A5, "ex5_3", "return z.tanh()", "return z", "ex5_3", "the tanh is missing"),
    (A5, "ex5_3", "z = z + w * x", "z = z + (w + x)", "ex5_3", "adds w + x"),
    (A5, "ex5_3", "return z.tanh()", "return (1 + (-z).exp()) ** -1", "ex5_3", "uses the sigmoid"),
    (A5, "ex5_3", "    z = b\n    for w, x in zip(ws, xs):\n        z = z + w * x\n    return z.tanh()",
     "    z = sum(w * x for w, x in zip(ws, xs))\n    return z.tanh() + b", "ex5_3", "added after the tanh"),
    (A5, "ex5_3", "z = z + w * x", "z = w * x", "ex5_3", "only the last input counts"),
    (A5, "ex5_3", "    z = b\n    for w, x in zip(ws, xs):\n        z = z + w * x\n    return z.tanh()",
     "    z = b.data + sum(w.data * x.data for w, x in zip(ws, xs))\n    return Value(z).tanh()", "ex5_3",
     "no gradient reaches the inputs"),
    (A5, "ex5_3", "z = z + w * x\n    return z.tanh()", "z = z + (w * x).tanh()\n    return z", "ex5_3", "tanh of the sum"),
    (A5, "ex5_3", "for w, x in zip(ws, xs):", "for w, x in zip(ws[1:], xs[1:]):", "ex5_3", "the first input is left out"),
    (A5, "ex5_3", "z = z + w * x", "z = z + w.data * x", "ex5_3", "the weights ws get no gradient"),
    # issue 24, second round: one entry for each kind of mistake the checks now name from a family of formulas
    (A1, "ex1_1", "x @ W + b", "(x @ W + b).astype(int)", "ex1_1", "whole numbers"),
    (A1, "ex1_1", "x @ W + b", "np.sum(x, axis=0) @ W + b", "ex1_1", "without an axis"),
    (A1, "ex1_2", "return (ez - emz) / (ez + emz)", "return (ez - emz) / (ez + emz) / (ez + emz)", "ex1_2_tanh",
     "the denominator e^z + e^(−z) is squared"),
    (A1, "ex1_4", "return loss, (p - y) / (p * (1 - p)) / n", "return loss, (p - y) * (p - p ** 2) / n",
     "ex1_4_gradient", "multiplies by p(1 − p) where the formula divides by it"),
    (A2, "ex2_1", "return s * (1 - s)", "return s * (1 - s) * (1 - 2 * s)", "ex2_1", "sigmoid's second derivative"),
    (A2, "ex2_1", "s = sigmoid(z)\n    return s * (1 - s)", "return 0.5 * (1 - np.tanh(z) ** 2)", "ex2_1",
     "½ × 1 − tanh(z)²"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(2 * z) ** 2", "ex2_2", "tanh'(2z)"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z) * z", "ex2_2", "z where one t of t² belongs"),
    (A2, "ex2_4", "return y_hat - y, y_hat * (1 - y_hat), x", "return y_hat - y, y * (1 - y_hat), x", "ex2_4",
     "y stands where ŷ belongs"),
    (A2, "ex2_4", "return y_hat - y, y_hat * (1 - y_hat), x", "return y_hat - y, y_hat * (1 - y_hat) * x, x", "ex2_4",
     "= ∂ŷ/∂w: the factors are already multiplied"),
    (A2, "ex2_5", "delta = (f(z) - y) * f_prime(z) / len(x)  # dL/dz for each row",
     "delta = (f(z) - y) * f_prime(z) / x.shape[1]", "ex2_5_dw ex2_5_db", "divided by n_in = 3"),
    (A2, "ex2_5", "delta = (f(z) - y) * f_prime(z) / len(x)  # dL/dz for each row",
     "delta = (f(x @ w) - y) * f_prime(x @ w) / len(x)", "ex2_5_dw ex2_5_db", "z leaves out the bias b"),
    (A3, "ex3_1", "return dz @ W.T, x.T @ dz, dz.sum(axis=0)", "return dz @ W.T, dz.sum(axis=0), x.T @ dz",
     "ex3_1_dW ex3_1_db", "your dW equals the right db"),
    (A3, "ex3_3", "grad = np.zeros_like(x)", "grad = np.zeros(x.shape[0])", "ex3_3", "np.zeros_like(x)"),
    (A4, "ex4_5", "return 2.0 / np.linalg.eigvalsh(A.T @ A / len(X)).max()",
     "return 2.0 / np.linalg.eigvalsh(A.T @ A * len(X)).max()", "ex4_5", "divided by N² = 3600"),
    (A4, "ex4_6", "p -= lr * g", "p -= 2 * lr * g", "ex4_6_runs", "a step of lr · 2"),
    (A6, "ex6_1", "v[...] = beta * v + grads[name]", "v[...] = lr * grads[name] + beta * v", "ex6_1",
     "the learning rate multiplies the gradient here and again"),
    (A6, "ex6_1", "p -= lr * v  # p ← p − ηv, with the new velocity", "p -= lr * (1 - beta) * v", "ex6_1",
     "a factor 1 − β too many"),
    (A6, "ex6_2", "m[name] = beta1 * m[name] + (1 - beta1) * g", "m[name] = beta2 * m[name] + (1 - beta2) * g",
     "ex6_2", "averaged with β₂ where β₁ belongs"),
    (A6, "ex6_2", "v_hat = v[name] / (1 - beta2 ** t)", "v_hat = v[name] / (1 - beta1 ** t)", "ex6_2",
     "β₁ where β₂ belongs"),
    (A6, "ex6_2", "v[name] = beta2 * v[name] + (1 - beta2) * g ** 2", "v[name] = beta2 * v[name] + (1 - beta2) * 2 * g",
     "ex6_2", "averages 2g (g * 2) where g² belongs"),
    (A6, "ex6_3", "mean = x.mean(axis=0)", "mean = x.mean()", "ex6_3_forward ex6_3_backward?",
     "one mean for the whole array"),
    (A6, "ex6_3", "dx = dc - dc.mean(axis=0)", "dx = dc - np.mean(dc)", "ex6_3_backward", "dc.mean() without axis=0"),
    (A6, "ex6_3", ("    dx_hat = dout * gamma\n    dsigma = (dx_hat * -x_hat / sigma).sum(axis=0)  # x̂ = c / σ: ∂x̂/∂σ = −x̂/σ\n"
                   "    dc = dx_hat / sigma + dsigma * x_hat / n  # directly, and through σ (∂σ/∂c_i = x̂_i / N)\n"
                   "    dx = dc - dc.mean(axis=0)  # c = x − μ: the mean's path"),
     "    dx = (gamma / sigma) * (dout - dout.sum(axis=0) - x_hat * (dout * x_hat).mean(axis=0))", "ex6_3_backward",
     "Σ dout where the mean belongs"),
    (A1, "ex1_1", "x @ W + b", "np.maximum(x @ W + b, 0)", "ex1_1", "relu of the right one"),
    (A2, "ex2_1", "return s * (1 - s)", "return 1 / (s * (1 - s))", "ex2_1", "1 / the right one"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return (1 - np.tanh(z) ** 2) * np.tanh(z)", "ex2_2",
     "multiplied by tanh(z)"),
    (A6, "ex6_3", "out = gamma * x_hat + beta", "out = gamma * x_hat", "ex6_3_forward ex6_3_backward?",
     "with beta (β) = 0: beta is left out"),
    (A1, "ex1_4", "loss = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / n", "loss = np.sum(y * np.log(p)) / n",
     "ex1_4_loss", "two slips at once: a factor −1"),
    (A6, "ex6_2", "p -= lr * m_hat / (np.sqrt(v_hat) + eps)", "p -= lr * m_hat / np.sqrt(v_hat)", "ex6_2",
     "with eps (ε) = 0: eps is left out"),
    # families of wrong formulas built from the case's own inputs (issue 24, third round): one of each
    (A2, "ex2_3", "return (z > 0).astype(float)", "return (z > 1.5).astype(float)", "ex2_3",
     "a step from 0 to 1 (a threshold)"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return np.tanh(z) * (1 - np.tanh(z) ** 2)", "ex2_2",
     "an extra factor tanh(z)"),
    (A4, "ex4_1", SGD, "p -= lr * grads[name].sum()", "ex4_1", "moved by the same amount"),
    (A1, "ex1_1", "return x @ W + b", "return x @ W + b * len(x)", "ex1_1", "b multiplied by N"),
    (A6, "ex6_3", "out = gamma * x_hat + beta", "out = -gamma * x_hat + beta", "ex6_3_forward ex6_3_backward?",
     "the checks cannot tell which"),
    (A2, "ex2_5", NEURON, "delta = (f(z) - y) * f_prime(z) * z / len(x)", "ex2_5_dw ex2_5_db", "an extra factor z"),
    (A2, "ex2_5", "return x.T @ delta, delta.sum()", "return x.mean(axis=0) * delta.sum(), delta.sum()", "ex2_5_dw",
     "a product of"),
    (A3, "ex3_1", LAYER, "return dz @ np.linalg.pinv(W.T).T, x.T @ dz, dz.sum(axis=0)", "ex3_1_dx",
     "pinv(W) (the pseudo-inverse)"),
    (A3, "ex3_1", LAYER, "return dz @ W.T / x, x.T @ dz, dz.sum(axis=0)", "ex3_1_dx", "divided by x"),
    (A3, "ex3_2", 'dz1 = da1 * sigmoid_prime(cache["z1"])', 'dz1 = cache["a1"] * (1 - cache["a1"])',
     "ex3_2_hidden_layer ex3_4_your_network", "the upstream gradient da1"),
    (A3, "ex3_2", NET_DY, "_, dy_hat = mse_loss(y_hat, y)\n    dy_hat = dy_hat / 2",
     "ex3_2_output_layer ex3_2_hidden_layer ex3_4_your_network", "½ × the right one"),
    (A3, "ex3_3", "x[i] = old - h", "x[i] = old - h / 2", "ex3_3", "up by h and down by ½h"),
    (A4, "ex4_5", LIMIT_RET, "return 2.0 / np.linalg.eigvalsh(A.T @ A / len(X)).max() ** 2", "ex4_5",
     "2 / λ_max²"),
    (A4, "ex4_6", "losses.append(loss)", "losses.append(loss ** 2)", "ex4_6_runs", "holds loss² of each epoch"),
    (A4, "ex4_4", 'history["val_loss"].append(val)', 'history["val_loss"].append(total / len(X))', "ex4_4",
     "the epoch's mean training loss"),
    (A5, "ex5_3", "z = z + w * x", "z = z + w.tanh() * x", "ex5_3", "tanh of each weight"),
    (A6, "ex6_3", "dc = dx_hat / sigma + dsigma * x_hat / n", "dc = dx_hat + dsigma * x_hat / n", "ex6_3_backward",
     "the direct path dx̂/σ times σ"),
    (A6, "ex6_4", "mask = keep / (1 - p)", "mask = keep / (1 + p)", "ex6_4_forward ex6_4_backward?",
     "scaled by 1/(1 + p)"),
    # families still unnamed in a held-out set of answers (fourth round): each built from the case's own inputs
    (A5, "ex5_1", TANH_BACK, "self.grad += (1 - self.data) * out.grad", "ex5_1_pow_exp_tanh ex5_3", "came out as 1 − a (a = self.data"),
    (A5, "ex5_1", TANH_BACK, "t = math.tanh(self.data)\n            self.grad += (1 - t) * out.grad", "ex5_1_pow_exp_tanh ex5_3", "the square is missing"),
    (A5, "ex5_1", TANH_BACK, "self.grad += (1 + self.data ** 2) * out.grad", "ex5_1_pow_exp_tanh ex5_3", "came out as 1 + a²"),
    (A5, "ex5_1", TANH_BACK, "self.grad += out.data**2 * out.grad", "ex5_1_pow_exp_tanh ex5_3", "came out as t²"),
    (A5, "ex5_1", TANH_BACK, "self.grad += -out.data**2 * out.grad", "ex5_1_pow_exp_tanh ex5_3", "came out as −t²"),
    (A5, "ex5_1", TANH_BACK, "self.grad += (1 - 2 * out.data) * out.grad", "ex5_1_pow_exp_tanh ex5_3", "came out as 1 − 2t"),
    (A5, "ex5_1", TANH_BACK, "self.grad += (1 - math.tanh(self.data**2)) * out.grad", "ex5_1_pow_exp_tanh ex5_3", "the square taken inside the tanh"),
    (A5, "ex5_1", TANH_BACK, "self.grad += (1 - self.data**2)", "ex5_1_pow_exp_tanh ex5_3", "1 − a² (a = self.data, the input, where t = tanh(a) = out.data belongs), not multiplied by out.grad"),
    (A5, "ex5_1", TANH_BACK, "self.grad = (1 - self.data ** 2) * out.grad", "ex5_1_pow_exp_tanh ex5_3", "written with `=` over the grad that was there"),
    (A5, "ex5_1", "self.grad += out.data * out.grad\n", "self.grad = self.data * out.grad\n", "ex5_1_pow_exp_tanh", "came out as a, written with `=`"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 1.0\n", "ex5_2_tree ex5_2_reuse ex5_3", "every node's grad was set to 1"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 1.0\n    root.grad = 1.0\n", "ex5_2_tree ex5_2_reuse ex5_3", "every node's grad was set to 1"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 0.0 if node._parents else 1.0\n    root.grad = 1.0\n", "ex5_2_tree ex5_2_reuse ex5_3", "the leaves, the nodes without parents) started at grad 1"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 0.0 if node._parents else 1.0\n", "ex5_2_tree ex5_2_reuse ex5_3", "the root was not"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 0.0\n    root.grad = -1.0\n", "ex5_2_tree ex5_2_reuse ex5_3", "starts from root.grad = -1"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 0.0\n    root.grad = root.data\n", "ex5_2_tree ex5_2_reuse ex5_3", "(root.data, L's own value)"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 0.0\n    root.grad = 0.5\n", "ex5_2_tree ex5_2_reuse ex5_3", "starts from root.grad = 0.5"),
    (A6, "ex6_3", "x_hat = (x - mean) / sigma", "x_hat = (x - mean) / var", "ex6_3_forward ex6_3_backward", "the square root and ε are missing"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = var", "ex6_3_forward ex6_3_backward", "the square root and ε are missing"),
    (A6, "ex6_3", BN_VAR, "var = (x ** 2).mean(axis=0)", "ex6_3_forward ex6_3_backward", "the mean not subtracted before squaring"),
    (A6, "ex6_3", BN_VAR, "var = np.mean(x * x, axis=0)", "ex6_3_forward ex6_3_backward", "the mean not subtracted before squaring"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = np.sqrt((x ** 2).mean(axis=0) + eps)", "ex6_3_forward ex6_3_backward", "the mean not subtracted before squaring"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = np.sqrt((x ** 2).mean(axis=0)) + eps", "ex6_3_forward ex6_3_backward", "ε outside the root and your σ² is mean(x²)"),
    (A6, "ex6_3", BN_VAR, "var = ((x - mean) ** 2).sum(axis=0)", "ex6_3_forward ex6_3_backward", "summed over the rows where the mean belongs"),
    (A6, "ex6_3", BN_VAR, "var = (x ** 2).mean(axis=0) - mean", "ex6_3_forward ex6_3_backward", "mean(x²) − μ"),
    (A6, "ex6_3", BN_VAR, "var = np.abs(x - mean).mean(axis=0)", "ex6_3_forward ex6_3_backward", "without the square"),
    (A6, "ex6_3", "dsigma = (dx_hat * -x_hat / sigma).sum(axis=0)", "dsigma = (dx_hat * -x_hat / sigma ** 2).sum(axis=0)", "ex6_3_backward", "divided by σ once too often"),
    (A6, "ex6_3", BN_DC, "dc = dx_hat / sigma ** 2 + dsigma * x_hat / n", "ex6_3_backward", "the direct path dx̂/σ times 1/σ"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name] / (1 - beta1)\n        v_hat = v[name] / (1 - beta2)", "ex6_2", "m̂ = m / (1 − β₁) (the power t missing) and v̂ = v / (1 − β₂) (the power t missing)"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name] / (1 - beta1)\n        v_hat = v[name] / (1 - beta2 ** t)", "ex6_2", "m̂ = m / (1 − β₁) (the power t missing)"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name] / (1 - beta1 ** t)\n        v_hat = v[name] / (1 - beta2)", "ex6_2", "v̂ = v / (1 − β₂) (the power t missing)"),
    (A6, "ex6_2", ADAM_HAT, "bc1, bc2 = 1 - beta1, 1 - beta2\n        m_hat = m[name] / bc1\n        v_hat = v[name] / bc2", "ex6_2", "(the power t missing)"),
    (A6, "ex6_2", ADAM_V, "v[name] = g ** 2", "ex6_2", "An earlier case fits more than one slip: v̂ stored instead of v or beta2 left out"),
    (A6, "ex6_2", "v_hat = v[name] / (1 - beta2 ** t)", "v[name] = v[name] / (1 - beta2 ** t)\n        v_hat = v[name]", "ex6_2", "your v['W'] is the bias-corrected v̂"),
    (A6, "ex6_2", "m_hat = m[name] / (1 - beta1 ** t)  # bias correction: m and v started at 0", "m[name] = m[name] / (1 - beta1 ** t)\n        m_hat = m[name]", "ex6_2", "this one tells them apart"),
    (A6, "ex6_2", ADAM_M, "m[name] = g", "ex6_2", "beta1 is left out"),
    (A4, "ex4_4", "p -= lr * g", "p -= lr / len(Xb) * g", "ex4_4", "divided the step by the batch's own length"),
    (A4, "ex4_4", "p -= lr * g", "p -= lr * g / Xb.shape[0]", "ex4_4", "divided the step by the batch's own length"),
    (A4, "ex4_4", "p -= lr * g", "p -= (lr / batch_size) * g", "ex4_4", "divided the step by the batch size"),
    (A4, "ex4_4", "p -= lr * g", "p -= lr * g / len(X)", "ex4_4", "the training set's size N = 120"),
    (A4, "ex4_4", "p -= lr * g", "p -= lr * g * len(Xb)", "ex4_4", "multiplied the step by the batch's length"),
    (A1, "ex1_2", RELU, "return np.maximum(z, 1)", "ex1_2_relu", "np.maximum(z, 1): z floored at 1"),
    (A1, "ex1_2", RELU, "return np.maximum(z, 0.5)", "ex1_2_relu", "np.maximum(z, 0.5): z floored at 0.5"),
    (A1, "ex1_2", RELU, "return np.maximum(z, -1.0)", "ex1_2_relu", "z floored at -1"),
    (A1, "ex1_2", RELU, "return np.where(z > 1, z, 0.0)", "ex1_2_relu", "z kept only above a threshold"),
    (A1, "ex1_2", RELU, "return np.maximum(z - 1, 0)", "ex1_2_relu", "relu(z − 1)"),
    (A1, "ex1_2", RELU, "return np.maximum(z + 0.5, 0)", "ex1_2_relu", "relu(z + 0.5)"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return (z > -0.5).astype(float)", "ex2_3", "the checks cannot tell which"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return np.where(z > -0.1, 1.0, 0.0)", "ex2_3", "somewhere between z = "),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return (z >= -1).astype(float)", "ex2_3", "or, just as well"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 - z", "ex2_2", "1 − z: z where tanh(z) belongs"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return (1 - z) ** 2", "ex2_2", "(1 − z)²: z where tanh(z) belongs"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return -np.tanh(z) ** 2", "ex2_2", "−tanh(z)²"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 + z ** 2", "ex2_2", "1 + z²"),
    (A2, "ex2_1", "return s * (1 - s)", "return z * (1 + z)", "ex2_1", "z(1 + z): z where s = sigmoid(z) belongs"),
    (A2, "ex2_1", "return s * (1 - s)", "return (1 - s) ** 2", "ex2_1", "(1 − s)² with s = sigmoid(z)"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape) >= 0.5", "ex6_4_forward", "the threshold c = 0.5 keeps"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape) >= p / 2", "ex6_4_forward", "c = p/2"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape) >= p ** 2", "ex6_4_forward", "c = p²"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape) > 2 * p", "ex6_4_forward", "c = 2p"),
]

# (assignment, cell, old, new): right answers written differently; each must get full marks
RIGHT = [
    (A6, "ex6_1", MOM_BOTH, "        velocities[name] = beta * velocities[name] + grads[name]\n        p -= lr * velocities[name]"),
    (A6, "ex6_1", MOM, "v *= beta\n        v += grads[name]"),
    (A6, "ex6_2", ADAM_M + "  # running mean of the gradient\n        " + ADAM_V,
     "m[name] *= beta1\n        m[name] += (1 - beta1) * g\n        v[name] *= beta2\n        v[name] += (1 - beta2) * g * g"),
    (A6, "ex6_2", ADAM_P, "p -= lr * (m_hat / (v_hat ** 0.5 + eps))"),
    (A6, "ex6_3", BN_FWD, "mean = np.mean(x, axis=0)\n    var = np.var(x, axis=0)"),
    (A6, "ex6_3", BN_BACK, "    dx = (gamma / sigma) * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))"),
    (A6, "ex6_4", DO_KEEP + "  # each unit survives with probability 1 − p\n    " + DO_MASK,
     "mask = np.where(rng.uniform(size=x.shape) < 1 - p, 1 / (1 - p), 0.0)"),
    (A6, "ex6_4", DO_KEEP, "keep = rng.random(x.shape) > p"),
    # written by a careful learner in ways the checks must not mistake for slips
    (A1, "ex1_1", "return x @ W + b", "z = np.zeros((len(x), W.shape[1]))  # float64 whatever x is\n"
     "    for i in range(len(x)):\n        for j in range(W.shape[1]):\n            for k in range(W.shape[0]):\n"
     "                z[i, j] += x[i, k] * W[k, j]\n            z[i, j] += b[j]\n    return z"),
    (A1, "ex1_1", "x @ W + b", "(x @ W + b).astype(np.float64)"),
    (A1, "ex1_3", MSE, "return 0.5 * np.linalg.norm(diff) ** 2 / n, diff / n"),
    (A1, "ex1_4", "n = p.size", "n = p.size\n    p = np.clip(p, 1e-12, 1 - 1e-12)  # keeps log away from 0"),
    (A3, "ex3_3", "        x[i] = old + h\n        f_plus = f(x)\n        x[i] = old - h\n        f_minus = f(x)\n"
     "        x[i] = old\n", "        x[i] += h\n        f_plus = f(x)\n        x[i] -= 2 * h\n        f_minus = f(x)\n"
     "        x[i] += h\n"),
    (A3, "ex3_4", "        numeric = nnlib.numerical_gradient(lambda _: loss_of(params), param, h)\n",
     "        numeric = np.zeros_like(param)\n        for i in np.ndindex(param.shape):\n            param[i] += h\n"
     "            up = loss_of(params)\n            param[i] -= 2 * h\n            down = loss_of(params)\n"
     "            param[i] += h\n            numeric[i] = (up - down) / (2 * h)\n"),
    (A4, "ex4_4", "        order = rng.permutation(len(X))  # as in 4.2: a new order every epoch, from the rng given\n"
     "        for start in range(0, len(X), batch_size):\n            rows = order[start:start + batch_size]\n"
     "            Xb, yb = X[rows], y[rows]\n",
     "        order = rng.permutation(len(X))\n        Xs, ys = X[order], y[order]  # one order for both\n"
     "        for start in range(0, len(X), batch_size):\n"
     "            Xb, yb = Xs[start:start + batch_size], ys[start:start + batch_size]\n"),
    (A5, "ex5_1", "    def __radd__(self, other):  # other + self, for a plain number other\n        return self + other\n",
     "    def __radd__(self, other):\n        return Value(other) + self\n"),
    (A5, "ex5_2", "if id(node) not in seen:\n            seen.add(id(node))", "if node not in seen:\n            seen.add(node)"),
    (A1, "ex1_1", "x @ W + b", "np.dot(x, W) + b"),
    (A1, "ex1_1", "x @ W + b", "b + np.matmul(x, W)"),
    (A1, "ex1_1", "x @ W + b", "np.einsum('bi,io->bo', x, W) + b"),
    (A1, "ex1_1", "return x @ W + b", "return np.array([row @ W + b for row in x]).reshape(len(x), W.shape[1])"),
    (A1, "ex1_1", "x @ W + b", "(W.T @ x.T).T + b"),
    (A1, "ex1_2", SIGMOID, "return np.exp(z) / (1 + np.exp(z))"),
    (A1, "ex1_2", SIGMOID, "return 0.5 * (1 + np.tanh(z / 2))"),
    (A1, "ex1_2", SIGMOID, "return 1 / (1 + 1 / np.exp(z))"),
    (A1, "ex1_2", TANH, "return (1 - np.exp(-2 * z)) / (1 + np.exp(-2 * z))"),
    (A1, "ex1_2", TANH, "return 2 * sigmoid(2 * z) - 1"),
    (A1, "ex1_2", TANH, "return np.sinh(z) / np.cosh(z)"),
    (A1, "ex1_2", RELU, "return np.where(z > 0, z, 0.0)"),
    (A1, "ex1_2", RELU, "return z * (z > 0)"),
    (A1, "ex1_2", RELU, "return (z + np.abs(z)) / 2"),
    (A1, "ex1_3", MSE, "return ((y_hat - y) ** 2).sum(axis=1).mean() / 2, (y_hat - y) / y.shape[0]"),
    (A1, "ex1_4", BCE_LOSS, "loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))"),
    (A1, "ex1_4", BCE_GRAD, "return loss, (-y / p + (1 - y) / (1 - p)) / n"),
    (A2, "ex2_1", "s = sigmoid(z)\n    return s * (1 - s)", "return np.exp(-z) / (1 + np.exp(-z)) ** 2"),
    (A2, "ex2_1", "return s * (1 - s)", "return sigmoid(z) * sigmoid(-z)"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return 1 / np.cosh(z) ** 2"),
    (A2, "ex2_2", "return 1 - np.tanh(z) ** 2", "return (1 - np.tanh(z)) * (1 + np.tanh(z))"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return z > 0"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return np.heaviside(z, 0.0)"),
    (A2, "ex2_4", "y_hat = sigmoid(w * x + b)", "y_hat = 1 / (1 + np.exp(-(w * x + b)))"),
    (A2, "ex2_5", NEURON + "\n    return x.T @ delta, delta.sum()",
     "delta = (f(z) - y) * f_prime(z)\n    return np.mean(delta[:, None] * x, axis=0), float(np.mean(delta))"),
    (A3, "ex3_1", LAYER, "return np.dot(dz, W.T), np.einsum('bi,bo->io', x, dz), np.sum(dz, axis=0)"),
    (A3, "ex3_2", NET_DZ1, 'dz1 = da1 * cache["a1"] * (1 - cache["a1"])'),
    (A3, "ex3_2", '_, dy_hat = mse_loss(y_hat, y)\n    da1, dW2, db2 = dense_backward(dy_hat, (cache["a1"], params["W2"]))',
     'dy_hat = (y_hat - y) / len(y)\n    dW2, db2 = cache["a1"].T @ dy_hat, dy_hat.sum(axis=0)\n'
     '    da1 = dy_hat @ params["W2"].T'),
    (A3, "ex3_3", "for i in np.ndindex(x.shape):", "for i, _ in np.ndenumerate(x):"),
    (A3, "ex3_4", "numeric = nnlib.numerical_gradient(lambda _: loss_of(params), param, h)",
     "numeric = nnlib.numerical_gradient(lambda p: loss_of({**params, name: p}), param.copy(), h)"),
    (A3, "ex3_4", CHECK, "a, b = grads[name], numeric\n"
     "        errors[name] = float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))"),
    (A4, "ex4_1", SGD, "p[:] = p - lr * grads[name]"),
    (A4, "ex4_1", "for name, p in params.items():\n        p -= lr * grads[name]",
     "for name in params:\n        params[name] -= lr * grads[name]"),
    (A4, "ex4_2", BATCH + "\n    " + BATCHES, "order = np.arange(n)\n    rng.shuffle(order)\n"
     "    return np.split(order, range(batch_size, n, batch_size))"),
    (A4, "ex4_2", BATCH, "order = rng.choice(n, size=n, replace=False)"),
    (A4, "ex4_3", "best, best_epoch = float(\"inf\"), None\n    for epoch, loss in enumerate(val_losses):\n"
     "        if loss < best:\n            best, best_epoch = loss, epoch\n        elif epoch - best_epoch >= patience:\n"
     "            return epoch",
     "best, waited = float(\"inf\"), 0\n    for epoch, loss in enumerate(val_losses):\n        if loss < best:\n"
     "            best, waited = loss, 0\n        else:\n            waited += 1\n            if waited >= patience:\n"
     "                return epoch"),
    (A4, "ex4_4", "        order = rng.permutation(len(X))  # as in 4.2: a new order every epoch, from the rng given\n"
     "        for start in range(0, len(X), batch_size):\n            rows = order[start:start + batch_size]\n",
     "        for rows in minibatch_indices(len(X), batch_size, rng):\n"),
    (A4, "ex4_4", "p[...] = weights", "np.copyto(p, weights)"),
    (A4, "ex4_4", "total += loss * len(Xb)", "total += float(loss) * Xb.shape[0]"),
    # a look at the untrained model before the first epoch, not recorded (nnlib.train takes one too)
    (A4, "ex4_4", "    best, saved = float(\"inf\"), None\n",
     "    best, saved = float(\"inf\"), None\n    untrained = nnlib.mse_loss(model.forward(X_val), y_val)[0]\n"),
    (A4, "ex4_5", LIMIT_RET, "return 2.0 / np.max(np.linalg.eigvalsh(A @ A.T / len(X)))"),
    (A4, "ex4_6", "diverging_lrs = [0.6]", "diverging_lrs = [lr for lr in learning_rates if lr > stability_limit(X_lr)]"),
    (A4, "ex4_6", "rng=np.random.default_rng(1))", "rng=np.random.default_rng(7))"),
    (A5, "ex5_1", "out = Value(math.tanh(self.data), (self,))",
     "e = math.exp(2 * self.data)\n        out = Value((e - 1) / (e + 1), (self,))"),
    (A5, "ex5_1", "self.grad += out.data * out.grad\n", "self.grad += math.exp(self.data) * out.grad\n"),
    (A5, "ex5_2", "    visit(root)\n", "    stack = [(root, False)]\n    while stack:\n        node, done = stack.pop()\n"
     "        if done:\n            order.append(node)\n        elif id(node) not in seen:\n            seen.add(id(node))\n"
     "            stack.append((node, True))\n            stack.extend((p, False) for p in node._parents)\n"),
    (A5, "ex5_3", "    z = b\n    for w, x in zip(ws, xs):\n        z = z + w * x\n    return z.tanh()",
     "    return (sum(w * x for w, x in zip(ws, xs)) + b).tanh()"),
    (A5, "ex5_3", "return z.tanh()", "e = (2 * z).exp()\n    return (e - 1) / (e + 1)"),
    # correct answers close to the slips of the fourth round's families
    (A5, "ex5_1", TANH_BACK, "t = math.tanh(self.data)\n            self.grad += (1 - t * t) * out.grad"),
    (A5, "ex5_1", TANH_BACK, "self.grad += (1 - out.data) * (1 + out.data) * out.grad"),
    (A5, "ex5_1", TANH_BACK, "self.grad += out.grad / math.cosh(self.data) ** 2"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 1.0 if node is root else 0.0\n"),
    (A5, "ex5_2", SEED, "    for node in order:\n        node.grad = 0\n    root.grad = 1\n"),
    (A6, "ex6_3", BN_VAR, "var = (x ** 2).mean(axis=0) - mean ** 2  # E[x²] − μ²"),
    (A6, "ex6_3", "sigma = np.sqrt(var + eps)", "sigma = (var + eps) ** 0.5"),
    (A6, "ex6_3", "x_hat = (x - mean) / sigma", "x_hat = (x - mean) / np.sqrt(var + eps)"),
    (A6, "ex6_2", ADAM_HAT, "m_hat = m[name] / (1 - np.power(beta1, t))\n        v_hat = v[name] / (1 - np.power(beta2, t))"),
    (A6, "ex6_2", ADAM_HAT, "bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t\n        m_hat, v_hat = m[name] / bc1, v[name] / bc2"),
    (A4, "ex4_4", "p -= lr * g", "np.subtract(p, lr * g, out=p)"),
    (A1, "ex1_2", RELU, "return np.clip(z, 0, None)"),
    (A1, "ex1_2", RELU, "return np.maximum(z, 0)"),
    (A2, "ex2_3", "return (z > 0).astype(float)", "return np.where(z > 0, 1.0, 0.0)"),
    (A6, "ex6_4", DO_KEEP, "keep = 1 - rng.random(x.shape) <= 1 - p"),
]


def _variant(assignment, gid, old, new):
    return harness.edit(harness.source(assignment), gid, old, new)


def _points():
    out = {}
    for name in harness.SOURCES:
        out.update({grade_id(c): points(c) for c in harness.source(name).cells if is_test(c)})
    return out


POINTS = _points()


def _id(entry):
    return f"{entry[1]}:{(entry[3] or '(deleted)').splitlines()[0][:40]}"


_GRADED = {}


def graded(entry):
    """{test: TestResult} of a probe entry's notebook, graded once per run (the measure below reuses it)."""
    key = tuple(entry[:4])
    if key not in _GRADED:
        _GRADED[key] = harness.grade(_variant(*entry[:4]))
    return _GRADED[key]


def first_failure(entry):
    """The result of the first test (in the notebook's order) the entry must fail."""
    results = graded(entry)
    expected = {f"{name}_tests" for name in entry[4].split() if not name.endswith("?")}
    return results[min(expected, key=list(results).index)]


@pytest.mark.parametrize("entry", [pytest.param(e, marks=MARK[e[0]], id=_id(e)) for e in WRONG])
def test_a_wrong_answer_loses_exactly_its_points_and_is_named(entry):
    assignment, gid, old, new, fails, says = entry
    results = graded(entry)
    failed = {name for name, r in results.items() if not r.passed}
    expected = {f"{name}_tests" for name in fails.split() if not name.endswith("?")}
    # "name?": a test that also runs this code and may fail with it, depending on the hidden cases
    optional = {f"{name[:-1]}_tests" for name in fails.split() if name.endswith("?")}
    assert expected <= failed <= expected | optional, {n: results[n].message for n in failed ^ expected}
    result = first_failure(entry)
    assert says in result.message, result.message
    assert result.kind in KINDS and result.kind != "passed", result


@pytest.mark.parametrize("entry", [pytest.param(e, marks=MARK[e[0]], id=_id(e)) for e in RIGHT])
def test_a_correct_but_different_answer_gets_full_marks(entry):
    results = graded(entry)
    assert all(r.passed for r in results.values()), {n: r.message for n, r in results.items() if not r.passed}


def test_the_probe_is_as_large_as_promised():
    assert len(WRONG) >= 170 and len(RIGHT) >= 40, (len(WRONG), len(RIGHT))
    assert {e[0] for e in WRONG} == {e[0] for e in RIGHT} == set(harness.SOURCES)
    assert all(e[4] and e[5] for e in WRONG), "every wrong answer names the tests it fails and the words it expects"


# ------------------------------------------------------------------ the measure: how many mistakes are named

NAMED_AT_LEAST = 0.8  # the share of the probe's wrong answers whose message names the mistake (issue 24)

# Words that would put a learner's error on the grader: no message may hold them.
BLAME = ("grader could not", "could not judge", "grader failed", "grader cannot", "bug in the grader",
         "the checks failed", "internal error")


def measure():
    """(named, unnamed): the probe's wrong answers whose first failing test names its mistake (a
    mistake label: diagnosed, a broken rule, or an explained exception), and those whose does not."""
    named, unnamed = [], []
    for entry in WRONG:
        (named if first_failure(entry).mistake else unnamed).append(entry)
    return named, unnamed


def test_most_wrong_answers_get_a_message_naming_the_mistake():
    named, unnamed = measure()
    share = len(named) / len(WRONG)
    assert share >= NAMED_AT_LEAST, (f"{share:.0%} named", [(_id(e), first_failure(e).message) for e in unnamed])


def test_an_answer_the_checks_cannot_name_is_told_so_honestly():
    for entry in WRONG:
        result = first_failure(entry)
        if result.kind == "undiagnosed":
            assert "cannot tell" in result.message, (_id(entry), result.message)
        else:
            assert result.mistake or result.kind in ("error", "blank"), (_id(entry), result)


def test_no_message_blames_the_grader_for_the_learners_error():
    for entry in WRONG:
        for result in graded(entry).values():
            assert not any(words in result.message for words in BLAME), (_id(entry), result.message)


def report():
    """The measure as text: per assignment the wrong answers named, then each unnamed one's message."""
    named, unnamed = measure()
    lines = [f"{len(named)} of {len(WRONG)} wrong answers named ({len(named) / len(WRONG):.1%}); "
             f"{len(RIGHT)} right answers, all with full marks: "
             f"{all(all(r.passed for r in graded(e).values()) for e in RIGHT)}"]
    for assignment in harness.SOURCES:
        mine = [e for e in WRONG if e[0] == assignment]
        lines.append(f"  {assignment}: {sum(e in named for e in mine)} of {len(mine)} named")
    lines += [f"  not named: {_id(e)}: {first_failure(e).message.splitlines()[0][:100]}" for e in unnamed]
    return "\n".join(lines)


if __name__ == "__main__":  # python tests/test_exercise_answers.py: the measure, printed
    print(report())
