"""Counting evaluations of f, complex-step probing, and turning residuals into a verdict."""

from __future__ import annotations

import warnings

import numpy as np

from . import errormodel as em
from ._checkresult import HINTS, Entry, GradCheckResult
from ._space import Space, scalar
from ._validation import is_narrow
from .numerical import step_lost


class Evaluator:
    """Calls ``f(x)`` with the caller's own ``x`` (perturbed in place) and counts the calls."""

    def __init__(self, f, x, space: Space):
        if not callable(f):
            raise TypeError(f"f must be a callable f(x) -> scalar, got {type(f).__name__}.")
        self.f, self.x, self.space, self.count = f, x, space, 0
        self.output_dtype = None  # of f's first output: a float32 f is a float32 problem

    def __call__(self, where) -> float:
        self.count += 1
        value = self.f(self.x)
        if self.output_dtype is None:
            self.output_dtype = np.asarray(value).dtype
        return scalar(value, where)

    def complex_arg(self):
        """Complex copies of x (same structure) for complex-step differentiation."""
        parts = [o.astype(np.result_type(o.dtype, np.complex64)) for o in self.space.originals]
        arg = dict(zip(self.space.keys, parts, strict=True)) if self.space.is_dict else parts[0]
        return arg, parts

    def complex_value(self, arg, where) -> complex:
        self.count += 1
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            value = self.f(arg)
        return complex(scalar(value, where))


def complex_fallback_reason(ev: Evaluator, g: np.ndarray, h: float, rng) -> str | None:
    """Why f cannot be differentiated by complex step (None when it can)."""
    arg, parts = ev.complex_arg()
    v = rng.standard_normal(ev.space.size)
    for part, vv in zip(parts, np.split(v, ev.space.offsets[1:-1]), strict=True):
        part += 1j * h * vv.reshape(part.shape)
    try:
        value = ev.complex_value(arg, "on complex input")
    except Exception as exc:  # any failure on complex input means: fall back
        return f"f raised {type(exc).__name__} on complex input ({exc})"
    if value.imag == 0 and g @ v != 0:
        return ("f dropped the imaginary part (abs, np.real, float(), np.maximum, comparisons, "
                "or writing into a real array are not complex-analytic), or f ignores its "
                "argument and reads the arrays through a closure")
    return None


def diagnose(bad, analytic, numeric, fd_error, roundoff, kink, *, nd_noise, nd_limit, narrow,
             safety):
    """The most likely cause of the mismatches flagged in ``bad``."""
    if not bad.any():
        return "ok"
    resid = np.abs(analytic - numeric)[bad]
    if nd_noise > 0 and np.all(resid <= np.maximum(100 * safety * nd_limit[bad],
                                                   safety * fd_error[bad])):
        return "nondeterministic"
    if kink[bad].any():
        return "kink"
    if em.delta_residual(analytic, numeric) is not None:
        return "delta_residual"
    if narrow and np.all(resid <= 10 * safety * fd_error[bad]) and \
            np.all(roundoff[bad] >= 0.5 * fd_error[bad]):
        return "roundoff"
    return "bug"


def verdict(*, analytic, numeric, fd_error, roundoff, kink, nd, where, mode, method, safety,
            evaluations, dtype, worst, nd_limit, extra_bad=None) -> GradCheckResult:
    """Compare; build the result with its worst entries, cause and hint."""
    resid = np.abs(analytic - numeric)
    tol = safety * fd_error
    bad = resid > tol
    if extra_bad is not None:
        bad |= extra_bad
    nd_noise = abs(nd[0] - nd[1])
    if nd_noise > 0:  # noise so large that the check could not tell a 10% error: no verdict
        bad |= tol >= 0.1 * np.max(np.abs(analytic))
    denom = np.maximum(np.abs(analytic), np.abs(numeric))
    rel = np.divide(resid, denom, out=np.zeros_like(resid), where=denom > 0)
    narrow = is_narrow(dtype)
    cause = diagnose(bad, analytic, numeric, fd_error, roundoff, kink, nd_noise=nd_noise,
                     nd_limit=nd_limit, narrow=narrow, safety=safety)
    order = np.argsort(-np.divide(resid, tol, out=np.full_like(resid, np.inf), where=tol > 0),
                       kind="stable")[:worst]
    entries = [Entry(*where(int(i)), float(analytic[i]), float(numeric[i]), float(resid[i]),
                     float(rel[i]), float(fd_error[i]), float(tol[i]), not bool(bad[i]))
               for i in order]
    alpha = em.delta_residual(analytic, numeric) or 0.0
    hint = HINTS[cause].format(dtype=dtype, alpha=alpha, f0a=nd[0], f0b=nd[1])
    result = GradCheckResult(ok=not bad.any(), cause=cause, mode=mode, method=method,
                             max_abs_error=float(resid.max()), max_rel_error=float(rel.max()),
                             worst=entries, failures=int(bad.sum()), checked=int(resid.size),
                             evaluations=evaluations, safety=safety, dtype=str(dtype), hint=hint)
    if nd_noise > 0 and cause != "nondeterministic":
        result.notes.append(f"note: f(x) differed between two calls ({nd[0]!r} vs {nd[1]!r}); "
                            f"the tolerance includes that noise.")
    return result


def ignores_x(values, f0, analytic, change=None, eps_f=0.0) -> bool:
    """Every perturbed evaluation equals f(x) exactly, although the claimed gradient
    predicts a change (``change``: |grad . step| per probe) larger than f's rounding."""
    if not (np.all(np.asarray(values) == f0) and np.any(analytic != 0)):
        return False
    return change is None or bool(np.max(change) > 4 * eps_f * abs(f0))


def ignores_x_result(*, mode, method, safety, evaluations, dtype, checked) -> GradCheckResult:
    return GradCheckResult(ok=False, cause="ignores_x", mode=mode, method=method,
                           max_abs_error=float("nan"), max_rel_error=float("nan"),
                           failures=checked, checked=checked, evaluations=evaluations,
                           safety=safety, dtype=str(dtype), hint=HINTS["ignores_x"])


def element_values(ev, space: Space, hs, fractions, indices):
    """f at x_i ± fraction*h_i for each coordinate i in ``indices``; and the steps taken."""
    shape = (len(fractions), len(indices))
    fp, fm, steps = np.empty(shape), np.empty(shape), np.empty(shape)
    for col, i in enumerate(indices):
        k = int(np.searchsorted(space.offsets, i, side="right") - 1)
        flat, j = space.flats[k], i - space.offsets[k]
        orig = flat[j]
        try:
            for lev, frac in enumerate(fractions):
                flat[j] = orig + frac * hs[i]
                plus = float(flat[j])
                fp[lev, col] = ev(lambda i=i, frac=frac: f"at {space.where(i)} + {frac:g}h")
                flat[j] = orig - frac * hs[i]
                steps[lev, col] = plus - float(flat[j])
                fm[lev, col] = ev(lambda i=i, frac=frac: f"at {space.where(i)} - {frac:g}h")
        finally:
            flat[j] = orig
        if steps[-1, col] == 0:
            raise step_lost(space.where(i), orig, hs[i])
    return fp, fm, steps
