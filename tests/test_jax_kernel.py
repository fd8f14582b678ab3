"""The JAX-jitted structured finite differences return the loop's numbers (fastfd.jax_kernel)."""

import numpy as np
import pytest

from gradlab.fastfd import setup, structured
from gradlab.fastfd.jax_kernel import jax_numerical_gradient
from tests.helpers import assert_same_as_loop, max_rel_diff, random_net, targets


@pytest.mark.parametrize("kind", ["labels", "soft"])
def test_jax_matches_loop(rng, kind):
    net = random_net(rng, (9, 5, 4))
    x, t = rng.normal(size=(6, 9)), targets(kind, rng, 6, 4)
    fast = jax_numerical_gradient(net.params, x, t)
    assert all(isinstance(v, np.ndarray) for v in fast.values())
    assert_same_as_loop(fast, net.numerical_gradient(x, t), net.loss(x, t))


def test_jax_agrees_with_numpy_structured(rng):
    """Same algorithm, two engines: they agree far below the contract's 1e-8.

    Each row's log-ratio is rounded differently (a few ulps of 1, ~1e-15); divided by
    the step 2h = 2e-4 that is ~5e-12 absolute, ~5e-11 relative to entries ~0.1.
    """
    net = random_net(rng, (30, 7, 5))
    x, t = rng.random((12, 30)), rng.integers(0, 5, size=12)
    ours = jax_numerical_gradient(net.params, x, t)
    numpy = structured.structured_numerical_gradient(net.params, x, t)
    assert max_rel_diff(ours, numpy) <= 1e-10


def test_jax_hands_over_when_series_is_too_long(rng, monkeypatch):
    monkeypatch.setattr(setup, "MAX_SERIES_DEGREE", -1)
    net = random_net(rng, (9, 5, 4))
    x, t = rng.normal(size=(6, 9)), targets("labels", rng, 6, 4)
    assert_same_as_loop(jax_numerical_gradient(net.params, x, t),
                        net.numerical_gradient(x, t), net.loss(x, t))


def test_jax_rejects_float32(rng):
    net = random_net(rng, (4, 3, 2))
    params = dict(net.params, W2=net.params["W2"].astype(np.float32))
    with pytest.raises(TypeError, match="float64"):
        jax_numerical_gradient(params, np.ones((2, 4)), np.array([0, 1]))
