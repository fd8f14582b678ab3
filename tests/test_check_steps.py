"""Steps on float32's grid where a float64 x holds float32 data (gradlab.check.steps).

An f that stores its argument in float32 sees fl32(x + s), not x + s: a hidden relative
step error of ulp32 / 2s that no estimate of the checker can see (odd in s, and often the
same at h and h/2). Before the steps were put on float32's grid every full-mode check of
such an f failed a correct gradient.
"""

import numpy as np
import pytest

import gradlab as gl
from gradlab.check.methods import base_step
from gradlab.check.steps import CLOSE, snapped

F32 = np.float32


def stores_float32(seed, scale=1.0):
    """f reads its float64 argument through a float32 array; x is float32 data."""
    rng = np.random.default_rng(seed)
    W, a = rng.normal(size=(5, 12)) / scale, rng.normal(size=5)
    x = (scale * rng.uniform(-2, 2, 12)).astype(F32).astype(np.float64)

    def f(v):
        return float(a @ np.tanh(W @ v.astype(F32).astype(np.float64)))

    return f, x, ((1 - np.tanh(W @ x) ** 2) * a) @ W


@pytest.mark.parametrize("scale", [1e-3, 1.0, 300.0])
@pytest.mark.parametrize("mode", ["full", "fast"])
def test_an_f_that_stores_x_in_float32_passes_and_still_catches(mode, scale):
    for seed in range(8):
        f, x, g = stores_float32(seed, scale)
        right = gl.check_gradient(f, x, g, mode=mode, seed=seed)
        assert right.status == "pass", str(right)
        wrong = g.copy()  # fast mode: 4 random directions, the float32 size
        wrong[seed] += (1e-3 if mode == "full" else 1e-2) * np.max(np.abs(g))
        assert gl.check_gradient(f, x, wrong, mode=mode, seed=seed).status == "fail"


def test_every_point_f_sees_is_a_float32_number():
    seen = []
    x = np.array([0.0, 0.5, 1.0, -1.75, 3.0, 250.5])
    gl.check_gradient(lambda v: seen.append(v.copy()) or float(np.sum(np.sin(v))), x,
                      np.cos(x), method="richardson")
    gl.check_gradient(lambda v: seen.append(v.copy()) or float(np.sum(np.sin(v))), x,
                      np.cos(x), mode="fast", seed=0)
    points = np.concatenate(seen)
    assert np.array_equal(points.astype(F32).astype(np.float64), points)


@pytest.mark.parametrize("finest, coarsest", [(-5, 6), (-6, 6), (-1, 0)])
def test_snapped_steps_keep_every_level_on_the_grid_and_close(finest, coarsest):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-3, 3, 200), 10.0 ** rng.uniform(-6, 3, 200),
                        [0.0, 1.0, -2.0, 0.999999, 1024.0]]).astype(F32).astype(np.float64)
    s = 1.2e-5 * np.maximum(1.0, np.abs(x)) * rng.choice([-1.0, 1.0], x.size)
    out = snapped(x, s, np.ones(x.size, dtype=bool), finest, coarsest)
    moved = out != s  # most steps move onto the grid; not where the largest level reaches
    assert moved.mean() > 0.5  # a coarser binade x is not aligned to (small |x|): full mode
    # then snaps for the levels up to the base step (coarsest 0) instead
    assert np.all(np.abs(out - s) <= CLOSE * np.abs(s)) and np.all(np.sign(out) == np.sign(s))
    for j in range(finest, coarsest + 1):  # ...and then every level's points are float32
        for p in (x + out * 2.0 ** j, x - out * 2.0 ** j):
            assert np.array_equal(p[moved].astype(F32).astype(np.float64), p[moved])


def test_steps_off_the_grid_or_in_float32_are_left_alone():
    x, s = np.array([0.1, 1.0]), np.array([1.2e-5, 1e-12])  # 0.1 is no float32 number;
    assert np.array_equal(snapped(x, s, np.array([False, True]), -5, 6), s)  # 1e-12 < ulp
    for x in (np.array([0.1]), np.array([1.0], dtype=F32)):  # float32 x: its own steps
        seen = []
        gl.check_gradient(lambda v, seen=seen: seen.append(v.copy()) or np.sum(v ** 2), x,
                          2 * x)
        h = base_step("central", x.dtype)
        assert seen[2][0] == x[0] + x.dtype.type(h), (seen[2][0], h)  # the first step: x + h
