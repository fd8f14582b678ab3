"""The conventions a correct loss may follow, each with the name reports give it.

A learner's loss is right when it matches *one* of these on every input, not only the
book's. Each convention is a short float64 NumPy formula (a sum of logs or squares of
at most 64 terms: as exact as the JAX oracle, which gives the book's own convention);
:func:`ce_floor` and :func:`mse_convention` find the one a learner's values follow.

Cross-entropy (section 4.2.2): ``-sum(log(p + delta)) / N`` over the probabilities
``p`` of the correct classes, N the batch size (1 for a 1-D ``y``). The book adds
``delta = 1e-7``; no delta, another small delta, or a clamp ``np.clip(y, eps, 1)``
(``log(max(p, eps))``) are correct too: for ``p`` well above the floor they differ
from the book's by ``delta / p`` at most, and at ``p = 0`` each gives ``-log(floor)``
(no delta gives ``inf``). Mean squared error (section 4.2.1): the book's is
``0.5 * sum((y - t)**2)``; a sum without the half, a mean, or an average over the batch
are valid different conventions (a warning names them, never a failure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BOOK_DELTA", "MAX_FLOOR", "CEConvention", "picked", "ce_value", "ce_floor",
           "MSE_CONVENTIONS", "mse_value", "mse_convention"]

BOOK_DELTA = 1e-7
MAX_FLOOR = 1e-4
"""Largest delta or clamp accepted as "small": it moves -log(p) by at most 1e-4 / p."""


@dataclass(frozen=True)
class CEConvention:
    """``mode`` "add" (``log(p + floor)``; floor 0 is no delta) or "clip"
    (``log(max(p, floor))``)."""

    mode: str
    floor: float

    @property
    def book(self) -> bool:
        return self.mode == "add" and self.floor == BOOK_DELTA

    @property
    def unseen_name(self) -> str:
        """The name when only probabilities well above any floor were seen (a net's
        loss): no delta and a clamp look alike there."""
        if self.mode == "add" and self.floor == 0.0:
            return "no delta in the log (or a clamp below its probabilities)"
        return self.name

    @property
    def name(self) -> str:
        if self.book:
            return "delta = 1e-7 inside the log (the book's)"
        if self.mode == "add" and self.floor == 0.0:
            return "no delta in the log"
        if self.mode == "add":
            return f"delta = {self.floor:.3g} inside the log (the book's is 1e-7)"
        return f"a clamp np.clip(y, {self.floor:.3g}, 1) before the log"


def picked(y, t) -> tuple[np.ndarray, int]:
    """The probabilities of the correct classes, and the batch size N (labels or one-hot
    ``t``; a 1-D ``y`` is one sample)."""
    y = np.asarray(y, dtype=float)
    y2 = y.reshape(1, -1) if y.ndim == 1 else y
    t = np.asarray(t)
    labels = t.reshape(y2.shape).argmax(axis=-1) if t.size == y2.size else t.reshape(-1)
    return y2[np.arange(y2.shape[0]), labels.astype(int)], y2.shape[0]


def ce_value(y, t, convention: CEConvention) -> float:
    """Cross-entropy of ``y`` against ``t`` under ``convention``."""
    p, n = picked(y, t)
    with np.errstate(divide="ignore"):
        if convention.mode == "clip":
            return float(-np.sum(np.log(np.maximum(p, convention.floor))) / n)
        return float(-np.sum(np.log(p + convention.floor)) / n)


def ce_floor(y, t, got, *, tol: float) -> CEConvention | None:
    """The "add" convention whose delta makes ``ce_value(y, t)`` equal ``got`` (within
    ``tol``), for probabilities without zeros; None when no delta in ``[0, MAX_FLOOR]``
    does. ``-mean(log(p + delta))`` falls as delta grows, so bisection finds it."""
    try:
        got = float(got)
    except (TypeError, ValueError):
        return None
    for delta in (BOOK_DELTA, 0.0):
        if abs(ce_value(y, t, CEConvention("add", delta)) - got) <= tol:
            return CEConvention("add", delta)
    lo, hi = 0.0, MAX_FLOOR
    if not ce_value(y, t, CEConvention("add", hi)) - tol <= got <= \
            ce_value(y, t, CEConvention("add", lo)) + tol:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if ce_value(y, t, CEConvention("add", mid)) > got:
            lo = mid
        else:
            hi = mid
    found = CEConvention("add", float(f"{hi:.2g}"))
    if abs(ce_value(y, t, found) - got) > tol:  # a delta with more digits than 2: keep it
        found = CEConvention("add", hi)
    return found


def _batch(y):
    y = np.asarray(y, dtype=float)
    return y.shape[0] if y.ndim == 2 else 1


MSE_CONVENTIONS = {
    "book": ("0.5 * sum((y - t)**2) (the book's)", lambda d, n: 0.5 * np.sum(d**2)),
    "sum": ("sum((y - t)**2), without the book's 0.5", lambda d, n: np.sum(d**2)),
    "mean": ("np.mean((y - t)**2), the mean over every element",
             lambda d, n: np.mean(d**2)),
    "half_mean": ("0.5 * np.mean((y - t)**2)", lambda d, n: 0.5 * np.mean(d**2)),
    "batch_mean": ("0.5 * sum((y - t)**2) / N, averaged over the batch",
                   lambda d, n: 0.5 * np.sum(d**2) / n),
    "batch_sum_mean": ("sum((y - t)**2) / N, averaged over the batch, without the 0.5",
                       lambda d, n: np.sum(d**2) / n),
}
"""key -> (how reports name it, formula of the difference ``d = y - t`` and N)."""


def mse_value(y, t, key: str) -> float:
    d = np.asarray(y, dtype=float) - np.asarray(t, dtype=float)
    return float(MSE_CONVENTIONS[key][1](d, _batch(y)))


def mse_convention(cases, got, *, tol) -> str | None:
    """The key of the first convention that every ``(y, t)`` of ``cases`` matches with
    the learner's values ``got`` (within ``tol(value)``), the book's first; or None."""
    for key in MSE_CONVENTIONS:
        try:
            if all(abs(float(g) - mse_value(y, t, key)) <= tol(mse_value(y, t, key))
                   for (y, t), g in zip(cases, got, strict=True)):
                return key
        except (TypeError, ValueError):
            return None
    return None
