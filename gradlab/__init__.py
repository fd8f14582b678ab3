"""gradlab: an autograd-verified gradient checking suite for NumPy code.

The reference implementation of chapter 4 of *Deep Learning from Scratch*
(book names), plus the tools that verify it. ``import gradlab`` imports
NumPy only; JAX and matplotlib load inside the modules that need them.
"""

from .check import (
    GradCheckResult,
    assert_gradient_close,
    check_gradient,
    check_jacobian,
    check_jvp,
    check_vjp,
)
from .descent import gradient_descent
from .errors import (
    DivergenceWarning,
    GradCheckError,
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
from .nets import SimpleNet, TwoLayerNet
from .numerical import numerical_diff, numerical_gradient

__version__ = "0.1.0"

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
    "GradCheckResult",
    "GradCheckError",
    "GradlabWarning",
    "PrecisionWarning",
    "DivergenceWarning",
    "StepLostError",
]
