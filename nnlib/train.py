"""Mini-batches, epochs, a hold-out validation set and early stopping."""

import functools
import warnings
from dataclasses import dataclass, field
from numbers import Real

import numpy as np

from ._validate import (
    as_float_array,
    describe,
    require_bool,
    require_callable,
    require_data,
    require_finite,
    require_int,
    require_labels,
    require_model,
    require_parameters,
    require_positive,
    require_rng,
    require_same_rows,
    require_size,
)
from .losses import LOSSES
from .models import Sequential, evaluation_mode
from .optim import check_lr, clip_gradients, sgd_step

TRAINING_NEEDS = "training needs finite numbers"


def check_data(X, y, where, X_name="X", y_name="y", need=TRAINING_NEEDS):
    """X and y as arrays of finite numbers with one row each per example, or this raises."""
    X = require_data(X, X_name, where, need)
    y = require_data(y, y_name, where, need)
    require_same_rows(X, X_name, y, y_name, where)
    return X, y


def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    """An iterator of (X_batch, y_batch) pairs that together cover every row once (one epoch).

    X: (n, ...), y: (n, ...). With shuffle=True the rows are visited in a random
    order drawn from rng; the last batch is smaller when batch_size does not divide n.
    The arguments are checked here, when it is called, not at the first batch.
    """
    where = "iterate_minibatches"
    X, y = check_data(X, y, where, need="expected finite numbers")
    batch_size = require_int(batch_size, "batch_size", where, 1)
    if require_bool(shuffle, "shuffle", where):
        require_rng(rng, where)
    return _minibatches(X, y, batch_size, rng, shuffle)


def _minibatches(X, y, batch_size, rng, shuffle):
    """iterate_minibatches' generator, for arguments already checked."""
    n = len(X)
    if shuffle:
        order = rng.permutation(n)
    for start in range(0, n, batch_size):
        if shuffle:
            idx = order[start:start + batch_size]
            yield X[idx], y[idx]
        else:
            yield X[start:start + batch_size], y[start:start + batch_size]


def patience_exhausted(epoch, best_epoch, patience):
    """The early-stopping rule: stop after ``epoch`` once it is ``patience`` epochs past the best.

    best_epoch is the first epoch with the lowest validation loss so far (a tie is no
    improvement); patience None never stops.
    """
    return patience is not None and epoch - best_epoch >= patience


def early_stopping_epoch(val_losses, patience):
    """The epoch after which train() stops for these validation losses, or None if it never stops early.

    val_losses: one validation loss per epoch, in order, finite (train stops at a loss that
    is not); patience: a positive integer, or None for never.
    """
    where = "early_stopping_epoch"
    val_losses = as_float_array(val_losses, "val_losses", where)
    if val_losses.ndim != 1:
        raise ValueError(f"{where}: val_losses must be a 1-D sequence, one loss per epoch, got shape "
                         f"{val_losses.shape}")
    require_finite(val_losses, "val_losses", where,
                   need="expected finite losses (train stops at the first loss that is not)")
    if patience is not None:
        patience = require_int(patience, "patience", where, 1)
    best, best_epoch = np.inf, None
    for epoch, value in enumerate(val_losses):
        if value < best:
            best, best_epoch = value, epoch
        elif patience_exhausted(epoch, best_epoch, patience):
            return epoch
    return None


@dataclass
class History:
    """What happened during train().

    train_loss[e], val_loss[e]: the losses after epoch e (val_loss stays empty
    without a validation set). best_epoch: the epoch with the lowest validation loss
    (or training loss without one), whose weights the model holds at the end.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False

    @property
    def epochs(self):
        """How many epochs ran to completion."""
        return len(self.train_loss)


def _resolve_loss(loss, where="train"):
    """The loss function for a loss or its name; one of one's own comes back checked (_checked_loss)."""
    if callable(loss):
        return checked_loss(loss, where)
    try:
        return LOSSES[loss]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"{where}: unknown loss {loss!r}; pass a loss function or one of {valid}") from None


def checked_loss(loss, where):
    """loss itself when it is one of nnlib's; a loss of one's own wrapped so that every call
    checks what it returns, (L, dL/dy_hat) with L a number and dL/dy_hat of y_hat's shape, and
    says it is the loss's fault (not a numpy error a step later) when it is not."""
    # looked up here, not in a set made at import: what nnlib runs when imported stays in a graded
    # kernel's nnlib (exercises.withhold), and the losses are assignment 1's answers
    if any(loss is own for own in LOSSES.values()) or hasattr(loss, "checked_for"):
        return loss

    @functools.wraps(loss)
    def checked(y_hat, y):
        result = loss(y_hat, y)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"{where}: loss must return (L, dL/dy_hat), got {describe(result)}")
        value, grad = result
        if not (isinstance(value, Real) or (isinstance(value, np.ndarray) and value.ndim == 0
                                            and value.dtype.kind in "fiu")) or isinstance(value, bool):
            raise TypeError(f"{where}: loss must return (L, dL/dy_hat) with L a single number, got L = "
                            f"{describe(value)}")
        if not (isinstance(grad, np.ndarray) and grad.dtype.kind in "fiu"):
            raise TypeError(f"{where}: loss must return (L, dL/dy_hat) with dL/dy_hat an array of numbers, got "
                            f"{describe(grad)}")
        if grad.shape != np.shape(y_hat):
            raise ValueError(f"{where}: the loss returned dL/dy_hat of shape {grad.shape} for y_hat of shape "
                             f"{np.shape(y_hat)}; a loss's gradient must have the shape of y_hat")
        return result

    checked.checked_for = where
    return checked


def evaluate(model, loss, X, y):
    """The loss of the model on (X, y) in evaluation mode (no dropout, batch norm on its
    running statistics), without touching any gradients; the model's mode is restored."""
    where = "evaluate"
    require_callable(getattr(model, "forward", None), "model.forward", where, "a method (model: such as mlp builds)")
    loss_fn = _resolve_loss(loss, where)
    X, y = check_data(X, y, where, need="expected finite numbers")
    if isinstance(model, Sequential):
        model.check_layers(as_float_array(X, "X", where), where, "X")
    with evaluation_mode(model):
        value, _ = loss_fn(model.forward(X), y)
    return value


def accuracy(scores, y):
    """Fraction of rows whose largest score is at the label. scores (n, k), y (n,) in 0..k-1."""
    where = "accuracy"
    scores = as_float_array(scores, "scores", where)
    if scores.ndim != 2 or scores.shape[0] == 0 or scores.shape[1] == 0:
        hint = (" (for one score per example, as a binary classifier gives, compare scores > 0 for logits "
                "or scores > 0.5 for probabilities with y)" if scores.ndim == 1 else "")
        raise ValueError(f"{where}: scores must be 2-D with one row of class scores per example, shape "
                         f"(n, n_classes) with n, n_classes >= 1, got shape {scores.shape}{hint}")
    require_finite(scores, "scores", where, need="the model's scores must be finite (did training diverge?)")
    y = require_labels(y, "y", where, scores.shape[0], scores.shape[1], rows_of="scores")
    return float(np.mean(np.argmax(scores, axis=1) == y))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Counts C[i, j] of examples with true class i predicted as class j.

    y_true, y_pred: (n,) integer labels in 0..n_classes-1 (n_classes defaults to the
    largest label + 1). Returns an (n_classes, n_classes) int64 array; its diagonal
    holds the correct predictions, so trace / n is the accuracy.
    """
    where = "confusion_matrix"
    if n_classes is not None:
        n_classes = require_size(n_classes, "n_classes", where)
    y_true = require_labels(y_true, "y_true", where, n_classes=n_classes)
    y_pred = require_labels(y_pred, "y_pred", where, n_classes=n_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{where}: y_true and y_pred must be 1-D of equal length, "
                         f"got shapes {y_true.shape} and {y_pred.shape}")
    if n_classes is None:
        if y_true.size == 0:
            raise ValueError(f"{where}: with no labels, n_classes cannot be read from them; pass n_classes")
        n_classes = int(max(y_true.max(), y_pred.max())) + 1
    counts = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _check_train_arguments(model, X, y, X_val, y_val, lr, batch_size, max_epochs, patience, rng, progress,
                           clip, restore_best):
    """Every argument of train, checked before any training. Returns the data as arrays and the
    counts as Python ints (a numpy uint8 batch_size would wrap in start + batch_size)."""
    where = "train"
    require_model(model, where)
    check_lr(lr, where)  # train's warnings format lr with :g, so a number is needed here
    batch_size = require_int(batch_size, "batch_size", where, 1)
    max_epochs = require_int(max_epochs, "max_epochs", where, 1)
    if patience is not None:
        patience = require_int(patience, "patience", where, 1)
    require_rng(rng, where)
    require_bool(progress, "progress", where)
    require_bool(restore_best, "restore_best", where)
    if clip is not None:
        require_positive(clip, "clip", where)
    if (X_val is None) != (y_val is None):
        raise ValueError(f"{where}: give both X_val and y_val, or neither, got "
                         f"X_val={describe(X_val)} and y_val={describe(y_val)}")
    if patience is not None and X_val is None:
        raise ValueError(f"{where}: early stopping (patience) needs a validation set X_val, y_val")
    # Bad data first: a NaN in the data would otherwise surface as a NaN loss, which
    # looks like divergence and earns the wrong advice (a smaller learning rate).
    X, y = check_data(X, y, where)
    if X_val is not None:
        X_val, y_val = check_data(X_val, y_val, where, "X_val", "y_val")
    if isinstance(model, Sequential):  # the data must fit the network, before any training
        model.check_layers(X, where, "X")
        if X_val is not None:
            model.check_layers(X_val, where, "X_val")
    return X, y, X_val, y_val, batch_size, max_epochs, patience


def _check_targets(model, loss_fn, X, y, X_val, y_val):
    """One forward pass and the loss on all the data, before any training: targets the loss
    cannot take (a label out of range, a wrong shape) raise here, with the model untouched,
    not in the middle of an epoch with the weights half trained."""
    for data, targets in ((X, y), (X_val, y_val)):
        if data is not None:
            loss_fn(model.forward(data), targets)


def _backward(model, dout):
    if isinstance(model, Sequential):
        model.backward(dout, input_grad=False)  # dL/dX of the data is never used
    else:  # any other model only has to offer backward(dout)
        model.backward(dout)


def train_epoch(model, loss_fn, params, X, y, *, lr, batch_size, rng, clip=None):
    """One epoch: every mini-batch once, each through forward, the loss, backward,
    optional clipping of the global gradient norm to ``clip``, and sgd_step.

    params: model.parameters(), taken once. Returns the epoch's training loss: the mean of
    the batches' losses weighted by their rows, each measured before its own step, so a
    running mean while the weights move. A loss that is not finite ends the epoch at once
    and is returned as it is.
    """
    total, seen = 0.0, 0
    for Xb, yb in _minibatches(X, y, batch_size, rng, shuffle=True):
        value, dout = loss_fn(model.forward(Xb), yb)
        if not np.isfinite(value):
            return value
        _backward(model, dout)
        if clip is not None:
            clip_gradients(params, clip)
        sgd_step(params, lr)
        total += value * len(Xb)
        seen += len(Xb)
    return total / seen


def _warn_diverged(what, epoch, lr, value):
    warnings.warn(
        f"train: {what} became {value} in epoch {epoch}; training stopped. The learning rate "
        f"lr={lr:g} is probably too large: try a smaller one such as lr={lr / 10:g}.",
        RuntimeWarning,
        stacklevel=3,
    )


class _ProgressBar:
    """A tqdm bar over the epochs that ends looking like the run ended.

    Early stopping ends a run before max_epochs: the bar then counts the epochs that ran as
    its total, so it ends full (green in a notebook) instead of stopped part-way (red, which
    tqdm shows for a loop left by break or an error). A diverged run keeps the part-way bar.
    """

    def __init__(self, max_epochs):
        from tqdm.auto import tqdm  # only when asked for: the core needs numpy alone

        self.bar = tqdm(total=max_epochs, desc="training", unit="epoch")

    def epoch_done(self, loss):
        self.bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        self.bar.update(1)

    def finish(self, history):
        if history.stopped_early:
            started, ran = self.bar.start_t, history.epochs
            self.bar.reset(total=ran)  # the total becomes the epochs run (reset sets it to 0 first)
            self.bar.start_t = started  # keep the elapsed time and rate of the whole run
            self.bar.set_postfix_str(f"stopped early, best epoch {history.best_epoch}", refresh=False)
            self.bar.update(ran)
        self.bar.close()


def train(model, loss, X, y, *, X_val=None, y_val=None, lr, batch_size, max_epochs,
          patience=None, rng, progress=False, clip=None, restore_best=True):
    """Train ``model`` with mini-batch gradient descent and return a History.

    Each epoch shuffles (X, y) with rng, and for every mini-batch runs forward, the
    loss, backward, optional clipping of the global gradient norm to ``clip``, and
    sgd_step with learning rate ``lr`` (train_epoch).

    Convergence: after every epoch the loss on the hold-out set (X_val, y_val) is
    measured; with ``patience`` set, training stops once it has not improved for
    that many epochs in a row. It always stops after ``max_epochs``. With
    restore_best (the default) the model ends with the weights of the best epoch (and
    the buffers, such as batch norm's running statistics, it had then).

    Modes: the epochs run in training mode (model.train()), the validation loss in
    evaluation mode; the model ends in the mode it came in.

    Bad data: X, y, X_val and y_val must hold finite numbers; a NaN or inf raises a
    ValueError naming the array and the first such entry, before any training.
    Divergence: a NaN or infinite loss stops training at once with a warning that
    suggests a smaller learning rate, and History.diverged is True.
    """
    loss_fn = _resolve_loss(loss)
    X, y, X_val, y_val, batch_size, max_epochs, patience = _check_train_arguments(
        model, X, y, X_val, y_val, lr, batch_size, max_epochs, patience, rng, progress, clip, restore_best)
    # Taken once (backward writes into these same arrays), and checked before any training.
    params = require_parameters(model.parameters(), "train")
    _check_targets(model, loss_fn, X, y, X_val, y_val)
    # what restore_best puts back: the weights and any running statistics that go with them
    state = [p for p, _ in params] + (model.buffers() if hasattr(model, "buffers") else [])
    was_training = getattr(model, "training", True)
    if hasattr(model, "train"):
        model.train()
    history = History()
    best_loss, best_weights = np.inf, None
    bar = _ProgressBar(max_epochs) if progress else None

    try:
        # Overflow on the way to a NaN loss is reported once, by the warning.
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(max_epochs):
                monitored = train_epoch(model, loss_fn, params, X, y, lr=lr, batch_size=batch_size, rng=rng,
                                        clip=clip)
                what = "the loss"
                if np.isfinite(monitored):
                    history.train_loss.append(monitored)
                    if X_val is not None:
                        with evaluation_mode(model):
                            monitored, what = loss_fn(model.forward(X_val), y_val)[0], "the validation loss"
                        history.val_loss.append(monitored)
                if not np.isfinite(monitored):
                    history.diverged = True
                    _warn_diverged(what, epoch, lr, monitored)
                    break
                if monitored < best_loss:
                    best_loss, history.best_epoch = monitored, epoch
                    best_weights = [a.copy() for a in state]
                elif patience_exhausted(epoch, history.best_epoch, patience):
                    history.stopped_early = True
                    break
                if bar:
                    bar.epoch_done(monitored)
    finally:  # also after an error: the bar then stays part-way
        if bar:
            bar.finish(history)

    if restore_best and best_weights is not None:
        for a, saved in zip(state, best_weights):
            a[...] = saved
    if hasattr(model, "train"):
        model.train(was_training)
    return history
