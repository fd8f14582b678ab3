"""Chapter 6's layers with a training mode: Dropout (section 6.4.3) and BatchNormalization (6.3).

Both take ``forward(x, train_flg=True)`` as in the book and remember which mode the last
forward ran in, so that ``backward`` differentiates *that* call (the book's ``backward``
after a test-mode forward reuses the last training call's mask or batch statistics).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_dout, parameter_array, require_forward

__all__ = ["Dropout", "BatchNormalization", "BATCHNORM_EPS", "BATCHNORM_MOMENTUM"]

BATCHNORM_EPS = 1e-6
"""Added to the variance before the square root; the book writes it as ``10e-7``."""

BATCHNORM_MOMENTUM = 0.9
"""The book's decay of the running mean and variance."""


def _generator(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


class Dropout:
    """Dropout as the book defines it (section 6.4.3): drop in training, scale at test time.

    Parameters
    ----------
    dropout_ratio : float, optional
        Probability that a unit is dropped, in ``[0, 1)``; default 0.5.
    seed : int or numpy.random.Generator, optional
        Source of the masks (the book draws from the global ``np.random``).

    Attributes
    ----------
    mask : ndarray of bool or None
        Units kept by the last training forward (``rand > dropout_ratio``).
    train_flg : bool or None
        The mode of the last forward.

    Notes
    -----
    The book's convention is *not* inverted dropout: training returns ``x * mask`` and
    test returns ``x * (1 - dropout_ratio)``, so that the expected training output equals
    the test output. ``forward(x, True, reuse_mask=True)`` applies the last mask again:
    finite differences of a training-mode loss need the same mask in every evaluation.

    Examples
    --------
    >>> layer = Dropout(0.25, seed=0)
    >>> out = layer.forward(np.ones((2, 4)))
    >>> np.allclose(out, layer.mask) and np.allclose(layer.forward(np.ones(3), False), 0.75)
    True
    """

    def __init__(self, dropout_ratio: float = 0.5, *, seed=None):
        ratio = float(dropout_ratio)
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"dropout_ratio must be in [0, 1), got {dropout_ratio!r}: it is "
                             f"the probability of dropping a unit (the book uses 0.5).")
        self.dropout_ratio = ratio
        self.rng = _generator(seed)
        self.mask = None
        self.train_flg = None
        self._shape = None

    def forward(self, x, train_flg: bool = True, *, reuse_mask: bool = False):
        """``x * mask`` (a new random mask unless ``reuse_mask``) or ``x * (1 - ratio)``."""
        x = as_float_array(x, "x", allow_complex=False)
        self.train_flg = bool(train_flg)
        if not self.train_flg:
            self._shape = x.shape
            return x * (1.0 - self.dropout_ratio)
        if reuse_mask:
            mask = require_forward(self.mask, "Dropout", "mask to reuse")
            if mask.shape != x.shape:
                raise ValueError(f"reuse_mask=True but the last mask has shape {mask.shape} and "
                                 f"x has shape {x.shape}; draw a new mask for a new shape.")
        else:
            self.mask = self.rng.random(x.shape) > self.dropout_ratio
        self._shape = x.shape
        return x * self.mask

    def backward(self, dout):
        """``dout * mask`` after a training forward, ``dout * (1 - ratio)`` after a test one."""
        require_forward(self.train_flg, "Dropout", "mode")
        dout = check_dout(dout, self._shape, "Dropout")
        return dout * self.mask if self.train_flg else dout * (1.0 - self.dropout_ratio)


class BatchNormalization:
    """Batch normalization (section 6.3.1), for ``(N, D)`` and ``(N, C, H, W)`` input.

    Parameters
    ----------
    gamma, beta : ndarray
        Scale and shift, shape ``(D,)``; kept by reference (not copied).
    momentum : float, optional
        Decay of the running statistics, default 0.9.
    running_mean, running_var : ndarray, optional
        Statistics for test mode; default: zeros, set by the first training forward.
    eps : float, optional
        Added to the variance, default 1e-6 (the book's ``10e-7``).

    Attributes
    ----------
    running_mean, running_var : ndarray or None
        ``momentum * old + (1 - momentum) * batch statistic`` after each training forward
        (the variance is the biased one, ``mean(xc**2)``, as in the book).
    dgamma, dbeta : ndarray or None
        Gradients after ``backward``.
    xc, xn, std, batch_size, input_shape
        What the last forward computed.

    Notes
    -----
    As in the book, 4-D input is flattened to ``(N, C*H*W)`` and every one of the
    ``C*H*W`` features is normalized on its own (so ``gamma`` has ``C*H*W`` entries; this
    is not the per-channel "spatial" batch norm of convolutional libraries). A training
    batch of one sample gives ``xc = 0``: the output is ``beta`` whatever ``x`` is.
    Test mode is an affine map of ``x``; its ``backward`` is that map's gradient.

    Examples
    --------
    >>> bn = BatchNormalization(np.ones(2), np.zeros(2))
    >>> out = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> np.allclose(out, [[-1, -1], [1, 1]], atol=1e-5) and np.allclose(bn.running_mean, [0.2, 0.4])
    True
    """

    def __init__(self, gamma, beta, momentum: float = BATCHNORM_MOMENTUM, running_mean=None,
                 running_var=None, *, eps: float = BATCHNORM_EPS):
        self.gamma, self.beta = parameter_array(gamma, "gamma", 1), parameter_array(beta, "beta", 1)
        if self.beta.shape != self.gamma.shape:
            raise ValueError(f"gamma has shape {self.gamma.shape} but beta has shape "
                             f"{self.beta.shape}; both have one entry per feature.")
        self.momentum, self.eps = float(momentum), float(eps)
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r} (the book uses 0.9).")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be a positive finite number, got {eps!r}.")
        self.running_mean = self._statistic(running_mean, "running_mean")
        self.running_var = self._statistic(running_var, "running_var")
        self.input_shape = self.batch_size = self.xc = self.xn = self.std = None
        self.train_flg = self.dgamma = self.dbeta = None

    def _statistic(self, value, name):
        if value is None:
            return None
        arr = as_float_array(value, name, allow_complex=False)
        if arr.shape != self.gamma.shape:
            raise ValueError(f"{name} has shape {arr.shape} but gamma has {self.gamma.shape}.")
        return arr

    def forward(self, x, train_flg: bool = True):
        """Normalize with the batch's statistics (training) or the running ones (test)."""
        x = as_float_array(x, "x", allow_complex=False)
        if x.ndim not in (2, 4) or x[0].size != self.gamma.size:
            raise ValueError(
                f"x has shape {x.shape}, but gamma has {self.gamma.size} entries: "
                f"BatchNormalization takes (N, D) or (N, C, H, W) with D = C*H*W = "
                f"{self.gamma.size} features (each feature is normalized separately)."
            )
        self.input_shape, self.train_flg = x.shape, bool(train_flg)
        x2 = x.reshape(x.shape[0], -1)
        if self.train_flg:
            xn = self._train(x2)
        else:
            if self.running_mean is None or self.running_var is None:
                raise RuntimeError(
                    "BatchNormalization.forward(x, train_flg=False) before any training "
                    "forward: there are no running statistics yet (the book silently uses "
                    "mean 0 and variance 0). Train first, or pass running_mean/running_var."
                )
            self.xc = x2 - self.running_mean
            self.std = np.sqrt(self.running_var + self.eps)
            xn = self.xn = self.xc / self.std
        return (self.gamma * xn + self.beta).reshape(x.shape)

    def _train(self, x2):
        mu = x2.mean(axis=0)
        self.xc = x2 - mu
        var = np.mean(self.xc ** 2, axis=0)
        self.std = np.sqrt(var + self.eps)
        self.xn = self.xc / self.std
        self.batch_size = x2.shape[0]
        old_mean = np.zeros_like(mu) if self.running_mean is None else self.running_mean
        old_var = np.zeros_like(var) if self.running_var is None else self.running_var
        self.running_mean = self.momentum * old_mean + (1 - self.momentum) * mu
        self.running_var = self.momentum * old_var + (1 - self.momentum) * var
        return self.xn

    def backward(self, dout):
        """Return ``dx`` (input's shape) and set ``dgamma``, ``dbeta``."""
        shape = require_forward(self.input_shape, "BatchNormalization", "input")
        dout = check_dout(dout, shape, "BatchNormalization").reshape(shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        if not self.train_flg:
            return (dxn / self.std).reshape(shape)
        # xn = xc / std with xc and std both functions of x through the batch mean/variance
        dxc = dxn / self.std
        dstd = -np.sum(dxn * self.xc / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar
        dx = dxc - np.sum(dxc, axis=0) / self.batch_size
        return dx.reshape(shape)

