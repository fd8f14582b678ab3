"""Tolerances of the conformance checks, each derived from an error model.

Nothing here is tuned to make a check pass. Two kinds of comparison occur:

* **Parity** (a value or an analytic gradient against the JAX float64 oracle):
  two float64 evaluations of the same expression in a different order differ
  by rounding only, at most a few ulps per operation times the length of the
  longest reduction. The checks use arrays of at most 64 elements per
  reduction, so ``PARITY_ULPS = 1024`` (= 64 terms x 16 ulps) bounds rounding,
  relative to the magnitude of the result and, for functions that subtract a
  large shift (softmax of logits near 1000), to the magnitude of the input.
  Every bug that matters is O(1e-3) relative or more.
* **Finite differences** (a numerical derivative against the exact one): a
  central difference with step ``h`` errs by ``h**2 |f'''| / 6`` (truncation)
  plus ``k eps |f| / h`` (roundoff, ``k`` ulps per evaluation of ``f``). A
  learner may pick any step in ``H_RANGE``, so the tolerance takes the
  truncation at the largest step and the roundoff at the smallest. A forward
  difference errs by ``h |f''| / 2``, orders of magnitude more.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EPS", "PARITY_ULPS", "H_RANGE", "SMALL_STEPS", "EVAL_ULPS", "GRADIENT_RTOL",
    "parity_tolerance", "central_difference_tolerance",
]

EPS = float(np.finfo(np.float64).eps)
PARITY_ULPS = 1024
H_RANGE = (1e-5, 1e-3)
"""Steps accepted for a learner's central difference (the book uses 1e-4)."""
SMALL_STEPS = (1e-8, 1e-3)
"""Steps that still give a usable derivative, though below the book's advice: at h = 1e-8
the roundoff eps |f| / h is 2e-8 |f| (section 4.3.1's 1e-50 rounds to nothing). A result
within these but not within ``H_RANGE`` is a warning that names the small step."""
EVAL_ULPS = 16
"""Rounding of one evaluation of a short float64 expression, in ulps of |f|."""
GRADIENT_RTOL = 2.0**-33
"""Analytic backprop vs the exact gradient, relative to the largest entry (~1.2e-10):
five orders above float64 rounding of the network's short sums (n eps ~ 1e-14) and
three below the smallest residual of the book's delta-free gradient (delta / y >= 1e-7),
so the two explanations of a mismatch can be told apart."""


def parity_tolerance(oracle, *, input_scale: float = 0.0, eps: float = EPS) -> float:
    """Rounding bound for comparing a float64 result with the oracle's.

    Parameters
    ----------
    oracle : array_like
        The exact value; its largest magnitude (at least 1) sets the scale.
    input_scale : float, optional
        Largest magnitude of an input that the function shifts away (softmax
        subtracts the row maximum; its result is then accurate to
        ``eps * |a|``, not ``eps``).
    eps : float, optional
        Rounding of the learner's arithmetic (float32's where it computes in float32).
    """
    arr = np.asarray(oracle, dtype=float)
    scale = max(1.0, float(np.max(np.abs(arr)))) if arr.size else 1.0
    return PARITY_ULPS * eps * (scale + abs(input_scale))


def central_difference_tolerance(f_scale, third=0.0, steps=H_RANGE, eps=EPS):
    """Largest honest error of a central difference with a step in ``H_RANGE``.

    Parameters
    ----------
    f_scale : float or ndarray
        Magnitude of the function's value (of the terms it sums, when they cancel).
    third : float or ndarray
        Bound on ``|f'''|`` along each coordinate near the point.
    steps : tuple of float, optional
        The smallest and largest step a learner may have used (default ``H_RANGE``).
    eps : float, optional
        Rounding of the learner's arithmetic (float32's for a float32 net).

    Returns
    -------
    float or ndarray
        ``2 h_max**2 |f'''| / 6 + EVAL_ULPS eps |f| / h_min``; the factor 2 covers
        the next term of the Taylor series and f''' varying within ``h``.
    """
    h_min, h_max = steps
    return 2 * h_max**2 * np.abs(third) / 6 + EVAL_ULPS * eps * np.abs(f_scale) / h_min
