"""JAX twins of gradlab's NumPy code: the float64 oracle (chapters 3-7).

Importing this package turns on JAX's 64-bit mode (``jax_enable_x64``) for the whole
process: without it JAX silently computes in float32, and an oracle that is 1e-7
accurate cannot judge a 1e-8 discrepancy. Every public twin is jitted, casts its float
inputs to float64, and raises ``RuntimeError`` if a float32 value leaks through (for
example because x64 was switched off again). ``twin.__wrapped__`` is the pure function,
for ``jax.grad``/``jax.vjp``; the twin itself can be traced as well.

- :mod:`.functions`: chapters 3-4 (activations, losses, SimpleNet, TwoLayerNet);
- :mod:`.layers`: chapters 5-7's layers as forward functions, im2col/col2im;
- :mod:`.layer_nets`: the layer networks' losses as functions of ``params``;
- :mod:`.optimizers`: one step of each of the book's update rules;
- :mod:`.core`: the float64 guard, :func:`grad`, :func:`to_numpy`.
"""

from __future__ import annotations

from .core import STATIC_ARGNAMES, float64_only, grad, to_numpy
from .functions import (
    cross_entropy,
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    simple_net_loss,
    softmax,
    step_function,
    two_layer_net_loss,
    two_layer_net_predict,
)
from .layer_nets import (
    layer_two_layer_net_loss,
    layer_two_layer_net_predict,
    multi_layer_net_loss,
    multi_layer_net_predict,
    simple_conv_net_loss,
    simple_conv_net_predict,
)
from .layers import (
    affine,
    affine_pure,
    batchnorm_forward_test,
    batchnorm_forward_train,
    batchnorm_running_stats,
    batchnorm_train_pure,
    col2im,
    conv_forward,
    conv_pure,
    dropout_forward,
    im2col,
    pool_forward,
    pool_pure,
    relu_layer,
    relu_layer_pure,
    softmax_with_loss,
)
from .optimizers import (
    adagrad_step,
    adam_step,
    momentum_step,
    nesterov_step,
    rmsprop_step,
    sgd_step,
)

__all__ = [
    "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad", "identity_function",
    "softmax", "mean_squared_error", "cross_entropy_error", "simple_net_loss",
    "two_layer_net_predict", "two_layer_net_loss", "cross_entropy", "affine", "relu_layer",
    "softmax_with_loss", "dropout_forward", "batchnorm_forward_train", "batchnorm_forward_test",
    "batchnorm_running_stats", "conv_forward", "pool_forward", "im2col", "col2im", "affine_pure",
    "relu_layer_pure", "conv_pure", "pool_pure", "batchnorm_train_pure",
    "layer_two_layer_net_predict", "layer_two_layer_net_loss", "multi_layer_net_predict",
    "multi_layer_net_loss", "simple_conv_net_predict", "simple_conv_net_loss", "sgd_step",
    "momentum_step", "nesterov_step", "adagrad_step", "rmsprop_step", "adam_step", "grad",
    "to_numpy", "float64_only", "STATIC_ARGNAMES",
]
