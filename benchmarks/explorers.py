"""How long one control change of each explorer takes (recompute, redraw, new picture).

Only the explorers' public face is used: build one with its function from nnlib.widgets,
move each of its controls through values read off the control itself (its options, or
points across its range) by setting ``.controls[name].value``, which fires the same
observers a drag in the browser does, and time each assignment with time.perf_counter.
An explorer that trains (``.step(n)``, the playground) also has its frames timed:
``step(FRAME_STEPS)`` with its redraw.
"""

import statistics
import time

import numpy as np

EXPLORERS = ("learning_rate_explorer", "gradient_flow_explorer", "playground_explorer")
FRAME_STEPS = 10


def control_values(control):
    """Up to four values to move a control to: its options, or points across its range."""
    options = getattr(control, "options", None)
    if options:
        return [o[1] if isinstance(o, tuple) else o for o in options][:4]
    if not hasattr(control, "min"):  # neither options nor a range: nothing to choose from
        return []
    lo, hi = control.min, control.max
    if type(control).__name__.startswith("FloatLog"):  # min and max are exponents
        return [float(v) for v in np.geomspace(control.base ** lo, control.base ** hi, 5)[1:4]]
    values = np.linspace(lo, hi, 5)[1:4]
    return [int(round(v)) if isinstance(control.value, int) else float(v) for v in values]


def label(name, value):
    return f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value!r}"


def time_explorer(build, rounds):
    """Build one explorer, then `rounds` passes over every control's values, each timed."""
    start = time.perf_counter()
    explorer = build()
    built = time.perf_counter() - start
    updates, moved = {}, set()
    for _ in range(rounds):
        for name, control in explorer.controls.items():
            if (not hasattr(control, "value") or isinstance(control.value, bool)
                    or type(control).__name__ == "Play"):
                continue  # buttons, play/pause and toggles: the frames below time what they do
            for value in control_values(control):
                if value == control.value:
                    continue
                start = time.perf_counter()
                control.value = value
                updates.setdefault(label(name, value), []).append(time.perf_counter() - start)
                moved.add(name)
    every = [t for ts in updates.values() for t in ts]
    slowest = max(updates, key=lambda k: max(updates[k]))
    result = {"build_seconds": built, "changes": len(every), "controls_moved": sorted(moved),
              "median_update_seconds": statistics.median(every),
              "p90_update_seconds": float(np.percentile(every, 90)),
              "slowest_update": slowest, "slowest_update_seconds": max(updates[slowest])}
    if hasattr(explorer, "step"):
        frames = []
        for _ in range(5 * rounds):
            start = time.perf_counter()
            explorer.step(FRAME_STEPS)
            frames.append(time.perf_counter() - start)
        result["frame_steps"] = FRAME_STEPS
        result["median_frame_seconds"] = statistics.median(frames)
    return result


def time_explorers(rounds=3):
    """{explorer: timings} for every explorer nnlib.widgets offers."""
    from nnlib import widgets  # matplotlib and ipywidgets: only for this part

    return {name: time_explorer(getattr(widgets, name), rounds) if hasattr(widgets, name)
            else {"skipped": "not in nnlib.widgets"} for name in EXPLORERS}
