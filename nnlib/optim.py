"""Gradient descent: the update rule w <- w - eta * dL/dw, gradient clipping, and the
optimisers that remember past gradients: heavy-ball momentum and Adam.

Momentum and Adam follow torch.optim's conventions exactly (torch.optim.SGD with
momentum=β and torch.optim.Adam / AdamW), so a run here and a run there from the same
weights on the same gradients take the same steps.

Each function checks every (param, grad) pair before it changes any, so a bad pair
raises with the model left as it was, never half updated.
"""

import numpy as np

from ._validate import require_number, require_parameters, require_positive


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


def require_fraction(value, name, where, *, one_allowed=False):
    """A decay rate or probability must be a finite number in [0, 1) (or [0, 1]), or this raises."""
    value = require_number(value, name, where)
    if not (0 <= value < 1 or (one_allowed and value == 1)):
        span = "[0, 1]" if one_allowed else "[0, 1)"
        raise ValueError(f"{where}: {name} must be a number in {span}, got {value!r}")
    return value


def check_parameter_pairs(parameters, where):
    """parameters as a list of (param, grad) pairs of float arrays with matching shapes, or this raises.

    Every pair is checked before an optimiser keeps any of them, and no array may appear
    twice (it would be updated twice per step).
    """
    try:
        pairs = list(parameters)
    except TypeError:
        raise TypeError(f"{where}: parameters must be a list of (param, grad) pairs such as "
                        f"model.parameters() returns, got {type(parameters).__name__}") from None
    if not pairs:
        raise ValueError(f"{where}: parameters is empty; expected the (param, grad) pairs of a model "
                         f"with at least one parameter")
    seen = {}
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and all(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in pair)):
            raise TypeError(f"{where}: parameters[{i}] must be a (param, grad) pair of float numpy "
                            f"arrays, got {pair!r:.80}")
        p, g = pair
        if p.shape != g.shape:
            raise ValueError(f"{where}: parameters[{i}] has a gradient of shape {g.shape} but the "
                             f"parameter has shape {p.shape}; expected matching shapes")
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
        check_lr(lr, where)
        self.beta = require_fraction(beta, "beta", where)
        self.weight_decay = require_number(weight_decay, "weight_decay", where, 0)
        self.parameters = check_parameter_pairs(parameters, where)
        self.lr = float(lr)
        self.velocities = [np.zeros_like(p) for p, _ in self.parameters]  # v, one per parameter

    def step(self):
        """Update every parameter in place from its current gradient."""
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
    lr: η; curvature: λ; beta: β in [0, 1). η and λ may be any finite numbers (ηλ ≤ 0 too, to
    show that it never converges there). Returns M (2, 2); the iteration shrinks to 0 exactly
    when both eigenvalues of M lie inside the unit circle.
    """
    where = "momentum_update_matrix"
    lr = require_number(lr, "lr", where)
    curvature = require_number(curvature, "curvature", where)
    beta = require_fraction(beta, "beta", where)
    return np.array([[1 - lr * curvature, -lr * beta], [curvature, beta]], dtype=float)


def momentum_stability_limit(curvature, beta):
    """The largest learning rate for which heavy-ball momentum converges on ½λw²: 2(1 + β)/λ.

    M's characteristic polynomial is μ² − (1 + β − ηλ)μ + β. Its roots lie inside the unit
    circle exactly when |β| < 1 and |1 + β − ηλ| < 1 + β (the Jury conditions), that is
    0 < ηλ < 2(1 + β); at the edge M has the eigenvalue −1. curvature: λ > 0; beta in [0, 1).
    """
    curvature = require_number(curvature, "curvature", "momentum_stability_limit")
    if curvature <= 0:
        raise ValueError(f"momentum_stability_limit: curvature must be positive, got {curvature!r}")
    beta = require_fraction(beta, "beta", "momentum_stability_limit")
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
        check_lr(lr, where)
        self.beta1 = require_fraction(beta1, "beta1", where)
        self.beta2 = require_fraction(beta2, "beta2", where)
        self.eps = require_number(eps, "eps", where)
        if self.eps <= 0:
            raise ValueError(f"{where}: eps must be a positive number, got {eps!r}")
        self.weight_decay = require_number(weight_decay, "weight_decay", where, 0)
        if not isinstance(decoupled, bool):
            raise TypeError(f"{where}: decoupled must be True or False, got {decoupled!r}")
        self.decoupled = decoupled
        self.parameters = check_parameter_pairs(parameters, where)
        self.lr = float(lr)
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
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        g = np.concatenate([g.ravel() for _, g in self.parameters])  # every gradient as one vector
        if self.weight_decay and not self.decoupled:
            g += self.weight_decay * np.concatenate([p.ravel() for p, _ in self.parameters])  # L2: g ← g + λp
        self.m[...] = b1 * self.m + (1 - b1) * g  # first moment: running mean of the gradient
        self.v[...] = b2 * self.v + (1 - b2) * g * g  # second moment: running mean of its square
        m_hat = self.m / (1 - b1**t)  # bias correction: m started at 0
        v_hat = self.v / (1 - b2**t)
        update = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # η m̂ / (√v̂ + ε)
        for (p, _), step in zip(self.parameters, self._split(update)):
            if self.weight_decay and self.decoupled:
                p -= self.lr * self.weight_decay * p  # decoupled decay: p ← p − ηλp
            p -= step  # p ← p − η m̂ / (√v̂ + ε)

    def __repr__(self):
        return (f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g}, eps={self.eps:g}, "
                f"{len(self.parameters)} parameters)")
