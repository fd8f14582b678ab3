"""The finite-difference methods, each in one place: central, Richardson, complex step.

A method says which levels (steps ``h 2**j``) its window reads and how it turns
them into a derivative with an error bound (:mod:`gradlab.check.errormodel`),
and which base step balances its truncation against its roundoff.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import dtype_eps
from . import errormodel as em

METHODS = ("central", "richardson", "complex")

COMPLEX_STEP = 1e-20
"""Complex step: Im f(x + ih) / h has no subtraction, so h can be tiny."""

REFINE_TOPS = (2, 4, 6)
"""Roundoff-dominated lines are re-measured on the triples (4h, 2h, h), (16h, 8h, 4h), then
(64h, 32h, 16h), as long as each round lowers the error bound."""

REFINE_RATIO = 1.0
"""A line is roundoff-dominated (its step too small) where roundoff > REFINE_RATIO x truncation."""

FINER_LEVELS = 4
"""Non-smooth, broken or truncation-blind lines are re-measured down to 2**-FINER_LEVELS of
the method's finest base level (h/32 for central): beyond that a kink or jump is at x."""


@dataclass(frozen=True)
class Stencil:
    """A central-difference method: ``width`` levels per window, a step ``h = c eps**p``."""

    name: str
    width: int
    coefficient: float
    power: float

    def default_step(self, dtype) -> float:
        """The base step for ``dtype`` (relative: it is scaled by ``max(1, |x_i|)``)."""
        return self.coefficient * dtype_eps(dtype) ** self.power

    def levels(self, top: int) -> tuple[int, ...]:
        """The levels one window with top level ``top`` reads, largest step first."""
        return tuple(range(top, top - self.width, -1))

    @property
    def base(self) -> tuple[int, ...]:
        return self.levels(0)

    def estimate(self, table: dict, top: int, delta) -> em.Estimate:
        lv = [table[j] for j in self.levels(top)]
        return em.pair(*lv, delta) if self.width == 2 else em.triple(*lv, delta)


CENTRAL = Stencil("central", 2, 2.0, 1 / 3)
"""Levels h, h/2; truncation ~h**2 |f'''| / 8 against roundoff 3 eps |f| / h balance at
h = 2 eps**(1/3): 1.2e-5 (float64), 9.8e-3 (float32)."""

RICHARDSON = Stencil("richardson", 3, 1.0, 1 / 5)
"""Levels h, h/2, h/4, error O(h**6): balanced at h = eps**(1/5), 7.4e-4 (float64)."""

REFINE = Stencil("refine", 3, 1.0, 1 / 5)
"""The triple used to refine roundoff-dominated lines at larger steps, whatever the method."""

STENCILS = {"central": CENTRAL, "richardson": RICHARDSON}


def stencil(method: str) -> Stencil:
    """The stencil of ``method`` ("central" or "richardson"; complex step has none)."""
    return STENCILS[method]


def base_step(method: str, dtype) -> float:
    """The default relative step of ``method`` for ``dtype``."""
    return COMPLEX_STEP if method == "complex" else stencil(method).default_step(dtype)


def complex_error(numeric: np.ndarray, scale: np.ndarray, eps: float) -> np.ndarray:
    """Complex step's error: rounding only, ``16 eps (|f'| + max|grad|)``."""
    return em.GRAD_ROUNDING * eps * (np.abs(numeric) + scale)
