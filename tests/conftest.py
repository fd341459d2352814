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
