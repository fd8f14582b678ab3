"""Chapter 6's update rules as pure functions, in every formulation that gradlab recognises.

One parameter array at a time: ``rule.step(param, grad, state, **hyper) -> (param, state)``
returns new arrays and never modifies its arguments. :mod:`gradlab.optimizers` runs the
book's rule of each optimizer (the first of each tuple in :data:`FORMULATIONS`); a judge
that meets an unknown optimizer runs it on a quadratic and compares its trajectory with
:func:`trajectory` of every rule here, naming the one it matches.

``kind`` says how a rule relates to the book's:

- ``"book"``: the book's ``common/optimizer.py``.
- ``"equivalent"``: the same iterates as the book's in exact arithmetic (for a constant
  learning rate); only rounding differs, so trajectories agree to a few ulps per step
  and cannot tell the two apart. State variables may differ (named in ``state``).
- ``"variant"``: a published formulation of the same method whose iterates differ from
  the book's by ``O(eps)`` (where the 1e-7 goes): correct, but distinguishable.
- ``"nonstandard"``: recognised but not the method as published (Adam without bias
  correction takes a first step of about ``lr * sqrt(1 - beta2) / (1 - beta1)`` = 3.2 lr).

All rules use ``EPS = 1e-7``, the book's constant, unless given ``eps=`` (AdaGrad, RMSprop
and Adam: the constant in the denominator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["EPS", "BOOK_HYPERPARAMETERS", "UpdateRule", "FORMULATIONS", "book_rule",
           "trajectory"]

EPS = 1e-7
"""The book's constant against division by zero in AdaGrad, RMSprop and Adam."""

BOOK_HYPERPARAMETERS = {
    "SGD": {"lr": 0.01},
    "Momentum": {"lr": 0.01, "momentum": 0.9},
    "Nesterov": {"lr": 0.01, "momentum": 0.9},
    "AdaGrad": {"lr": 0.01},
    "RMSprop": {"lr": 0.01, "decay_rate": 0.99},
    "Adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999},
}
"""Each optimizer's constructor defaults in ``common/optimizer.py``."""


@dataclass(frozen=True)
class UpdateRule:
    """One formulation of one optimizer.

    Attributes
    ----------
    optimizer : str
        Book class name ("Adam"). name : str: the formulation ("book", "paper", ...).
    kind : str
        "book", "equivalent", "variant" or "nonstandard" (see the module docstring).
    formula : str
        The update in one line, for reports.
    state : tuple of str
        State arrays, all starting at zeros of the parameter's shape; ``"t"`` (number
        of steps taken) is added for the rules that need it.
    step : callable
        ``step(param, grad, state, **hyper) -> (new_param, new_state)``.
    """

    optimizer: str
    name: str
    kind: str
    formula: str
    state: tuple
    step: Callable

    def init(self, param) -> dict:
        """The state before the first step."""
        zeros = {k: np.zeros_like(np.asarray(param, dtype=float)) for k in self.state
                 if k != "t"}
        return {**zeros, "t": 0} if "t" in self.state else zeros


def _sgd(p, g, s, *, lr):
    return p - lr * g, s


def _momentum_book(p, g, s, *, lr, momentum):
    v = momentum * s["v"] - lr * g
    return p + v, {"v": v}


def _momentum_buffer(p, g, s, *, lr, momentum):
    buf = momentum * s["buf"] + g
    return p - lr * buf, {"buf": buf}


def _nesterov_book(p, g, s, *, lr, momentum):
    v = s["v"]
    return p + momentum * momentum * v - (1 + momentum) * lr * g, {"v": momentum * v - lr * g}


def _nesterov_pre_update(p, g, s, *, lr, momentum):
    v_prev = s["v"]
    v = momentum * v_prev - lr * g
    return p - momentum * v_prev + (1 + momentum) * v, {"v": v}


def _nesterov_buffer(p, g, s, *, lr, momentum):
    buf = momentum * s["buf"] + g
    return p - lr * (g + momentum * buf), {"buf": buf}


def _adagrad(p, g, s, *, lr, inside=False, eps=EPS):
    h = s["h"] + g * g
    denom = np.sqrt(h + eps) if inside else np.sqrt(h) + eps
    return p - lr * g / denom, {"h": h}


def _rmsprop(p, g, s, *, lr, decay_rate, inside=False, eps=EPS):
    h = decay_rate * s["h"] + (1 - decay_rate) * g * g
    denom = np.sqrt(h + eps) if inside else np.sqrt(h) + eps
    return p - lr * g / denom, {"h": h}


def _adam_moments(g, s, beta1, beta2):
    t = s["t"] + 1
    m = s["m"] + (1 - beta1) * (g - s["m"])   # = beta1 m + (1 - beta1) g
    v = s["v"] + (1 - beta2) * (g * g - s["v"])
    return m, v, t


def _adam_book(p, g, s, *, lr, beta1, beta2, eps=EPS):
    m, v, t = _adam_moments(g, s, beta1, beta2)
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    return p - lr_t * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}


def _adam_paper(p, g, s, *, lr, beta1, beta2, eps=EPS):
    m, v, t = _adam_moments(g, s, beta1, beta2)
    m_hat, v_hat = m / (1.0 - beta1 ** t), v / (1.0 - beta2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}


def _adam_uncorrected(p, g, s, *, lr, beta1, beta2, eps=EPS):
    m, v, t = _adam_moments(g, s, beta1, beta2)
    return p - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}


def _inside(step):
    def with_eps_inside(p, g, s, **hyper):
        return step(p, g, s, inside=True, **hyper)
    return with_eps_inside


FORMULATIONS: dict[str, tuple[UpdateRule, ...]] = {
    "SGD": (UpdateRule("SGD", "book", "book", "p -= lr*g", (), _sgd),),
    "Momentum": (
        UpdateRule("Momentum", "book", "book", "v = momentum*v - lr*g; p += v", ("v",),
                   _momentum_book),
        UpdateRule("Momentum", "gradient-buffer", "equivalent",
                   "buf = momentum*buf + g; p -= lr*buf (PyTorch, TF; v = -lr*buf)", ("buf",),
                   _momentum_buffer),
    ),
    "Nesterov": (
        UpdateRule("Nesterov", "book", "book",
                   "p += momentum**2*v - (1+momentum)*lr*g; v = momentum*v - lr*g "
                   "(Bengio et al. 2013, arXiv:1212.0901)", ("v",), _nesterov_book),
        UpdateRule("Nesterov", "pre-update-velocity", "equivalent",
                   "v_prev = v; v = momentum*v - lr*g; p += -momentum*v_prev + (1+momentum)*v "
                   "(CS231n)", ("v",), _nesterov_pre_update),
        UpdateRule("Nesterov", "gradient-buffer", "equivalent",
                   "buf = momentum*buf + g; p -= lr*(g + momentum*buf) (PyTorch nesterov=True; "
                   "v = -lr*buf)", ("buf",), _nesterov_buffer),
    ),
    "AdaGrad": (
        UpdateRule("AdaGrad", "book", "book", "h += g*g; p -= lr*g/(sqrt(h) + 1e-7)", ("h",),
                   _adagrad),
        UpdateRule("AdaGrad", "eps-inside-sqrt", "variant",
                   "h += g*g; p -= lr*g/sqrt(h + 1e-7)", ("h",), _inside(_adagrad)),
    ),
    "RMSprop": (
        UpdateRule("RMSprop", "book", "book",
                   "h = decay_rate*h + (1-decay_rate)*g*g; p -= lr*g/(sqrt(h) + 1e-7)", ("h",),
                   _rmsprop),
        UpdateRule("RMSprop", "eps-inside-sqrt", "variant",
                   "h = decay_rate*h + (1-decay_rate)*g*g; p -= lr*g/sqrt(h + 1e-7) (TF 1)",
                   ("h",), _inside(_rmsprop)),
    ),
    "Adam": (
        UpdateRule("Adam", "book", "book",
                   "m += (1-beta1)*(g-m); v += (1-beta2)*(g*g-v); "
                   "lr_t = lr*sqrt(1-beta2**t)/(1-beta1**t); p -= lr_t*m/(sqrt(v) + 1e-7) "
                   "(Kingma & Ba, end of section 2; Keras)", ("m", "v", "t"), _adam_book),
        UpdateRule("Adam", "paper", "variant",
                   "m_hat = m/(1-beta1**t); v_hat = v/(1-beta2**t); "
                   "p -= lr*m_hat/(sqrt(v_hat) + 1e-7) (Kingma & Ba, Algorithm 1; PyTorch)",
                   ("m", "v", "t"), _adam_paper),
        UpdateRule("Adam", "no-bias-correction", "nonstandard",
                   "p -= lr*m/(sqrt(v) + 1e-7)", ("m", "v", "t"), _adam_uncorrected),
    ),
}
"""Every recognised formulation, the book's first, by optimizer class name."""


def book_rule(optimizer: str) -> UpdateRule:
    """The book's formulation of ``optimizer`` ("SGD", "Momentum", ..., "Adam")."""
    if optimizer not in FORMULATIONS:
        raise ValueError(f"unknown optimizer {optimizer!r}; the book's are "
                         f"{', '.join(FORMULATIONS)}.")
    return FORMULATIONS[optimizer][0]


def trajectory(rule: UpdateRule, grad_fn: Callable, x0, steps: int, **hyper) -> np.ndarray:
    """Iterates ``x0, x1, ..., x_steps`` of ``rule`` on the gradient field ``grad_fn``.

    Parameters
    ----------
    rule : UpdateRule
        From :data:`FORMULATIONS`.
    grad_fn : callable
        ``grad_fn(x) -> gradient`` (e.g. ``A @ x - b`` for a quadratic).
    x0 : array_like
        Start; not modified.
    steps : int
        Number of updates.
    **hyper
        The rule's hyperparameters; missing ones take the book's defaults.

    Returns
    -------
    ndarray
        Shape ``(steps + 1,) + x0.shape``.

    Examples
    --------
    >>> path = trajectory(book_rule("SGD"), lambda x: 2 * x, np.array([1.0]), 2, lr=0.25)
    >>> np.allclose(path[:, 0], [1.0, 0.5, 0.25])
    True
    """
    params = {**BOOK_HYPERPARAMETERS[rule.optimizer], **hyper}
    x = np.array(x0, dtype=float, copy=True)
    state, path = rule.init(x), [x]
    for _ in range(int(steps)):
        x, state = rule.step(x, np.asarray(grad_fn(x), dtype=float), state, **params)
        path.append(x)
    return np.stack(path)
