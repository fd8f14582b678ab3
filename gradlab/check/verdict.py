"""From judged lines to statuses, causes and the result: compare, diagnose, report.

An element **fails** when ``|analytic - numeric|`` exceeds ``safety`` times its
estimated finite-difference error (at a kink: when the claim lies outside the
one-sided slopes); it is **inconclusive** when its line is not smooth (kink,
jump, domain edge) or when its smallest detectable error, ``(safety + 1)`` times
the estimate, exceeds the size of what is checked (the largest claimed or
measured derivative); otherwise it **passes**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lines import DOMAIN, JUMP, KINK, SMOOTH
from .result import HINTS, TRY, Entry, GradCheckResult

PASS, FAIL, INCONCLUSIVE = 0, 1, 2
STATUS_NAMES = ("pass", "fail", "inconclusive")
STATE_CAUSES = {KINK: "kink", JUMP: "jump", DOMAIN: "domain"}

NONDETERMINISM_REACH = 100.0
"""Noise measured from one pair of calls may be far larger in other calls: mismatches up to
this many tolerances are blamed on it (inconclusive) rather than on a bug."""

ROUNDOFF_REACH = 10.0
"""In float32/float16, mismatches within this many tolerances that roundoff dominates are
called roundoff: the estimate itself is only good to a small factor there."""

RESIDUAL_MAX = 0.05
"""A residual above this fraction of max|grad| is a formula's error (a gradient scaled by
1.1 is a bug), not a smoothing constant's or a solver's. The book's delta reaches a few
percent only where some y_target is below ~1e-6 (weights of scale 2)."""

SPREAD_MIN = 2
SPREAD_FRACTION = 0.5
"""A small residual is "spread" when at least SPREAD_MIN elements fail, and at least half of
the elements big enough to show a residual of the median relative size do: a bug in one
element is not."""

DELTA = 1e-7
"""The book's delta inside the log of cross_entropy_error."""

DELTA_MIN = 0.5 * DELTA
"""The delta model: each sample's part of (y - t)/N is too large by alpha_n = delta /
(y_n + delta) = delta e**loss_n, so the mean alpha_n is at least delta e**f(x) (Jensen) and
never below delta / (1 + delta). Mixing samples can halve the fitted ratio, not more: a
residual below ``DELTA_MIN e**f(x)`` is not the delta's."""

DELTA_LOSS = (-1e-7, 16.2)
"""A cross-entropy with delta = 1e-7 lies in [-log(1 + delta), -log(delta)] = [-1e-7, 16.12]:
f(x) outside this range is not the book's loss, so its residual is not the delta's."""

DELTA_ALIGNED = 0.6
"""Fraction of failing elements whose residual has the sign of the claim: the delta makes
each sample's part of the book's gradient larger in size; summing samples with different
delta/y mixes signs. Measured 0.63-1.0 on 120 book-faithful TwoLayerNets (weight scales
0.01-2, batches 1-100); a residual of random sign gives 0.5."""


@dataclass(frozen=True)
class Compared:
    """Elements (lines x outputs) with their verdicts."""

    analytic: np.ndarray
    numeric: np.ndarray
    resid: np.ndarray
    error: np.ndarray
    tol: np.ndarray
    detectable: np.ndarray
    status: np.ndarray
    causes: np.ndarray
    roundoff_share: np.ndarray


def compare(analytic, judged, grad_round, scale, safety, floor_causes) -> Compared:
    """Statuses per element; ``floor_causes`` (per output) names what makes a smooth element
    blind: "quantized", "nondeterministic" or "imprecise"."""
    numeric, state = judged.numeric, judged.state
    err = judged.error + grad_round
    tol = safety * err
    with np.errstate(invalid="ignore"):
        resid = np.abs(analytic - numeric)
        smooth = state == SMOOTH
        fail = (smooth & (resid > tol)) | ((state == KINK) & ((analytic < judged.lo)
                                                               | (analytic > judged.hi)))
        detectable = np.where(smooth, tol + err, np.inf)
        blind = smooth & (detectable > scale) & (scale > 0)
        share = np.where(err > 0, judged.roundoff / err, 0.0)
    status = np.where(fail, FAIL, np.where(~smooth | blind, INCONCLUSIVE, PASS))
    causes = np.where(status == INCONCLUSIVE, np.broadcast_to(floor_causes, state.shape),
                      "ok").astype(object)
    for code, name in STATE_CAUSES.items():
        causes[(state == code) & ~fail] = name
    return Compared(analytic, numeric, resid, err, tol, detectable, status, causes, share)


def is_delta(alpha: float, f0: float) -> bool:
    """Whether a relative residual ``alpha`` of a loss ``f0`` fits the book's delta model."""
    lo, hi = DELTA_LOSS
    return lo <= f0 <= hi and alpha >= DELTA_MIN * np.exp(max(f0, 0.0))


def residual_pattern(c: Compared, *, f0: float = 0.0) -> tuple[str | None, float]:
    """("delta_residual" | "small_residual" | None, relative size) of failing elements.

    A small residual spread over the elements that could show it; the delta's when it
    also has the claim's sign and the size the delta model allows at loss ``f0``.
    (Fast mode's directions mix all elements: it decides after localising, from
    elements judged on their own.)
    """
    fail = c.status == FAIL
    g, r = c.analytic.ravel(), (c.analytic - c.numeric).ravel()
    gmax = float(np.max(np.abs(g)))
    f = fail.ravel()
    if gmax == 0 or not f.any() or float(np.max(np.abs(r[f]))) > RESIDUAL_MAX * gmax:
        return None, 0.0
    size = float(np.median(np.abs(r[f] / np.where(g[f] != 0, g[f], np.inf))))
    could = np.abs(g) * size > c.tol.ravel()
    if f.sum() < SPREAD_MIN or f.sum() < SPREAD_FRACTION * could.sum():
        return None, 0.0
    alpha = float(r @ g) / float(g @ g)
    if float(np.mean(r[f] * g[f] > 0)) >= DELTA_ALIGNED and is_delta(alpha, f0):
        return "delta_residual", alpha
    return "small_residual", size


def diagnose(c: Compared, *, narrow: bool, nondeterministic: bool, elements: bool = True,
             f0: float = 0.0) -> tuple[str, float]:
    """The most likely cause of the failures, and the residual's relative size if small."""
    fail = c.status == FAIL
    if nondeterministic and np.all(c.resid[fail] <= NONDETERMINISM_REACH * c.tol[fail]):
        return "nondeterministic", 0.0
    pattern, size = residual_pattern(c, f0=f0) if elements else (None, 0.0)
    if pattern:
        return pattern, size
    if narrow and np.all(c.resid[fail] <= ROUNDOFF_REACH * c.tol[fail]) and \
            np.all(c.roundoff_share[fail] >= 0.5):
        return "roundoff", 0.0
    return "bug", 0.0


def order(c: Compared) -> np.ndarray:
    """Flat element order for the report: failures, then inconclusive, then passes, each
    worst first."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(c.tol > 0, c.resid / c.tol, np.inf)
        ratio = np.where(np.isfinite(ratio), ratio, np.inf)
    key = np.where(c.status == FAIL, 0, np.where(c.status == INCONCLUSIVE, 1, 2)).ravel()
    return np.lexsort((-np.nan_to_num(ratio.ravel(), nan=np.inf), key))


@dataclass(frozen=True)
class Report:
    """What the result says besides the comparison."""

    kind: str
    mode: str
    method: str
    safety: float
    dtype: str
    evaluations: int
    worst: int
    f0: tuple
    nondeterministic: bool
    narrow: bool
    notes: tuple = ()
    cause: tuple | None = None
    """(cause, size) decided elsewhere (fast mode, after localisation), or None."""
    detectable: object = None
    numeric: object = None
    slip_probability: float | None = None
    context: dict | None = None


def build(c: Compared, where, rep: Report, *, extra=()) -> GradCheckResult:
    """The result: status, cause, hint, worst entries; ``where(flat)`` -> (name, index,
    output). ``extra``: entries listed first (fast mode: elements found by bisection, or
    elements no direction can see), whose statuses count too."""
    status = c.status.copy()
    fails = status == FAIL
    cause, size = ("ok", 0.0)
    if fails.any():
        cause, size = rep.cause or diagnose(c, narrow=rep.narrow,
                                            nondeterministic=rep.nondeterministic,
                                            elements=rep.mode == "full", f0=rep.f0[0])
        if cause == "nondeterministic":
            status[fails] = INCONCLUSIVE
    causes = c.causes.copy()
    causes[fails] = cause
    flat = order(Compared(**{**c.__dict__, "status": status}))
    entries = tuple(extra) + tuple(entry(c, status, causes, int(i), where)
                                   for i in flat[:rep.worst])
    statuses = {e.status for e in extra} | {STATUS_NAMES[s] for s in np.unique(status)}
    final = next(s for s in ("fail", "inconclusive", "pass") if s in statuses)
    if final == "inconclusive":
        cause = next(e.cause for e in entries if e.status == "inconclusive")
    elif final == "pass":
        cause = "ok"
    elif cause == "ok":  # only an extra entry failed
        cause = next(e.cause for e in entries if e.status == "fail")
    with np.errstate(invalid="ignore"):
        denom = np.maximum(np.abs(c.analytic), np.abs(c.numeric))
        rel = np.where(denom > 0, c.resid / denom, 0.0)
    finite = np.isfinite(c.resid)
    located = [e for e in extra if e.status == "fail"]
    return GradCheckResult(
        status=final, cause=cause, kind=rep.kind, mode=rep.mode, method=rep.method,
        max_abs_error=max([float(c.resid[finite].max()) if finite.any() else float("nan")]
                          + [e.abs_error for e in located]),
        max_rel_error=max([float(rel[finite].max()) if finite.any() else float("nan")]
                          + [e.rel_error for e in located]),
        worst=entries, failures=int((status == FAIL).sum()),
        inconclusive=int((status == INCONCLUSIVE).sum())
        + sum(e.status == "inconclusive" for e in extra), checked=int(status.size),
        evaluations=rep.evaluations, safety=rep.safety, dtype=rep.dtype,
        hint=hint(cause, size, rep, c), detectable=rep.detectable, numeric=rep.numeric,
        slip_probability=rep.slip_probability, notes=rep.notes)


def entry(c: Compared, status, causes, i: int, where) -> Entry:
    idx = np.unravel_index(i, c.status.shape)
    a, n, r = float(c.analytic[idx]), float(c.numeric[idx]), float(c.resid[idx])
    denom = max(abs(a), abs(n)) if np.isfinite(n) else abs(a)
    name, index, output = where(*idx)
    return Entry(name, index, a, n, r, r / denom if denom and np.isfinite(r) else 0.0,
                 float(c.error[idx]), float(c.tol[idx]), float(c.detectable[idx]),
                 STATUS_NAMES[int(status[idx])], str(causes[idx]), output)


def hint(cause: str, size: float, rep: Report, c: Compared) -> str:
    """The cause's paragraph, filled in, and what to try for an inconclusive one."""
    ctx = {"dtype": rep.dtype, "alpha": size, "f0a": rep.f0[0], "f0b": rep.f0[-1],
           "finest": "h/32", "quantum": 0.0, "failure": "", "executor": "",
           "scale": float(np.max(np.abs(c.analytic))) if c.analytic.size else 0.0,
           **(rep.context or {})}
    ctx["quantum_text"] = (f" (its values are multiples of {ctx['quantum']:.3g})"
                           if ctx["quantum"] else " coarser than the step")
    text = HINTS[cause].format(**ctx)
    return f"{text}\n{TRY[cause]}" if cause in TRY else text
