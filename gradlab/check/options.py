"""The checker's options, validated once where they enter, frozen for the pipeline."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from .._validation import positive_int
from .defaults import MODES
from .methods import METHODS


@dataclass(frozen=True)
class Options:
    mode: str
    method: str
    h: float | None
    safety: float
    k: int
    seed: int | None
    worst: int
    bounds: tuple | None
    executor: Executor | None

    @classmethod
    def validated(cls, *, mode, method, h, safety, k, seed, worst, bounds=None,
                  executor=None) -> Options:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}: 'full' checks every "
                             f"element, 'fast' k random directions.")
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
        if h is not None and (isinstance(h, bool) or not isinstance(h, int | float | np.floating)
                              or not (np.isfinite(h) and h > 0)):
            raise ValueError(f"h must be a positive finite step or None (dtype default), "
                             f"got {h!r}.")
        if isinstance(safety, bool) or not isinstance(safety, int | float | np.floating) or \
                not (np.isfinite(safety) and safety >= 1):
            raise ValueError(f"safety must be a finite factor >= 1, got {safety!r}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                                 or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}.")
        if bounds is not None and (not isinstance(bounds, tuple | list) or len(bounds) != 2):
            raise ValueError(f"bounds must be a pair (lo, hi) (each a number, None, or an "
                             f"array like x), got {bounds!r}.")
        if executor is not None and not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must be a concurrent.futures.Executor (with submit), "
                            f"got {type(executor).__name__}.")
        return cls(mode, method, None if h is None else float(h), float(safety), _count(k, "k"),
                   None if seed is None else int(seed), _count(worst, "worst"),
                   None if bounds is None else tuple(bounds), executor)


def _count(value, name: str) -> int:
    if not isinstance(value, int | np.integer | float):
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return positive_int(value, name)
