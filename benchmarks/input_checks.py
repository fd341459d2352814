"""What nnlib's clear errors cost: the time its step spends in each input check.

Each check is one function in nnlib. During one step of the benchmark's network, every
call of a check is recorded with its arguments (the check is wrapped, in every nnlib
module that calls it); then each recorded call is replayed on its own, timed with
timeit: the fastest of 7 repeats of 1000 calls, the time least disturbed by whatever
else runs on the machine, in CPU time of this thread like the step comparison. A
check's cost per step is the sum over its calls, put against the step's own time, the
fastest of repeated steps.
"""

import contextlib
import sys
import timeit

import numpy as np
from contenders import LR, NnlibStep, starting_weights
from timing import CLOCK

import nnlib
from nnlib._validate import require_finite

# label -> (the check's name, the modules whose calls count: None for every nnlib module).
# A network's input is checked once per call, by Sequential (not again in every layer), so
# these are the checks one step still makes.
CHECKS = {
    "dtype of an array (as_float_array)": ("as_float_array", None),
    "the network's output gradient (require_upstream_shape)": ("require_upstream_shape", None),
    "input_grad a bool (require_bool)": ("require_bool", None),
    "which layers skip their checks (_takes_check)": ("_takes_check", None),
    "activation name (get_activation)": ("get_activation", None),
    "labels: integers, shape, range (require_labels)": ("require_labels", None),
    "logits 2-D (require_ndim in the loss)": ("require_ndim", ["nnlib.losses"]),
    "learning rate (check_lr)": ("check_lr", None),
    "every (param, grad) pair, before any step (require_parameters)": ("require_parameters", None),
}


@contextlib.contextmanager
def recorded(function_name, modules, calls):
    """Wrap a check where nnlib calls it, appending (args, kwargs) to calls at each call."""
    if modules is None:
        modules = [name for name, m in list(sys.modules.items())
                   if name.split(".")[0] == "nnlib" and callable(getattr(m, function_name, None))]
    holders = [sys.modules[name] for name in modules]
    original = getattr(holders[0], function_name)

    def recording(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    for module in holders:
        setattr(module, function_name, recording)
    try:
        yield original
    finally:
        for module in holders:
            setattr(module, function_name, original)


def fastest(run, number, repeat=7):
    """The fastest of `repeat` timings of `number` runs, per run, in the benchmark's clock."""
    return min(timeit.Timer(run, timer=CLOCK).repeat(number=number, repeat=repeat)) / number


def fastest_call(function, args, kwargs, number=1000):
    return fastest(lambda: function(*args, **kwargs), number)


def check_costs(X, y):
    """{check: {calls, seconds, share}} per step, and the step's own time."""
    contender = NnlibStep(starting_weights(seed=3), LR)
    contender.step(X, y)  # warm up
    step = fastest(lambda: contender.step(X, y), number=max(1, round(2e4 / len(y))))  # ~0.1 s a repeat
    costs = {}
    for label, (name, modules) in CHECKS.items():
        calls = []
        with recorded(name, modules, calls) as original:
            contender.step(X, y)
        seconds = sum(fastest_call(original, args, kwargs) for args, kwargs in calls)
        costs[label] = {"calls": len(calls), "seconds": seconds, "share": seconds / step}
    return costs, step


def train_data_check_cost():
    """train's NaN/inf check of X and y on the digits, against one epoch at batch 32."""
    X, y = nnlib.data.load_digits()

    def one_epoch():
        model = nnlib.mlp([64, 64, 64, 10], rng=np.random.default_rng(0))
        nnlib.train(model, "softmax_cross_entropy", X, y, lr=LR, batch_size=32, max_epochs=1,
                    rng=np.random.default_rng(1))

    check = fastest_call(require_finite, (X, "X", "train"), {}, number=100)
    check += fastest_call(require_finite, (y, "y", "train"), {}, number=100)
    epoch = fastest(one_epoch, number=1, repeat=5)
    return {"seconds": check, "epoch_seconds": epoch, "share": check / epoch}


def measure(batches):
    """{"per_step": {batch: {check: {calls, seconds, share}}}, "step_seconds": {batch: s},
    "train_data_check": {seconds, epoch_seconds, share}}."""
    X_all, y_all = nnlib.data.load_digits()
    per_step, steps = {}, {}
    for batch in batches:
        X, y = np.ascontiguousarray(X_all[:batch]), np.ascontiguousarray(y_all[:batch])
        per_step[str(batch)], steps[str(batch)] = check_costs(X, y)
    return {"per_step": per_step, "step_seconds": steps, "train_data_check": train_data_check_cost()}
