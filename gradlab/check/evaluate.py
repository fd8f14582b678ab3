"""Calling f: counted, its output validated, and safe at the edge of its domain.

At ``x`` itself f must return finite numbers (else the check cannot start). At a
perturbed point a non-finite value, or a ``ValueError``/``ArithmeticError`` (a
math domain error, a ``FloatingPointError``), means the step left f's domain:
that evaluation becomes nan and the line is judged on the steps that worked.
Any other exception is a bug in f and propagates, with x restored.
"""

from __future__ import annotations

import warnings

import numpy as np

from .space import Space

MAX_RECORDED = 3
"""Domain failures remembered for the report (the first ones)."""


class Evaluator:
    """Calls ``f`` at the current point of ``space`` and returns its output as a float vector.

    ``vector=False``: f must return one number (M = 1); ``vector=True``: an array whose
    shape is fixed by the first call (M = its size).
    """

    def __init__(self, f, space: Space, *, vector: bool = False):
        if not callable(f):
            raise TypeError(f"f must be a callable f(x) -> {'array' if vector else 'scalar'}, "
                            f"got {type(f).__name__}.")
        self.f, self.space, self.vector = f, space, vector
        self.count, self.failures = 0, []
        self.output_dtype, self.out_shape = None, None
        self.contract = None  # (M, K): report K contractions v_k . f(x) instead of f(x)

    def at_x(self, what: str = "at x") -> np.ndarray:
        """f at the unperturbed x: must be finite."""
        value = self._output(self._call(), what, strict=True)
        return value

    def __call__(self, where) -> np.ndarray:
        """f at a perturbed point; nan (and a record) where f is not finite or raises a
        domain error. ``where`` is a string or a callable returning one."""
        try:
            with np.errstate(all="ignore"):
                raw = self._call()
        except (ValueError, ArithmeticError) as exc:
            self._record(where, f"raised {type(exc).__name__}: {exc}")
            return np.full(self.size, np.nan)
        value = self._output(raw, where, strict=False)
        if not np.all(np.isfinite(value)):
            self._record(where, f"returned {_first_bad(value)}")
        return value

    def complex_value(self, space: Space, where) -> np.ndarray:
        """f at a point of a complex copy of x (complex step); raises on anything odd."""
        self.count += 1
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            raw = space.call(self.f)
        return self._output(raw, where, strict=True, allow_complex=True)

    @property
    def size(self) -> int:
        if self.contract is not None:
            return self.contract.shape[1]
        return int(np.prod(self.out_shape)) if self.out_shape is not None else 1

    def _call(self):
        self.count += 1
        return self.space.call(self.f)

    def _record(self, where, what):
        if len(self.failures) < MAX_RECORDED:
            self.failures.append(f"f {what} {_place(where)}")

    def _output(self, raw, where, *, strict, allow_complex=False) -> np.ndarray:
        arr = np.asarray(raw)
        if arr.dtype == object or arr.dtype.kind not in "biufc":
            raise TypeError(f"f returned {type(raw).__name__} {_place(where)}; f must return "
                            f"{'an array of numbers' if self.vector else 'a number'}.")
        if arr.dtype.kind == "c" and not allow_complex:
            raise TypeError(f"f returned a complex value {_place(where)} for real x; the "
                            f"checker differentiates real functions.")
        self._check_shape(arr, where)
        if self.output_dtype is None:
            self.output_dtype = arr.dtype
        out = arr.reshape(-1).astype(np.complex128 if arr.dtype.kind == "c" else np.float64)
        if self.contract is not None:
            out = self.contract.T @ out
        if strict and not np.all(np.isfinite(out)):
            raise ValueError(f"f returned {_first_bad(out)} {_place(where)}; the function is "
                             f"not finite there, so it has no derivative (an overflow or "
                             f"log(0) inside f?).")
        return out

    def _check_shape(self, arr, where):
        if not self.vector:
            if arr.size != 1:
                raise ValueError(f"f returned an array of shape {arr.shape} {_place(where)}; "
                                 f"check_gradient differentiates a scalar function (reduce it, "
                                 f"e.g. np.sum, or use check_jacobian / check_vjp).")
            self.out_shape = ()
        elif self.out_shape is None:
            self.out_shape = arr.shape
        elif arr.shape != self.out_shape:
            raise ValueError(f"f returned shape {arr.shape} {_place(where)} but "
                             f"{self.out_shape} at x; a Jacobian needs an output of fixed "
                             f"shape.")


def _place(where) -> str:
    """``where`` may be a string or, to save formatting on the hot path, a callable."""
    return where() if callable(where) else where


def _first_bad(values: np.ndarray):
    bad = values[~np.isfinite(values)]
    return bad[0] if bad.size else values[0]


def sample_coordinates(ev: Evaluator, rows, offsets) -> tuple[np.ndarray, np.ndarray]:
    """f at ``x_i + offsets[r, q]`` for each row ``r`` (coordinate ``rows[r]``).

    ``offsets``: shape (rows, q), nan where no evaluation is wanted. Returns values of
    shape (rows, q, M) (nan where skipped or f failed) and the represented offsets
    ``(x_i + o) - x_i`` in float64, shape (rows, q).
    """
    space = ev.space
    values = np.full((len(rows), offsets.shape[1], ev.size), np.nan)
    steps = np.full(offsets.shape, np.nan)
    for r, i in enumerate(rows):
        want = np.flatnonzero(np.isfinite(offsets[r]))
        if not want.size:
            continue
        vals, points = space.values_at(
            int(i), [float(offsets[r, q]) for q in want],
            lambda o, i=i: ev(lambda: f"at {space.where(int(i))} {_offset(o)}"))
        orig = space.leaves[space.locate(int(i))[0]].original[space.locate(int(i))[1]]
        for q, v, p in zip(want, vals, points, strict=True):
            values[r, q] = v
            steps[r, q] = float(p - orig)
    return values, steps


def _offset(o: float) -> str:
    return f"{'+' if o > 0 else '-'} {abs(o):.3g}"


def sample_directions(ev: Evaluator, directions, ts, *, lo=0, hi=None):
    """f at ``x + t d`` for each direction ``d`` (rows) and ``t`` in ``ts``.

    Returns values (rows, len(ts), M) with nan where f failed, and the represented
    displacements (rows, len(ts), P).
    """
    values = np.full((len(directions), len(ts), ev.size), np.nan)
    moved = np.zeros((len(directions), len(ts), ev.space.size))
    for r, d in enumerate(directions):
        vals, disp = ev.space.values_along(
            d, list(ts), lambda t, r=r: ev(f"at x {_offset(t)} * direction {r}"), lo=lo, hi=hi)
        values[r] = np.array(vals)
        moved[r] = np.array(disp)
    return values, moved
