"""Causes that fit the code: the book's delta per sample, a solver's residual, a real bug.

The book's (y - t)/N ignores the delta = 1e-7 inside its loss's log: each sample's part
of the gradient is too large by delta / (y_n + delta), so on a batch the residual is a
mixture, not one constant ratio. It must be named on batches at every weight scale where
it stays below RESIDUAL_MAX of the gradient, and never for a real bug of the same size.
"""

import numpy as np
import pytest

import gradlab as gl
from gradlab import check_gradient

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

CASES = [(std, n, seed) for std in (0.01, 0.3, 1.0, 1.5) for n in (1, 5, 30) for seed in (0, 1)]


def book_net(std, n, seed):
    rng = np.random.default_rng(seed + 100 * n + 7)
    net = gl.TwoLayerNet(8, 6, 4, weight_init_std=std, seed=rng)
    for v in net.params.values():
        v += rng.normal(scale=0.1 * max(std, 0.1), size=v.shape)
    return net, rng.normal(size=(n, 8)), rng.integers(0, 4, n)


@pytest.mark.parametrize("std, n, seed", CASES)
def test_book_delta_is_named_on_batches(std, n, seed):
    net, x, t = book_net(std, n, seed)
    result = check_gradient(lambda p: net.loss(x, t), net.params, net.gradient(x, t, delta=0))
    assert result.status == "fail" and result.cause == "delta_residual", str(result)
    assert "delta = 1e-7" in result.hint


@pytest.mark.parametrize("std, n, seed", CASES[::3])
def test_book_delta_is_named_in_fast_mode(std, n, seed):
    net, x, t = book_net(std, n, seed)
    result = check_gradient(lambda p: net.loss(x, t), net.params,
                            net.gradient(x, t, delta=0), mode="fast")
    assert result.status == "fail" and result.cause == "delta_residual", str(result)


@pytest.mark.parametrize("kind", ["one", "three", "leaf_b2", "row_W1"])
@pytest.mark.parametrize("std, n, seed", CASES[::4])
def test_a_real_bug_of_the_same_size_is_a_bug(kind, std, n, seed):
    net, x, t = book_net(std, n, seed)
    f = lambda p: net.loss(x, t)  # noqa: E731
    book = check_gradient(f, net.params, net.gradient(x, t, delta=0))
    size = book.max_rel_error  # the delta's residual, relative
    g = net.gradient(x, t)
    gmax = max(np.abs(v).max() for v in g.values())
    if kind == "one":
        g["W1"][1, 2] += size * gmax
    elif kind == "three":
        for sign, (a, b) in zip((1, -1, 1), [(0, 0), (3, 4), (5, 1)], strict=True):
            g["W1"][a, b] += sign * size * gmax
    elif kind == "leaf_b2":
        g["b2"] *= 1 + size
    else:
        g["W1"][2] *= 1 + size * gmax / np.abs(g["W1"][2]).max()
    result = check_gradient(f, net.params, g)
    assert result.status == "fail" and result.cause == "bug", (kind, str(result))
    fast = check_gradient(f, net.params, g, mode="fast")
    assert fast.cause not in ("delta_residual", "small_residual") or fast.status != "fail"


@pytest.mark.parametrize("std, n, seed, cause", [(5.0, 3, 0, "delta_residual"),
                                                 (5.0, 5, 1, "bug")])
def test_a_saturated_delta_is_named_until_it_is_as_large_as_a_formula_error(std, n, seed,
                                                                            cause):
    # weights of scale 5: some y_target ~ 1e-20, so delta / (y + delta) ~ 1 for that sample.
    # While the residual stays within RESIDUAL_MAX of max|grad| it is named; beyond, a
    # checker that sees only f cannot tell it from a wrong formula
    from gradlab.check.verdict import RESIDUAL_MAX

    net, x, t = book_net(std, n, seed)
    claimed = net.gradient(x, t, delta=0)
    result = check_gradient(lambda p: net.loss(x, t), net.params, claimed)
    resid = max(np.abs(claimed[k] - result.numeric[k]).max() for k in claimed)
    gmax = max(np.abs(v).max() for v in claimed.values())
    assert (resid > RESIDUAL_MAX * gmax) == (cause == "bug")
    assert result.status == "fail" and result.cause == cause


def test_a_loss_outside_the_cross_entropy_range_is_not_the_delta():
    # the same relative residual, but f(x) < 0: no cross-entropy with delta is negative
    x = np.linspace(0.1, 1.0, 6)
    f = lambda v: -float(np.sum(v ** 2))  # noqa: E731
    result = check_gradient(f, x, -2 * x * (1 + 3e-7))
    assert result.status == "fail" and result.cause == "small_residual"


def test_solver_tolerance_residual_is_described_as_such():
    integrate = pytest.importorskip("scipy.integrate")

    def y1(p):  # y' = -p0 y + p1, y(0) = 1, at t = 1, by odeint (rtol ~1.5e-8)
        return float(integrate.odeint(lambda y, t: -p[0] * y + p[1], 1.0, [0.0, 1.0])[-1, 0])

    p = np.array([0.7, 0.3])
    a, b = p
    e = np.exp(-a)
    exact = np.array([-b / a ** 2 + b / a ** 2 * e - (1 - b / a) * e, 1 / a - e / a])
    result = check_gradient(y1, p, exact)
    assert result.status == "fail" and result.cause == "small_residual", str(result)
    assert "solver" in result.hint and "delta" not in result.hint.split("or with")[0]


def test_euler_solver_residual_is_small_not_delta():
    # y(1) of y' = -x y by 2000 Euler steps: relative error ~x**2/4000, smooth in x
    x = np.linspace(0.2, 1.2, 8)
    f = lambda v: -float(np.sum((1 - v / 2000) ** 2000))  # noqa: E731
    exact = np.exp(-x)  # d/dx of -exp(-x)
    result = check_gradient(f, x, exact)
    assert result.status == "fail" and result.cause == "small_residual", str(result)
