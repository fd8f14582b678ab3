"""gradlab: an autograd-verified gradient checking suite for NumPy code.

The reference implementation of chapters 3-7 of *Deep Learning from Scratch*
(book names), plus the tools that verify it. ``import gradlab`` imports
NumPy only; JAX and matplotlib load inside the modules that need them.
"""

from .check import (
    GradCheckResult,
    assert_gradient_close,
    check_gradient,
    check_jacobian,
    check_jvp,
    check_layer,
    check_vjp,
)
from .descent import gradient_descent
from .errors import (
    DivergenceWarning,
    GradCheckError,
    GradlabError,
    GradlabTypeError,
    GradlabValueError,
    GradlabWarning,
    PrecisionWarning,
    StepLostError,
)
from .functions import (
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    one_hot,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step_function,
)
from .im2col import col2im, conv_output_size, im2col
from .layer_nets import LayerTwoLayerNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet
from .layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)
from .nets import SimpleNet, TwoLayerNet
from .numerical import numerical_diff, numerical_gradient
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

__version__ = "0.1.0"


def __getattr__(name: str):
    """``gradlab.verify`` loads verify's machinery on first use, so that ``import gradlab``
    stays light (NumPy only)."""
    if name == "verify":
        from .conformance.api import verify

        return verify
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")


__all__ = [
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "identity_function",
    "softmax",
    "one_hot",
    "mean_squared_error",
    "cross_entropy_error",
    "numerical_diff",
    "numerical_gradient",
    "gradient_descent",
    "SimpleNet",
    "TwoLayerNet",
    "check_gradient",
    "assert_gradient_close",
    "check_vjp",
    "check_jvp",
    "check_jacobian",
    "check_layer",
    "GradCheckResult",
    "GradCheckError",
    "GradlabError",
    "GradlabTypeError",
    "GradlabValueError",
    "GradlabWarning",
    "PrecisionWarning",
    "DivergenceWarning",
    "StepLostError",
    # chapters 5-7: layers, im2col, optimizers, layer networks
    "Relu",
    "Sigmoid",
    "Affine",
    "SoftmaxWithLoss",
    "Dropout",
    "BatchNormalization",
    "Convolution",
    "Pooling",
    "im2col",
    "col2im",
    "conv_output_size",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSprop",
    "Adam",
    "LayerTwoLayerNet",
    "MultiLayerNet",
    "MultiLayerNetExtend",
    "SimpleConvNet",
    # verify from Python and Jupyter (loaded on first use)
    "verify",
]
