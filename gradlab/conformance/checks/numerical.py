"""Checks of numerical differentiation and gradient descent (book section 4.3-4.4).

The test functions have exact derivatives in closed form, so the only
tolerance is the central-difference error model (see :mod:`.tolerances`).
"""

from __future__ import annotations

import numpy as np

from ..executor.values import FunctionSpec
from ..harness import Skipped, compare, describe_exception, fmt_call
from ..probes import Probe
from ..records import Outcome
from ..registry import check
from ..tolerances import EPS, EVAL_ULPS, H_RANGE, SMALL_STEPS, central_difference_tolerance


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
    got = h.invoke(name, f, x, restore=True)
    problem = compare(got, f.grad(x), f.tolerance(x))
    return problem and Outcome("fail", f"wrong gradient of {f.text}: {problem}", h.last_call)


@check("numerical_diff.values")
def numerical_diff_values(h):
    quadratic = Probe("quadratic", "lambda x: 0.01*x**2 + 0.1*x")
    cases = [  # (f, x, exact f'(x), |f'''| bound, |f| scale)
        (quadratic, 5.0, 0.2, 0.0, 0.75),
        (quadratic, 10.0, 0.3, 0.0, 2.0),
        (Probe("function_tmp1", "lambda x: x**2 + 4.0**2 (function_tmp1)"), 3.0, 6.0,
         0.0, 25.0),
        (Probe("sin", "np.sin"), 1.0, np.cos(1.0), 1.0, 1.0),
        (Probe("exp", "np.exp"), 0.5, np.exp(0.5), np.exp(0.5 + H_RANGE[1]), np.exp(0.5)),
    ]
    small = []
    for f, x, exact, third, scale in cases:
        text = f.text
        got = h.invoke("numerical_diff", f, x)
        problem = compare(got, exact, central_difference_tolerance(scale, third))
        if problem and compare(got, exact, central_difference_tolerance(
                scale, third, SMALL_STEPS)) is None:
            small.append(f"{text} at {x!r}: {problem}")
            continue
        if problem:
            hint = (" (a forward difference (f(x+h) - f(x))/h errs by h|f''|/2; use the "
                    "central difference (f(x+h) - f(x-h)) / 2h with h = 1e-4)")
            return Outcome("fail", f"wrong derivative of {text}: {problem}{hint}",
                           h.last_call)
    if small:
        return Outcome("warn", f"a step smaller than the book's h = 1e-4: its rounding error "
                               f"eps|f|/h shows ({small[0]}); still a usable derivative "
                               f"(section 4.3.1: h = 1e-4 balances rounding and truncation)",
                       h.last_call)
    return Outcome("pass", f"{len(cases)} derivatives within the central-difference error")


@check("numerical_gradient.vector")
def numerical_gradient_vector(h):
    x = np.array([3.0, 4.0])
    return (_numerical_gradient_case(h, "numerical_gradient", SUM_SQUARES, x)
            or _numerical_gradient_case(h, "numerical_gradient", COUPLED, np.array([0.5, -1.5]))
            or Outcome("pass", "gradient of sum(x**2) at [3, 4] is [6, 8]"))


_MATRIX = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def _rows_of(f, x):
    return np.array([f.grad(row) for row in x])


def _whole_rows(f, x):
    """What a loop ``x[i] += h`` over the rows of a 2-D x gives: each row's entries all
    equal the derivative along the whole row (the sum of its gradient's entries)."""
    return np.repeat(f.grad(x).sum(axis=1, keepdims=True), x.shape[1], axis=1)


def matrix_convention(h, name="numerical_gradient"):
    """How ``name`` treats a 2-D x: ``("point", None)`` (one point of any shape, as the
    book's common/gradient.py), ``("rows", None)`` (a batch of points, one per row, as the
    book's ch04/gradient_2d.py), or ``("wrong", outcome)``."""
    def compute():
        try:
            got = h.invoke(name, COUPLED, _MATRIX.copy(), restore=True)
        except (IndexError, ValueError, TypeError) as exc:
            hint = (" -- a loop over range(x.size) with x[idx] takes rows of a 2-D x: go "
                    "element by element with np.nditer or x.reshape(-1)"
                    if getattr(exc, "type_name", "") == "IndexError" else "")
            return "wrong", Outcome("fail", f"crashed on a 2-D x: {describe_exception(exc)}"
                                            f"{hint}", h.last_call)
        tol = COUPLED.tolerance(_MATRIX)
        if compare(got, COUPLED.grad(_MATRIX), tol) is None:
            return "point", None
        if compare(got, _rows_of(COUPLED, _MATRIX), tol) is None:
            return "rows", None
        problem = compare(got, COUPLED.grad(_MATRIX), tol)
        hint = (" -- it perturbs whole rows (x[i] of a 2-D x is a row): go element by "
                "element with np.nditer or x.reshape(-1)"
                if compare(got, _whole_rows(COUPLED, _MATRIX), 1e-6) is None else
                " (numerical_gradient must treat x as one point of any shape)")
        return "wrong", Outcome("fail", f"wrong gradient of {COUPLED.text} at a 2-D x: "
                                        f"{problem}{hint}", h.last_call)
    return h.memo(("matrix", name), compute)


ROWS_NOTE = ("a valid different convention: a 2-D x is a batch of points, f applied to "
             "each row (as the book's ch04/gradient_2d.py); a network's weight matrix "
             "needs the gradient over the whole matrix (the book's common/gradient.py)")


@check("numerical_gradient.matrix")
def numerical_gradient_matrix(h):
    kind, outcome = matrix_convention(h)
    if kind == "rows":
        return Outcome("warn", ROWS_NOTE, fmt_call("numerical_gradient", COUPLED, _MATRIX))
    return outcome or Outcome("pass", "2-D x: matches the exact gradient")


@check("numerical_gradient.array_3d")
def numerical_gradient_3d(h):
    if matrix_convention(h)[0] == "rows":
        raise Skipped("not defined for a 3-D x under its convention (a 2-D x is a batch of "
                      "points, one per row)")
    x = np.linspace(-1.0, 1.3, 12).reshape(2, 3, 2)
    return (_numerical_gradient_case(h, "numerical_gradient", COUPLED, x)
            or Outcome("pass", "3-D x: matches the exact gradient"))


@check("numerical_gradient.closure")
def numerical_gradient_closure(h):
    from .. import oracle
    from ..calling import BOOK_SIGNATURES
    from .simplenet import SIMPLE_CASES, W

    x, t = SIMPLE_CASES[0]
    plan = h.plan("numerical_gradient", BOOK_SIGNATURES["numerical_gradient"])
    if 1 not in plan.positional:
        raise Skipped("its x is keyword-only: verify cannot pass it the book's closure")
    # ignores its argument and reads the array that numerical_gradient perturbs (its x),
    # as the book's f = lambda w: net.loss(x, t) reads net.W
    loss = FunctionSpec("reads_arg", "softmax_cross_entropy", (("x", x), ("t", t)),
                        index=plan.positional.index(1), text="lambda w: net.loss(x, t)")
    got = h.invoke("numerical_gradient", loss, W.copy(), restore=True)
    exact = oracle.grad("simple_net_loss", W, x, t)
    third = oracle.third_derivatives("simple_net_loss", W, x, t)
    value = float(oracle.value("simple_net_loss", W, x, t))
    problem = compare(got, exact, central_difference_tolerance(value, third))
    if problem is None:
        return Outcome("pass", "the book's closure idiom f = lambda w: net.loss(x, t) works")
    kind, _ = matrix_convention(h)
    if kind == "wrong":
        hint = (" -- it is wrong on any 2-D x (see numerical_gradient.matrix), so the "
                "closure idiom inherits that")
    elif np.allclose(np.asarray(got, dtype=float), 0):
        hint = (" -- all zeros although a 2-D x given directly is right: it perturbs a copy "
                "of x, so a function that reads the array through a closure (the book's "
                "idiom) never sees the change")
    else:
        hint = ""
    return Outcome("fail", f"book's closure idiom (SimpleNet dW): {problem}{hint}",
                   "numerical_gradient(lambda w: net.loss(x, t), net.W)")


def _integer_input(h, name):
    x = np.array([3, 4])
    try:
        got = h.invoke(name, SUM_SQUARES, x, restore=True)
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
                   h.last_call)


@check("numerical_gradient.integer_input")
def numerical_gradient_integer(h):
    return _integer_input(h, "numerical_gradient")


def _shape_search(h, name, shapes, *, rows=False):
    from hypothesis import strategies as st

    from gradlab.strategies import finite_arrays

    strategy = st.tuples(st.just(COUPLED), finite_arrays(shapes, bound=2.0))

    def prop(case):
        f, x = case
        got = h.invoke(name, f, x.copy(), restore=True)
        return compare(got, _rows_of(f, x) if rows and x.ndim == 2 else f.grad(x),
                       f.tolerance(x))

    found = h.search(strategy, prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    _, message = found
    return Outcome("fail", f"hypothesis found: {message}", h.last_call)


@check("numerical_gradient.search", quick=False)
def numerical_gradient_search(h):
    from gradlab.strategies import shapes

    rows = matrix_convention(h)[0] == "rows"
    return _shape_search(h, "numerical_gradient",
                         shapes(min_dims=1, max_dims=2 if rows else 3, max_side=4), rows=rows)


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
    name = "numerical_gradient_2d"
    outcome = _numerical_gradient_case(h, name, COUPLED, np.array([0.5, -1.5]))
    if outcome:
        return outcome
    kind, outcome = matrix_convention(h, name)
    if kind == "rows":
        return Outcome("pass", "1-D x and a batch of points (one per row) are right")
    if kind == "point":
        return Outcome("pass", "1-D x right; a 2-D X is treated as one point (not per row)")
    return outcome


_function_2 = Probe("function_2", "lambda x: x[0]**2 + x[1]**2")


@check("gradient_descent.function_2")
def gradient_descent_values(h):
    """20 steps of lr = 0.1 on x0**2 + x1**2 multiply x by exactly 0.8 each (the
    central difference of a quadratic is exact up to roundoff)."""
    init_x, lr, steps = np.array([-3.0, 4.0]), 0.1, 20
    got = h.invoke("gradient_descent", _function_2, init_x.copy(), lr, steps)
    h.side_effects.clear()  # a private copy: mutation is judged by gradient_descent.init_x
    if isinstance(got, tuple | list) and len(got) == 2:  # (x, x_history), gradient_method.py
        got = got[0]
    exact = init_x * (1 - 2 * lr) ** steps
    # per-step roundoff lr * EVAL_ULPS eps |f| / h_min, damped by 0.8 each step
    tol = lr * EVAL_ULPS * EPS * 25.0 / H_RANGE[0] / (2 * lr)
    problem = compare(got, exact, tol)
    if problem:
        return Outcome("fail", f"after {steps} steps of lr = {lr}: {problem}", h.last_call)
    return Outcome("pass", "follows x <- x - lr * grad exactly on function_2")


@check("gradient_descent.init_x")
def gradient_descent_init_x(h):
    from ..calling import BOOK_SIGNATURES

    plan = h.plan("gradient_descent", BOOK_SIGNATURES["gradient_descent"])
    position = plan.positional.index(1) + 1 if 1 in plan.positional else None
    init_x = np.array([-3.0, 4.0])
    h.invoke("gradient_descent", _function_2, init_x, 0.1, 100)
    for i, (severity, message, call) in enumerate(h.side_effects):
        if position is not None and f"argument {position}" in message:
            h.side_effects[i] = (severity, "gradient_descent moved the caller's init_x to the "
                                 "minimum (x = init_x, or the view init_x[:], then x -= lr * "
                                 "grad updates it in place; the book's gradient_method.py "
                                 "does this too): start from x = init_x.copy()", call)
    return Outcome("pass", "reaches the minimum of function_2 without touching init_x")


@check("function_2.values")
def function_2_values(h):
    for x in (np.array([-3.0, 4.0]), np.array([0.5, 0.25])):
        got = h.invoke("function_2", x)
        problem = compare(got, x[0] ** 2 + x[1] ** 2, 16 * EPS * 25)
        if problem:
            return Outcome("fail", f"function_2 should be x0**2 + x1**2: {problem}",
                           h.last_call)
    return Outcome("pass", "x0**2 + x1**2")
