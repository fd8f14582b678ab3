"""Chapter 7's layers: Convolution (section 7.4.3) and max Pooling (7.4.4), through im2col.

Both are vectorised: :func:`gradlab.im2col` uses no Python loop, :func:`gradlab.col2im`
loops over the filter offsets only, and the convolution itself is one matrix product.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    as_float_array,
    check_dout,
    nonnegative_int,
    parameter_array,
    positive_int,
    require_forward,
)
from .im2col import col2im, conv_output_size, im2col

__all__ = ["Convolution", "Pooling"]


def _images(x, layer: str) -> np.ndarray:
    x = as_float_array(x, "x", allow_complex=False)
    if x.ndim != 4:
        raise ValueError(f"x has shape {x.shape}; {layer} takes a batch of images (N, C, H, W) "
                         f"(one image is x[np.newaxis], grey images x[:, np.newaxis]).")
    return x


class Convolution:
    """Convolution layer (section 7.4.3): cross-correlation of each filter with each image.

    Parameters
    ----------
    W : ndarray
        Filters ``(FN, C, FH, FW)``, kept by reference.
    b : ndarray
        Bias ``(FN,)``, one per filter, kept by reference.
    stride : int, optional
        Default 1.
    pad : int, optional
        Zeros around each image, default 0.

    Attributes
    ----------
    x, col, col_W : ndarray or None
        The last input, its im2col matrix and ``W.reshape(FN, -1).T``: kept for backward.
    dW, db : ndarray or None
        Gradients after ``backward``.

    Raises
    ------
    TypeError
        If ``W`` or ``b`` is an integer array.
    ValueError
        If the shapes do not match (W 4-D, b ``(FN,)``, x's channels ``C``), or the
        filters do not tile the padded input with this stride (see
        :func:`gradlab.conv_output_size`).

    Notes
    -----
    Output ``(N, FN, OH, OW)`` with ``OH = (H + 2*pad - FH) / stride + 1`` (the width from
    the width, not from the height). Every output sums over all ``C`` input channels.
    Cost at SimpleConvNet's first layer (30 filters 5x5, 1x28x28, N = 2): see
    ``benchmarks/bench_conv.py``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv = Convolution(np.ones((1, 1, 2, 2)), np.zeros(1), stride=2)
    >>> out = conv.forward(x)
    >>> out.shape, np.allclose(out[0, 0], [[10, 18], [42, 50]])
    ((1, 1, 2, 2), True)
    """

    def __init__(self, W, b, stride: int = 1, pad: int = 0):
        self.W = parameter_array(W, "W", 4)
        self.b = parameter_array(b, "b", 1)
        if self.b.shape != self.W.shape[:1]:
            raise ValueError(f"b has shape {self.b.shape} but W has {self.W.shape[0]} filters; "
                             f"b needs shape ({self.W.shape[0]},), one bias per filter.")
        self.stride = positive_int(stride, "stride")
        self.pad = nonnegative_int(pad, "pad")
        self.x = self.col = self.col_W = None
        self.dW = self.db = None
        self._out_shape = None

    def forward(self, x):
        """Convolve a batch ``(N, C, H, W)``; returns ``(N, FN, OH, OW)``."""
        x = _images(x, "Convolution")
        FN, C, FH, FW = self.W.shape
        if x.shape[1] != C:
            raise ValueError(f"x has {x.shape[1]} channels (shape {x.shape}) but the filters "
                             f"W {self.W.shape} expect {C}.")
        N, _, H, W = x.shape
        out_h = conv_output_size(H, FH, self.stride, self.pad, axis="height")
        out_w = conv_output_size(W, FW, self.stride, self.pad, axis="width")
        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = col @ col_W + self.b
        self.x, self.col, self.col_W = x, col, col_W
        self._out_shape = (N, FN, out_h, out_w)
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """Return ``dx`` (``x``'s shape); set ``dW`` (W's shape) and ``db``."""
        col = require_forward(self.col, "Convolution", "im2col matrix")
        FN, C, FH, FW = self.W.shape
        dout = check_dout(dout, self._out_shape, "Convolution")
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = (col.T @ dout).T.reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling (section 7.4.4): the largest value of each window, channel by channel.

    Parameters
    ----------
    pool_h, pool_w : int
        Window size.
    stride : int, optional
        Default 2, as in the book's repository (``common/layers.py``).
    pad : int, optional
        Padding, default 0; must be smaller than the window. Padded cells hold ``-inf``,
        so they never win the maximum.

    Attributes
    ----------
    x : ndarray or None
        The last input.
    arg_max : ndarray or None
        Position of the maximum in each window (the first one on ties: it gets the whole
        gradient).

    Notes
    -----
    The book's Pooling ignores ``pad`` when it computes the output size and pads with 0
    (which wins the maximum over negative inputs); any ``pad > 0`` fails there.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> pool = Pooling(2, 2, stride=2)
    >>> np.allclose(pool.forward(x)[0, 0], [[5, 7], [13, 15]])
    True
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0):
        self.pool_h, self.pool_w = positive_int(pool_h, "pool_h"), positive_int(pool_w, "pool_w")
        self.stride = positive_int(stride, "stride")
        self.pad = nonnegative_int(pad, "pad")
        if self.pad >= min(self.pool_h, self.pool_w):
            raise ValueError(f"pad = {self.pad} must be smaller than the window "
                             f"{self.pool_h}x{self.pool_w}: a window of padding alone has no "
                             f"maximum.")
        self.x = self.arg_max = self._out_shape = None

    def forward(self, x):
        """Max over each window: ``(N, C, H, W)`` to ``(N, C, OH, OW)``."""
        x = _images(x, "Pooling")
        N, C, H, W = x.shape
        out_h = conv_output_size(H, self.pool_h, self.stride, self.pad, axis="height")
        out_w = conv_output_size(W, self.pool_w, self.stride, self.pad, axis="width")
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=-np.inf)
        col = col.reshape(-1, self.pool_h * self.pool_w)  # one row per (n, oh, ow, c)
        self.arg_max = np.argmax(col, axis=1)
        self.x, self._out_shape = x, (N, C, out_h, out_w)
        out = col[np.arange(col.shape[0]), self.arg_max]
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """Route each ``dout`` entry to its window's maximum; overlapping windows add up."""
        arg_max = require_forward(self.arg_max, "Pooling", "arg_max")
        N, C, out_h, out_w = self._out_shape
        dout = check_dout(dout, self._out_shape, "Pooling").transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size), dtype=dout.dtype)
        dmax[np.arange(arg_max.size), arg_max] = dout.reshape(-1)
        dcol = dmax.reshape(N * out_h * out_w, C * pool_size)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
