"""What every structured finite-difference kernel for TwoLayerNet shares: one validated setup.

The NumPy kernel (:mod:`gradlab.fastfd.structured`) and the JAX kernel
(:mod:`gradlab.fastfd.jax_kernel`) start from the same :class:`Setup`, built by
:func:`prepare`: the validated float64 parameters and inputs, the target terms, the
unperturbed forward pass, the steps actually represented, and the terms every W1/b1
perturbation shares (:func:`w1_terms`). So the two refuse the same inputs and differ
only in how they evaluate the perturbed losses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import (
    TWO_LAYER_NET_PARAMS,
    as_float_array,
    as_targets,
    check_finite,
    check_params,
    finite_step,
    nonnegative_finite,
)
from ..errors import GradlabTypeError, GradlabValueError
from ..numerical import step_lost

__all__ = ["Setup", "W1Terms", "prepare", "w1_terms", "series_degree", "MAX_SERIES_DEGREE"]

MAX_SERIES_DEGREE = 24
"""Beyond this degree the series costs more than ``C`` exps; evaluate them directly."""

_LOG_HALF_ULP = -54 * math.log(2.0)

_SHIFT_TOL = 1e-9
"""Largest ``|(d - h) x|`` for which ``exp(-(d - h) x) = 1 - (d - h) x`` holds to rounding."""


def series_degree(r: float, max_degree: int = MAX_SERIES_DEGREE) -> int | None:
    """Smallest K whose exp-series remainder is below half an ulp for ``|argument| <= r``.

    The truncated series of ``sum_c E_c exp(a_c)`` with ``|a_c| <= r`` has
    relative error at most ``r**(K+1) exp(2 r) / (K+1)!``, compared here in
    logarithms so that no ``r`` overflows. Returns None when no
    ``K <= max_degree`` is enough.

    Examples
    --------
    >>> series_degree(0.0), series_degree(1e-3), series_degree(100.0), series_degree(1e300)
    (0, 4, None, None)
    """
    if r == 0:
        return 0
    for k in range(max_degree + 1):
        if (k + 1) * math.log(r) + 2 * r - math.lgamma(k + 2) <= _LOG_HALF_ULP:
            return k
    return None


@dataclass(frozen=True)
class Setup:
    """A TwoLayerNet loss at one point, ready for the perturbation kernels.

    ``cls, wt`` (R, N) are the target terms: ``loss_n = -sum_r wt log(y[n, cls] +
    delta)``; ``a1, z1`` (N, H) the hidden layer, ``E`` (N, C) the max-shifted
    ``exp`` of the logits.
    """

    params: dict
    x: np.ndarray
    cls: np.ndarray
    wt: np.ndarray
    a1: np.ndarray
    z1: np.ndarray
    E: np.ndarray
    h: float
    delta: float


def _float64_params(params) -> dict:
    p = check_params(params, TWO_LAYER_NET_PARAMS)
    bad = [k for k, v in p.items() if v.dtype != np.float64]
    if bad:
        raise GradlabTypeError(
            f"params {bad} are not float64; the structured finite differences reproduce the "
            f"loop in float64 only. Cast them (net.params[k] = v.astype(np.float64)) or use "
            f"method='loop'.")
    for key, value in p.items():
        check_finite(value, f"params[{key!r}]")
    return p


def _inputs(x, n_features: int) -> np.ndarray:
    if np.iscomplexobj(x):
        raise GradlabTypeError("x is complex; the structured finite differences work in "
                               "float64. Use method='loop' (net.numerical_gradient).")
    arr = as_float_array(x, "x", allow_complex=False)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_features:
        raise GradlabValueError(f"x has shape {arr.shape}; this network takes (N, "
                                f"{n_features}) or ({n_features},) inputs.")
    return arr


def _target_terms(t, y_shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``(cls, wt)``: one term for labels or one-hot rows, else one per class that occurs."""
    target = as_targets(t, y_shape, "t")
    n_rows = math.prod(y_shape[:-1])
    if target.labels is not None:
        return target.labels.reshape(1, n_rows).astype(np.intp), np.ones((1, n_rows))
    hot = target.one_hot.reshape(n_rows, y_shape[-1]).astype(np.float64)
    if np.all((hot == 0) | (hot == 1)) and np.all(hot.sum(axis=1) == 1):
        return np.argmax(hot, axis=1)[None, :], np.ones((1, n_rows))
    used = np.flatnonzero(np.any(hot != 0, axis=0))
    cls = np.broadcast_to(used[:, None], (used.size, n_rows)).copy()
    return cls, hot[:, used].T.copy()


def forward(params: dict, x: np.ndarray):
    """``(a1, z1, E)`` of a float64 batch ``x`` (N, D)."""
    with np.errstate(over="ignore"):
        a1 = x @ params["W1"] + params["b1"]
        z1 = 1.0 / (1.0 + np.exp(-a1))
    a2 = z1 @ params["W2"] + params["b2"]
    E = np.exp(a2 - a2.max(axis=1, keepdims=True))
    return a1, z1, E


def prepare(params, x, t, *, h: float, delta: float) -> Setup:
    """Validate a TwoLayerNet's ``params``, a batch and its targets; run the forward pass.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,), float64 and finite.
    x : array_like
        Inputs (N, D) or (D,), real.
    t : array_like
        Integer labels of shape ``x.shape[:-1]``, or one-hot (or soft) rows (N, C).
    h, delta : float
        The step (positive, finite) and the loss's delta (finite, >= 0).

    Returns
    -------
    Setup

    Raises
    ------
    TypeError
        Parameters not float64, complex ``x``, non-integer labels.
    ValueError
        Wrong keys or shapes, non-finite values, labels out of range, bad ``h`` or ``delta``.
    """
    p = _float64_params(params)
    h, delta = finite_step(h), nonnegative_finite(delta, "delta")
    x_arr = _inputs(x, p["W1"].shape[0])
    x2 = np.atleast_2d(x_arr).astype(np.float64)
    cls, wt = _target_terms(t, x_arr.shape[:-1] + p["W2"].shape[1:])
    a1, z1, E = forward(p, x2)
    return Setup(p, x2, cls, wt, a1, z1, E, h, delta)


def steps(p: np.ndarray, h: float, names: tuple[str, str]):
    """Changes actually applied by ``p + h`` and ``p - h``, and the represented step.

    ``p`` stacks a weight matrix and its bias as the last row; ``names`` name the two, for
    the error raised where a step is lost to rounding (as the loop raises it).
    """
    plus, minus = p + h, p - h
    step = plus - minus
    if not step.all():
        r, c = (int(i) for i in np.argwhere(step == 0)[0])
        where = f"params['{names[0]}'][{r}, {c}]" if r < len(p) - 1 else \
            f"params['{names[1]}'][{c}]"
        raise step_lost(where, p[r, c], h)
    return plus - p, minus - p, step


def _target_gaps(W2, cls):
    """gaps[r, j, n, c] = W2[j, c] - W2[j, cls[r, n]]: how logit c moves against the target."""
    return W2[None, :, None, :] - np.moveaxis(W2[:, cls], 0, 1)[..., None]


def _moments(E, W2, cls, degree):
    """Horner coefficients c[r, k, j, n] = sum_c E[n,c] (W2[j,c] - W2[j,cls[r,n]])**k / k!."""
    target_w = np.moveaxis(W2[:, cls], 0, 1)  # (R, H, N), one class at a time: small memory
    coef = np.zeros((cls.shape[0], degree + 1) + target_w.shape[1:])
    for c in range(W2.shape[1]):
        gap = W2[None, :, c, None] - target_w
        term = np.broadcast_to(E[:, c], gap.shape).copy()
        for k in range(degree + 1):
            coef[:, k] += term / math.factorial(k)
            term *= gap
    return coef


@dataclass(frozen=True)
class W1Terms:
    """What every W1/b1 perturbation shares (b1 is W1's row for an input column of ones).

    ``dp, dm, step`` (D+1, H): changes applied by ``+h``/``-h`` and the represented
    step; ``xT`` (D+1, N); ``a1T, zT`` (H, N); ``coef``: Horner coefficients of the
    softmax denominator's series (None when the series is too long, then ``diff``
    holds the logit gaps for direct exps); ``Et`` (R, N) the target's ``E``;
    ``scales``: factors of the exact sigmoid shift, or None.
    """

    xT: np.ndarray
    dp: np.ndarray
    dm: np.ndarray
    step: np.ndarray
    a1T: np.ndarray
    zT: np.ndarray
    Et: np.ndarray
    degree: int | None
    coef: np.ndarray | None
    diff: np.ndarray | None
    scales: tuple | None


def w1_terms(s: Setup) -> W1Terms:
    """The shared terms of the W1/b1 perturbations of ``s``."""
    n, h = s.x.shape[0], s.h
    A = np.vstack([s.params["W1"], s.params["b1"][None, :]])
    xT = np.vstack([s.x.T, np.ones((1, n))])
    dp, dm, step = steps(A, h, ("W1", "b1"))
    dz_max = 0.25 * max(np.abs(dp).max(), np.abs(dm).max()) * max(1.0, np.abs(s.x).max())
    W2 = s.params["W2"]
    spread = float((W2.max(axis=1) - W2.min(axis=1)).max())
    degree = series_degree(dz_max * spread, MAX_SERIES_DEGREE)
    scales = None
    a1T, zT = s.a1.T.copy(), s.z1.T.copy()
    if max(np.abs(dp - h).max(), np.abs(dm + h).max()) * np.abs(xT).max() <= _SHIFT_TOL:
        with np.errstate(over="ignore"):
            exp_a1 = np.exp(-a1T)
        if np.isfinite(exp_a1).all() and np.abs(h * xT).max() < 700:
            scales = ((exp_a1, np.exp(-h * xT), h), (exp_a1, np.exp(h * xT), -h))
    return W1Terms(
        xT=xT, dp=dp, dm=dm, step=step, a1T=a1T, zT=zT, degree=degree, scales=scales,
        Et=np.take_along_axis(s.E, s.cls.T, axis=1).T,
        coef=None if degree is None else _moments(s.E, W2, s.cls, degree),
        diff=_target_gaps(W2, s.cls) if degree is None else None)
