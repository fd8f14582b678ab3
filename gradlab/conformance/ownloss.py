"""A network judged by its own loss: finite differences of the learner's ``loss``, in the
judge, with the network's parameters in the executor.

:func:`check_own_gradient` hands a claimed gradient to :func:`gradlab.check_gradient`
with ``f`` = the net's own loss (every evaluation writes the perturbed array into the
net and calls its ``loss``): model-agnostic, so a chapter-5 ReLU net, or any model, is
judged on its own terms. :func:`own_gradient` is the reference for a learner's
``numerical_gradient`` when no model family explains the loss: central differences at
two steps, Richardson's value and the truncation they reveal.
"""

from __future__ import annotations

import warnings

import numpy as np

from .tolerances import EPS, EVAL_ULPS, H_RANGE

__all__ = ["LossOf", "check_own_gradient", "status_of", "own_gradient", "as_grads"]


class LossOf:
    """``f(params) -> float``: writes the arrays that changed since the last call into the
    net (``write(key, array)``) and returns ``evaluate()``."""

    def __init__(self, params: dict, write, evaluate):
        self.held = {k: np.array(v) for k, v in params.items()}
        self.write, self.evaluate = write, evaluate

    def __call__(self, p) -> float:
        for k, v in p.items():
            if v.shape != self.held[k].shape or v.tobytes() != self.held[k].tobytes():
                self.write(k, v)
                self.held[k] = np.array(v)
        value = np.asarray(self.evaluate(), dtype=float)
        if value.size != 1:
            raise ValueError(f"loss returned shape {value.shape}, expected a number")
        return float(value.reshape(()))


def status_of(result) -> str:
    """``"pass"``, ``"fail"`` or ``"inconclusive"`` of a check_gradient result."""
    return getattr(result, "status", "pass" if result.ok else "fail")


def check_own_gradient(loss_of: LossOf, params: dict, grads: dict, *, mode: str = "full"):
    """:func:`gradlab.check_gradient` of ``grads`` against the net's own loss at ``params``
    (a fresh copy is perturbed; the caller restores the net's arrays afterwards)."""
    from gradlab import check_gradient

    x = {k: np.array(v) for k, v in params.items()}  # in the net's dtype (float32 too)
    claimed = {k: np.asarray(grads[k], dtype=x[k].dtype) for k in params}
    with warnings.catch_warnings():  # float32: check_gradient's PrecisionWarning; its
        warnings.simplefilter("ignore")  # error model already accounts for it
        return check_gradient(loss_of, x, claimed, mode=mode)


def own_gradient(loss_of: LossOf, params: dict, h: float = 1e-4, *, limit: int = 64):
    """``(gradient, tolerance)``: Richardson's value from central differences of the net's
    own loss at steps ``h`` and ``h/2``, and the largest honest error of a learner's
    central difference with any step in ``H_RANGE`` (its truncation at ``H_RANGE[1]``,
    scaled from the one the two steps reveal, plus roundoff at ``H_RANGE[0]``). At most
    ``limit`` elements of each array (a fixed sample) are computed; the others are nan."""
    x = {k: np.array(v, dtype=float) for k, v in params.items()}
    f0 = abs(loss_of(x))
    grad, tol = {}, {}
    rng = np.random.default_rng(0)
    for k, arr in x.items():
        d = {}
        every = list(np.ndindex(arr.shape))
        chosen = every if len(every) <= limit else \
            [every[i] for i in sorted(rng.choice(len(every), limit, replace=False))]
        for step in (h, h / 2):
            out = np.full(arr.shape, np.nan)
            for i in chosen:
                old = arr[i]
                arr[i] = old + step
                fp = loss_of(x)
                arr[i] = old - step
                fm = loss_of(x)
                arr[i] = old
                out[i] = (fp - fm) / (2 * step)
            d[step] = out
        grad[k] = (4 * d[h / 2] - d[h]) / 3
        # truncation at h is ~ (4/3)|D(h) - D(h/2)|; it grows as h**2 up to H_RANGE[1];
        # a factor 2 for the next Taylor term and for roundoff in the estimate itself
        truncation = 2 * (4 / 3) * np.abs(d[h] - d[h / 2]) * (H_RANGE[1] / h) ** 2
        tol[k] = truncation + 4 * EVAL_ULPS * EPS * max(f0, 1.0) / H_RANGE[0]
    loss_of(params)
    return grad, tol


def as_grads(value, keys) -> tuple[dict | None, str]:
    """The learner's gradient as ``{key: array}`` for the book's ``keys``: a dict (keys in
    any case) or a tuple/list in the book's order; ``(None, why)`` otherwise."""
    if isinstance(value, dict):
        lower = {str(k).lower(): k for k in value}
        if all(k.lower() in lower for k in keys):
            return {k: value[lower[k.lower()]] for k in keys}, ""
        missing = [k for k in keys if k.lower() not in lower]
        return None, f"returned a dict without the key(s) {', '.join(missing)}"
    if isinstance(value, tuple | list) and len(value) == len(keys):
        return dict(zip(keys, value, strict=True)), f"a {type(value).__name__} in the " \
                                                    f"book's order {' '.join(keys)}"
    return None, f"returned {type(value).__name__}, expected a dict with keys {' '.join(keys)}"
