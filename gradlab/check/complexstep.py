"""Complex step, in one place: ``Im f(x + i h v) / h`` along coordinates or directions.

No subtraction, so the step can be tiny (``COMPLEX_STEP = 1e-20``) and the error is
rounding only (:func:`gradlab.check.methods.complex_error`). f must be complex-analytic
and read x through its argument: :func:`unavailable` says why not, in one evaluation,
and the check falls back to central differences.
"""

from __future__ import annotations

import numpy as np

from .lines import Judged
from .methods import COMPLEX_STEP, complex_error
from .problem import Problem


def unavailable(problem: Problem, rng) -> str | None:
    """Why f cannot be differentiated by complex step (None when it can). One evaluation."""
    v = rng.standard_normal(problem.space.size)
    try:
        value = _value(problem, v, "on complex input")
    except Exception as exc:  # any failure on complex input means: fall back
        return f"f raised {type(exc).__name__} on complex input ({exc})"
    if np.all(np.imag(value) == 0):  # along a random v: f dropped it, or f is constant
        return ("f dropped the imaginary part (abs, np.real, float(), np.maximum, comparisons, "
                "or writing into a real array are not complex-analytic), or f ignores its "
                "argument and reads the arrays through a closure")
    return None


def _value(problem: Problem, v: np.ndarray, where: str) -> np.ndarray:
    """f at x + i h v, on a complex copy of x."""
    space = problem.space.complex_copy()
    for k, leaf in enumerate(space.leaves):
        leaf.array += 1j * COMPLEX_STEP * v[space.offsets[k]:space.offsets[k + 1]].reshape(
            leaf.array.shape)
    return problem.ev.complex_value(space, where)


def slope(problem: Problem, v: np.ndarray, where: str) -> np.ndarray:
    """The derivative of every output along ``v`` (``where`` names the point)."""
    return _value(problem, v, where).imag / COMPLEX_STEP


def coordinates(problem: Problem, rows=None) -> Judged:
    """Every coordinate (or ``rows``) on its own."""
    rows = range(problem.space.size) if rows is None else rows
    numeric = np.empty((len(rows), problem.claimed.shape[1]))
    for r, i in enumerate(rows):
        e = np.zeros(problem.space.size)
        e[i] = 1.0
        numeric[r] = slope(problem, e, f"at {problem.space.where(i)} + ih")
    return _judged(numeric, problem.scale(numeric, True), None, problem.eps_f)


def directions(problem: Problem, dirs: np.ndarray, magnitude: np.ndarray) -> Judged:
    """Each direction ``d``: the claim ``grad . d`` against ``Im f(x + i h d) / h``."""
    numeric = np.array([slope(problem, d, f"at x + ih * direction {r}")
                        for r, d in enumerate(dirs)])
    return _judged(numeric, magnitude, dirs @ problem.claimed, problem.eps_f)


def _judged(numeric, scale, claimed, eps) -> Judged:
    zeros, nan = np.zeros(numeric.shape), np.full(numeric.shape, np.nan)
    none = np.zeros(numeric.shape[1])
    return Judged(numeric, zeros, complex_error(numeric, scale, eps), zeros.astype(int), nan,
                  nan, claimed, none, none, 0, 0)
