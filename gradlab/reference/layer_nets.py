"""JAX twins of the layer networks' losses as functions of a ``params`` dict.

``jax.grad`` of each loss with respect to ``params`` is the exact gradient that the
network's ``gradient`` must return (the book's delta = 1e-7 inside the log included).
Hidden ReLUs have gradient 0 at 0, as the book's Relu layer.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..functions import CROSS_ENTROPY_DELTA
from ..regularization import BATCHNORM_EPS
from .core import float64_only
from .functions import cross_entropy
from .layers import affine_pure, batchnorm_train_pure, conv_pure, pool_pure, relu_layer_pure

__all__ = [
    "layer_two_layer_net_predict", "layer_two_layer_net_loss", "multi_layer_net_predict",
    "multi_layer_net_loss", "simple_conv_net_predict", "simple_conv_net_loss",
]

_ACTIVATIONS = {"relu": relu_layer_pure, "sigmoid": jax.nn.sigmoid}


def _count(params) -> int:
    return sum(1 for k in params if k.startswith("W"))


def _multi_predict(params, x, activation, dropout, running_stats, train_flg, eps):
    """``dropout``: the masks in training mode, the ratio (or None) in test mode."""
    act = _ACTIVATIONS[activation]
    layers = _count(params)
    h = x
    for i in range(1, layers):
        h = affine_pure(h, params[f"W{i}"], params[f"b{i}"])
        if f"gamma{i}" in params:
            if train_flg:
                h = batchnorm_train_pure(h, params[f"gamma{i}"], params[f"beta{i}"], eps)
            else:
                mean, var = running_stats[i - 1]
                h = params[f"gamma{i}"] * (h - mean) / jnp.sqrt(var + eps) + params[f"beta{i}"]
        h = act(h)
        if dropout is not None:
            h = h * dropout[i - 1] if train_flg else h * (1.0 - dropout)
    return affine_pure(h, params[f"W{layers}"], params[f"b{layers}"])


def _decay(params, weight_decay_lambda):
    return 0.5 * weight_decay_lambda * sum(jnp.sum(params[f"W{i}"] ** 2)
                                           for i in range(1, _count(params) + 1))


@float64_only
def layer_two_layer_net_predict(params, x):
    """Chapter 5's TwoLayerNet: scores ``relu(x W1 + b1) W2 + b2``."""
    return _multi_predict(params, x, "relu", None, None, True, BATCHNORM_EPS)


@float64_only
def layer_two_layer_net_loss(params, x, t, *, delta=CROSS_ENTROPY_DELTA):
    """Chapter 5's ``TwoLayerNet.loss`` as a function of ``params`` (W1 b1 W2 b2)."""
    scores = _multi_predict(params, x, "relu", None, None, True, BATCHNORM_EPS)
    return cross_entropy(jax.nn.softmax(scores, axis=-1), t, delta)


@float64_only
def multi_layer_net_predict(params, x, *, activation="relu", dropout_masks=None,
                            dropout_ratio=None, running_stats=None, train_flg=True,
                            eps=BATCHNORM_EPS):
    """Scores of MultiLayerNet / MultiLayerNetExtend (see :func:`multi_layer_net_loss`)."""
    dropout = dropout_masks if train_flg else dropout_ratio
    return _multi_predict(params, x, activation, dropout, running_stats, train_flg, eps)


@float64_only
def multi_layer_net_loss(params, x, t, *, activation="relu", weight_decay_lambda=0.0,
                         dropout_masks=None, dropout_ratio=None, running_stats=None,
                         train_flg=True, eps=BATCHNORM_EPS, delta=CROSS_ENTROPY_DELTA):
    """``loss`` of MultiLayerNet and MultiLayerNetExtend as a function of ``params``.

    ``params`` holds W1, b1, ... and, with batch norm, gamma1, beta1, ... (their presence
    switches BatchNormalization on). In training mode (``train_flg=True``) dropout
    multiplies hidden layer ``i``'s activation by ``dropout_masks[i-1]`` (``None``: no
    dropout) and batch norm uses the batch's statistics; in test mode dropout scales by
    ``1 - dropout_ratio`` (``None``: no dropout) and batch norm uses
    ``running_stats[i-1] = (mean, var)``. The loss adds
    ``0.5 * weight_decay_lambda * sum(W**2)`` over every weight matrix.
    """
    dropout = dropout_masks if train_flg else dropout_ratio
    scores = _multi_predict(params, x, activation, dropout, running_stats, train_flg, eps)
    return cross_entropy(jax.nn.softmax(scores, axis=-1), t, delta) \
        + _decay(params, weight_decay_lambda)


def _conv_predict(params, x, stride, pad):
    h = relu_layer_pure(conv_pure(x, params["W1"], params["b1"], stride, pad))
    h = pool_pure(h, 2, 2, 2, 0)
    h = relu_layer_pure(affine_pure(h, params["W2"], params["b2"]))
    return affine_pure(h, params["W3"], params["b3"])


@float64_only
def simple_conv_net_predict(params, x, *, stride=1, pad=0):
    """SimpleConvNet's scores: conv - relu - pool(2x2, stride 2) - affine - relu - affine."""
    return _conv_predict(params, x, stride, pad)


@float64_only
def simple_conv_net_loss(params, x, t, *, stride=1, pad=0, delta=CROSS_ENTROPY_DELTA):
    """``SimpleConvNet.loss`` as a function of ``params`` (W1 b1 W2 b2 W3 b3)."""
    return cross_entropy(jax.nn.softmax(_conv_predict(params, x, stride, pad), axis=-1), t,
                         delta)
