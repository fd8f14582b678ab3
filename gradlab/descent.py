"""Gradient descent with a numerical gradient (book section 4.4.1)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ._validation import as_float_array, check_callable, nonnegative_int, positive_finite
from .errors import DivergenceWarning, StepLostError, user_stacklevel
from .numerical import numerical_gradient

__all__ = ["gradient_descent"]


def gradient_descent(
    f: Callable,
    init_x,
    lr: float = 0.01,
    step_num: int = 100,
    *,
    return_path: bool = False,
):
    """Minimise ``f`` by ``x <- x - lr * grad f(x)``, ``step_num`` times.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    init_x : array_like
        Starting point. Never modified (the book's version updates it in place
        with ``x -= lr * grad``, so the caller's array ends at the minimum).
    lr : float, optional
        Learning rate, default 0.01.
    step_num : int, optional
        Number of updates, default 100.
    return_path : bool, optional
        Also return the visited points, as the book's ``gradient_method.py``
        does for its plot.

    Returns
    -------
    x : ndarray
        The final point (float64, or the float dtype of ``init_x``).
    path : ndarray, only if ``return_path``
        Shape ``(steps + 1, *x.shape)``: the start, then the point after each
        update.

    Raises
    ------
    StepLostError
        If the step of the numerical gradient is lost to rounding at a point
        no larger than ``init_x`` (float16 near 1, say): the dtype is too
        coarse, which is no divergence.
    TypeError, ValueError
        For a bad ``f``, ``init_x`` (non-numeric, empty, non-finite), ``lr``
        or ``step_num``.

    Warns
    -----
    DivergenceWarning
        If the iteration diverges (``x`` stops being finite, or grows so large
        that a step of ``h`` is lost to rounding): descent stops there and
        returns what it has. ``lr = 10`` on ``x0**2 + x1**2`` does this. The
        book prints ``[-2.6e13, -1.3e12]`` for it: at that size ``x + h == x``,
        so its numerical gradient is silently 0 and the iteration freezes.

    Examples
    --------
    >>> f = lambda x: x[0] ** 2 + x[1] ** 2
    >>> np.allclose(gradient_descent(f, np.array([-3.0, 4.0]), lr=0.1), [0, 0], atol=1e-8)
    True
    """
    check_callable(f)
    step_num = nonnegative_int(step_num, "step_num")
    lr = positive_finite(lr, "lr")
    x = as_float_array(init_x, "init_x").copy()  # init_x stays put
    path = [x.copy()]
    for step in range(step_num):
        try:
            grad = numerical_gradient(f, x)
        except StepLostError as exc:
            if np.max(np.abs(x)) <= np.max(np.abs(path[0])):  # not diverged: x is too coarse
                raise StepLostError(f"gradient descent cannot take step {step + 1} from init_x "
                                    f"({x.dtype}): {exc}") from None
            _warn_diverged(step, lr, x)
            break
        with np.errstate(over="ignore"):  # an overflow (to inf) is handled just below
            x = x - lr * grad
        if not np.all(np.isfinite(x)):
            _warn_diverged(step + 1, lr, x)
            x = path[-1]
            break
        path.append(x.copy())
    return (x, np.array(path)) if return_path else x


def _warn_diverged(step: int, lr: float, x: np.ndarray) -> None:
    warnings.warn(
        f"gradient descent diverged after {step} steps (lr = {lr:g}; max |x| = "
        f"{np.max(np.abs(x)):.3g}); stopped there. Use a smaller learning rate.",
        DivergenceWarning,
        stacklevel=user_stacklevel(),
    )
