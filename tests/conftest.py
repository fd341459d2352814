import os

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
