"""Judging lines (coordinates, or directions in fast mode) on the error model.

Every line is first measured on the method's base levels. Where that cannot
judge, the line is measured again before anything is concluded:

* **larger steps** (full mode) where roundoff dominates and an error of
  ``max(sqrt(eps), SHARP) x max|grad|`` would be invisible: the triples
  (4h, 2h, h), (16h, 8h, 4h), (64h, 32h, 16h) while each lowers the error bound;
  a step that leaves f's domain is dropped, the line keeps what it had;
* **smaller steps** down to ``2**-FINER_LEVELS`` of the finest base level where
  the line is not smooth at the base scale, a step failed, or truncation dominates an
  error too wide for that same sharpness (full mode). A window of levels counts only
  when the next smaller level confirms it (the two estimates agree within their
  error bounds, every slope-change ratio is smooth): a jump at 0.3 h is left behind
  at h/4. At a bound of x's domain the same is done with one-sided differences.

A line that no window can judge gets a state: a ``kink`` at x (the slope change
keeps its size as the step shrinks), a ``jump`` within the step (the second
difference keeps its size), or the ``domain`` edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import errormodel as em
from .methods import FINER_LEVELS, REFINE, REFINE_RATIO, REFINE_TOPS, Stencil

SHARP = 1e-6
"""Larger steps are tried where an error of max(sqrt(eps), SHARP) x max|grad| would be
invisible: sqrt(eps) is float32's sharpness at its best step (3.4e-4); float64 would reach
1.5e-8 but no check needs to see below a millionth of the gradient, and nets at the book's
initialisation sit at ~1e-7 (refining them all would triple the cost)."""

SMOOTH, KINK, JUMP, DOMAIN = 0, 1, 2, 3
STATES = ("smooth", "kink", "jump", "domain")


@dataclass(frozen=True)
class Context:
    """What the judgement needs besides the lines: rounding and the policy of escalation."""

    eps_f: float
    floor: np.ndarray
    safety: float
    grad_round: np.ndarray
    refine_up: bool
    blind_finer: bool


@dataclass(frozen=True)
class Judged:
    """Per line and output: the numeric derivative, its error bound and state."""

    numeric: np.ndarray
    truncation: np.ndarray
    roundoff: np.ndarray
    state: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    claimed: np.ndarray | None
    noise: np.ndarray
    quantum: np.ndarray
    refined: int
    finer: int
    flat: bool = False
    """Every base evaluation returned exactly f(x): f may ignore x, or be quantized."""

    @property
    def error(self) -> np.ndarray:
        return self.truncation + self.roundoff


def _put(table: dict, j: int, rows, lv: em.Level, n: int) -> None:
    if j not in table:
        m = lv.fp.shape[1]
        nan = np.full((n, m), np.nan)
        claim = None if lv.claim is None else nan.copy()
        table[j] = em.Level(nan.copy(), nan.copy(), np.full(n, np.nan), np.full(n, np.nan), claim)
    old = table[j]
    for arr, new in zip(old, lv, strict=True):
        if arr is not None:
            arr[rows] = new


def _sample(lines, table: dict, seen: dict, rows, levels) -> None:
    """Evaluate ``levels`` on ``rows`` not yet measured there (all levels in one call when
    the lines can: one round of tasks on an executor)."""
    todo = [j for j in levels if j not in seen or not seen[j][rows].all()]
    if not todo:
        return
    if hasattr(lines, "sample_many") and all(j not in seen for j in todo):
        for j, lv in zip(todo, lines.sample_many(rows, todo), strict=True):
            _put(table, j, rows, lv, lines.n)
            seen[j] = np.zeros(lines.n, dtype=bool)
            seen[j][rows] = True
        return
    for j in todo:
        mask = seen.setdefault(j, np.zeros(lines.n, dtype=bool))
        missing = rows[~mask[rows]]
        if missing.size:
            _put(table, j, missing, lines.sample(missing, j), lines.n)
            mask[missing] = True


def _floor(table, base, f0, eps_f, nd, coordinates: bool):
    """Per output: the rounding floor (noise, quantum, nondeterminism) and its parts.

    ``coordinates``: the steps are steps in x (a quantum that divides them all is the
    steps', not f's); along directions they are in units of the direction."""
    values = np.stack([a for j in base for a in (table[j].fp, table[j].fm)])
    steps = np.concatenate([np.ravel(a) for j in base for a in (table[j].sp, table[j].sm)]) \
        if coordinates else None
    quantum = np.array([em.quantum(np.append(values[..., o].ravel(), f0[o]), eps_f, steps)
                        for o in range(values.shape[-1])])
    prelim = np.maximum(nd, quantum)
    delta = em.rounding(values, f0, eps_f, prelim)
    smooth = em.smoothness(table[base[0]], table[base[1]], f0, delta) == 0
    fourth = em.fourth_difference(table[base[0]], table[base[1]], f0)
    noise = em.pooled_noise(np.where(smooth, fourth, np.nan))
    return em.rounding(values, f0, eps_f, np.maximum(prelim, noise)), noise, quantum


def _codes(table, top, width, f0, delta, rows):
    """True where every slope-change ratio over levels top .. top-width is smooth."""
    ok = np.ones((rows.size, f0.size), dtype=bool)
    for a in range(top, top - width, -1):
        ok &= em.smoothness(table[a].rows(rows), table[a - 1].rows(rows), f0, delta[rows]) == 0
    return ok


def _windows(table, stencil: Stencil, lowest, f0, delta, rows, side=0):
    """Candidate windows for ``rows``, one per top level: (Estimate, confirmed)."""
    out = []
    for top in range(0, lowest + stencil.width - 1, -1):
        if side:
            a, b, c = (table[j].rows(rows) for j in (top, top - 1, top - 2))
            est = em.one_sided(a, b, f0, delta[rows], side)
            val = em.one_sided(b, c, f0, delta[rows], side)
            smooth = np.ones_like(est.numeric, dtype=bool)
        else:
            sub = {j: table[j].rows(rows) for j in range(top, top - stencil.width - 1, -1)}
            est = stencil.estimate(sub, top, delta[rows])
            val = stencil.estimate(sub, top - 1, delta[rows])
            smooth = _codes(table, top, stencil.width, f0, delta, rows)
        agree = np.abs(est.numeric - val.numeric) <= est.error + val.error
        valid = smooth & agree & np.isfinite(est.numeric) & np.isfinite(val.numeric)
        out.append((est, valid))
    return out


def _best(cands):
    """Per row and output: the confirmed candidate window with the smallest error.

    Returns an Estimate (its claim left as measured at h) and where one was found."""
    err = np.stack([np.where(ok, e.error, np.inf) for e, ok in cands])
    pick = np.argmin(err, axis=0)[None]
    take = lambda a: np.take_along_axis(np.stack(a), pick, 0)[0]  # noqa: E731
    est = em.Estimate(take([e.numeric for e, _ in cands]), take([e.truncation for e, _ in cands]),
                      take([e.roundoff for e, _ in cands]))
    return est, np.isfinite(take(list(err)))


class _Judgement:
    """The working state of one judgement; :meth:`done` freezes it into a Judged."""

    def __init__(self, lines, stencil: Stencil, ctx: Context, scale_fn):
        self.lines, self.stencil, self.ctx, self.scale_fn = lines, stencil, ctx, scale_fn
        self.table, self.seen = {}, {}
        _sample(lines, self.table, self.seen, np.arange(lines.n), stencil.base)
        f0 = lines.f0
        self.delta, self.noise, self.quantum = _floor(
            self.table, stencil.base, f0, ctx.eps_f, ctx.floor,
            coordinates=getattr(lines, "coordinates", False))
        self.est = _copy(stencil.estimate(self.table, 0, self.delta))
        b0, b1 = (self.table[j] for j in stencil.base[:2])
        self.code0 = em.smoothness(b0, b1, f0, self.delta)
        self.finite0 = np.isfinite(self.est.numeric) & np.isfinite(self.est.error)
        shape = self.est.numeric.shape
        self.state = np.zeros(shape, dtype=int)
        self.lo, self.hi = np.full(shape, np.nan), np.full(shape, np.nan)
        self.refined = self.finer = 0
        values = [a for j in stencil.base for a in (self.table[j].fp, self.table[j].fm)]
        self.flat = all(np.all((a == f0) | np.isnan(a)) for a in values) and any(
            np.isfinite(a).any() for a in values)

    def detect(self, est: em.Estimate, rows=None) -> np.ndarray:
        """The smallest error visible with ``est`` (on ``rows``, or all lines)."""
        grad_round = np.broadcast_to(self.ctx.grad_round, self.est.numeric.shape)
        return (self.ctx.safety + 1) * (est.error + (grad_round if rows is None
                                                     else grad_round[rows]))

    def scale(self) -> np.ndarray:
        usable = (self.code0 == 0) & self.finite0
        return np.broadcast_to(self.scale_fn(self.est.numeric, usable), self.est.numeric.shape)

    def refine_up(self):
        ctx, scale = self.ctx, self.scale()
        sharp = max(np.sqrt(ctx.eps_f), SHARP) * scale
        detect = self.detect(self.est)
        cand = ((self.code0 == 0) & self.finite0 & _roundoff_bound(self.est)
                & (detect > sharp))
        for top in REFINE_TOPS:
            rows = np.flatnonzero(cand.any(axis=1))
            if not rows.size:
                return
            self.refined = max(self.refined, rows.size)
            _sample(self.lines, self.table, self.seen, rows, (top, top - 1))
            sub = {j: self.table[j].rows(rows) for j in REFINE.levels(top)}
            est = REFINE.estimate(sub, top, self.delta[rows])
            smooth = _codes(self.table, top, REFINE.width - 1, self.lines.f0, self.delta, rows)
            # adopted only where it agrees with the estimate it replaces within both bounds:
            # at 16h-64h the asymptotic truncation estimate |R1 - R2| / 15 can vanish by a
            # cancellation (an x = 0.63 step in float32 once gave 1.2e-6 for an error of
            # 6.5e-5); if the two intervals miss each other one bound is wrong, and the
            # larger step's, far from the asymptotic range, is the suspect
            agree = np.abs(est.numeric - self.est.numeric[rows]) <= est.error + \
                self.est.error[rows]
            better = (cand[rows] & smooth & np.isfinite(est.error) & agree
                      & (est.error < self.est.error[rows]))
            _adopt(self.est, rows, est, better)
            cand = np.zeros_like(cand)
            cand[rows] = better & _roundoff_bound(est) & (self.detect(est, rows) > sharp[rows])

    def refine_down(self):
        sharp = max(np.sqrt(self.ctx.eps_f), SHARP) * self.scale()
        blunt = (self.detect(self.est) > sharp) & ~_roundoff_bound(self.est)
        suspect = (self.code0 != 0) | ~self.finite0 | (blunt & self.ctx.blind_finer)
        escalated = np.flatnonzero(suspect.any(axis=1))
        if not escalated.size:
            return
        self.finer = escalated.size
        lowest, open_ = min(self.stencil.base), escalated
        for j in range(lowest - 1, lowest - FINER_LEVELS - 1, -1):
            _sample(self.lines, self.table, self.seen, open_, (j,))
            est, ok = self._candidates(open_, j)
            settled = ok & (self.detect(est, open_) <= sharp[open_])
            open_ = open_[~settled.all(axis=1)]
            if not open_.size:
                break
        self._settle(escalated, min(self.table))

    def _candidates(self, rows, lowest):
        """The best confirmed window per row and output: central, or one-sided where the
        other side of x is missing (a bound, or a step outside f's domain; coordinates only:
        directions never have a bound)."""
        f0, st = self.lines.f0, self.stencil
        est, ok = _best(_windows(self.table, st, lowest, f0, self.delta, rows))
        if not getattr(self.lines, "coordinates", False):
            return est, ok
        for side in (1, -1):
            other = np.zeros(ok.shape, dtype=bool)
            for j in range(0, lowest - 1, -1):
                lv = self.table[j].rows(rows)
                other |= ~np.isfinite(lv.fm if side > 0 else lv.fp)
            s_est, s_ok = _best(_windows(self.table, st, lowest, f0, self.delta, rows, side))
            use = ~ok & other & s_ok
            est = _merged(est, s_est, use)
            ok = ok | use
        return est, ok

    def _settle(self, rows, lowest):
        """Per escalated row and output: the best confirmed window, else a state."""
        est, ok = self._candidates(rows, lowest)
        f0, delta = self.lines.f0, self.delta[rows]
        fine, base = self.table[lowest].rows(rows), self.table[0].rows(rows)
        _, sig_fine = em.slope_change(fine, f0, delta)
        _, sig_base = em.slope_change(base, f0, delta)
        finite_any = np.zeros_like(ok)
        for j in self.table:
            lv = self.table[j].rows(rows)
            finite_any |= np.isfinite(lv.fp) & np.isfinite(lv.fm)
        second = lambda lv: np.abs(lv.fp + lv.fm - 2 * f0)  # noqa: E731
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = ((fine.sp + fine.sm) / (base.sp + base.sm))[:, None]
            grows = second(fine) / second(base) > np.sqrt(ratio)
        nonsmooth = np.where(grows, JUMP, KINK)
        state = np.where(ok, SMOOTH, np.where(~finite_any, DOMAIN,
                                              np.where(sig_fine & sig_base, nonsmooth, SMOOTH)))
        if (state == KINK).any():
            self._one_sided_range(rows, lowest, state == KINK)
        _adopt(self.est, rows, est, ok)  # unconfirmed and not shown non-smooth: keeps h's
        _adopt(self.est, rows, em.Estimate(*(np.full(ok.shape, v) for v in (np.nan, np.inf, 0.0)),
                                           None), state == DOMAIN)
        self.state[rows] = state

    def _one_sided_range(self, rows, lowest, kink):
        """[lo, hi] spanned by the one-sided derivatives (with their errors) at a kink."""
        a, b = self.table[lowest + 1].rows(rows), self.table[lowest].rows(rows)
        f0, delta = self.lines.f0, self.delta[rows]
        fwd, bwd = em.one_sided(a, b, f0, delta, 1), em.one_sided(a, b, f0, delta, -1)
        err = np.maximum(fwd.error, bwd.error)
        lo = np.minimum(fwd.numeric, bwd.numeric) - err
        hi = np.maximum(fwd.numeric, bwd.numeric) + err
        self.lo[rows] = np.where(kink, lo, self.lo[rows])
        self.hi[rows] = np.where(kink, hi, self.hi[rows])

    def done(self) -> Judged:
        e = self.est
        return Judged(e.numeric, e.truncation, e.roundoff, self.state, self.lo, self.hi,
                      e.claimed, self.noise, self.quantum, self.refined, self.finer, self.flat)


def _roundoff_bound(est: em.Estimate) -> np.ndarray:
    return est.roundoff > REFINE_RATIO * est.truncation


def _copy(est: em.Estimate) -> em.Estimate:
    return em.Estimate(*(None if a is None else np.array(a) for a in est))


def _merged(old: em.Estimate, new: em.Estimate, where) -> em.Estimate:
    return em.Estimate(*(None if a is None else np.where(where, b, a)
                         for a, b in zip(old, new, strict=True)))


def _adopt(target: em.Estimate, rows, new: em.Estimate, where) -> None:
    """Write ``new`` into ``target``'s arrays at ``rows`` where ``where`` holds."""
    for arr, val in zip(target, new, strict=True):
        if arr is not None and val is not None:
            arr[rows] = np.where(where, val, arr[rows])


def judge(lines, stencil: Stencil, ctx: Context, scale_fn) -> Judged:
    """Measure ``lines`` (an object with ``n``, ``f0`` and ``sample(rows, level)``) and
    judge every line and output; ``scale_fn(numeric, usable)`` gives the size of what
    is checked (an error as large as it must be visible)."""
    work = _Judgement(lines, stencil, ctx, scale_fn)
    if ctx.refine_up:
        work.refine_up()
    work.refine_down()
    return work.done()
