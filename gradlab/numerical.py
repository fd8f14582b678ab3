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

from ._validation import (
    as_float_array,
    as_scalar,
    check_callable,
    dtype_eps,
    finite_step,
    is_narrow,
    is_number_dtype,
    perturbable,
    where,
)
from .errors import (
    GradlabTypeError,
    GradlabValueError,
    PrecisionWarning,
    StepLostError,
    user_stacklevel,
)

__all__ = ["numerical_diff", "numerical_gradient", "step_lost", "DEFAULT_H"]

DEFAULT_H = 1e-4
"""The book's step. Optimal for float64 central differences is ~6e-6."""


def step_lost(where: str, value, h: float) -> StepLostError:
    """The error for ``value + h == value``: the step is below the float spacing at ``value``.

    ``value`` is a NumPy scalar of the perturbed array's dtype; ``where`` names the element.
    Every finite-difference routine in gradlab raises this one.
    """
    dtype = np.asarray(value).dtype
    real = float(np.real(value))
    spacing = float(np.spacing(np.abs(np.real(value))))
    return StepLostError(
        f"{where} = {real:.8g}: x + h == x in {dtype}, because h = {h:g} is below the "
        f"spacing of {dtype} numbers there ({spacing:.3g}), so the step is lost to rounding. Use a "
        f"wider dtype, a larger h, or rescale x (gradient descent that diverged ends here)."
    )


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


def numerical_diff(f: Callable, x, h: float = DEFAULT_H):
    """Central-difference derivative ``(f(x + h) - f(x - h)) / step`` (section 4.3.1).

    Parameters
    ----------
    f : callable
        Function of one variable. If ``x`` is an array, ``f`` is applied
        elementwise and must return an array of ``x``'s shape: the result is
        the elementwise derivative.
    x : float or array_like
        Point of differentiation; integers are promoted to float64, float32
        stays float32.
    h : float, optional
        Step, default 1e-4 as in the book.

    Returns
    -------
    numpy scalar or ndarray
        The derivative estimate: a scalar for scalar ``x``, else an array of
        ``x``'s shape.

    Raises
    ------
    ValueError
        If ``h`` is not positive and finite, ``x`` is empty or not finite, or
        ``f`` returns nan/inf or an array of another shape.
    StepLostError
        A ``ValueError``: ``x + h == x`` for some element (the book's version
        silently returns 0 there, and 1.22 for ``f(x) = x`` at ``x = 1e12``).
    TypeError
        If ``x`` or ``f``'s output is not numeric, or ``f`` is not callable.

    Warns
    -----
    PrecisionWarning
        If ``x`` is float16 or float32, with the size of the expected error.

    Notes
    -----
    The central difference has truncation error ``h**2 |f'''| / 6``; the
    forward difference ``(f(x+h) - f(x)) / h`` of section 4.3.1's first
    attempt has ``h |f''| / 2``, much larger at the same ``h``. As in
    :func:`numerical_gradient`, the division is by the step actually
    represented, ``(x + h) - (x - h)`` in ``x``'s dtype, not by ``2h``.

    Examples
    --------
    >>> np.allclose(numerical_diff(lambda x: x * x + 4.0 * 2.0, 3.0), 6.0)
    True
    """
    h = finite_step(h)
    check_callable(f)
    arr = as_float_array(x, "x")
    plus, minus = arr + h, arr - h
    step = plus - minus
    lost = np.flatnonzero(step == 0)
    if lost.size:
        index = np.unravel_index(lost[0], arr.shape)
        raise step_lost(where("x", index), arr[index], h)
    _warn_if_narrow(arr, h)
    fp = _elementwise(f(plus[()]), arr.shape, "x + h")  # [()]: a scalar for 0-d x
    fm = _elementwise(f(minus[()]), arr.shape, "x - h")
    result = (fp - fm) / step
    bad = np.flatnonzero(~np.isfinite(result))
    if bad.size:
        at = where("x", np.unravel_index(bad[0], arr.shape))
        raise GradlabValueError(f"f returned nan or inf within h = {h:g} of {at}; the "
                                f"derivative is undefined there.")
    return result[()]


def _elementwise(value, shape: tuple, at: str) -> np.ndarray:
    """f's output at ``x +/- h``: a number for 0-d x, else an array of x's shape."""
    if not shape:
        return np.asarray(as_scalar(value, "f", f"at {at}"))
    try:
        out = np.asarray(value)
    except ValueError:  # a ragged list
        out = np.asarray(None)
    if not is_number_dtype(out.dtype):
        raise GradlabTypeError(f"f returned {type(value).__name__} at {at}; numerical_diff "
                               f"applies f elementwise, so it must return an array of x's "
                               f"shape {shape}.")
    if out.shape != shape:
        raise GradlabValueError(f"f returned shape {out.shape} at {at} for x of shape {shape}; "
                                f"numerical_diff applies f elementwise, so it must return an "
                                f"array of x's shape (use numerical_gradient for a scalar f).")
    return out


def numerical_gradient(f: Callable, x, h: float = DEFAULT_H) -> np.ndarray:
    """Gradient of a scalar function by central differences, one element at a time.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``. It may ignore its argument and read ``x`` through
        a closure instead, as the book's ``lambda W: net.loss(x, t)`` does:
        ``x`` is perturbed *in place*, so such closures see each change.
    x : ndarray
        Float array of any shape and memory layout (0-d, Fortran order and
        strided views included). Its elements are restored bit-for-bit before
        returning, also when ``f`` raises or modifies ``x``. A list or Python
        number is copied into a new array first (integers become float64).

    h : float, optional
        Step, default 1e-4 as in the book.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x`` (C order).

    Raises
    ------
    TypeError
        If ``x`` is an integer or boolean array (the in-place perturbation
        would be truncated: the book's code returns garbage there), an
        ``np.matrix`` or a masked array, or ``f`` returns something that is not
        a number.
    ValueError
        If ``x`` is empty, not finite or not writeable, ``f`` returns a
        non-scalar or non-finite value, or ``f`` modifies ``x``.
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
    h = finite_step(h)
    check_callable(f)
    arr = perturbable(x)
    if not isinstance(x, np.ndarray):
        x = arr  # f gets the new array; nothing outside could see a copy anyway
    _warn_if_narrow(arr, h)
    before = arr.copy()
    grad = np.zeros(arr.shape, dtype=arr.dtype)  # C order: flat_grad below is a view
    flat_x, flat_grad = arr.flat, grad.ravel()  # arr.flat writes into arr in any layout
    try:
        for i in range(arr.size):
            original = flat_x[i]
            try:
                flat_x[i] = original + h
                plus = flat_x[i]
                fxh1 = f(x)
                moved = flat_x[i] != plus  # f changed the perturbed element itself: restoring
                flat_x[i] = original - h   # it below would hide that
                step = plus - flat_x[i]
                minus = flat_x[i]
                fxh2 = f(x)
                moved = moved or flat_x[i] != minus
            finally:
                flat_x[i] = original
            if moved:
                raise _modified()
            if step == 0:
                raise step_lost(where("x", np.unravel_index(i, arr.shape)), original, h)
            if not (isinstance(fxh1, float) and isinstance(fxh2, float)  # np.float64 too
                    and math.isfinite(fxh1) and math.isfinite(fxh2)):  # slow path: bad or
                fxh1, fxh2 = _outputs(fxh1, fxh2, i, arr)           # non-float64 outputs
            flat_grad[i] = (fxh1 - fxh2) / step
    finally:
        changed = not _identical(before, arr)
        if changed:
            arr[...] = before
    if changed:
        raise _modified()
    return grad


def _modified() -> GradlabValueError:
    return GradlabValueError(
        "f modified x; numerical_gradient perturbs x itself and needs f to leave it as "
        "it found it. x has been restored; copy x inside f before changing it.")


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit the same finite numbers (-0.0 is not 0.0; longdouble's padding is no number)."""
    return np.array_equal(a, b) and all(np.array_equal(np.signbit(p(a)), np.signbit(p(b)))
                                        for p in (np.real, np.imag))


def _outputs(fxh1, fxh2, i: int, arr: np.ndarray):
    """f's two values at element ``i`` as scalars, or raise naming the element."""
    at = f"at {where('x', np.unravel_index(i, arr.shape))}"
    values = [as_scalar(value, "f", f"{at} {side} h")
              for value, side in ((fxh1, "+"), (fxh2, "-"))]
    if arr.dtype.kind != "c" and any(np.iscomplexobj(v) for v in values):
        raise GradlabTypeError(f"f returned a complex number {at} +/- h for real x; return "
                               f"its real part, or pass a complex x.")
    return values
