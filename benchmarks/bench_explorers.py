"""How long does one control change of each explorer take (recompute + redraw + PNG)?

    python benchmarks/bench_explorers.py [--rounds 5]

Builds each explorer of nnlib.widgets with its default sizes, then moves every control
through a few values, ``--rounds`` times over, the way a slider drag or a dropdown
change does (setting ``control.value`` fires the same observer). Each change is timed
with time.perf_counter (wall) and time.process_time (this process's CPU) around the
assignment; the report is the median and 90th percentile of the wall time per explorer,
the median CPU time, and the slowest single change. The target is well under
100 ms per change at the default sizes. Not a test: the machine is shared and noisy.
"""

import argparse
import os
import statistics
import time

import numpy as np

from nnlib import widgets

# Values each control visits, in order (a cycle: every assignment is a real change).
SWEEPS = {
    "learning_rate_explorer": {
        "lr": [1e-4, 1e-3, 0.01, 0.05, 0.15, 0.19, 0.21, 0.5, 2.0, 10.0],
        "steps": [10, 30, 60, 100, 30],
    },
    "gradient_flow_explorer": {
        "depth": [1, 5, 12, 20, 30, 12],
        "activation": ["tanh", "relu", "sigmoid"],
        "init": ["he", "normal", "xavier"],
        "scale": [0.3, 2.0, 5.0, 1.0],
        "clip": [1.0, 0.1, None],
        "compare": ["tanh/xavier", "none", "relu/he"],
    },
}


def time_explorer(name, rounds):
    start = time.perf_counter()
    explorer = getattr(widgets, name)()
    build = time.perf_counter() - start
    times, cpu = {}, []
    for _ in range(rounds):
        for control, values in SWEEPS[name].items():
            for value in values:
                if explorer.controls[control].value == value:
                    continue
                start, start_cpu = time.perf_counter(), time.process_time()
                explorer.controls[control].value = value
                times.setdefault(f"{control}={value!r}", []).append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
    every = [t for ts in times.values() for t in ts]
    slowest = max(times, key=lambda k: max(times[k]))
    return build, every, cpu, slowest, max(times[slowest])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over every control's values")
    args = parser.parse_args()
    print(f"median time per control change over {args.rounds} rounds (recompute + redraw + PNG)")
    for name in SWEEPS:
        build, every, cpu, slowest, worst = time_explorer(name, args.rounds)
        p90 = float(np.percentile(every, 90))
        print(f"  {name:24s} median {1e3 * statistics.median(every):6.1f} ms   p90 {1e3 * p90:6.1f} ms   "
              f"cpu median {1e3 * statistics.median(cpu):6.1f} ms   ({len(every)} changes; "
              f"build {1e3 * build:.0f} ms; slowest {slowest} {1e3 * worst:.0f} ms)")
    print(f"load average over the last minute: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(wall times grow with it; the cpu column much less)")


if __name__ == "__main__":
    main()
