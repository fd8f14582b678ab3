"""The checker's error model: how wrong can a finite difference itself be?

For one coordinate (or one direction) with step ``h`` the checker evaluates
``f`` at ``x ± h`` and ``x ± h/2`` and forms two central differences::

    D(h)   = (f(x+h) - f(x-h)) / 2h      = f' + h**2 f'''/6 + O(h**4) + roundoff
    D(h/2) = (f(x+h/2) - f(x-h/2)) / h   = f' + h**2 f'''/24 + ...

Richardson's combination ``R = (4 D(h/2) - D(h)) / 3`` cancels the ``h**2``
term (``R`` is the numeric value reported), and ``|D(h) - D(h/2)| / 3`` is the
truncation error left in ``D(h/2)``: an upper bound on ``R``'s (O(h**4))
whenever the step is in the asymptotic range. (The steps actually represented
in ``x``'s dtype are used, so the ratio is not exactly 2.) With ``delta`` the
largest rounding error of one evaluation of ``f``, the roundoff in ``R`` is
at most ``(8 + 1) / 3 * delta / h = 3 delta / h``. The estimate of
``delta`` is the largest of

* ``eps * max|f|`` near the point, ``eps`` of the wider of f's output and x's dtype;
* the measured noise of ``f``: the fourth difference
  ``f(x-h) - 4f(x-h/2) + 6f(x) - 4f(x+h/2) + f(x+h)`` is pure noise for a smooth
  ``f`` (its smooth part is ``(h/2)**4 f''''``); the 90th percentile of its
  size over the checked coordinates, divided by 4, catches sums whose
  rounding far exceeds ``eps * |f|``;
* ``|f(x) - f(x)|`` over two calls (nondeterminism).

The analytic gradient has its own rounding, ``16 eps_g max|grad|``. The
estimated finite-difference error of an element is the sum of the three
terms, and an element is **wrong when ``|analytic - R|`` exceeds
``SAFETY = 10`` times that estimate**.

The default step balances truncation ``~h**2 |f'''| / 8`` against roundoff
``3 eps |f| / h`` at ``h = 2 eps**(1/3)`` times ``max(1, |x_i|)``: 1.2e-5 in
float64, 9.8e-3 in float32, 0.2 in float16. The estimated relative accuracy is
then about ``eps**(2/3)``: 4e-11 in float64, 2.4e-5 in float32.

**Step refinement** (when f rounds in float32 or float16; float64's base accuracy
suffices). Where the roundoff term exceeds the truncation term (a flat f, large
``|f|``, float32's short mantissa) and the tolerance is too wide to
see an error of ``sqrt(eps) * max|grad|``, the step is too small for that
coordinate: f is evaluated at ``x ± 4h`` and ``x ± 2h`` and, with the values
at ``x ± h``, extrapolated to second order (the ``richardson`` estimate below
with base step ``H = 4h``); then again at ``(16h, 8h, 4h)``. The estimate with
the smaller error bound is kept (4 more evaluations per refined coordinate and
round). This keeps the check sharp in float32 without a looser tolerance.

``method="richardson"`` adds ``x ± h/4`` and extrapolates once more (error
O(h**6)); its estimate is ``|R(h, h/2) - R(h/2, h/4)| / 15`` plus roundoff
``6.6 delta / h``, balanced at ``h = eps**(1/5)`` (7.4e-4 in float64, 4.1e-2 in
float32). ``method="complex"`` uses ``Im f(x + ih) / h`` with ``h = 1e-20``:
no subtraction, so its error is rounding only, ``16 eps (|f'| + max|grad|)``.

Fast mode applies the same model to directional derivatives ``grad . d``
(``d_i = ±u h_i``, ``u`` uniform in [0.5, 1.5]): 4 evaluations per direction
(t = ±1, ±1/2) and the noise pooled over the k directions.
"""

from __future__ import annotations

import numpy as np

from ._validation import NARROW_EPS, dtype_eps

SAFETY = 10.0
"""A mismatch counts only when it exceeds SAFETY times the estimated FD error."""

GRAD_ROUNDING = 16.0
"""Rounding allowed in the analytic gradient, in units of eps * max|grad|."""

NOISE_QUANTILE = 90.0
NOISE_DIVISOR = 4.0
COMPLEX_STEP = 1e-20
# Beyond this relative size a residual is no longer "a modelling constant" but a bug.
DELTA_RESIDUAL_MAX = 1e-4

# Where roundoff exceeds REFINE_RATIO x truncation, the step is too small for this f
# (a flat f, or float32): such coordinates are measured again at 4h (then 16h), and the
# estimate with the smaller error bound is kept.
REFINE_RATIO = 1.0
REFINE_ABOVE_EPS = NARROW_EPS  # float64's base accuracy (~eps**(2/3) = 4e-11) needs none
REFINE_FACTORS = (4.0, 16.0)

METHODS = ("central", "richardson", "complex")


def default_step(dtype, method: str) -> float:
    """The step of the error model for ``dtype`` (before scaling by ``max(1, |x|)``)."""
    eps = dtype_eps(dtype)
    if method == "complex":
        return COMPLEX_STEP
    if method == "richardson":
        return eps ** (1 / 5)
    return 2 * eps ** (1 / 3)


def levels(method: str) -> tuple[float, ...]:
    """Fractions of the step at which f is evaluated on both sides."""
    return (1.0, 0.5, 0.25) if method == "richardson" else (1.0, 0.5)


def richardson(d, steps):
    """Extrapolate slopes ``d[l]`` measured with represented steps ``steps[l]`` (rows)."""
    rho2 = (steps[0] / steps[1]) ** 2
    r1 = (rho2 * d[1] - d[0]) / (rho2 - 1)
    if len(d) == 2:
        return r1
    rho2b = (steps[1] / steps[2]) ** 2
    return (16 * (rho2b * d[2] - d[1]) / (rho2b - 1) - r1) / 15


def estimate(fp, fm, steps, f0, *, eps_f, noise=0.0):
    """Numeric derivative and its estimated error from evaluations at ``±steps``.

    ``fp[l]``, ``fm[l]``: f at the plus/minus point of level ``l`` (arrays over
    coordinates); ``steps[l]``: the represented distance between them; ``f0``:
    f at x. Returns ``(numeric, truncation, roundoff, delta)`` arrays.
    """
    fp, fm, steps = (np.asarray(a, dtype=np.float64) for a in (fp, fm, steps))
    d = (fp - fm) / steps
    rho2 = (steps[0] / steps[1]) ** 2
    r1 = (rho2 * d[1] - d[0]) / (rho2 - 1)
    fmax = np.max(np.abs(np.concatenate([fp, fm])), axis=0)
    delta = np.maximum(eps_f * np.maximum(fmax, abs(f0)), noise)
    h = steps[0] / 2
    if len(d) == 2:
        return r1, np.abs(d[0] - d[1]) / 3, 3 * delta / h, delta
    rho2b = (steps[1] / steps[2]) ** 2
    r2 = (rho2b * d[2] - d[1]) / (rho2b - 1)
    numeric = (16 * r2 - r1) / 15
    return numeric, np.abs(r1 - r2) / 15, 6.6 * delta / h, delta


def fourth_difference(fp, fm, f0):
    """``f(x-h) - 4f(x-h/2) + 6f(x) - 4f(x+h/2) + f(x+h)``: noise for a smooth f."""
    return fm[0] - 4 * fm[1] + 6 * f0 - 4 * fp[1] + fp[0]


def pooled_noise(fourth) -> float:
    """Noise of one evaluation of f, from the fourth differences of all coordinates."""
    fourth = np.abs(np.asarray(fourth, dtype=np.float64))
    return float(np.percentile(fourth, NOISE_QUANTILE) / NOISE_DIVISOR) if fourth.size else 0.0


def kink_signature(fp, fm, steps, f0, delta):
    """True where the one-sided differences disagree in a way no smooth f explains.

    For a smooth f the jump between forward and backward slopes is ``h f''``, so
    halving h halves it; at a kink it stays (d = 0) or vanishes abruptly.
    """
    fp, fm, steps = (np.asarray(a, dtype=np.float64) for a in (fp, fm, steps))
    jump = ((fp - f0) - (f0 - fm)) / (steps / 2)
    significant = np.abs(jump[0]) * steps[0] / 2 > SAFETY * 4 * delta
    ratio = np.divide(jump[1], jump[0], out=np.full_like(jump[0], 0.5), where=jump[0] != 0)
    return significant & (np.abs(ratio - 0.5) > 0.25)


def working_dtype(output_dtype, dtypes) -> np.dtype:
    """The dtype whose rounding limits the check: the least precise of f's output and x's.

    A float64 ``x`` whose f computes and returns float32 is a float32 problem: its step,
    roundoff and diagnosis must follow float32. Complex dtypes count as their real part.
    """
    real = [np.empty(0, d).real.dtype for d in (output_dtype, *dtypes)
            if np.dtype(d).kind in "fc"]
    return max(real or [np.dtype(np.float64)], key=dtype_eps)


def delta_residual(analytic, numeric):
    """Relative size ``alpha`` if ``analytic - numeric`` is ~ ``alpha * analytic``, else None.

    A constant small relative residual is what the book's ``delta = 1e-7`` in
    cross_entropy_error leaves between ``(y - t) / N`` and the exact gradient
    (``alpha ≈ delta / y``).
    """
    g = np.asarray(analytic, dtype=np.float64).ravel()
    r = g - np.asarray(numeric, dtype=np.float64).ravel()
    gg = float(g @ g)
    if gg == 0 or not np.any(r):
        return None
    alpha = float(r @ g) / gg
    rel = float(np.max(np.abs(r)) / np.max(np.abs(g)))
    fit = float(np.linalg.norm(r - alpha * g)) <= 0.5 * float(np.linalg.norm(r))
    return alpha if (rel <= DELTA_RESIDUAL_MAX and fit and alpha != 0) else None


def slip_probability(k: int, ratio: float) -> float:
    """Bound on the chance that all ``k`` directions miss an error ``ratio`` x tolerance.

    Direction entries are ``±u`` with ``u`` uniform in [0.5, 1.5]: conditioned
    on everything else, the largest wrong entry moves ``e.v`` uniformly over an
    interval of length ``|e_max|``, so one direction lands inside ``(-tol, tol)``
    with probability at most ``2 tol / |e_max|``.
    """
    return float(min(1.0, 2.0 / ratio) ** k) if ratio > 0 else 1.0
