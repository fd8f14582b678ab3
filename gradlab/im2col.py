"""im2col and col2im (the book's ``common/util.py``, section 7.4.3): convolution as a product.

``im2col`` lays every filter-sized window of a batch of images out as one row, so that a
convolution becomes ``col @ W.reshape(FN, -1).T``; ``col2im`` is its adjoint, the map that
backpropagation needs: it adds every row back onto the window it came from, so a pixel
covered by several windows receives the *sum* of their contributions.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, nonnegative_int, positive_int

__all__ = ["conv_output_size", "im2col", "col2im"]


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0,
                     *, axis: str = "height") -> int:
    """Number of window positions along one axis: ``(input + 2*pad - filter) / stride + 1``.

    Parameters
    ----------
    input_size, filter_size : int
        Sizes along the axis (H and FH, or W and FW).
    stride : int, optional
        Step between windows, default 1.
    pad : int, optional
        Zeros added on both sides, default 0.
    axis : str, optional
        "height" or "width": named in the error message.

    Returns
    -------
    int
        The output size along the axis.

    Raises
    ------
    ValueError
        If the filter is larger than the padded input, or the windows do not tile it
        exactly (``input + 2*pad - filter`` not a multiple of ``stride``).

    Notes
    -----
    Section 7.2.4's formula. The book's ``conv_output_size`` returns a float when the
    windows do not fit, and its ``im2col`` floors it, silently ignoring the last input
    rows or columns. gradlab refuses that case instead: a shape that does not fit is
    almost always a mistake in ``stride`` or ``pad``.

    Examples
    --------
    >>> conv_output_size(28, 5), conv_output_size(7, 3, stride=2, pad=1)
    (24, 4)
    """
    size, filt = positive_int(input_size, axis), positive_int(filter_size, f"filter {axis}")
    stride, pad = positive_int(stride, "stride"), nonnegative_int(pad, "pad")
    span = size + 2 * pad - filt
    if span < 0:
        raise ValueError(
            f"the filter {axis} {filt} is larger than the padded input {axis} "
            f"{size} + 2*{pad} = {size + 2 * pad}; use a smaller filter or more padding."
        )
    if span % stride:
        raise ValueError(
            f"windows of {axis} {filt} with stride {stride} and pad {pad} do not tile an input "
            f"of {axis} {size}: ({size} + 2*{pad} - {filt}) / {stride} + 1 = "
            f"{span / stride + 1:g} is not an integer. Choose stride and pad so that "
            f"{axis} + 2*pad - filter is a multiple of stride."
        )
    return span // stride + 1


def _output_hw(shape, filter_h, filter_w, stride, pad):
    _, _, H, W = shape
    return (conv_output_size(H, filter_h, stride, pad, axis="height"),
            conv_output_size(W, filter_w, stride, pad, axis="width"))


def _four_d(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D (N, C, H, W), got shape {arr.shape}; one image is "
            f"x[np.newaxis], a batch of grey images x[:, np.newaxis]."
        )
    return arr


def im2col(input_data, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0, *,
           pad_value: float = 0.0):
    """Unfold every ``filter_h x filter_w`` window of a batch into one row.

    Parameters
    ----------
    input_data : array_like
        Images, shape ``(N, C, H, W)``.
    filter_h, filter_w : int
        Window size.
    stride : int, optional
        Step between windows, default 1.
    pad : int, optional
        Rows and columns added around each image, default 0.
    pad_value : float, optional
        What they hold: 0 for a convolution (the book's), ``-np.inf`` for max pooling.

    Returns
    -------
    ndarray
        Shape ``(N*OH*OW, C*filter_h*filter_w)``: rows ordered (n, oh, ow), columns
        (c, fh, fw), as the book's, so ``col @ W.reshape(FN, -1).T`` is the convolution.

    Raises
    ------
    ValueError
        If ``input_data`` is not 4-D, or the windows do not fit (see
        :func:`conv_output_size`).

    Notes
    -----
    Section 7.4.3. The book loops over the ``filter_h * filter_w`` offsets; this uses
    ``sliding_window_view`` and one copy, no Python loop. Integer input is promoted to
    float64; complex input stays complex (for complex-step differentiation).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> col = im2col(x, 2, 2, stride=2)
    >>> col.shape, np.allclose(col[0], [0, 1, 4, 5])
    ((4, 4), True)
    """
    x = _four_d(as_float_array(input_data, "input_data"), "input_data")
    filter_h, filter_w = positive_int(filter_h, "filter_h"), positive_int(filter_w, "filter_w")
    stride, pad = positive_int(stride, "stride"), nonnegative_int(pad, "pad")
    out_h, out_w = _output_hw(x.shape, filter_h, filter_w, stride, pad)
    N, C = x.shape[:2]
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], constant_values=pad_value) \
        if pad else x
    windows = np.lib.stride_tricks.sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]  # (N, C, OH, OW, FH, FW)
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0):
    """Fold rows back onto the image: the adjoint of :func:`im2col`.

    Parameters
    ----------
    col : array_like
        Shape ``(N*OH*OW, C*filter_h*filter_w)``, e.g. the gradient of a loss with
        respect to ``im2col``'s output.
    input_shape : tuple of 4 ints
        ``(N, C, H, W)`` of the images ``im2col`` was given.
    filter_h, filter_w, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    ndarray
        Shape ``input_shape``. Where windows overlap (stride < filter size) each pixel
        holds the sum over every window that covers it, so
        ``<im2col(x), c> == <x, col2im(c)>`` for all ``x`` and ``c``.

    Raises
    ------
    ValueError
        If ``col``'s shape does not match ``input_shape`` and the window, or the windows
        do not fit (see :func:`conv_output_size`).

    Notes
    -----
    Section 7.4.3. A ``col2im`` that assigns (``=``) instead of adding (``+=``) keeps
    only the last window at each pixel: the input gradient of Convolution and Pooling is
    then wrong wherever windows overlap. The loop runs over the filter offsets only.

    Examples
    --------
    >>> col = np.ones((9, 4))                      # 3x3 windows of 2x2, stride 1
    >>> img = col2im(col, (1, 1, 4, 4), 2, 2)
    >>> np.allclose(img[0, 0, 1, 1], 4.0)          # an inner pixel is in 4 windows
    True
    """
    shape = tuple(positive_int(v, "input_shape entries") for v in _shape4(input_shape))
    filter_h, filter_w = positive_int(filter_h, "filter_h"), positive_int(filter_w, "filter_w")
    stride, pad = positive_int(stride, "stride"), nonnegative_int(pad, "pad")
    N, C, H, W = shape
    out_h, out_w = _output_hw(shape, filter_h, filter_w, stride, pad)
    c = as_float_array(col, "col")
    expected = (N * out_h * out_w, C * filter_h * filter_w)
    if c.shape != expected:
        raise ValueError(
            f"col has shape {c.shape}, but images of shape {shape} with {filter_h}x{filter_w} "
            f"windows, stride {stride} and pad {pad} give im2col shape {expected}."
        )
    c6 = c.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=c.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            img[:, :, y:y_max:stride, x:x + stride * out_w:stride] += c6[:, :, y, x]
    return img[:, :, pad:H + pad, pad:W + pad]


def _shape4(input_shape) -> tuple:
    shape = tuple(input_shape) if np.ndim(input_shape) == 1 else ()
    if len(shape) != 4:
        raise ValueError(f"input_shape must be (N, C, H, W), got {input_shape!r}.")
    return shape
