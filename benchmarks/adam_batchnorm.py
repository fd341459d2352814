"""One training step with batch normalisation and Adam, written three ways.

The network is mlp(contenders.SIZES) with a BatchNorm after each hidden Dense layer, before its sigmoid:
Dense, BatchNorm, sigmoid, Dense, BatchNorm, sigmoid, Dense. The step is forward (batch norm
on the batch's statistics, its running averages updated), softmax cross-entropy, backward and
one Adam step (torch.optim.Adam's defaults, lr = LR). Every contender is built from the same
list of (W, b) pairs and offers step(X, y) -> loss and state() -> the parameters in the order
[W, b, gamma, beta, W, b, gamma, beta, W, b] followed by the running means and variances.
"""

import numpy as np
from contenders import TorchStep

import nnlib

LR = 1e-3
MOMENTUM = 0.1  # batch norm's running averages, torch's default
EPS = 1e-5  # batch norm's ε, torch's default


class NnlibAdamBatchNormStep:
    """The step with nnlib's layers and optimiser, as a learner's own loop would take it."""

    name = "nnlib"

    def __init__(self, weights):
        rng = np.random.default_rng(0)
        layers = []
        for i, (W, b) in enumerate(weights):
            dense = nnlib.Dense(*W.shape, rng=rng)
            dense.W[...], dense.b[...] = W, b
            layers.append(dense)
            if i < len(weights) - 1:
                layers += [nnlib.BatchNorm(W.shape[1], momentum=MOMENTUM, eps=EPS), nnlib.Activation("sigmoid")]
        self.model = nnlib.Sequential(*layers)
        self.optimiser = nnlib.Adam(self.model.parameters(), lr=LR)

    def step(self, X, y):
        loss, dlogits = nnlib.softmax_cross_entropy(self.model.forward(X), y)
        self.model.backward(dlogits, input_grad=False)
        self.optimiser.step()
        return loss

    def state(self):
        return [p.copy() for p, _ in self.model.parameters()] + [b.copy() for b in self.model.buffers()]


class TextbookAdamBatchNormStep:
    """The notebooks' formulas in plain numpy: a new array for every operation, no classes."""

    name = "textbook"

    def __init__(self, weights):
        self.params = []
        for i, (W, b) in enumerate(weights):
            self.params += [W.copy(), b.copy()]
            if i < len(weights) - 1:
                self.params += [np.ones(W.shape[1]), np.zeros(W.shape[1])]
        hidden = [W.shape[1] for W, _ in weights[:-1]]
        self.running = [s for n in hidden for s in (np.zeros(n), np.ones(n))]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, X, y):
        a, caches = X, []
        for layer in range(len(self.running) // 2):  # Dense, batch norm, sigmoid
            W, b, gamma, beta = self.params[4 * layer:4 * layer + 4]
            z = a @ W + b
            n, mean, var = len(z), z.mean(axis=0), z.var(axis=0)
            running_mean, running_var = self.running[2 * layer:2 * layer + 2]
            running_mean[...] = (1 - MOMENTUM) * running_mean + MOMENTUM * mean
            running_var[...] = (1 - MOMENTUM) * running_var + MOMENTUM * var * n / (n - 1)
            sigma = np.sqrt(var + EPS)
            z_hat = (z - mean) / sigma
            a_out = 1 / (1 + np.exp(-(gamma * z_hat + beta)))
            caches.append((a, z_hat, sigma, a_out))
            a = a_out
        W, b = self.params[-2:]
        logits = a @ W + b
        N, K = logits.shape
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        loss = np.mean(-np.log(probs[np.arange(N), y]))
        dz = (probs - np.eye(K)[y]) / N
        grads = [a.T @ dz, dz.sum(axis=0)]
        da = dz @ W.T
        for layer in reversed(range(len(caches))):
            W, _, gamma, _ = self.params[4 * layer:4 * layer + 4]
            a_in, z_hat, sigma, a_out = caches[layer]
            dy = da * a_out * (1 - a_out)
            dgamma, dbeta = (dy * z_hat).sum(axis=0), dy.sum(axis=0)
            dz = gamma / sigma * (dy - dy.mean(axis=0) - z_hat * (dy * z_hat).mean(axis=0))
            grads = [a_in.T @ dz, dz.sum(axis=0), dgamma, dbeta] + grads
            if layer > 0:
                da = dz @ W.T
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g * g
            m_hat = m / (1 - 0.9**self.t)
            v_hat = v / (1 - 0.999**self.t)
            p -= LR * m_hat / (np.sqrt(v_hat) + 1e-8)
        return float(loss)

    def state(self):
        return [p.copy() for p in self.params] + [s.copy() for s in self.running]


class TorchAdamBatchNormStep(TorchStep):
    """PyTorch on the CPU in float64: nn.Sequential with BatchNorm1d, F.cross_entropy, optim.Adam
    (the batch conversion and the step itself are TorchStep's)."""

    name = "torch"

    def __init__(self, weights, torch):  # not TorchStep.__init__, which builds its own network
        self.torch = torch
        layers = []
        for i, (W, b) in enumerate(weights):
            linear = torch.nn.Linear(*W.shape, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W.T.copy()))
                linear.bias.copy_(torch.from_numpy(b.copy()))
            layers.append(linear)
            if i < len(weights) - 1:
                layers += [torch.nn.BatchNorm1d(W.shape[1], momentum=MOMENTUM, eps=EPS, dtype=torch.float64),
                           torch.nn.Sigmoid()]
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self._inputs = {}

    def state(self):
        params, buffers = [], []
        for module in self.model:
            if isinstance(module, self.torch.nn.Linear):
                params += [module.weight.detach().numpy().T.copy(), module.bias.detach().numpy().copy()]
            elif isinstance(module, self.torch.nn.BatchNorm1d):
                params += [module.weight.detach().numpy().copy(), module.bias.detach().numpy().copy()]
                buffers += [module.running_mean.numpy().copy(), module.running_var.numpy().copy()]
        return params + buffers


def make_contenders(weights, torch):
    """nnlib first (every ratio is taken to it), then the textbook step, then torch when installed."""
    contenders = [NnlibAdamBatchNormStep(weights), TextbookAdamBatchNormStep(weights)]
    if torch is not None:
        contenders.append(TorchAdamBatchNormStep(weights, torch))
    return contenders


# The order of every contender's state(). The Dense biases just before batch norm are left out
# of the comparison: batch norm subtracts every column's mean, so their gradient is zero but for
# rounding, and Adam turns that noise into steps of about η |g| / ε = 1e5 |g|, different in every
# correct implementation (measured: 1.5e-10 of the bias's size after three steps against torch).
# They change nothing else: the loss and the other parameters do not depend on them.
STATE_NAMES = ["W0", "b0", "gamma0", "beta0", "W1", "b1", "gamma1", "beta1", "W2", "b2",
               "running_mean0", "running_var0", "running_mean1", "running_var1"]
UNCHECKED = {"b0", "b1"}


def scaled_difference(a, b):
    """The largest difference of two arrays over the largest entry of b: a running mean has entries
    near zero, whose relative error says nothing about the whole."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def check_same_computation(X, y, torch, weights, tolerance, steps=3):
    """Every contender, `steps` steps from the same weights: the same losses, parameters and running
    statistics as nnlib. Returns {contender: largest difference (scaled_difference)}; raises
    AssertionError beyond tolerance, since timing different computations means nothing."""
    reference, *others = make_contenders(weights, torch)
    ref_losses = [reference.step(X, y) for _ in range(steps)]
    ref_state = reference.state()
    worst = {}
    for contender in others:
        losses = [contender.step(X, y) for _ in range(steps)]
        errors = [abs(a - b) / abs(b) for a, b in zip(losses, ref_losses)]
        errors += [scaled_difference(a, b) for name, a, b in zip(STATE_NAMES, contender.state(), ref_state)
                   if name not in UNCHECKED]
        worst[contender.name] = max(errors)
        assert worst[contender.name] < tolerance, (
            f"{contender.name} computes something else than nnlib's Adam and batch-norm step on a batch of "
            f"{len(y)}: largest relative difference {worst[contender.name]:.2e}")
    return worst
