"""Timing the contenders side by side: calibrated samples, shuffled rounds, medians of ratios."""

import statistics
import time

import numpy as np
from contenders import Gemm512, step_gemm_flops

# CPU time of this thread, not wall time: on a shared machine the time spent waiting for a
# core is not the step's, and it varies from round to round far more than the step does.
# Every contender computes in this thread (BLAS and PyTorch are held to one thread).
CLOCK = time.thread_time


def blas_threads():
    """[(library, threads), ...] as threadpoolctl sees them, or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [(info.get("internal_api"), info.get("num_threads")) for info in threadpool_info()]


def warm_the_allocator():
    """Allocate and free one 16 MB array, as any working session has long done.

    glibc's malloc hands memory back to the kernel once the free space at the top of the
    heap exceeds a threshold that grows with the largest block freed so far (up to 32 MB).
    In a fresh process the threshold is small, so which contender's batch-sized temporaries
    (0.9 MB at batch 1797) must be mapped in again, at about 225 page faults each, depends on
    the order of earlier allocations: measured, the same textbook step took 0 or 1100 faults
    per step in two runs. After one large block is freed, none of them pays that.
    """
    np.ones(2**21)


def calibrate(step, X, y, target_seconds):
    """How many steps make one timed sample last about target_seconds."""
    step(X, y)  # warm up
    start = CLOCK()
    for _ in range(3):
        step(X, y)
    once = (CLOCK() - start) / 3
    return max(1, round(target_seconds / max(once, 1e-7)))


def minor_page_faults():
    """Minor page faults of this process so far (0 where resource is missing)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_steps(step, X, y, repeats):
    """(CPU seconds of this thread per step, minor page faults per step) over `repeats` steps.

    As many untimed steps come first: the contender before (or the GEMM) has just filled
    the caches with its own code and data, and a learner's training loop runs warm.
    Measured after a 32 MB copy, a step at batch 32 takes 5x its time, then 1.5x, and
    needs about five steps to settle.
    """
    for _ in range(repeats):
        step(X, y)
    faults = minor_page_faults()
    start = CLOCK()
    for _ in range(repeats):
        step(X, y)
    seconds = (CLOCK() - start) / repeats
    return seconds, (minor_page_faults() - faults) / repeats


def bench_batch(contenders, X, y, rounds, target_seconds):
    """Per contender: per-step seconds and page faults of every round.

    Each round runs every contender once, in an order drawn afresh (seeded, so a run can
    be repeated), so no contender always runs first, last or right after the same
    neighbour: after the GEMM, say, whose matrices push everyone's data out of the cache.
    """
    for c in contenders:
        if hasattr(c, "prepare"):
            c.prepare(X, y)
    repeats = {c.name: calibrate(c.step, X, y, target_seconds) for c in contenders}
    times = {c.name: [] for c in contenders}
    faults = {c.name: [] for c in contenders}
    orders = np.random.default_rng(len(y))
    for _ in range(rounds):
        for i in orders.permutation(len(contenders)):
            c = contenders[i]
            seconds, page_faults = time_steps(c.step, X, y, repeats[c.name])
            times[c.name].append(seconds)
            faults[c.name].append(page_faults)
    return times, faults, repeats


def summarise(times, faults, batch):
    """Medians over rounds: time per step, time / nnlib's time in the same round, and the
    share of the GEMM peak measured in the same round. Returns (rows, peak in GFLOP/s)."""
    base = times["nnlib"]
    peaks = [Gemm512.flops / t for t in times[Gemm512.name]]  # flop/s, one per round
    rows = {}
    for name, ts in times.items():
        if name == Gemm512.name:
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
