"""What the book's layer networks share: forward through ``layers``, backprop, the loop.

:class:`LayerNet` holds ``params``, ``layers`` (a dict in forward order) and ``last_layer``
(SoftmaxWithLoss) and implements ``predict``, ``loss``, ``accuracy``, ``gradient`` and
``numerical_gradient`` once for chapter 5's TwoLayerNet, MultiLayerNet(Extend) and
SimpleConvNet (:mod:`gradlab.layer_nets`).
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._validation import positive_int
from .layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from .numerical import DEFAULT_H, numerical_gradient

__all__ = ["LayerNet", "ACTIVATIONS", "init_scale", "target_labels", "layer_sizes", "rng_from"]

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}
"""The hidden activations the book's multi-layer networks accept."""


def rng_from(seed) -> np.random.Generator:
    """``seed`` itself if it is a Generator, else ``np.random.default_rng(seed)``."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def init_scale(weight_init_std, fan_in: int) -> float:
    """Standard deviation of a layer's initial weights (section 6.2.2).

    ``"relu"``/``"he"`` gives He's ``sqrt(2 / fan_in)``, ``"sigmoid"``/``"xavier"``
    Xavier's ``sqrt(1 / fan_in)``, a number is used as it is.

    Examples
    --------
    >>> np.allclose([init_scale("he", 50), init_scale("xavier", 4), init_scale(0.01, 9)],
    ...             [0.2, 0.5, 0.01])
    True
    """
    if isinstance(weight_init_std, str):
        key = weight_init_std.lower()
        if key in ("relu", "he"):
            return float(np.sqrt(2.0 / fan_in))
        if key in ("sigmoid", "xavier"):
            return float(np.sqrt(1.0 / fan_in))
        raise ValueError(f"weight_init_std must be a number or one of 'relu', 'he', "
                         f"'sigmoid', 'xavier', got {weight_init_std!r}.")
    std = float(weight_init_std)
    if not np.isfinite(std) or std < 0:
        raise ValueError(f"weight_init_std must be finite and >= 0, got {weight_init_std!r}.")
    return std


def target_labels(t, y: np.ndarray) -> np.ndarray:
    """Class labels of ``t`` (labels ``(N,)`` or one-hot ``(N, C)``) for predictions ``y``."""
    t = np.asarray(t)
    if t.shape == y.shape:
        return np.argmax(t, axis=-1)
    if t.shape == y.shape[:-1] and t.dtype.kind in "iu":
        return t
    raise ValueError(f"t has shape {t.shape} and dtype {t.dtype}; accuracy needs one-hot "
                     f"targets of shape {y.shape} or integer labels of shape {y.shape[:-1]}.")


class LayerNet:
    """What every layer network shares: forward through ``layers``, backward, gradients.

    Subclasses fill ``params``, ``layers`` (dict, forward order), ``grad_sources``
    (parameter key to ``(layer key, attribute)``) and ``weight_decay_lambda``.
    """

    weight_decay_lambda = 0.0
    numerical_train_flg = False
    """The mode of ``numerical_gradient``'s forwards (the book's Extend uses training)."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.layers: dict = {}
        self.grad_sources: dict[str, tuple[str, str]] = {}
        self.last_layer = SoftmaxWithLoss()

    def _forward(self, x, train_flg: bool, reuse_masks: bool = False):
        for layer in self.layers.values():
            if isinstance(layer, Dropout):
                x = layer.forward(x, train_flg, reuse_mask=reuse_masks)
            elif isinstance(layer, BatchNormalization):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def predict(self, x, train_flg: bool = False, *, reuse_masks: bool = False):
        """Scores (before softmax), shape ``(N, output_size)``; test mode unless ``train_flg``.

        ``reuse_masks=True`` (training mode) applies the dropout masks of the last training
        forward again instead of drawing new ones, as finite differences need.
        """
        return self._forward(x, train_flg, reuse_masks)

    def _loss(self, x, t, train_flg: bool, reuse_masks: bool = False):
        y = self._forward(x, train_flg, reuse_masks)
        decay = sum(0.5 * self.weight_decay_lambda * np.sum(self.params[k] ** 2)
                    for k in self.grad_sources if k.startswith("W")) \
            if self.weight_decay_lambda else 0.0
        return self.last_layer.forward(y, t) + decay

    def loss(self, x, t, train_flg: bool = False, *, reuse_masks: bool = False):
        """Softmax cross-entropy of ``predict(x)`` plus ``0.5 * lambda * sum(W**2)``."""
        return self._loss(x, t, train_flg, reuse_masks)

    def accuracy(self, x, t) -> float:
        """Fraction of samples whose arg-max score is the target class (test mode)."""
        y = self.predict(x)
        return float(np.mean(np.argmax(y, axis=1) == target_labels(t, y)))

    def gradient(self, x, t) -> dict:
        """Gradient of ``loss(x, t, train_flg=True)`` by backpropagation (new dropout masks)."""
        self._loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {k: getattr(self.layers[name], attr)
                 for k, (name, attr) in self.grad_sources.items()}
        for k in grads:
            if k.startswith("W") and self.weight_decay_lambda:
                grads[k] = grads[k] + self.weight_decay_lambda * self.params[k]
        return grads

    def numerical_gradient(self, x, t, *, h: float = DEFAULT_H) -> dict:
        """The same gradient by central differences, one parameter at a time (section 4.4).

        Dropout layers keep the masks of the last training forward (``gradient``'s, so the
        two are comparable; drawn once if there is none), and BatchNormalization's running
        statistics are restored afterwards: the network is left as it was found.
        """
        train = self.numerical_train_flg
        with self._held_state(x, train):
            def loss_w(_):
                return self._loss(x, t, train, reuse_masks=True)

            return {k: numerical_gradient(loss_w, self.params[k], h) for k in self.grad_sources}

    @contextlib.contextmanager
    def _held_state(self, x, train: bool):
        dropouts = [v for v in self.layers.values() if isinstance(v, Dropout)]
        norms = [v for v in self.layers.values() if isinstance(v, BatchNormalization)]
        saved = [(n.running_mean, n.running_var) for n in norms]
        try:
            if train and dropouts:
                try:
                    self._forward(x, True, reuse_masks=True)
                except (RuntimeError, ValueError):  # no masks yet, or for another shape
                    self._forward(x, True)
            yield
        finally:
            for n, (mean, var) in zip(norms, saved, strict=True):
                n.running_mean, n.running_var = mean, var

    def _add_affine(self, idx: int, n_in: int, n_out: int, std, rng) -> None:
        scale = init_scale(std, n_in)
        self.params[f"W{idx}"] = scale * rng.standard_normal((n_in, n_out))
        self.params[f"b{idx}"] = np.zeros(n_out)
        self.layers[f"Affine{idx}"] = Affine(self.params[f"W{idx}"], self.params[f"b{idx}"])
        self.grad_sources[f"W{idx}"] = (f"Affine{idx}", "dW")
        self.grad_sources[f"b{idx}"] = (f"Affine{idx}", "db")


def layer_sizes(input_size, hidden_size_list, output_size) -> list[int]:
    """``[input_size, *hidden_size_list, output_size]`` as validated positive ints."""
    if isinstance(hidden_size_list, (int, np.integer)) or not hasattr(hidden_size_list,
                                                                      "__iter__"):
        raise TypeError(f"hidden_size_list must be a list of layer widths, e.g. [100, 100], "
                        f"got {hidden_size_list!r}.")
    return ([positive_int(input_size, "input_size")]
            + [positive_int(v, "hidden_size_list entries") for v in hidden_size_list]
            + [positive_int(output_size, "output_size")])
