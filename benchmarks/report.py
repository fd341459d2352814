"""The targets the step comparison is held to, and the printed report."""

from contenders import SIZES

# (description, batch, contender, ratio, limit, at_most): "inverse" is nnlib / contender,
# "direct" is contender / nnlib, as the benchmark measures time / nnlib's time.
TARGETS = [
    ("nnlib / textbook numpy at batch 32 <= 1.15", 32, "textbook", "inverse", 1.15, True),
    ("nnlib / textbook numpy at batch 1797 <= 1.0", 1797, "textbook", "inverse", 1.0, True),
    ("PyTorch CPU / nnlib at batch 32 >= 2.5", 32, "torch", "direct", 2.5, False),
    ("PyTorch CPU / nnlib at batch 1797 >= 1.0", 1797, "torch", "direct", 1.0, False),
]
GEMM_TARGET = ("nnlib at batch 1797 reaches >= 30% of the GEMM peak", 1797, 0.30)
# the step with batch norm and Adam (adam_batchnorm.py), against PyTorch only
ADAM_BN_TARGETS = [
    ("PyTorch CPU / nnlib at batch 32 >= 2.0 (Adam and batch norm)", 32, "torch", "direct", 2.0, False),
    ("PyTorch CPU / nnlib at batch 1797 >= 1.0 (Adam and batch norm)", 1797, "torch", "direct", 1.0, False),
]


def check_targets(steps, targets=TARGETS, gemm_target=GEMM_TARGET):
    """[{target, value, holds}, ...]; holds is None where the contender did not run."""
    verdicts = []
    for text, batch, name, kind, limit, at_most in targets:
        row = steps[str(batch)].get(name)
        if row is None:
            verdicts.append({"target": text, "value": None, "holds": None})
            continue
        value = row["ratio_to_nnlib_median"]
        if kind == "inverse":
            value = 1.0 / value
        holds = value <= limit if at_most else value >= limit
        verdicts.append({"target": text, "value": value, "holds": holds})
    if gemm_target is not None:
        text, batch, limit = gemm_target
        share = steps[str(batch)]["nnlib"]["share_of_gemm_peak"]
        verdicts.append({"target": text, "value": share, "holds": share >= limit})
    return verdicts


def print_steps(results, batch_sizes, title=None):
    steps = results["steps"]
    names = list(steps[str(batch_sizes[0])])
    print("\n" + (title or f"One SGD step of mlp({SIZES}), sigmoid, softmax cross-entropy, float64, one thread."))
    print(f"float64 GEMM peak (512x512 matmul, timed in every round; median): "
          f"{results['gemm_peak_gflops']:.1f} GFLOP/s")
    width = 18

    def table(title, cell):
        print(f"\n{title}")
        header = f"{'batch':>6} |" + "|".join(f"{n:>{width}} " for n in names)
        print(header)
        print("-" * len(header))
        for batch in batch_sizes:
            print(f"{batch:>6} |" + "|".join(f"{cell(steps[str(batch)][n]):>{width}} " for n in names))

    table("median time per step (microseconds):", lambda r: f"{r['median_step_seconds'] * 1e6:.0f}")
    table("time / nnlib's time: median over rounds (quartiles):",
          lambda r: "{:.2f} ({:.2f}-{:.2f})".format(r["ratio_to_nnlib_median"], *r["ratio_to_nnlib_quartiles"]))
    table("share of the GEMM peak (matmul flops of the step / time / the round's peak):",
          lambda r: f"{100 * r['share_of_gemm_peak']:.1f}%")
    table("minor page faults per step (new memory the kernel had to map):",
          lambda r: f"{r['minor_page_faults_per_step']:.0f}")


def print_targets(verdicts):
    print("\ntargets:")
    for v in verdicts:
        state = "n/a" if v["holds"] is None else ("holds" if v["holds"] else "MISSED")
        value = "" if v["value"] is None else f"{v['value']:.2f}"
        print(f"  {state:>8}  {value:>6}  {v['target']}")


def print_input_checks(costs):
    print("\nwhat each input check costs nnlib's step (its calls in one step, each replayed "
          "alone: timeit, fastest of 7 x 1000):")
    batches = list(costs["per_step"])
    print(f"  {'check':<52}{'calls':>6}" + "".join(f"{'batch ' + b:>22}" for b in batches))
    first = costs["per_step"][batches[0]]

    def cell(seconds, share):
        return f"{seconds * 1e6:6.2f} us ({100 * share:4.1f}%)"

    for check in first:
        cells = [cell(costs["per_step"][b][check]["seconds"], costs["per_step"][b][check]["share"])
                 for b in batches]
        print(f"  {check:<52}{first[check]['calls']:>6}" + "".join(f"{c:>22}" for c in cells))
    totals = [sum(c["seconds"] for c in costs["per_step"][b].values()) for b in batches]
    cells = [cell(t, t / costs["step_seconds"][b]) for t, b in zip(totals, batches)]
    print(f"  {'all of them':<52}{'':>6}" + "".join(f"{c:>22}" for c in cells))
    print("  the step itself (fastest of 7 repeats): " + ", ".join(
        f"{costs['step_seconds'][b] * 1e6:.0f} us at batch {b}" for b in batches))
    t = costs["train_data_check"]
    print(f"  train's check for NaN and inf in X and y, once per call: {t['seconds'] * 1e6:.0f} us, "
          f"{100 * t['share']:.2f}% of one epoch on the digits at batch 32")


def print_fixed_cost(steps, costs):
    """What nnlib adds to each step whatever the batch: its time minus the textbook step's at
    batch 1, where there is almost no arithmetic; the input checks are part of it."""
    fixed = -steps["1"]["textbook"]["minus_nnlib_median_seconds"]
    checks = sum(c["seconds"] for c in costs["per_step"][next(iter(costs["per_step"]))].values())
    print(f"\nnnlib's fixed cost per step (nnlib - textbook at batch 1, median over rounds): "
          f"{fixed * 1e6:.1f} us, of which the input checks above are {checks * 1e6:.1f} us; the rest is "
          f"the calls through Sequential, Dense and Activation, and the sigmoid's errstate")
    for batch in steps:
        row = steps[batch]["textbook"]
        print(f"  batch {batch:>4}: nnlib - textbook = {-row['minus_nnlib_median_seconds'] * 1e6:+8.1f} us, "
              f"the fixed cost is {100 * fixed / row['median_step_seconds']:5.1f}% of the textbook step")


FRAME_TARGET_SECONDS = 0.100  # one playground frame, step(10) with its redraw: median at most this
KEY_PRESS_TARGET_MS = 100  # key press on a slider in the browser to the new picture: median at most this


def print_explorers(explorers):
    print("\nexplorers (seconds from setting a control's .value to the updated state and picture):")
    for name, r in explorers.items():
        if "skipped" in r:
            print(f"  {name}: skipped ({r['skipped']})")
            continue
        frame = ""
        if "median_frame_seconds" in r:
            verdict = "holds" if r["median_frame_seconds"] <= FRAME_TARGET_SECONDS else "MISSED"
            frame = (f"; one frame, step({r['frame_steps']}) with its redraw, median "
                     f"{r['median_frame_seconds']:.3f}s (target <= {FRAME_TARGET_SECONDS:.3f}s: {verdict})")
        print(f"  {name}: built in {r['build_seconds']:.2f}s, median update "
              f"{r['median_update_seconds']:.3f}s (p90 {r['p90_update_seconds']:.3f}s) over "
              f"{r['changes']} changes, slowest {r['slowest_update']} in "
              f"{r['slowest_update_seconds']:.3f}s{frame}")


def print_browser(result):
    print("\nin chromium, notebook 06: key press on the η slider to the new picture:")
    if "skipped" in result:
        print(f"  skipped ({result['skipped']})")
        return
    verdict = "holds" if result["median_ms"] <= KEY_PRESS_TARGET_MS else "MISSED"
    print(f"  median {result['median_ms']:.0f} ms (min {result['min_ms']:.0f}, max {result['max_ms']:.0f}, "
          f"{result['presses']} presses; target <= {KEY_PRESS_TARGET_MS} ms: {verdict})")


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
              f"early.\n  first failure: {nb['first_failure']}")
