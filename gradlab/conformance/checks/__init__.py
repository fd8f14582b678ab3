"""The conformance checks, one module per part of the book; importing this registers them.

:mod:`.functions` (activations and softmax, chapter 3), :mod:`.losses` and :mod:`.mse`
(section 4.2), :mod:`.numerical` (numerical differentiation and gradient descent,
sections 4.3-4.4), :mod:`.simplenet` (section 4.4.2) and :mod:`.nets` (TwoLayerNet,
section 4.5 and chapter 5); :mod:`.layers` (chapter 5's and 6's layers), :mod:`.convolution`
(im2col, col2im, Convolution, Pooling: chapter 7), :mod:`.optimizers` (section 6.1) and
:mod:`.layernets` (MultiLayerNet, MultiLayerNetExtend, SimpleConvNet).
"""

from . import (  # noqa: F401
    convolution,
    functions,
    layernets,
    layers,
    losses,
    mse,
    nets,
    numerical,
    optimizers,
    simplenet,
)
