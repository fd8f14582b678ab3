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

import numpy as np

from .._validation import positive_int
from ..functions import CROSS_ENTROPY_DELTA
from ..numerical import DEFAULT_H
from .setup import Setup, W1Terms, prepare, steps, w1_terms

__all__ = ["structured_numerical_gradient", "grad_w2b2"]

_BLOCK_ELEMENTS = 1 << 16
"""Elements (perturbations x rows) per block: a few cache-sized temporaries."""

_EXP_SAFE = 700.0
"""Below this, ``expm1`` of a logit change cannot overflow (float64 overflows near 709.8)."""


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


def _grad_w1b1(s: Setup, w: W1Terms, block_elements: int):
    n, (n_in, n_hidden) = s.x.shape[0], s.params["W1"].shape
    rows, cols = n_in + 1, n_hidden
    j_block = max(1, min(cols, block_elements // (n * min(rows, 64))))
    i_block = max(1, min(rows, block_elements // (n * j_block)))
    delta_sum = np.empty((rows, cols))
    for j0 in range(0, cols, j_block):
        js = slice(j0, j0 + j_block)
        c = None if w.coef is None else np.ascontiguousarray(w.coef[:, :, js])
        dn = None if w.diff is None else w.diff[:, js]
        for i0 in range(0, rows, i_block):
            ii = slice(i0, i0 + i_block)
            d = np.stack([w.dp[ii, js], w.dm[ii, js]])
            sc = None if w.scales is None else [(e[js], g[ii], hh) for e, g, hh in w.scales]
            delta_sum[ii, js] = _w1_block(d, w.xT[ii], w.a1T[js], w.zT[js], c, dn, s.E, w.Et,
                                          s.wt, s.delta, sc)
    grad = delta_sum / n / w.step
    return grad[:n_in], grad[n_in]


def _logit_factors(d: np.ndarray, zT: np.ndarray):
    """``(base, factor)`` with ``exp(d z) = (base + factor) / base``, both free of overflow.

    Where ``d z <= 0`` (always, unless h is huge) this is ``(1, expm1(d z))``; where it
    is positive both are scaled by ``exp(-d z)``, which leaves every ratio of the
    perturbed softmax unchanged.
    """
    dz = d[:, :, None] * zT[:, None, :]  # (H+1, C, N)
    if np.abs(d).max() * np.abs(zT).max() < _EXP_SAFE:
        return 1.0, np.expm1(dz)
    shift = np.maximum(dz, 0.0)
    base = np.exp(-shift)
    return base, np.exp(dz - shift) - base


def grad_w2b2(s: Setup):
    """The W2/b2 entries of the gradient (NumPy; ``2 (H+1) C`` cheap perturbations)."""
    n, E, cls, wt = s.x.shape[0], s.E, s.cls, s.wt
    B = np.vstack([s.params["W2"], s.params["b2"][None, :]])  # (H+1, C)
    zT = np.vstack([s.z1.T, np.ones((1, n))])  # (H+1, N)
    dp, dm, step = steps(B, s.h, ("W2", "b2"))
    total_e = E.sum(axis=1)  # (N,)
    n_classes = B.shape[1]
    logq = []
    for d in (dp, dm):
        base, factor = _logit_factors(d, zT)
        s_new = total_e * base + E.T[None] * factor  # denominator after moving logit k
        total = 0.0
        for r in range(wt.shape[0]):
            Et = E[np.arange(n), cls[r]]
            hit = np.arange(n_classes)[:, None] == cls[r][None, :]  # (C, N): k is the target
            e_new = Et * (base + np.where(hit, factor, 0.0))
            total = total + (wt[r] * np.log(e_new / s_new + s.delta)).sum(axis=-1)
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
    x : array_like
        Inputs, shape (N, D) or (D,), real and finite.
    t : array_like
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
        If a parameter is not float64, ``x`` is complex or labels are not integers.
    ValueError
        If keys or shapes of ``params``, ``x`` or ``t`` do not fit, a value is not
        finite, a label is out of range, or ``h``, ``delta`` or ``block_elements``
        is invalid (see :func:`gradlab.fastfd.setup.prepare`, shared with the JAX
        kernel).

    Notes
    -----
    The same as ``net.numerical_gradient(x, t, method="structured")``. Cost: ``2P * N`` sigmoids and
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
    s = prepare(params, x, t, h=h, delta=delta)
    block_elements = positive_int(block_elements, "block_elements")
    grads = {}
    grads["W1"], grads["b1"] = _grad_w1b1(s, w1_terms(s), block_elements)
    grads["W2"], grads["b2"] = grad_w2b2(s)
    return {k: grads[k] for k in s.params}
