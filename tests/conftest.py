"""Shared fixtures and the hypothesis profiles (dev / ci / thorough)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

# deadline=None everywhere: JAX compiles inside the first example of a test.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, **_COMMON)
settings.register_profile("ci", max_examples=60, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)
# .ci/mutation.py: the ci profile's examples exactly, without shrinking a failure (a killed
# mutant needs no minimal example, and shrinking one can take minutes)
settings.register_profile("mutation", settings.get_profile("ci"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def rng():
    """A freshly seeded generator per test, so tests do not depend on their order."""
    return np.random.default_rng(20261128)
