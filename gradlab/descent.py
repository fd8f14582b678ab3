"""Gradient descent with a numerical gradient (book section 4.4.1)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ._validation import as_float_array
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
    if int(step_num) != step_num or step_num < 0:
        raise ValueError(f"step_num must be a non-negative integer, got {step_num!r}.")
    lr = float(lr)
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite learning rate, got {lr}.")
    x = np.array(as_float_array(init_x, "init_x"), copy=True)
    path = [x.copy()]
    for step in range(int(step_num)):
        try:
            grad = numerical_gradient(f, x)
        except StepLostError:
            _warn_diverged(step, lr, x)
            break
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
