"""The checker's defaults and cost formulas, in one place (library, CLI, plugin and tests)."""

from __future__ import annotations

import math

from .errormodel import SAFETY
from .methods import METHODS, stencil

__all__ = ["SAFETY", "K", "WORST", "MODES", "METHODS", "full_mode_evaluations",
           "fast_mode_evaluations", "localisation_evaluations"]

K = 4
"""Random directions in fast mode."""

WORST = 5
"""Rows in the report's table."""

MODES = ("full", "fast")


def _per_line(method: str) -> int:
    return 1 if method == "complex" else 2 * stencil(method).width


def full_mode_evaluations(p: int, method: str = "central") -> int:
    """Calls of f in full mode for ``p`` coordinates when no line needs another step.

    Two at x (the second shows nondeterminism), then 4 per coordinate (central),
    6 (richardson), or 1 plus one complex probe (complex). A line measured again at
    larger or smaller steps costs 2 more per level (see :mod:`gradlab.check.lines`).

    Examples
    --------
    >>> full_mode_evaluations(39760)
    159042
    """
    return 2 + _per_line(method) * p + (method == "complex")


def fast_mode_evaluations(k: int = K, method: str = "central") -> int:
    """Calls of f in fast mode with ``k`` directions, for a pass: ``4k + 2`` (central).

    Examples
    --------
    >>> fast_mode_evaluations()
    18
    """
    return 2 + _per_line(method) * k + (method == "complex")


def localisation_evaluations(p: int, method: str = "central") -> int:
    """Calls of f to localise one wrong element among ``p`` by bisection in fast mode:
    a probe per halving, then the element on its own."""
    return _per_line(method) * (math.ceil(math.log2(p)) + 1)
