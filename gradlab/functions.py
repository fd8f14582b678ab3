"""Activation and loss functions of chapters 3 and 4 (book names, NumPy).

Every function accepts a float (or complex, for complex-step differentiation)
array of any shape, promotes integer input to float64 as NumPy's ufuncs do,
refuses empty and non-finite input with a message naming the argument, and
never modifies its arguments. Results end in ``[()]``, which turns a 0-d result into a
NumPy scalar and leaves any other array as it is.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    as_targets,
    check_labels,
    check_memory,
    nonnegative_finite,
    positive_int,
)
from .errors import GradlabValueError

__all__ = [
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "identity_function",
    "softmax",
    "mean_squared_error",
    "cross_entropy_error",
    "one_hot",
]

CROSS_ENTROPY_DELTA = 1e-7
"""The book's ``delta``: added inside the log so that log(0) never happens."""


def step_function(x):
    """Heaviside step: 1 where ``x > 0``, else 0 (book section 3.2.2).

    Parameters
    ----------
    x : array_like
        Input of any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``, float dtype (the book returns ``int``; a float
        result keeps later arithmetic in floating point).

    Examples
    --------
    >>> np.allclose(step_function(np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
    True
    """
    arr = as_float_array(x, "x")
    return (arr.real > 0).astype(arr.real.dtype)[()]


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))`` (book section 3.2.4).

    Parameters
    ----------
    x : array_like
        Input of any shape; real or complex.

    Returns
    -------
    ndarray
        Values in (0, 1), same shape and dtype as ``x``.

    Notes
    -----
    The book's expression is kept: it is accurate to rounding everywhere, and
    for ``x < -709`` its ``exp(-x)`` overflows to inf, giving the correct limit
    0. Only the overflow *warning* is silenced. Complex input (used by
    complex-step differentiation) takes a branch per sign of the real part so
    that no ``inf * 0`` turns into nan.

    Examples
    --------
    >>> np.allclose(sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])
    True
    """
    arr = as_float_array(x, "x")
    if arr.dtype.kind == "c":
        return _complex_sigmoid(np.atleast_1d(arr)).reshape(arr.shape)[()]
    with np.errstate(over="ignore", under="ignore"):
        return (1.0 / (1.0 + np.exp(-arr)))[()]


def _complex_sigmoid(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    pos = z.real >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_grad(x):
    """Derivative of :func:`sigmoid` at ``x``: ``(1 - sigmoid(x)) * sigmoid(x)``.

    Parameters
    ----------
    x : array_like
        The *input* of the sigmoid (not its output).

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> np.allclose(sigmoid_grad(np.array([0.0])), [0.25])
    True
    """
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x):
    """Rectified linear unit ``max(0, x)`` (book section 3.2.7).

    Examples
    --------
    >>> np.allclose(relu(np.array([-2.0, 0.0, 3.0])), [0, 0, 3])
    True
    """
    arr = as_float_array(x, "x")
    return (arr * (arr.real > 0))[()]


def relu_grad(x):
    """Derivative of :func:`relu`, with the book's convention ``relu'(0) = 1``.

    Notes
    -----
    ReLU has a kink at 0 where no derivative exists. The book's
    ``common/functions.py`` uses ``x >= 0`` (so 1 at 0); JAX returns 0 there.
    Gradient checks keep their inputs away from 0.

    Examples
    --------
    >>> np.allclose(relu_grad(np.array([-1.0, 0.0, 2.0])), [0, 1, 1])
    True
    """
    arr = as_float_array(x, "x")
    return (arr.real >= 0).astype(arr.real.dtype)[()]


def identity_function(x):
    """Return a copy of ``x`` (the output activation for regression, section 3.4.3).

    Examples
    --------
    >>> np.allclose(identity_function(np.array([1.0, -2.0])), [1.0, -2.0])
    True
    """
    arr = as_float_array(x, "x")
    return arr.copy()[()]


def softmax(a):
    """Softmax over the last axis, shifted by the row maximum (section 3.5.2).

    Parameters
    ----------
    a : array_like
        Logits: shape ``(C,)`` for one sample or ``(N, C)`` for a batch; any
        further leading axes are batch axes too.

    Returns
    -------
    ndarray
        Same shape as ``a``; every row sums to 1.

    Raises
    ------
    ValueError
        If ``a`` is a scalar, empty, or not finite.

    Notes
    -----
    Each row is shifted by *its own* maximum. The chapter-3 snippet subtracts
    the maximum and divides by the sum of the whole array, which is wrong on
    a mini-batch (every row gets the same denominator). The shift uses the
    real part so that complex-step differentiation stays exact.

    Examples
    --------
    >>> y = softmax(np.array([[1010.0, 1000.0, 990.0], [0.0, 0.0, 0.0]]))
    >>> np.allclose(y.sum(axis=1), 1.0) and np.allclose(y[1], 1 / 3)
    True
    """
    arr = as_float_array(a, "a")
    if arr.ndim == 0:
        raise GradlabValueError(
            "a is a scalar; softmax needs at least one axis of classes, e.g. np.array([a])."
        )
    shifted = arr - np.max(arr.real, axis=-1, keepdims=True)
    exp_a = np.exp(shifted)
    return exp_a / np.sum(exp_a, axis=-1, keepdims=True)


def one_hot(t, num_classes: int) -> np.ndarray:
    """Turn integer labels into one-hot rows of length ``num_classes``.

    Parameters
    ----------
    t : array_like of int
        Labels of any shape, each in ``0 .. num_classes-1``.
    num_classes : int
        Length of each row.

    Returns
    -------
    ndarray
        float64, shape ``t.shape + (num_classes,)``: the class axis is last.

    Raises
    ------
    TypeError
        If ``t`` is not integer.
    ValueError
        If a label is out of range or ``num_classes`` is not a positive integer.

    Examples
    --------
    >>> np.allclose(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    True
    """
    num_classes = positive_int(num_classes, "num_classes")
    labels = check_labels(t, num_classes)
    check_memory(labels.size * num_classes * np.float64().itemsize,
                 f"one_hot with num_classes={num_classes}")
    out = np.zeros(labels.shape + (num_classes,))
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


def mean_squared_error(y, t):
    """Sum of squares error ``0.5 * sum((y - t)**2)`` (book section 4.2.1).

    Parameters
    ----------
    y : array_like
        Predictions, any shape.
    t : array_like
        Targets of exactly the same shape (one-hot rows for classification).

    Returns
    -------
    float
        As in the book the sum runs over every element, batch included: it is
        *not* divided by the batch size.

    Raises
    ------
    ValueError
        If the shapes differ (integer labels must be one-hot encoded first,
        see :func:`one_hot`), or either input is empty or not finite.

    Examples
    --------
    >>> y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    >>> t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    >>> np.allclose(mean_squared_error(y, t), 0.0975)
    True
    """
    y_arr = as_float_array(y, "y")
    t_arr = as_float_array(t, "t")
    if y_arr.shape != t_arr.shape:
        hint = (
            " t looks like integer labels: one-hot encode them first, "
            "t = gradlab.one_hot(t, y.shape[-1])."
            if t_arr.ndim == y_arr.ndim - 1
            else ""
        )
        raise GradlabValueError(
            f"y has shape {y_arr.shape} but t has shape {t_arr.shape}; "
            f"mean_squared_error needs targets of the same shape as the predictions.{hint}"
        )
    return 0.5 * np.sum((y_arr - t_arr) ** 2)


def cross_entropy_error(y, t, *, delta: float = CROSS_ENTROPY_DELTA):
    """Cross-entropy error averaged over the batch (book sections 4.2.2–4.2.4).

    Parameters
    ----------
    y : array_like
        Probabilities (softmax outputs): shape ``(C,)`` or ``(N, C)``.
    t : array_like
        Targets, either one-hot (same shape as ``y``) or integer class labels
        (shape ``()`` or ``(N,)``, values in ``0 .. C-1``).
    delta : float, optional
        Added inside the log, as the book does, so that a zero probability
        gives a large finite loss instead of ``inf``. Default 1e-7.

    Returns
    -------
    float
        ``-sum(t * log(y + delta)) / N``; a 1-D ``y`` counts as a batch of one.

    Raises
    ------
    ValueError
        If ``t`` does not match ``y`` in shape, a label is out of range, ``y``
        has negative entries (logits instead of probabilities), or any input is
        empty or not finite.
    TypeError
        If labels are not integers.

    Notes
    -----
    The memo this project grew from has three bugs here: ``delta = le-7`` (a
    NameError: the letter l, not the digit 1), ``bathch_size``/``bathc_size``
    (two more NameErrors), and a batch version that multiplies one-hot ``t``
    by ``y[np.arange(N), t]``, mixing the two target forms. Because of
    ``delta`` the exact gradient is not ``(y - t) / N`` but differs from it by
    about ``delta / y`` relative (≈3e-7 at y ≈ 0.3).

    Examples
    --------
    >>> y = np.array([[0.1, 0.6, 0.3], [0.8, 0.1, 0.1]])
    >>> a = cross_entropy_error(y, np.array([1, 0]))
    >>> b = cross_entropy_error(y, np.array([[0, 1, 0], [1, 0, 0]]))
    >>> np.allclose(a, b) and np.allclose(a, -(np.log(0.6) + np.log(0.8)) / 2, atol=1e-6)
    True
    """
    delta = nonnegative_finite(delta, "delta")
    y_arr = as_float_array(y, "y")
    if y_arr.ndim == 0:
        raise GradlabValueError("y is a scalar; pass probabilities of shape (C,) or (N, C).")
    if np.any(y_arr.real < 0):
        raise GradlabValueError(
            "y has negative entries, so it is not a probability distribution; "
            "cross_entropy_error expects softmax outputs. Did you pass logits? "
            "Apply softmax first."
        )
    target = as_targets(t, y_arr.shape)
    batch_size = y_arr.size // y_arr.shape[-1]  # leading axes are batch axes, as in softmax
    y2 = y_arr.reshape(batch_size, y_arr.shape[-1])
    if target.one_hot is not None:
        return -np.sum(target.one_hot.reshape(y2.shape) * np.log(y2 + delta)) / batch_size
    picked = y2[np.arange(batch_size), target.labels.reshape(batch_size)]
    return -np.sum(np.log(picked + delta)) / batch_size
