"""Mini-batches, epochs, a hold-out validation set and early stopping."""

import warnings
from dataclasses import dataclass, field

import numpy as np

from ._validate import require_finite, require_rng
from .losses import LOSSES
from .models import Sequential
from .optim import check_lr, clip_gradients, sgd_step


def iterate_minibatches(X, y, batch_size, rng, shuffle=True):
    """Yield (X_batch, y_batch) pairs that together cover every row once (one epoch).

    X: (n, ...), y: (n, ...). With shuffle=True the rows are visited in a random
    order drawn from rng; the last batch is smaller when batch_size does not divide n.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(
            f"iterate_minibatches: X has {len(X)} rows but y has {len(y)}; "
            f"expected one target per row"
        )
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(
            f"iterate_minibatches: batch_size must be a positive integer, got {batch_size!r}"
        )
    n = len(X)
    if shuffle:
        require_rng(rng, "iterate_minibatches")
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

    val_losses: one validation loss per epoch, in order; patience: a positive integer.
    """
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


def _resolve_loss(loss):
    if callable(loss):
        return loss
    try:
        return LOSSES[loss]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"train: unknown loss {loss!r}; pass a loss function or one of {valid}") from None


def evaluate(model, loss, X, y):
    """The loss of the model on (X, y), without touching any gradients."""
    value, _ = _resolve_loss(loss)(model.forward(X), y)
    return value


def accuracy(scores, y):
    """Fraction of rows whose largest score is at the label. scores (n, k), y (n,)."""
    scores = np.asarray(scores)
    return float(np.mean(np.argmax(scores, axis=1) == np.asarray(y)))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Counts C[i, j] of examples with true class i predicted as class j.

    y_true, y_pred: (n,) integer labels in 0..n_classes-1 (n_classes defaults to the
    largest label + 1). Returns an (n_classes, n_classes) int64 array; its diagonal
    holds the correct predictions, so trace / n is the accuracy.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"confusion_matrix: y_true and y_pred must be 1-D of equal length, "
                         f"got shapes {y_true.shape} and {y_pred.shape}")
    if n_classes is None:
        n_classes = int(max(y_true.max(), y_pred.max())) + 1
    counts = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _check_train_arguments(X, y, X_val, y_val, lr, max_epochs, patience, rng):
    check_lr(lr, "train")
    require_rng(rng, "train")
    if not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
        raise ValueError(f"train: max_epochs must be a positive integer, got {max_epochs!r}")
    if patience is not None and (not isinstance(patience, (int, np.integer)) or patience < 1):
        raise ValueError(f"train: patience must be a positive integer or None, got {patience!r}")
    if (X_val is None) != (y_val is None):
        raise ValueError("train: give both X_val and y_val, or neither")
    if patience is not None and X_val is None:
        raise ValueError("train: early stopping (patience) needs a validation set X_val, y_val")
    # Bad data first: a NaN in the data would otherwise surface as a NaN loss, which
    # looks like divergence and earns the wrong advice (a smaller learning rate).
    for name, data in (("X", X), ("y", y), ("X_val", X_val), ("y_val", y_val)):
        if data is not None:
            require_finite(data, name, "train", need="training needs finite numbers")


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
    for Xb, yb in iterate_minibatches(X, y, batch_size, rng):
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


def train(model, loss, X, y, *, X_val=None, y_val=None, lr, batch_size, max_epochs,
          patience=None, rng, progress=False, clip=None, restore_best=True):
    """Train ``model`` with mini-batch gradient descent and return a History.

    Each epoch shuffles (X, y) with rng, and for every mini-batch runs forward, the
    loss, backward, optional clipping of the global gradient norm to ``clip``, and
    sgd_step with learning rate ``lr`` (train_epoch).

    Convergence: after every epoch the loss on the hold-out set (X_val, y_val) is
    measured; with ``patience`` set, training stops once it has not improved for
    that many epochs in a row. It always stops after ``max_epochs``. With
    restore_best (the default) the model ends with the weights of the best epoch.

    Bad data: X, y, X_val and y_val must hold finite numbers; a NaN or inf raises a
    ValueError naming the array and the first such entry, before any training.
    Divergence: a NaN or infinite loss stops training at once with a warning that
    suggests a smaller learning rate, and History.diverged is True.
    """
    loss_fn = _resolve_loss(loss)
    _check_train_arguments(X, y, X_val, y_val, lr, max_epochs, patience, rng)
    params = model.parameters()  # taken once: backward writes into these same arrays
    history = History()
    best_loss, best_weights = np.inf, None
    epochs = range(max_epochs)
    if progress:
        from tqdm.auto import tqdm  # only when asked for: the core needs numpy alone

        epochs = tqdm(epochs, desc="training", unit="epoch")

    # Overflow on the way to a NaN loss is reported once, by the warning.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in epochs:
            monitored = train_epoch(model, loss_fn, params, X, y, lr=lr, batch_size=batch_size, rng=rng,
                                    clip=clip)
            what = "the loss"
            if np.isfinite(monitored):
                history.train_loss.append(monitored)
                if X_val is not None:
                    monitored, what = evaluate(model, loss_fn, X_val, y_val), "the validation loss"
                    history.val_loss.append(monitored)
            if not np.isfinite(monitored):
                history.diverged = True
                _warn_diverged(what, epoch, lr, monitored)
                break
            if monitored < best_loss:
                best_loss, history.best_epoch = monitored, epoch
                best_weights = [p.copy() for p, _ in params]
            elif patience_exhausted(epoch, history.best_epoch, patience):
                history.stopped_early = True
                break
            if progress:
                epochs.set_postfix(loss=f"{monitored:.4g}")

    if restore_best and best_weights is not None:
        for (p, _), saved in zip(params, best_weights):
            p[...] = saved
    return history
