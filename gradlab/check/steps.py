"""Steps that float32 data keeps: where a wider x holds float32 numbers, so do x ± s.

The checker divides by the step represented in x's dtype, ``(x + s) - x``. That is
the step f sees only if f reads x at x's precision. An f that stores its argument
in float32 (a float32 net whose arrays are written with the check's values,
``x.astype(np.float32)`` inside f) sees ``fl32(x + s) - x`` instead: off by up to
half a float32 ulp, a relative error of ``ulp32 / (2 s)``, about 0.5% at the base
step of float64 (1.2e-5 against 6e-8) and 16% at h/32. No measurement of the
checker can see it: where x is a float32 number the rounding error is odd in s, so
the second and fourth differences (the noise estimate) cancel it, and half the
time ``round(s / u) = 2 round(s / 2u)``, so the error is the same relative error
at h and h/2 and Richardson's truncation estimate ``|D(h) - D(h/2)| / 3`` is zero.
Measured before this module: 50 of 50 correct gradients of such an f failed in full
mode, 12 of 50 in fast mode.

So where x's dtype is wider than float32 and ``x_i`` is a float32 number (float32
data upcast, integers, 0.5), the checker takes ``x_i ± s`` on the float32 grid:
the represented step is then the same at both precisions, exact for any f. For an
f that reads x in float64 nothing changes but the steps, by at most CLOSE of
themselves. (An x that is *not* float32 data, given to an f that rounds it, is
rounded by f itself and stays outside this model: give x in the dtype f uses.)
"""

from __future__ import annotations

import numpy as np

from .._validation import dtype_eps

CLOSE = 0.25
"""A step is moved to the float32 grid only when that changes it by at most this fraction
(a user's h below float32's resolution keeps its own step): consecutive levels then keep a
ratio within [1.2, 3.3], which Richardson's exact-ratio formulas take."""

_F32_EPS = float(np.finfo(np.float32).eps)


def float32_data(space) -> np.ndarray:
    """Per coordinate of ``space`` (a :class:`~gradlab.check.space.Space`): its dtype is
    wider than float32 and its value is a float32 number."""
    x = space.point()
    eps = np.concatenate([np.full(leaf.array.size, dtype_eps(leaf.array.dtype))
                          for leaf in space.leaves])
    with np.errstate(over="ignore", invalid="ignore"):
        same = np.float32(x).astype(np.float64) == x
    return (eps < _F32_EPS) & same & np.isfinite(x)


def snapped(x: np.ndarray, s: np.ndarray, grid: np.ndarray, finest: int,
            coarsest: int) -> np.ndarray:
    """Base steps ``s`` (signed) for which every ``x ± s 2**j``, ``finest <= j <= coarsest``,
    is a float32 number where ``grid`` allows; elsewhere ``s`` itself.

    ``s`` becomes a multiple of ``2**-finest`` float32 ulps at ``|x| + 2**coarsest |s|``
    (the largest point reached), where ``x`` is a multiple of that ulp (no binade is
    crossed upwards) and the move is within CLOSE of ``s``. Points ``x ± s 2**j`` are then
    multiples of the ulp no larger than that point: float32 numbers. The steps stay
    symmetric and exactly ``2**j`` apart, as the error model's differences assume.

    Examples
    --------
    >>> x = np.array([1.0, 0.1])
    >>> s = snapped(x, np.array([1.2e-5, 1.2e-5]), np.array([True, False]), -5, 6)
    >>> p = x[0] - s[0] / 32
    >>> bool(np.float32(p) == p), bool(s[1] == 1.2e-5), np.allclose(s, 1.2e-5, rtol=CLOSE)
    (True, True, True)
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ulp = np.spacing(np.float32(np.abs(x) + 2.0 ** coarsest * np.abs(s))).astype(
            np.float64)
        quantum = ulp * 2.0 ** -finest
        moved = quantum * np.round(s / quantum)
        aligned = np.round(x / ulp) * ulp == x
    use = (grid & aligned & np.isfinite(moved) & (moved != 0)
           & (np.abs(moved - s) <= CLOSE * np.abs(s)))
    return np.where(use, moved, s)
