"""check_gradient and assert_gradient_close: is a claimed gradient right, and if not, where?

The error model (module :mod:`gradlab.errormodel` has the details): for each
coordinate, central differences at steps ``h`` and ``h/2`` give a Richardson
value ``R = (4 D(h/2) - D(h)) / 3`` and an estimate of the finite-difference
error, truncation ``|D(h) - D(h/2)| / 3`` plus roundoff ``3 delta / h``, where
``delta`` is the rounding of one evaluation of f (``eps * |f|``, or the noise
measured by the fourth difference of the five values ``f(x), f(x±h/2),
f(x±h)``, whichever is larger), plus ``16 eps max|grad|`` for the analytic
side. An element is wrong only when ``|analytic - R|`` exceeds ``safety = 10``
times that estimate: no magic tolerances. Default step
``h = 2 eps**(1/3) max(1, |x_i|)``: 1.2e-5 (float64), 9.8e-3 (float32).

Full mode costs ``4P + 2`` evaluations of f for P parameters (plus 4 for each
coordinate whose step is refined, see errormodel); fast mode (``mode="fast"``)
probes ``k`` random signed directions with the same model, ``4k + 2``
evaluations, and on failure localises the wrong element by bisection over
blocks of parameters in ``4 ceil(log2 P) + 4`` more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import errormodel as em
from ._checkresult import CAUSES, Entry, GradCheckResult
from ._directional import fast_check
from ._evaluate import (
    Evaluator,
    complex_fallback_reason,
    element_values,
    ignores_x,
    ignores_x_result,
    verdict,
)
from ._space import Space, claimed_gradient
from ._validation import dtype_eps
from .errors import GradCheckError

__all__ = ["check_gradient", "assert_gradient_close", "GradCheckResult", "GradCheckError",
           "CAUSES", "Entry"]

MODES = ("full", "fast")


def _options(mode, method, h, safety, k, worst):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}: 'full' checks every "
                         f"element, 'fast' k random directions.")
    if method not in em.METHODS:
        raise ValueError(f"method must be one of {em.METHODS}, got {method!r}.")
    if h is not None and not (np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive finite step or None (dtype default), got {h!r}.")
    if not (np.isfinite(safety) and safety >= 1):
        raise ValueError(f"safety must be a finite factor >= 1, got {safety!r}.")
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer number of directions, got {k!r}.")
    if isinstance(worst, bool) or int(worst) != worst or worst < 1:
        raise ValueError(f"worst must be a positive integer number of rows, got {worst!r}.")


def check_gradient(f: Callable, x, grad, *, mode: str = "full", method: str = "central",
                   h: float | None = None, safety: float = em.SAFETY, k: int = 4,
                   seed: int | None = 0, worst: int = 5) -> GradCheckResult:
    """Check a claimed gradient of ``f`` at ``x`` against finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``. It may ignore its argument and read ``x`` through a
        closure, as the book's ``lambda W: net.loss(x, t)`` does: the checker
        perturbs the caller's arrays in place and restores them bit-for-bit.
    x : ndarray or dict of str to ndarray
        Float parameters, e.g. ``net.params``.
    grad : ndarray, dict or callable
        The claimed gradient, same structure as ``x``, or ``grad(x)`` returning it.
    mode : {"full", "fast"}
        ``"full"``: every element (4 evaluations each). ``"fast"``: ``k`` random
        signed directions, then bisection to find a wrong element.
    method : {"central", "richardson", "complex"}
        Central differences at h and h/2 with Richardson (default); one more
        level h/4 (more accurate, 6 evaluations per element); or complex step
        ``Im f(x + ih) / h`` (f must accept complex input; otherwise the check
        falls back to central and says so in ``notes``).
    h : float, optional
        Step (relative above ``|x_i| = 1``). Default from the dtype, see Notes.
    safety : float, optional
        A mismatch counts when it exceeds ``safety`` x the estimated FD error. Default 10.
    k : int, optional
        Number of directions in fast mode, default 4 (18 evaluations of f).
    seed : int or None, optional
        Seed of the random directions (fast mode, complex-step probe).
    worst : int, optional
        Number of rows in the report's table.

    Returns
    -------
    GradCheckResult
        ``ok``, ``cause``, ``max_abs_error``, ``max_rel_error``, ``worst``
        entries, ``to_dict()``; ``str(result)`` is the report.

    Raises
    ------
    TypeError
        If ``x`` (or one of its arrays) is not a float ndarray (integers are
        refused: an in-place step of 1e-4 would be truncated), or ``grad`` is
        not numeric, or ``f`` is not callable.
    ValueError
        If shapes or keys of ``grad`` and ``x`` differ; if ``x``, ``grad`` or
        ``f`` contain or return nan/inf (the message says where); if ``f`` or
        ``grad`` modifies ``x``; if ``x`` is read-only; for bad options.

    Warns
    -----
    PrecisionWarning
        If ``x`` is float16 or float32, with the size of error the check can see.

    Notes
    -----
    The error model (see :mod:`gradlab.errormodel`): for central differences the
    truncation error is ``h**2 |f'''| / 6`` and the roundoff ``eps |f| / h``
    (section 4.3.1 of the book explains the h = 1e-4 trade-off). Evaluating
    at h and h/2 both improves the value (Richardson) and estimates the error
    left, so the tolerance adapts to f, x and the dtype instead of being fixed.
    Failures are diagnosed: ``"bug"``, ``"roundoff"``, ``"kink"`` (left and
    right differences disagree), ``"delta_residual"`` (a constant relative
    residual such as the book's delta = 1e-7 leaves), ``"nondeterministic"``
    and ``"ignores_x"``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> result = check_gradient(lambda x: np.sum(x ** 3), x, 3 * x ** 2)
    >>> result.ok and np.allclose(result.max_rel_error, 0, atol=1e-8)
    True
    """
    _options(mode, method, h, safety, k, worst)
    space = Space(x)
    space.warn_precision(safety)
    ev = Evaluator(f, x, space)
    try:
        f0a = ev("at x")
        space.assert_unmodified("f")
        f0b = ev("at x (second call)")
        g, eps_g = claimed_gradient(grad, space, x)
        dtype = em.working_dtype(ev.output_dtype, space.dtypes())
        eps_f = dtype_eps(dtype)
        rng = np.random.default_rng(seed)
        notes = []
        if method == "complex":
            reason = complex_fallback_reason(ev, g, em.COMPLEX_STEP, rng)
            if reason is not None:
                notes.append(f"complex step impossible: {reason}; fell back to central "
                             f"differences.")
                method = "central"
        step = h if h is not None else em.default_step(dtype, method)
        common = dict(step=step, safety=safety, eps_f=eps_f, eps_g=eps_g, f0=(f0a, f0b),
                      worst=worst, method=method, dtype=dtype)
        if mode == "fast":
            result = fast_check(ev, space, g, k=k, rng=rng, **common)
        else:
            result = _full_check(ev, space, g, **common)
        space.assert_unmodified("f")
    finally:
        space.restore()
    result.notes[:0] = notes
    return result


def _complex_values(ev, space, h):
    arg, parts = ev.complex_arg()
    numeric, i = np.empty(space.size), 0
    for part in parts:
        flat = part.reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + 1j * h
            numeric[i] = ev.complex_value(arg, lambda i=i: f"at {space.where(i)} + ih").imag / h
            flat[j] = orig
            i += 1
    return numeric


def _full_check(ev, space, g, *, step, safety, eps_f, eps_g, f0, worst, method, dtype):
    nd = abs(f0[0] - f0[1])
    grad_round = em.GRAD_ROUNDING * eps_g * float(np.max(np.abs(g)))
    where = _where(space)
    if method == "complex":
        numeric = _complex_values(ev, space, step)
        fd_error = em.GRAD_ROUNDING * eps_f * (np.abs(numeric) + np.max(np.abs(numeric)))
        fd_error = fd_error + grad_round
        zero = np.zeros(space.size, dtype=bool)
        return verdict(analytic=g, numeric=numeric, fd_error=fd_error, roundoff=fd_error,
                       kink=zero, nd=f0, where=where, mode="full", method=method,
                       safety=safety, evaluations=ev.count, dtype=dtype, worst=worst,
                       nd_limit=np.zeros(space.size))
    hs = step * space.scales()
    fp, fm, steps = element_values(ev, space, hs, em.levels(method), range(space.size))
    if ignores_x(np.concatenate([fp, fm]), f0[0], g, np.abs(g) * steps[-1], eps_f):
        return ignores_x_result(mode="full", method=method, safety=safety,
                                evaluations=ev.count, dtype=dtype, checked=space.size)
    _, _, _, delta = em.estimate(fp, fm, steps, f0[0], eps_f=eps_f, noise=nd)
    kink = em.kink_signature(fp[:2], fm[:2], steps[:2], f0[0], delta)
    fourth = em.fourth_difference(fp, fm, f0[0])[~kink]  # a kink is not noise
    noise = max(em.pooled_noise(fourth), nd)
    numeric, trunc, roundoff, delta = em.estimate(fp, fm, steps, f0[0], eps_f=eps_f,
                                                  noise=noise)
    if method == "central" and eps_f > em.REFINE_ABOVE_EPS:
        blind = safety * (trunc + roundoff) > np.sqrt(eps_f) * np.max(np.abs(g))
        _refine(ev, space, hs, (fp[0], fm[0], steps[0]), f0[0], eps_f, noise,
                (numeric, trunc, roundoff), candidates=~kink & blind)
    return verdict(analytic=g, numeric=numeric, fd_error=trunc + roundoff + grad_round,
                   roundoff=roundoff, kink=kink, nd=f0, where=where, mode="full",
                   method=method, safety=safety, evaluations=ev.count, dtype=dtype,
                   worst=worst, nd_limit=3 * nd / (steps[0] / 2))


def _refine(ev, space, hs, inner, f0, eps_f, noise, estimates, candidates):
    """Where roundoff dominates, extrapolate from larger steps (4h, 2h, h), then (16h, 8h, 4h).

    Only ``candidates`` are refined: coordinates off kinks whose tolerance is
    too wide to see an error of ``sqrt(eps) * max|grad|``.

    The two new levels and the innermost old one feed the second Richardson
    level; its error estimate (``|R(H, H/2) - R(H/2, H/4)| / 15 + 6.6 delta / H``,
    see errormodel) replaces the old one where it is smaller.
    """
    numeric, trunc, roundoff = estimates
    inner = [np.array(a) for a in inner]
    for factor in em.REFINE_FACTORS:
        idx = np.flatnonzero((roundoff > em.REFINE_RATIO * trunc) & candidates)
        if not idx.size:
            return
        fp, fm, steps = element_values(ev, space, factor * hs, (1.0, 0.5), idx)
        fp, fm, steps = (np.vstack([new, old[idx]]) for new, old in
                         zip((fp, fm, steps), inner, strict=True))
        est = em.estimate(fp, fm, steps, f0, eps_f=eps_f, noise=noise)
        better = est[1] + est[2] < trunc[idx] + roundoff[idx]
        for arr, new in zip(estimates, est[:3], strict=False):
            arr[idx[better]] = new[better]
        for arr, new in zip(inner, (fp[0], fm[0], steps[0]), strict=True):
            arr[idx] = new
        candidates = np.zeros_like(candidates)
        candidates[idx[better]] = True


def _where(space):
    def where(i):
        k, idx = space.locate(i)
        return space.labels[k], idx
    return where


def assert_gradient_close(f: Callable, x, grad, **opts) -> GradCheckResult:
    """Like :func:`check_gradient`, but raise :class:`GradCheckError` when the check fails.

    Parameters
    ----------
    f, x, grad, **opts
        As for :func:`check_gradient`.

    Returns
    -------
    GradCheckResult
        When the check passes.

    Raises
    ------
    GradCheckError
        A subclass of AssertionError; its message is the report: what failed
        and where, a table of the worst elements, and the most likely cause.

    Examples
    --------
    >>> x = np.array([0.5, -1.5])
    >>> result = assert_gradient_close(lambda x: np.sum(np.sin(x)), x, np.cos(x))
    >>> np.allclose(result.max_abs_error, 0, atol=1e-8)
    True
    """
    __tracebackhide__ = True
    result = check_gradient(f, x, grad, **opts)
    if not result.ok:
        raise GradCheckError(str(result))
    return result
