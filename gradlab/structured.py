"""Structured finite differences for TwoLayerNet: the loop's numbers, without 2P forwards.

The book's loop (section 4.5.1) perturbs one parameter, runs a whole forward
pass, and does so 2P times. Most of that pass is unchanged by the
perturbation:

* ``W1[i, j] += d`` (and ``b1[j]``, an input column of ones) changes only
  hidden pre-activation column ``j``, by ``d * x[:, i]``; the logits then move
  by the rank-1 term ``dz[:, None] * W2[j, :]`` with ``dz = sigmoid(a1 + d x) -
  sigmoid(a1)``.
* ``W2[j, k] += d`` (and ``b2[k]``) changes only logits column ``k``, by
  ``d * z1[:, j]``.

Each perturbed loss is evaluated from these changed terms, for thousands of
perturbations at once, in blocks small enough to stay in cache. The only
transcendental work left for ``W1`` is one sigmoid per row and perturbation;
the softmax denominator of the perturbed logits,
``sum_c E[n, c] exp(dz (W2[j, c] - W2[j, t_n]))``, is the power series of exp
summed in Horner form, with moment coefficients computed once, and truncated at
the degree where its remainder is below half an ulp (or evaluated with exp
directly when ``dz * W2`` is too large for the series to pay). Each row's loss
difference is taken as one log of a ratio. The result is the central
difference of the loss, divided by the represented step as
:func:`gradlab.numerical_gradient` does; it equals the loop's to the loop's own
rounding noise, about ``eps * loss / h``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from .functions import CROSS_ENTROPY_DELTA, _check_labels
from .numerical import DEFAULT_H, _check_h, step_lost

__all__ = ["structured_numerical_gradient", "series_degree"]

MAX_SERIES_DEGREE = 24
"""Beyond this degree the series costs more than ``C`` exps; evaluate them directly."""

_BLOCK_ELEMENTS = 1 << 16
"""Elements (perturbations x rows) per block: a few cache-sized temporaries."""

_HALF_ULP = 2.0**-54

_SHIFT_TOL = 1e-9
"""Largest ``|(d - h) x|`` for which ``exp(-(d - h) x) = 1 - (d - h) x`` holds to rounding."""


def series_degree(r: float, max_degree: int = MAX_SERIES_DEGREE) -> int | None:
    """Smallest K whose exp-series remainder is below half an ulp for ``|argument| <= r``.

    The truncated series of ``sum_c E_c exp(a_c)`` with ``|a_c| <= r`` has
    relative error at most ``r**(K+1) exp(2 r) / (K+1)!``. Returns None when
    no ``K <= max_degree`` is enough.

    Examples
    --------
    >>> series_degree(0.0), series_degree(1e-3), series_degree(100.0)
    (0, 4, None)
    """
    for k in range(max_degree + 1):
        if r == 0 or r ** (k + 1) * math.exp(2 * r) / math.factorial(k + 1) <= _HALF_ULP:
            return k
    return None


def targets(t, y_shape: tuple):
    """Target terms ``(cls, wt)`` of shape (R, N): loss_n = -sum_r wt log(y[n, cls] + delta)."""
    t_arr = np.asarray(t)
    n_classes = y_shape[-1]
    n_rows = int(np.prod(y_shape[:-1], dtype=int))
    if t_arr.shape != tuple(y_shape):  # labels, as cross_entropy_error decides
        if t_arr.shape != tuple(y_shape[:-1]):
            raise ValueError(
                f"t has shape {t_arr.shape} but the network predicts shape {tuple(y_shape)}; "
                f"t must be one-hot with that shape or integer labels of shape "
                f"{tuple(y_shape[:-1])}.")
        labels = _check_labels(t_arr, n_classes, "t")
        return labels.reshape(1, n_rows).astype(np.intp), np.ones((1, n_rows))
    hot = t_arr.reshape(n_rows, n_classes).astype(np.float64)
    if np.all((hot == 0) | (hot == 1)) and np.all(hot.sum(axis=1) == 1):
        return np.argmax(hot, axis=1)[None, :], np.ones((1, n_rows))
    used = np.flatnonzero(np.any(hot != 0, axis=0))
    cls = np.broadcast_to(used[:, None], (used.size, n_rows)).copy()
    return cls, hot[:, used].T.copy()


def check_params(params) -> dict:
    bad = [k for k in ("W1", "b1", "W2", "b2") if np.asarray(params[k]).dtype != np.float64]
    if bad:
        raise TypeError(
            f"params {bad} are not float64; method='structured' reproduces the loop in float64 "
            f"only. Cast them (net.params[k] = v.astype(np.float64)) or use method='loop'."
        )
    return {k: np.asarray(params[k]) for k in ("W1", "b1", "W2", "b2")}


def forward(params, x):
    with np.errstate(over="ignore"):
        a1 = x @ params["W1"] + params["b1"]
        z1 = 1.0 / (1.0 + np.exp(-a1))
    a2 = z1 @ params["W2"] + params["b2"]
    E = np.exp(a2 - a2.max(axis=1, keepdims=True))
    return a1, z1, E


def _steps(p: np.ndarray, h: float, names: tuple[str, str]):
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


def _sigmoid_shift(d, xT, a1T, zT, scales):
    """dz = sigmoid(a1 + d x) - sigmoid(a1) for a block, shape (I, J, N)."""
    if scales is None:
        u = d[:, :, None] * xT[:, None, :]
        u += a1T
        np.negative(u, out=u)
        with np.errstate(over="ignore"):
            np.exp(u, out=u)
    else:  # exp(-a1 - d x) = exp(-a1) exp(-h x) (1 - (d - h) x), exact to rounding
        exp_a1, exp_hx, h = scales
        u = (d - h)[:, :, None] * xT[:, None, :]
        np.subtract(1.0, u, out=u)
        u *= exp_hx[:, None, :]
        u *= exp_a1
    u += 1.0
    np.reciprocal(u, out=u)
    u -= zT
    return u


def _w1_block(d, xT, a1T, zT, coef, diff, E, Et, wt, delta, scales):
    """Loss differences (L(+) - L(-)) * N for a block: d (2, I, J), xT (I, N), a1T/zT (J, N)."""
    q = []
    for sign in range(2):
        dz = _sigmoid_shift(d[sign], xT, a1T, zT, None if scales is None else scales[sign])
        q_sign = []
        for r in range(wt.shape[0]):
            if coef is not None:
                s = np.broadcast_to(coef[r, -1], dz.shape).copy()
                for k in range(coef.shape[1] - 2, -1, -1):
                    s *= dz
                    s += coef[r, k]
            else:
                s = np.einsum("nc,ijnc->ijn", E, np.exp(dz[..., None] * diff[r]))
            np.divide(Et[r], s, out=s)
            s += delta
            q_sign.append(s)
        q.append(q_sign)
    total = 0.0
    for r in range(wt.shape[0]):
        ratio = q[1][r]
        ratio /= q[0][r]
        np.log(ratio, out=ratio)
        total = total + ratio @ wt[r]
    return total


def w1_setup(params, x, cls, a1, z1, E, h) -> SimpleNamespace:
    """What every W1/b1 perturbation shares (b1 is W1's row for an input column of ones)."""
    n = x.shape[0]
    A = np.vstack([params["W1"], params["b1"][None, :]])
    xT = np.vstack([x.T, np.ones((1, n))])
    dp, dm, step = _steps(A, h, ("W1", "b1"))
    dz_max = 0.25 * max(np.abs(dp).max(), np.abs(dm).max()) * max(1.0, np.abs(x).max())
    W2 = params["W2"]
    spread = float((W2.max(axis=1) - W2.min(axis=1)).max())
    degree = series_degree(dz_max * spread, MAX_SERIES_DEGREE)
    scales = None
    a1T, zT = a1.T.copy(), z1.T.copy()
    if max(np.abs(dp - h).max(), np.abs(dm + h).max()) * np.abs(xT).max() <= _SHIFT_TOL:
        with np.errstate(over="ignore"):
            exp_a1 = np.exp(-a1T)
        if np.isfinite(exp_a1).all() and np.abs(h * xT).max() < 700:
            scales = ((exp_a1, np.exp(-h * xT), h), (exp_a1, np.exp(h * xT), -h))
    return SimpleNamespace(
        xT=xT, dp=dp, dm=dm, step=step, a1T=a1T, zT=zT, E=E, scales=scales, degree=degree,
        coef=None if degree is None else _moments(E, W2, cls, degree),
        diff=_target_gaps(W2, cls) if degree is None else None,
        Et=np.take_along_axis(E, cls.T, axis=1).T,  # (R, N)
    )


def _grad_w1b1(params, x, cls, wt, a1, z1, E, h, delta, block_elements):
    n, (n_in, n_hidden) = x.shape[0], params["W1"].shape
    s = w1_setup(params, x, cls, a1, z1, E, h)
    rows, cols = n_in + 1, n_hidden
    j_block = max(1, min(cols, block_elements // (n * min(rows, 64))))
    i_block = max(1, min(rows, block_elements // (n * j_block)))
    delta_sum = np.empty((rows, cols))
    for j0 in range(0, cols, j_block):
        js = slice(j0, j0 + j_block)
        c = None if s.coef is None else np.ascontiguousarray(s.coef[:, :, js])
        dn = None if s.diff is None else s.diff[:, js]
        for i0 in range(0, rows, i_block):
            ii = slice(i0, i0 + i_block)
            d = np.stack([s.dp[ii, js], s.dm[ii, js]])
            sc = None if s.scales is None else [(e[js], g[ii], hh) for e, g, hh in s.scales]
            delta_sum[ii, js] = _w1_block(d, s.xT[ii], s.a1T[js], s.zT[js], c, dn, E, s.Et, wt,
                                          delta, sc)
    grad = delta_sum / n / s.step
    return grad[:n_in], grad[n_in]


def grad_w2b2(params, cls, wt, z1, E, h, delta):
    n = z1.shape[0]
    B = np.vstack([params["W2"], params["b2"][None, :]])  # (H+1, C)
    zT = np.vstack([z1.T, np.ones((1, n))])  # (H+1, N)
    dp, dm, step = _steps(B, h, ("W2", "b2"))
    s = E.sum(axis=1)  # (N,)
    n_classes = B.shape[1]
    logq = []
    for d in (dp, dm):
        factor = np.expm1(d[:, :, None] * zT[:, None, :])  # (H+1, C, N): e^{d z} - 1
        s_new = s + E.T[None] * factor  # denominator after moving logit k
        total = 0.0
        for r in range(wt.shape[0]):
            Et = E[np.arange(n), cls[r]]
            hit = np.arange(n_classes)[:, None] == cls[r][None, :]  # (C, N): k is the target
            e_new = Et * (1.0 + np.where(hit, factor, 0.0))
            total = total + (wt[r] * np.log(e_new / s_new + delta)).sum(axis=-1)
        logq.append(total)
    grad = (logq[1] - logq[0]) / n / step
    return grad[:-1], grad[-1]


def structured_numerical_gradient(params, x, t, *, h: float = DEFAULT_H,
                                  delta: float = CROSS_ENTROPY_DELTA,
                                  block_elements: int = _BLOCK_ELEMENTS) -> dict:
    """The book loop's numerical gradient of a TwoLayerNet loss, from the changed terms only.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,), float64
        (a :class:`gradlab.TwoLayerNet`'s ``params``). Not modified.
    x : ndarray
        Inputs, shape (N, D) or (D,), already validated (finite, float).
    t : ndarray
        Integer labels (N,) or ``()``, or targets of the shape of the output
        (one-hot or any non-negative weights).
    h : float, optional
        Step, default 1e-4 as in the book.
    delta : float, optional
        The 1e-7 inside the loss's log.
    block_elements : int, optional
        Perturbations x rows handled per block; bounds the temporaries
        (about 8 arrays of this many float64) and so the peak memory.

    Returns
    -------
    dict of str to ndarray
        Same keys and shapes as ``params``.

    Raises
    ------
    TypeError
        If a parameter is not float64 or ``x`` is complex.
    ValueError
        If ``h`` is not positive and finite.

    Notes
    -----
    Call it through ``net.numerical_gradient(x, t, method="structured")``,
    which validates the input first. Cost: ``2P * N`` sigmoids and
    ``P * N`` logs plus a short polynomial per row and perturbation, instead
    of ``2P`` full forward passes (which are dominated by ``x @ W1``).
    Integer labels and one-hot targets cost one target term; soft targets
    cost one per class that occurs.

    Examples
    --------
    >>> from gradlab import TwoLayerNet
    >>> net = TwoLayerNet(4, 3, 2, weight_init_std=0.5, seed=0)
    >>> x, t = np.linspace(-1, 1, 8).reshape(2, 4), np.array([0, 1])
    >>> fast = structured_numerical_gradient(net.params, x, t)
    >>> loop = net.numerical_gradient(x, t, method="loop")
    >>> all(np.allclose(fast[k], loop[k], rtol=0, atol=1e-10) for k in loop)
    True
    """
    p = check_params(params)
    h = _check_h(h)
    x_arr = np.asarray(x)
    if x_arr.dtype.kind == "c":
        raise TypeError("x is complex; method='structured' works in float64. Use method='loop'.")
    x2 = np.atleast_2d(x_arr).astype(np.float64)
    cls, wt = targets(t, x_arr.shape[:-1] + p["W2"].shape[1:])
    a1, z1, E = forward(p, x2)
    grads = {}
    grads["W1"], grads["b1"] = _grad_w1b1(p, x2, cls, wt, a1, z1, E, h, delta, block_elements)
    grads["W2"], grads["b2"] = grad_w2b2(p, cls, wt, z1, E, h, delta)
    return {k: grads[k] for k in params}
