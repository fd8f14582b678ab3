"""Validate: what is checked, set up once (x, f at x, the claim, the dtype, the bounds)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import dtype_eps, is_narrow
from . import errormodel as em
from .claims import flatten
from .evaluate import Evaluator
from .space import Space


@dataclass(frozen=True)
class Problem:
    """A function, a point and a claimed derivative, validated.

    ``claimed`` has shape (P, M): coordinates by outputs (M = 1 for a gradient).
    """

    ev: Evaluator
    space: Space
    f0: np.ndarray
    f0b: np.ndarray
    claimed: np.ndarray
    eps_g: float
    dtype: np.dtype
    kind: str
    out_shape: tuple
    lower: np.ndarray
    upper: np.ndarray
    outputs: str = "scalar"
    """How outputs are labelled: "scalar" (none), "shape" (an index of f(x)), "cotangents"."""
    magnitude: np.ndarray | None = None
    """Per output, the size that rounds when f's outputs are contracted (sum |v| |f|)."""

    @property
    def eps_f(self) -> float:
        return dtype_eps(self.dtype)

    @property
    def narrow(self) -> bool:
        return is_narrow(self.dtype)

    @property
    def nondeterminism(self) -> np.ndarray:
        return np.abs(self.f0 - self.f0b)

    @property
    def floor(self) -> np.ndarray:
        """Rounding floor per output: nondeterminism, and for contracted outputs the
        rounding of the terms (eps sum |v| |f|) that the contraction may cancel."""
        cancel = 0.0 if self.magnitude is None else self.eps_f * self.magnitude
        # an f that underflows to 0 still rounds by its dtype's smallest subnormal
        tiny = float(np.finfo(self.dtype).smallest_subnormal)
        return np.maximum(np.maximum(self.nondeterminism, cancel), tiny)

    @property
    def grad_round(self) -> np.ndarray:
        """Rounding allowed in the claim, per output: 16 eps_g max|claim|."""
        return em.GRAD_ROUNDING * self.eps_g * np.max(np.abs(self.claimed), axis=0)[None]

    def scale(self, numeric, usable) -> np.ndarray:
        """Per output, the size of what is checked: the largest claimed or measured derivative."""
        measured = np.where(usable & np.isfinite(numeric), np.abs(numeric), 0.0)
        return np.maximum(np.max(np.abs(self.claimed), axis=0), np.max(measured, axis=0))[None]

    def output(self, o: int):
        if self.outputs == "shape":
            return tuple(int(j) for j in np.unravel_index(int(o), self.out_shape))
        return (int(o),) if self.outputs == "cotangents" else None

    def where(self, i: int, o: int):
        k, idx = self.space.locate(int(i))
        return self.space.labels[k], idx, self.output(o)


def start(f, x, *, vector: bool, name: str = "x"):
    """x as a Space, f at x twice (``at_x``), x unmodified: (space, evaluator, f0, f0b)."""
    space = Space(x, name=name)
    ev = Evaluator(f, space, vector=vector)
    try:
        f0 = ev.at_x()
    except TypeError as exc:
        if space.star and "argument" in str(exc):
            raise TypeError(f"{exc}. x is a {type(x).__name__} of {len(x)}, so f is called as "
                            f"f(*x); to check f of one array, pass np.asarray(x).") from exc
        raise
    space.assert_unmodified("f")
    f0b = ev.at_x("at x (second call)")
    space.assert_unmodified("f")
    return space, ev, f0, f0b


def call_claim(claim, space: Space, name: str, *args):
    """A callable claim called at x (``claim(*x)`` for a tuple x, or ``claim(*args)``)."""
    value = claim(*(args or space.args()))
    space.assert_unmodified(name)
    return value


def make(space, ev, f0, f0b, claimed, eps_g, *, kind, bounds, outputs, magnitude=None):
    dtype = em.working_dtype(ev.output_dtype, [leaf.array.dtype for leaf in space.leaves])
    lower, upper = _bounds(bounds, space)
    return Problem(ev, space, f0, f0b, claimed, eps_g, np.dtype(dtype), kind,
                   tuple(ev.out_shape), lower, upper, outputs, magnitude)


def setup(f, x, claim, *, bounds=None) -> Problem:
    """A gradient check: evaluate f at x (twice), then read the claim (a callable is called
    right after, before any perturbation: a stateful layer's backward follows its forward)."""
    space, ev, f0, f0b = start(f, x, vector=False)
    if callable(claim):
        claim = call_claim(claim, space, "grad")
    claimed, eps_g = flatten(claim, space, "grad")
    return make(space, ev, f0, f0b, claimed, eps_g, kind="gradient", bounds=bounds,
                outputs="scalar")


def _bounds(bounds, space: Space):
    if bounds is None:
        return np.full(space.size, -np.inf), np.full(space.size, np.inf)
    lo, hi = (_bound(b, space, name, fill) for b, name, fill in
              zip(bounds, ("bounds[0]", "bounds[1]"), (-np.inf, np.inf), strict=True))
    x = space.point()
    bad = np.flatnonzero((x < lo) | (x > hi) | (lo > hi))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{space.where(i)} = {x[i]:.8g} lies outside bounds [{lo[i]:g}, "
                         f"{hi[i]:g}]; the check needs x inside its domain (lo <= x <= hi).")
    return lo, hi


def _bound(value, space: Space, name: str, fill: float) -> np.ndarray:
    if value is None:
        return np.full(space.size, fill)
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} is a bool; a bound is a number, None, or an array like x.")
    if isinstance(value, numbers.Real):
        return np.full(space.size, float(value))
    if space.tree[0] == "leaf" and not isinstance(value, dict):
        try:
            arr = np.broadcast_to(np.asarray(value, dtype=np.float64),
                                  space.leaves[0].array.shape)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name} must be a number, None, or an array broadcastable to "
                             f"x's shape {space.leaves[0].array.shape}: {exc}") from None
        return np.where(np.isnan(arr), fill, arr).ravel()
    parts = _like(value, space.tree, space, name, fill)
    return np.concatenate(parts)


def _like(value, node, space, name, fill):
    if node[0] == "leaf":
        shape = space.leaves[node[1]].array.shape
        if value is None:
            return [np.full(int(np.prod(shape)), fill)]
        try:
            return [np.broadcast_to(np.asarray(value, dtype=np.float64), shape).ravel()]
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name} does not fit x's shape {shape}: {exc}") from None
    children = node[2] if node[0] == "dict" else list(enumerate(node[2]))
    out = []
    for key, child in children:
        try:
            sub = value[key] if value is not None else None
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"{name} must be laid out like x (a number, None, or the same "
                             f"keys/entries); {name}[{key!r}] is missing.") from None
        out += _like(sub, child, space, f"{name}[{key!r}]", fill)
    return out
