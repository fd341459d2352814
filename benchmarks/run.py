"""How fast is nnlib at the sizes the course trains? One command, one BLAS thread.

    python benchmarks/run.py            # everything
    python benchmarks/run.py --steps    # only the SGD-step comparison (and the input checks)
    python benchmarks/run.py --adam-bn  # only the step with batch norm and Adam
    python benchmarks/run.py --notebooks --explorers
    python benchmarks/run.py --browser  # key press to new picture in chromium

The step comparison (contenders.py, timed by timing.py) times one SGD step (forward,
softmax cross-entropy, backward, update) of mlp([64, 64, 64, 10]) with sigmoid on the
digits, for batch sizes 1, 32, 256 and 1797, side by side in one process:

    nnlib      the course's library, the step nnlib.train takes
    textbook   the notebooks' formulas as a learner writes them in plain numpy
    fused      the same hand-tuned in plain numpy, every temporary reused in place
    torch      PyTorch on the CPU in float64, the idiomatic way (when installed)
    loop       one example at a time, as older textbooks write it, then the batch mean

Before any timing, every contender takes one step from the same starting weights and
must give the same loss and the same updated weights (relative error below 1e-10).
Each round runs every contender in a rotated order; the report is the median over
rounds of each contender's time divided by nnlib's time in the same round, and the
share of this machine's float64 GEMM peak (a 512x512 matmul, timed in the same rounds).
input_checks.py then times nnlib's step with each input check switched off.

adam_batchnorm.py does the same for a step with batch normalisation and Adam (the same
network with a BatchNorm before each sigmoid): nnlib, the textbook numpy step, and torch
(nn.BatchNorm1d, optim.Adam), checked to agree over three steps before they are timed.

notebooks.py times every notebook under nbval (the way CI runs it), explorers.py every
explorer's control changes and the playground's frames, browser.py the time from a key press
on a slider in chromium to the new picture. Results go to benchmarks/results.json.
"""

import os

ORIGINAL_ENVIRONMENT = dict(os.environ)  # the notebooks run with it, as CI runs them
# One BLAS thread for everyone. This has to happen before numpy (or torch) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a clean checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

import adam_batchnorm  # noqa: E402
import browser  # noqa: E402
import contenders  # noqa: E402
import explorers  # noqa: E402
import input_checks  # noqa: E402
import report  # noqa: E402
import timing  # noqa: E402

import nnlib  # noqa: E402
import notebooks  # noqa: E402

BATCH_SIZES = [1, 32, 256, 1797]
CHECK_BATCHES = [32, 1797]
ADAM_BN_BATCHES = [32, 256, 1797]  # batch norm in training mode needs two rows or more


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    return torch


def run_steps(args, torch, results):
    timing.warm_the_allocator()
    X_all, y_all = nnlib.data.load_digits()
    results["same_computation_max_rel_error"] = {
        str(b): contenders.check_same_computation(X_all[:b], y_all[:b], torch) for b in BATCH_SIZES}
    worst = {name: max(d[name] for d in results["same_computation_max_rel_error"].values())
             for name in results["same_computation_max_rel_error"]["1"]}
    print(f"Same loss and same updated weights as nnlib (largest relative difference over "
          f"batch sizes {BATCH_SIZES}): " + ", ".join(f"{n} {e:.1e}" for n, e in worst.items()))
    results["steps"], results["repeats_per_sample"], peaks = {}, {}, {}
    for batch in BATCH_SIZES:
        X, y = np.ascontiguousarray(X_all[:batch]), np.ascontiguousarray(y_all[:batch])
        timed = contenders.make_contenders(contenders.starting_weights(seed=2), torch) + [contenders.Gemm512()]
        times, faults, repeats = timing.bench_batch(timed, X, y, args.rounds, args.sample)
        results["steps"][str(batch)], peaks[str(batch)] = timing.summarise(times, faults, batch)
        results["repeats_per_sample"][str(batch)] = repeats
    results["gemm_peak_gflops_per_batch"] = peaks
    results["gemm_peak_gflops"] = statistics.median(peaks.values())
    report.print_steps(results, BATCH_SIZES)
    results["targets"] = report.check_targets(results["steps"])
    report.print_targets(results["targets"])
    results["input_checks"] = input_checks.measure(CHECK_BATCHES)
    report.print_input_checks(results["input_checks"])
    report.print_fixed_cost(results["steps"], results["input_checks"])


def run_adam_batchnorm(args, torch, results):
    """The step with batch norm and Adam, side by side as run_steps times the SGD step."""
    timing.warm_the_allocator()
    X_all, y_all = nnlib.data.load_digits()
    section = results["adam_batchnorm"] = {}
    section["same_computation_max_rel_error"] = {
        str(b): adam_batchnorm.check_same_computation(X_all[:b], y_all[:b], torch, contenders.starting_weights(seed=1),
                                                      contenders.TOLERANCE)
        for b in ADAM_BN_BATCHES}
    section["steps"], peaks = {}, {}
    for batch in ADAM_BN_BATCHES:
        X, y = np.ascontiguousarray(X_all[:batch]), np.ascontiguousarray(y_all[:batch])
        timed = adam_batchnorm.make_contenders(contenders.starting_weights(seed=2), torch) + [contenders.Gemm512()]
        times, faults, _ = timing.bench_batch(timed, X, y, args.rounds, args.sample)
        section["steps"][str(batch)], peaks[str(batch)] = timing.summarise(times, faults, batch)
    section["gemm_peak_gflops"] = statistics.median(peaks.values())
    report.print_steps(section, ADAM_BN_BATCHES, title=(
        f"One training step with batch norm and Adam: Dense, BatchNorm, sigmoid, Dense, BatchNorm, sigmoid, "
        f"Dense ({contenders.SIZES}), softmax cross-entropy, Adam(lr={adam_batchnorm.LR}), float64, one thread."))
    section["targets"] = report.check_targets(section["steps"], report.ADAM_BN_TARGETS, None)
    report.print_targets(section["targets"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", action="store_true", help="run the SGD-step comparison")
    parser.add_argument("--adam-bn", action="store_true", help="run the step with batch norm and Adam")
    parser.add_argument("--notebooks", action="store_true", help="time the notebooks under nbval")
    parser.add_argument("--explorers", action="store_true", help="time the explorers' control changes")
    parser.add_argument("--browser", action="store_true", help="time a key press to the new picture in chromium")
    parser.add_argument("--without-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--rounds", type=int, default=61, help="rounds per batch size (default 61)")
    parser.add_argument("--sample", type=float, default=0.002,
                        help="seconds each timed sample lasts, about (default 0.002)")
    parser.add_argument("--explorer-rounds", type=int, default=3,
                        help="passes over every explorer control (default 3)")
    parser.add_argument("--notebook-timeout", type=float, default=300)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"),
                        help="where to write the results (default benchmarks/results.json)")
    args = parser.parse_args(argv)
    if not (args.steps or args.adam_bn or args.notebooks or args.explorers or args.browser):
        args.steps = args.adam_bn = args.notebooks = args.explorers = args.browser = True

    started = time.perf_counter()
    torch = None if args.without_torch else torch_or_none()
    threads = timing.blas_threads()
    if threads is not None:
        assert all(n == 1 for _, n in threads), f"expected one BLAS/OpenMP thread, got {threads}"
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "torch": getattr(torch, "__version__", None), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg(), "blas_threads": threads,
                    "processor": platform.processor() or platform.machine()},
        "tolerance": contenders.TOLERANCE,
    }
    if torch is None and not args.without_torch:
        print("PyTorch is not installed: the torch column is skipped "
              "(pip install torch to add it; it is never a course dependency).")

    if args.steps:
        run_steps(args, torch, results)
    if args.adam_bn:
        run_adam_batchnorm(args, torch, results)
    if args.explorers:
        results["explorers"] = explorers.time_explorers(args.explorer_rounds)
        report.print_explorers(results["explorers"])
    if args.browser:
        results["browser"] = browser.time_key_presses()
        report.print_browser(results["browser"])
    if args.notebooks:
        results["notebooks"] = notebooks.time_notebooks(ROOT, args.notebook_timeout, ORIGINAL_ENVIRONMENT)
        report.print_notebooks(results["notebooks"])

    results["total_seconds"] = time.perf_counter() - started
    pathlib.Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\n{results['total_seconds']:.0f}s in all; results written to {args.json}")
    failed = any(r["failed"] for r in results.get("notebooks", {}).get("notebooks", {}).values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
