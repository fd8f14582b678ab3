"""Networks built from layers: chapter 5's TwoLayerNet (section 5.7.2), MultiLayerNet and
MultiLayerNetExtend (chapter 6) and SimpleConvNet (section 7.5), under the book's names.

Every network has the book's interface: ``params`` (the arrays its layers hold, by
reference), ``layers`` (a dict in forward order), ``last_layer`` (SoftmaxWithLoss),
``predict``, ``loss``, ``accuracy``, ``gradient`` (backpropagation) and
``numerical_gradient`` (the book's per-parameter loop through
:func:`gradlab.numerical_gradient`); see :class:`gradlab.layer_net_base.LayerNet`.
Chapter 5's network is exported from gradlab as :class:`LayerTwoLayerNet`
(``gradlab.TwoLayerNet`` is chapter 4's); this module also names it ``TwoLayerNet``, as
the book's ``ch05/two_layer_net.py`` does.
"""

from __future__ import annotations

from .layer_net_base import LayerNet, layer_sizes, rng_from
from .layers import Relu
from .multi_layer_net import MultiLayerNet, MultiLayerNetExtend
from .simple_convnet import SimpleConvNet

__all__ = ["LayerTwoLayerNet", "TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend",
           "SimpleConvNet"]


class LayerTwoLayerNet(LayerNet):
    """Chapter 5's two-layer network: Affine, Relu, Affine, SoftmaxWithLoss (section 5.7.2).

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Layer widths.
    weight_init_std : float, optional
        Standard deviation of the initial weights, default 0.01; biases start at 0.
    seed : int or numpy.random.Generator, optional
        Reproducible initial weights (the book uses the global ``np.random``).

    Notes
    -----
    Unlike chapter 4's :class:`gradlab.TwoLayerNet` the hidden activation is ReLU, so
    the two networks compute different functions from the same ``params``.

    Examples
    --------
    >>> net = LayerTwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=0)
    >>> x, t = np.linspace(-1, 1, 8).reshape(2, 4), np.array([0, 2])
    >>> grads, num = net.gradient(x, t), net.numerical_gradient(x, t)
    >>> all(np.allclose(grads[k], num[k], atol=1e-6) for k in net.params)
    True
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, seed=None):
        super().__init__()
        sizes = layer_sizes(input_size, [hidden_size], output_size)
        rng = rng_from(seed)
        self._add_affine(1, sizes[0], sizes[1], weight_init_std, rng)
        self.layers["Relu1"] = Relu()
        self._add_affine(2, sizes[1], sizes[2], weight_init_std, rng)

    @property
    def lastLayer(self):  # noqa: N802  (the book's name in ch05/two_layer_net.py)
        return self.last_layer


TwoLayerNet = LayerTwoLayerNet
