"""Checks of numerical differentiation and gradient descent (book section 4.3-4.4).

The test functions have exact derivatives in closed form, so the only
tolerance is the central-difference error model (see :mod:`.tolerances`).
"""

from __future__ import annotations

import numpy as np

from .executor.values import FunctionSpec
from .harness import compare, fmt_call
from .probes import Probe
from .records import Outcome
from .registry import check
from .tolerances import EPS, EVAL_ULPS, H_RANGE, central_difference_tolerance


class _Fn(Probe):
    """A probe with its exact gradient, printable in counterexamples."""

    def __init__(self, probe, text, grad, third, scale):
        super().__init__(probe, text)
        self.grad, self.third, self.scale = grad, third, scale

    def tolerance(self, x):
        return central_difference_tolerance(self.scale(x), self.third(x))


SUM_SQUARES = _Fn("sum_squares", "lambda x: np.sum(x**2)", lambda x: 2 * x,
                  lambda x: 0.0, lambda x: np.sum(x**2))
COUPLED = _Fn("coupled", "lambda x: np.sum(np.sin(x)) + np.sum(x)**2 / 2",
              lambda x: np.cos(x) + np.sum(x),
              lambda x: 1.0 + 0.0 * x,  # |d3/dx_i3 sin| <= 1; the quadratic part has none
              lambda x: np.sum(np.abs(np.sin(x))) + np.sum(x) ** 2 / 2 + x.size)


def _numerical_gradient_case(h, name, f, x):
    got = h.call(name, h.fn(name), f, x, restore=True)
    problem = compare(got, f.grad(x), f.tolerance(x))
    return problem and Outcome("fail", f"wrong gradient of {f.text}: {problem}",
                               fmt_call(name, f, x))


@check("numerical_diff.values")
def numerical_diff_values(h):
    fn = h.fn("numerical_diff")
    quadratic = Probe("quadratic", "lambda x: 0.01*x**2 + 0.1*x")
    cases = [  # (f, x, exact f'(x), |f'''| bound, |f| scale)
        (quadratic, 5.0, 0.2, 0.0, 0.75),
        (quadratic, 10.0, 0.3, 0.0, 2.0),
        (Probe("function_tmp1", "lambda x: x**2 + 4.0**2 (function_tmp1)"), 3.0, 6.0,
         0.0, 25.0),
        (Probe("sin", "np.sin"), 1.0, np.cos(1.0), 1.0, 1.0),
        (Probe("exp", "np.exp"), 0.5, np.exp(0.5), np.exp(0.5 + H_RANGE[1]), np.exp(0.5)),
    ]
    for f, x, exact, third, scale in cases:
        text = f.text
        got = h.call("numerical_diff", fn, f, x)
        problem = compare(got, exact, central_difference_tolerance(scale, third))
        if problem:
            hint = (" (a forward difference (f(x+h) - f(x))/h errs by h|f''|/2; use the "
                    "central difference (f(x+h) - f(x-h)) / 2h with h = 1e-4)")
            return Outcome("fail", f"wrong derivative of {text}: {problem}{hint}",
                           f"numerical_diff({text}, {x!r})")
    return Outcome("pass", f"{len(cases)} derivatives within the central-difference error")


@check("numerical_gradient.vector")
def numerical_gradient_vector(h):
    x = np.array([3.0, 4.0])
    return (_numerical_gradient_case(h, "numerical_gradient", SUM_SQUARES, x)
            or _numerical_gradient_case(h, "numerical_gradient", COUPLED, np.array([0.5, -1.5]))
            or Outcome("pass", "gradient of sum(x**2) at [3, 4] is [6, 8]"))


@check("numerical_gradient.matrix")
def numerical_gradient_matrix(h):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    outcome = _numerical_gradient_case(h, "numerical_gradient", COUPLED, x)
    if not outcome:
        return Outcome("pass", "2-D x: matches the exact gradient")
    got = h.call("numerical_gradient", h.fn("numerical_gradient"), COUPLED, x.copy())
    per_row = np.array([COUPLED.grad(row) for row in x])
    if compare(got, per_row, COUPLED.tolerance(x)) is None:
        outcome.message += (" -- it calls f on each row of a 2-D x separately (a batch of "
                            "points, like the book's ch04/gradient_2d.py), which is not the "
                            "gradient of one function of the whole matrix")
    else:
        outcome.message += (" (numerical_gradient must treat x as one point of any shape, "
                            "e.g. with np.nditer or x.reshape(-1); a 1-D loop indexes rows)")
    return outcome


@check("numerical_gradient.array_3d")
def numerical_gradient_3d(h):
    x = np.linspace(-1.0, 1.3, 12).reshape(2, 3, 2)
    return (_numerical_gradient_case(h, "numerical_gradient", COUPLED, x)
            or Outcome("pass", "3-D x: matches the exact gradient"))


@check("numerical_gradient.closure")
def numerical_gradient_closure(h):
    from . import oracle
    from .checks_simplenet import _SIMPLE_CASES
    from .checks_simplenet import _W as W

    x, t = _SIMPLE_CASES[0]

    # ignores its argument and reads the array passed as argument 2 (index 1), as the
    # book's f = lambda w: net.loss(x, t) reads net.W while numerical_gradient perturbs it
    loss = FunctionSpec("reads_arg", "softmax_cross_entropy", (("x", x), ("t", t)), index=1,
                        text="lambda w: net.loss(x, t)")
    got = h.call("numerical_gradient", h.fn("numerical_gradient"), loss, W.copy(),
                 restore=True)
    exact = oracle.grad("simple_net_loss", W, x, t)
    third = oracle.third_derivatives("simple_net_loss", W, x, t)
    loss = float(oracle.value("simple_net_loss", W, x, t))
    problem = compare(got, exact, central_difference_tolerance(loss, third))
    if problem:
        hint = ""
        if np.allclose(np.asarray(got, dtype=float), 0):
            hint = (" -- all zeros: it perturbs a copy of x, so a function that reads the "
                    "array through a closure (the book's idiom) never sees the change")
        return Outcome("fail", f"book's closure idiom (SimpleNet dW): {problem}{hint}",
                       "numerical_gradient(lambda w: net.loss(x, t), net.W)")
    return Outcome("pass", "the book's closure idiom f = lambda w: net.loss(x, t) works")


def _integer_input(h, name):
    x = np.array([3, 4])
    try:
        got = h.call(name, h.fn(name), SUM_SQUARES, x, restore=True)
    except (TypeError, ValueError) as exc:
        kind = getattr(exc, "type_name", type(exc).__name__)
        return Outcome("pass", f"refuses integer x with a clear {kind}")
    problem = compare(got, [6.0, 8.0], SUM_SQUARES.tolerance(x.astype(float)))
    if problem is None:
        return Outcome("pass", "integer x gives the right gradient")
    book = (" -- the book's numerical_gradient has this bug too: x + h is truncated to an "
            "integer in place" if np.allclose(np.asarray(got, float), [25000, 35000]) else "")
    shown = np.asarray(got).tolist() if np.size(got) <= 4 else problem
    return Outcome("fail", f"integer x: returned {shown} for the gradient [6, 8] of "
                           f"sum(x**2) at [3, 4]{book}; convert x to float or refuse it",
                   fmt_call(name, SUM_SQUARES, x))


@check("numerical_gradient.integer_input")
def numerical_gradient_integer(h):
    return _integer_input(h, "numerical_gradient")


def _shape_search(h, name, shapes):
    from hypothesis import strategies as st

    from gradlab.strategies import finite_arrays

    strategy = st.tuples(st.just(COUPLED), finite_arrays(shapes, bound=2.0))

    def prop(case):
        f, x = case
        got = h.call(name, h.fn(name), f, x.copy(), restore=True)
        return compare(got, f.grad(x), f.tolerance(x))

    found = h.search(strategy, prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    (f, x), message = found
    return Outcome("fail", f"hypothesis found: {message}", fmt_call(name, f, x))


@check("numerical_gradient.search", quick=False)
def numerical_gradient_search(h):
    from gradlab.strategies import shapes

    return _shape_search(h, "numerical_gradient", shapes(min_dims=1, max_dims=3, max_side=4))


@check("numerical_gradient_1d.vector")
def numerical_gradient_1d_vector(h):
    return (_numerical_gradient_case(h, "numerical_gradient_1d", SUM_SQUARES,
                                     np.array([3.0, 4.0]))
            or _numerical_gradient_case(h, "numerical_gradient_1d", COUPLED,
                                        np.array([0.5, -1.5, 2.0]))
            or Outcome("pass", "1-D x: matches the exact gradient"))


@check("numerical_gradient_1d.search", quick=False)
def numerical_gradient_1d_search(h):
    from gradlab.strategies import shapes

    return _shape_search(h, "numerical_gradient_1d", shapes(min_dims=1, max_dims=1))


@check("numerical_gradient_2d.rows")
def numerical_gradient_2d_rows(h):
    """The book's numerical_gradient_2d: a 2-D X is a batch of points, one per row."""
    name, fn = "numerical_gradient_2d", h.fn("numerical_gradient_2d")
    outcome = _numerical_gradient_case(h, name, COUPLED, np.array([0.5, -1.5]))
    if outcome:
        return outcome
    X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    got = h.call(name, fn, COUPLED, X.copy(), restore=True)
    per_row = np.array([COUPLED.grad(row) for row in X])
    tol = COUPLED.tolerance(X)
    if compare(got, per_row, tol) is None:
        return Outcome("pass", "1-D x and a batch of points (one per row) are right")
    if compare(got, COUPLED.grad(X), tol) is None:
        return Outcome("pass", "1-D x right; a 2-D X is treated as one point (not per row)")
    return Outcome("fail", f"2-D X: {compare(got, per_row, tol)} (gradient of f at each row)",
                   fmt_call(name, COUPLED, X))


_function_2 = Probe("function_2", "lambda x: x[0]**2 + x[1]**2")


@check("gradient_descent.function_2")
def gradient_descent_values(h):
    """20 steps of lr = 0.1 on x0**2 + x1**2 multiply x by exactly 0.8 each (the
    central difference of a quadratic is exact up to roundoff)."""
    fn = h.fn("gradient_descent")
    init_x, lr, steps = np.array([-3.0, 4.0]), 0.1, 20
    got = h.call("gradient_descent", fn, _function_2, init_x.copy(), lr=lr, step_num=steps)
    h.side_effects.clear()  # a private copy: mutation is judged by gradient_descent.init_x
    if isinstance(got, tuple):  # the book's gradient_method.py returns (x, x_history)
        got = got[0]
    exact = init_x * (1 - 2 * lr) ** steps
    # per-step roundoff lr * EVAL_ULPS eps |f| / h_min, damped by 0.8 each step
    tol = lr * EVAL_ULPS * EPS * 25.0 / H_RANGE[0] / (2 * lr)
    problem = compare(got, exact, tol)
    if problem:
        return Outcome("fail", f"after {steps} steps of lr = {lr}: {problem}",
                       fmt_call("gradient_descent", _function_2, init_x, lr=lr, step_num=steps))
    return Outcome("pass", "follows x <- x - lr * grad exactly on function_2")


@check("gradient_descent.init_x")
def gradient_descent_init_x(h):
    fn = h.fn("gradient_descent")
    init_x = np.array([-3.0, 4.0])
    h.call("gradient_descent", fn, _function_2, init_x, lr=0.1, step_num=100)
    for i, (severity, message, call) in enumerate(h.side_effects):
        if "argument 2" in message:
            h.side_effects[i] = (severity, "gradient_descent moved the caller's init_x to the "
                                 "minimum (x = init_x; x -= lr * grad updates it in place; "
                                 "the book's gradient_method.py does this too): "
                                 "start from x = init_x.copy()", call)
    return Outcome("pass", "reaches the minimum of function_2 without touching init_x")


@check("function_2.values")
def function_2_values(h):
    fn = h.fn("function_2")
    for x in (np.array([-3.0, 4.0]), np.array([0.5, 0.25])):
        got = h.call("function_2", fn, x)
        problem = compare(got, x[0] ** 2 + x[1] ** 2, 16 * EPS * 25)
        if problem:
            return Outcome("fail", f"function_2 should be x0**2 + x1**2: {problem}",
                           fmt_call("function_2", x))
    return Outcome("pass", "x0**2 + x1**2")
