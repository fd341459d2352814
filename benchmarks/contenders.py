"""One SGD step of the benchmark's network, written five ways.

Every contender is built from the same list of (W, b) pairs, W (n_in, n_out), and offers
step(X, y) -> loss (a float) and weights() -> [(W, b), ...] as numpy arrays. The step is
forward, softmax cross-entropy, backward and the update w <- w - lr * dL/dw, for
mlp(SIZES) with sigmoid hidden layers. No contender computes dL/dX of the data.
"""

import math

import numpy as np

import nnlib
from nnlib.cost import matmul_flops

SIZES = [64, 64, 64, 10]
LR = 0.01  # small, so thousands of timed steps leave the weights in a normal range
TOLERANCE = 1e-10  # how closely every contender must agree with nnlib on one step


class NnlibStep:
    """The step as nnlib.train takes it: forward, the loss, backward, sgd_step."""

    name = "nnlib"

    def __init__(self, weights, lr):
        self.model = nnlib.mlp(SIZES, activation="sigmoid", rng=np.random.default_rng(0))
        for layer, (W, b) in zip(self.model.dense_layers(), weights):
            layer.W[...] = W
            layer.b[...] = b
        self.parameters = self.model.parameters()  # taken once, as a learner may
        self.lr = lr

    def step(self, X, y):
        loss, dlogits = nnlib.softmax_cross_entropy(self.model.forward(X), y)
        self.model.backward(dlogits, input_grad=False)  # as train() calls it
        nnlib.sgd_step(self.parameters, self.lr)
        return loss

    def weights(self):
        return [(layer.W.copy(), layer.b.copy()) for layer in self.model.dense_layers()]


class PlainNumpyStep:
    """A contender that keeps its own (W, b) pairs as numpy arrays."""

    def __init__(self, weights, lr):
        self.params = [(W.copy(), b.copy()) for W, b in weights]
        self.lr = lr

    def weights(self):
        return [(W.copy(), b.copy()) for W, b in self.params]


class TextbookStep(PlainNumpyStep):
    """What a learner writes instead of using nnlib: the notebooks' formulas as they stand.

    A new array for every operation; the sigmoid as 1 / (1 + e^(-z)) and its derivative
    through the output, a (1 - a) (notebook 04); the softmax with the row maximum
    subtracted, the one-hot targets and (softmax - onehot) / N (notebooks 02 and 05);
    the backward pass layer by layer, dW = a^T dz, db = the column sums of dz,
    dz = (dz W^T) * f'(z) (notebook 05); then w <- w - lr * dw (notebook 04).
    """

    name = "textbook"

    def step(self, X, y):
        activations = [X]
        for W, b in self.params[:-1]:
            z = activations[-1] @ W + b
            activations.append(1 / (1 + np.exp(-z)))
        W, b = self.params[-1]
        logits = activations[-1] @ W + b
        N, K = logits.shape
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        loss = np.mean(-np.log(probs[np.arange(N), y]))
        dz = (probs - np.eye(K)[y]) / N
        grads = []
        for i in range(len(self.params) - 1, -1, -1):
            W, b = self.params[i]
            a = activations[i]
            grads.append((a.T @ dz, dz.sum(axis=0)))
            if i > 0:
                dz = (dz @ W.T) * a * (1 - a)
        for (W, b), (dW, db) in zip(self.params, reversed(grads)):
            W -= self.lr * dW
            b -= self.lr * db
        return float(loss)


class FusedNumpyStep(PlainNumpyStep):
    """The same mathematics hand-tuned in plain numpy: each temporary reused in place
    (out= and augmented assignment), no classes, no checks. The fastest numpy we could
    write, to show what nnlib's plain code leaves on the table."""

    name = "fused"

    def step(self, X, y):
        params, n = self.params, X.shape[0]
        activations = [X]
        for W, b in params[:-1]:
            a = activations[-1] @ W
            a += b
            np.negative(a, out=a)
            with np.errstate(over="ignore"):
                np.exp(a, out=a)
            a += 1.0
            np.reciprocal(a, out=a)
            activations.append(a)
        W, b = params[-1]
        dz = activations[-1] @ W
        dz += b
        dz -= dz.max(axis=1, keepdims=True)
        rows = np.arange(n)
        picked = dz[rows, y]
        np.exp(dz, out=dz)
        sum_exp = dz.sum(axis=1)
        loss = float(np.sum(np.log(sum_exp) - picked)) / n
        dz /= sum_exp[:, None]
        dz[rows, y] -= 1.0
        dz /= n
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            a = activations[i]
            dW = a.T @ dz
            db = dz.sum(axis=0)
            if i > 0:
                dz = dz @ W.T
                dz *= a
                a -= 1.0  # a is not needed after this: a (1 - a) = -a (a - 1)
                dz *= a
                np.negative(dz, out=dz)
            dW *= self.lr
            W -= dW
            db *= self.lr
            b -= db
        return loss


class TorchStep:
    """PyTorch on the CPU in float64: nn.Sequential, F.cross_entropy, backward, optim.SGD."""

    name = "torch"

    def __init__(self, weights, lr, torch):
        self.torch = torch
        layers = []
        for i, (W, b) in enumerate(weights):
            linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W.T.copy()))  # torch stores (n_out, n_in)
                linear.bias.copy_(torch.from_numpy(b.copy()))
            layers.append(linear)
            if i < len(weights) - 1:
                layers.append(torch.nn.Sigmoid())
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self._inputs = {}

    def prepare(self, X, y):
        """Convert a batch to tensors once, outside the timed steps."""
        self._inputs[id(X), id(y)] = (self.torch.from_numpy(X), self.torch.from_numpy(y))

    def step(self, X, y):
        if (id(X), id(y)) not in self._inputs:
            self.prepare(X, y)
        Xt, yt = self._inputs[id(X), id(y)]
        self.optimizer.zero_grad()
        loss = self.torch.nn.functional.cross_entropy(self.model(Xt), yt)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self):
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in linears]


class PerExampleLoopStep(PlainNumpyStep):
    """One example at a time: forward and backward on vectors, gradients summed over the
    batch, then divided by its size, then one update (the older textbook layout)."""

    name = "loop"

    def step(self, X, y):
        params, n = self.params, X.shape[0]
        grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        total = 0.0
        for x, label in zip(X, y):
            activations = [x]
            for W, b in params[:-1]:
                activations.append(1 / (1 + np.exp(-(activations[-1] @ W + b))))
            W, b = params[-1]
            logits = activations[-1] @ W + b
            shifted = logits - logits.max()
            exp = np.exp(shifted)
            total += math.log(exp.sum()) - shifted[label]
            dz = exp / exp.sum()
            dz[label] -= 1.0
            for i in range(len(params) - 1, -1, -1):
                W, _ = params[i]
                a = activations[i]
                gW, gb = grads[i]
                gW += np.outer(a, dz)
                gb += dz
                if i > 0:
                    dz = (W @ dz) * a * (1 - a)
        for (W, b), (gW, gb) in zip(params, grads):
            W -= self.lr * (gW / n)
            b -= self.lr * (gb / n)
        return total / n


class Gemm512:
    """Not a contender: a 512x512 float64 matmul (2 * 512^3 flops), timed in every round of
    the rotation, so that each step's share of the machine's GEMM peak is taken against a
    peak measured under the same load, a moment earlier or later."""

    name = "gemm512"
    flops = 2 * 512**3

    def __init__(self):
        rng = np.random.default_rng(4)
        self.A, self.B = rng.standard_normal((512, 512)), rng.standard_normal((512, 512))
        self.out = np.empty((512, 512))

    def step(self, X, y):
        return np.matmul(self.A, self.B, out=self.out)


def step_gemm_flops(batch):
    """Matmul flops of one step, as nnlib.cost.matmul_flops counts them: 2 B n_in n_out per
    product, forward and every dW, and every dx except the input layer's, which no contender
    computes. Elementwise work is not counted."""
    forward, backward = matmul_flops(nnlib.mlp(SIZES, rng=np.random.default_rng(0)), batch)
    return forward + backward


def make_contenders(weights, torch):
    """nnlib first (every ratio is taken to it), then the others; torch when installed."""
    contenders = [NnlibStep(weights, LR), TextbookStep(weights, LR), FusedNumpyStep(weights, LR)]
    if torch is not None:
        contenders.append(TorchStep(weights, LR, torch))
    contenders.append(PerExampleLoopStep(weights, LR))
    return contenders


def starting_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [(nnlib.init_weights(n_in, n_out, "xavier", rng), 0.1 * rng.standard_normal(n_out))
            for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]


def check_same_computation(X, y, torch):
    """Every contender, one step from the same weights: same loss, same new weights.

    Returns {contender: largest relative difference to nnlib}; raises AssertionError when
    one differs by more than TOLERANCE, since timing different computations means nothing.
    """
    weights = starting_weights(seed=1)
    reference, *others = make_contenders(weights, torch)
    ref_loss = reference.step(X, y)
    ref_weights = reference.weights()
    worst = {}
    for contender in others:
        loss = contender.step(X, y)
        errors = [abs(loss - ref_loss) / abs(ref_loss)]
        for (W, b), (W_ref, b_ref) in zip(contender.weights(), ref_weights):
            errors.append(nnlib.rel_error(W, W_ref))
            errors.append(nnlib.rel_error(b, b_ref))
        worst[contender.name] = max(errors)
        assert worst[contender.name] < TOLERANCE, (
            f"{contender.name} computes something else than nnlib on a batch of {len(y)}: "
            f"largest relative difference {worst[contender.name]:.2e} (loss {loss!r} vs {ref_loss!r})")
    return worst
