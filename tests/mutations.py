"""Planted bugs in nnlib: each must make some notebook fail (tests/test_mutations.py runs them).

Each mutation replaces one exact piece of text in one nnlib module (``old`` must occur exactly
once, so a refactor that removes or repeats it fails the test loudly instead of letting the
mutant pass vacuously). They are the mistakes a person writing nnlib would plausibly make: a
wrong derivative, a missing transpose, a sign, a missing 1/N, ``=`` for ``+=``, a reference
kept where a copy was needed. ``hint`` names the notebook tried first (the one whose checks
should catch it); without it, the notebooks that name the mutated function go first.

Add one: append a Mutation with a short unique id, the module, the exact old and new text, and
why it is a realistic bug. Then run ``pytest -m mutation -k <id>``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    id: str
    path: str  # relative to the repository root
    old: str
    new: str
    why: str
    hint: str = ""  # the notebook expected to catch it, tried first


M = Mutation
MUTATIONS = [
    # ---------------------------------------------------------------- activations
    M("sigmoid-sign", "nnlib/activations.py", "return 1 / (1 + np.exp(-z))", "return 1 / (1 + np.exp(z))",
      "e^(z) for e^(-z): the sigmoid mirrored", "01_forward_pass"),
    M("sigmoid-prime-no-square", "nnlib/activations.py", "return e / (1 + e) ** 2", "return e / (1 + e)",
      "the square of the quotient rule's denominator dropped", "04_backprop_one_neuron"),
    M("sigmoid-prime-from-output-sign", "nnlib/activations.py",
      "sigmoid_prime.from_output = lambda a: a * (1 - a)", "sigmoid_prime.from_output = lambda a: a * (1 + a)",
      "σ(1 + σ) for σ(1 − σ)", "04_backprop_one_neuron"),
    M("tanh-prime-no-square", "nnlib/activations.py", "return 1 - t * t", "return 1 - t",
      "1 − tanh for 1 − tanh²", "04_backprop_one_neuron"),
    M("tanh-prime-from-output-sign", "nnlib/activations.py",
      "tanh_prime.from_output = lambda a: 1 - a * a", "tanh_prime.from_output = lambda a: a * a - 1",
      "tanh² − 1: the derivative's sign flipped", "04_backprop_one_neuron"),
    M("relu-prime-at-kink", "nnlib/activations.py", "return (z > 0).astype(z.dtype)",
      "return (z >= 0).astype(z.dtype)", "relu'(0) = 1 where the documented convention is 0",
      "04_backprop_one_neuron"),
    M("relu-leaky", "nnlib/activations.py", "return np.maximum(z, 0)", "return np.maximum(z, 0.01 * z)",
      "a leaky ReLU where plain ReLU is documented (its derivative still says 0 for z < 0)",
      "04_backprop_one_neuron"),
    M("activation-backward-no-upstream", "nnlib/activations.py",
      "return da * (f_prime(z) if from_output is None else from_output(a))",
      "return f_prime(z) if from_output is None else from_output(a)",
      "f'(z) returned without multiplying by the upstream gradient da", "04_backprop_one_neuron"),
    M("activation-backward-fprime-of-a", "nnlib/activations.py",
      "return da * (f_prime(z) if from_output is None else from_output(a))",
      "return da * f_prime(a)", "f' evaluated at the activation a instead of at z", "04_backprop_one_neuron"),
    # ---------------------------------------------------------------- layers
    M("dense-forward-bias-discarded", "nnlib/layers.py", "    z += b  #", "    z + b  #",
      "the bias added but the result never assigned", "01_forward_pass"),
    M("dense-backward-no-transpose", "nnlib/layers.py", "dx = dz @ W.T if input_grad else None",
      "dx = dz @ W if input_grad else None", "dx = dz W instead of dz Wᵀ (silent when W is square)",
      "05_backprop_layers"),
    M("dense-backward-dw-extra-mean", "nnlib/layers.py", "dW = x.T @ dz  #", "dW = x.T @ dz / len(x)  #",
      "dW divided by N again, though dz already carries the 1/N of the mean loss", "04_backprop_one_neuron"),
    M("dense-backward-db-mean", "nnlib/layers.py", "db = dz.sum(axis=0)", "db = dz.mean(axis=0)",
      "db averaged over the batch instead of summed", "04_backprop_one_neuron"),
    # ---------------------------------------------------------------- losses
    M("mse-gradient-no-1-over-n", "nnlib/losses.py", "return loss, diff / n", "return loss, diff",
      "the gradient of a batch mean without its 1/N", "02_loss_functions"),
    M("mse-loss-no-half", "nnlib/losses.py", "loss = 0.5 * float(np.sum(diff * diff)) / n",
      "loss = float(np.sum(diff * diff)) / n", "the ½ of ½(ŷ − y)² dropped from the loss but not the gradient",
      "02_loss_functions"),
    M("mse-gradient-sign", "nnlib/losses.py", "diff = y_hat - y", "diff = y - y_hat",
      "y − ŷ for ŷ − y: the gradient points uphill (the loss is unchanged)", "02_loss_functions"),
    M("bce-gradient-logits-form", "nnlib/losses.py", "dp = (p_safe - y) / (p_safe * (1 - p_safe)) / n",
      "dp = (p_safe - y) / n", "the fused sigmoid+BCE gradient used for BCE of probabilities",
      "02_loss_functions"),
    M("bce-with-logits-sign", "nnlib/losses.py", "dz = (sigmoid(z) - y) / n", "dz = (y - sigmoid(z)) / n",
      "y − σ(z) for σ(z) − y", "02_loss_functions"),
    M("softmax-normalised-over-batch", "nnlib/losses.py", "return e / e.sum(axis=-1, keepdims=True)",
      "return e / e.sum()", "softmax normalised over the whole batch instead of each row", "02_loss_functions"),
    M("softmax-ce-onehot-column", "nnlib/losses.py", "dlogits[rows, y] -= 1", "dlogits[:, y] -= 1",
      "one-hot subtracted from whole columns instead of one entry per row", "02_loss_functions"),
    M("softmax-ce-gradient-no-1-over-n", "nnlib/losses.py", "return loss, dlogits / n", "return loss, dlogits",
      "the softmax gradient without the batch mean's 1/N", "02_loss_functions"),
    M("softmax-ce-loss-sign", "nnlib/losses.py", "np.log(sum_exp) - shifted[rows, y]",
      "np.log(sum_exp) + shifted[rows, y]", "+z_y for −z_y in the cross-entropy", "02_loss_functions"),
    # ---------------------------------------------------------------- the scalar graph
    M("value-mul-assign", "nnlib/graph.py", "self.grad += other.data * out.grad",
      "self.grad = other.data * out.grad", "= for += in Value.__mul__'s backward: a reused left operand "
      "keeps only its last path", "03_chain_rule"),
    M("value-backward-no-zeroing", "nnlib/graph.py", "        for node in order:\n            node.grad = 0.0\n",
      "", "Value.backward does not zero the gradients first: a second backward adds to the first",
      "03_chain_rule"),
    M("value-pow-exponent", "nnlib/graph.py", "exponent * self.data ** (exponent - 1) * out.grad",
      "exponent * self.data ** exponent * out.grad", "n·aⁿ for n·aⁿ⁻¹ in the power rule", "03_chain_rule"),
    M("value-tanh-no-square", "nnlib/graph.py", 'return self._unary(t, 1.0 - t * t, "tanh")',
      'return self._unary(t, 1.0 - t, "tanh")', "1 − tanh for 1 − tanh² on the scalar graph", "03_chain_rule"),
    M("value-exp-derivative", "nnlib/graph.py", 'return self._unary(e, e, "exp")',
      'return self._unary(e, self.data, "exp")', "d(eˣ)/dx taken as x", "03_chain_rule"),
    # ---------------------------------------------------------------- models, initialisation
    M("dense-rebinds-gradient", "nnlib/models.py", "self.dW[...] = dW", "self.dW = dW",
      "the gradient rebound to a new array: a parameters() list taken once keeps the old one",
      "07_training_loop"),
    M("xavier-variance-halved", "nnlib/init.py", "return float(np.sqrt(2.0 / (n_in + n_out)))",
      "return float(np.sqrt(1.0 / (n_in + n_out)))", "Xavier with 1/(n_in + n_out) for 2/(n_in + n_out)",
      "08_vanishing_exploding"),
    M("he-variance-not-std", "nnlib/init.py", "return float(np.sqrt(2.0 / n_in))", "return float(2.0 / n_in)",
      "He's variance 2/n_in used as the standard deviation (a missing square root)", "08_vanishing_exploding"),
    # ---------------------------------------------------------------- optimisation
    M("sgd-ascent", "nnlib/optim.py", "        p -= lr * g\n", "        p += lr * g\n",
      "+ for −: gradient ascent", "04_backprop_one_neuron"),
    M("sgd-rebinds", "nnlib/optim.py", "        p -= lr * g\n", "        p = p - lr * g\n",
      "p = p − ηg rebinds a local name: the parameters never change", "04_backprop_one_neuron"),
    M("global-norm-no-sqrt", "nnlib/optim.py",
      "return float(np.sqrt(sum(float(np.sum(g * g)) for _, g in parameters)))",
      "return float(sum(float(np.sum(g * g)) for _, g in parameters))",
      "global_grad_norm without the square root: the squared norm", "08_vanishing_exploding"),
    M("clip-factor-inverted", "nnlib/optim.py", "factor = max_norm / norm", "factor = norm / max_norm",
      "the clipping factor upside down: large gradients grow", "08_vanishing_exploding"),
    # ---------------------------------------------------------------- checking
    M("numerical-gradient-over-h", "nnlib/gradcheck.py", "return (f_plus - f_minus) / (2 * h)",
      "return (f_plus - f_minus) / h", "the central difference divided by h instead of 2h", "00_welcome"),
    M("numerical-gradient-no-restore", "nnlib/gradcheck.py",
      "        x[i] = old  # put the entry back before the next one moves\n", "",
      "each entry left at x − h after its difference", "05_backprop_layers"),
    M("rel-error-of-sum", "nnlib/gradcheck.py", "np.maximum(1e-8, np.abs(a) + np.abs(b))",
      "np.maximum(1e-8, np.abs(a + b))", "|a + b| for |a| + |b|: opposite signs look like a huge error",
      "05_backprop_layers"),
    # ---------------------------------------------------------------- training
    M("minibatch-labels-unshuffled", "nnlib/train.py", "            yield X[idx], y[idx]",
      "            yield X[idx], y[start:start + batch_size]",
      "the inputs shuffled but the labels taken in order: every batch mislabelled", "07_training_loop"),
    M("minibatch-off-by-one", "nnlib/train.py", "idx = order[start:start + batch_size]",
      "idx = order[start:start + batch_size - 1]", "each batch one row short: some rows never seen",
      "07_training_loop"),
    M("patience-off-by-one", "nnlib/train.py", "return patience is not None and epoch - best_epoch >= patience",
      "return patience is not None and epoch - best_epoch > patience",
      "early stopping one epoch later than patience says", "07_training_loop"),
    M("restore-best-rebinds", "nnlib/train.py", "            p[...] = saved", "            p = saved",
      "the best weights assigned to a local name: the model keeps its last weights", "07_training_loop"),
    M("epoch-loss-unweighted", "nnlib/train.py", "total += value * len(Xb)", "total += value",
      "the epoch's loss summed per batch but divided by rows", "07_training_loop"),
    M("holdout-leaks", "nnlib/data.py", "hold, keep = order[:n_hold], order[n_hold:]",
      "hold, keep = order[:n_hold], order", "the hold-out rows also kept for training", "09_capstone"),
    M("confusion-transposed", "nnlib/train.py", "np.add.at(counts, (y_true, y_pred), 1)",
      "np.add.at(counts, (y_pred, y_true), 1)", "rows and columns of the confusion matrix swapped", "09_capstone"),
    # ---------------------------------------------------------------- dynamics (the explorers' mathematics)
    M("stability-limit-lambda-min", "nnlib/dynamics.py", "return 2.0 / float(np.linalg.eigvalsh(H)[-1])",
      "return 2.0 / float(np.linalg.eigvalsh(H)[0])", "2/λ_min for 2/λ_max (eigvalsh sorts ascending)",
      "06_gradient_descent"),
    M("shrink-factor-no-abs", "nnlib/dynamics.py", "return float(np.max(np.abs(1.0 - lr * np.linalg.eigvalsh(H))))",
      "return float(np.max(1.0 - lr * np.linalg.eigvalsh(H)))", "max(1 − ηλ) without |·|: overshooting "
      "steps look stable", "06_gradient_descent"),
    M("hvp-not-rescaled", "nnlib/dynamics.py", "return (grad(w + h * u) - grad(w - h * u)) / (2 * h) * size",
      "return (grad(w + h * u) - grad(w - h * u)) / (2 * h)", "H·v for a unit v, never scaled back by ‖v‖",
      "06_gradient_descent"),
    M("trend-n-not-sqrt-n", "nnlib/dynamics.py", "return np.asarray(sigma_w * np.sqrt(n_in) * rms_fp, dtype=float)",
      "return np.asarray(sigma_w * n_in * rms_fp, dtype=float)", "σ_W·n for σ_W·√n in the expected trend",
      "08_vanishing_exploding"),
    M("flow-verdict-inverted", "nnlib/dynamics.py", "ratio = norms[0] / norms[-1]", "ratio = norms[-1] / norms[0]",
      "last/first for first/last: vanishing called exploding", "08_vanishing_exploding"),
    M("sgd-steps-records-eta-times-norm", "nnlib/dynamics.py",
      "norms.append([np.linalg.norm(d.dW) for d in dense])", "norms.append([lr * np.linalg.norm(d.dW) for d in dense])",
      "sgd_steps records η‖∂L/∂W‖ as the gradient norm", "08_vanishing_exploding"),
    M("sgd-steps-keeps-references", "nnlib/dynamics.py", "before = [d.W.copy() for d in dense]",
      "before = [d.W for d in dense]", "references kept instead of copies: every update size is 0",
      "08_vanishing_exploding"),
    # ---------------------------------------------------------------- regularisation (notebook 14)
    M("dropout-no-rescale", "nnlib/dropout.py", "mask = keep.astype(x.dtype) / x.dtype.type(1 - p)",
      "mask = keep.astype(x.dtype)", "plain dropout where inverted is documented: the mean falls to (1 − p)x",
      "14_regularisation_and_diagnostics"),
    M("dropout-keeps-with-probability-p", "nnlib/dropout.py", "keep = rng.random(x.shape) >= p",
      "keep = rng.random(x.shape) < p", "p read as the probability of keeping a unit, not of dropping it",
      "14_regularisation_and_diagnostics"),
    M("dropout-backward-ignores-mask", "nnlib/dropout.py", "return dout * cache.mask  # the mask",
      "return dout.copy()  # the mask", "the gradient passed straight through, as if nothing had been dropped",
      "14_regularisation_and_diagnostics"),
    M("adam-l2-when-decoupled", "nnlib/optim.py", "if self.weight_decay and not self.decoupled:",
      "if self.weight_decay and self.decoupled:", "the two kinds of weight decay swapped (Adam's flag inverted)",
      "14_regularisation_and_diagnostics"),
    M("adamw-decay-without-lr", "nnlib/optim.py", "p -= self.lr * self.weight_decay * p",
      "p -= self.weight_decay * p", "decoupled decay p ← p − λp, the learning rate forgotten",
      "14_regularisation_and_diagnostics"),
    M("momentum-l2-sign", "nnlib/optim.py", "g = g + self.weight_decay * p",
      "g = g - self.weight_decay * p", "λp subtracted from the gradient: weight growth instead of decay",
      "14_regularisation_and_diagnostics"),
]
