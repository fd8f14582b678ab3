"""Structured finite differences return the book loop's numbers (gradlab.fastfd.structured)."""

import math
import re
import tracemalloc

import numpy as np
import pytest

import gradlab as gl
from gradlab.fastfd import setup
from gradlab.fastfd.setup import series_degree
from gradlab.fastfd.structured import structured_numerical_gradient
from tests.helpers import (
    assert_same_as_loop,
    assert_unchanged,
    max_rel_diff,
    random_net,
    snapshot,
    targets,
)


@pytest.mark.parametrize("kind", ["labels", "one-hot", "soft"])
@pytest.mark.parametrize("sizes,n", [((6, 4, 3), 5), ((7, 5, 4), 1), ((20, 8, 5), 30)])
def test_structured_matches_loop(rng, sizes, n, kind):
    net = random_net(rng, sizes)
    x = rng.normal(size=(n, sizes[0]))
    t = targets(kind, rng, n, sizes[2])
    loop = net.numerical_gradient(x, t, method="loop")
    fast = net.numerical_gradient(x, t, method="structured")
    assert_same_as_loop(fast, loop, net.loss(x, t))
    assert max_rel_diff(fast, loop) <= 1e-8  # issue 6's contract, implied by the line above


def test_integer_one_hot_targets(rng):
    net = random_net(rng, (5, 3, 4))
    x, t = rng.normal(size=(6, 5)), gl.one_hot(rng.integers(0, 4, size=6), 4).astype(int)
    assert_same_as_loop(net.numerical_gradient(x, t, method="structured"),
                        net.numerical_gradient(x, t), net.loss(x, t))


@pytest.mark.parametrize("t", [np.int64(2), np.array([0.0, 0.0, 1.0, 0.0])])
def test_single_sample_1d_input(rng, t):
    net = random_net(rng, (5, 3, 4))
    x = rng.normal(size=5)
    assert_same_as_loop(net.numerical_gradient(x, t, method="structured"),
                        net.numerical_gradient(x, t), net.loss(x, t))


def test_mnist_sized_net_small_weights_matches_loop_on_a_sample(rng):
    """At 784-50-10 with the book's init the W1 entries are small (~1e-4): compare them."""
    net = gl.TwoLayerNet(784, 50, 10, seed=3)
    x, t = rng.random((20, 784)), rng.integers(0, 10, size=20)
    fast = net.numerical_gradient(x, t, method="structured")
    w1 = net.params["W1"]
    for i, j in [(0, 0), (123, 7), (783, 49)]:
        original = w1[i, j]
        w1[i, j] = original + 1e-4
        plus, lp = w1[i, j], net.loss(x, t)
        w1[i, j] = original - 1e-4
        step, lm = plus - w1[i, j], net.loss(x, t)
        w1[i, j] = original
        # loop noise eps*|loss|/h ~ 5e-12 absolute, entries ~1e-4
        assert abs(fast["W1"][i, j] - (lp - lm) / step) <= 2e-11


@pytest.mark.parametrize("patch", ["exp-denominator", "exact-sigmoid"])
def test_fallback_paths_match_loop(rng, monkeypatch, patch):
    """The exp path (series too long) and the exact sigmoid give the same numbers."""
    if patch == "exp-denominator":
        monkeypatch.setattr(setup, "MAX_SERIES_DEGREE", -1)
    else:
        monkeypatch.setattr(setup, "_SHIFT_TOL", -1.0)
    net = random_net(rng, (6, 4, 3))
    x, t = rng.normal(size=(7, 6)), rng.dirichlet(np.ones(3), size=7)
    assert_same_as_loop(net.numerical_gradient(x, t, method="structured"),
                        net.numerical_gradient(x, t), net.loss(x, t))


def test_large_weights_and_inputs(rng):
    """Steep sigmoids and spread-out logits need a longer series; still the loop's numbers."""
    net = random_net(rng, (5, 4, 3), std=20.0)
    x, t = 50 * rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    assert_same_as_loop(net.numerical_gradient(x, t, method="structured"),
                        net.numerical_gradient(x, t), net.loss(x, t))


def test_callers_arrays_unchanged(rng):
    net = random_net(rng, (4, 3, 2))
    x, t = rng.normal(size=(3, 4)), np.array([0, 1, 1])
    before = snapshot(x, t, *net.params.values())
    structured_numerical_gradient(net.params, x, t)
    assert_unchanged(before, x, t, *net.params.values())


@pytest.mark.parametrize("r", [1e-8, 1e-4, 1e-2, 0.5, 1.5])
def test_series_degree_bounds_the_remainder(r):
    """The tail of exp's series after degree K is below half an ulp on [-r, r], not after K-1."""
    k = series_degree(r)

    def tail(a, start):  # sum_{i >= start} a**i / i!, summed accurately
        return math.fsum(a**i / math.factorial(i) for i in range(start, start + 60))

    for a in np.linspace(-r, r, 41):
        assert abs(tail(float(a), k + 1)) / math.exp(a) <= 2.0**-54
    if k > 0:  # minimal: the bound failed at K-1, so the true tail there is not tiny
        assert tail(r, k) / math.exp(r) > 2.0**-54 * math.exp(-3 * r)


def test_series_degree_gives_up_for_large_arguments():
    assert series_degree(100.0) is None


def test_rejects_float32_params(rng):
    net = random_net(rng, (4, 3, 2))
    net.params["W1"] = net.params["W1"].astype(np.float32)
    with pytest.raises(TypeError, match="float64"):
        net.numerical_gradient(np.ones((2, 4)), np.array([0, 1]), method="structured")


def test_rejects_bad_h(rng):
    net = random_net(rng, (4, 3, 2))
    with pytest.raises(ValueError, match="h must be"):
        net.numerical_gradient(np.ones((2, 4)), np.array([0, 1]), method="structured", h=0)


def test_peak_memory_at_mnist_size(rng):
    """784-50-10, N=100: blocks keep the temporaries small (issue 6 asks < 1 GiB)."""
    net = gl.TwoLayerNet(784, 50, 10, seed=0)
    x, t = rng.random((100, 784)), rng.integers(0, 10, size=100)
    tracemalloc.start()
    try:
        net.numerical_gradient(x, t, method="structured")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # measured ~6 MiB; materialising every perturbation at once would take > 250 MiB
    assert peak < 64 * 2**20


@pytest.mark.parametrize("name, index", [("b2", (0,)), ("W1", (1, 2)), ("b1", (0,))])
def test_a_lost_step_raises_like_the_loop(rng, name, index):
    # Where p + h == p the loop raises StepLostError; the fast methods used to return nan.
    net = random_net(rng, (5, 3, 4))
    net.params[name][index] = 1e13
    x, t = rng.normal(size=(2, 5)), np.array([0, 3])
    where = f"params['{name}'][{', '.join(map(str, index))}]"
    with pytest.raises(gl.StepLostError, match=re.escape(where) + r" = 1e\+13: x \+ h == x"):
        net.numerical_gradient(x, t, method="structured")
    with pytest.raises(gl.StepLostError):
        net.numerical_gradient(x, t, method="loop")


@pytest.mark.parametrize("t, error, message", [
    (np.array([0, -1]), ValueError, "outside 0..3"),
    (np.array([0.0, 1.0]), TypeError, "labels must be integers"),
    (np.array([0, 1, 2]), ValueError, r"t has shape \(3,\)"),
])
def test_public_function_validates_targets(rng, t, error, message):
    # Label -1 used to wrap to the last class and give a silently wrong gradient.
    net = random_net(rng, (5, 3, 4))
    with pytest.raises(error, match=message):
        structured_numerical_gradient(net.params, rng.normal(size=(2, 5)), t)
