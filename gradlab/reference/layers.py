"""JAX twins of chapters 5-7's layers and of im2col/col2im: the oracle for their forwards.

Each twin is the *forward* of a layer as a pure function of its inputs and parameters;
the backward that a layer must reproduce is ``jax.vjp`` of it. The convolution and the
pooling are written with XLA's own primitives (``lax.conv_general_dilated``,
``lax.reduce_window``), not with im2col, so they share no code or indexing with
gradlab's NumPy layers; ``col2im`` is the exact adjoint (``jax.vjp``) of ``im2col``.
Conventions follow the book: cross-correlation (no kernel flip), ``NCHW`` images,
``(FN, C, FH, FW)`` filters, BatchNormalization over the flattened ``C*H*W`` features.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ..functions import CROSS_ENTROPY_DELTA
from ..regularization import BATCHNORM_EPS, BATCHNORM_MOMENTUM
from .core import float64_only
from .functions import cross_entropy

__all__ = [
    "affine", "relu_layer", "softmax_with_loss", "dropout_forward", "batchnorm_forward_train",
    "batchnorm_forward_test", "batchnorm_running_stats", "conv_forward", "pool_forward",
    "im2col", "col2im", "affine_pure", "relu_layer_pure", "conv_pure", "pool_pure",
    "batchnorm_train_pure",
]


def affine_pure(x, W, b):
    """``x.reshape(N, -1) @ W + b`` (unjitted, for composing other twins)."""
    return x.reshape(x.shape[0], -1) @ W + b


def relu_layer_pure(x):
    """The Relu layer's ``max(0, x)`` with its gradient 0 at 0 (``jnp.maximum`` gives 0.5)."""
    return jnp.where(x > 0, x, 0.0)


def conv_pure(x, W, b, stride, pad):
    """The Convolution layer's forward via ``lax.conv_general_dilated`` (unjitted)."""
    out = lax.conv_general_dilated(x, W, window_strides=(stride, stride),
                                   padding=[(pad, pad), (pad, pad)],
                                   dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                   precision=lax.Precision.HIGHEST)
    return out + b[None, :, None, None]


def pool_pure(x, pool_h, pool_w, stride, pad):
    """Max pooling via ``lax.reduce_window``, padding with -inf (unjitted)."""
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, pool_h, pool_w), (1, 1, stride, stride),
                             [(0, 0), (0, 0), (pad, pad), (pad, pad)])


def batchnorm_train_pure(x, gamma, beta, eps):
    """BatchNormalization's training forward on the flattened features (unjitted)."""
    x2 = x.reshape(x.shape[0], -1)
    mu = jnp.mean(x2, axis=0)
    var = jnp.mean((x2 - mu) ** 2, axis=0)
    return (gamma * (x2 - mu) / jnp.sqrt(var + eps) + beta).reshape(x.shape)


@float64_only
def affine(x, W, b):
    """Affine layer: a batch ``(N, ...)`` flattened to ``(N, D)``, times ``W`` plus ``b``."""
    return affine_pure(x, W, b)


@float64_only
def relu_layer(x):
    """Relu layer (gradient 0 at 0, like the book's ``x <= 0`` mask)."""
    return relu_layer_pure(x)


@float64_only
def softmax_with_loss(x, t, *, delta=CROSS_ENTROPY_DELTA):
    """SoftmaxWithLoss's forward: the book's cross-entropy of ``softmax(x)``."""
    return cross_entropy(jax.nn.softmax(x, axis=-1), t, delta)


@float64_only
def dropout_forward(x, mask, dropout_ratio=0.5, train_flg=True):
    """The book's (non-inverted) Dropout: ``x * mask`` or ``x * (1 - dropout_ratio)``."""
    return x * mask if train_flg else x * (1.0 - dropout_ratio)


@float64_only
def batchnorm_forward_train(x, gamma, beta, eps=BATCHNORM_EPS):
    """Training-mode BatchNormalization: batch mean and biased variance per feature."""
    return batchnorm_train_pure(x, gamma, beta, eps)


@float64_only
def batchnorm_forward_test(x, gamma, beta, running_mean, running_var, eps=BATCHNORM_EPS):
    """Test-mode BatchNormalization with the running statistics."""
    x2 = x.reshape(x.shape[0], -1)
    return (gamma * (x2 - running_mean) / jnp.sqrt(running_var + eps) + beta).reshape(x.shape)


@float64_only
def batchnorm_running_stats(x, running_mean, running_var, momentum=BATCHNORM_MOMENTUM):
    """``(mean, var)`` after one training forward: ``momentum * old + (1 - momentum) * batch``."""
    x2 = x.reshape(x.shape[0], -1)
    mu = jnp.mean(x2, axis=0)
    var = jnp.mean((x2 - mu) ** 2, axis=0)
    return (momentum * running_mean + (1 - momentum) * mu,
            momentum * running_var + (1 - momentum) * var)


@float64_only
def conv_forward(x, W, b, stride=1, pad=0):
    """Convolution layer: ``(N, C, H, W)``, filters ``(FN, C, FH, FW)``, to ``(N, FN, OH, OW)``."""
    return conv_pure(x, W, b, stride, pad)


@float64_only
def pool_forward(x, pool_h, pool_w, stride=2, pad=0):
    """Max pooling layer (the book's default stride 2), padding never winning the max."""
    return pool_pure(x, pool_h, pool_w, stride, pad)


def _im2col(x, filter_h, filter_w, stride, pad):
    patches = lax.conv_general_dilated_patches(x, (filter_h, filter_w), (stride, stride),
                                               [(pad, pad), (pad, pad)],
                                               precision=lax.Precision.HIGHEST)
    # (N, C*FH*FW, OH, OW), features ordered (c, fh, fw) as the book's columns
    return patches.transpose(0, 2, 3, 1).reshape(-1, patches.shape[1])


@float64_only
def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """The book's im2col: rows (n, oh, ow), columns (c, fh, fw)."""
    return _im2col(input_data, filter_h, filter_w, stride, pad)


@float64_only
def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The adjoint of :func:`im2col` (``jax.vjp``): overlapping windows add up."""
    zeros = jnp.zeros(input_shape, dtype=col.dtype)
    _, vjp = jax.vjp(lambda x: _im2col(x, filter_h, filter_w, stride, pad), zeros)
    return vjp(col)[0]
