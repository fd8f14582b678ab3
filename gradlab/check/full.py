"""Full mode: every coordinate of x on its own line."""

from __future__ import annotations

import numpy as np

from . import errormodel as em
from .evaluate import sample_coordinates
from .lines import Context, Judged, judge
from .methods import FINER_LEVELS, REFINE_TOPS, stencil
from .problem import Problem
from .steps import float32_data, snapped

PROBE_STEP = 0.1
"""When no step changed f at all, f is evaluated once more at x + 0.1 max(1, |x|) sign(grad):
if f changes there it is quantized at this scale, else it ignores the arrays it is given."""


class CoordinateLines:
    """Coordinate ``i`` moved by ``±h_i 2**j`` (within the bounds), through ``sampler``."""

    coordinates = True

    def __init__(self, problem: Problem, hs: np.ndarray, sampler, finest: int):
        self.n, self.f0, self.sampler = problem.space.size, problem.f0, sampler
        x, grid = problem.space.point(), float32_data(problem.space)
        wide = snapped(x, hs, grid, finest, max(REFINE_TOPS))
        # where the larger steps cross into a coarser binade than x's, the base and finer
        # ones at least (a step as large as |x| is rounded relative to itself: eps32)
        self.hs = np.where(wide != hs, wide, snapped(x, hs, grid, finest, 0))
        self.x, self.lower, self.upper = problem.space.point(), problem.lower, problem.upper

    def sample(self, rows, j: int) -> em.Level:
        return self.sample_many(rows, (j,))[0]

    def sample_many(self, rows, levels) -> list[em.Level]:
        """Several levels in one call of the sampler (one round of tasks on an executor)."""
        offsets = []
        for j in levels:
            s = self.hs[rows] * 2.0 ** j
            offsets += [np.where(self.x[rows] + s <= self.upper[rows], s, np.nan),
                        np.where(self.x[rows] - s >= self.lower[rows], -s, np.nan)]
        values, steps = self.sampler(rows, np.stack(offsets, axis=1))
        return [em.Level(values[:, 2 * n], values[:, 2 * n + 1], steps[:, 2 * n],
                         -steps[:, 2 * n + 1]) for n in range(len(levels))]


def serial_sampler(problem: Problem):
    """Evaluate in this process, on the caller's own arrays."""
    return lambda rows, offsets: sample_coordinates(problem.ev, rows, offsets)


def context(problem: Problem, safety: float, *, full: bool) -> Context:
    return Context(eps_f=problem.eps_f, floor=problem.floor, safety=safety,
                   grad_round=problem.grad_round, refine_up=full, blind_finer=full)


def judge_full(problem: Problem, method: str, h: float, safety: float, sampler) -> Judged:
    """Every coordinate judged on its own (see :mod:`gradlab.check.lines`)."""
    if method == "complex":
        from . import complexstep

        return complexstep.coordinates(problem)
    lines = CoordinateLines(problem, h * problem.space.scales(), sampler, finest(method))
    return judge(lines, stencil(method), context(problem, safety, full=True), problem.scale)


def finest(method: str) -> int:
    """The smallest level a line of ``method`` may be measured at."""
    return min(stencil(method).base) - FINER_LEVELS


def moves_at_all(problem: Problem) -> bool:
    """One evaluation at a large step along sign(claim) (the other way where a bound is in
    the way): does f change anywhere?"""
    space, x = problem.space, problem.space.point()
    step = PROBE_STEP * space.scales() * np.where(problem.claimed.sum(axis=1) < 0, -1.0, 1.0)
    d = np.where(x + step <= problem.upper, step, -step)
    d = np.where(x + d >= problem.lower, d, np.clip(x + d, problem.lower, problem.upper) - x)
    values, _ = space.values_along(d, (1.0,), lambda _: problem.ev("at the probe x + 0.1 d"))
    return not np.array_equal(values[0], problem.f0)


def predicts_change(problem: Problem, hs: np.ndarray) -> bool:
    """The claim predicts a change of f over the base step larger than f's rounding."""
    change = np.max(np.abs(problem.claimed) * hs[:, None], axis=0)
    return bool(np.any(change > 4 * problem.eps_f * np.abs(problem.f0)))
