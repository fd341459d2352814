"""The benchmark keeps working: short runs of its parts, checked for what they report.

Nothing here asserts a speed (shared machines are too noisy for timed tests); the
figures come from `python benchmarks/run.py` and are reported in the README.
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import input_checks  # noqa: E402
import report  # noqa: E402


def run_benchmark(tmp_path, *args):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), *args, "--json", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def test_step_benchmark_reports_every_contender_target_and_check(tmp_path):
    results, stdout = run_benchmark(tmp_path, "--steps", "--rounds", "2", "--sample", "0.0005", "--without-torch")
    others = {"textbook", "fused", "loop"}

    # Before timing, every contender computed the same step as nnlib.
    assert set(results["same_computation_max_rel_error"]) == {"1", "32", "256", "1797"}
    for batch, errors in results["same_computation_max_rel_error"].items():
        assert set(errors) == others, batch
        assert all(e < results["tolerance"] for e in errors.values()), (batch, errors)

    assert set(results["steps"]) == {"1", "32", "256", "1797"}
    for batch, rows in results["steps"].items():
        assert set(rows) == {"nnlib"} | others, batch
        for name, row in rows.items():
            assert row["median_step_seconds"] > 0, (batch, name)
            assert row["share_of_gemm_peak"] > 0, (batch, name)

    # Every target got a verdict, except the PyTorch ones, which need PyTorch.
    verdicts = {v["target"]: v["holds"] for v in results["targets"]}
    assert list(verdicts) == [t[0] for t in report.TARGETS] + [report.GEMM_TARGET[0]]
    assert {t for t, holds in verdicts.items() if holds is None} == {
        t[0] for t in report.TARGETS if t[2] == "torch"}
    assert all(isinstance(h, bool) for t, h in verdicts.items() if "PyTorch" not in t)

    # Every input check was found running in the step and given a cost.
    for batch, costs in results["input_checks"]["per_step"].items():
        assert list(costs) == list(input_checks.CHECKS), batch
        assert all(c["calls"] >= 1 and c["seconds"] > 0 for c in costs.values()), (batch, costs)
    assert results["input_checks"]["train_data_check"]["seconds"] > 0
    for heading in ("time / nnlib's time", "share of the GEMM peak", "targets:", "what each input check costs",
                    "nnlib's fixed cost per step"):
        assert heading in stdout


def test_adam_batchnorm_benchmark_checks_then_times_every_contender(tmp_path):
    results, stdout = run_benchmark(tmp_path, "--adam-bn", "--rounds", "2", "--sample", "0.0005", "--without-torch")
    section = results["adam_batchnorm"]
    assert set(section["same_computation_max_rel_error"]) == {"32", "256", "1797"}
    for batch, errors in section["same_computation_max_rel_error"].items():
        assert set(errors) == {"textbook"} and errors["textbook"] < results["tolerance"], batch
    for batch, rows in section["steps"].items():
        assert set(rows) == {"nnlib", "textbook"}, batch
        assert all(row["median_step_seconds"] > 0 for row in rows.values()), batch
    # the targets are against PyTorch, which this run leaves out
    assert [v["target"] for v in section["targets"]] == [t[0] for t in report.ADAM_BN_TARGETS]
    assert all(v["holds"] is None for v in section["targets"])
    assert "One training step with batch norm and Adam" in stdout



def test_reduction_benchmark_times_both_sums_on_every_batch():
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "reductions.py")], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, proc.stdout
    for batch, line in zip((32, 256, 1797), lines):
        assert line.startswith(f"sum over a batch of {batch:4d} rows") and "reduction / product = " in line, line
        assert float(line.rsplit("= ", 1)[1]) > 0


# controls every explorer has by contract (COURSE.md, "Interactive explorers")
CONTRACT_CONTROLS = {
    "learning_rate_explorer": {"lr", "steps"},
    "gradient_flow_explorer": {"depth", "activation", "init", "scale"},
    "playground_explorer": {"dataset", "noise", "depth", "width", "activation", "lr", "batch_size"},
}


def test_explorer_benchmark_moves_every_control_of_every_explorer(tmp_path):
    from nnlib import widgets

    results, stdout = run_benchmark(tmp_path, "--explorers", "--explorer-rounds", "1")
    assert set(results["explorers"]) == set(CONTRACT_CONTROLS)
    for name, timings in results["explorers"].items():
        if not hasattr(widgets, name):
            assert timings == {"skipped": "not in nnlib.widgets"}
            continue
        assert CONTRACT_CONTROLS[name] <= set(timings["controls_moved"]), name
        assert timings["median_update_seconds"] > 0 and timings["slowest_update"] in stdout
        if name == "playground_explorer":  # it trains: its frames, step(n) with the redraw, are timed
            assert timings["median_frame_seconds"] > 0
    assert not any("skipped" in results["explorers"][name]
                   for name in ("learning_rate_explorer", "gradient_flow_explorer"))
