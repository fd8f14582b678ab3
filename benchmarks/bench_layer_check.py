"""gl.check_layer on Convolution at SimpleConvNet's first layer (group "check_layer"): 30
filters 5x5 on 1x28x28 images, N = 2 (dx, dW, db: 2348 numbers), fast mode against full mode
side by side, for a correct layer and for one wrong weight gradient (fast mode then bisects to
it). The issue's goal is <= 2 s for the check.

Full mode costs 4 forwards per number (over 9000 forwards): with the default smoke set it runs
on a small convolution (3 filters 3x3 on 2x6x5), with ``--bench-set headline`` (or ``full``) at
the book's sizes, once (``pedantic``, one round)::

    python -m pytest benchmarks/bench_layer_check.py --bench-set headline --benchmark-only
"""

import numpy as np
import pytest

import gradlab as gl

SIZES = {"book": ((2, 1, 28, 28), (30, 1, 5, 5)), "small": ((2, 2, 6, 5), (3, 2, 3, 3))}


class OneWrongWeight(gl.Convolution):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW[1, 0, 2, 1] += 1e-3
        return dx


@pytest.fixture(scope="module")
def sizes(request):
    return SIZES["small" if request.config.getoption("--bench-set") == "smoke" else "book"]


def _layer(cls, sizes):
    x_shape, w_shape = sizes
    rng = np.random.default_rng(0)
    layer = cls(0.1 * rng.normal(size=w_shape), 0.1 * rng.normal(size=w_shape[0]))
    return layer, rng.normal(size=x_shape)


@pytest.mark.benchmark(group="check_layer")
@pytest.mark.parametrize("bug", [False, True], ids=["correct", "one-wrong-dW"])
@pytest.mark.parametrize("mode", ["fast", "full"])
def test_check_layer_convolution(benchmark, threads, sizes, mode, bug):
    layer, x = _layer(OneWrongWeight if bug else gl.Convolution, sizes)

    def run():
        return gl.check_layer(layer, x, mode=mode)

    if mode == "full":
        result = benchmark.pedantic(run, rounds=1, iterations=1)
    else:
        result = benchmark(run)
    benchmark.extra_info.update(x_shape=sizes[0], W_shape=sizes[1], threads=threads,
                                evaluations=result.result.evaluations)
    assert result.status == ("fail" if bug else "pass")
    if bug:
        assert result.worst[0].where == "dW[1, 0, 2, 1]"
