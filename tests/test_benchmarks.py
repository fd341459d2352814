"""The benchmark keeps working: a short run of its step comparison, checked for shape.

Nothing here asserts a speed (shared machines are too noisy for timed tests); the
figures come from `python benchmarks/run.py` and are reported in the README.
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_step_benchmark_runs_and_reports_every_contender(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--steps", "--rounds", "2",
         "--sample", "0.001", "--without-torch", "--json", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))

    # Before timing, every contender computed the same step as nnlib.
    for batch, errors in results["same_computation_max_rel_error"].items():
        assert set(errors) == {"numpy", "loop"}, batch
        assert all(e < results["tolerance"] for e in errors.values()), (batch, errors)

    assert set(results["steps"]) == {"1", "32", "256", "1797"}
    for batch, rows in results["steps"].items():
        assert set(rows) == {"nnlib", "numpy", "loop"}, batch
        assert rows["nnlib"]["ratio_to_nnlib_median"] == 1.0
        for name, row in rows.items():
            assert row["median_step_seconds"] > 0, (batch, name)
            # no step does its matmuls faster than one large matmul runs; 1.5 allows
            # for a slow sample of the peak in a run this short
            assert 0 < row["share_of_gemm_peak"] < 1.5, (batch, name, row)

    # Every target got a verdict, except the PyTorch one, which needs PyTorch.
    verdicts = {v["target"]: v["holds"] for v in results["targets"]}
    assert len(verdicts) == 5
    assert [t for t, holds in verdicts.items() if holds is None] == [
        "PyTorch CPU / nnlib at batch 32 >= 2.5"]
    assert all(isinstance(h, bool) for t, h in verdicts.items() if "PyTorch" not in t)
    for heading in ("time / nnlib's time", "share of the GEMM peak", "targets:",
                    "nnlib's fixed cost per step"):
        assert heading in proc.stdout
