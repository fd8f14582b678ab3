"""JAX twins of the book's update rules: one step, written from the textbook formulas.

They are independent of :mod:`gradlab.update_rules` (where gradlab's optimizers and the
accepted alternative formulations live): moments as ``beta*m + (1-beta)*g``, not the
book's ``m += (1-beta)*(g-m)``, so rounding differs and only the algebra is shared.
Each returns ``(new_param, new_state...)``.
"""

from __future__ import annotations

import jax.numpy as jnp

from ..update_rules import EPS
from .core import float64_only

__all__ = ["sgd_step", "momentum_step", "nesterov_step", "adagrad_step", "rmsprop_step",
           "adam_step"]


@float64_only
def sgd_step(param, grad, lr=0.01):
    """``param - lr * grad``."""
    return param - lr * grad


@float64_only
def momentum_step(param, grad, v, lr=0.01, momentum=0.9):
    """``(param + v', v')`` with ``v' = momentum * v - lr * grad``."""
    v_new = momentum * v - lr * grad
    return param + v_new, v_new


@float64_only
def nesterov_step(param, grad, v, lr=0.01, momentum=0.9):
    """Nesterov, look-ahead form: ``param + momentum * v' - lr * grad`` (the book's, regrouped)."""
    v_new = momentum * v - lr * grad
    return param + momentum * v_new - lr * grad, v_new


@float64_only
def adagrad_step(param, grad, h, lr=0.01):
    """``h' = h + grad**2``; ``param - lr * grad / (sqrt(h') + 1e-7)``."""
    h_new = h + grad ** 2
    return param - lr * grad / (jnp.sqrt(h_new) + EPS), h_new


@float64_only
def rmsprop_step(param, grad, h, lr=0.01, decay_rate=0.99):
    """``h' = decay_rate * h + (1 - decay_rate) * grad**2``; AdaGrad's step with ``h'``."""
    h_new = decay_rate * h + (1 - decay_rate) * grad ** 2
    return param - lr * grad / (jnp.sqrt(h_new) + EPS), h_new


@float64_only
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999):
    """Step ``t`` (1 for the first) of the book's Adam: the bias correction folded into lr."""
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    lr_t = lr * jnp.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return param - lr_t * m_new / (jnp.sqrt(v_new) + EPS), m_new, v_new
