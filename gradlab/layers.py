"""The book's layers (``common/layers.py``, chapters 5-7), each with ``forward`` and ``backward``.

This module holds chapter 5's Relu, Sigmoid, Affine and SoftmaxWithLoss, and re-exports
chapter 6's :class:`Dropout` and :class:`BatchNormalization` (:mod:`gradlab.regularization`)
and chapter 7's :class:`Convolution` and :class:`Pooling` (:mod:`gradlab.conv_layers`), so
that ``from gradlab.layers import Affine, Convolution`` reads like the book.

As in the book, a layer keeps its parameters *by reference*: ``Affine(W, b).W is W``, so a
network's ``params`` dict, its layers and an optimizer's in-place update all see the same
arrays. Unlike the book, no layer modifies the arrays it is given (the book's
``Relu.backward`` zeroes the caller's ``dout`` in place).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_dout, parameter_array, require_forward
from .conv_layers import Convolution, Pooling
from .functions import CROSS_ENTROPY_DELTA, cross_entropy_error, one_hot, sigmoid, softmax
from .regularization import BatchNormalization, Dropout

__all__ = ["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout", "BatchNormalization",
           "Convolution", "Pooling"]


class Relu:
    """ReLU layer (section 5.5.1): ``forward`` is ``max(0, x)``, ``backward`` masks ``dout``.

    Attributes
    ----------
    mask : ndarray of bool or None
        ``x <= 0`` of the last forward: where the gradient is 0 (also at 0 itself, the
        book's convention; ``jax.grad`` of ``maximum(x, 0)`` gives 0.5 there).

    Examples
    --------
    >>> layer = Relu()
    >>> out = layer.forward(np.array([[-1.0, 2.0]]))
    >>> np.allclose(out, [[0, 2]]) and np.allclose(layer.backward(np.ones((1, 2))), [[0, 1]])
    True
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """``max(0, x)`` elementwise; any shape."""
        x = as_float_array(x, "x", allow_complex=False)
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        """``dout`` with the entries where ``x <= 0`` set to 0 (a new array)."""
        mask = require_forward(self.mask, "Relu", "mask")
        dx = check_dout(dout, mask.shape, "Relu").copy()
        dx[mask] = 0
        return dx


class Sigmoid:
    """Sigmoid layer (section 5.5.2): ``backward`` is ``dout * (1 - out) * out``.

    Examples
    --------
    >>> layer = Sigmoid()
    >>> out = layer.forward(np.zeros((1, 2)))
    >>> np.allclose(out, 0.5) and np.allclose(layer.backward(np.ones((1, 2))), 0.25)
    True
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        """Logistic sigmoid of ``x`` (any shape); the output is kept for backward."""
        self.out = sigmoid(as_float_array(x, "x", allow_complex=False))
        return self.out

    def backward(self, dout):
        out = require_forward(self.out, "Sigmoid", "output")
        return check_dout(dout, out.shape, "Sigmoid") * (1.0 - out) * out


class Affine:
    """Fully connected layer ``x @ W + b`` (section 5.6.2), with image batches flattened.

    Parameters
    ----------
    W : ndarray
        Weights ``(D, M)``, kept by reference (not copied).
    b : ndarray
        Bias ``(M,)``, kept by reference.

    Attributes
    ----------
    W, b : ndarray
        The parameters. dW, db : ndarray or None: their gradients after ``backward``.
    x : ndarray or None
        The last input, flattened to ``(N, D)``. original_x_shape : tuple: its shape.

    Raises
    ------
    TypeError
        If ``W`` or ``b`` is an integer array.
    ValueError
        If ``W`` is not 2-D or ``b`` does not have ``W.shape[1]`` entries.

    Notes
    -----
    Section 5.7.1 makes Affine take 4-D input ``(N, C, H, W)`` (the book's "tensor
    support"): each sample is flattened to ``C*H*W`` features and ``dx`` gets the input's
    shape back.

    Examples
    --------
    >>> layer = Affine(np.ones((6, 2)), np.zeros(2))
    >>> out = layer.forward(np.ones((4, 1, 2, 3)))    # N = 4 images of 1x2x3
    >>> dx = layer.backward(np.ones((4, 2)))
    >>> out.shape, dx.shape, np.allclose(layer.dW, 4.0), np.allclose(layer.db, 4.0)
    ((4, 2), (4, 1, 2, 3), True, True)
    """

    def __init__(self, W, b):
        self.W = parameter_array(W, "W", 2)
        self.b = parameter_array(b, "b", 1)
        if self.b.shape != self.W.shape[1:]:
            raise ValueError(f"b has shape {self.b.shape} but W has shape {self.W.shape}; "
                             f"b needs one entry per output, shape {self.W.shape[1:]}.")
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """``x.reshape(N, -1) @ W + b`` for a batch ``x`` of shape ``(N, ...)``."""
        x = as_float_array(x, "x", allow_complex=False)
        features = int(np.prod(x.shape[1:])) if x.ndim >= 2 else -1
        if features != self.W.shape[0]:
            raise ValueError(
                f"x has shape {x.shape}, but W has shape {self.W.shape}: Affine takes a batch "
                f"(N, ...) with {self.W.shape[0]} features per sample (one sample is "
                f"x[np.newaxis])."
            )
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        """Return ``dx`` (input's shape); set ``dW = x.T @ dout`` and ``db = sum(dout)``."""
        x = require_forward(self.x, "Affine", "input x")
        dout = check_dout(dout, (x.shape[0], self.W.shape[1]), "Affine")
        self.dW = x.T @ dout
        self.db = np.sum(dout, axis=0)
        return (dout @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by cross-entropy, the book's last layer (section 5.6.3).

    Parameters
    ----------
    delta : float, optional
        Added inside the log as in :func:`gradlab.cross_entropy_error`, default 1e-7.

    Attributes
    ----------
    loss : float or None
        The last forward's loss. y : ndarray: its softmax. t : ndarray: its targets.

    Notes
    -----
    Targets are integer labels ``(N,)`` or one-hot rows ``(N, C)``; ``x`` may also be one
    sample ``(C,)`` with a scalar label. ``backward`` returns the *exact* gradient of the
    loss that ``forward`` computed: with the book's delta it differs from the book's
    ``(y - t) / N`` by about ``delta / y`` relative (3e-7 at y = 0.3); ``delta=0`` makes
    both the loss and the gradient the book's formulas exactly. ``backward(dout)`` scales
    by ``dout`` (the book ignores it).

    Examples
    --------
    >>> layer = SoftmaxWithLoss(delta=0.0)
    >>> loss = layer.forward(np.zeros((2, 3)), np.array([0, 2]))
    >>> np.allclose(loss, np.log(3)) and np.allclose(layer.backward()[0], [-1/3, 1/6, 1/6])
    True
    """

    def __init__(self, *, delta: float = CROSS_ENTROPY_DELTA):
        self.delta = float(delta)
        if not np.isfinite(self.delta) or self.delta < 0:
            raise ValueError(f"delta must be finite and >= 0, got {delta!r}.")
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        """Mean cross-entropy of ``softmax(x)`` against ``t`` (labels or one-hot)."""
        x = as_float_array(x, "x", allow_complex=False)
        if x.ndim not in (1, 2):
            raise ValueError(f"x has shape {x.shape}; SoftmaxWithLoss takes scores (N, C) or "
                             f"(C,). Flatten image-shaped scores first.")
        y = softmax(x)
        self.loss = cross_entropy_error(y, t, delta=self.delta)  # validates t
        self.y, self.t = y, np.asarray(t)
        return self.loss

    def backward(self, dout=1):
        """Gradient of ``dout * loss`` with respect to the forward's ``x``."""
        y = require_forward(self.y, "SoftmaxWithLoss", "softmax output")
        scale = as_float_array(dout, "dout", allow_complex=False)
        if scale.size != 1:
            raise ValueError(f"dout has shape {scale.shape}; the loss is a scalar, so dout is "
                             f"one number (1 for the loss itself).")
        t = self.t if self.t.shape == y.shape else one_hot(self.t, y.shape[-1])
        y2, t2 = np.atleast_2d(y), np.atleast_2d(t)
        r = t2 * y2 / (y2 + self.delta)
        dx = (y2 * np.sum(r, axis=1, keepdims=True) - r) / y2.shape[0]
        return (scale.reshape(()) * dx).reshape(y.shape)
