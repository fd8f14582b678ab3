"""JAX twins of chapters 3-4 (``gradlab.functions`` and ``gradlab.nets``).

The twins model the book's definitions exactly, ``delta = 1e-7`` inside the
cross-entropy's log included, so ``jax.grad`` of :func:`two_layer_net_loss`
is the exact gradient of ``TwoLayerNet.loss``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..functions import CROSS_ENTROPY_DELTA
from .core import float64_only

__all__ = [
    "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad", "identity_function",
    "softmax", "mean_squared_error", "cross_entropy_error", "simple_net_loss",
    "two_layer_net_predict", "two_layer_net_loss", "cross_entropy",
]


@float64_only
def step_function(x):
    return (x > 0).astype(jnp.float64)


@float64_only
def sigmoid(x):
    return jax.nn.sigmoid(x)


@float64_only
def sigmoid_grad(x):
    return jax.vmap(jax.grad(jax.nn.sigmoid))(x.reshape(-1)).reshape(x.shape)


@float64_only
def relu(x):
    return jnp.maximum(x, 0.0)


@float64_only
def relu_grad(x):
    """The book's convention, 1 at 0 (``jax.grad(relu)`` gives 0 there)."""
    return (x >= 0).astype(jnp.float64)


@float64_only
def identity_function(x):
    return x


@float64_only
def softmax(a):
    return jax.nn.softmax(a, axis=-1)


@float64_only
def mean_squared_error(y, t):
    return 0.5 * jnp.sum((y - t) ** 2)


def cross_entropy(y, t, delta):
    """The book's cross-entropy (labels or one-hot), pure and unjitted: for other twins."""
    y2 = y.reshape(1, -1) if y.ndim == 1 else y.reshape(-1, y.shape[-1])
    if t.shape == y.shape:
        return -jnp.sum(t.reshape(y2.shape) * jnp.log(y2 + delta)) / y2.shape[0]
    picked = y2[jnp.arange(y2.shape[0]), t.reshape(-1)]
    return -jnp.sum(jnp.log(picked + delta)) / y2.shape[0]


@float64_only
def cross_entropy_error(y, t, *, delta=CROSS_ENTROPY_DELTA):
    return cross_entropy(y, t, delta)


@float64_only
def simple_net_loss(W, x, t, *, delta=CROSS_ENTROPY_DELTA):
    """Loss of the section 4.4.2 net as a function of its weights."""
    return cross_entropy(jax.nn.softmax(x @ W, axis=-1), t, delta)


def _predict(params, x):
    z1 = jax.nn.sigmoid(x @ params["W1"] + params["b1"])
    return jax.nn.softmax(z1 @ params["W2"] + params["b2"], axis=-1)


@float64_only
def two_layer_net_predict(params, x):
    return _predict(params, x)


@float64_only
def two_layer_net_loss(params, x, t, *, delta=CROSS_ENTROPY_DELTA):
    """``TwoLayerNet.loss`` as a pure function of ``params`` (a dict W1 b1 W2 b2)."""
    return cross_entropy(_predict(params, x), t, delta)
