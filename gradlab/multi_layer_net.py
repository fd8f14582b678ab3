"""The book's fully connected networks of chapter 6: MultiLayerNet (weight decay) and
MultiLayerNetExtend (plus BatchNormalization and Dropout), ``common/multi_layer_net*.py``."""

from __future__ import annotations

import numpy as np

from .layer_net_base import ACTIVATIONS, LayerNet, layer_sizes, rng_from
from .layers import BatchNormalization, Dropout

__all__ = ["MultiLayerNet", "MultiLayerNetExtend"]


class MultiLayerNet(LayerNet):
    """Fully connected network with weight decay (``common/multi_layer_net.py``, 6.4.2).

    Parameters
    ----------
    input_size : int
        784 for MNIST.
    hidden_size_list : list of int
        Widths of the hidden layers, e.g. ``[100, 100, 100]``.
    output_size : int
        Number of classes.
    activation : {"relu", "sigmoid"}, optional
        Hidden activation, default "relu".
    weight_init_std : float or str, optional
        "relu"/"he", "sigmoid"/"xavier" (the default "relu"), or a number; see
        :func:`init_scale`.
    weight_decay_lambda : float, optional
        L2 strength: the loss adds ``0.5 * lambda * sum(W**2)`` over every weight matrix
        and the gradient ``lambda * W``. Default 0.
    seed : int or numpy.random.Generator, optional
        Reproducible weights (and dropout masks, in the Extend version).

    Examples
    --------
    >>> net = MultiLayerNet(3, [4, 4], 2, weight_decay_lambda=0.1, seed=1)
    >>> x, t = np.linspace(-1, 1, 6).reshape(2, 3), np.array([1, 0])
    >>> grads, num = net.gradient(x, t), net.numerical_gradient(x, t)
    >>> sorted(grads) == sorted(net.params) and np.allclose(grads["W2"], num["W2"], atol=1e-6)
    True
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, seed=None):
        super().__init__()
        self._build(input_size, hidden_size_list, output_size, activation, weight_init_std,
                    weight_decay_lambda, seed)

    def _build(self, input_size, hidden_size_list, output_size, activation, weight_init_std,
               weight_decay_lambda, seed):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be 'relu' or 'sigmoid', got {activation!r}.")
        lam = float(weight_decay_lambda)
        if not np.isfinite(lam) or lam < 0:
            raise ValueError(f"weight_decay_lambda must be finite and >= 0, got "
                             f"{weight_decay_lambda!r}.")
        sizes = layer_sizes(input_size, hidden_size_list, output_size)
        self.input_size, self.output_size = sizes[0], sizes[-1]
        self.hidden_size_list = sizes[1:-1]
        self.hidden_layer_num = len(self.hidden_size_list)
        self.weight_decay_lambda = lam
        self.rng = rng_from(seed)
        for idx in range(1, len(sizes)):
            self._add_affine(idx, sizes[idx - 1], sizes[idx], weight_init_std, self.rng)
            if idx < len(sizes) - 1:
                self._before_activation(idx, sizes[idx])
                self.layers[f"Activation_function{idx}"] = ACTIVATIONS[activation]()
                self._after_activation(idx)

    def _before_activation(self, idx: int, width: int) -> None:
        """Hook for the Extend version's BatchNormalization."""

    def _after_activation(self, idx: int) -> None:
        """Hook for the Extend version's Dropout."""


class MultiLayerNetExtend(MultiLayerNet):
    """MultiLayerNet with optional BatchNormalization and Dropout (chapter 6).

    Parameters
    ----------
    input_size, hidden_size_list, output_size, activation, weight_init_std, \
weight_decay_lambda, seed
        As :class:`MultiLayerNet`.
    use_dropout : bool, optional
        Put a Dropout after every hidden activation. Default False.
    dropout_ration : float, optional
        Its ratio (the book's spelling), default 0.5.
    use_batchnorm : bool, optional
        Put a BatchNormalization (params ``gamma{i}`` = 1, ``beta{i}`` = 0) between every
        hidden Affine and its activation. Default False.

    Notes
    -----
    ``gradient`` runs in training mode with new dropout masks; ``numerical_gradient``
    also runs in training mode, as the book's does, but holds the masks of the last
    training forward fixed (the book draws new ones at every one of its 2P loss
    evaluations, so its numerical gradient of a dropout network is noise) and leaves the
    running statistics as they were.

    Examples
    --------
    >>> net = MultiLayerNetExtend(3, [4], 2, use_batchnorm=True, use_dropout=True, seed=2)
    >>> x, t = np.random.default_rng(0).normal(size=(3, 3)), np.array([1, 0, 1])
    >>> grads = net.gradient(x, t)
    >>> num = net.numerical_gradient(x, t)          # same dropout mask as gradient's
    >>> all(np.allclose(grads[k], num[k], atol=1e-6) for k in net.params)
    True
    """

    numerical_train_flg = True

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, use_dropout=False,
                 dropout_ration=0.5, use_batchnorm=False, seed=None):
        LayerNet.__init__(self)
        self.use_dropout, self.use_batchnorm = bool(use_dropout), bool(use_batchnorm)
        self.dropout_ration = dropout_ration
        self._build(input_size, hidden_size_list, output_size, activation, weight_init_std,
                    weight_decay_lambda, seed)

    def _before_activation(self, idx: int, width: int) -> None:
        if not self.use_batchnorm:
            return
        gamma, beta = np.ones(width), np.zeros(width)
        self.params[f"gamma{idx}"], self.params[f"beta{idx}"] = gamma, beta
        self.layers[f"BatchNorm{idx}"] = BatchNormalization(gamma, beta)
        self.grad_sources[f"gamma{idx}"] = (f"BatchNorm{idx}", "dgamma")
        self.grad_sources[f"beta{idx}"] = (f"BatchNorm{idx}", "dbeta")

    def _after_activation(self, idx: int) -> None:
        if self.use_dropout:
            self.layers[f"Dropout{idx}"] = Dropout(self.dropout_ration, seed=self.rng)
