"""The structured finite differences of :mod:`gradlab.fastfd.structured`, fused by JAX.

The same numbers, another kernel: both start from :func:`gradlab.fastfd.setup.prepare`
(so they refuse the same inputs) and share the W1/b1 terms of
:func:`gradlab.fastfd.setup.w1_terms`. The NumPy version walks cache-sized blocks and
pays for every temporary; here the W1/b1 kernel (all ``2 (D+1) H`` perturbations,
every row) is one jitted function that XLA fuses into a few loops, on the default JAX
device: a GPU when one is present. The W2/b2 part (``2 (H+1) C`` cheap perturbations)
is the NumPy kernel's. Compilation happens once per shape and series degree; call it
once to warm up before timing.
"""

from __future__ import annotations

import numpy as np

from ..functions import CROSS_ENTROPY_DELTA
from ..numerical import DEFAULT_H
from .setup import prepare, w1_terms
from .structured import grad_w2b2, structured_numerical_gradient

__all__ = ["jax_numerical_gradient"]

_KERNELS = {}


def _kernel():
    """The jitted W1/b1 kernel, built on first use (importing jax is slow)."""
    if "w1" not in _KERNELS:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def w1(dp, dm, xT, a1T, zT, coef, Et, wt, delta):
            def log_q(d):  # log(y_target + delta) per target term, shape (R, I, J, N)
                dz = 1.0 / (1.0 + jnp.exp(-(a1T + d[:, :, None] * xT[:, None, :]))) - zT
                s = coef[:, -1, None]
                for k in range(coef.shape[1] - 2, -1, -1):
                    s = s * dz + coef[:, k, None]
                return Et[:, None, None, :] / s + delta

            ratio = jnp.log(log_q(dm) / log_q(dp))
            return jnp.einsum("rijn,rn->ij", ratio, wt)

        _KERNELS["w1"] = jax.jit(w1)
    return _KERNELS["w1"]


def jax_numerical_gradient(params, x, t, *, h: float = DEFAULT_H,
                           delta: float = CROSS_ENTROPY_DELTA) -> dict:
    """The book loop's numerical gradient of a TwoLayerNet loss, jitted with JAX.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W1``, ``b1``, ``W2``, ``b2`` in float64 (a TwoLayerNet's ``params``).
    x : ndarray
        Inputs, shape (N, D) or (D,).
    t : ndarray
        Integer labels, or targets of the output's shape.
    h : float, optional
        Step, default 1e-4 as in the book.
    delta : float, optional
        The 1e-7 inside the loss's log.

    Returns
    -------
    dict of str to ndarray
        NumPy arrays with the keys and shapes of ``params``.

    Raises
    ------
    TypeError, ValueError
        Exactly where :func:`gradlab.fastfd.structured.structured_numerical_gradient`
        raises them (both validate through :func:`gradlab.fastfd.setup.prepare`):
        parameters not float64, complex ``x``, shapes that do not fit, bad labels,
        non-finite values, a bad ``h`` or ``delta``.

    Notes
    -----
    Same numbers as :func:`gradlab.fastfd.structured.structured_numerical_gradient`
    (the book loop's, to its rounding noise). When ``dz * W2`` is too large for
    the exp series (huge weights or inputs) it hands over to that NumPy
    version. Memory: a few arrays of ``R (D+1) H N`` float64 (31 MB each at
    784-50-10, N=100) on the device. The first call per shape compiles
    (about a second).

    Examples
    --------
    >>> from gradlab import TwoLayerNet
    >>> net = TwoLayerNet(4, 3, 2, weight_init_std=0.5, seed=0)
    >>> x, t = np.linspace(-1, 1, 8).reshape(2, 4), np.array([0, 1])
    >>> fast = jax_numerical_gradient(net.params, x, t)
    >>> loop = net.numerical_gradient(x, t, method="loop")
    >>> all(np.allclose(fast[k], loop[k], rtol=0, atol=1e-10) for k in loop)
    True
    """
    s = prepare(params, x, t, h=h, delta=delta)
    w = w1_terms(s)
    if w.coef is None:
        return structured_numerical_gradient(params, x, t, h=h, delta=delta)
    delta_sum = np.asarray(_kernel()(w.dp, w.dm, w.xT, w.a1T, w.zT, w.coef, w.Et, s.wt,
                                     s.delta))
    grad = delta_sum / s.x.shape[0] / w.step
    grads = {"W1": grad[:-1], "b1": grad[-1]}
    grads["W2"], grads["b2"] = grad_w2b2(s)
    return {k: grads[k] for k in s.params}
