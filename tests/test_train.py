import warnings

import numpy as np
import pytest

import nnlib

pytestmark = pytest.mark.nb07


def test_minibatches_cover_every_row_once(rng):
    X = np.arange(10).reshape(10, 1)
    y = np.arange(10)
    batches = list(nnlib.iterate_minibatches(X, y, 4, rng))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(10))
    assert not np.array_equal(seen, np.arange(10))  # shuffled (rng 1234 does not give identity)
    assert all(np.array_equal(xb[:, 0], yb) for xb, yb in batches)  # rows stay paired
    unshuffled = np.concatenate([b[1] for b in nnlib.iterate_minibatches(X, y, 3, None, shuffle=False)])
    assert np.array_equal(unshuffled, y)


def test_minibatch_errors(rng):
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        list(nnlib.iterate_minibatches(np.zeros((3, 1)), np.zeros(2), 1, rng))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        list(nnlib.iterate_minibatches(np.zeros((3, 1)), np.zeros(3), 0, rng))


def test_train_learns_a_line():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_line(200, rng, noise=0.0)
    model = nnlib.mlp([1, 1], rng=rng)
    history = nnlib.train(model, nnlib.mse_loss, X, y, lr=0.5, batch_size=20, max_epochs=60, rng=rng)
    W, b = model.layers[0].W[0, 0], model.layers[0].b[0]
    assert W == pytest.approx(2.0, abs=1e-3) and b == pytest.approx(-1.0, abs=1e-3)
    assert history.train_loss[-1] < 1e-6 < history.train_loss[0]
    assert history.epochs == 60 and not history.stopped_early and not history.diverged


def test_train_classifies_xor():
    rng = np.random.default_rng(1)
    X, y = nnlib.data.make_xor(400, rng, noise=0.1)
    X_tr, y_tr, X_val, y_val = nnlib.data.split(X, y, 0.25, rng)
    model = nnlib.mlp([2, 8, 2], activation="tanh", rng=rng)
    history = nnlib.train(model, "softmax_cross_entropy", X_tr, y_tr, X_val=X_val, y_val=y_val,
                          lr=0.5, batch_size=32, max_epochs=200, patience=20, rng=rng)
    assert nnlib.accuracy(model.forward(X_val), y_val) >= 0.95
    assert len(history.val_loss) == history.epochs


class Plateau:
    """A model whose validation loss is scripted: it improves for 4 epochs, then stays flat.

    It has one parameter p; each epoch the training step moves p by exactly 1, and the
    loss it reports is looked up from a table by how far p has moved.
    """

    def __init__(self, losses):
        self.p = np.zeros(1)
        self.g = np.array([-1.0])  # sgd_step with lr=1/n_batches moves p by +1 per epoch
        self.losses = losses

    def forward(self, X):
        return np.full((len(X), 1), self.losses[min(int(round(self.p[0])), len(self.losses) - 1)])

    def backward(self, dout):
        return dout

    def parameters(self):
        return [(self.p, self.g)]


def plateau_loss(y_hat, y):
    return float(y_hat[0, 0]), np.zeros_like(y_hat)


def test_early_stopping_triggers_on_a_constructed_plateau(rng):
    # validation loss after epoch e (p = e + 1): improves to 0.2 at epoch 3, then flat
    scripted = [5.0, 1.0, 0.5, 0.3, 0.2] + [0.2] * 20
    model = Plateau(scripted)
    X = np.zeros((4, 1))
    history = nnlib.train(model, plateau_loss, X, np.zeros(4), X_val=X, y_val=np.zeros(4),
                          lr=1.0, batch_size=4, max_epochs=50, patience=3, rng=rng)
    assert history.best_epoch == 3  # the first epoch at 0.2; equal is not better
    assert history.stopped_early
    assert history.epochs == 3 + 3 + 1  # epochs 0..6: three without improvement after the best
    assert history.val_loss[:4] == scripted[1:5]
    assert model.p[0] == 4.0  # restore_best put back the weights of epoch 3


def test_max_epochs_without_patience(rng):
    model = Plateau([1.0] * 100)
    X = np.zeros((2, 1))
    history = nnlib.train(model, plateau_loss, X, np.zeros(2), lr=1.0, batch_size=2,
                          max_epochs=7, rng=rng, restore_best=False)
    assert history.epochs == 7 and not history.stopped_early


def test_divergence_stops_with_a_warning():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_line(100, rng)
    model = nnlib.mlp([1, 8, 1], activation="relu", init="he", rng=rng)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = nnlib.train(model, nnlib.mse_loss, X, y, lr=50.0, batch_size=10,
                              max_epochs=100, rng=rng)
    assert history.diverged
    assert history.epochs < 100
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages  # one clear warning, no numpy overflow noise
    assert "smaller" in messages[0] and "lr=50" in messages[0]


def test_clipping_keeps_a_large_learning_rate_finite():
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_line(100, rng)
    kwargs = dict(lr=2.0, batch_size=10, max_epochs=30)
    plain = nnlib.mlp([1, 8, 1], activation="tanh", rng=np.random.default_rng(5))
    with pytest.warns(RuntimeWarning, match="smaller"):
        h_plain = nnlib.train(plain, nnlib.mse_loss, X, y, rng=np.random.default_rng(6), **kwargs)
    clipped = nnlib.mlp([1, 8, 1], activation="tanh", rng=np.random.default_rng(5))
    h_clip = nnlib.train(clipped, nnlib.mse_loss, X, y, rng=np.random.default_rng(6), clip=0.5, **kwargs)
    assert h_plain.diverged and not h_clip.diverged


def test_same_seeds_same_training():
    def run():
        rng = np.random.default_rng(11)
        X, y = nnlib.data.make_moons(120, rng)
        model = nnlib.mlp([2, 6, 2], activation="tanh", rng=rng)
        h = nnlib.train(model, nnlib.softmax_cross_entropy, X, y, lr=0.3, batch_size=16,
                        max_epochs=5, rng=rng)
        return h.train_loss, model.layers[0].W.copy()

    (l1, w1), (l2, w2) = run(), run()
    assert l1 == l2 and np.array_equal(w1, w2)


def test_progress_bar_runs(capsys):
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_line(20, rng)
    h = nnlib.train(nnlib.mlp([1, 1], rng=rng), nnlib.mse_loss, X, y, lr=0.1, batch_size=5,
                    max_epochs=3, rng=rng, progress=True)
    assert h.epochs == 3
    assert "training" in capsys.readouterr().err


@pytest.fixture
def notebook_bars(monkeypatch):
    """train's progress bar as JupyterLab shows it (tqdm.notebook), every bar made kept in a list."""
    pytest.importorskip("ipywidgets")
    import tqdm.auto
    import tqdm.notebook

    made = []

    class Recorded(tqdm.notebook.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    return made


def bar_shows(bar):
    """(value, max, style, text) of a tqdm.notebook bar: what the learner sees."""
    text, pbar, counts = bar.container.children
    return pbar.value, pbar.max, pbar.bar_style, counts.value.replace("\u2007", " ").strip()


def test_an_early_stopped_run_ends_with_a_full_green_bar(rng, notebook_bars, capsys):
    # Early stopping leaves the loop by break; the bar must still end finished: full, green, k/k.
    model = Plateau([5.0, 1.0, 0.5, 0.3, 0.2] + [0.2] * 20)
    X = np.zeros((4, 1))
    history = nnlib.train(model, plateau_loss, X, np.zeros(4), X_val=X, y_val=np.zeros(4), lr=1.0,
                          batch_size=4, max_epochs=50, patience=3, rng=rng, progress=True)
    assert history.stopped_early and history.epochs == 7
    (bar,) = notebook_bars
    value, top, style, counts = bar_shows(bar)
    assert (value, top, style) == (7, 7, "success")
    assert counts.startswith("7/7") and "stopped early, best epoch 3" in counts


def test_a_run_to_max_epochs_ends_green_and_a_diverged_one_red(rng, notebook_bars, capsys):
    model = Plateau([1.0] * 10)
    X = np.zeros((2, 1))
    nnlib.train(model, plateau_loss, X, np.zeros(2), lr=1.0, batch_size=2, max_epochs=4, rng=rng, progress=True)
    assert bar_shows(notebook_bars[-1])[:3] == (4, 4, "success")

    X, y = nnlib.data.make_line(100, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        history = nnlib.train(nnlib.mlp([1, 8, 1], activation="relu", init="he", rng=rng), nnlib.mse_loss, X, y,
                              lr=50.0, batch_size=10, max_epochs=100, rng=rng, progress=True)
    assert history.diverged
    value, top, style, _ = bar_shows(notebook_bars[-1])
    assert value == history.epochs < top == 100 and style == "danger"  # a failed run looks failed


def test_train_argument_errors(rng):
    model = nnlib.mlp([1, 1], rng=rng)
    X, y = np.zeros((4, 1)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="needs a validation set"):
        nnlib.train(model, nnlib.mse_loss, X, y, lr=0.1, batch_size=2, max_epochs=2, patience=2, rng=rng)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        nnlib.train(model, "hinge", X, y, lr=0.1, batch_size=2, max_epochs=2, rng=rng)
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        nnlib.train(model, nnlib.mse_loss, X, y, lr=0.1, batch_size=2, max_epochs=0, rng=rng)


def test_train_works_with_a_replaced_first_backward():
    # Learners replace a layer's backward to see what a bug does (notebook 05); a
    # replacement takes only the upstream gradient, also on the first layer.
    rng = np.random.default_rng(0)
    X, y = nnlib.data.make_line(40, rng)
    model = nnlib.mlp([1, 4, 1], activation="tanh", rng=rng)
    first = model.layers[0]
    own_backward = first.backward
    calls = []

    def replaced(dz):
        calls.append(dz.shape)
        return own_backward(dz)

    first.backward = replaced
    history = nnlib.train(model, nnlib.mse_loss, X, y, lr=0.1, batch_size=10, max_epochs=2, rng=rng)
    assert history.epochs == 2 and calls == [(10, 4)] * 8


@pytest.mark.parametrize("where, row, column, value", [
    ("X", 7, 0, np.nan), ("X", 0, 1, np.inf), ("y", 3, 0, -np.inf), ("X_val", 2, 1, np.nan), ("y_val", 5, 0, np.nan),
])
def test_non_finite_data_is_named_before_training(where, row, column, value):
    rng = np.random.default_rng(0)
    data = {"X": rng.standard_normal((20, 2)), "y": rng.standard_normal((20, 1)),
            "X_val": rng.standard_normal((8, 2)), "y_val": rng.standard_normal((8, 1))}
    data[where][row, column] = value
    data[where][-1, -1] = value  # a second bad entry, after the first
    model = nnlib.mlp([2, 3, 1], rng=rng)
    before = [p.copy() for p, _ in model.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divergence warning: the error comes first
        with pytest.raises(ValueError) as info:
            nnlib.train(model, nnlib.mse_loss, data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"],
                        lr=0.1, batch_size=5, max_epochs=3, rng=rng)
    message = str(info.value)
    assert message.startswith(
        f"train: {where} holds {value} at row {row}, column {column} (the first of 2 non-finite entries)")
    assert "learning rate" not in message
    assert all(np.array_equal(p, b) for (p, _), b in zip(model.parameters(), before))  # nothing trained


def test_non_finite_targets_of_one_dimension_name_their_row(rng):
    y = np.zeros(6)
    y[4] = np.nan
    with pytest.raises(ValueError, match=r"^train: y holds nan at row 4; training needs finite numbers"):
        nnlib.train(nnlib.mlp([1, 1], rng=rng), nnlib.mse_loss, np.zeros((6, 1)), y, lr=0.1,
                    batch_size=2, max_epochs=1, rng=rng)


@pytest.mark.parametrize("returned, error, words", [
    (lambda y_hat: None, TypeError, "train: loss must return (L, dL/dy_hat), got None"),
    (lambda y_hat: 1.0, TypeError, "train: loss must return (L, dL/dy_hat), got 1.0"),
    (lambda y_hat: ("a", y_hat), TypeError, "with L a single number, got L = str 'a'"),
    (lambda y_hat: (1.0, None), TypeError, "with dL/dy_hat an array of numbers, got None"),
    (lambda y_hat: (1.0, y_hat[:, :1]), ValueError, "the loss returned dL/dy_hat of shape (4, 1) for y_hat of "
                                                    "shape (4, 2)"),
])
def test_a_loss_of_ones_own_that_returns_the_wrong_thing_is_named(returned, error, words):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    model = nnlib.mlp([3, 2], rng=rng)
    weights = [p.copy() for p, _ in model.parameters()]
    with pytest.raises(error) as info:
        nnlib.train(model, lambda y_hat, y: returned(y_hat), X, Y, lr=0.1, batch_size=2, max_epochs=1, rng=rng)
    assert words in str(info.value)
    assert all(np.array_equal(p, w) for (p, _), w in zip(model.parameters(), weights))


def test_a_loss_of_ones_own_that_returns_a_pair_trains_as_before():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    mine, theirs = nnlib.mlp([3, 2], rng=np.random.default_rng(1)), nnlib.mlp([3, 2], rng=np.random.default_rng(1))
    a = nnlib.train(mine, lambda y_hat, y: list(nnlib.mse_loss(y_hat, y)), X, Y, lr=0.1, batch_size=4,
                    max_epochs=3, rng=np.random.default_rng(2))
    b = nnlib.train(theirs, nnlib.mse_loss, X, Y, lr=0.1, batch_size=4, max_epochs=3, rng=np.random.default_rng(2))
    assert a.train_loss == b.train_loss
