"""Fast mode: k random signed directions, then bisection to find a wrong element.

Along a direction ``d`` (entries ``±u h_i``, ``u`` uniform in [0.5, 1.5]) the
directional derivative costs 4 evaluations (``t = ±1, ±1/2``, the error model
of one coordinate) and is compared with the claim along the displacement
actually represented. A pass costs ``4k + 2`` evaluations where every direction is
smooth at h: no larger steps are tried (a direction too imprecise to judge is
inconclusive; full mode refines); a direction not smooth at h is measured again at
smaller steps, 4 evaluations a level.
When a direction fails, its coordinates are halved: the residual of the first
half is probed (4 evaluations), the second half's is the remainder, and the half
with the larger residual-to-tolerance ratio is kept; ``ceil(log2 P)`` probes
find the element, which is then judged on its own like full mode.
"""

from __future__ import annotations

import numpy as np

from . import complexstep
from . import errormodel as em
from .evaluate import sample_directions
from .full import CoordinateLines, context, finest, serial_sampler
from .lines import Judged, judge
from .methods import complex_error, stencil
from .problem import Problem
from .verdict import FAIL, compare

MAX_LOCATED = 3
"""Wrong elements localised one after another before the report is written."""


def signed(rng, size: int) -> np.ndarray:
    """Entries ``±u``, sign and ``u`` in [0.5, 1.5] uniform and independent (one draw)."""
    v = rng.uniform(-1.0, 1.0, size)
    return np.copysign(0.5 + np.abs(v), v)


class DirectionLines:
    """Direction ``d_r`` scaled by ``t = ±2**j``; the claim along the represented move."""

    def __init__(self, problem: Problem, directions: np.ndarray, fixed=None):
        self.problem, self.directions, self.fixed = problem, directions, fixed
        self.n, self.f0 = len(directions), problem.f0

    def sample(self, rows, j: int) -> em.Level:
        t = 2.0 ** j
        values, moved = sample_directions(self.problem.ev, self.directions[rows], (t, -t))
        if self.fixed is not None:  # a claim given along the direction itself
            claim = self.fixed[rows]
        else:
            claim = ((moved[:, 0] - moved[:, 1]) / (2 * t)) @ self.problem.claimed
        full = np.full(len(rows), t)
        return em.Level(values[:, 0], values[:, 1], full, full.copy(), claim)

    def magnitude(self) -> np.ndarray:
        """Per direction and output, the largest the claimed slope could be: sum |g_i d_i|."""
        if self.fixed is not None:
            return np.abs(self.fixed)
        return np.abs(self.directions) @ np.abs(self.problem.claimed)

    def scale(self, numeric, usable) -> np.ndarray:
        measured = np.where(usable & np.isfinite(numeric), np.abs(numeric), 0.0)
        return np.maximum(self.magnitude(), measured)


def judge_directions(problem: Problem, method: str, directions, safety, fixed=None) -> Judged:
    """Each direction judged as a line (``fixed``: claimed slopes given per direction)."""
    lines = DirectionLines(problem, directions, fixed)
    if method == "complex":
        return complexstep.directions(problem, directions, lines.magnitude())
    ctx = context(problem, safety, full=False)
    ctx = type(ctx)(**{**ctx.__dict__, "grad_round": em.GRAD_ROUNDING * problem.eps_g
                       * lines.magnitude()})
    return judge(lines, stencil(method), ctx, lines.scale)


def element_detectable(detectable: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Smallest single-element error caught through any direction: min_j det_j / |d_ji|."""
    with np.errstate(divide="ignore"):
        per = detectable[:, None, :] / np.abs(directions)[:, :, None]
    return np.min(per, axis=0)


class _Block:
    """Probes the residual of the claim along ``d`` restricted to coordinates [lo, hi)."""

    def __init__(self, problem: Problem, d: np.ndarray, noise: np.ndarray, method: str):
        self.problem, self.d, self.noise, self.method = problem, d, noise, method

    def residual(self, lo: int, hi: int) -> tuple[float, float]:
        """(claimed - numeric, its error bound) along d on coordinates [lo, hi)."""
        p = self.problem
        if self.method == "complex":
            d = np.zeros_like(self.d)
            d[lo:hi] = self.d[lo:hi]
            numeric = complexstep.slope(p, d, "at x + ih * a block of a direction")[0]
            claimed = float(d @ p.claimed[:, 0])
            err = complex_error(np.abs(numeric), float(np.abs(d) @ np.abs(p.claimed[:, 0])),
                                p.eps_f)
            return claimed - float(numeric), float(err)
        levels = stencil(self.method).base
        ts = [t for j in levels for t in (2.0 ** j, -(2.0 ** j))]
        values, moved = sample_directions(p.ev, self.d[None], ts, lo=lo, hi=hi)
        lvs = {}
        for n, j in enumerate(levels):
            t = 2.0 ** j
            claim = ((moved[0, 2 * n] - moved[0, 2 * n + 1]) / (2 * t)) @ p.claimed
            lvs[j] = em.Level(values[0, 2 * n][None], values[0, 2 * n + 1][None],
                              np.array([t]), np.array([t]), claim[None])
        stack = np.stack([a for lv in lvs.values() for a in (lv.fp, lv.fm)])
        delta = em.rounding(stack, p.f0, p.eps_f, np.maximum(self.noise, p.floor))
        est = stencil(self.method).estimate(lvs, 0, delta)
        rounding = em.GRAD_ROUNDING * p.eps_g * float(
            np.abs(self.d[lo:hi]) @ np.abs(p.claimed[lo:hi, 0]))
        return float((est.claimed - est.numeric)[0, 0]), float(est.error[0, 0]) + rounding


def localise(problem: Problem, d: np.ndarray, resid: float, err: float, safety: float,
             method: str, noise: np.ndarray, hs: np.ndarray):
    """Bisection over coordinate blocks; returns the flat indices of the elements found and
    their full-mode judgement (a Compared per element)."""
    block, found, corrections = _Block(problem, d, noise, method), [], {}
    for _ in range(MAX_LOCATED):
        if abs(resid) <= safety * err:
            break
        lo, hi, r, tol = 0, problem.space.size, resid, err
        while hi - lo > 1:
            mid = (lo + hi) // 2
            r1, tol1 = block.residual(lo, mid)
            r1 -= sum(c for i, c in corrections.items() if lo <= i < mid)
            r2, tol2 = r - r1, tol + tol1
            if abs(r1) / tol1 >= abs(r2) / tol2:
                hi, r, tol = mid, r1, tol1
            else:
                lo, r, tol = mid, r2, tol2
        c = element(problem, lo, method, safety, noise, hs)
        if c.status[0, 0] != FAIL:
            break
        found.append((lo, c))
        corrections[lo] = (c.analytic - c.numeric)[0, 0] * d[lo]
        resid -= corrections[lo]
    return found


class _One:
    """Coordinate lines restricted to one coordinate."""

    coordinates = True

    def __init__(self, lines: CoordinateLines, i: int):
        self.lines, self.i, self.n, self.f0 = lines, np.array([i]), 1, lines.f0

    def sample(self, rows, j):
        return self.lines.sample(self.i[rows], j)


def element(problem: Problem, i: int, method: str, safety: float, noise, hs):
    """Judge coordinate ``i`` on its own, as full mode would (noise pooled from fast mode)."""
    claimed = problem.claimed[[i]]
    floor = np.full(claimed.shape[1], "imprecise", dtype=object)
    if method == "complex":
        judged = complexstep.coordinates(problem, [i])
        return compare(claimed, judged, problem.grad_round, problem.scale(
            judged.numeric, True), safety, floor)
    lines = _One(CoordinateLines(problem, hs, serial_sampler(problem), finest(method)), i)
    ctx = context(problem, safety, full=True)
    ctx = type(ctx)(**{**ctx.__dict__, "floor": np.maximum(ctx.floor, noise)})
    judged = judge(lines, stencil(method), ctx, problem.scale)
    return compare(claimed, judged, problem.grad_round, problem.scale(
        judged.numeric, judged.state == 0), safety, floor)
