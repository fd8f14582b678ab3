"""Cost of gradlab's checker on TwoLayerNet(784, 50, 10), batch 100 (groups "checker",
"checker-parallel").

Costs are counted in loss evaluations with a wrapper (exact and machine
independent) and also timed; one forward evaluation is timed in the same
group, so every time can be read as a ratio to it. BLAS is pinned to one
thread (threadpoolctl here, OPENBLAS/OMP/MKL_NUM_THREADS=1 in the workers):
this machine is shared. Full mode serial and over 2 worker processes run in
the same session, and must give the same numbers bit for bit.

    python -m pytest benchmarks/bench_check.py --bench-set=full --benchmark-only \
        --benchmark-group-by=group
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import gradlab as gl
from gradlab.check import fast_mode_evaluations, full_mode_evaluations

SIZES = dict(input_size=784, hidden_size=50, output_size=10)
BATCH = 100


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    net = gl.TwoLayerNet(**SIZES, seed=1)
    for name in ("b1", "b2"):
        net.params[name] += rng.normal(scale=0.1, size=net.params[name].shape)
    x, t = rng.random((BATCH, SIZES["input_size"])), rng.integers(0, 10, BATCH)
    return net, x, t


class Counted:
    """f wrapper counting evaluations (the checker's own count is cross-checked)."""

    def __init__(self, net, x, t):
        self.net, self.x, self.t, self.calls = net, x, t, 0

    def __call__(self, params):
        self.calls += 1
        return self.net.loss(self.x, self.t)


def _info(benchmark, net, evaluations, n=BATCH, **more):
    p = sum(v.size for v in net.params.values())
    benchmark.extra_info.update(P=p, N=n, hidden_size=net.params["W1"].shape[1],
                                evaluations=evaluations, threads=1, **more)


@pytest.mark.benchmark(group="checker")
def test_one_forward_evaluation(benchmark, problem):
    net, x, t = problem
    benchmark(net.loss, x, t)
    _info(benchmark, net, 1)


@pytest.mark.benchmark(group="checker")
def test_fast_mode_passes_correct_gradient(benchmark, problem):
    net, x, t = problem
    grads = net.gradient(x, t)
    f = Counted(net, x, t)
    result = benchmark(gl.check_gradient, f, net.params, grads, mode="fast")
    assert result.ok and result.evaluations == fast_mode_evaluations()
    assert f.calls % result.evaluations == 0
    _info(benchmark, net, result.evaluations)


@pytest.mark.benchmark(group="checker")
def test_fast_mode_localises_one_wrong_element(benchmark, problem):
    net, x, t = problem
    grads = net.gradient(x, t)
    grads["W1"][400, 17] += 1e-4 * np.max(np.abs(grads["W1"]))
    f = Counted(net, x, t)
    result = benchmark(gl.check_gradient, f, net.params, grads, mode="fast")
    assert not result.ok and result.worst[0].where == "W1[400, 17]"
    assert result.evaluations <= 300 and f.calls % result.evaluations == 0
    _info(benchmark, net, result.evaluations)


@pytest.fixture(scope="module")
def full_mode_problem(request, problem):
    """784-50-10 for real runs (about 80 s a round); a 16-5-10 net for the CI smoke run."""
    if request.config.getoption("--bench-set") != "smoke":
        return problem
    rng = np.random.default_rng(0)
    net = gl.TwoLayerNet(16, 5, 10, weight_init_std=0.5, seed=1)
    net.params["b1"] += 0.1
    return net, rng.random((4, 16)), rng.integers(0, 10, 4)


@pytest.mark.benchmark(group="checker")
def test_full_mode(benchmark, full_mode_problem):
    net, x, t = full_mode_problem
    grads = net.gradient(x, t)
    f = Counted(net, x, t)
    result = benchmark.pedantic(gl.check_gradient, args=(f, net.params, grads),
                                rounds=1, iterations=1)
    p = sum(v.size for v in net.params.values())
    assert result.ok and f.calls == result.evaluations >= full_mode_evaluations(p)
    _info(benchmark, net, result.evaluations, n=len(x))


WORKERS = 2


@pytest.fixture(scope="module")
def pool():
    """Two spawned worker processes, each with one BLAS thread (set before they start)."""
    keys = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    try:
        with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as ex:
            ex.submit(int, 0).result()  # start the workers outside the timed region
            list(ex.map(int, range(WORKERS)))
            yield ex
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def serial_result():
    return {}


@pytest.mark.parametrize("workers", [0, WORKERS], ids=["serial", f"{WORKERS}-workers"])
@pytest.mark.benchmark(group="checker-parallel")
def test_full_mode_serial_and_over_workers(benchmark, request, full_mode_problem, pool,
                                           serial_result, workers):
    net, x, t = full_mode_problem
    grads = net.gradient(x, t)
    rounds = 1 if request.config.getoption("--bench-set") == "smoke" else 3
    executor = pool if workers else None
    result = benchmark.pedantic(
        gl.check_gradient, args=(lambda p: net.loss(x, t), net.params, grads),
        kwargs={"executor": executor}, rounds=rounds, iterations=1)
    assert result.ok
    if workers:  # the same numbers as the serial run, bit for bit
        serial = serial_result["result"]
        for k in grads:
            assert np.array_equal(result.numeric[k], serial.numeric[k])
            assert np.array_equal(result.detectable[k], serial.detectable[k])
    else:
        serial_result["result"] = result
    _info(benchmark, net, result.evaluations, n=len(x), workers=workers or 1)


@pytest.mark.benchmark(group="checker-parallel")
def test_full_mode_speedup_paired(benchmark, request, full_mode_problem, pool):
    """Serial and 2-worker runs back to back in each round, so that a load change on this
    shared machine hits both: extra_info holds every round's times and their ratio."""
    import time

    net, x, t = full_mode_problem
    grads = net.gradient(x, t)
    rounds = 1 if request.config.getoption("--bench-set") == "smoke" else int(
        os.environ.get("GRADLAB_BENCH_PAIRS", "5"))  # fewer on a busy machine
    pairs, load_before = [], os.getloadavg()

    def pair():
        start = time.perf_counter()
        serial = gl.check_gradient(lambda p: net.loss(x, t), net.params, grads)
        mid = time.perf_counter()
        par = gl.check_gradient(lambda p: net.loss(x, t), net.params, grads, executor=pool)
        end = time.perf_counter()
        for k in grads:
            assert np.array_equal(serial.numeric[k], par.numeric[k])
        pairs.append((mid - start, end - mid))

    benchmark.pedantic(pair, rounds=rounds, iterations=1)
    ratios = sorted(s / p for s, p in pairs)
    _info(benchmark, net, full_mode_evaluations(sum(v.size for v in net.params.values())),
          n=len(x), workers=WORKERS, serial_s=[round(s, 2) for s, _ in pairs],
          parallel_s=[round(p, 2) for _, p in pairs], speedups=[round(r, 3) for r in ratios],
          median_speedup=round(ratios[len(ratios) // 2], 3),
          loadavg_before=[round(v, 2) for v in load_before],
          loadavg_after=[round(v, 2) for v in os.getloadavg()])  # other sessions' load
