"""Batched, chunked finite differences for any function (gradlab.fastfd.chunked)."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.fastfd.chunked import batched_numerical_gradient
from tests.helpers import assert_unchanged, snapshot

A = np.linspace(-2.0, 3.0, 12).reshape(3, 4)


def f_one(x):
    return np.sum(np.sin(x) * A) + np.sum(x**3)


def f_batch(X):
    return np.sum(np.sin(X) * A, axis=(1, 2)) + np.sum(X**3, axis=(1, 2))


@pytest.mark.parametrize("chunk_size", [None, 1, 5, 12, 100])
def test_batched_matches_loop(rng, chunk_size):
    x = rng.normal(size=(3, 4))
    ours = batched_numerical_gradient(f_batch, x, chunk_size=chunk_size)
    loop = gl.numerical_gradient(f_one, x.copy())
    # the two evaluate f with different summation order: each f value carries
    # ~12 eps |f| rounding, i.e. 12 * 2.2e-16 * |f| / 2h in the quotient (|f| < 30)
    assert np.max(np.abs(ours - loop)) <= 12 * np.finfo(float).eps * 30 / 2e-4
    exact = np.cos(x) * A + 3 * x**2  # and it is a gradient: truncation h^2 |f'''| / 6
    assert np.max(np.abs(ours - exact)) <= 1e-8 * (1 + 6)


def test_batched_leaves_x_alone(rng):
    x = rng.normal(size=(3, 4))
    before = snapshot(x)
    batched_numerical_gradient(f_batch, x, chunk_size=5)
    assert_unchanged(before, x)


@pytest.mark.parametrize("value", [1e3, -7.5e2, 3.0])
def test_batched_divides_by_represented_step(value):
    """At x = 1000, (x + h) - (x - h) is 2e-4 * (1 - 2.5e-10): f = x gives exactly 1 only
    when the quotient divides by the represented step, not by 2h."""
    x = np.array([value])
    assert batched_numerical_gradient(lambda X: X[:, 0], x)[0] == 1.0


@pytest.mark.parametrize("bad,match", [
    (lambda X: np.zeros((len(X), 2)), "one scalar per vector"),
    (lambda X: np.full(len(X), np.nan), "nan or inf"),
])
def test_batched_rejects_bad_f(bad, match):
    with pytest.raises(ValueError, match=match):
        batched_numerical_gradient(bad, np.ones((3, 4)))


def test_batched_rejects_bad_input():
    with pytest.raises(TypeError, match="integer"):
        batched_numerical_gradient(f_batch, np.ones((3, 4), dtype=int))
    with pytest.raises(ValueError, match="chunk_size"):
        batched_numerical_gradient(f_batch, np.ones((3, 4)), chunk_size=0)
    with pytest.raises(ValueError, match="x \\+ h == x"):
        batched_numerical_gradient(f_batch, np.full((3, 4), 1e20))


def test_batched_raises_the_loops_step_lost_error():
    x = np.array([1.0, 1e13])
    with pytest.raises(gl.StepLostError, match=r"x\[1\] = 1e\+13: x \+ h == x in float64"):
        batched_numerical_gradient(f_batch, x)
