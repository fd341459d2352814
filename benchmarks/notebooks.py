"""Every notebook of the course under nbval, timed the way CI runs it."""

import pathlib
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET


def time_notebooks(root, timeout, env):
    """Run every notebooks/*.ipynb under nbval in one pytest call, as CI does.

    root: the repository; env: the environment to run them in (the caller's own, before
    it pinned BLAS to one thread, so the notebooks run as CI runs them). Per notebook: the
    summed time of its cells from pytest's JUnit XML (the setup of the first cell includes
    starting the kernel), its slowest cell, and how many cells failed.
    """
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    paths = [str(p.relative_to(root)) for p in notebooks]
    cmd = [sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env", *paths]
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = pathlib.Path(tmp) / "nbval.xml"
        start = time.perf_counter()
        try:
            proc = subprocess.run([*cmd, f"--junitxml={xml_path}"], cwd=root, capture_output=True,
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
        entry = per_notebook[case.get("classname").removeprefix("notebooks.")]
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
