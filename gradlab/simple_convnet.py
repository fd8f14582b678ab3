"""The book's SimpleConvNet (section 7.5, ``ch07/simple_convnet.py``):
conv - relu - pool - affine - relu - affine - softmax."""

from __future__ import annotations

import numpy as np

from ._validation import positive_int
from .im2col import conv_output_size
from .layer_net_base import LayerNet, init_scale, rng_from
from .layers import Affine, Convolution, Pooling, Relu

__all__ = ["SimpleConvNet", "DEFAULT_CONV_PARAM"]

DEFAULT_CONV_PARAM = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
"""The book's ``conv_param``; keys left out of a caller's dict take these values."""


def _conv_param(conv_param) -> dict:
    unknown = set(conv_param) - set(DEFAULT_CONV_PARAM)
    if unknown:
        raise ValueError(f"conv_param has unknown keys {sorted(unknown)}; it takes "
                         f"{sorted(DEFAULT_CONV_PARAM)}.")
    return {**DEFAULT_CONV_PARAM, **conv_param}


class SimpleConvNet(LayerNet):
    """One convolution, 2x2 max pooling and two affine layers (section 7.5).

    Parameters
    ----------
    input_dim : tuple of 3 ints, optional
        ``(C, H, W)`` of one image, default ``(1, 28, 28)``; H and W may differ.
    conv_param : dict, optional
        ``filter_num`` (30), ``filter_size`` (5), ``pad`` (0), ``stride`` (1).
    hidden_size, output_size : int, optional
        Widths of the affine layers, default 100 and 10.
    weight_init_std : float, optional
        Standard deviation of every initial weight, default 0.01; biases start at 0.
    seed : int or numpy.random.Generator, optional
        Reproducible initial weights.

    Attributes
    ----------
    params : dict
        ``W1`` (FN, C, FS, FS), ``b1`` (FN,), ``W2`` (FN*OH/2*OW/2, hidden_size), ``b2``,
        ``W3`` (hidden_size, output_size), ``b3``.
    layers : dict
        ``Conv1``, ``Relu1``, ``Pool1``, ``Affine1``, ``Relu2``, ``Affine2``.

    Raises
    ------
    ValueError
        If the filters do not tile the input, or the convolution's output is odd (the
        2x2 pooling with stride 2 needs an even size). The book computes the pooled size
        from the height alone, as a float, and fails later in the first Affine.

    Examples
    --------
    >>> net = SimpleConvNet((1, 6, 8), {"filter_num": 2, "filter_size": 3}, 4, 3,
    ...                     weight_init_std=0.3, seed=0)
    >>> x, t = np.linspace(-1, 1, 96).reshape(2, 1, 6, 8), np.array([2, 0])
    >>> net.params["W2"].shape, net.predict(x).shape
    ((12, 4), (2, 3))
    >>> grads, num = net.gradient(x, t), net.numerical_gradient(x, t)
    >>> all(np.allclose(grads[k], num[k], atol=1e-6) for k in net.params)
    True
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100,
                 output_size=10, weight_init_std=0.01, seed=None):
        super().__init__()
        cp = _conv_param(DEFAULT_CONV_PARAM if conv_param is None else conv_param)
        if len(tuple(input_dim)) != 3:
            raise ValueError(f"input_dim must be (C, H, W) of one image, got {input_dim!r}.")
        C, H, W = (positive_int(v, "input_dim entries") for v in input_dim)
        fn = positive_int(cp["filter_num"], "filter_num")
        fs = positive_int(cp["filter_size"], "filter_size")
        out_h = conv_output_size(H, fs, cp["stride"], cp["pad"], axis="height")
        out_w = conv_output_size(W, fs, cp["stride"], cp["pad"], axis="width")
        if out_h % 2 or out_w % 2:
            raise ValueError(
                f"the convolution's output is {out_h}x{out_w}, but the 2x2 pooling with "
                f"stride 2 needs even sizes; change filter_size, pad or stride (the book "
                f"computes a fractional pooled size here and fails in Affine1)."
            )
        pool_h, pool_w = out_h // 2, out_w // 2
        hidden = positive_int(hidden_size, "hidden_size")
        classes = positive_int(output_size, "output_size")
        if isinstance(weight_init_std, str):
            raise ValueError(f"weight_init_std must be a number for SimpleConvNet (the book "
                             f"uses 0.01), got {weight_init_std!r}.")
        std, rng = init_scale(weight_init_std, 1), rng_from(seed)
        self.params = {
            "W1": std * rng.standard_normal((fn, C, fs, fs)), "b1": np.zeros(fn),
            "W2": std * rng.standard_normal((fn * pool_h * pool_w, hidden)),
            "b2": np.zeros(hidden),
            "W3": std * rng.standard_normal((hidden, classes)), "b3": np.zeros(classes),
        }
        p = self.params
        self.layers = {
            "Conv1": Convolution(p["W1"], p["b1"], cp["stride"], cp["pad"]),
            "Relu1": Relu(),
            "Pool1": Pooling(pool_h=2, pool_w=2, stride=2),
            "Affine1": Affine(p["W2"], p["b2"]),
            "Relu2": Relu(),
            "Affine2": Affine(p["W3"], p["b3"]),
        }
        self.grad_sources = {"W1": ("Conv1", "dW"), "b1": ("Conv1", "db"),
                             "W2": ("Affine1", "dW"), "b2": ("Affine1", "db"),
                             "W3": ("Affine2", "dW"), "b3": ("Affine2", "db")}

    def accuracy(self, x, t, batch_size: int = 100) -> float:
        """Accuracy over all of ``x``, predicted ``batch_size`` samples at a time.

        The book's version skips the last ``N % batch_size`` samples but still divides by
        ``N`` (so 50 samples at the default batch size score 0.0); this one counts all.
        """
        size = positive_int(batch_size, "batch_size")
        x, t = np.asarray(x), np.asarray(t)
        if x.ndim != 4 or len(x) == 0 or len(t) != len(x):
            raise ValueError(f"x has shape {x.shape} and t {t.shape}; accuracy takes a "
                             f"non-empty batch of images (N, C, H, W) and N targets.")
        hits = 0.0
        for i in range(0, len(x), size):
            hits += LayerNet.accuracy(self, x[i:i + size], t[i:i + size]) * len(x[i:i + size])
        return float(hits / len(x))
