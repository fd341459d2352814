"""The playground hands its network back: the learner's own data, the network as code, the run as JSON."""

import json

import numpy as np
import pytest

import nnlib
from nnlib.widgets import playground_explorer
from nnlib.widgets._share import YOURS

pytestmark = pytest.mark.nb10


def weights(playground):
    return [(d.W.copy(), d.b.copy()) for d in playground.model.dense_layers()]


def same_run(a, b):
    """Both playgrounds hold identical weights and identical loss histories, bit for bit."""
    assert len(weights(a)) == len(weights(b))
    for (Wa, ba), (Wb, bb) in zip(weights(a), weights(b)):
        assert np.array_equal(Wa, Wb) and np.array_equal(ba, bb)
    for key in ("train_loss", "val_loss", "grad_norms"):
        assert np.array_equal(a.state[key], b.state[key]), key
    assert a.state["steps"] == b.state["steps"] and a.state["epoch"] == b.state["epoch"]


def xor_data(n=120, seed=1):
    return nnlib.data.make_xor(n, np.random.default_rng(seed))


# --------------------------------------------------------------------------- the learner's own data


def test_it_trains_on_the_learners_points_and_keeps_a_third_for_validation():
    X, y = xor_data()
    X_before, y_before = X.copy(), y.copy()
    playground = playground_explorer(X=X, y=y, depth=2, width=8, lr=0.3)
    state = playground.state
    assert state["dataset"] == YOURS and state["classes"] == 2
    assert len(playground.X) == 80 and len(playground.X_val) == 40
    rows = {tuple(p) for p in X}
    assert {tuple(p) for p in np.vstack([playground.X, playground.X_val])} == rows, "every point, each once"
    assert playground.controls["noise"].disabled, "noise belongs to the generated sets"
    state = playground.step(300)
    assert state["accuracy"] >= 0.9 and state["train_loss"][-1] < 0.5 * state["train_loss"][0]
    assert np.array_equal(X, X_before) and np.array_equal(y, y_before), "the learner's arrays are untouched"
    assert playground.X is not X


def test_three_classes_get_three_logits_and_a_region_each():
    X, y = nnlib.data.make_spirals(150, np.random.default_rng(0), classes=3, noise=0.1)
    playground = playground_explorer(X=X, y=y, depth=2, width=8)
    assert playground.model.dense_layers()[-1].W.shape[1] == 3 and playground.state["classes"] == 3
    assert playground.state["probability"] is None
    assert set(np.unique(playground.step(200)["predicted"])) <= {0, 1, 2}
    assert playground.png().startswith(b"\x89PNG")


def test_the_generated_sets_stay_one_option_away():
    X, y = xor_data()
    playground = playground_explorer(X=X, y=y)
    assert playground.controls["dataset"].options[-1] == YOURS
    playground.controls["dataset"].value = "circles"
    assert len(playground.X) == 200 and not playground.controls["noise"].disabled
    playground.controls["dataset"].value = YOURS
    assert len(playground.X) == 80
    with pytest.raises(ValueError, match=r"dataset 'your data' needs X \(n, 2\) and y \(n,\): your points"):
        playground_explorer(dataset=YOURS)


@pytest.mark.parametrize("X, y, error, message", [
    (np.ones((10, 3)), np.zeros(10, int), ValueError, r"X must have shape \(n, 2\), one point of the plane per row; "
                                                      r"got shape \(10, 3\)"),
    (np.ones(10), np.zeros(10, int), ValueError, r"X must have shape \(n, 2\)"),
    ("points", np.zeros(10, int), TypeError, "X must be an array of numbers of shape"),
    (np.full((10, 2), np.nan), np.zeros(10, int), ValueError, "X must be finite; it has 20 nan or inf entries"),
    (np.ones((10, 2)), np.zeros(9, int), ValueError, r"y must have shape \(10,\), one label per row of X; got "
                                                     r"shape \(9,\)"),
    (np.ones((10, 2)), np.zeros(10), TypeError, "y must hold integer class labels 0, 1, …; got dtype float64"),
    (np.ones((10, 2)), np.zeros(10, int), ValueError, "y must hold at least two classes; every label is 0"),
    (np.ones((10, 2)), np.arange(10) - 1, ValueError, "y's labels must be 0 … 9; got labels from -1 to 8"),
    (np.ones((4, 2)), np.array([0, 1, 0, 1]), ValueError, "X needs at least 6 points"),
    (np.ones((10, 2)), None, TypeError, "give both X .* and y .* or neither; got only X"),
])
def test_anything_but_points_of_the_plane_and_integer_labels_is_refused(X, y, error, message):
    with pytest.raises(error, match=message):
        playground_explorer(X=X, y=y)


# --------------------------------------------------------------------------- the network as code


def run_alone(code):
    """Run code in a namespace of its own (as if pasted into a fresh notebook) and return its model."""
    namespace = {}
    exec(compile(code, "<exported>", "exec"), namespace)
    return namespace["model"]


@pytest.mark.parametrize("setting", [dict(dataset="moons", depth=2, width=8, activation="tanh"),
                                     dict(dataset="circles", depth=3, width=5, activation="relu"),
                                     dict(dataset="xor", depth=1, width=3, activation="sigmoid")])
def test_the_exported_code_rebuilds_the_network_exactly(setting):
    playground = playground_explorer(**setting)
    playground.step(40)
    model = run_alone(playground.to_code())
    for mine, theirs in zip(model.dense_layers(), playground.model.dense_layers()):
        assert np.array_equal(mine.W, theirs.W) and np.array_equal(mine.b, theirs.b)
    X = np.random.default_rng(5).standard_normal((300, 2)) * 2
    assert np.array_equal(model.forward(X), playground.model.forward(X))
    assert [type(layer).__name__ for layer in model.layers] == [type(layer).__name__ for layer in
                                                                playground.model.layers]


def test_the_export_button_shows_the_code_in_a_text_box():
    playground = playground_explorer()
    assert playground.code.layout.display == "none"
    assert playground.code in playground.widget.children
    playground.step(10)
    playground.controls["export"].click()
    assert playground.code.layout.display is None and playground.code.value == playground.to_code()
    assert playground.controls["export"].description == "Export code"
    assert "after 10 steps" in playground.code.value and "state='" in playground.code.value


def test_a_diverged_network_is_still_valid_code():
    playground = playground_explorer(lr=10.0, activation="relu", depth=3, width=16)
    playground.step(50)
    model = run_alone(playground.to_code())
    for mine, theirs in zip(model.dense_layers(), playground.model.dense_layers()):
        assert np.array_equal(mine.W, theirs.W, equal_nan=True)


# --------------------------------------------------------------------------- the run as JSON


def test_a_restored_state_gives_the_same_weights_and_losses():
    first = playground_explorer(dataset="circles", depth=3, width=6, activation="tanh", lr=0.3, batch_size=16, seed=7)
    first.step(30)
    first.set(lr=0.1, batch_size=32)  # the η and batch size change during training
    first.step(25)
    first.controls["lr"].value = 0.05  # moved after the last step: the next steps would use it
    text = first.state_json()
    state = json.loads(text)
    assert len(text) < 300 and state["steps"] == 55 and state["seed"] == 7 and state["lr"] == 0.05
    assert state["schedule"] == [[30, 0.3, 16], [25, 0.1, 32]]
    second = playground_explorer(state=text)
    same_run(first, second)
    assert second.values() == first.values() and second.state_json() == text
    first.step(5)
    second.step(5)
    same_run(first, second)


def test_a_state_without_changes_of_eta_is_just_the_controls_and_the_steps():
    first = playground_explorer(dataset="xor", lr=0.3)
    first.step(20)
    state = json.loads(first.state_json())
    assert "schedule" not in state and state["steps"] == 20
    same_run(first, playground_explorer(state=first.state_json()))
    assert json.loads(playground_explorer().state_json())["steps"] == 0


def test_a_state_on_the_learners_data_needs_the_same_data():
    X, y = xor_data()
    first = playground_explorer(X=X, y=y, depth=2, width=4, seed=3)
    first.step(25)
    text = first.state_json()
    assert json.loads(text)["dataset"] == YOURS and len(json.loads(text)["data"]) == 12
    same_run(first, playground_explorer(X=X, y=y, state=text))
    with pytest.raises(ValueError, match="this state was saved on your own data: pass the same X and y with it"):
        playground_explorer(state=text)
    other_X, other_y = xor_data(seed=2)
    with pytest.raises(ValueError, match="this state was saved on other data"):
        playground_explorer(X=other_X, y=other_y, state=text)


def test_reset_and_a_new_architecture_start_the_record_again():
    playground = playground_explorer()
    playground.step(10)
    playground.reset()
    assert json.loads(playground.state_json())["steps"] == 0
    playground.step(10)
    playground.controls["depth"].value = 3
    assert json.loads(playground.state_json())["steps"] == 0


@pytest.mark.parametrize("text, error, message", [
    ("{depth: 2", ValueError, r"state is not valid JSON \(Expecting property name enclosed in double quotes at "
                              r"character 1\)"),
    ("[1, 2]", ValueError, r"state must be a JSON object \{...\} as state_json\(\) writes, got list"),
    ({"depth": 2}, TypeError, r"state must be the JSON string that state_json\(\) returns, got dict"),
    ('{"dataset":"moons"}', ValueError, "state is missing 'noise'; a state has dataset, noise, depth"),
    (None, ValueError, "state has an unknown key 'colour'"),
    (None, ValueError, r"depth must be an integer in \[1, 6\], got 9"),
    (None, ValueError, "dataset must be one of 'moons', 'xor', 'circles', 'spirals'; got 'moon'"),
    (None, ValueError, r"state: steps must be an integer in \[0, 1000000\], got -3"),
    (None, ValueError, r"state: the schedule's steps add up to 5, not steps = 6"),
    (None, ValueError, r"state: schedule must be a list of \[steps, lr, batch_size\]"),
    (None, ValueError, "lr must be one of the slider's values from 0.001 to 10"),
])
def test_a_bad_state_string_says_what_is_wrong(text, error, message):
    good = json.loads(playground_explorer().state_json())
    if text is None:  # a good state with one thing wrong
        change = {"unknown key": {"colour": "red"}, "depth must": {"depth": 9}, "dataset must": {"dataset": "moon"},
                  "steps must": {"steps": -3}, "add up": {"steps": 6, "schedule": [[5, 0.3, 16]]},
                  "schedule must": {"steps": 5, "schedule": [[5, 0.3]]},
                  "lr must": {"lr": 0.33}}
        text = json.dumps({**good, **next(v for k, v in change.items() if k in message.replace("\\", ""))})
    with pytest.raises(error, match=message):
        playground_explorer(state=text)


def test_state_and_other_settings_together_are_refused():
    text = playground_explorer().state_json()
    with pytest.raises(ValueError, match="give state or the settings, not both; the state sets depth too"):
        playground_explorer(state=text, depth=3)
