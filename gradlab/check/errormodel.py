"""The checker's error model: how wrong can a finite difference itself be?

Along one line (a coordinate ``x_i``, or a direction in fast mode) the checker
evaluates ``f`` at ``x ± s`` for steps ``s = h 2**j`` (*levels* ``j``; ``h`` is
the base step). With ``D(s) = (f(x+s) - f(x-s)) / 2s`` (dividing by the step
actually represented in x's dtype)::

    D(s)   = f' + s**2 f'''/6 + O(s**4) + roundoff
    D(s/2) = f' + s**2 f'''/24 + ...

* **pair** (levels ``j, j-1``): Richardson's ``R = (4 D(s/2) - D(s)) / 3``
  cancels the ``s**2`` term; ``|D(s) - D(s/2)| / 3`` is the truncation error
  left in ``D(s/2)``, an upper bound on ``R``'s ``O(s**4)`` error in the
  asymptotic range. With ``delta`` the largest rounding error of one
  evaluation of f, the roundoff in ``R`` is at most ``3 delta / s``.
* **triple** (levels ``j, j-1, j-2``): one more extrapolation,
  ``(16 R(s/2, s/4) - R(s, s/2)) / 15`` (error ``O(s**6)``), truncation
  ``|R(s, s/2) - R(s/2, s/4)| / 15``, roundoff ``6.6 delta / s``.
* **one-sided pair** (at a bound of x's domain): slopes ``F(s) = (f(x+s) -
  f(x)) / s`` extrapolated as ``2 F(s/2) - F(s)``; truncation ``|F(s) -
  F(s/2)|``, roundoff ``8 delta / s``.

(With the represented steps the ratios are not exactly 2; the coefficients
above are those of ratio 2 and the code uses the exact ones.) ``delta`` is the
largest of ``eps |f|`` near the point (``eps`` of the wider of f's output and
x's dtype); the noise of ``f`` measured by the fourth differences
``f(x-s) - 4f(x-s/2) + 6f(x) - 4f(x+s/2) + f(x+s)`` (pure noise for a smooth
f), pooled over lines (90th percentile / 4); the quantum of an f whose values
are all multiples of one step (``int(...)``, ``round(..., 3)``); and
``|f(x) - f(x)|`` over two calls. The analytic gradient carries its own
rounding, ``16 eps_g max|grad|``.

**Smoothness.** The slope change ``K(s) = (f(x+s) - f(x))/s - (f(x) - f(x-s))/s``
is ``f'' s`` for a smooth f: halving ``s`` halves it. At a kink at x it stays
(ratio 1), at a jump within the stencil it doubles (ratio 2). Where the
second difference is significant (above ``SAFETY * 4 delta``) and the ratio
leaves ``[0.25, 0.75]``, the line is not smooth at that scale.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import dtype_eps

SAFETY = 10.0
"""A mismatch counts only when it exceeds SAFETY times the estimated FD error."""

GRAD_ROUNDING = 16.0
"""Rounding allowed in the analytic gradient, in units of eps * max|grad|."""

NOISE_QUANTILE = 90.0
NOISE_DIVISOR = 4.0
"""Noise of one evaluation = 90th percentile of |fourth difference| / 4: the fourth
difference of independent errors bounded by delta has standard deviation ~4.8 delta,
so its 90th percentile (1.645 sigma) over 4 is ~2 delta, above delta with margin."""

SMOOTH_RATIO = (0.25, 0.75)
"""Slope-change ratio K(s/2) / K(s) of a smooth f is 0.5; outside this band the line is
not smooth at that scale. Noise cannot push it out: significance (below) keeps noise
within 0.2 of 0.5."""

KINK_RATIO = 1.5
"""Ratios in (0.75, 1.5] say "kink at x" (ideal 1); above, "jump within the step" (ideal 2)."""

SIGNIFICANT = 4.0 * SAFETY
"""A second difference |f(x+s) + f(x-s) - 2 f(x)| counts when above SIGNIFICANT * delta:
SAFETY times the 4 delta its rounding alone can reach."""

QUANTUM_MIN_VALUES = 4
"""Distinct values of f needed before calling it quantized (all multiples of one step)."""

QUANTUM_ULPS = 64.0
"""A quantum must exceed this many ulps of |f|: smaller steps are ordinary float rounding,
and a value whose rounding error is up to 1 ulp passes the multiple test at random with
probability at most 2/64 (so four distinct values by chance: below 1e-6)."""


class Level(NamedTuple):
    """f at ``x ± s`` on each line (rows) and output (columns); the represented steps.

    ``fp``, ``fm``: shape (lines, outputs), nan where not evaluated or not finite.
    ``sp``, ``sm``: the represented one-sided steps ``(x+s) - x`` and ``x - (x-s)``.
    """

    fp: np.ndarray
    fm: np.ndarray
    sp: np.ndarray
    sm: np.ndarray
    claim: np.ndarray | None = None
    """Fast mode: the claimed slope along the represented displacement, per line/output.
    (Only the base levels' claims are combined: another level's move differs from them
    by rounding of x only, far below any tolerance.)"""

    def rows(self, idx) -> Level:
        return Level(self.fp[idx], self.fm[idx], self.sp[idx], self.sm[idx])


class Estimate(NamedTuple):
    """A numeric derivative and its error bound, shape (lines, outputs)."""

    numeric: np.ndarray
    truncation: np.ndarray
    roundoff: np.ndarray
    claimed: np.ndarray | None = None
    """The claimed slopes combined with the same weights (fast mode), else None."""

    @property
    def error(self) -> np.ndarray:
        return self.truncation + self.roundoff


def _ratio(a: Level, b: Level):
    dist_a, dist_b = (a.sp + a.sm)[:, None], (b.sp + b.sm)[:, None]
    return (a.fp - a.fm) / dist_a, (b.fp - b.fm) / dist_b, dist_a / dist_b, dist_a


def pair(a: Level, b: Level, delta: np.ndarray) -> Estimate:
    """Richardson on central differences at two levels (``a`` the larger step)."""
    da, db, rho, dist_a = _ratio(a, b)
    rho2 = rho ** 2
    numeric = (rho2 * db - da) / (rho2 - 1)
    roundoff = 2 * delta * (rho ** 3 + 1) / ((rho2 - 1) * dist_a)
    claimed = None if a.claim is None else (rho2 * b.claim - a.claim) / (rho2 - 1)
    return Estimate(numeric, np.abs(da - db) / (rho2 - 1), roundoff, claimed)


def triple(a: Level, b: Level, c: Level, delta: np.ndarray) -> Estimate:
    """Second Richardson level on three levels: error O(s**6)."""
    r1, r2 = pair(a, b, delta), pair(b, c, delta)
    rho4 = (((a.sp + a.sm) / (b.sp + b.sm)) ** 4)[:, None]
    numeric = (rho4 * r2.numeric - r1.numeric) / (rho4 - 1)
    roundoff = (rho4 * r2.roundoff + r1.roundoff) / (rho4 - 1)
    claimed = None if a.claim is None else (rho4 * r2.claimed - r1.claimed) / (rho4 - 1)
    return Estimate(numeric, np.abs(r1.numeric - r2.numeric) / (rho4 - 1), roundoff, claimed)


def one_sided(a: Level, b: Level, f0: np.ndarray, delta: np.ndarray, side: int) -> Estimate:
    """Richardson on forward (``side=+1``) or backward (``-1``) differences."""
    if side > 0:
        sa, sb, fa, fb = a.sp[:, None], b.sp[:, None], a.fp - f0, b.fp - f0
    else:
        sa, sb, fa, fb = a.sm[:, None], b.sm[:, None], f0 - a.fm, f0 - b.fm
    slope_a, slope_b, rho = fa / sa, fb / sb, sa / sb
    numeric = (rho * slope_b - slope_a) / (rho - 1)
    roundoff = 2 * rho ** 2 * delta / ((rho - 1) * sa)
    return Estimate(numeric, np.abs(slope_a - slope_b) / (rho - 1), roundoff)


def slope_change(lv: Level, f0: np.ndarray, delta: np.ndarray):
    """``K(s)`` (forward minus backward slope) and whether its second difference is significant."""
    k = (lv.fp - f0) / lv.sp[:, None] - (f0 - lv.fm) / lv.sm[:, None]
    second = np.abs(lv.fp + lv.fm - 2 * f0)
    return k, second > SIGNIFICANT * delta


def smoothness(coarse: Level, fine: Level, f0, delta) -> np.ndarray:
    """Per line and output: 0 smooth (or insignificant), 1 kink at x, 2 jump in the step,
    3 non-smooth between the two steps (only the coarser stencil sees it)."""
    kc, significant = slope_change(coarse, f0, delta)
    kf, _ = slope_change(fine, f0, delta)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = kf / kc
    lo, hi = SMOOTH_RATIO
    code = np.where(r < lo, 3, np.where(r <= hi, 0, np.where(r <= KINK_RATIO, 1, 2)))
    return np.where(significant & np.isfinite(r), code, 0)


def fourth_difference(outer: Level, inner: Level, f0: np.ndarray) -> np.ndarray:
    """``f(x-s) - 4f(x-s/2) + 6f(x) - 4f(x+s/2) + f(x+s)``: noise for a smooth f."""
    return outer.fm - 4 * inner.fm + 6 * f0 - 4 * inner.fp + outer.fp


def pooled_noise(fourth: np.ndarray) -> np.ndarray:
    """Noise of one evaluation per output, from the fourth differences of all lines."""
    fourth = np.abs(np.asarray(fourth, dtype=np.float64))
    fourth = fourth.reshape(-1, fourth.shape[-1]) if fourth.ndim else fourth.reshape(1, 1)
    out = np.zeros(fourth.shape[1])
    for o in range(fourth.shape[1]):
        col = fourth[:, o][np.isfinite(fourth[:, o])]
        out[o] = np.percentile(col, NOISE_QUANTILE) / NOISE_DIVISOR if col.size else 0.0
    return out


def quantum(values: np.ndarray, eps: float, steps=None) -> float:
    """The step q of an f whose values are all multiples of q (0.0 when there is none).

    ``int(sum(x**2))`` has q = 1, ``round(f, 3)`` q = 1e-3, an f rounded through
    float16 a power of 2. Candidates are powers of 10 and of 2, largest first, above
    QUANTUM_ULPS ulps of |f| (below that every float is a multiple: ordinary rounding).
    A candidate that divides every step taken (``steps``) is skipped: a linear f stepped
    by h = 1e-4 has values 1e-4 apart without being rounded. Each evaluation of a
    quantized f is off from the smooth function by up to q.
    """
    v = np.unique(np.asarray(values, dtype=np.float64)[np.isfinite(values)])
    if v.size < QUANTUM_MIN_VALUES:
        return 0.0
    top = float(np.max(np.abs(v)))
    floor = QUANTUM_ULPS * eps * top
    if top == 0 or floor == 0:
        return 0.0
    candidates = sorted({10.0 ** k for k in range(int(np.floor(np.log10(floor))),
                                                  int(np.ceil(np.log10(top))) + 1)}
                        | {2.0 ** k for k in range(int(np.floor(np.log2(floor))),
                                                   int(np.ceil(np.log2(top))) + 1)},
                        reverse=True)
    slack = eps * top  # a multiple of 1e-3 is stored with an error up to half an ulp
    steps = None if steps is None else np.abs(np.asarray(steps, dtype=np.float64))
    steps = None if steps is None else steps[np.isfinite(steps) & (steps > 0)]
    for q in candidates:
        if q <= floor:
            break
        if steps is not None and steps.size and np.all(
                np.abs(steps - q * np.round(steps / q)) <= 4 * eps * steps):
            continue
        if np.all(np.abs(v - q * np.round(v / q)) <= slack) and np.unique(
                np.round(v / q)).size >= QUANTUM_MIN_VALUES:
            return q
    return 0.0


def rounding(values: np.ndarray, f0: np.ndarray, eps_f: float, floor: np.ndarray) -> np.ndarray:
    """``delta`` per line and output: ``max(eps |f| near the point, floor)``.

    ``values``: shape (evaluations, lines, outputs), nan where missing; ``floor``:
    per output (pooled noise, quantum, nondeterminism).
    """
    with np.errstate(invalid="ignore"):
        fmax = np.nanmax(np.abs(values), axis=0, initial=0.0)
    return np.maximum(eps_f * np.maximum(np.nan_to_num(fmax), np.abs(f0)), floor)


def working_dtype(output_dtype, dtypes) -> np.dtype:
    """The dtype whose rounding limits the check: the least precise of f's output and x's.

    A float64 ``x`` whose f computes and returns float32 is a float32 problem: its step,
    roundoff and diagnosis must follow float32. Complex dtypes count as their real part;
    the checker computes in float64, so longdouble counts as float64.
    """
    real = [np.empty(0, d).real.dtype for d in (output_dtype, *dtypes)
            if np.dtype(d).kind in "fc"]
    return max(real + [np.dtype(np.float64)], key=dtype_eps)


def slip_probability(k: int, ratio: float) -> float:
    """Bound on the chance that all ``k`` directions miss an error ``ratio`` x tolerance.

    Direction entries are ``±u`` with ``u`` uniform in [0.5, 1.5]: conditioned
    on everything else, the largest wrong entry moves ``e.v`` uniformly over an
    interval of length ``|e_max|``, so one direction lands inside ``(-tol, tol)``
    with probability at most ``2 tol / |e_max|``.
    """
    return float(min(1.0, 2.0 / ratio) ** k) if ratio > 0 else 1.0
