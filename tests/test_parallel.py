"""Finite differences over a concurrent.futures.Executor (gradlab.fastfd.chunked)."""

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import gradlab as gl
from gradlab.fastfd.chunked import batched_numerical_gradient, parallel_numerical_gradient

SIZES = (6, 4, 3)


def net_loss(theta, x, t):
    """A TwoLayerNet loss as a function of its flattened parameters (picklable)."""
    net = gl.TwoLayerNet(*SIZES)
    offset = 0
    for key in ("W1", "b1", "W2", "b2"):
        size = net.params[key].size
        net.params[key] = theta[offset:offset + size].reshape(net.params[key].shape)
        offset += size
    return net.loss(x, t)


def net_loss_batch(thetas, x, t):
    return np.array([net_loss(theta, x, t) for theta in thetas])


def fails_on_negative(theta):
    if theta.min() < 0:
        raise ValueError("negative parameter")
    return float(np.sum(theta))


@pytest.fixture
def problem(rng):
    net = gl.TwoLayerNet(*SIZES, weight_init_std=0.5, seed=rng)
    theta = np.concatenate([v.ravel() + rng.normal(scale=0.2, size=v.size)
                            for v in net.params.values()])
    x, t = rng.normal(size=(5, SIZES[0])), rng.integers(0, SIZES[2], size=5)
    f = functools.partial(net_loss, x=x, t=t)
    return f, theta, gl.numerical_gradient(f, theta.copy())


def test_thread_pool_gives_the_loop_bit_for_bit(problem):
    f, theta, loop = problem
    before = theta.copy()
    with ThreadPoolExecutor(3) as pool:
        ours = parallel_numerical_gradient(f, theta, executor=pool, tasks=7)
    assert np.array_equal(ours, loop)
    assert np.array_equal(theta, before)


def test_default_process_pool_gives_the_loop_bit_for_bit(problem):
    f, theta, loop = problem
    assert np.array_equal(parallel_numerical_gradient(f, theta, tasks=3), loop)


def test_batched_tasks_match_batched_gradient(problem, rng):
    f, theta, _ = problem
    fb = functools.partial(net_loss_batch, x=f.keywords["x"], t=f.keywords["t"])
    with ThreadPoolExecutor(2) as pool:
        ours = parallel_numerical_gradient(fb, theta, executor=pool, batched=True)
    assert np.array_equal(ours, batched_numerical_gradient(fb, theta))


def test_dask_executor(problem):
    """Any Executor works: dask.distributed's, on a small in-process LocalCluster."""
    distributed = pytest.importorskip("distributed")
    f, theta, loop = problem
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ours = parallel_numerical_gradient(f, theta, executor=client.get_executor(), tasks=4)
    assert np.array_equal(ours, loop)


def test_errors_in_tasks_reach_the_caller():
    with ThreadPoolExecutor(2) as pool, pytest.raises(ValueError, match="negative parameter"):
        parallel_numerical_gradient(fails_on_negative, np.full(6, 1e-5), executor=pool)


def test_rejects_bad_tasks_and_input():
    with pytest.raises(ValueError, match="tasks"):
        parallel_numerical_gradient(np.sum, np.ones(3), executor=ThreadPoolExecutor(1), tasks=0)
    with pytest.raises(TypeError, match="integer"):
        parallel_numerical_gradient(np.sum, np.arange(3), executor=ThreadPoolExecutor(1))


def test_fortran_ordered_x_gives_the_loop_result():
    # A Fortran-ordered copy used to make reshape(-1) a copy, so the loop perturbed an
    # array f never saw and every entry came out 0.
    x = np.asfortranarray(np.arange(6.0).reshape(2, 3))

    def f(v):
        return 0.5 * np.sum(v**2)

    with ThreadPoolExecutor(2) as pool:
        ours = parallel_numerical_gradient(f, x, executor=pool, tasks=2)
    np.testing.assert_array_equal(ours, gl.numerical_gradient(f, x.copy()))
    assert np.any(ours != 0)
