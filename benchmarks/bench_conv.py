"""Cost of gradlab's Convolution at SimpleConvNet's first layer (group "conv"): 30 filters
5x5 on 1x28x28 images, N = 2 (the sizes `gradlab verify` must check in <= 2 s).

im2col, col2im, forward and backward are timed with BLAS pinned (``threads`` fixture), and a
fast-mode gradient check of dx, whose cost is a few forwards; ``extra_info`` carries the sizes
and the number of loss evaluations, so each time reads as a ratio to the forward's.

    python -m pytest benchmarks/bench_conv.py --benchmark-only --benchmark-group-by=group
"""

import numpy as np
import pytest

import gradlab as gl

X_SHAPE, W_SHAPE = (2, 1, 28, 28), (30, 1, 5, 5)


@pytest.fixture(scope="module")
def conv():
    rng = np.random.default_rng(0)
    x, W = rng.random(X_SHAPE), 0.01 * rng.normal(size=W_SHAPE)
    layer = gl.Convolution(W, rng.normal(scale=0.1, size=30))
    out = layer.forward(x)
    return layer, x, rng.normal(size=out.shape)


def _info(benchmark, **extra):
    benchmark.extra_info.update(x_shape=X_SHAPE, W_shape=W_SHAPE, **extra)


@pytest.mark.benchmark(group="conv")
def test_im2col(benchmark, conv, threads):
    _, x, _ = conv
    _info(benchmark, threads=threads)
    assert benchmark(gl.im2col, x, 5, 5).shape == (2 * 24 * 24, 25)


@pytest.mark.benchmark(group="conv")
def test_col2im(benchmark, conv, threads):
    layer, x, dout = conv
    dcol = dout.transpose(0, 2, 3, 1).reshape(-1, 30) @ layer.col_W.T
    _info(benchmark, threads=threads)
    assert benchmark(gl.col2im, dcol, X_SHAPE, 5, 5).shape == X_SHAPE


@pytest.mark.benchmark(group="conv")
def test_forward(benchmark, conv, threads):
    layer, x, _ = conv
    _info(benchmark, threads=threads)
    assert benchmark(layer.forward, x).shape == (2, 30, 24, 24)


@pytest.mark.benchmark(group="conv")
def test_backward(benchmark, conv, threads):
    layer, x, dout = conv
    layer.forward(x)
    _info(benchmark, threads=threads)
    assert benchmark(layer.backward, dout).shape == X_SHAPE


@pytest.mark.benchmark(group="conv")
def test_fast_check_of_dx(benchmark, conv, threads):
    layer, x, dout = conv
    layer.forward(x)
    dx = layer.backward(dout)
    fresh = gl.Convolution(layer.W, layer.b)
    calls = []

    def f(z):
        calls.append(1)
        return float(np.sum(dout * fresh.forward(z)))

    assert gl.check_gradient(f, x.copy(), dx, mode="fast").ok
    _info(benchmark, threads=threads, evaluations=len(calls))   # counted on one untimed run
    assert benchmark(gl.check_gradient, f, x.copy(), dx, mode="fast").ok
