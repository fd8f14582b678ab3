"""Full mode over any concurrent.futures.Executor: the serial check's numbers, bit for bit."""

import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import gradlab as gl
from gradlab import check_gradient
from gradlab.check import parallel

STATE = {"scale": 1.0}

# Worker processes and a dask cluster take seconds to start: under mutation testing
# (mutmut sets MUTANT_UNDER_TEST) the thread-pool tests below cover the same code
slow_pools = pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ,
                                reason="process pools and dask: too slow under mutmut")


class Drifts:
    """A value that changes when it is copied through pickle: a worker's copy differs."""

    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        return Drifts, (self.value + 1.0,)


def scaled_loss(w):
    """Reads a module global that a worker process does not share."""
    return STATE["scale"] * float(np.sum(np.sin(w)))


@pytest.fixture(scope="module")
def net_problem():
    rng = np.random.default_rng(5)
    net = gl.TwoLayerNet(12, 6, 4, weight_init_std=0.5, seed=rng)
    for v in net.params.values():
        v += rng.normal(scale=0.2, size=v.shape)
    x, t = rng.normal(size=(5, 12)), rng.integers(0, 4, 5)
    return net, x, t


def same(a, b):
    """Results equal bit for bit: every number, every verdict."""
    assert a.status == b.status and a.cause == b.cause
    for k in a.numeric:
        assert np.array_equal(a.numeric[k], b.numeric[k])
        assert np.array_equal(a.detectable[k], b.detectable[k])
    assert [e.to_dict() for e in a.worst] == [e.to_dict() for e in b.worst]


@pytest.mark.parametrize("inject", [False, True])
def test_thread_pool_gives_the_serial_numbers(net_problem, inject):
    net, x, t = net_problem
    grads = net.gradient(x, t)
    if inject:
        grads["W2"][3, 1] += 1e-3
    serial = check_gradient(lambda p: net.loss(x, t), net.params, grads)
    with ThreadPoolExecutor(2) as pool:
        par = check_gradient(lambda p: net.loss(x, t), net.params, grads, executor=pool)
    same(serial, par)
    assert par.status == ("fail" if inject else "pass")
    tasks = 4 * 2  # one check of f(x) per task, on its own copy
    assert par.evaluations == serial.evaluations + tasks
    assert any("ThreadPoolExecutor" in n for n in par.notes)


@slow_pools
def test_process_pool_closure_over_the_caller_arrays(net_problem):
    # f and x travel together (cloudpickle): the worker's lambda reads the worker's copy
    # of net.params, which is the x it perturbs
    net, x, t = net_problem
    grads = net.gradient(x, t)
    before = {k: v.copy() for k, v in net.params.items()}
    serial = check_gradient(lambda p: net.loss(x, t), net.params, grads)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        par = check_gradient(lambda p: net.loss(x, t), net.params, grads, executor=pool)
        STATE["scale"] = 2.0
        try:
            w = np.linspace(0.1, 1.0, 70)
            with pytest.raises(ValueError, match="does not travel with f and x"):
                check_gradient(scaled_loss, w, 2.0 * np.cos(w), executor=pool)
        finally:
            STATE["scale"] = 1.0
    same(serial, par)
    for k in before:
        assert np.array_equal(before[k], net.params[k])


@slow_pools
def test_dask_executor_on_a_local_cluster(net_problem):
    distributed = pytest.importorskip("distributed")
    net, x, t = net_problem
    grads = net.gradient(x, t)
    serial = check_gradient(lambda p: net.loss(x, t), net.params, grads)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        par = check_gradient(lambda p: net.loss(x, t), net.params, grads,
                             executor=client.get_executor())
    same(serial, par)


def test_small_batches_stay_here_and_errors_reach_the_caller():
    w = np.linspace(0.1, 1.0, 5)  # fewer rows than MIN_ROWS: no task is sent
    with ThreadPoolExecutor(2) as pool:
        result = check_gradient(lambda v: np.sum(np.sin(v)), w, np.cos(w), executor=pool)
        assert result.ok and result.evaluations == 4 * 5 + 2
        big = np.linspace(0.1, 1.0, parallel.MIN_ROWS)
        calls = []

        def boom(v):
            calls.append(1)
            if len(calls) > 10:
                raise RuntimeError("boom in a worker")
            return float(np.sum(v))

        with pytest.raises(RuntimeError, match="boom in a worker"):
            check_gradient(boom, big, np.ones(big.size), executor=pool)


def test_unpicklable_f_is_refused_with_the_fix(monkeypatch):
    def refuse(obj):
        raise pickle.PicklingError("cannot pickle 'generator' object")

    monkeypatch.setattr(parallel, "dumps", refuse)
    with ThreadPoolExecutor(1) as pool, pytest.raises(TypeError, match="module-level function"):
        check_gradient(np.sum, np.ones(3), np.ones(3), executor=pool)


def test_executor_must_be_one():
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        check_gradient(np.sum, np.ones(3), np.ones(3), executor="threads")


def test_a_copy_that_behaves_differently_is_an_error():
    drift = Drifts(1.0)
    w = np.linspace(0.1, 1.0, parallel.MIN_ROWS)
    with ThreadPoolExecutor(2) as pool, pytest.raises(ValueError, match=(
            r"f at the worker's copy of x returned .* not .* as here: f depends on state "
            r"that does not travel with f and x")):
        check_gradient(lambda v: drift.value * float(np.sum(np.sin(v))), w, np.cos(w),
                       executor=pool)


def test_a_nondeterministic_f_is_not_checked_against_the_workers():
    rng = np.random.default_rng(0)
    w = np.linspace(0.1, 1.0, parallel.MIN_ROWS)
    with ThreadPoolExecutor(2) as pool:
        result = check_gradient(lambda v: float(np.sum(v)) + 1e-9 * rng.normal(), w,
                                np.ones(w.size), executor=pool)
    assert result.status in ("pass", "inconclusive")  # no "does not travel" error


def test_tasks_follow_the_workers_and_split_the_rows(monkeypatch):
    sizes = []
    real = parallel.run_chunk

    def spy(payload, rows, *rest):
        sizes.append(len(rows))
        return real(payload, rows, *rest)

    monkeypatch.setattr(parallel, "run_chunk", spy)
    w = np.linspace(0.1, 1.0, 100)
    with ThreadPoolExecutor(3) as pool:
        result = check_gradient(lambda v: float(np.sum(np.sin(v))), w, np.cos(w),
                                executor=pool)
    assert result.ok and sizes == [9] * 4 + [8] * 8  # 100 rows in 4 x 3 = 12 tasks
    assert result.evaluations == 2 + 4 * 100 + 12
