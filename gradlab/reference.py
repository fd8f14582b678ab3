"""JAX twins of gradlab's NumPy functions: the float64 oracle.

Importing this module turns on JAX's 64-bit mode (``jax_enable_x64``) for the
whole process: without it JAX silently computes in float32, and an oracle
that is 1e-7 accurate cannot judge a 1e-8 discrepancy. Every public function
here checks that its result is float64 and raises ``RuntimeError`` if a
float32 value leaks through (for example because x64 was switched off again).

The twins model the book's definitions exactly, ``delta = 1e-7`` inside the
cross-entropy's log included, so ``jax.grad`` of :func:`two_layer_net_loss`
is the exact gradient of ``TwoLayerNet.loss``.
"""

from __future__ import annotations

import functools
import inspect

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from .functions import CROSS_ENTROPY_DELTA  # noqa: E402

__all__ = [
    "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad", "identity_function",
    "softmax", "mean_squared_error", "cross_entropy_error", "simple_net_loss",
    "two_layer_net_predict", "two_layer_net_loss", "grad", "to_numpy", "float64_only",
]


def _jit(fn):
    static = [p for p in ("delta",) if p in inspect.signature(fn).parameters]
    return jax.jit(fn, static_argnames=static)


def float64_only(fn):
    """Decorate a twin: jit it, make its inputs float64, and make a float32 result an error."""
    jitted = _jit(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        out = jitted(*(_as_f64(a) for a in args), **kwargs)
        for leaf in jax.tree_util.tree_leaves(out):
            if jnp.issubdtype(leaf.dtype, jnp.floating) and leaf.dtype != jnp.float64:
                raise RuntimeError(
                    f"reference.{fn.__name__} computed in {leaf.dtype}, not float64: JAX's x64 "
                    f"mode was switched off after gradlab.reference was imported. Re-enable it "
                    f"with jax.config.update('jax_enable_x64', True)."
                )
        return out

    return wrapper


def _as_f64(a):
    if isinstance(a, dict):
        return {k: _as_f64(v) for k, v in a.items()}
    arr = jnp.asarray(a)
    if jnp.issubdtype(arr.dtype, jnp.integer) or arr.dtype == jnp.bool_:
        return arr  # labels stay integers
    return arr.astype(jnp.float64)


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


def _cross_entropy(y, t, delta):
    y2 = y.reshape(1, -1) if y.ndim == 1 else y.reshape(-1, y.shape[-1])
    if t.shape == y.shape:
        return -jnp.sum(t.reshape(y2.shape) * jnp.log(y2 + delta)) / y2.shape[0]
    picked = y2[jnp.arange(y2.shape[0]), t.reshape(-1)]
    return -jnp.sum(jnp.log(picked + delta)) / y2.shape[0]


@float64_only
def cross_entropy_error(y, t, *, delta=CROSS_ENTROPY_DELTA):
    return _cross_entropy(y, t, delta)


@float64_only
def simple_net_loss(W, x, t, *, delta=CROSS_ENTROPY_DELTA):
    """Loss of the section 4.4.2 net as a function of its weights."""
    return _cross_entropy(jax.nn.softmax(x @ W, axis=-1), t, delta)


def _predict(params, x):
    z1 = jax.nn.sigmoid(x @ params["W1"] + params["b1"])
    return jax.nn.softmax(z1 @ params["W2"] + params["b2"], axis=-1)


@float64_only
def two_layer_net_predict(params, x):
    return _predict(params, x)


@float64_only
def two_layer_net_loss(params, x, t, *, delta=CROSS_ENTROPY_DELTA):
    """``TwoLayerNet.loss`` as a pure function of ``params`` (a dict W1 b1 W2 b2)."""
    return _cross_entropy(_predict(params, x), t, delta)


@functools.cache
def grad(fn, argnums=0):
    """``jax.grad`` of a twin (jitted, cached), returning NumPy float64 arrays.

    Dicts of parameters stay dicts.
    """
    raw = getattr(fn, "__wrapped__", fn)
    checked = float64_only(functools.wraps(raw)(jax.grad(raw, argnums=argnums)))

    def wrapper(*args, **kwargs):
        return to_numpy(checked(*args, **kwargs))

    return wrapper


def to_numpy(tree):
    """Convert JAX arrays (or dicts of them) to NumPy arrays."""
    if isinstance(tree, dict):
        return {k: to_numpy(v) for k, v in tree.items()}
    if isinstance(tree, tuple):
        return tuple(to_numpy(v) for v in tree)
    return np.asarray(tree)
