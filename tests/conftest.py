import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Shared machines are noisy: no per-example deadline. In CI the examples are derived
# from the test itself, so a red run can be reproduced exactly.
settings.register_profile(
    "course",
    deadline=None,
    max_examples=60,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(items):
    """Mark each notebook's nbval cells, and tests parametrized by a notebook's name, with nbNN,
    so `pytest -m nb05` runs notebook 05 with the tests of what it derives."""
    for item in items:
        name = item.path.stem if item.path.suffix == ".ipynb" else None
        params = getattr(item, "callspec", None)
        if name is None and params is not None:
            name = str(params.params.get("name", ""))
        match = re.match(r"(\d\d)_", name or "")
        if match:
            item.add_marker(f"nb{match.group(1)}")


def pytest_terminal_summary(terminalreporter, config):
    """After `pytest -m mutation`: which notebook caught each planted bug, and which survive."""
    report = getattr(config, "mutation_report", None)
    if report is None:
        return
    results, baseline, seconds = report
    write = terminalreporter.write_line
    terminalreporter.section("mutations: which notebook caught each planted bug (cells counted from 0)")
    for mutant, r in sorted(results.items(), key=lambda item: (item[1]["caught_by"] is not None, item[0])):
        if "broken" in r:
            write(f"BROKEN    {mutant:40s} {r['broken']}")
        elif r["caught_by"] is None:
            write(f"SURVIVES  {mutant:40s} all {len(r['tried'])} notebooks pass ({r['seconds']:.0f} s)")
        else:
            write(f"caught    {mutant:40s} by {r['caught_by']}, cell {r['cell']}: {r['error'][:70]} "
                  f"({len(r['tried'])} tried, {r['seconds']:.0f} s)")
    broken = {nb: failure for nb, failure in baseline.items() if failure is not None}
    for nb, failure in broken.items():
        write(f"BASELINE  {nb} fails without any mutation: {failure}")
    caught = sum(r["caught_by"] is not None for r in results.values())
    write(f"{caught} of {len(results)} caught, {len(results) - caught} survive; {seconds:.0f} s in all")
