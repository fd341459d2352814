"""Gradient descent: the update rule w <- w - eta * dL/dw, gradient clipping, and the
optimisers that remember past gradients: heavy-ball momentum and Adam.

Momentum and Adam follow torch.optim's conventions exactly (torch.optim.SGD with
momentum=β and torch.optim.Adam / AdamW), so a run here and a run there from the same
weights on the same gradients take the same steps.

Each function checks every (param, grad) pair before it changes any, so a bad pair
raises with the model left as it was, never half updated.
"""

import numpy as np

from ._validate import require_bool, require_number, require_parameters, require_positive, require_still_writable


def check_lr(lr, where):
    """The learning rate must be a positive finite number, or this raises. Returns it as a float."""
    return require_positive(lr, "lr", where)


def check_gradient_shape(p, g, where):
    """A gradient must have its parameter's shape, or this raises."""
    if p.shape != g.shape:
        raise ValueError(
            f"{where}: a gradient has shape {g.shape} but its parameter has shape "
            f"{p.shape}; expected matching shapes"
        )


def sgd_step(parameters, lr):
    """One step of gradient descent, in place: p -= lr * g for each (p, g).

    parameters: a list of (param, grad) pairs of matching shapes, as returned by
    model.parameters() (the list stays valid: backward writes into the same arrays).
    Every pair is checked before any parameter changes.
    """
    lr = check_lr(lr, "sgd_step")
    for p, g in require_parameters(parameters, "sgd_step"):
        p -= lr * g


def _grad_norm(pairs):
    """sqrt(Σ g²) over every entry of every gradient, without overflow on the way."""
    with np.errstate(over="ignore"):  # a square beyond the largest float is handled below
        total = sum(float(np.sum(np.square(g, dtype=np.float64))) for _, g in pairs)
    if total == np.inf:  # scale by the largest entry first: ‖g‖ = m ‖g / m‖
        m = max(float(np.max(np.abs(g))) for _, g in pairs if g.size)
        if m < np.inf:
            return m * float(np.sqrt(sum(float(np.sum(np.square(g / m))) for _, g in pairs)))
    return float(np.sqrt(total))


def global_grad_norm(parameters):
    """The 2-norm of all gradients taken together as one long vector."""
    return _grad_norm(require_parameters(parameters, "global_grad_norm", write_params=False))


def clip_gradients(parameters, max_norm):
    """Scale all gradients in place so their global 2-norm is at most max_norm.

    Returns the norm before clipping. The direction of the update is kept; only its
    length is capped, which tames exploding gradients. A norm that is not finite (a
    NaN or inf gradient) cannot be scaled down: it is returned, the gradients untouched.
    """
    max_norm = require_positive(max_norm, "max_norm", "clip_gradients")
    pairs = require_parameters(parameters, "clip_gradients", write_params=False, write_grads=True)
    norm = _grad_norm(pairs)
    if max_norm < norm < np.inf:
        factor = max_norm / norm
        for _, g in pairs:
            g *= factor
    return norm


# --------------------------------------------------------------------------- optimisers with state


def optimiser_pairs(parameters, where):
    """The (param, grad) pairs an optimiser keeps: every pair checked before any is kept
    (require_parameters), at least one, and no parameter twice (it would be updated twice a
    step). Returns them as a new list of tuples, so a change to the caller's list later
    changes nothing here."""
    pairs = require_parameters(parameters, where)
    if not pairs:
        raise ValueError(f"{where}: parameters is empty; expected the (param, grad) pairs of a model "
                         f"with at least one parameter")
    seen = {}
    for i, (p, _) in enumerate(pairs):
        if id(p) in seen:
            raise ValueError(f"{where}: parameters[{i}] is the same array as parameters[{seen[id(p)]}]; "
                             f"each parameter may appear once, or it would be updated twice a step")
        seen[id(p)] = i
    return [(p, g) for p, g in pairs]


class Momentum:
    """Gradient descent with heavy-ball momentum, as torch.optim.SGD(momentum=beta) takes it.

    parameters: [(param, grad), ...] as model.parameters() returns (taken once: backward
    writes each gradient into the same array); lr: η > 0; beta: β in [0, 1).
    weight_decay: λ ≥ 0 adds λ·p to the gradient first (L2 regularisation in the gradient,
    as torch.optim.SGD(weight_decay=λ) does); the gradient arrays themselves are not changed.

    Each step(), for every parameter p with gradient g and its velocity v (zeros at first):
        v ← β v + g,   p ← p − η v
    so the first step is plain gradient descent, p − η g (torch.optim.SGD starts its buffer
    at g, the same thing). On a quadratic with curvature λ the iteration is stable exactly when
    0 < ηλ < 2(1 + β) (momentum_stability_limit). beta=0 is sgd_step.
    """

    def __init__(self, parameters, lr, beta=0.9, *, weight_decay=0.0):
        where = "Momentum"
        self.lr = check_lr(lr, where)
        self.beta = require_number(beta, "beta", where, low=0, high=1, high_open=True)
        self.weight_decay = require_number(weight_decay, "weight_decay", where, low=0)
        self.parameters = optimiser_pairs(parameters, where)
        self._params = [p for p, _ in self.parameters]
        self.velocities = [np.zeros_like(p) for p in self._params]  # v, one per parameter

    def step(self):
        """Update every parameter in place from its current gradient."""
        require_still_writable(self._params, "parameters", "Momentum.step", "the optimiser took it")
        for (p, g), v in zip(self.parameters, self.velocities):
            if self.weight_decay:
                g = g + self.weight_decay * p  # L2 in the gradient: d(½λ‖p‖²)/dp = λp
            v[...] = self.beta * v + g  # v ← βv + g: past gradients, each shrunk by β per step
            p -= self.lr * v  # p ← p − ηv

    def __repr__(self):
        return f"Momentum(lr={self.lr:g}, beta={self.beta:g}, {len(self.parameters)} parameters)"


def momentum_update_matrix(lr, curvature, beta):
    """The heavy-ball step on the quadratic ½λw² as a 2x2 linear map of (w, v).

    With g = λw, v' = βv + λw and w' = w − ηv' = (1 − ηλ)w − ηβv, so
        (w', v') = M (w, v),   M = [[1 − ηλ, −ηβ], [λ, β]].
    lr: η; curvature: λ; beta: β. Returns M (2, 2); the iteration shrinks to 0 exactly when
    both eigenvalues of M lie inside the unit circle.
    Any finite η, λ and β give the matrix (ηλ ≤ 0 included, to see why it never converges).
    """
    where = "momentum_update_matrix"
    lr, curvature, beta = (require_number(v, name, where) for v, name in
                           ((lr, "lr"), (curvature, "curvature"), (beta, "beta")))
    return np.array([[1 - lr * curvature, -lr * beta], [curvature, beta]], dtype=float)


def momentum_stability_limit(curvature, beta):
    """The largest learning rate for which heavy-ball momentum converges on ½λw²: 2(1 + β)/λ.

    M's characteristic polynomial is μ² − (1 + β − ηλ)μ + β. Its roots lie inside the unit
    circle exactly when |β| < 1 and |1 + β − ηλ| < 1 + β (the Jury conditions), that is
    0 < ηλ < 2(1 + β); at the edge M has the eigenvalue −1. curvature: λ > 0; beta in [0, 1).
    """
    where = "momentum_stability_limit"
    curvature = require_number(curvature, "curvature", where, low=0, low_open=True)
    beta = require_number(beta, "beta", where, low=0, high=1, high_open=True)
    return 2 * (1 + beta) / curvature


class Adam:
    """Adam with bias correction, as torch.optim.Adam takes it (and AdamW with decoupled=True).

    parameters: [(param, grad), ...] as model.parameters() returns (taken once);
    lr: η > 0; beta1, beta2: β₁, β₂ in [0, 1); eps: ε > 0, keeps the step finite where
    a gradient has been zero.

    Each step() increments t and, for every entry of every parameter p with gradient g
    (moments m, v starting at zero):
        m ← β₁ m + (1 − β₁) g,      v ← β₂ v + (1 − β₂) g²
        m̂ = m / (1 − β₁ᵗ),          v̂ = v / (1 − β₂ᵗ)
        p ← p − η m̂ / (√v̂ + ε)
    The corrections undo the pull towards the zeros m and v start from: at t = 1, m̂ = g
    and v̂ = g², so the first step moves every entry by about η.

    The rules act on each entry alone, so the entries of all parameters are handled as one
    vector (in the order of model.parameters(), each parameter flattened): numpy then runs
    each rule once for the whole model rather than once per parameter. first_moments and
    second_moments are each parameter's m and v, as views of those vectors.

    Weight decay λ = weight_decay ≥ 0 comes in two kinds:
      decoupled=False (torch.optim.Adam(weight_decay=λ)): L2 in the gradient, g ← g + λp
        before the moments, so the decay is divided by √v̂ like the rest of the gradient;
      decoupled=True (torch.optim.AdamW(weight_decay=λ)): p ← p − ηλp before the Adam step,
        the same shrink for every weight whatever its gradient history.
    The gradient arrays themselves are never changed.
    """

    def __init__(self, parameters, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, *,
                 weight_decay=0.0, decoupled=False):
        where = "Adam"
        self.lr = check_lr(lr, where)
        self.beta1 = require_number(beta1, "beta1", where, low=0, high=1, high_open=True)
        self.beta2 = require_number(beta2, "beta2", where, low=0, high=1, high_open=True)
        self.eps = require_positive(eps, "eps", where)
        self.weight_decay = require_number(weight_decay, "weight_decay", where, low=0)
        self.decoupled = require_bool(decoupled, "decoupled", where)
        self.parameters = optimiser_pairs(parameters, where)
        self._params = [p for p, _ in self.parameters]
        self.t = 0  # steps taken so far
        ends = np.cumsum([p.size for p, _ in self.parameters])
        self._pieces = [(slice(end - p.size, end), p.shape) for (p, _), end in zip(self.parameters, ends)]
        dtype = np.result_type(*[p for p, _ in self.parameters])
        self.m = np.zeros(int(ends[-1]), dtype)  # first moment of every entry
        self.v = np.zeros(int(ends[-1]), dtype)  # second moment of every entry
        self.first_moments = self._split(self.m)
        self.second_moments = self._split(self.v)

    def _split(self, vector):
        """The vector cut into views shaped like the parameters, in their order."""
        return [vector[piece].reshape(shape) for piece, shape in self._pieces]

    def step(self):
        """Update every parameter in place from its current gradient."""
        require_still_writable(self._params, "parameters", "Adam.step", "the optimiser took it")
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        # every gradient as one vector, in the moments' dtype (an integer gradient becomes float)
        g = np.concatenate([g.ravel() for _, g in self.parameters], dtype=self.m.dtype)
        if self.weight_decay and not self.decoupled:
            g += self.weight_decay * np.concatenate([p.ravel() for p, _ in self.parameters])  # L2: g ← g + λp
        self.m[...] = b1 * self.m + (1 - b1) * g  # first moment: running mean of the gradient
        self.v[...] = b2 * self.v + (1 - b2) * g * g  # second moment: running mean of its square
        m_hat = self.m / (1 - b1**t)  # bias correction: m started at 0
        v_hat = self.v / (1 - b2**t)
        update = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # η m̂ / (√v̂ + ε)
        for p, step in zip(self._params, self._split(update)):
            if self.weight_decay and self.decoupled:
                p -= self.lr * self.weight_decay * p  # decoupled decay: p ← p − ηλp
            p -= step  # p ← p − η m̂ / (√v̂ + ε)

    def __repr__(self):
        return (f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g}, eps={self.eps:g}, "
                f"{len(self.parameters)} parameters)")
