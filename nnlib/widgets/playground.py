"""The playground: a small network that trains live on a 2-D data set.

Changing the data set, the noise, the depth, the width or the activation starts over
with new data and a new network; changing η or the batch size carries on training the
same network with the new values. ``step(n)`` trains n mini-batch steps and redraws once;
the Play widget calls it on a timer, the step button once.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap

from .. import data
from .._validate import require_int as _require_int
from ..dynamics import _trend_from_last, backward_factors, sgd_steps
from ..losses import softmax, softmax_cross_entropy
from ..models import Activation, mlp
from ..palette import BLUE, CLASS_COLOURS, CLASS_MARKERS, COLOURS, LINESTYLES, VERMILLION
from ._base import Explorer, finite_positive, fit_log_axis, freeze_labels, light_ticks, new_figure, reserve_tick_room
from ._controls import Choice, IntSlider, Play, ValueSlider, round_numbers
from ._share import YOURS, check_data, fingerprint, network_code, parse_state, state_to_json

DATASETS = ("moons", "xor", "circles", "spirals")
ACTIVATION_OPTIONS = ("tanh", "relu", "sigmoid", "identity")
NOISE_VALUES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
LR_VALUES = round_numbers(1e-3, 10.0)
RESTART = ("dataset", "noise", "depth", "width", "activation")  # a change of these starts over
# The plane is drawn as GRID × GRID cells (smoothed when shown). Kept small on purpose: its
# forward pass is a product of about GRID² × 16 × 16, and past about 1500 rows OpenBLAS hands
# it to several threads, which costs milliseconds a frame on a busy machine.
GRID = 36


def make_dataset(name, n, noise, rng):
    """n points of one of DATASETS with the given noise, two classes, centred and scaled to unit std."""
    makers = {"moons": data.make_moons, "xor": data.make_xor, "circles": data.make_circles,
              "spirals": lambda n_, rng_, noise: data.make_spirals(n_, rng_, classes=2, noise=noise)}
    X, y = makers[name](n, rng, noise=noise)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


class Playground(Explorer):
    """The playground explorer; build it with playground_explorer()."""

    def __init__(self, controls, n, seed, steps_per_frame, interval_ms, data=None):
        self._n, self._seed, self.steps_per_frame = n, seed, steps_per_frame
        self._data = data  # the learner's own (X, y), checked and copied, or None
        self._setup = None
        self.play = Play("play", value=0, min=0, max=10**9, step=1, interval=interval_ms, description="train",
                         layout=widgets.Layout(width="96px"))
        self.step_button = widgets.Button(description=f"step ×{steps_per_frame}", layout=widgets.Layout(width="auto"),
                                          tooltip=f"train {steps_per_frame} steps, then stop")
        self.reset_button = widgets.Button(description="reset", layout=widgets.Layout(width="auto"),
                                           tooltip="new weights for the same data; the history is cleared")
        self.export_button = widgets.Button(description="Export code", layout=widgets.Layout(width="auto"),
                                            tooltip="show nnlib code that rebuilds this network with its weights")
        training = widgets.HBox([widgets.Label("train:"), self.play, self.step_button, self.reset_button,
                                 self.export_button])
        row = list(controls.values()) + [training]
        controls = dict(controls, play=self.play, step=self.step_button, reset=self.reset_button,
                        export=self.export_button)
        fig, draw = _playground_figure()
        super().__init__(controls, self._compute_state, draw, fig, dynamic_axes=fig.dynamic_axes, describe=DESCRIBE,
                         row=row)
        self.code = widgets.Textarea(description="nnlib code", style={"description_width": "initial"},
                                     layout=widgets.Layout(width="920px", max_width="100%", height="240px",
                                                           display="none"))
        *shown, names = self.widget.children  # the accessible names stay the container's last child
        self.widget.children = (*shown, self.code, names)
        self.step_button.on_click(lambda _: self.step(self.steps_per_frame))
        self.reset_button.on_click(lambda _: self.reset())
        self.export_button.on_click(lambda _: self.export())

    # ------------------------------------------------------------------ training
    def _start(self, values):
        """New data and a new network for the current data set, noise and architecture."""
        rng = np.random.default_rng(self._seed)
        X, y, n_train = self._split(values, rng)
        self.X, self.y, self.X_val, self.y_val = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
        self._n_train = n_train
        self._X_both = X  # training rows first, then validation: one forward pass measures both
        self.classes = max(2, int(y.max()) + 1)
        init = "he" if values["activation"] == "relu" else "xavier"
        sizes = [2] + [values["width"]] * values["depth"] + [self.classes]
        self.model = mlp(sizes, activation=values["activation"], init=init, rng=rng)
        self._rng = rng
        self._order, self._next = rng.permutation(n_train), 0
        self.epoch = 0
        self.train_loss, self.val_loss, self.grad_norms, self.delta_norms, self.trend = [], [], [], [], []
        self.schedule = []  # [steps, η, batch size] of each stretch of training, for state_json
        self.factors = np.full(values["depth"], np.nan)
        self._setup = tuple(values[k] for k in RESTART)
        self.controls["noise"].disabled = values["dataset"] == YOURS  # noise belongs to the generated sets
        self._evaluate()

    def _split(self, values, rng):
        """(X, y, n_train): the training rows first, then the validation rows."""
        if values["dataset"] != YOURS:
            X, y = make_dataset(values["dataset"], self._n + self._n // 2, values["noise"], rng)
            return X, y, self._n
        X, y = self._data
        rows = rng.permutation(len(X))
        n_val = len(X) // 3  # as the generated sets: two training points for each validation point
        rows = np.concatenate([rows[n_val:], rows[:n_val]])
        return X[rows], y[rows], len(X) - n_val

    def _batch(self, size):
        """The next ``size`` rows of the shuffled training set; a new epoch reshuffles."""
        if self._next + size > self._n_train:
            self._order, self._next = self._rng.permutation(self._n_train), 0
            self.epoch += 1
        rows = self._order[self._next:self._next + size]
        self._next += size
        return rows

    def _evaluate(self):
        scores = self.model.forward(self._X_both)
        self.train_loss.append(softmax_cross_entropy(scores[: self._n_train], self.y)[0])
        self.val_loss.append(softmax_cross_entropy(scores[self._n_train:], self.y_val)[0])

    def step(self, n=1):
        """Train n mini-batch steps with the current η and batch size, then redraw once. Returns the state."""
        n = _require_int(n, "n", "playground.step", 1, 100_000)
        values = self.values()
        if self.schedule and self.schedule[-1][1:] == [values["lr"], values["batch_size"]]:
            self.schedule[-1][0] += n
        else:
            self.schedule.append([n, values["lr"], values["batch_size"]])
        for k in range(n):
            record = sgd_steps(self.model, softmax_cross_entropy, self.X, self.y,
                               [self._batch(values["batch_size"])], values["lr"])
            self.grad_norms.append(record["grad_norms"][0])
            self.delta_norms.append(record["delta_norms"][0])
            factors = backward_factors(self.model)  # from this step's forward pass
            self.trend.append(_trend_from_last(self.delta_norms[-1][-1], factors))
            if k == n - 1:
                self.factors = factors
            self._evaluate()
        state = self._compute_state(values)
        self._show(state, self._draw(self.figure, state))
        return state

    def reset(self):
        """Start over: new weights (and the same data), history cleared. Returns the state."""
        self._setup = None
        return self.update()

    # ------------------------------------------------------------------ handing the network back
    def to_code(self):
        """nnlib code that, run on its own, defines ``model``: this network with its current weights."""
        values = self.values()
        steps = len(self.grad_norms)
        comment = [f"The playground's network: {values['dataset']}, {values['depth']} hidden layer(s) of "
                   f"{values['width']} {values['activation']} units, {self.classes} classes, after {steps} steps.",
                   "The run again, in a notebook: from nnlib.widgets import playground_explorer; playground_explorer("
                   + ("X=X, y=y, " if values["dataset"] == YOURS else "") + f"state={self.state_json()!r})"]
        return network_code(self.model, comment)

    def export(self):
        """Show to_code() in the text box under the picture (the Export code button). Returns the code."""
        self.code.value = self.to_code()
        self.code.layout.display = None
        return self.code.value

    def state_json(self):
        """The controls, the seed, n and the steps trained as a short JSON string, for playground_explorer(state=...).

        When η or the batch size changed during training, "schedule" lists [steps, η, batch size]
        of each stretch; with the learner's own data, "data" is a fingerprint of X and y.
        """
        values = self.values()
        data = fingerprint(*self._data) if values["dataset"] == YOURS else None
        return state_to_json(values, self._seed, self._n, self.schedule, data)

    def _replay(self, controls, schedule):
        """Train as the schedule says, then set the controls: the run a state describes. Returns self."""
        for steps, lr, batch_size in schedule:
            self.set(lr=lr, batch_size=batch_size)
            self.step(steps)
        self.set(**controls)
        return self

    # ------------------------------------------------------------------ state
    def _compute_state(self, values):
        if self._setup != tuple(values[k] for k in RESTART):
            self._start(values)
        grid = _grid(self.X, centred=values["dataset"] != YOURS)
        scores = self.model.forward(grid[0])
        first = next(layer for layer in self.model.layers if isinstance(layer, Activation)).last_output
        train_scores = self.model.forward(self.X)
        depth = len(self.model.dense_layers())
        return {**values, "play": self.play.value,
                "train_loss": np.array(self.train_loss), "val_loss": np.array(self.val_loss),
                "accuracy": float(np.mean(train_scores.argmax(axis=1) == self.y)),
                "grad_norms": np.array(self.grad_norms).reshape(-1, depth),
                "delta_norms": np.array(self.delta_norms).reshape(-1, depth),
                "trend": np.array(self.trend).reshape(-1, depth), "epoch": self.epoch,
                "steps": len(self.grad_norms), "factors": self.factors,
                "X": self.X, "y": self.y, "grid_extent": grid[1], "classes": self.classes,
                "probability": softmax(scores)[:, 1].reshape(GRID, GRID) if self.classes == 2 else None,
                "predicted": scores.argmax(axis=1).reshape(GRID, GRID),
                "first_layer": first.reshape(GRID, GRID, -1)}

    def _changed(self, control):
        if control is self.play:
            if self.play.value > 0:  # the front end's timer moved it on; 0 is a rewind
                self.step(self.steps_per_frame)
        else:
            self.update()


def _grid(X, centred=True):
    """(GRID², 2) points covering the data with a margin, and their extent (x0, x1, y0, y1).

    A square around 0 for the generated sets (centred), around the middle of the data otherwise.
    """
    middle = np.zeros(2) if centred else (X.min(axis=0) + X.max(axis=0)) / 2
    r = max(1.15 * float(np.max(np.abs(X - middle))), 1e-12)
    (x0, x1), (y0, y1) = (middle[0] - r, middle[0] + r), (middle[1] - r, middle[1] + r)
    g0, g1 = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    return np.column_stack([g0.ravel(), g1.ravel()]), (x0, x1, y0, y1)


DEFAULTS = {"noise": 0.1, "depth": 2, "width": 8, "activation": "tanh", "lr": 0.3, "batch_size": 16, "n": 200,
            "seed": 0}


def playground_explorer(*, dataset=None, noise=0.1, depth=2, width=8, activation="tanh", lr=0.3,
                        batch_size=16, n=200, seed=0, steps_per_frame=10, interval_ms=150, X=None, y=None,
                        state=None):
    """A network that trains live on a 2-D data set, like the TensorFlow Playground.

    dataset: one of "moons" (the default), "xor", "circles", "spirals" (two classes each), ``n``
    training points and n // 2 validation points with the given noise, centred and scaled; or
    "your data" (the default when X is given): X (m, 2) and y (m,) integer labels 0 … 9, your own
    points, of which a third (drawn with the seed) are kept for validation. The network sees your X
    as it is: scale it to about unit size for the usual η to work. Your arrays are copied, never changed.
    depth: hidden layers (1 … 6) of ``width`` units (1 … 16) with ``activation`` ("tanh",
    "relu" with He initialisation, "sigmoid", "identity"; Xavier otherwise), one logit per class
    out, softmax cross-entropy; lr: η, a log-scale slider of round numbers from 0.001 to 10;
    batch_size: 1 … 128. Every start uses np.random.default_rng(seed), so reset gives the same run.
    state: a string from state_json(): the controls, seed and n it holds are set and the steps it
    holds are trained again, with the same η and batch size for each stretch, giving the same
    weights and losses exactly (with your own data, pass the same X and y too). With state, leave
    out the other settings.

    Controls: dataset, noise, depth, width, activation, lr, batch_size, play (a Play widget:
    each tick trains steps_per_frame steps), step (a button: the same once), reset (a button),
    export (a button: shows to_code() in a text box under the picture).
    State: train_loss and val_loss (the loss on the whole training / validation set before
    the first step and after every step), accuracy (now, on the training set), grad_norms
    (steps, depth + 1): ‖dL/dW‖ of each Dense layer at every step, input side first; delta_norms
    (steps, depth + 1): ‖δ‖ = ‖dL/dz‖ of each Dense layer's output at every step, the gradient the
    backward pass hands that layer (the bottom-right panel draws it); trend (steps, depth + 1): its
    expected trend at every step, the last layer's ‖δ‖ times the factors ρ of that step (an expectation
    for random weights, notebook 08); factors (depth,): the expected factor σ_W √n · rms f' of each
    step back, at the last step;
    epoch (complete passes over the training set), steps, classes, and the pictures' arrays.
    Attributes and methods: ``.model`` (the network, an nnlib Sequential), ``.step(n)``,
    ``.reset()``, ``.to_code()``, ``.export()``, ``.state_json()``.

    Example::

        import numpy as np
        import nnlib
        from nnlib.widgets import playground_explorer

        X, y = nnlib.data.make_xor(120, np.random.default_rng(1))
        playground = playground_explorer(X=X, y=y, depth=2, width=4)
        state = playground.step(200)      # state["accuracy"]: on the training points
        shared = playground.state_json()   # '{"dataset":"your data",...,"steps":200,...}'
        code = playground.to_code()        # run it anywhere: it defines `model`, these weights
        again = playground_explorer(X=X, y=y, state=shared)   # the same run, step for step
    """
    where = "playground_explorer"
    data = check_data(X, y, where) if X is not None or y is not None else None
    if state is not None:
        given = dict(dataset=dataset, noise=noise, depth=depth, width=width, activation=activation, lr=lr,
                     batch_size=batch_size, n=n, seed=seed)
        changed = [k for k, v in given.items() if v is not None and v != DEFAULTS.get(k)]
        if changed:
            raise ValueError(f"{where}: give state or the settings, not both; the state sets {changed[0]} too")
        controls, seed, n, schedule, stamp = parse_state(state)
        _check_stamp(stamp, controls["dataset"], data)
    else:
        dataset = dataset if dataset is not None else YOURS if data is not None else "moons"
        controls, schedule = dict(dataset=dataset, noise=noise, depth=depth, width=width, activation=activation,
                                  lr=lr, batch_size=batch_size), []
    _require_int(n, "n", where, 10, 100_000)
    _require_int(seed, "seed", where, 0, 2**63 - 1)
    _require_int(steps_per_frame, "steps_per_frame", where, 1, 10_000)
    _require_int(interval_ms, "interval_ms", where, 10, 60_000)
    if controls["dataset"] == YOURS and data is None:
        raise ValueError(f"{where}: dataset {YOURS!r} needs X (n, 2) and y (n,): your points and their labels")
    if state is None:
        return Playground(_controls(controls, data is not None), n, seed, steps_per_frame, interval_ms, data)
    try:  # a value the controls do not offer: say that it came from the state
        playground = Playground(_controls(controls, data is not None), n, seed, steps_per_frame, interval_ms, data)
        return playground._replay(controls, schedule)
    except ValueError as error:
        raise ValueError(f"{where}: state: {error}") from None


def _controls(values, yours):
    """The playground's controls at the given values (each checks its value, naming what it accepts)."""
    return {
        "dataset": Choice("dataset", list(DATASETS) + ([YOURS] if yours else []), values["dataset"]),
        "noise": ValueSlider("noise", NOISE_VALUES, values["noise"]),
        "depth": IntSlider("depth", values["depth"], 1, 6, description="hidden layers"),
        "width": IntSlider("width", values["width"], 1, 16, description="units"),
        "activation": Choice("activation", list(ACTIVATION_OPTIONS), values["activation"]),
        "lr": ValueSlider("lr", LR_VALUES, values["lr"], description="η (lr)"),
        "batch_size": ValueSlider("batch_size", BATCH_SIZES, values["batch_size"], description="batch size"),
    }


def _check_stamp(stamp, dataset, data):
    """A state saved on the learner's own data replays only on the same data."""
    where = "playground_explorer"
    if dataset != YOURS:
        return
    if data is None:
        raise ValueError(f"{where}: this state was saved on your own data: pass the same X and y with it")
    if stamp is not None and stamp != fingerprint(*data):
        raise ValueError(f"{where}: this state was saved on other data (fingerprint {stamp}, these X and y give "
                         f"{fingerprint(*data)}): pass the X and y it was saved with")


DESCRIBE = (
    "Four panels. Top left: the decision regions, shaded from one class's colour to the other's by "
    "the predicted probability, with the training points of class 0 as circles and class 1 as "
    "triangles. Top right: the training loss (solid) and the validation loss (dashed) after each "
    "step, on a log scale. Bottom left: one small map per unit of the first hidden layer, its "
    "activation over the plane. Bottom right: the size of the gradient each layer receives, the "
    "norm of dL/dz of each layer at each step on a log scale, with short bars at the level expected "
    "for random weights at the last step.")


MAX_POINTS = 300  # a curve is drawn with at most this many points, however long the training


def _binned(values, max_points=MAX_POINTS, smooth=1):
    """(x, y) of a per-step series for drawing: geometric means of equal bins of steps.

    values: (steps,) or (steps, k), positive. A bin holds ``smooth`` steps, or more when that
    would give more than max_points bins. x is the mean step number of each bin (steps from 1).
    """
    values = np.asarray(values, dtype=float)
    steps = len(values)
    size = max(1, smooth, int(np.ceil(steps / max_points)))
    usable = steps - steps % size if steps >= size else 0
    x = np.arange(1, steps + 1, dtype=float)
    if size == 1:
        return x, values
    head = values[:usable].reshape(usable // size, size, *values.shape[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.exp(np.mean(np.log(head), axis=1))
    x_binned = x[:usable].reshape(-1, size).mean(axis=1)
    if usable < steps:  # the last, shorter bin
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = np.exp(np.mean(np.log(values[usable:]), axis=0, keepdims=True))
        y, x_binned = np.concatenate([y, tail]), np.append(x_binned, x[usable:].mean())
    return x_binned, y


def _unit_mosaic(first_layer):
    """Each unit's (GRID, GRID) map side by side in a square mosaic, nan between tiles and in the empty
    places. Square whatever the number of units (12 units: 4 × 4 places), so that the mosaic keeps the
    square box of its axes and every tile is drawn square, as the plane it maps is."""
    units = first_layer.shape[2]
    cols = rows = int(np.ceil(np.sqrt(units)))
    tile = GRID + 2
    mosaic = np.full((rows * tile, cols * tile), np.nan)
    for k in range(units):
        r, c = divmod(k, cols)
        mosaic[r * tile + 1:r * tile + 1 + GRID, c * tile + 1:c * tile + 1 + GRID] = first_layer[:, :, k]
    return mosaic


def _playground_figure():
    """The four panels; returns (figure, draw(figure, state) -> summary)."""
    fig, axes = new_figure(920, 600, 2, 2)
    ax_data, ax_loss, ax_units, ax_grad = axes
    # probability of class 1, from class 0's colour through white to class 1's
    shades = LinearSegmentedColormap.from_list("classes", [CLASS_COLOURS[0], "white", CLASS_COLOURS[1]])
    regions = ax_data.imshow(np.zeros((GRID, GRID)), origin="lower", cmap=shades, vmin=0, vmax=1,
                             alpha=0.55, interpolation="bilinear")
    regions.two_class_cmap = shades
    points = [ax_data.scatter([], [], color=colour, marker=marker, s=14, edgecolors="k", linewidths=0.4,
                              label=f"class {k}")
              for k, (colour, marker) in enumerate(_class_styles())]
    ax_data.set_xticks([])
    ax_data.set_yticks([])
    ax_data.set_xlabel("$x_1$")
    ax_data.set_ylabel("$x_2$")
    ax_data.set_title("decision regions and training points", fontsize=10)

    (train_line,) = ax_loss.semilogy([], [], color=BLUE, label="training")
    (val_line,) = ax_loss.semilogy([], [], "--", color=VERMILLION, label="validation")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("cross-entropy (log scale)")

    units = ax_units.imshow(np.zeros((2, 2)), origin="lower", cmap="PuOr_r", interpolation="nearest")
    units.set_cmap(units.cmap.with_extremes(bad="white"))  # the gaps between the tiles
    ax_units.set_xticks([])
    ax_units.set_yticks([])
    ax_units.set_title("first hidden layer: one map per unit", fontsize=10)

    grad_lines = [ax_grad.semilogy([], [], lw=1.2)[0] for _ in range(7)]
    expected = ax_grad.semilogy([], [], "k_", ms=14, mew=2, label="expected for random weights")[0]
    ax_grad.set_xlabel("step")
    ax_grad.set_ylabel(r"$\|\partial L/\partial z^{(l)}\|$ (log scale)")
    for ax in (ax_loss, ax_grad):
        light_ticks(ax)
    reserve_tick_room([ax_loss, ax_grad])  # the layout is made once: leave room for any tick label
    fig.tight_layout(rect=(0, 0, 0.85, 1), h_pad=1.5)
    # Legends to the right of their axes, outside the redrawn area: drawn once with the background.
    top = ax_loss.get_position()
    fig.legend(handles=[train_line, val_line], loc="upper left", bbox_to_anchor=(0.855, top.y1),
               fontsize="small", frameon=False, title="loss", title_fontsize="small")
    for artist in (regions, *points, units):
        artist.set_animated(True)  # drawn over the static frame of their axes on every frame
    fig.dynamic_axes = [ax_loss, ax_grad]
    freeze_labels(fig, fig.dynamic_axes)

    def draw(fig, state):
        extent = state["grid_extent"]
        _draw_regions(regions, points, state)
        regions.set_extent(extent)
        ax_data.set_xlim(extent[:2])
        ax_data.set_ylim(extent[2:])
        for k, scatter in enumerate(points):
            scatter.set_offsets(state["X"][state["y"] == k])
        mosaic = _unit_mosaic(state["first_layer"])
        units.set_data(mosaic)
        units.set_extent((0, mosaic.shape[1], 0, mosaic.shape[0]))
        ax_units.set_xlim(0, mosaic.shape[1])
        ax_units.set_ylim(0, mosaic.shape[0])
        top = max(float(np.nanmax(np.abs(mosaic))), 1e-12)
        units.set_clim(-top, top)
        steps, train = _binned(state["train_loss"])
        val = _binned(state["val_loss"])[1]
        train_line.set_data(steps - 1, finite_positive(train))  # entry 0 is before the first step
        val_line.set_data(steps - 1, finite_positive(val))
        for line in (train_line, val_line):
            line.set_marker("o" if len(steps) == 1 else "")  # before the first step: one point
        ax_loss.set_xlim(0, max(len(state["train_loss"]) - 1, 1))
        fit_log_axis(ax_loss, state["train_loss"], state["val_loss"])
        ax_loss.set_title(f"η = {state['lr']:g}, batch {state['batch_size']}; epoch {state['epoch']}, "
                          f"step {state['steps']}: training accuracy {state['accuracy']:.0%}", fontsize=10)
        _draw_grad_norms(ax_grad, grad_lines, expected, state)
        # what training changes first: a status line too long for the output area loses its end, and the
        # set-up at the end is also on the controls above it
        return (f"step {state['steps']}: training loss {state['train_loss'][-1]:.3g}, validation loss "
                f"{state['val_loss'][-1]:.3g}, accuracy {state['accuracy']:.0%}; {state['dataset']}, "
                f"{state['depth']} × {state['width']} {state['activation']}, η = {state['lr']:g}, "
                f"batch {state['batch_size']}")

    return fig, draw


def _class_styles():
    """(colour, marker) of each of up to ten classes: the course's two first, then the palette's
    colours again with other shapes, so no two classes share both."""
    colours = CLASS_COLOURS + tuple(c for c in COLOURS if c not in CLASS_COLOURS)
    markers = CLASS_MARKERS + ("s", "D", "v", "P", "X", "*", "<", ">")
    return [(colours[k % len(colours)], markers[k]) for k in range(10)]


def _draw_regions(regions, points, state):
    """Two classes: the probability of class 1, between the two classes' colours. More: the predicted
    class, in each class's colour."""
    k = state["classes"]
    if k == 2:
        regions.set_data(state["probability"])
        cmap, low, high, smooth = regions.two_class_cmap, 0, 1, "bilinear"
    else:
        regions.set_data(state["predicted"])
        cmap, low, high, smooth = ListedColormap([c for c, _ in _class_styles()[:k]]), -0.5, k - 0.5, "nearest"
    if getattr(regions, "_classes", None) != k:  # a new colour map only for a new number of classes
        regions.set_cmap(cmap)
        regions.set_clim(low, high)
        regions._classes = k
    regions.set_interpolation(smooth)


def _draw_grad_norms(ax, lines, expected, state):
    """One line per Dense layer (input side dark): the norm of δ_l = ∂L/∂z_l, the gradient the backward
    pass hands layer l (∂L/∂W_l = a_{l-1}ᵀ δ_l), and the expected level of each at the last step: the
    expected trend of notebook 08, the last layer's ‖δ‖ times the factors ρ (for random weights)."""
    norms = state["delta_norms"]
    depth = norms.shape[1]
    # one step's norms jump with its batch: draw geometric means over a few steps (up to a frame)
    smooth = min(10, len(norms) // 30 + 1)
    steps, drawn = _binned(norms, smooth=smooth) if len(norms) else (np.arange(1), norms)
    colours = [(0.1 + 0.75 * k / max(depth - 1, 1), 0.3, 0.85 - 0.6 * k / max(depth - 1, 1)) for k in range(depth)]
    for k, line in enumerate(lines):
        if k < depth:
            line.set_data(steps, finite_positive(drawn[:, k])) if len(norms) else line.set_data([], [])
            line.set_color(colours[k])
            line.set_linestyle(LINESTYLES[k % len(LINESTYLES)])  # told apart by its dashes too
            line.set_label(f"{k + 1}" + (" (input)" if k == 0 else " (output)" if k == depth - 1 else ""))
        else:
            line.set_data([], [])
            line.set_label(f"_unused {k}")
    shown = [drawn]
    if len(norms):
        # each step's trend (from that step's weights and batch), averaged over the steps the lines average
        prediction = _binned(state["trend"], smooth=smooth)[1][-1]
        expected.set_data(np.full(depth, len(norms)), finite_positive(prediction))
        shown.append(prediction)
    else:
        expected.set_data([], [])
    ax.set_xlim(0, max(len(norms), 1) * 1.04)
    fit_log_axis(ax, *shown)
    if getattr(ax, "_legend_depth", None) != depth:  # a new legend only for a new architecture
        fig = ax.get_figure()
        if getattr(ax, "_layer_legend", None) is not None:
            ax._layer_legend.remove()
        ax._layer_legend = fig.legend(handles=lines[:depth] + [expected], labels=[line.get_label() for line in
                                      lines[:depth]] + ["expected,\nrandom W"], loc="upper left",
                                      bbox_to_anchor=(0.855, ax.get_position().y1), fontsize="small", frameon=False,
                                      title="layer", title_fontsize="small")
        ax._legend_depth = depth
        fig.stale_background = True  # the legend is part of the saved background: draw that anew
    rho = state["factors"]
    if not len(norms):
        ax.set_title("gradient per layer: none yet, press ▶ or step", fontsize=10)
    else:
        known = len(rho) and np.all(np.isfinite(rho)) and np.all(rho > 0)
        ax.set_title("gradient each layer receives" + (f"; ρ ≈ {np.exp(np.mean(np.log(rho))):.2g} a layer back"
                                                        if known else ""), fontsize=10)
