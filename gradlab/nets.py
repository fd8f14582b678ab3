"""The chapter-4 networks: SimpleNet (section 4.4.2) and TwoLayerNet (section 4.5.1)."""

from __future__ import annotations

import numpy as np

from ._validation import (
    TWO_LAYER_NET_PARAMS,
    as_float_array,
    as_generator,
    as_targets,
    check_memory,
    check_params,
    finite_step,
    first_nonfinite,
    nonnegative_finite,
    one_of,
    perturbable,
    positive_int,
    where,
)
from .errors import GradlabTypeError, GradlabValueError
from .functions import CROSS_ENTROPY_DELTA, cross_entropy_error, one_hot, sigmoid, softmax
from .numerical import DEFAULT_H, numerical_gradient

__all__ = ["SimpleNet", "TwoLayerNet", "GRADIENT_METHODS", "WEIGHT_INIT_STD"]

GRADIENT_METHODS = ("loop", "structured")
"""Values accepted by ``TwoLayerNet.numerical_gradient(..., method=...)``."""

WEIGHT_INIT_STD = 0.01
"""The book's ``weight_init_std``: the default scale of TwoLayerNet's initial weights."""


def _diagnose_nonfinite(arrays: dict[str, np.ndarray], stage: str) -> None:
    for name, arr in arrays.items():
        bad = first_nonfinite(arr)
        if bad is not None:
            raise GradlabValueError(
                f"{name} contains {arr[bad]} (at {where(name, bad)}), so {stage} is not "
                f"finite. Check the data, or lower the learning rate if training blew the "
                f"weights up.")
    raise GradlabValueError(f"{stage} overflowed to inf; the weights or inputs are far too "
                            f"large.")


def _one_hot_targets(t, y: np.ndarray) -> np.ndarray:
    target = as_targets(t, y.shape)
    return target.one_hot if target.labels is None else one_hot(target.labels, y.shape[-1])


class SimpleNet:
    """The one-layer net of section 4.4.2: ``softmax(x @ W)`` with cross-entropy loss.

    Parameters
    ----------
    W : array_like, optional
        Weights of shape ``(2, 3)`` or any ``(D, C)``; copied. Default: drawn
        from a standard normal, as the book's ``np.random.randn(2, 3)``.
    seed : int or numpy.random.Generator, optional
        Seed for the default weights.

    Examples
    --------
    >>> net = SimpleNet(W=np.zeros((2, 3)))
    >>> np.allclose(net.loss(np.array([0.6, 0.9]), np.array([0, 0, 1])), np.log(3), atol=1e-6)
    True
    """

    def __init__(self, W=None, *, seed=None):
        W = as_generator(seed).standard_normal((2, 3)) if W is None else W
        self.W = np.array(as_float_array(W, "W", allow_complex=False), dtype=np.float64,
                          order="C")  # a copy: the caller's W is never shared
        if self.W.ndim != 2:
            raise GradlabValueError(f"W must be a 2-D matrix (inputs, classes), got shape "
                                    f"{self.W.shape}.")

    def predict(self, x):
        """Logits ``x @ W``."""
        x_arr = as_float_array(x, "x")
        if x_arr.shape[-1:] != self.W.shape[:1]:
            raise GradlabValueError(
                f"x has shape {x_arr.shape} but W has shape {self.W.shape}; "
                f"x's last axis must have {self.W.shape[0]} features."
            )
        return x_arr @ self.W

    def loss(self, x, t):
        """Cross-entropy of ``softmax(predict(x))`` against ``t`` (one-hot or labels)."""
        return cross_entropy_error(softmax(self.predict(x)), t)


class TwoLayerNet:
    """Two affine layers with a sigmoid between and softmax at the end (section 4.5.1).

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Layer widths (784, 50, 10 for MNIST in the book).
    weight_init_std : float, optional
        Standard deviation of the initial weights, default 0.01. Biases start
        at 0, as in the book.
    seed : int or numpy.random.Generator, optional
        Makes the initial weights reproducible (the book uses the global
        ``np.random`` state).

    Attributes
    ----------
    params : dict of str to ndarray
        ``'W1'`` (input, hidden), ``'b1'`` (hidden,), ``'W2'`` (hidden, output),
        ``'b2'`` (output,), all float64.

    Examples
    --------
    >>> net = TwoLayerNet(4, 5, 3, seed=0)
    >>> x, t = np.ones((2, 4)), np.array([0, 2])
    >>> grads = net.gradient(x, t)
    >>> num = net.numerical_gradient(x, t)
    >>> all(np.allclose(grads[k], num[k], atol=1e-7) for k in net.params)
    True
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=WEIGHT_INIT_STD,
                 seed=None):
        n_in, n_hidden, n_out = (positive_int(v, n) for v, n in (
            (input_size, "input_size"), (hidden_size, "hidden_size"),
            (output_size, "output_size")))
        std = nonnegative_finite(weight_init_std, "weight_init_std")
        rng = as_generator(seed)
        check_memory(8 * (n_in + 2) * (n_hidden + n_out), f"TwoLayerNet(input_size={n_in}, "
                     f"hidden_size={n_hidden}, output_size={n_out})")
        self.params = {
            "W1": std * rng.standard_normal((n_in, n_hidden)),
            "b1": np.zeros(n_hidden),
            "W2": std * rng.standard_normal((n_hidden, n_out)),
            "b2": np.zeros(n_out),
        }

    def _forward(self, x):
        """Return ``(x, a1, z1, y)`` with shapes checked and non-finite values diagnosed."""
        p = check_params(self.params, TWO_LAYER_NET_PARAMS)
        # a float ndarray goes straight on (this runs 2P times in the loop): a nan in it is
        # diagnosed below, where the hidden layer is not finite
        fast = type(x) is np.ndarray and x.dtype.kind in "fc" and x.flags.c_contiguous
        x_arr = x if fast else as_float_array(x, "x")
        if x_arr.ndim not in (1, 2) or x_arr.shape[-1] != p["W1"].shape[0] or x_arr.size == 0:
            raise GradlabValueError(
                f"x has shape {x_arr.shape}; this network takes (N, {p['W1'].shape[0]}) "
                f"or ({p['W1'].shape[0]},) inputs."
            )
        a1 = x_arr @ p["W1"] + p["b1"]
        if not np.isfinite(a1).all():
            _diagnose_nonfinite({"x": x_arr, "params['W1']": p["W1"], "params['b1']": p["b1"]},
                                "the hidden layer")
        z1 = sigmoid(a1)
        a2 = z1 @ p["W2"] + p["b2"]
        if not np.isfinite(a2).all():
            _diagnose_nonfinite({"params['W2']": p["W2"], "params['b2']": p["b2"]},
                                "the output layer")
        return x_arr, a1, z1, softmax(a2)

    def predict(self, x):
        """Probabilities ``softmax(sigmoid(x W1 + b1) W2 + b2)``, shape ``(N, C)`` or ``(C,)``."""
        return self._forward(x)[3]

    def loss(self, x, t):
        """Mean cross-entropy (with the book's delta = 1e-7) of ``predict(x)`` against ``t``."""
        return cross_entropy_error(self.predict(x), t)

    def accuracy(self, x, t) -> float:
        """Fraction of rows whose arg-max prediction is the target class (one-hot or labels)."""
        y = self.predict(x)
        target = as_targets(t, y.shape)
        labels = target.labels if target.one_hot is None else np.argmax(target.one_hot, axis=-1)
        return float(np.mean(np.argmax(y, axis=-1) == labels))

    def numerical_gradient(self, x, t, method: str = "loop", *, h: float = DEFAULT_H):
        """Gradient of :meth:`loss` by central differences, one dict entry per parameter.

        Parameters
        ----------
        x, t : ndarray
            A batch and its targets (one-hot or labels).
        method : {"loop", "structured"}
            ``"loop"`` is the book's per-parameter loop: 2 forward passes per
            parameter (about 9 s at 784-50-10, batch 100). ``"structured"``
            returns the same numbers (to the loop's rounding, ~eps*loss/h)
            from only the terms each perturbation changes, a few hundred
            times faster; see :mod:`gradlab.fastfd.structured`.
        h : float, optional
            Step, default 1e-4.

        Returns
        -------
        dict of str to ndarray
            Same keys and shapes as :attr:`params`.
        """
        one_of(method, GRADIENT_METHODS, "method")
        h = finite_step(h)
        x_arr, _, _, y = self._forward(x)
        cross_entropy_error(y, t)  # validate x and t once, before the long loop
        if method == "structured":
            from .fastfd.structured import structured_numerical_gradient

            return structured_numerical_gradient(self.params, x_arr, t, h=h)

        for key, value in self.params.items():  # the loop perturbs each one in place
            if not isinstance(value, np.ndarray):
                raise GradlabTypeError(
                    f"params[{key!r}] is a {type(value).__name__}; the loop perturbs each "
                    f"parameter in place, so it must be a NumPy array (np.asarray it once).")
            perturbable(value, f"params[{key!r}]")

        def loss_w(_):
            return self.loss(x_arr, t)

        return {k: numerical_gradient(loss_w, v, h) for k, v in self.params.items()}

    def gradient(self, x, t, *, delta: float = CROSS_ENTROPY_DELTA):
        """Gradient of :meth:`loss` by backpropagation (the book's section 4.5 version).

        Parameters
        ----------
        x, t : ndarray
            A batch and its targets (one-hot or labels).
        delta : float, optional
            The delta inside the loss's log. The default makes this the exact
            gradient of :meth:`loss`; ``delta=0`` gives the book's
            ``(y - t) / N`` output error, which differs from the exact gradient
            by about ``delta / y`` relative (≈3e-7).

        Returns
        -------
        dict of str to ndarray
            Same keys and shapes as :attr:`params`.
        """
        delta = nonnegative_finite(delta, "delta")
        x_arr, a1, z1, y = self._forward(x)
        p = check_params(self.params, TWO_LAYER_NET_PARAMS)
        t_hot = np.atleast_2d(_one_hot_targets(t, y))
        x2, z1, y = (np.atleast_2d(v) for v in (x_arr, z1, y))
        r = y / (y + delta)
        da2 = (y * np.sum(t_hot * r, axis=1, keepdims=True) - t_hot * r) / y.shape[0]
        da1 = (da2 @ p["W2"].T) * (1.0 - z1) * z1
        return {"W1": x2.T @ da1, "b1": da1.sum(axis=0), "W2": z1.T @ da2, "b2": da2.sum(axis=0)}
