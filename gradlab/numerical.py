"""Numerical differentiation: the book's central differences, made robust.

Central difference error model (used throughout gradlab)::

    |numeric - exact| <~ h**2 * |f'''| / 6   +   eps * |f| / h
                         (truncation)            (roundoff)

so the best step is about ``eps**(1/3)``: 6e-6 in float64 and 5e-3 in
float32. The book's ``h = 1e-4`` is fine in float64 (error ~1e-8 relative to
|f|) and gives about 1e-3 relative error in float32.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from ._validation import check_float_dtype, check_nonempty, dtype_eps, is_narrow
from .errors import PrecisionWarning, StepLostError, user_stacklevel

__all__ = ["numerical_diff", "numerical_gradient", "step_lost", "DEFAULT_H"]

DEFAULT_H = 1e-4
"""The book's step. Optimal for float64 central differences is ~6e-6."""


def _check_h(h: float) -> float:
    h = float(h)
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step, got {h}; the book uses h = 1e-4.")
    return h


def _scalar_value(fx, where: str):
    """Return f's output as a scalar, or raise naming ``where`` it was evaluated."""
    value = np.asarray(fx)
    if value.size != 1:
        raise ValueError(
            f"f returned an array of shape {value.shape} {where}; numerical_gradient "
            f"differentiates a scalar function. Reduce the output (e.g. np.sum) or "
            f"differentiate each output separately."
        )
    value = value.reshape(())[()]
    if not np.isfinite(value):
        raise ValueError(f"f returned {value} {where}; the gradient is undefined there.")
    return value


def numerical_diff(f: Callable, x, h: float = DEFAULT_H):
    """Central-difference derivative ``(f(x + h) - f(x - h)) / (2h)`` (section 4.3.1).

    Parameters
    ----------
    f : callable
        Function of one variable. If ``x`` is an array, ``f`` is applied
        elementwise and the result is the elementwise derivative.
    x : float or array_like
        Point of differentiation.
    h : float, optional
        Step, default 1e-4 as in the book.

    Returns
    -------
    float or ndarray
        The derivative estimate.

    Raises
    ------
    ValueError
        If ``h`` is not positive and finite, or ``f`` returns nan/inf.

    Notes
    -----
    The central difference has truncation error ``h**2 |f'''| / 6``; the
    forward difference ``(f(x+h) - f(x)) / h`` of section 4.3.1's first
    attempt has ``h |f''| / 2``, much larger at the same ``h``.

    Examples
    --------
    >>> np.allclose(numerical_diff(lambda x: x * x + 4.0 * 2.0, 3.0), 6.0)
    True
    """
    h = _check_h(h)
    result = (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2 * h)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"f returned nan or inf within h = {h} of x; the derivative is undefined.")
    return result[()] if np.ndim(result) == 0 else result


def step_lost(where: str, value, h: float) -> StepLostError:
    """The error for ``value + h == value``: the step is below the float spacing at ``value``.

    ``value`` is a NumPy scalar of the perturbed array's dtype; ``where`` names the element.
    Every finite-difference routine in gradlab raises this one.
    """
    dtype = np.asarray(value).dtype
    spacing = float(np.spacing(np.abs(value)))
    return StepLostError(
        f"{where} = {float(value):.8g}: x + h == x in {dtype}, because h = {h:g} is below the "
        f"spacing of {dtype} numbers there ({spacing:.3g}), so the step is lost to rounding. Use a "
        f"wider dtype, a larger h, or rescale x (gradient descent that diverged ends here)."
    )


def _index(flat_index: int, shape: tuple) -> str:
    return str(list(int(i) for i in np.unravel_index(flat_index, shape)))


def _warn_if_narrow(x: np.ndarray, h: float) -> None:
    if not is_narrow(x.dtype):
        return
    eps = dtype_eps(x.dtype)
    warnings.warn(
        f"x is {x.dtype}: with h = {h:g} the roundoff error of each partial derivative "
        f"is about eps*|f|/h = {eps / h:.1e} x |f(x)| (eps = {eps:.1e}). "
        f"Use x.astype(np.float64) for a trustworthy gradient, or h ~ eps**(1/3) "
        f"= {eps ** (1 / 3):.0e}.",
        PrecisionWarning,
        stacklevel=user_stacklevel(),
    )


def numerical_gradient(f: Callable, x, h: float = DEFAULT_H) -> np.ndarray:
    """Gradient of a scalar function by central differences, one element at a time.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``. It may ignore its argument and read ``x`` through
        a closure instead, as the book's ``lambda W: net.loss(x, t)`` does:
        ``x`` is perturbed *in place*, so such closures see each change.
    x : ndarray
        Float array of any shape (0-d included). Its elements are restored
        bit-for-bit before returning, also when ``f`` raises.
    h : float, optional
        Step, default 1e-4 as in the book.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``.

    Raises
    ------
    TypeError
        If ``x`` has an integer or boolean dtype: the in-place perturbation
        would be truncated (the book's code returns garbage there).
    ValueError
        If ``x`` is empty, not writeable, or ``f`` returns a non-scalar or
        non-finite value.
    StepLostError
        A ``ValueError``: ``x + h == x`` for some element (``x`` is so large
        that the step is lost to rounding; the book silently returns 0 there).

    Warns
    -----
    PrecisionWarning
        If ``x`` is float16 or float32, with the size of the expected error.

    Notes
    -----
    Section 4.4's version only handles 1-D arrays. This one walks every
    element of any shape and divides by the step actually represented,
    ``(x + h) - (x - h)`` rounded to ``x``'s dtype, rather than by ``2h``.

    Examples
    --------
    >>> grad = numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]))
    >>> np.allclose(grad, [6.0, 8.0])
    True
    """
    h = _check_h(h)
    if not isinstance(x, np.ndarray):
        x = np.array(x, dtype=np.float64) if np.asarray(x).dtype.kind in "biu" else np.array(x)
    check_float_dtype(x, "x")
    check_nonempty(x, "x")
    if not x.flags.writeable:
        raise ValueError(
            "x is read-only; numerical_gradient perturbs x in place. Pass x.copy()."
        )
    _warn_if_narrow(x, h)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1) if x.flags.c_contiguous else x.flat, grad.reshape(-1)
    for i in range(x.size):
        original = flat_x[i]
        try:
            flat_x[i] = original + h
            plus = flat_x[i]
            fxh1 = f(x)
            flat_x[i] = original - h
            step = plus - flat_x[i]
            fxh2 = f(x)
        finally:
            flat_x[i] = original
        if step == 0:
            raise step_lost(f"x{_index(i, x.shape)}", original, h)
        if not (isinstance(fxh1, float) and isinstance(fxh2, float)  # np.float64 too
                and math.isfinite(fxh1) and math.isfinite(fxh2)):  # slow path: only for bad
            where = f"at x{_index(i, x.shape)} +/- h"                # or non-float64 outputs
            fxh1, fxh2 = _scalar_value(fxh1, where), _scalar_value(fxh2, where)
        flat_grad[i] = (fxh1 - fxh2) / step
    return grad
