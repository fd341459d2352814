"""What the playground hands back: the learner's own data checked, its network as code, its run as JSON.

- ``check_data(X, y)``: the learner's 2-D data, copied (nothing of theirs is changed), with clear
  errors for anything else;
- ``network_code(model, comment)``: nnlib code that rebuilds ``model`` with the very same weights
  (every float written with repr, which reads back to the same float64);
- ``state_to_json`` / ``parse_state``: the controls, the seed and the steps trained (with the η and
  batch size of each stretch) as a short JSON string, and back, naming whatever is wrong.
"""

import hashlib
import json
import math

import numpy as np

from ..models import Activation

YOURS = "your data"  # the dataset option for the learner's own X, y
MAX_CLASSES = 10
CONTROL_KEYS = ("dataset", "noise", "depth", "width", "activation", "lr", "batch_size")
STATE_KEYS = CONTROL_KEYS + ("seed", "n", "steps")
OPTIONAL_KEYS = ("schedule", "data")


def check_data(X, y, where="playground_explorer"):
    """(X float64 (m, 2), y int64 (m,)), copies, or a ValueError/TypeError saying what is wrong."""
    if (X is None) != (y is None):
        raise TypeError(f"{where}: give both X (n, 2) and y (n,) integer labels, or neither; got only "
                        f"{'X' if y is None else 'y'}")
    try:
        X = np.array(X, dtype=float)  # a copy: the learner's array is never touched
    except (TypeError, ValueError):
        raise TypeError(f"{where}: X must be an array of numbers of shape (n, 2), got {type(X).__name__}") from None
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{where}: X must have shape (n, 2), one point of the plane per row; got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: X must be finite; it has {int(np.sum(~np.isfinite(X)))} nan or inf entries")
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != len(X):
        raise ValueError(f"{where}: y must have shape ({len(X)},), one label per row of X; got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{where}: y must hold integer class labels 0, 1, …; got dtype {labels.dtype} "
                        "(for float labels that are whole numbers, pass y.astype(int))")
    if len(X) < 6:
        raise ValueError(f"{where}: X needs at least 6 points (a third of them are kept for validation); got {len(X)}")
    if labels.min() < 0 or labels.max() >= MAX_CLASSES:
        raise ValueError(f"{where}: y's labels must be 0 … {MAX_CLASSES - 1}; got labels from {labels.min()} to "
                         f"{labels.max()}")
    if len(np.unique(labels)) < 2:
        raise ValueError(f"{where}: y must hold at least two classes; every label is {labels[0]}")
    return X, labels.astype(np.int64)


def fingerprint(X, y):
    """A short hash of the data, so that a state saved on one data set is not replayed on another."""
    return hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()[:12]


def _number(v):
    v = float(v)
    if math.isnan(v):
        return "np.nan"
    if math.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)  # repr reads back as the same float64


def _array(a, indent="    "):
    if a.ndim == 1:
        return "np.array([" + ", ".join(_number(v) for v in a) + "])"
    rows = ",\n".join(f"{indent}[" + ", ".join(_number(v) for v in row) + "]" for row in a)
    return "np.array([\n" + rows + ",\n])"


def network_code(model, comment):
    """Python source that defines ``model``: an nnlib.mlp of the same sizes with the same weights.

    comment: lines put at the top as # comments. Run on its own, with numpy and nnlib installed,
    the code gives a model whose forward pass equals ``model``'s exactly.
    """
    dense = model.dense_layers()
    sizes = [dense[0].W.shape[0]] + [d.W.shape[1] for d in dense]
    acts = {layer.name for layer in model.layers if isinstance(layer, Activation)}
    activation = acts.pop() if acts else "identity"
    lines = [f"# {line}" for line in comment] + [
        "import numpy as np",
        "",
        "import nnlib",
        "",
        f"model = nnlib.mlp({sizes}, activation={activation!r}, rng=np.random.default_rng(0))",
        "dense = model.dense_layers()  # its weights are overwritten with the trained ones below",
    ]
    for i, layer in enumerate(dense):
        lines.append(f"dense[{i}].W[...] = {_array(layer.W)}")
        lines.append(f"dense[{i}].b[...] = {_array(layer.b)}")
    lines.append("# the predicted class of each row of an (n, 2) array X: model.forward(X).argmax(axis=1)")
    return "\n".join(lines) + "\n"


def state_to_json(values, seed, n, schedule, data=None):
    """The playground's state as compact JSON: the controls, seed, n, steps (and how they were trained)."""
    state = {key: values[key] for key in CONTROL_KEYS}
    state.update(seed=seed, n=n, steps=sum(s for s, _, _ in schedule))
    if any((lr, bs) != (values["lr"], values["batch_size"]) for _, lr, bs in schedule):
        state["schedule"] = [list(segment) for segment in schedule]  # η or the batch size changed on the way
    if data is not None:
        state["data"] = data
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


def _int(state, key, low, high):
    value = state[key]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"state: {key} must be an integer in [{low}, {high}], got {value!r}")
    return value


def parse_state(text):
    """The dict of a state string from state_json(), checked: (controls, seed, n, schedule, data)."""
    if not isinstance(text, str):
        raise TypeError(f"state must be the JSON string that state_json() returns, got {type(text).__name__}")
    try:
        state = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"state is not valid JSON ({error.msg} at character {error.pos}): {text[:60]!r}") from None
    if not isinstance(state, dict):
        raise ValueError(f"state must be a JSON object {{...}} as state_json() writes, got {type(state).__name__}")
    unknown = [key for key in state if key not in STATE_KEYS + OPTIONAL_KEYS]
    if unknown:
        raise ValueError(f"state has an unknown key {unknown[0]!r}; the keys are {', '.join(STATE_KEYS)} "
                         f"(and schedule, data)")
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise ValueError(f"state is missing {missing[0]!r}; a state has {', '.join(STATE_KEYS)}")
    seed, n, steps = _int(state, "seed", 0, 2**63 - 1), _int(state, "n", 10, 100_000), _int(state, "steps", 0, 10**6)
    schedule = state.get("schedule", [[steps, state["lr"], state["batch_size"]]] if steps else [])
    if not isinstance(schedule, list) or not all(
            isinstance(s, list) and len(s) == 3 and isinstance(s[0], int) and not isinstance(s[0], bool) and s[0] >= 1
            for s in schedule):
        raise ValueError(f"state: schedule must be a list of [steps, lr, batch_size] with steps >= 1, got {schedule!r}")
    if sum(s[0] for s in schedule) != steps:
        raise ValueError(f"state: the schedule's steps add up to {sum(s[0] for s in schedule)}, not steps = {steps}")
    data = state.get("data")
    if data is not None and not isinstance(data, str):
        raise ValueError(f"state: data must be the fingerprint string of the data, got {data!r}")
    return {key: state[key] for key in CONTROL_KEYS}, seed, n, schedule, data
