"""The book's optimizers (``common/optimizer.py``, section 6.1): ``update(params, grads)``.

``update`` changes every array of ``params`` *in place*, as the book's does, so that the
layers holding those arrays see the new values; ``grads`` is never modified. Each class runs
the book's formulation from :mod:`gradlab.update_rules` (where the accepted alternatives are
defined too) and keeps the book's state attributes: ``v`` (Momentum, Nesterov), ``h``
(AdaGrad, RMSprop), ``m``, ``v``, ``iter`` (Adam), each ``None`` until the first update.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._validation import as_float_array, check_float_dtype
from .update_rules import BOOK_HYPERPARAMETERS, book_rule

__all__ = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]

_UNIT_INTERVAL = ("momentum", "decay_rate", "beta1", "beta2")


def _hyperparameter(name: str, value) -> float:
    v = float(value)
    if name == "lr" and not (np.isfinite(v) and v > 0):
        raise ValueError(f"lr must be a positive finite learning rate, got {value!r}.")
    if name in _UNIT_INTERVAL and not 0.0 <= v < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}; the book uses "
                         f"{_book_default(name)}.")
    return v


def _book_default(name: str):
    return next(d[name] for d in BOOK_HYPERPARAMETERS.values() if name in d)


def _checked(params, grads) -> dict:
    """Each parameter's gradient as a float array, checked against ``params``."""
    if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
        raise TypeError("update(params, grads) takes two dicts of arrays keyed by parameter "
                        "name, e.g. net.params and net.gradient(x, t).")
    checked = {}
    for key, p in params.items():
        if not isinstance(p, np.ndarray):
            raise TypeError(f"params[{key!r}] is a {type(p).__name__}, not an ndarray: update "
                            f"changes params in place, so each entry must be an array.")
        check_float_dtype(p, f"params[{key!r}]")
        if key not in grads:
            raise ValueError(f"grads has no entry for params[{key!r}]; grads must have every "
                             f"key of params (it has {sorted(grads)}).")
        g = as_float_array(grads[key], f"grads[{key!r}]", allow_complex=False)
        if g.shape != p.shape:
            raise ValueError(f"grads[{key!r}] has shape {g.shape} but params[{key!r}] has "
                             f"shape {p.shape}; a gradient has its parameter's shape.")
        checked[key] = g
    return checked


class _BookOptimizer:
    """The shared ``update``: validate, create the state lazily, apply the book's rule."""

    _book_name = ""
    """The book's class name, which selects the rule (so subclasses keep their parent's)."""

    def __init__(self, **hyper):
        self._rule = book_rule(self._book_name)
        for name, value in hyper.items():
            setattr(self, name, _hyperparameter(name, value))
        self._hyper = tuple(hyper)
        for name in self._arrays():
            setattr(self, name, None)
        if "t" in self._rule.state:
            self.iter = 0

    def _arrays(self):
        return [k for k in self._rule.state if k != "t"]

    def update(self, params, grads) -> None:
        """Move every ``params[key]`` one step, in place, using ``grads[key]``."""
        checked = _checked(params, grads)
        self._prepare_state(params)
        hyper = {k: getattr(self, k) for k in self._hyper}
        for key, g in checked.items():
            state = {k: getattr(self, k)[key] for k in self._arrays()}
            if "t" in self._rule.state:
                state["t"] = self.iter
            new_param, new_state = self._rule.step(params[key], g, state, **hyper)
            params[key][...] = new_param
            for k in self._arrays():
                getattr(self, k)[key] = new_state[k]
        if "t" in self._rule.state:
            self.iter += 1

    def _prepare_state(self, params) -> None:
        for name in self._arrays():
            store = getattr(self, name)
            if store is None:
                setattr(self, name, {k: np.zeros_like(p) for k, p in params.items()})
                continue
            for key, p in params.items():
                if key not in store or store[key].shape != p.shape:
                    raise ValueError(
                        f"{type(self).__name__}.{name} was created for other parameters "
                        f"(params[{key!r}] is new or changed shape to {p.shape}); use a new "
                        f"optimizer for a new network."
                    )


class SGD(_BookOptimizer):
    """Stochastic gradient descent ``p -= lr * g`` (section 6.1.2).

    Examples
    --------
    >>> params = {"W": np.array([1.0, 2.0])}
    >>> SGD(lr=0.5).update(params, {"W": np.array([1.0, -1.0])})
    >>> np.allclose(params["W"], [0.5, 2.5])
    True
    """

    _book_name = "SGD"

    def __init__(self, lr: float = 0.01):
        super().__init__(lr=lr)


class Momentum(_BookOptimizer):
    """Momentum (section 6.1.4): ``v = momentum*v - lr*g; p += v``.

    Examples
    --------
    >>> params, opt = {"W": np.array([1.0])}, Momentum(lr=0.1, momentum=0.5)
    >>> for _ in range(2):
    ...     opt.update(params, {"W": np.array([1.0])})
    >>> np.allclose(params["W"], 1.0 - 0.1 - (0.5 * 0.1 + 0.1))
    True
    """

    _book_name = "Momentum"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        super().__init__(lr=lr, momentum=momentum)


class Nesterov(_BookOptimizer):
    """Nesterov's accelerated gradient in the book's form (``common/optimizer.py``).

    Notes
    -----
    ``p += momentum**2 * v - (1 + momentum) * lr * g`` then ``v = momentum*v - lr*g``:
    Bengio et al.'s reformulation (arXiv:1212.0901), in which ``params`` holds the
    look-ahead point, so the gradient ``update`` receives is the one Nesterov's method
    needs. The CS231n form (with the pre-update velocity) and PyTorch's gradient buffer
    give the same iterates; see :data:`gradlab.update_rules.FORMULATIONS`.

    Examples
    --------
    >>> params = {"W": np.array([1.0])}
    >>> Nesterov(lr=0.1, momentum=0.5).update(params, {"W": np.array([1.0])})
    >>> np.allclose(params["W"], 1.0 - 1.5 * 0.1)
    True
    """

    _book_name = "Nesterov"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        super().__init__(lr=lr, momentum=momentum)


class AdaGrad(_BookOptimizer):
    """AdaGrad (section 6.1.5): ``h += g*g; p -= lr * g / (sqrt(h) + 1e-7)``.

    Examples
    --------
    >>> params = {"W": np.array([1.0])}
    >>> AdaGrad(lr=0.1).update(params, {"W": np.array([2.0])})
    >>> np.allclose(params["W"], 1.0 - 0.1 * 2.0 / (2.0 + 1e-7))
    True
    """

    _book_name = "AdaGrad"

    def __init__(self, lr: float = 0.01):
        super().__init__(lr=lr)


class RMSprop(_BookOptimizer):
    """RMSprop (section 6.1.5's note): ``h = decay_rate*h + (1 - decay_rate)*g*g``.

    Examples
    --------
    >>> params = {"W": np.array([1.0])}
    >>> RMSprop(lr=0.1, decay_rate=0.75).update(params, {"W": np.array([2.0])})
    >>> np.allclose(params["W"], 1.0 - 0.1 * 2.0 / (np.sqrt(0.25 * 4.0) + 1e-7))
    True
    """

    _book_name = "RMSprop"

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99):
        super().__init__(lr=lr, decay_rate=decay_rate)


class Adam(_BookOptimizer):
    """Adam (section 6.1.6) in the book's bias-corrected form.

    Notes
    -----
    ``lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)`` and
    ``p -= lr_t * m / (sqrt(v) + 1e-7)``: the paper's "efficient" ordering (end of its
    section 2), where the 1e-7 is added to ``sqrt(v)`` before the correction. Algorithm 1
    adds it to ``sqrt(v_hat)``; the iterates differ by O(1e-7) relative. Both are in
    :data:`gradlab.update_rules.FORMULATIONS`.

    Examples
    --------
    >>> params = {"W": np.array([1.0])}
    >>> Adam(lr=0.1).update(params, {"W": np.array([3.0])})   # first step is about lr
    >>> np.allclose(params["W"], 0.9, atol=1e-6)
    True
    """

    _book_name = "Adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999):
        super().__init__(lr=lr, beta1=beta1, beta2=beta2)
