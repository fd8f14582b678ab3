"""Cost of gradlab's checker on TwoLayerNet(784, 50, 10), batch 100 (group "checker").

Costs are counted in loss evaluations with a wrapper (exact and machine
independent) and also timed; one forward evaluation is timed in the same
group, so every time can be read as a ratio to it. BLAS is pinned to one
thread (threadpoolctl): this machine is shared.

    python -m pytest benchmarks/bench_check.py --benchmark-only --benchmark-group-by=group
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import gradlab as gl

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
    assert result.ok and result.evaluations <= 20 and f.calls % result.evaluations == 0
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
    assert result.ok and f.calls == result.evaluations >= 4 * p + 2
    _info(benchmark, net, result.evaluations, n=len(x))
