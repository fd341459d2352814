"""Assignment 4, training: the update rule, mini-batches, early stopping, a training loop, the
stability limit 2/λ_max and the learning rate answered with a plot.

References: nnlib.sgd_step, nnlib.early_stopping_epoch (with nnlib.train.patience_exhausted,
the rule train() uses), nnlib.mlp and nnlib.mse_loss for replaying a learner's training run,
nnlib.dynamics.stability_limit for 2/λ_max.
"""

import numpy as np

import nnlib
from nnlib.dynamics import stability_limit as limit_of_hessian
from nnlib.train import patience_exhausted

from ..givens import learning_rate_data
from . import generic
from .engine import (
    Case,
    Fail,
    Mistake,
    Task,
    call,
    check_own_rng,
    compare,
    explain,
    learner,
    lit,
    make,
    number,
    numbers,
    one_of,
    ref,
    returned,
)

# ------------------------------------------------------------------ 4.1 the update rule


NOT_IN_PLACE = ("If your loop does `p = p - lr * g`, or updates a copy (p.copy(), np.array(p)), that changes a new "
                "array and leaves the model's own array as it was: update the array itself, in place, with "
                "`p -= lr * g`.")
NOT_IN_PLACE_LABEL = "p = p − lr·g (a new array, params unchanged)"


class SgdUpdate(Task):
    test_id, exercise, functions = "ex4_1_tests", "4.1", ("sgd_update",)
    forbidden_names = ("nnlib.sgd_step",)

    def cases(self, rng, hidden):
        out = []
        for _ in range(2 if hidden else 1):
            n_in, n_hidden = (3, 2) if not hidden else (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
            shapes = {"W1": (n_in, n_hidden), "b1": (n_hidden,), "W2": (n_hidden, 1), "b2": (1,)}
            params = {k: rng.normal(size=s) for k, s in shapes.items()}
            grads = {k: rng.normal(size=s) for k, s in shapes.items()}
            lr = 0.1 if not hidden else float(rng.uniform(0.05, 0.9))
            steps = [make("params", params), make("grads", grads),
                     call(learner("sgd_update"), ref("params"), ref("grads"), lit(lr), report=("params", "grads"))]
            out.append(Case(steps, {"params": params, "grads": grads, "lr": lr}, f"lr = {lr:.3g}"))
        return out

    def judge(self, case, calls):
        params, grads, lr = case.context["params"], case.context["grads"], case.context["lr"]
        step = calls[-1]
        returned(step, "sgd_update")
        after, same = step.after.get("params"), step.same.get("params", {})
        for name, g in grads.items():
            now = step.after.get("grads", {}).get(name)
            if not (isinstance(now, np.ndarray) and np.array_equal(now, g)):
                raise Fail(f"sgd_update changed grads[{name!r}]: the gradients must be left alone (`g *= lr` "
                           f"scales them in place). Compute the step as lr * grads[{name!r}], a new array.",
                           mistake="changed the gradients")
        if not isinstance(after, dict) or set(after) != set(params):
            raise Fail(f"after sgd_update, params should still hold {sorted(params)}, it holds "
                       f"{sorted(map(str, after)) if isinstance(after, dict) else after!r}",
                       mistake="changed the keys of params")
        if all(np.array_equal(after[k], params[k]) for k in params):
            raise Fail(f"params did not change. {NOT_IN_PLACE}", mistake=NOT_IN_PLACE_LABEL)
        for name, p in params.items():
            expected = p - lr * grads[name]
            mistakes = [Mistake(f"your params[{name!r}] moved uphill: w ← w − η ∂L/∂w subtracts the step; yours adds "
                                "it", p + lr * grads[name], "moved uphill"),
                        Mistake(f"your params[{name!r}] moved by the whole gradient: the learning rate is missing, "
                                "w ← w − η ∂L/∂w", p - grads[name], "learning rate missing"),
                        Mistake(f"params[{name!r}] did not change: "
                                + ("the bias needs its update too" if name.startswith("b") else "update every entry"),
                                p, "a parameter left out"),
                        Mistake(f"your params[{name!r}] moved by lr² · g: multiply by lr once",
                                p - lr * lr * grads[name], "lr²"),
                        Mistake(f"your params[{name!r}] moved by g / lr: multiply the gradient by lr, do not divide",
                                p - grads[name] / lr, "divided by lr"),
                        Mistake(f"your params[{name!r}] moved by lr · p, the parameter where its gradient belongs: "
                                "w ← w − η ∂L/∂w", p - lr * p, "parameter where the gradient belongs"),
                        Mistake(f"your params[{name!r}] moved by lr + g, a sum where the product belongs: "
                                "w ← w − η ∂L/∂w, p -= lr * g", p - (lr + grads[name]), "lr + g instead of lr · g"),
                        Mistake(f"your params[{name!r}] was replaced by −lr · g: the step is subtracted from the "
                                "parameter, p -= lr * g, not written over it", -lr * grads[name],
                                "overwritten with the step"),
                        Mistake(f"your params[{name!r}] moved by lr · g²: the gradient is squared. w ← w − η ∂L/∂w",
                                p - lr * grads[name] ** 2, "gradient squared"),
                        Mistake(f"your params[{name!r}] was multiplied by (1 − lr · g), which moves it by lr · g · p; "
                                "the step subtracts lr · g itself: p -= lr * g", p * (1 - lr * grads[name]),
                                "multiplied instead of subtracted"),
                        Mistake(f"your params[{name!r}] moved by lr · sign(g), a step of the same size in every entry: "
                                "the step is lr times the gradient itself, w ← w − η ∂L/∂w",
                                p - lr * np.sign(grads[name]), "sign of the gradient")]
            step = after[name] - p if isinstance(after[name], np.ndarray) and after[name].shape == p.shape else None
            factor = None if step is None else generic.constant_factor("step", step, -lr * grads[name], 1e-7, 1e-12)
            if factor is not None and factor.label.startswith("off by"):  # the direction is right, the size not
                k = (factor.label.removeprefix("off by a factor ") + " ×" if "a factor " in factor.label
                     else "a constant multiple of")
                mistakes.append(Mistake(f"your params[{name!r}] moved in the right direction, but by {k} lr · g: "
                                        "w ← w − η ∂L/∂w takes the step lr · g itself", after[name],
                                        f"step {factor.label}"))
            compare(f"params[{name!r}] after the update", after[name], expected, mistakes, where=case.where,
                    start=p, sizes={"η (lr)": lr})
            if not same.get(name, True):
                raise Fail(f"sgd_update put a new array into params[{name!r}] "
                           "(`params[name] = params[name] - lr * g`): the values are right, but a model that holds "
                           f"the old array never sees them. Update in place: params[{name!r}] -= lr * grads[{name!r}]",
                           mistake="a new array instead of in place")


# ------------------------------------------------------------------ 4.2 mini-batches

def _rng_state(rng_step):
    return rng_step.value if rng_step.ok else None


def _batches(value, n):
    """The learner's batches as integer arrays, or Fail saying what they are instead."""
    if value is None:
        raise Fail("minibatch_indices returned None. Did it forget to `return` the list of batches?",
                   mistake="forgot to return")
    if not isinstance(value, (list, tuple)):
        kind = getattr(value, "type_name", type(value).__name__)
        raise Fail(f"minibatch_indices should return a list of index arrays, got a {kind}"
                   + (" (a generator or map? wrap it in list(...))" if hasattr(value, "type_name") else ""),
                   mistake=f"returned a {kind}")
    out = []
    for i, batch in enumerate(value):
        if isinstance(batch, (list, tuple)):
            raise Fail(f"batch {i} is a Python {type(batch).__name__}; the text asks for numpy integer arrays "
                       "(slicing rng.permutation(n) gives them)", mistake="batches as Python lists")
        if not isinstance(batch, np.ndarray) or batch.ndim != 1 or batch.dtype.kind not in "iu":
            what = f"an array of dtype {batch.dtype} and shape {batch.shape}" if isinstance(batch, np.ndarray) else \
                f"a {type(batch).__name__}"
            raise Fail(f"batch {i} is {what}; each batch should be a 1-D numpy array of integer row indices",
                       mistake="batches not integer arrays")
        out.append(batch)
    return out


def batch_diagnosis(batches, n, batch_size):
    """Fail with the likely mistake when the batches do not cover 0..n−1 once, in the right sizes."""
    sizes = [len(b) for b in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    every = np.concatenate(batches) if batches else np.array([], dtype=int)
    unique = set(every.tolist())
    head = f"for n = {n}, batch_size = {batch_size}: batch sizes {sizes}, expected {expected}"
    if sizes == expected and sorted(unique) == list(range(n)) and len(every) == n:
        return
    if unique and (min(unique) < 0 or max(unique) >= n):
        shifted = sorted(unique) == list(range(1, n + 1))
        raise Fail(f"{head}. Your indices run from {min(unique)} to {max(unique)}; row indices run from 0 to {n - 1}"
                   + (" (did you add 1?)" if shifted else ""), mistake="indices from 1" if shifted else None)
    if len(sizes) == batch_size and n != batch_size * batch_size and sorted(every.tolist()) == list(range(n)):
        raise Fail(f"{head}.\n  Likely mistake: np.array_split(order, batch_size) makes batch_size batches; you want "
                   "batches of batch_size rows: order[start:start + batch_size] for start in range(0, n, batch_size)",
                   mistake="np.array_split(order, batch_size)")
    if len(every) > n and sorted(unique) == list(range(n)) and all(s == batch_size for s in sizes) and \
            list(every[:n].tolist()) and len(set(every[:n].tolist())) == n:
        raise Fail(f"{head}.\n  Likely mistake: the last batch was filled up to batch_size with rows already used; "
                   "keep it smaller: it holds only the rows that are left", mistake="last batch filled up")
    if len(every) < n and len(unique) == len(every):
        unused = n - len(every)
        raise Fail(f"{head}: {unused} {'row is' if unused == 1 else 'rows are'} never used.\n  Likely mistake: "
                   + ("the last, smaller batch was dropped (range(0, n - batch_size, ...) or n // batch_size batches); "
                      "keep it so every row is seen" if sizes == expected[:len(sizes)] else
                      "the slices skip rows: take order[start:start + batch_size] with start stepping by batch_size"),
                   mistake="last batch dropped" if sizes == expected[:len(sizes)] else "slices skip rows")
    if len(every) != len(unique):
        repeated = len(every) - len(unique)
        raise Fail(f"{head}: {repeated} indices appear twice and {n - len(unique)} rows are missing.\n  Likely "
                   "mistake: sampled with replacement (rng.integers or rng.choice(n, n)); use rng.permutation(n), "
                   "which holds every row once", mistake="sampled with replacement")
    raise Fail(f"{head}: the last batch holds what is left, every other one batch_size rows",
               mistake="wrong batch sizes")


class MinibatchIndices(Task):
    test_id, exercise, functions = "ex4_2_tests", "4.2", ("minibatch_indices",)
    forbidden_names = ("nnlib.iterate_minibatches",)

    def cases(self, rng, hidden):
        sizes = [(20, 6)] if not hidden else [(int(rng.integers(9, 30)), int(rng.integers(2, 8))), (12, 4), (3, 5)]
        out = []
        for n, batch_size in sizes:
            seed = int(rng.integers(2**31))
            state = {"attr": [{"attr": [ref("rng"), "bit_generator"]}, "state"]}
            steps = [{"op": "make", "name": "rng", "kind": "rng", "seed": seed},
                     call(learner("minibatch_indices"), lit(n), lit(batch_size), ref("rng")),
                     {"op": "read", "value": state},
                     call(learner("minibatch_indices"), lit(n), lit(batch_size), ref("rng"))]
            out.append(Case(steps, {"n": n, "batch_size": batch_size, "seed": seed},
                            f"n = {n}, batch_size = {batch_size}"))
        return out

    def judge(self, case, calls):
        n, batch_size, seed = case.context["n"], case.context["batch_size"], case.context["seed"]
        first = _batches(returned(calls[1], "minibatch_indices"), n)
        batch_diagnosis(first, n, batch_size)
        check_own_rng(calls[1], "minibatch_indices")
        second = _batches(returned(calls[3], "minibatch_indices"), n)
        order, again = np.concatenate(first), np.concatenate(second)
        untouched = _rng_state(calls[2]) == np.random.default_rng(seed).bit_generator.state
        ordered = n >= 8  # with fewer rows a shuffle gives the same order too often to tell
        if ordered and np.array_equal(order, np.arange(n)) and np.array_equal(again, np.arange(n)):
            raise Fail(f"the rows come in their original order 0, 1, 2, ... ({case.where}).\n  Likely mistake: forgot "
                       "to shuffle: take the order from rng.permutation(n)", mistake="forgot to shuffle")
        if untouched:
            raise Fail("minibatch_indices never drew from the rng it was given" +
                       (", and two epochs came in the same order.\n  Likely mistake: a new generator with a fixed "
                        "seed inside the function; draw from the rng you are given: rng.permutation(n)"
                        if ordered and np.array_equal(order, again) else ": shuffle with rng.permutation(n)"),
                       mistake="a new generator with a fixed seed" if ordered and np.array_equal(order, again)
                       else "rng not used")
        if ordered and np.array_equal(order, again):
            raise Fail("two epochs drawn from the same rng came in the same order: draw a new permutation every call",
                       mistake="the same order every epoch")


# ------------------------------------------------------------------ 4.3 when to stop

def stopping_rule(better, stop_when):
    """An early-stopping rule: improvement test better(value, best), stop test stop_when(epoch, best_epoch)."""
    def rule(val_losses):
        best, best_epoch = np.inf, None
        for epoch, value in enumerate(val_losses):
            if better(value, best):
                best, best_epoch = value, epoch
            elif stop_when(epoch, best_epoch):
                return epoch
        return None
    return rule


def _never_reset(patience):
    def rule(val_losses):
        best, bad = np.inf, 0
        for epoch, value in enumerate(val_losses):
            if value < best:
                best = value
            else:
                bad += 1
                if bad >= patience:
                    return epoch
        return None
    return rule


def stopping_variants(patience):
    """Wrong stopping rules for this patience: [(hint, rule, label)], each built from nnlib's rule."""
    strict = lambda v, b: v < b  # noqa: E731
    return [
        ("stopped one epoch late: stop once epoch − best_epoch >= patience, not >",
         stopping_rule(strict, lambda e, b: patience_exhausted(e, b, patience + 1)), "one epoch late (>)"),
        ("stopped one epoch early: stop once epoch − best_epoch >= patience",
         stopping_rule(strict, lambda e, b: patience_exhausted(e, b, max(patience - 1, 0))), "one epoch early"),
        ("counted a tie as an improvement: only a strictly lower loss is better",
         stopping_rule(lambda v, b: v <= b, lambda e, b: patience_exhausted(e, b, patience)), "a tie counted (<=)"),
        ("stopped once epoch >= patience, counted from the start; patience counts the epochs since the best "
         "one: epoch − best_epoch >= patience", stopping_rule(strict, lambda e, b: e >= patience),
         "− best_epoch left out"),
        ("stopped at the first epoch without improvement; patience allows that many epochs without one",
         stopping_rule(strict, lambda e, b: patience_exhausted(e, b, 1)), "patience ignored"),
        ("the counter of epochs without improvement is never reset: after a new best epoch it starts again from 0",
         _never_reset(patience), "counter never reset"),
        ("training never stops early: either the test epoch − best_epoch >= patience never runs, or the best loss "
         "is never updated (best stays inf), so every epoch looks like an improvement; set best = loss together "
         "with best_epoch = epoch", stopping_rule(lambda v, b: True, lambda e, b: False), "never stops"),
    ] + [(f"counted only improvements larger than a threshold (loss < best − {delta:g}): the text counts any lower "
          "loss as an improvement, however small", stopping_rule(lambda v, b, d=delta: v < b - d,
                                                                 lambda e, b: patience_exhausted(e, b, patience)),
          "improvement threshold") for delta in (1e-2, 1e-3, 1e-4, 1e-6)]


def stop_epoch_diagnosis(got, cases):
    """(hint, label) of the likely mistake behind a list of wrong stopping epochs, or None."""
    reference = [nnlib.early_stopping_epoch(v, p) for v, p in cases]
    shapes = [
        ("returned the best epoch; the answer is the epoch after which training stops",
         [None if r is None else int(np.argmin(v[: r + 1])) for r, (v, _) in zip(reference, cases)], "best epoch"),
        ("counted epochs from 1; the text counts from 0", [None if r is None else r + 1 for r in reference],
         "epochs counted from 1"),
        ("returned epoch − 1, the epoch before the one that used up the patience; training stops after the epoch "
         "where epoch − best_epoch >= patience first holds: return that epoch",
         [None if r is None else r - 1 for r in reference], "epoch − 1"),
        ("returned the last epoch when training never stops early; return None then",
         [len(v) - 1 if r is None else r for r, (v, _) in zip(reference, cases)], "last epoch instead of None"),
        ("skipped epoch 0 (enumerate(val_losses[1:])): every epoch number comes out one too small, and the first "
         "loss is never compared. Go through every loss, enumerate(val_losses), counting from 0",
         [nnlib.early_stopping_epoch(v[1:], p) for v, p in cases], "first epoch skipped"),
        ("skipped epoch 0 (range(1, len(val_losses))): its loss is never compared, so the best epoch can come out "
         "wrong. Go through every loss, counting from 0",
         [None if r is None else r + 1 for r in (nnlib.early_stopping_epoch(v[1:], p) for v, p in cases)],
         "first epoch skipped"),
        ("returned −1 when training never stops early; return None then",
         [-1 if r is None else r for r in reference], "−1 instead of None"),
        ("returned len(val_losses) when training never stops early; return None then",
         [len(v) if r is None else r for r, (v, _) in zip(reference, cases)], "len(val_losses) instead of None"),
    ]
    for hint, answers, label in shapes:
        if got == answers:
            return hint, label
    for i in range(len(stopping_variants(1))):
        answers = [stopping_variants(p)[i][1](v) for v, p in cases]
        if got == answers:
            return stopping_variants(1)[i][0], stopping_variants(1)[i][2]
    for hint, rule, label in _compared_with_the_previous():
        if got == [_outcome(rule, v, p) for v, p in cases]:
            return hint, label
    return None


def _outcome(rule, val_losses, patience):
    """What rule(val_losses, patience) gives, or ("raised", the exception's type name)."""
    try:
        return rule(val_losses, patience)
    except Exception as exc:  # noqa: BLE001  (a wrong rule fails the way the learner's does)
        return ("raised", type(exc).__name__)


def _compared_with_the_previous():
    """Rules that compare each loss with the epoch before's instead of the best so far: [(hint, rule, label)].
    Read as written, val_losses[epoch - 1] at epoch 0 is the last loss of the list."""
    def previous(val_losses, patience, guard):
        best_epoch = None
        for epoch, loss in enumerate(val_losses):
            if (guard and epoch == 0) or loss < val_losses[epoch - 1]:
                best_epoch = epoch
            elif epoch - best_epoch >= patience:
                return epoch
        return None

    hint = ("each loss is compared with the epoch before's (val_losses[epoch − 1]) instead of the best so far; "
            "a loss lower than the last one is not yet an improvement. Keep the best loss in a variable "
            "(best = float(\"inf\") at the start) and compare with it")
    return [(hint + (" (at epoch 0, val_losses[epoch − 1] is the last loss of the list, so best_epoch may still be "
                     "None when it is used)" if not guard else ""),
             lambda v, p, g=guard: previous(v, p, g), "compared with the previous epoch") for guard in (False, True)]


def _losses_with_plateaus(rng):
    """Validation losses with ties, plateaus and tiny improvements (any lower loss counts)."""
    n = int(rng.integers(3, 12))
    steps = rng.choice([-0.2, -0.1, -0.05, -1e-4, 0.0, 0.0, 0.05, 0.1], size=n)
    return [float(round(v, 4)) for v in 1.0 + np.cumsum(steps)], int(rng.integers(1, 5))


EARLY_STOPPING_CASES = (
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
    ([1.0, 0.9, 0.8, 0.7, 0.6], 2),
    ([0.5, 0.5, 0.5, 0.4, 0.6, 0.6], 2),
    ([1.0, 1.1, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88], 3),
    ([0.3, 0.4], 1),
    ([1.0, 0.9, 0.8999, 0.95, 0.96], 2),  # 0.8999 is an improvement, however small
)


class EarlyStopping(Task):
    test_id, exercise, functions = "ex4_3_tests", "4.3", ("early_stopping_epoch",)
    forbidden_names = ("nnlib.early_stopping_epoch", "nnlib.train.patience_exhausted", "nnlib.train")

    def cases(self, rng, hidden):
        pairs = list(EARLY_STOPPING_CASES) if not hidden else [_losses_with_plateaus(rng) for _ in range(8)]
        steps = []
        for i, (losses, patience) in enumerate(pairs):
            steps += [make(f"losses{i}", list(losses)),
                      call(learner("early_stopping_epoch"), ref(f"losses{i}"), lit(patience), report=(f"losses{i}",))]
        return [Case(steps, {"pairs": pairs}, "")]

    def judge(self, case, calls):
        pairs, got, wrong, raised = case.context["pairs"], [], [], None
        for i, (losses, patience) in enumerate(pairs):
            step = calls[2 * i + 1]
            if not step.ok:  # what the code raised, and on which lists, may show which rule it follows
                raised = raised or step
                got.append(("raised", (step.error or {}).get("type")))
                continue
            if raised:
                got.append(step.value)
                continue
            answer = returned(step, "early_stopping_epoch")
            if step.after.get(f"losses{i}") != list(losses):
                raise Fail("early_stopping_epoch changed the list of validation losses it was given; read it only",
                           mistake="changed its input in place")
            if answer is not None and not (isinstance(answer, (int, np.integer)) and not isinstance(answer, bool)):
                raise Fail(f"early_stopping_epoch should return an integer epoch or None, got {answer!r:.60}",
                           mistake="not an integer or None")
            answer = None if answer is None else int(answer)
            got.append(answer)
            expected = nnlib.early_stopping_epoch(losses, patience)
            if answer != expected:
                wrong.append(f"val_losses={list(losses)}, patience={patience}: expected {expected}, got {answer!r}")
        if raised:
            error = explain(raised.error or {}, "early_stopping_epoch")
            found = stop_epoch_diagnosis(got, pairs)
            if found:
                raise Fail(f"{error}\n  Likely mistake: {found[0]}", mistake=found[1], kind="error")
            raise error
        if wrong:
            hint, label = stop_epoch_diagnosis(got, pairs) or (None, None)
            raise Fail("early_stopping_epoch gave the wrong epoch:\n  " + "\n  ".join(wrong[:4])
                       + (f"\n  Likely mistake: {hint}" if hint else "\n  The checks cannot tell which step is "
                          "wrong: follow your code by hand on the first of these lists, epoch by epoch"),
                       mistake=label)


# ------------------------------------------------------------------ 4.4 a training loop


def _row_index(X):
    return {row.tobytes(): i for i, row in enumerate(X)}


class Replay:
    """A learner's training run, followed step by step from what its model saw.

    Every forward pass that a backward pass follows is a training step: the replay finds
    which rows of X it used, does the same step with nnlib (mse_loss, backward with the
    learner's own gradient, an update with lr), and remembers the batch's loss. A forward
    pass of X_val is a validation: the replay notes its loss and the weights at that moment.
    step_first: replay the update before the backward pass instead (a known slip: each step
    then uses the previous batch's gradients).
    """

    def __init__(self, log, data, sizes, seed, lr, *, step_first=False):
        X, y, X_val = data["X"], data["y"], data["X_val"]
        self.model = nnlib.mlp(sizes, rng=np.random.default_rng(seed))
        self.steps, self.vals, self.train_evals, self.douts = [], [], [], []
        self.before_training = []  # losses on X_val measured before the first step: not an epoch's
        rows, i = _row_index(X), 0
        while i < len(log):
            kind, arr = log[i][:2]
            follows = i + 1 < len(log) and log[i + 1][0] == "backward"
            if kind == "forward" and follows:
                idx = [rows.get(np.asarray(r, dtype=float).tobytes()) for r in arr] if arr.ndim == 2 else [None]
                out = self.model.forward(arr)
                loss = nnlib.mse_loss(out, y[idx])[0] if None not in idx else np.nan
                if None not in idx:  # the gradient of the loss of what the learner's model put out
                    self.douts.append((log[i + 1][1], nnlib.mse_loss(log[i][2], y[idx])[1], log[i][2]))
                rate = lr(len(arr)) if callable(lr) else lr  # a rate that depends on the batch's size
                if step_first:
                    self._update(rate)
                self._backward(log[i + 1][1], out.shape)
                if not step_first:
                    self._update(rate)
                self.steps.append((len(self.vals), idx, loss))
                i += 1
            elif kind != "forward":
                pass  # a backward pass with no forward pass before it: nothing to follow
            elif arr.shape == X_val.shape and np.array_equal(arr, X_val) and not self.steps:
                self.before_training.append(nnlib.mse_loss(self.model.forward(arr), data["y_val"])[0])
            elif arr.shape == X_val.shape and np.array_equal(arr, X_val):
                self.vals.append((nnlib.mse_loss(self.model.forward(arr), data["y_val"])[0], self.weights()))
            elif arr.shape == X.shape and np.array_equal(arr, X):
                self.train_evals.append((len(self.vals), nnlib.mse_loss(self.model.forward(arr), y)[0]))
            else:
                self.model.forward(arr)
            i += 1

    def _backward(self, dout, shape):
        if np.shape(dout) != shape:
            raise Fail(f"model.backward was given an array of shape {np.shape(dout)}; the model's output has shape "
                       f"{shape}: pass the gradient nnlib.mse_loss returns for the batch", mistake="wrong dy_hat shape")
        self.model.backward(dout)

    def _update(self, lr):
        if lr > 0:
            nnlib.sgd_step(self.model.parameters(), lr)
        else:  # a replay of an update that climbs the loss
            for p, g in self.model.parameters():
                p += -lr * g

    def weights(self):
        return [p.copy() for p, _ in self.model.parameters()]

    def epoch_batches(self, epoch):
        return [(idx, loss) for e, idx, loss in self.steps if e == epoch]


def _line_data(rng, n=160):
    X, y = nnlib.data.make_line(n, rng)
    X_tr, y_tr, X_val, y_val = nnlib.data.split(X, y, 0.25, rng)
    return {"X": X_tr, "y": y_tr, "X_val": X_val, "y_val": y_val}


def _data_at_the_minimum(data, sizes, seed):
    """The same inputs with targets the model of ``seed`` already fits exactly: every gradient is 0,
    so every epoch's validation loss ties with the first, and a tie is no improvement."""
    model = nnlib.mlp(sizes, rng=np.random.default_rng(seed))
    return {"X": data["X"], "y": model.forward(data["X"]),
            "X_val": data["X_val"], "y_val": model.forward(data["X_val"])}


class Fit(Task):
    test_id, exercise, functions = "ex4_4_tests", "4.4", ("fit",)
    forbidden_names = ("nnlib.train", "nnlib.sgd_step", "nnlib.iterate_minibatches")  # withheld while grading

    def cases(self, rng, hidden):
        configs = [dict(lr=0.3, batch_size=16, max_epochs=60, patience=3)] if not hidden else [
            dict(lr=float(rng.uniform(0.1, 0.5)), batch_size=int(rng.choice([8, 10, 12, 20])), max_epochs=60,
                 patience=int(rng.integers(2, 5))),
            dict(lr=float(rng.uniform(0.05, 0.2)), batch_size=int(rng.choice([16, 24])), max_epochs=4, patience=5),
            dict(lr=float(rng.uniform(0.1, 0.5)), batch_size=16, max_epochs=12, patience=int(rng.integers(2, 5)))]
        out = []
        for k, config in enumerate(configs):
            data = _line_data(rng)
            model_seed, rng_seed = int(rng.integers(2**31)), int(rng.integers(2**31))
            if k == 2:  # a run that starts at its best: it must stop `patience` epochs in
                data = _data_at_the_minimum(data, [1, 1], model_seed)
            kwargs = {k: lit(v) for k, v in config.items()}
            kwargs["rng"] = ref("rng")
            steps = [make(k, v) for k, v in data.items()] + [
                {"op": "make", "name": "model", "kind": "recording_model", "sizes": [1, 1], "seed": model_seed},
                {"op": "make", "name": "rng", "kind": "rng", "seed": rng_seed},
                call(learner("fit"), ref("model"), ref("X"), ref("y"), ref("X_val"), ref("y_val"), kwargs=kwargs,
                     report=tuple(data)),
                {"op": "read", "value": ref("model_log")},
                call({"attr": [ref("model"), "parameters"]})]
            where = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in config.items())
            out.append(Case(steps, {"data": data, "config": config, "seed": model_seed}, where))
        return out

    def judge(self, case, calls):
        data, config, seed = case.context["data"], case.context["config"], case.context["seed"]
        fit_call = calls[6]
        history = returned(fit_call, "fit")
        for name, value in data.items():
            if not np.array_equal(fit_call.after.get(name), value):
                raise Fail(f"fit changed {name} in place; the data must stay as it was",
                           mistake="changed the data in place")
        check_own_rng(fit_call, "fit")
        if not isinstance(history, dict) or not {"train_loss", "val_loss", "best_epoch"} <= set(history):
            raise Fail("fit should return a dict with keys 'train_loss', 'val_loss' and 'best_epoch', got "
                       + ("None. Did it forget to `return`?" if history is None else f"{history!r:.100}"),
                       mistake="forgot to return" if history is None else "history keys missing")
        log = calls[7].value if calls[7].ok else []
        replay = Replay(log, data, [1, 1], seed, config["lr"])
        val = _losses(history, "val_loss")
        train = _losses(history, "train_loss")
        _check_steps(replay, data, config)
        _check_val(replay, val, log, data, seed, config)
        _check_train(replay, train, val)
        _check_stop(history, val, config)
        _check_weights(replay, calls[8], val)


def _losses(history, key):
    try:
        values = [float(v) for v in history[key]]
    except (TypeError, ValueError):
        raise Fail(f"history[{key!r}] should be a list of numbers, one per epoch, got {history[key]!r:.80}",
                   mistake="losses not numbers") from None
    return values


def _check_steps(replay, data, config):
    if not replay.steps:
        raise Fail("fit never took a training step: expected model.forward(Xb) then model.backward(dy_hat) for every "
                   "mini-batch", mistake="no training step")
    n, bs = len(data["X"]), config["batch_size"]
    if any(None in idx for _, idx, _ in replay.steps):
        raise Fail("fit trained on rows that are not rows of X (did it train on X_val, or change X?)",
                   mistake="trained on rows not in X")
    orders = []
    for epoch in sorted({e for e, _, _ in replay.steps}):
        batches = [np.array(idx) for idx, _ in replay.epoch_batches(epoch)]
        if n > bs and batches and all(len(set(b.tolist())) == n for b in batches):
            raise Fail(f"every training step of epoch {epoch} used all {n} rows of X, {len(batches)} times: the "
                       f"forward pass and the loss took the whole training set (model.forward(X)), not the "
                       f"mini-batch.\n  Likely mistake: use the batch's rows, Xb, yb = X[rows], y[rows], then "
                       "nnlib.mse_loss(model.forward(Xb), yb)", mistake="the whole training set in every step")
        if epoch < len(replay.vals):
            batch_diagnosis(batches, n, bs)
        orders.append(np.concatenate(batches))
    if len(orders) > 1 and all(np.array_equal(o, np.arange(n)) for o in orders):
        raise Fail("every epoch visits the rows in their original order.\n  Likely mistake: forgot to shuffle: "
                   "take each epoch's order from rng (rng.permutation(len(X)), as in 4.2)", mistake="forgot to shuffle")
    if len(orders) > 1 and all(np.array_equal(o, orders[0]) for o in orders[1:]):
        raise Fail("every epoch visits the rows in the same order.\n  Likely mistake: the rows were shuffled once, "
                   "before the loop (or by a generator made inside fit with a fixed seed); draw a new order every "
                   "epoch from the rng you are given", mistake="shuffled once")
    _check_douts(replay, data)


def _check_douts(replay, data):
    """Whether model.backward got ∂L/∂ŷ of each batch; if not, what it got instead."""
    y = data["y"]
    scale = 1e-9 * max(1.0, float(np.max(np.abs(y))))

    def a_row_of_y(t):
        return float(np.min(np.max(np.abs(y - t), axis=1))) <= scale

    for given, right, out in replay.douts:
        if right is None or (given.shape == right.shape and np.allclose(given, right, rtol=1e-9, atol=1e-14)):
            continue
        n_rows = len(right)
        targets = out - n_rows * given  # what y_b was, if the learner's gradient is (ŷ − y_b)/N of some y_b
        factor = generic.constant_factor("dy_hat", given, right, 1e-7, 1e-12) if given.shape == right.shape else None
        if np.allclose(given, n_rows * right):
            what, label = "the sum over the batch: it is missing the 1/N of the mean", "dy_hat without 1/N"
        elif np.allclose(given, -right):
            what, label = "the gradient with the sign flipped", "dy_hat sign flipped"
        elif factor is not None and factor.label.startswith("off by a factor"):
            what, label = (f"{factor.label.removeprefix('off by a factor ')} × the gradient nnlib.mse_loss returns",
                           f"dy_hat {factor.label}")
        elif all(a_row_of_y(t) for t in targets):
            raise Fail("model.backward was given the gradient for targets that belong to other rows of X: the rows of "
                       "X and of y were taken in different orders.\n  Likely mistake: X and y were shuffled "
                       "separately (two permutations, or rng.shuffle on each); take one order and index both with it: "
                       "rows = order[start:start + batch_size]; Xb, yb = X[rows], y[rows]",
                       mistake="X and y shuffled separately")
        else:
            raise Fail("model.backward was not given ∂L/∂ŷ of the batch. Pass the gradient nnlib.mse_loss returns: "
                       "loss, dy_hat = nnlib.mse_loss(model.forward(Xb), yb); model.backward(dy_hat). The checks "
                       "cannot tell what your code passed instead.")
        raise Fail(f"model.backward was given {what}. Pass the gradient nnlib.mse_loss returns: "
                   "loss, dy_hat = nnlib.mse_loss(model.forward(Xb), yb); model.backward(dy_hat)", mistake=label)


def _check_val(replay, val, log, data, seed, config):
    if not replay.vals:
        if replay.train_evals:
            raise Fail("fit never measured the validation loss on X_val; the loss it records as val_loss comes from "
                       "the training data (model.forward(X)).\n  Likely mistake: validated on the training set; use "
                       "nnlib.mse_loss(model.forward(X_val), y_val)[0]", mistake="validated on the training set")
        raise Fail("fit never measured the validation loss: after every epoch, record "
                   "nnlib.mse_loss(model.forward(X_val), y_val)[0]", mistake="no validation loss")
    expected = [v for v, _ in replay.vals]
    if replay.before_training and len(val) == len(expected) + len(replay.before_training):
        # a look at the untrained model is fine (nnlib.train takes one); recording it as an epoch is not
        raise Fail("fit measured the validation loss before the first epoch's training and recorded it: record it "
                   "after each epoch's training only", mistake="validated before training")
    if len(val) != len(expected):
        raise Fail(f"history['val_loss'] has {len(val)} entries, but fit measured the loss on X_val "
                   f"{len(expected)} times: record one validation loss per epoch, after the epoch's training",
                   mistake="not one validation loss per epoch")
    if np.allclose(val, expected, rtol=1e-9, atol=1e-12):
        return
    fits = []
    for lr, hint, label, first in ((1.0, "the run behaves as if lr were 1: did fit pass its lr to the update?",
                                    "lr not used", False),
                                   (-config["lr"], "updated with +η: the rule is w ← w − η ∂L/∂w", "moved uphill",
                                    False),
                                   (0.1, "the run behaves as if lr were 0.1, not the lr fit was given: pass lr on",
                                    "a fixed lr", False),
                                   (0.01, "the run behaves as if lr were 0.01, not the lr fit was given: pass lr on",
                                    "a fixed lr", False),
                                   (0.0, f"the weights never changed. {NOT_IN_PLACE}", NOT_IN_PLACE_LABEL, False),
                                   *_step_sizes(config, len(data["X"])),
                                   (config["lr"], "the update came before model.backward, so each step used the "
                                    "previous batch's gradients (the first step none at all): forward, loss, backward, "
                                    "then update", "update before backward", True)):
        other = Replay(log, data, [1, 1], seed, lr, step_first=first)
        if len(other.vals) == len(val) and np.allclose(val, [v for v, _ in other.vals], rtol=1e-7):
            fits.append(Mistake(hint, None, label))
    if fits:
        found = one_of(fits)
        raise Fail(f"the validation losses do not follow mini-batch descent with lr = {config['lr']:.3g}.\n"
                   f"  Likely mistake: {found.hint}", mistake=found.name, readings=found.readings)
    factor = generic.constant_factor("history['val_loss']", np.array(val), np.array(expected), 1e-7, 1e-12)
    if factor is not None:
        raise Fail(f"history['val_loss'] does not hold the losses on X_val.\n  Likely mistake: {factor.hint}; record "
                   "nnlib.mse_loss(model.forward(X_val), y_val)[0], the mean loss itself", mistake=factor.label)
    # a training loss recorded where the validation loss belongs: the last batch's, or the epoch's mean
    by_epoch = [[(idx, loss) for e, idx, loss in replay.steps if e == epoch] for epoch in range(len(val))]
    if all(by_epoch):
        for text, values, label in (
                ("the loss of the epoch's last training batch", [s[-1][1] for s in by_epoch], "last batch's loss"),
                ("the epoch's mean training loss", [sum(len(i) * v for i, v in s) / sum(len(i) for i, _ in s)
                                                    for s in by_epoch], "training loss")):
            if np.allclose(val, values, rtol=1e-7, atol=1e-12):
                raise Fail(f"history['val_loss'] holds {text}, not the loss on X_val.\n  Likely mistake: a training "
                           "loss recorded as the validation loss; after each epoch record "
                           "nnlib.mse_loss(model.forward(X_val), y_val)[0]", mistake=f"{label} as val_loss")
    first = next(i for i, (a, b) in enumerate(zip(val, expected)) if not np.isclose(a, b, rtol=1e-9, atol=1e-12))
    mine, right = numbers(val[first], expected[first])
    raise Fail(f"history['val_loss'][{first}] is {mine}, but after epoch {first} the model's loss on X_val "
               f"is {right} when every batch takes the step w ← w − lr · ∂L/∂w with lr = "
               f"{config['lr']:.3g}. The checks cannot tell which step is wrong: check the update of every "
               "(param, grad) in model.parameters(), after model.backward")


def _step_sizes(config, n):
    """(learning rate, or a function of the batch's size giving it, hint, label, False) for a step scaled by a
    count of rows: the batch size, the batch's own length, the training set's size, once too many or missing."""
    lr, size = config["lr"], config["batch_size"]
    mean = "the gradient of nnlib.mse_loss is already the batch's mean, so p -= lr * g"
    return [(lr / size, f"divided the step by the batch size (lr / batch_size = {lr / size:.3g}): {mean}",
             "step divided by the batch size", False),
            (lambda rows: lr / rows, f"divided the step by the batch's own length (lr / len(Xb)): {mean}",
             "step divided by len(Xb)", False),
            (lr / n, f"divided the step by the training set's size N = {n} (lr / len(X)): {mean}",
             "step divided by N", False),
            (lambda rows: lr * rows, f"multiplied the step by the batch's length (a sum where the mean is): {mean}",
             "step multiplied by the batch size", False)]


def _check_train(replay, train, val):
    if len(train) != len(val):
        raise Fail(f"history has {len(train)} training losses and {len(val)} validation losses: one of each per epoch",
                   mistake="not one training loss per epoch")
    for epoch, recorded in enumerate(train):
        batches = replay.epoch_batches(epoch)
        losses = np.array([loss for _, loss in batches])
        sizes = np.array([len(idx) for idx, _ in batches])
        weighted = float(losses @ sizes / sizes.sum())
        if np.isclose(recorded, weighted, rtol=1e-9, atol=1e-12):
            continue
        hint, label = "", None
        if np.isclose(recorded, losses.mean(), rtol=1e-9):
            hint, label = ("averaged the batch losses without weighting them by batch size: the last batch is "
                           "smaller, so weight each loss by len(Xb) and divide by len(X)", "batch losses not weighted")
        elif np.isclose(recorded, losses.sum() / sizes.sum(), rtol=1e-9):
            hint, label = ("added the batch losses without weighting them and divided by len(X): weight each "
                           "batch's loss by its size (loss * len(Xb)) before dividing by len(X)",
                           "batch losses not weighted")
        elif np.isclose(recorded, losses.sum(), rtol=1e-9):
            hint, label = "summed the batch losses; the text asks for their mean, weighted by batch size", \
                "batch losses summed"
        elif np.isclose(recorded, losses[-1], rtol=1e-9):
            hint, label = "recorded the last batch's loss only; record the mean over the epoch's batches", \
                "last batch's loss only"
        elif any(e == epoch + 1 and np.isclose(recorded, v, rtol=1e-9) for e, v in replay.train_evals):
            hint, label = ("recorded the loss of the whole training set after the epoch; the text asks for the mean "
                           "of the epoch's batch losses, weighted by batch size", "loss of X after the epoch")
        elif np.isclose(recorded, float(losses @ sizes), rtol=1e-9) or np.isclose(recorded, losses @ np.full_like(
                sizes, sizes.max()) / sizes.sum(), rtol=1e-9):
            hint, label = ("weighted the batch losses wrongly: the mean over the epoch is Σ loss_b · len(Xb) / len(X), "
                           "with each batch's own size", "batch losses weighted wrongly")
        if not hint:
            means = [float(np.array([x for _, x in replay.epoch_batches(e)]) @ np.array(
                [len(i) for i, _ in replay.epoch_batches(e)]) / sum(len(i) for i, _ in replay.epoch_batches(e)))
                for e in range(len(train))]
            factor = generic.constant_factor("history['train_loss']", np.array(train), np.array(means), 1e-7, 1e-12)
            if factor is not None:
                hint, label = f"{factor.hint}; record Σ loss_b · len(Xb) / len(X) once per epoch", factor.label
        mine, right = numbers(recorded, weighted)
        raise Fail(f"history['train_loss'][{epoch}] is {mine}; the mean of epoch {epoch}'s batch losses, "
                   f"weighted by batch size, is {right}." + (f"\n  Likely mistake: {hint}" if hint else ""),
                   mistake=label)


def _best_with_threshold(val, delta):
    best, best_epoch = np.inf, None
    for epoch, value in enumerate(val):
        if value < best - delta:
            best, best_epoch = value, epoch
    return best_epoch


def _check_stop(history, val, config):
    best = int(np.argmin(val))
    got_best = history["best_epoch"]
    if not (isinstance(got_best, (int, np.integer)) and not isinstance(got_best, bool) and int(got_best) == best):
        hint, label = "", None
        tied = isinstance(got_best, (int, np.integer)) and 0 <= got_best < len(val) and val[got_best] == val[best]
        if tied:
            hint, label = (".\n  Likely mistake: counted a tie as an improvement: only a strictly lower loss is "
                           "better, so the best epoch is the first one with the lowest loss", "a tie counted (<=)")
        elif got_best == len(val) - 1:
            hint, label = (" (that is the last epoch: remember the epoch whenever the validation loss is the best so "
                           "far)", "best epoch never remembered")
        elif got_best == best + 1:
            hint, label = " (counting from 1? epochs count from 0)", "epochs counted from 1"
        elif any(got_best == _best_with_threshold(val, d) for d in (1e-2, 1e-3, 1e-4, 1e-6)):
            hint, label = (".\n  Likely mistake: counted only improvements larger than a threshold (val < best − δ): "
                           "any lower validation loss is an improvement, however small", "improvement threshold")
        raise Fail(f"best_epoch is {got_best!r}, but the lowest validation loss ({numbers(val[best])[0]}) is first "
                   f"reached at epoch {best} (counting from 0){hint}", mistake=label)
    patience, max_epochs = config["patience"], config["max_epochs"]
    stop = nnlib.early_stopping_epoch(val, patience)
    expected = max_epochs if stop is None else stop + 1
    if len(val) == expected:
        return
    hint, label = "", None
    for text, rule, name in stopping_variants(patience):
        if name == "never stops":  # said below, in fit's own words
            continue
        variant = rule(val)
        if (max_epochs if variant is None else variant + 1) == len(val):
            hint, label = f"\n  Likely mistake: {text}", name
            break
    if not hint and len(val) == max_epochs and stop is not None:
        hint, label = "\n  Likely mistake: fit never stopped early; stop as in Exercise 4.3", "never stopped early"
    elif not hint and len(val) > max_epochs:
        hint, label = (f"\n  Likely mistake: fit ran past max_epochs = {max_epochs}: loop "
                       "`for epoch in range(max_epochs)`", "ran past max_epochs")
    elif not hint:
        hint, label = (f"\n  Likely mistake: fit stopped after {len(val)} epochs though neither early stopping nor "
                       f"max_epochs = {max_epochs} ends it there: loop `for epoch in range(max_epochs)` and leave it "
                       "only when the patience is used up (a number of epochs written into the loop does not follow "
                       "the max_epochs fit is given)", "max_epochs not followed")
    raise Fail(f"with these validation losses and patience {patience}, training should run {expected} epochs "
               f"(max_epochs = {max_epochs}); yours ran {len(val)}.{hint}", mistake=label)


def _check_weights(replay, params_call, val):
    params = returned(params_call, "model.parameters()")
    final = [np.asarray(p) for p, _ in params]
    best = int(np.argmin(val))
    saved = replay.vals[best][1]
    if all(a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(final, saved)):
        return
    last = replay.vals[-1][1]
    if all(np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(final, last)):
        raise Fail(f"after fit the model holds the last epoch's weights (epoch {len(val) - 1}), not the best "
                   f"epoch's (epoch {best}).\n  Likely mistake: kept the last epoch's weights: save a copy at the best "
                   "epoch (p.copy(); a saved reference keeps changing with training) and put it back at the end "
                   "(p[...] = saved)", mistake="best weights not restored")
    raise Fail(f"after fit the model's weights are not those of the best epoch ({best}): put back the copy saved "
               "when the validation loss was lowest", mistake="wrong weights restored")


# ------------------------------------------------------------------ 4.5 and 4.6 the learning rate

def hessian(X):
    """H = AᵀA / N with A = [X, 1]: the Hessian of the MSE of a linear model with a bias."""
    A = np.column_stack([X, np.ones(len(X))])
    return A.T @ A / len(X)


def stability_mistakes(X):
    n = len(X)
    eig = np.linalg.eigvalsh(hessian(X))
    return [Mistake("your limit leaves out the bias: it is a parameter too, so add a column of ones (A = [X, 1])",
                    limit_of_hessian(X.T @ X / n), "bias left out"),
            Mistake(f"your limit uses AᵀA instead of AᵀA / N: the loss is a batch mean, so its Hessian is averaged "
                    f"(N = {n})", 2.0 / (n * eig.max()), "AᵀA without 1/N"),
            Mistake("your limit is 1 / λ_max, where steps start to oscillate; divergence starts at 2 / λ_max",
                    1.0 / eig.max(), "1 / λ_max"),
            Mistake("your limit uses the smallest eigenvalue; the largest one sets the limit: 2 / λ_max",
                    2.0 / eig.min(), "λ_min instead of λ_max"),
            Mistake("your limit divides 2 by the sum of the eigenvalues (the trace); use the largest one, λ_max",
                    2.0 / eig.sum(), "trace instead of λ_max"),
            Mistake("your limit is λ_max / 2, the fraction upside down: the limit is 2 / λ_max", eig.max() / 2,
                    "upside down"),
            Mistake("your limit is 2 · λ_max: the limit is 2 / λ_max", 2 * eig.max(), "2 · λ_max"),
            Mistake(f"your limit uses AᵀA / (N − 1), as a sample covariance does; the loss is a mean over all N = {n} "
                    "rows, so H = AᵀA / N", 2.0 * (n - 1) / (n * eig.max()), "divided by N − 1"),
            Mistake("your limit divides 2 by the norm of H (np.linalg.norm of a matrix is its Frobenius norm, "
                    "√(Σ λ²)); the limit uses the largest eigenvalue: 2 / λ_max", 2.0 / np.linalg.norm(hessian(X)),
                    "norm of H instead of λ_max"),
            Mistake("your limit divides 2 by the largest entry of H; the limit uses its largest eigenvalue, "
                    "np.linalg.eigvalsh(H).max()", 2.0 / np.abs(hessian(X)).max(), "largest entry instead of λ_max"),
            Mistake("your limit divides 2 by the largest entry of H's eigenvectors (np.linalg.eigh returns the "
                    "eigenvalues first, then the eigenvectors); the limit uses the largest eigenvalue: "
                    "np.linalg.eigvalsh(H).max()", 2.0 / np.abs(np.linalg.eigh(hessian(X))[1]).max(),
                    "eigenvectors instead of eigenvalues"),
            Mistake(f"your limit uses XᵀX: it leaves out the bias (A = [X, 1]) and the 1/N of the batch mean "
                    f"(N = {n}); H = AᵀA / N", limit_of_hessian(X.T @ X), "XᵀX")] + [
            # λ_max passed through one function too many (or too few): a root, a square
            Mistake(f"your limit is 2 / {text}: {why}; the limit is 2 / λ_max itself", 2.0 / f(eig.max()), label)
            for text, f, why, label in (
                ("√λ_max", np.sqrt, "a square root too many (the largest singular value of A/√N is √λ_max)",
                 "square root of λ_max"),
                ("λ_max²", np.square, "λ_max squared (the eigenvalue of H², or a singular value squared twice)",
                 "λ_max squared"))]


class StabilityLimit(Task):
    test_id, exercise, functions = "ex4_5_tests", "4.5", ("stability_limit",)
    forbidden_names = ("nnlib.dynamics.stability_limit",)

    def cases(self, rng, hidden):
        if not hidden:
            Xs = [learning_rate_data()[0]]
        else:
            Xs = [rng.normal(float(rng.uniform(-1, 1)), float(rng.uniform(0.5, 2)),
                             size=(int(rng.integers(10, 40)), int(rng.integers(1, 4)))) for _ in range(2)]
        return [Case([make("X", X), call(learner("stability_limit"), ref("X"), report=("X",))], {"X": X},
                     f"X of shape {X.shape}") for X in Xs]

    def judge(self, case, calls):
        X = case.context["X"]
        got = returned(calls[-1], "stability_limit")
        if not np.array_equal(calls[-1].after.get("X"), X):
            raise Fail("stability_limit changed X in place; build A = [X, 1] as a new array (np.column_stack)",
                       mistake="changed its input in place")
        number("stability limit", got)
        compare("the stability limit", got, limit_of_hessian(hessian(X)), stability_mistakes(X), where=case.where,
                sizes={"N (the rows of X)": len(X)})


def _fits_descent(curve, X, y, lr):
    """Whether a loss curve is full-batch gradient descent with learning rate lr on ½·MSE of a
    linear model: L_t − L* = Σ_i c_i (1 − lr λ_i)^(2t) over the Hessian's eigenvalues λ_i."""
    A = np.column_stack([X, np.ones(len(X))])
    w_best, *_ = np.linalg.lstsq(A, y, rcond=None)
    floor = nnlib.mse_loss(A @ w_best, y)[0]
    excess = np.asarray(curve, dtype=float) - floor
    t = np.arange(len(excess))
    keep = np.isfinite(excess) & (np.abs(excess) > 1e-9 * max(floor, 1e-12))
    if keep.sum() < 4:
        return False
    ratios = (1 - lr * np.linalg.eigvalsh(hessian(X))) ** 2
    basis = ratios[None, :] ** t[keep, None] / excess[keep, None]  # rows scaled to relative errors
    with np.errstate(all="ignore"):
        c, *_ = np.linalg.lstsq(basis, np.ones(keep.sum()), rcond=None)
        return bool(np.max(np.abs(basis @ c - 1)) < 1e-5 and np.all(c > -1e-9 * np.abs(c).max()))


# 4.6's text: "full-batch gradient descent for 40 epochs", one loss per epoch, taken before its step.
EPOCHS_4_6 = 40


class LearningRateRuns(Task):
    test_id, exercise, functions = "ex4_6_runs_tests", "4.6", ("runs",)

    def cases(self, rng, hidden):
        # the notebook's networks, whatever their names: the last run's model tells whether each loss was
        # taken before its step (its loss then comes after the curve's last) or after it (it is the last)
        return [Case([{"op": "read", "value": learner("runs"), "attrs": ["train_loss", "diverged"]},
                      make("X_lr", learning_rate_data()[0]),
                      {"op": "read", "value": {"models_on": ref("X_lr")}}], {}, "")]

    def judge(self, case, calls):
        X, y, rates = learning_rate_data()
        runs = returned(calls[0], "reading runs")
        if not isinstance(runs, dict):
            raise Fail(f"runs should be a dict from learning rate to {{'train_loss': [...]}}, got {runs!r:.80}",
                       mistake="runs not a dict")
        for lr in rates:
            if lr not in runs:
                raise Fail(f"runs has no entry for lr = {lr}; expected one per learning rate in {rates}",
                           mistake="a learning rate missing from runs")
            run = runs[lr]
            curve = run.get("train_loss") if isinstance(run, dict) else (getattr(run, "attrs", None) or {}).get(
                "train_loss")
            if not isinstance(curve, list) or not curve:
                raise Fail(f"runs[{lr}] should be a dict {{'train_loss': [...]}} with one loss per epoch; "
                           f"got {_what_run(run)}", mistake="runs[lr] not {'train_loss': [...]}")
            if len(curve) != EPOCHS_4_6:
                more = len(curve) == EPOCHS_4_6 + 1
                raise Fail(f"runs[{lr}]['train_loss'] holds {len(curve)} losses; the text asks for {EPOCHS_4_6} "
                           "epochs, one loss each, taken before the epoch's step"
                           + (" (the loss after the last step is one too many)" if more else
                              ": a shorter run cannot show whether a learning rate diverges"),
                           mistake="one loss too many" if more else "not 40 epochs")
            if _fits_descent(curve, X, y, lr):
                continue
            if len(set(map(float, curve))) == 1:
                raise Fail(f"the curve in runs[{lr}] holds the same loss, {numbers(float(curve[0]))[0]}, in every "
                           f"epoch: the weights never changed. {NOT_IN_PLACE}", mistake=NOT_IN_PLACE_LABEL)
            matches = [other for other in rates + [1.0] if other != lr and _fits_descent(curve, X, y, other)]
            if matches:
                raise Fail(f"the curve in runs[{lr}] is full-batch gradient descent with lr = {matches[0]}, not "
                           f"{lr}: each run must use its own learning rate (p -= lr * g with the run's lr)",
                           mistake="every run with one lr")
            n = len(X)
            scaled = [(f, text) for f, text in ((1 / n, f"1/N = 1/{n}"), (n, f"N = {n}"), (2.0, "2"), (0.5, "½"),
                                                (lr, f"lr = {lr} (lr²)")) if _fits_descent(curve, X, y, lr * f)]
            if scaled:
                f, text = scaled[0]
                raise Fail(f"the curve in runs[{lr}] is full-batch gradient descent with a step of lr · {text} "
                           f"times the gradient: the step has a factor {text.split(' (')[0]} too many. The gradient "
                           "from model.backward is already the mean's (divided by N once); the step is p -= lr * g",
                           mistake=f"step × {text.split(' =')[0]}")
            with np.errstate(all="ignore"):
                undone = [(text, label) for text, undo, label in (
                    ("log(loss)", np.exp, "log of the loss"), ("√loss", np.square, "root of the loss"),
                    ("loss²", np.sqrt, "loss squared"), ("−loss", np.negative, "loss negated"))
                    if _fits_descent(list(undo(np.asarray(curve, dtype=float))), X, y, lr)]
            if undone:
                text, label = undone[0]
                raise Fail(f"the curve in runs[{lr}] holds {text} of each epoch, not the loss itself: the descent is "
                           "right, but the curve records the loss passed through a function. Append the loss as "
                           "mse_loss returns it", mistake=label)
            raise Fail(f"the curve in runs[{lr}] is not full-batch gradient descent with lr = {lr} on X_lr, y_lr: "
                       "every epoch is one step on the whole data set (model.forward(X_lr)), its loss taken "
                       "before the step", mistake="not full-batch descent")
        _check_loss_before_step(runs, rates, calls[2], y)


def _what_run(run):
    if isinstance(run, list) and run and all(isinstance(v, (int, float, np.number)) for v in run):
        shown = ", ".join(numbers(*[float(v) for v in run[:3]]))
        return (f"a list of {len(run)} losses, [{shown}, ...]: put it in a dict, "
                "runs[lr] = {'train_loss': losses}")
    return f"{run!r:.80}"


def _check_loss_before_step(runs, rates, outputs, y):
    """Fail when one of the notebook's networks has the loss a run recorded last: each loss was then
    taken after its step (a curve shifted by one step still looks like gradient descent)."""
    outputs = outputs.value if outputs.ok and isinstance(outputs.value, list) else []
    finals = [nnlib.mse_loss(out, y)[0] for out in outputs if isinstance(out, np.ndarray) and out.shape == y.shape]
    for lr, final in ((lr, final) for lr in rates for final in finals):
        curve = runs[lr].get("train_loss") if isinstance(runs[lr], dict) else None
        if curve and np.isfinite(final) and np.isclose(float(curve[-1]), final, rtol=1e-12, atol=0):
            raise Fail(f"the last loss in runs[{lr}] is the loss of the model after its last step: each loss was "
                       "taken after the epoch's step. The text asks for the loss taken before the step (the one "
                       "nnlib.mse_loss returns with dy_hat), so the first entry is the untrained model's loss.",
                       mistake="loss taken after the step")


class DivergingAnswer(Task):
    test_id, exercise, functions = "ex4_6_answer_tests", "4.6", ("diverging_lrs",)

    def cases(self, rng, hidden):
        return [Case([{"op": "read", "value": learner("diverging_lrs")}], {}, "")]

    def judge(self, case, calls):
        X, _, rates = learning_rate_data()
        limit = limit_of_hessian(hessian(X))
        answer = returned(calls[0], "reading diverging_lrs")
        try:
            got = sorted(float(v) for v in answer)
        except (TypeError, ValueError):
            raise Fail(f"diverging_lrs should be a list of learning rates, got {answer!r:.80}",
                       mistake="not a list") from None
        expected = sorted(lr for lr in rates if lr > limit)
        if got == expected:
            return
        extra, missing = sorted(set(got) - set(expected)), sorted(set(expected) - set(got))
        msg = f"diverging_lrs: expected {expected}, got {got}."
        if extra:
            msg += f" {extra}: below 2/λ_max = {limit:.4g}, these converge; look at their curves again."
        if missing:
            msg += f" {missing}: above 2/λ_max = {limit:.4g}, these diverge."
        raise Fail(msg, mistake="converging rates called diverging" if extra else "diverging rates missed")


# What a graded kernel may use of nnlib (exercises.withhold): models, their forward and backward
# passes, the loss and the plots; no update step, mini-batches, early stopping, training loop
# or stability limit.
KERNEL_NNLIB = ("nnlib.mlp", "nnlib.mse_loss", "nnlib.plots.plot_loss_curves")

TASKS = [SgdUpdate(), MinibatchIndices(), EarlyStopping(), Fit(), StabilityLimit(), LearningRateRuns(),
         DivergingAnswer()]
