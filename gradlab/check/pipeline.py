"""The pipeline every check runs: plan (method, step) -> evaluate -> estimate -> verdict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._validation import dtype_eps
from . import complexstep
from . import errormodel as em
from .claims import unflatten
from .fast import MAX_LOCATED, element, element_detectable, judge_directions, localise, signed
from .full import judge_full, moves_at_all, serial_sampler
from .methods import base_step
from .options import Options
from .problem import Problem
from .result import HINTS, Entry, GradCheckResult
from .steps import float32_data, snapped
from .verdict import (
    FAIL,
    INCONCLUSIVE,
    RESIDUAL_MAX,
    Report,
    build,
    compare,
    diagnose,
    entry,
    is_delta,
    residual_pattern,
)

SLIP_RATIO = 20.0
"""Fast mode's slip-through bound is stated for an error 10x the always-caught threshold,
i.e. 20 times the directional tolerance (the threshold is 2 tol / min step)."""


def checked(problem: Problem, opts: Options) -> GradCheckResult:
    """:func:`run`, then x restored bit for bit, and an f that left x modified refused:
    how every public check ends."""
    try:
        result = run(problem, opts)
        problem.space.assert_unmodified("f")
    finally:
        problem.space.restore()
    return result


def run(problem: Problem, opts: Options, notes=()) -> GradCheckResult:
    """Check ``problem`` with ``opts``; x is restored by the caller."""
    notes, rng = list(notes), np.random.default_rng(opts.seed)
    method = opts.method
    if method == "complex":
        reason = complexstep.unavailable(problem, rng)
        if reason is not None:
            notes.append(f"complex step impossible: {reason}; fell back to central "
                         f"differences.")
            method = "central"
    h = opts.h if opts.h is not None else base_step(method, problem.dtype)
    if problem.narrow:
        rel = dtype_eps(problem.dtype) ** (2 / 3)
        notes.append(f"f computes in {problem.dtype}: finite differences resolve about "
                     f"eps**(2/3) = {rel:.1e} relative (result.detectable gives each element's "
                     f"smallest visible error); check in float64 for a sharper verdict.")
    if opts.mode == "fast":
        return _fast(problem, method, h, opts, rng, notes)
    return _full(problem, method, h, opts, notes)


def _sampler(problem: Problem, opts: Options, notes: list):
    if opts.executor is None:
        sampler = serial_sampler(problem)
        sampler.count = 0
        return sampler
    from .parallel import ExecutorSampler

    sampler = ExecutorSampler(problem, opts.executor)
    notes.append(sampler.note)
    return sampler


def _full(problem: Problem, method: str, h: float, opts: Options, notes: list):
    sampler = _sampler(problem, opts, notes)
    judged = judge_full(problem, method, h, opts.safety, sampler)
    scale = problem.scale(judged.numeric, judged.state == 0)
    c = compare(problem.claimed, judged, problem.grad_round, scale, opts.safety,
                _floor_causes(problem, judged))
    if judged.flat and _predicts_change(problem, h * problem.space.scales()):
        flat = _flat(problem, c, opts, "full", method, notes)
        if flat is not None:
            return flat
        c = _quantized(c)
    notes += _escalation_notes(judged, problem)
    out = _layout(problem)
    rep = _report(problem, opts, "full", method, notes, problem.ev.count + sampler.count,
                  detectable=unflatten(c.detectable, problem.space, out),
                  numeric=unflatten(judged.numeric, problem.space, out), judged=judged)
    return build(c, problem.where, rep)


def _fast(problem: Problem, method: str, h: float, opts: Options, rng, notes: list):
    space = problem.space
    hs = (h if method != "complex" else 1.0) * space.scales()
    # base points x ± d, x ± d/2 on float32's grid where x is float32 data (see .steps)
    grid, x = float32_data(space), space.point()
    directions = np.array([snapped(x, hs * signed(rng, space.size), grid, -1, 0)
                           for _ in range(opts.k)])
    judged = judge_directions(problem, method, directions, opts.safety)
    magnitude = np.abs(directions) @ np.abs(problem.claimed)
    usable = (judged.state == 0) & np.isfinite(judged.numeric)
    scale = np.maximum(magnitude, np.where(usable, np.abs(judged.numeric), 0.0))
    c = compare(judged.claimed, judged, em.GRAD_ROUNDING * problem.eps_g * magnitude, scale,
                opts.safety, _floor_causes(problem, judged))
    if judged.flat and _predicts_change(problem, None, judged.claimed):
        flat = _flat(problem, c, opts, "fast", method, notes)
        if flat is not None:
            return flat
        c = _quantized(c)
    located, spread = _located(problem, c, judged, directions, method, opts, hs, notes)
    tol = opts.safety * float(np.max(c.error))
    threshold = 2 * tol / float(np.min(hs))  # the smallest step sees an error least
    slip = em.slip_probability(opts.k, SLIP_RATIO)
    notes.append(f"fast mode: {opts.k} random signed directions. An error above "
                 f"{threshold:.1e} in any single element is always caught; an error 10x that "
                 f"size, however spread over elements, slips past all {opts.k} directions with "
                 f"probability <= {slip:.0e} (bound (2 tol / |error|)**k).")
    notes += _escalation_notes(judged, problem)
    det = element_detectable(c.detectable, directions)
    located += _unseen(problem, det, opts.safety, _floor_causes(problem, judged))
    out = _layout(problem)
    rep = _report(problem, opts, "fast", method, notes, problem.ev.count,
                  detectable=unflatten(det, space, out), numeric=None, judged=judged, slip=slip)
    if spread is not None:
        rep, located = replace(rep, cause=spread), []

    def where(j, o):
        out_idx = problem.where(0, o)[2]
        return f"direction {int(j)}", (), out_idx

    return build(c, where, rep, extra=located)


def _located(problem, c, judged, directions, method, opts, hs, notes):
    """Entries found by bisection, and the cause when the error turned out spread thin."""
    fails = c.status == FAIL
    if not fails.any() or c.status.shape[1] != 1:
        return [], None
    cause, size = diagnose(c, narrow=problem.narrow,
                           nondeterministic=bool(np.any(problem.nondeterminism > 0)),
                           elements=False, f0=float(problem.f0[0]))
    if cause == "nondeterministic":
        return [], None
    with np.errstate(divide="ignore", invalid="ignore"):
        j = int(np.nanargmax(np.where(fails, c.resid / c.tol, -np.inf)[:, 0]))
    before, resid = problem.ev.count, float((c.analytic - c.numeric)[j, 0])
    found = localise(problem, directions[j], resid, float(c.error[j, 0]), opts.safety,
                     method, judged.noise, hs)
    entries = [entry(e, e.status, np.full((1, 1), "bug", dtype=object), 0,
                     lambda *_, i=i: problem.where(i, 0)) for i, e in found]
    names = ", ".join(e.where for e in entries) or "nothing (the error is spread thin)"
    notes.append(f"localised by bisection over blocks of parameters: {names} "
                 f"({problem.ev.count - before} evaluations); mode='full' lists every "
                 f"wrong element.")
    spread = _spread(found, directions[j], resid, float(problem.f0[0]))
    if spread is not None:
        spread = _confirm_spread(problem, method, opts, judged.noise, hs, notes)
    return entries, spread


SPREAD_SAMPLE = 16
"""Elements judged on their own to tell a residual spread over the parameters (the delta,
a solver) from one in a block (a bias gradient scaled, a row): 4 evaluations each."""


def _confirm_spread(problem: Problem, method: str, opts: Options, noise, hs, notes):
    """(cause, size) if random elements, among the larger half of |grad|, show the same
    small residual pattern full mode would name; else None (a bug in a block)."""
    g = np.abs(problem.claimed[:, 0])
    pool = np.flatnonzero(g >= np.median(g))
    rng = np.random.default_rng(None if opts.seed is None else opts.seed + 2)
    picks = rng.choice(pool, size=min(SPREAD_SAMPLE, pool.size), replace=False)
    parts = [element(problem, int(i), method, opts.safety, noise, hs) for i in picks]
    c = type(parts[0])(**{k: np.concatenate([getattr(p, k) for p in parts])
                          for k in parts[0].__dict__})
    pattern, size = residual_pattern(c, f0=float(problem.f0[0]))
    notes.append(f"the residual looked spread: {len(picks)} random elements judged on their "
                 f"own ({4 * len(picks)} evaluations) "
                 + ("show it too." if pattern else "do not: it sits in a few elements."))
    return (pattern, size) if pattern else None


def _unseen(problem: Problem, det, safety: float, floor_causes, most: int = 3):
    """Entries for elements no direction could see an error as large as max|grad| in."""
    scale = np.max(np.abs(problem.claimed), axis=0)[None]
    with np.errstate(invalid="ignore"):
        ratio = np.where(scale > 0, det / scale, 0.0)
    out = []
    for flat in np.argsort(-ratio, axis=None, kind="stable")[:most]:
        i, o = np.unravel_index(flat, ratio.shape)
        if not ratio[i, o] > 1:
            break
        name, index, output = problem.where(i, o)
        d = float(det[i, o])
        out.append(Entry(name, index, float(problem.claimed[i, o]), float("nan"),
                         float("nan"), 0.0, d / (safety + 1), d * safety / (safety + 1), d,
                         "inconclusive", str(floor_causes[o]), output))
    return out


def _spread(found, d, resid, f0):
    """A spread small residual: each element found is a small relative error (the delta's,
    a solver's), and they explain under half of the direction's residual or bisection
    stopped at MAX_LOCATED elements with more to find."""
    explained = sum(float((e.analytic - e.numeric)[0, 0]) * d[i] for i, e in found)
    if not found or (abs(explained) >= 0.5 * abs(resid) and len(found) < MAX_LOCATED):
        return None
    rel = [float((e.analytic - e.numeric)[0, 0] / e.analytic[0, 0]) if e.analytic[0, 0] else
           np.inf for _, e in found]
    if max(abs(r) for r in rel) > RESIDUAL_MAX:
        return None
    size = float(np.median(rel))
    return ("delta_residual", size) if is_delta(min(rel), f0) else ("small_residual", abs(size))


def _layout(problem: Problem) -> tuple:
    """Leaf shape prefix of results laid out like the claim."""
    if problem.outputs == "shape":
        return problem.out_shape
    return (problem.claimed.shape[1],) if problem.outputs == "cotangents" else ()


def _floor_causes(problem: Problem, judged) -> np.ndarray:
    nd = problem.nondeterminism
    return np.where(judged.quantum > 0, "quantized",
                    np.where(nd > 0, "nondeterministic", "imprecise")).astype(object)


def _predicts_change(problem: Problem, hs, along=None) -> bool:
    """The claim predicts a change of f over the step that f's dtype could show: above its
    rounding and above its smallest normal number (an f that underflows shows nothing)."""
    change = np.abs(along) if along is not None else np.abs(problem.claimed) * hs[:, None]
    visible = np.maximum(4 * problem.eps_f * np.abs(problem.f0), np.finfo(problem.dtype).tiny)
    return bool(np.any(np.max(change, axis=0) > visible))


def _flat(problem: Problem, c, opts: Options, mode: str, method: str, notes: list):
    """No step changed f: either f ignores x (a fail) or it is quantized (None: inconclusive)."""
    if moves_at_all(problem):
        notes.append("no step of the check changed f, but a step of 0.1 max(1, |x|) does: f "
                     "is constant at the scale of the step (rounded, or piecewise constant).")
        return None
    extra = (" With executor=, f and x travel to the workers together: f must reach x "
             "through its argument or a closure, not a module-level global."
             if opts.executor is not None else "")
    return GradCheckResult(status="fail", cause="ignores_x", kind=problem.kind, mode=mode,
                           method=method, max_abs_error=float("nan"),
                           max_rel_error=float("nan"), failures=int(c.status.size),
                           checked=int(c.status.size), evaluations=problem.ev.count,
                           safety=opts.safety, dtype=str(problem.dtype),
                           hint=HINTS["ignores_x"].format(executor=extra), notes=tuple(notes))


def _quantized(c):
    shape = c.status.shape
    return replace(c, status=np.full(shape, INCONCLUSIVE),
                   causes=np.full(shape, "quantized", dtype=object),
                   detectable=np.full(shape, np.inf))


def _escalation_notes(judged, problem: Problem) -> list:
    notes = []
    if judged.refined:
        notes.append(f"{judged.refined} lines were measured again at larger steps (4h, 16h): "
                     f"roundoff dominated their error at h.")
    if judged.finer:
        notes.append(f"{judged.finer} lines were measured again at smaller steps (down to "
                     f"h/32): not smooth at h, a step outside f's domain, or truncation too "
                     f"large.")
    if problem.ev.failures:
        notes.append("steps dropped where f was not finite: " + "; ".join(problem.ev.failures)
                     + ".")
    return notes


def _report(problem, opts, mode, method, notes, evaluations, *, detectable, numeric, judged,
            slip=None) -> Report:
    nd = problem.nondeterminism
    o = int(np.argmax(nd))
    quantum = float(np.max(judged.quantum)) if judged.quantum.size else 0.0
    failure = ("First failure: " + problem.ev.failures[0] + ".") if problem.ev.failures else ""
    return Report(kind=problem.kind, mode=mode, method=method, safety=opts.safety,
                  dtype=str(problem.dtype), evaluations=evaluations, worst=opts.worst,
                  f0=(float(problem.f0[o]), float(problem.f0b[o])),
                  nondeterministic=bool(np.any(nd > 0)), narrow=problem.narrow,
                  notes=tuple(notes), detectable=detectable, numeric=numeric,
                  slip_probability=slip, context={"quantum": quantum, "failure": failure})
