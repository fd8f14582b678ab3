"""Fast mode: k random signed directions, then bisection to find the wrong element.

Along a direction ``d`` (entries ``±u h_i``, ``u`` uniform in [0.5, 1.5]) the
directional derivative ``grad . d`` needs 4 evaluations of f (at ``t = ±1,
±1/2``, the same error model as one coordinate) and one dot product. When a
direction disagrees, the coordinates are halved: the residual of the first
half is probed (4 evaluations), that of the second half is the remainder, and
the half with the larger residual-to-tolerance ratio is kept: ``ceil(log2 P)``
probes find the element, which is then checked on its own.
"""

from __future__ import annotations

import numpy as np

from . import errormodel as em
from ._checkresult import Entry
from ._evaluate import element_values, ignores_x, ignores_x_result, verdict

MAX_LOCATED = 3
"""Wrong elements localised one after another before the report is written."""


class Directions:
    """Probes ``grad . d`` numerically, restricted to coordinate blocks ``[lo, hi)``."""

    def __init__(self, ev, space, g, *, method, fractions, eps_f, eps_g):
        self.ev, self.space, self.g, self.method = ev, space, g, method
        self.fractions, self.eps_f, self.eps_g = fractions, eps_f, eps_g
        self.noise = 0.0

    def _set(self, d, t, lo, hi, target=None) -> float:
        """Move the arrays to ``x + t d`` on coordinates [lo, hi); return ``grad . (moved)``."""
        sp = self.space
        moved = 0.0
        for k, (a, b) in enumerate(zip(sp.offsets[:-1], sp.offsets[1:], strict=True)):
            if b <= lo or a >= hi:
                continue
            orig = sp.originals[k]
            s, e = max(lo, a), min(hi, b)
            if s == a and e == b:
                step = t * d[a:b].reshape(orig.shape)
            else:
                step = np.zeros(orig.shape, dtype=np.result_type(orig.dtype, t))
                step.reshape(-1)[s - a:e - a] = t * d[s:e]
            arr = target[k] if target is not None else sp.arrays[k]
            np.add(orig, step, out=arr, casting="unsafe")
            if target is None:
                diff = arr - orig if arr.dtype == np.float64 else \
                    arr.astype(np.float64) - orig.astype(np.float64)
                moved += float(self.g[a:b] @ diff.reshape(-1))
        return moved

    def raw(self, d, lo=0, hi=None):
        """f at ``x ± frac d`` per level, and the analytic slope per level, as arrays."""
        hi = self.space.size if hi is None else hi
        fr = self.fractions
        fp, fm, ana = np.empty(len(fr)), np.empty(len(fr)), np.empty(len(fr))
        try:
            for lev, frac in enumerate(fr):
                plus = self._set(d, frac, lo, hi)
                fp[lev] = self.ev(lambda frac=frac: f"at x + {frac:g} * direction")
                minus = self._set(d, -frac, lo, hi)
                fm[lev] = self.ev(lambda frac=frac: f"at x - {frac:g} * direction")
                ana[lev] = (plus - minus) / (2 * frac)
        finally:
            self.space.restore()
        return fp, fm, ana

    def estimate(self, fp, fm, ana, f0, d, lo, hi, steps=None):
        """(analytic, numeric, fd_error, roundoff, kink, truncation) of one probe."""
        steps = 2 * np.asarray(self.fractions) if steps is None else np.asarray(steps)
        numeric, trunc, roundoff, delta = em.estimate(fp[:, None], fm[:, None], steps[:, None],
                                                      f0, eps_f=self.eps_f, noise=self.noise)
        analytic = em.richardson(ana[:, None], steps[:, None])
        grad_round = em.GRAD_ROUNDING * self.eps_g * float(np.sum(np.abs(self.g[lo:hi]
                                                                          * d[lo:hi])))
        kink = em.kink_signature(fp[:2, None], fm[:2, None], steps[:2, None], f0, delta)
        return (float(analytic[0]), float(numeric[0]), float(trunc[0] + roundoff[0])
                + grad_round, float(roundoff[0]), bool(kink[0]), float(trunc[0]))

    def refine(self, raw, row, f0, d, safety):
        """Where roundoff dominates (float32), extrapolate from t = (4, 2, 1), then (16, 8, 4).

        The same rule as full mode's refinement (see errormodel); returns the row
        with the smaller error bound.
        """
        scale = np.sqrt(self.eps_f) * float(np.sum(np.abs(self.g * d)))
        inner = (raw[0][0], raw[1][0], raw[2][0])
        for factor in em.REFINE_FACTORS:
            _, _, fd, roundoff, kink, trunc = row
            if kink or roundoff <= em.REFINE_RATIO * trunc or safety * fd <= scale:
                break
            fp, fm, ana = self.raw(factor * d)
            steps = 2 * np.array([factor, factor / 2, factor / 4])
            new = self.estimate(np.array([fp[0], fp[1], inner[0]]),
                                np.array([fm[0], fm[1], inner[1]]),
                                np.array([ana[0] / factor, ana[1] / factor, inner[2]]),
                                f0, d, 0, self.space.size, steps=steps)
            if new[2] >= fd:
                break
            row, inner = new, (fp[0], fm[0], ana[0] / factor)
        return row

    def complex_probe(self, d, lo=0, hi=None):
        """``Im f(x + i h d) / h`` against ``grad . d`` on coordinates [lo, hi)."""
        hi = self.space.size if hi is None else hi
        arg, parts = self.ev.complex_arg()
        self._set(d, 1j * em.COMPLEX_STEP, lo, hi, target=parts)
        value = self.ev.complex_value(arg, "at x + i * h * direction")
        numeric = value.imag / em.COMPLEX_STEP
        analytic = float(self.g[lo:hi] @ d[lo:hi])
        err = em.GRAD_ROUNDING * (self.eps_f + self.eps_g) * float(
            np.sum(np.abs(self.g[lo:hi] * d[lo:hi])))
        return analytic, numeric, err, err, False, 0.0

    def probe(self, d, f0, lo=0, hi=None):
        hi = self.space.size if hi is None else hi
        if self.method == "complex":
            return self.complex_probe(d, lo, hi)
        return self.estimate(*self.raw(d, lo, hi), f0, d, lo, hi)


def fast_check(ev, space, g, *, k, rng, step, safety, eps_f, eps_g, f0, worst, method,
               dtype):
    """Fast mode of check_gradient (see the module docstring)."""
    size = space.size
    hs = (step if method != "complex" else 1.0) * space.scales()
    dirs = [hs * _signed(rng, size) for _ in range(k)]
    fractions = em.levels(method)
    probe = Directions(ev, space, g, method=method, fractions=fractions, eps_f=eps_f,
                       eps_g=eps_g)
    nd = abs(f0[0] - f0[1])
    if method == "complex":
        rows = [probe.complex_probe(d) for d in dirs]
    else:
        raws = [probe.raw(d) for d in dirs]
        values = np.concatenate([np.concatenate([fp, fm]) for fp, fm, _ in raws])
        change = [abs(a[-1]) * fractions[-1] for _, _, a in raws]
        if ignores_x(values, f0[0], g, change, eps_f):
            return ignores_x_result(mode="fast", method=method, safety=safety,
                                    evaluations=ev.count, dtype=dtype, checked=k)
        fourth = [em.fourth_difference(fp, fm, f0[0]) for fp, fm, _ in raws]
        probe.noise = max(em.pooled_noise(fourth), nd)
        rows = [probe.estimate(*raw, f0[0], d, 0, size) for raw, d in zip(raws, dirs,
                                                                            strict=True)]
        if method == "central" and eps_f > em.REFINE_ABOVE_EPS:
            rows = [probe.refine(raw, row, f0[0], d, safety)
                    for raw, row, d in zip(raws, rows, dirs, strict=True)]
    ana, num, fd, rnd, kink, _ = (np.array(c) for c in zip(*rows, strict=True))
    result = verdict(analytic=ana, numeric=num, fd_error=fd, roundoff=rnd, kink=kink, nd=f0,
                     where=lambda j: (f"direction {j}", ()), mode="fast", method=method,
                     safety=safety, evaluations=ev.count, dtype=dtype, worst=worst,
                     nd_limit=np.full(k, 3 * nd))
    _slip_note(result, fd, safety, hs, k)
    if not result.ok and result.cause not in ("nondeterministic", "delta_residual"):
        j = int(np.argmax(np.abs(ana - num) / (safety * fd)))
        before = ev.count
        located = _localise(probe, space, g, dirs[j], ana[j] - num[j], fd[j], f0[0], safety,
                            hs, method, worst)
        names = ", ".join(e.where for e in located) or "nothing (the error is spread thin)"
        result.notes.append(f"localised by bisection over blocks of parameters: {names} "
                            f"({ev.count - before} evaluations); mode='full' lists every "
                            f"wrong element.")
        result.worst[:0] = located
        result.worst = result.worst[:max(worst, len(located))]
        if located:
            result.max_abs_error = max(e.abs_error for e in located)
            result.max_rel_error = max(e.rel_error for e in located)
    result.evaluations = ev.count
    return result


def _localise(probe, space, g, d, resid, fd, f0, safety, hs, method, worst):
    """Bisection over coordinate blocks; returns Entry rows of the elements found."""
    found, corrections = [], {}

    def block(lo, hi):
        a, n, err = probe.probe(d, f0, lo, hi)[:3]
        fix = sum(c for i, c in corrections.items() if lo <= i < hi)
        return a - n - fix, err

    for _ in range(MAX_LOCATED):
        if abs(resid) <= safety * fd:
            break
        lo, hi, r, tol = 0, space.size, resid, fd
        while hi - lo > 1:
            mid = (lo + hi) // 2
            r1, tol1 = block(lo, mid)
            r2, tol2 = r - r1, tol + tol1
            if abs(r1) / tol1 >= abs(r2) / tol2:
                hi, r, tol = mid, r1, tol1
            else:
                lo, r, tol = mid, r2, tol2
        entry, err = _element_entry(probe, space, g, lo, hs, f0, safety, method)
        if entry.ok:
            break
        found.append(entry)
        corrections[lo] = err * d[lo]
        resid -= err * d[lo]
    return found


def _element_entry(probe, space, g, i, hs, f0, safety, method):
    """Check coordinate i on its own; return its Entry and analytic - numeric."""
    label_k, idx = space.locate(i)
    if method == "complex":
        d = np.zeros(space.size)
        d[i] = 1.0
        _, numeric, fd = probe.complex_probe(d)[:3]
    else:
        fractions = em.levels(method)
        fp, fm, steps = element_values(probe.ev, space, hs, fractions, [i])
        numeric, trunc, roundoff, _ = em.estimate(fp, fm, steps, f0, eps_f=probe.eps_f,
                                                  noise=probe.noise)
        numeric = float(numeric[0])
        fd = float(trunc[0] + roundoff[0]) + em.GRAD_ROUNDING * probe.eps_g * float(
            np.max(np.abs(g)))
    resid = float(g[i] - numeric)
    denom = max(abs(g[i]), abs(numeric))
    entry = Entry(space.labels[label_k], idx, float(g[i]), numeric, abs(resid),
                  abs(resid) / denom if denom else 0.0, fd, safety * fd,
                  abs(resid) <= safety * fd)
    return entry, resid


def _signed(rng, size):
    """Entries ``±u``, sign and ``u`` in [0.5, 1.5] uniform and independent (one draw)."""
    v = rng.uniform(-1.0, 1.0, size)
    return np.copysign(0.5 + np.abs(v), v)


def _slip_note(result, fd, safety, hs, k):
    """State the directional tolerance in gradient units and the slip-through bound."""
    tol = safety * float(np.max(fd))
    threshold = 2 * tol / float(np.min(hs))  # the smallest step sees an error least
    result.slip_probability = em.slip_probability(k, 20.0)  # |error| h / tol at 10x threshold
    result.notes.append(
        f"fast mode: {k} random signed directions. An error above {threshold:.1e} in any "
        f"single element is always caught; an error 10x that size, however spread over "
        f"elements, slips past all {k} directions with probability <= "
        f"{result.slip_probability:.0e} (bound (2 tol / |error|)**k).")

