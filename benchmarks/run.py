"""How fast is nnlib at the sizes the course trains? One command, one BLAS thread.

    python benchmarks/run.py            # everything, well under two minutes
    python benchmarks/run.py --steps    # only the SGD-step comparison
    python benchmarks/run.py --notebooks --explorers

Part 1 times one SGD step (forward, softmax cross-entropy, backward, update) of
mlp([64, 64, 64, 10]) with sigmoid on the digits, for batch sizes 1, 32, 256 and 1797,
side by side in one process:

    nnlib      the course's library, used as a learner uses it
    numpy      the same step hand-fused into one plain-numpy function, written here
    torch      PyTorch on the CPU in float64, the idiomatic way (skipped if not installed)
    loop       one example at a time, as older textbooks write it, then the batch mean

Before any timing, every contender takes one step from the same starting weights and
must give the same loss and the same updated weights (relative error below 1e-10).
Each round runs every contender in a rotated order; the report is the median over
rounds of each contender's time divided by nnlib's time in the same round, and the
share of this machine's float64 GEMM peak (a 512x512 matmul, timed in the same run).

Part 2 times every notebook under nbval (the way CI runs it) and the explorers'
slider updates, and names the slowest. Results go to benchmarks/results.json.
"""

import os

ORIGINAL_ENVIRONMENT = dict(os.environ)  # the notebooks run with it, as CI runs them
# One BLAS thread for everyone. This has to happen before numpy (or torch) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a clean checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

import nnlib  # noqa: E402

SIZES = [64, 64, 64, 10]
BATCH_SIZES = [1, 32, 256, 1797]
LR = 0.01  # small, so thousands of timed steps leave the weights in a normal range
TOLERANCE = 1e-10


# --------------------------------------------------------------------------- threads

def blas_threads():
    """[(library, threads), ...] as threadpoolctl sees them, or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [(info.get("internal_api"), info.get("num_threads")) for info in threadpool_info()]


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    return torch


# --------------------------------------------------------------------------- the step, four ways
#
# Every contender is built from the same list of (W, b) pairs, W (n_in, n_out), and
# offers step(X, y) -> loss (a float) and weights() -> [(W, b), ...] as numpy arrays.

class NnlibStep:
    """The step as a learner writes it with nnlib (the body of nnlib.train's loop)."""

    name = "nnlib"

    def __init__(self, weights, lr):
        self.model = nnlib.mlp(SIZES, activation="sigmoid", rng=np.random.default_rng(0))
        for layer, (W, b) in zip(self.model.dense_layers(), weights):
            layer.W[...] = W
            layer.b[...] = b
        self.lr = lr

    def step(self, X, y):
        logits = self.model.forward(X)
        loss, dlogits = nnlib.softmax_cross_entropy(logits, y)
        self.model.backward(dlogits, input_grad=False)  # as train() calls it
        nnlib.sgd_step(self.model.parameters(), self.lr)
        return loss

    def weights(self):
        return [(layer.W.copy(), layer.b.copy()) for layer in self.model.dense_layers()]


class FusedNumpyStep:
    """The same mathematics in one plain-numpy function: no classes, no checks, no caches
    beyond the activations the backward pass needs; like nnlib.train (and PyTorch, whose
    inputs do not require a gradient) it skips dL/dX of the data."""

    name = "numpy"

    def __init__(self, weights, lr):
        self.params = [(W.copy(), b.copy()) for W, b in weights]
        self.lr = lr

    def step(self, X, y):
        params, n = self.params, X.shape[0]
        activations = [X]
        a = X
        for W, b in params[:-1]:
            z = a @ W + b
            e = np.exp(-np.abs(z))  # stable sigmoid, as nnlib.sigmoid computes it
            a = np.where(z >= 0, 1.0, e) / (1.0 + e)
            activations.append(a)
        W, b = params[-1]
        logits = a @ W + b
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1)
        rows = np.arange(n)
        loss = float(np.sum(np.log(sum_exp) - shifted[rows, y])) / n
        dz = exp / sum_exp[:, None]
        dz[rows, y] -= 1.0
        dz /= n
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            a_in = activations[i]
            dW = a_in.T @ dz
            db = dz.sum(axis=0)
            if i > 0:
                dz = (dz @ W.T) * (a_in * (1.0 - a_in))  # sigmoid' through its output
            W -= self.lr * dW
            b -= self.lr * db
        return loss

    def weights(self):
        return [(W.copy(), b.copy()) for W, b in self.params]


class TorchStep:
    """PyTorch on the CPU in float64: nn.Sequential, F.cross_entropy, backward, optim.SGD."""

    name = "torch"

    def __init__(self, weights, lr, torch):
        self.torch = torch
        layers = []
        for i, (W, b) in enumerate(weights):
            linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W.T.copy()))  # torch stores (n_out, n_in)
                linear.bias.copy_(torch.from_numpy(b.copy()))
            layers.append(linear)
            if i < len(weights) - 1:
                layers.append(torch.nn.Sigmoid())
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self._inputs = {}

    def _tensors(self, X, y):
        key = (id(X), id(y))  # convert each batch once, outside the timed step
        if key not in self._inputs:
            self._inputs[key] = (self.torch.from_numpy(X), self.torch.from_numpy(y))
        return self._inputs[key]

    def prepare(self, X, y):
        self._tensors(X, y)

    def step(self, X, y):
        Xt, yt = self._tensors(X, y)
        self.optimizer.zero_grad()
        loss = self.torch.nn.functional.cross_entropy(self.model(Xt), yt)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self):
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in linears]


def _sigmoid_vector(z):
    e = np.exp(-np.abs(z))  # stable sigmoid, as nnlib.sigmoid computes it
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


class PerExampleLoopStep:
    """One example at a time: forward and backward on vectors, gradients summed over the
    batch, then divided by its size, then one update (the older textbook layout)."""

    name = "loop"

    def __init__(self, weights, lr):
        self.params = [(W.copy(), b.copy()) for W, b in weights]
        self.lr = lr

    def step(self, X, y):
        params, n = self.params, X.shape[0]
        grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        total = 0.0
        for x, label in zip(X, y):
            activations = [x]
            a = x
            for W, b in params[:-1]:
                a = _sigmoid_vector(a @ W + b)
                activations.append(a)
            W, b = params[-1]
            logits = a @ W + b
            shifted = logits - logits.max()
            exp = np.exp(shifted)
            total += math.log(exp.sum()) - shifted[label]
            dz = exp / exp.sum()
            dz[label] -= 1.0
            for i in range(len(params) - 1, -1, -1):
                W, _ = params[i]
                a_in = activations[i]
                gW, gb = grads[i]
                gW += np.outer(a_in, dz)
                gb += dz
                if i > 0:
                    dz = (W @ dz) * (a_in * (1.0 - a_in))
        for (W, b), (gW, gb) in zip(params, grads):
            W -= self.lr * (gW / n)
            b -= self.lr * (gb / n)
        return total / n

    def weights(self):
        return [(W.copy(), b.copy()) for W, b in self.params]


def make_contenders(weights, torch):
    contenders = [NnlibStep(weights, LR), FusedNumpyStep(weights, LR)]
    if torch is not None:
        contenders.append(TorchStep(weights, LR, torch))
    contenders.append(PerExampleLoopStep(weights, LR))
    return contenders


def starting_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [(nnlib.init_weights(n_in, n_out, "xavier", rng), 0.1 * rng.standard_normal(n_out))
            for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]


def check_same_computation(X, y, torch):
    """Every contender, one step from the same weights: same loss, same new weights."""
    weights = starting_weights(seed=1)
    reference = NnlibStep(weights, LR)
    ref_loss = reference.step(X, y)
    ref_weights = reference.weights()
    worst = {}
    for contender in make_contenders(weights, torch)[1:]:
        loss = contender.step(X, y)
        errors = [abs(loss - ref_loss) / max(1e-300, abs(ref_loss))]
        for (W, b), (W_ref, b_ref) in zip(contender.weights(), ref_weights):
            errors.append(nnlib.rel_error(W, W_ref))
            errors.append(nnlib.rel_error(b, b_ref))
        worst[contender.name] = max(errors)
        assert worst[contender.name] < TOLERANCE, (
            f"{contender.name} computes something else than nnlib on a batch of {len(y)}: "
            f"largest relative difference {worst[contender.name]:.2e} (loss {loss!r} vs {ref_loss!r})")
    return worst


# --------------------------------------------------------------------------- timing

class Gemm512:
    """Not a contender: a 512x512 float64 matmul (2 * 512^3 flops), timed in every round of
    the rotation, so that each step's share of the machine's GEMM peak is taken against a
    peak measured under the same load, a moment earlier or later."""

    name = "gemm512"
    flops = 2 * 512**3

    def __init__(self):
        rng = np.random.default_rng(4)
        self.A, self.B = rng.standard_normal((512, 512)), rng.standard_normal((512, 512))
        self.out = np.empty((512, 512))

    def step(self, X, y):
        return np.matmul(self.A, self.B, out=self.out)


def step_gemm_flops(batch):
    """Matmul flops of one step: forward 2 B n_in n_out per layer; backward 2 B n_in n_out
    for every dW plus the same for every dx except the input layer's, which no contender
    computes. Elementwise work is not counted."""
    layers = list(zip(SIZES[:-1], SIZES[1:]))
    forward_and_dW = sum(4 * batch * n_in * n_out for n_in, n_out in layers)
    dx = sum(2 * batch * n_in * n_out for n_in, n_out in layers[1:])
    return forward_and_dW + dx


def calibrate(step, X, y, target_seconds):
    """How many steps make one timed sample last about target_seconds."""
    step(X, y)  # warm up
    start = time.perf_counter()
    step(X, y)
    once = time.perf_counter() - start
    if once < target_seconds / 10:  # too short to trust: time a few more
        start = time.perf_counter()
        for _ in range(10):
            step(X, y)
        once = (time.perf_counter() - start) / 10
    return max(1, round(target_seconds / max(once, 1e-7)))


def minor_page_faults():
    try:
        import resource
    except ImportError:  # not on this platform
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_steps(step, X, y, repeats):
    """(seconds per step, minor page faults per step) over `repeats` steps."""
    faults = minor_page_faults()
    start = time.perf_counter()
    for _ in range(repeats):
        step(X, y)
    seconds = (time.perf_counter() - start) / repeats
    return seconds, (minor_page_faults() - faults) / repeats


def bench_batch(contenders, X, y, rounds, target_seconds):
    """Per contender: per-step seconds and page faults of every round, the order rotated
    each round (round r starts with contender r mod k), so no contender always runs
    first, last or right after the same neighbour."""
    for c in contenders:
        if hasattr(c, "prepare"):
            c.prepare(X, y)
    repeats = {c.name: calibrate(c.step, X, y, target_seconds) for c in contenders}
    times = {c.name: [] for c in contenders}
    faults = {c.name: [] for c in contenders}
    for r in range(rounds):
        k = r % len(contenders)
        for c in contenders[k:] + contenders[:k]:
            seconds, page_faults = time_steps(c.step, X, y, repeats[c.name])
            times[c.name].append(seconds)
            faults[c.name].append(page_faults)
    return times, faults, repeats


def summarise(times, faults, batch):
    """Medians over rounds: time per step, time / nnlib's time in the same round, and the
    share of the GEMM peak measured in the same round."""
    base = times["nnlib"]
    peaks = [Gemm512.flops / t for t in times["gemm512"]]  # flop/s, one per round
    rows = {}
    for name, ts in times.items():
        if name == "gemm512":
            continue
        ratios = [t / t0 for t, t0 in zip(ts, base)]
        q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        rows[name] = {
            "median_step_seconds": statistics.median(ts),
            "ratio_to_nnlib_median": statistics.median(ratios),
            "minus_nnlib_median_seconds": statistics.median(t - t0 for t, t0 in zip(ts, base)),
            "ratio_to_nnlib_quartiles": [q[0], q[2]],
            "share_of_gemm_peak": statistics.median(
                step_gemm_flops(batch) / t / peak for t, peak in zip(ts, peaks)),
            "minor_page_faults_per_step": statistics.median(faults[name]),
        }
    return rows, statistics.median(peaks) / 1e9


# --------------------------------------------------------------------------- notebooks and explorers

def time_notebooks(timeout):
    """Run every notebooks/*.ipynb under nbval in one pytest call, as CI does.

    Per notebook: the summed time of its cells from pytest's JUnit XML (the setup of the
    first cell includes starting the kernel), its slowest cell, and how many cells failed.
    """
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        return {"skipped": "no notebooks/*.ipynb yet"}
    paths = [str(p.relative_to(ROOT)) for p in notebooks]
    cmd = [sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env", *paths]
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = pathlib.Path(tmp) / "nbval.xml"
        env = ORIGINAL_ENVIRONMENT
        start = time.perf_counter()
        try:
            proc = subprocess.run([*cmd, f"--junitxml={xml_path}"], cwd=ROOT, capture_output=True,
                                  text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return {"skipped": f"nbval did not finish within {timeout:.0f} s"}
        wall = time.perf_counter() - start
        if not xml_path.exists():
            return {"skipped": f"pytest wrote no report (exit {proc.returncode}): "
                               f"{(proc.stdout + proc.stderr)[-500:]}"}
        cases = list(ET.parse(xml_path).iter("testcase"))
    per_notebook = {p.name: {"seconds": 0.0, "cells": 0, "failed": 0, "slowest_cell": None,
                             "slowest_cell_seconds": 0.0} for p in notebooks}
    first_failure = None
    for case in cases:
        # nbval names a cell's test "Cell <i>" in class "notebooks.<file name>"
        entry = next((e for nb, e in per_notebook.items()
                      if case.get("classname", "").endswith(nb)), None)
        if entry is None:
            continue
        seconds = float(case.get("time", 0.0))
        entry["seconds"] += seconds
        entry["cells"] += 1
        failures = [child for child in case if child.tag in ("failure", "error")]
        entry["failed"] += len(failures)
        if failures and first_failure is None:
            # colour codes reach the XML as ESC or, escaped by pytest, as the text "#x1B"
            text = re.sub(r"(\x1b|#x1B)\[[0-9;]*m", "", failures[0].text or failures[0].get("message") or "")
            last_line = ([line.strip() for line in text.splitlines() if line.strip()] or ["?"])[-1]
            first_failure = f"{case.get('classname')} {case.get('name')}: {last_line[:300]}"
        if seconds > entry["slowest_cell_seconds"]:
            entry["slowest_cell"], entry["slowest_cell_seconds"] = case.get("name"), seconds
    slowest = max(per_notebook, key=lambda nb: per_notebook[nb]["seconds"])
    return {"command": "python -m pytest -q --nbval-lax --nbval-current-env notebooks/*.ipynb",
            "wall_seconds": wall, "exit_code": proc.returncode,
            "notebooks": per_notebook, "slowest": slowest, "first_failure": first_failure}


def explorer_values(control):
    """A few values to move a control through: its options, or points across its range."""
    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return values[:4]
    lo, hi = getattr(control, "min", None), getattr(control, "max", None)
    if lo is None or hi is None:
        return []
    if type(control).__name__.startswith("FloatLog"):  # min and max are exponents
        return [float(v) for v in np.geomspace(control.base ** lo, control.base ** hi, 5)[1:4]]
    values = np.linspace(lo, hi, 5)[1:4]
    return [int(round(v)) if isinstance(control.value, int) else float(v) for v in values]


def sweeps():
    """{explorer: {control: [values, ...]}} from benchmarks/bench_explorers.py when it has
    them (values chosen for each control), else {} and explorer_values() picks some."""
    try:
        import bench_explorers
    except Exception:  # missing or broken: fall back to values read off the controls
        return {}
    found = getattr(bench_explorers, "SWEEPS", {})
    return found if isinstance(found, dict) else {}


def time_explorers():
    """Build each explorer of nnlib.widgets and time every control change (one update)."""
    try:
        import matplotlib
        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")  # this process only: no window, the plot is still drawn
        from nnlib import widgets
    except ImportError as err:
        return {"skipped": f"nnlib.widgets is not importable yet ({err})"}
    chosen = sweeps()
    results = {}
    for name in ("learning_rate_explorer", "gradient_flow_explorer"):
        build = getattr(widgets, name, None)
        if build is None:
            results[name] = {"skipped": "not defined in nnlib.widgets"}
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                start = time.perf_counter()
                explorer = build()
                built = time.perf_counter() - start
                controls = dict(explorer.controls)
        except Exception as err:  # a half-written explorer must not sink the whole report
            results[name] = {"skipped": f"building it failed: {type(err).__name__}: {err}"}
            continue
        updates, errors = {}, {}
        for control_name, control in controls.items():
            values = chosen.get(name, {}).get(control_name) or explorer_values(control)
            for value in values:
                label = f"{control_name}={value:.3g}" if isinstance(value, float) else f"{control_name}={value!r}"
                try:
                    if value == control.value:
                        continue
                    with contextlib.redirect_stdout(io.StringIO()):
                        start = time.perf_counter()
                        control.value = value  # fires the same observers as a drag
                        updates[label] = time.perf_counter() - start
                except Exception as err:  # report it, time the other changes
                    errors[label] = f"{type(err).__name__}: {err}"
        slowest = max(updates, key=updates.get) if updates else None
        results[name] = {"build_seconds": built, "updates_seconds": updates, "errors": errors,
                         "median_update_seconds": statistics.median(updates.values()) if updates else None,
                         "slowest_update": slowest}
    return results


# --------------------------------------------------------------------------- report

TARGETS = [
    # (description, batch, contender, ratio of what to what, limit, at most?)
    ("nnlib / hand-fused numpy at batch 32 <= 1.1", 32, "numpy", "inverse", 1.1, True),
    ("nnlib / hand-fused numpy at batch 1797 <= 1.1", 1797, "numpy", "inverse", 1.1, True),
    ("PyTorch CPU / nnlib at batch 32 >= 2.5", 32, "torch", "direct", 2.5, False),
    ("per-example loop / nnlib at batch 32 >= 10", 32, "loop", "direct", 10.0, False),
]


def check_targets(results):
    verdicts = []
    for text, batch, name, kind, limit, at_most in TARGETS:
        row = results["steps"][str(batch)].get(name)
        if row is None:
            verdicts.append({"target": text, "value": None, "holds": None})
            continue
        value = row["ratio_to_nnlib_median"]
        if kind == "inverse":
            value = 1.0 / value
        holds = value <= limit if at_most else value >= limit
        verdicts.append({"target": text, "value": value, "holds": holds})
    share = results["steps"][str(BATCH_SIZES[-1])]["nnlib"]["share_of_gemm_peak"]
    verdicts.append({"target": "nnlib at batch 1797 reaches >= 30% of the GEMM peak",
                     "value": share, "holds": share >= 0.30})
    return verdicts


def print_steps(results, names):
    peak = results["gemm_peak_gflops"]
    steps = results["steps"]
    print(f"\nOne SGD step of mlp({SIZES}), sigmoid, softmax cross-entropy, float64, one thread.")
    print(f"float64 GEMM peak (512x512 matmul, timed in every round; median): {peak:.1f} GFLOP/s")
    width = 20

    def table(title, cell):
        print(f"\n{title}")
        header = f"{'batch':>6} |" + "|".join(f"{n:>{width}} " for n in names)
        print(header)
        print("-" * len(header))
        for batch in BATCH_SIZES:
            print(f"{batch:>6} |" + "|".join(f"{cell(steps[str(batch)][n]):>{width}} " for n in names))

    table("median time per step (microseconds):", lambda r: f"{r['median_step_seconds'] * 1e6:.0f}")
    table("time / nnlib's time: median over rounds (quartiles):",
          lambda r: "{:.2f} ({:.2f}-{:.2f})".format(r["ratio_to_nnlib_median"], *r["ratio_to_nnlib_quartiles"]))
    table("share of the GEMM peak (matmul flops of the step / time / the round's peak):",
          lambda r: f"{100 * r['share_of_gemm_peak']:.1f}%")


def print_fixed_cost(steps):
    """What nnlib's structure costs per step, read off this run's own numbers.

    At batch 1 the arithmetic is a few hundred flops, so nnlib's time minus the fused
    step's is almost only what nnlib adds around the numpy calls: the input checks (shapes,
    dtypes, label range) and the calls through Sequential, Dense and Activation. That cost
    does not grow with the batch, so it weighs most at the smallest sizes.
    """
    fixed = -steps["1"]["numpy"]["minus_nnlib_median_seconds"]
    print(f"\nnnlib's fixed cost per step over the hand-fused step (the difference at batch 1): "
          f"{fixed * 1e6:.1f} us")
    for batch in BATCH_SIZES[1:]:
        row = steps[str(batch)]["numpy"]
        difference = -row["minus_nnlib_median_seconds"]
        print(f"  batch {batch:>4}: nnlib - fused = {difference * 1e6:+7.1f} us, "
              f"the fixed cost is {100 * fixed / row['median_step_seconds']:4.1f}% of the fused step")


def print_explorers(explorers):
    print("\nexplorers (seconds from setting a control's .value to the updated state and plot):")
    if "skipped" in explorers:
        print(f"  skipped: {explorers['skipped']}")
        return
    slowest = None
    for name, r in explorers.items():
        if "skipped" in r:
            print(f"  {name}: skipped ({r['skipped']})")
            continue
        worst = r["slowest_update"]
        if worst is None:
            print(f"  {name}: built in {r['build_seconds']:.2f}s, no control to move")
            continue
        print(f"  {name}: built in {r['build_seconds']:.2f}s, median update "
              f"{r['median_update_seconds']:.3f}s over {len(r['updates_seconds'])} changes, "
              f"slowest {worst} in {r['updates_seconds'][worst]:.3f}s")
        for label, message in r["errors"].items():
            print(f"    {label} raised {message}")
        if slowest is None or r["updates_seconds"][worst] > slowest[2]:
            slowest = (name, worst, r["updates_seconds"][worst])
    if slowest:
        print(f"  slowest slider update: {slowest[0]}, {slowest[1]}, {slowest[2]:.3f}s")


def print_notebooks(nb):
    print("\nnotebooks under nbval (seconds, kernel start included):")
    if "skipped" in nb:
        print(f"  skipped: {nb['skipped']}")
        return
    for name, r in nb["notebooks"].items():
        flag = f"  {r['failed']} FAILED" if r["failed"] else ""
        print(f"  {name:<32} {r['seconds']:6.1f}s  {r['cells']:3d} cells, slowest {r['slowest_cell']} "
              f"{r['slowest_cell_seconds']:.1f}s{flag}")
    print(f"  slowest notebook: {nb['slowest']}; all of them in {nb['wall_seconds']:.1f}s wall "
          f"(pytest exit code {nb['exit_code']})")
    failed = sum(r["failed"] for r in nb["notebooks"].values())
    if failed:
        print(f"  NOT VALID: {failed} cells failed, so these are the times of notebooks that stopped "
              f"early. Is nnlib installed in this environment (pip install -r requirements.txt)?\n"
              f"  first failure: {nb['first_failure']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", action="store_true", help="run the SGD-step comparison")
    parser.add_argument("--notebooks", action="store_true", help="time the notebooks under nbval")
    parser.add_argument("--explorers", action="store_true", help="time the explorers' slider updates")
    parser.add_argument("--without-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--rounds", type=int, default=15, help="rounds per batch size (default 15)")
    parser.add_argument("--sample", type=float, default=0.01,
                        help="seconds each timed sample lasts, about (default 0.01)")
    parser.add_argument("--notebook-timeout", type=float, default=300)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"),
                        help="where to write the results (default benchmarks/results.json)")
    args = parser.parse_args(argv)
    if not (args.steps or args.notebooks or args.explorers):
        args.steps = args.notebooks = args.explorers = True

    started = time.perf_counter()
    torch = None if args.without_torch else torch_or_none()
    threads = blas_threads()
    if threads is not None:
        assert all(n == 1 for _, n in threads), f"expected one BLAS/OpenMP thread, got {threads}"
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "torch": getattr(torch, "__version__", None), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg(), "blas_threads": threads,
                    "processor": platform.processor() or platform.machine()},
        "tolerance": TOLERANCE,
    }
    if torch is None and not args.without_torch:
        print("PyTorch is not installed: the torch column is skipped "
              "(pip install torch to add it; it is never a course dependency).")

    if args.steps:
        X_all, y_all = nnlib.data.load_digits()
        results["same_computation_max_rel_error"] = {
            str(b): check_same_computation(X_all[:b], y_all[:b], torch) for b in BATCH_SIZES}
        print(f"Same loss and same updated weights as nnlib (largest relative difference over "
              f"batch sizes {BATCH_SIZES}): " + ", ".join(
                  f"{name} {max(d[name] for d in results['same_computation_max_rel_error'].values()):.1e}"
                  for name in results["same_computation_max_rel_error"]["1"]))
        results["steps"], results["repeats_per_sample"] = {}, {}
        peaks = {}
        for batch in BATCH_SIZES:
            X, y = np.ascontiguousarray(X_all[:batch]), np.ascontiguousarray(y_all[:batch])
            weights = starting_weights(seed=2)
            contenders = make_contenders(weights, torch) + [Gemm512()]
            times, faults, repeats = bench_batch(contenders, X, y, args.rounds, args.sample)
            rows, peaks[str(batch)] = summarise(times, faults, batch)
            results["steps"][str(batch)] = rows
            results["repeats_per_sample"][str(batch)] = repeats
        results["gemm_peak_gflops_per_batch"] = peaks
        results["gemm_peak_gflops"] = statistics.median(peaks.values())
        names = list(results["steps"]["1"])
        print_steps(results, names)
        results["targets"] = check_targets(results)
        print("\ntargets:")
        for v in results["targets"]:
            state = "n/a" if v["holds"] is None else ("holds" if v["holds"] else "MISSED")
            value = "" if v["value"] is None else f"{v['value']:.2f}"
            print(f"  {state:>8}  {value:>6}  {v['target']}")
        print_fixed_cost(results["steps"])

    if args.explorers:
        results["explorers"] = time_explorers()
        print_explorers(results["explorers"])

    if args.notebooks:
        results["notebooks"] = time_notebooks(args.notebook_timeout)
        print_notebooks(results["notebooks"])

    results["total_seconds"] = time.perf_counter() - started
    pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\n{results['total_seconds']:.0f}s in all; results written to {args.json}")
    notebooks = results.get("notebooks", {}).get("notebooks", {})
    return 1 if any(r["failed"] for r in notebooks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
