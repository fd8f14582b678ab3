"""The one perturb-and-restore engine: the caller's x as flat coordinates, moved in place.

``x`` may be an ndarray (any layout: C, Fortran, a view, 0-d), a Python or NumPy
float, or a structure of those: a tuple or list (``f(*x)``) or a dict, nested to
any depth. Arrays are perturbed *in place*, so the book's closure idiom
``lambda W: net.loss(x, t)`` sees every step; scalars, which cannot change in
place, live in private 0-d buffers and are passed to ``f`` by value. Every
perturbation is undone bit for bit, also when ``f`` raises.

The loop that a finite difference needs is :meth:`Space.values_at`::

    space = Space(x)
    for i in range(space.size):
        (fp, fm), (xp, xm) = space.values_at(i, (h, -h), lambda _: space.call(f))
        grad_i = (fp - fm) / (xp - xm)     # divide by the step actually represented

This module imports only NumPy and gradlab's validation and errors (no cycle
with ``gradlab.numerical``, which can build its loop on it).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np

from .._validation import check_finite, check_float_dtype, check_nonempty
from ..errors import StepLostError

__all__ = ["Space", "Leaf", "step_lost", "MUTATION"]

MUTATION = (
    "{who} modified x in place ({where} changed from {before!r} to {after!r}); the check "
    "cannot be trusted when the point moves. Make {who} pure: compute on copies "
    "(e.g. W = W - lr * g instead of W -= lr * g inside {who})."
)


def step_lost(where: str, value, h: float) -> StepLostError:
    """The error for ``value + h == value``: the step is below the float spacing at ``value``."""
    dtype = np.asarray(value).dtype
    spacing = float(np.spacing(np.abs(value)))
    return StepLostError(
        f"{where} = {float(value):.8g}: x + h == x in {dtype}, because h = {h:g} is below the "
        f"spacing of {dtype} numbers there ({spacing:.3g}), so the step is lost to rounding. Use a "
        f"wider dtype, a larger h, or rescale x (gradient descent that diverged ends here)."
    )


class Leaf:
    """One array of x: the caller's own ndarray, or a private 0-d buffer for a scalar."""

    def __init__(self, label: str, value, name: str):
        self.label, self.scalar = label, not isinstance(value, np.ndarray)
        self.python = self.scalar and not isinstance(value, np.floating)
        if self.scalar:
            value = np.array(value, dtype=None if isinstance(value, np.floating) else np.float64)
        _validate(value, name)
        self.array, self.original = value, value.copy()
        self.own = self.scalar  # a private buffer: containers holding it are rebuilt per call

    def value(self):
        """What f receives: the array itself, or the scalar as a Python/NumPy number."""
        if not self.scalar:
            return self.array
        return self.array[()].item() if self.python else self.array[()]

    def complex_copy(self) -> Leaf:
        twin = object.__new__(Leaf)
        twin.__dict__.update(self.__dict__)
        twin.array = self.original.astype(np.result_type(self.original.dtype, np.complex64))
        twin.original, twin.own = twin.array.copy(), True
        return twin


def _validate(arr: np.ndarray, name: str) -> None:
    check_float_dtype(arr, name)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} is complex ({arr.dtype}); the checker checks real "
                        f"derivatives of real parameters.")
    check_nonempty(arr, name)
    check_finite(arr, name)
    if not arr.flags.writeable:
        raise ValueError(f"{name} is read-only; the checker perturbs x in place (and restores "
                         f"it). Pass a writeable array, e.g. {name}.copy().")


def _node(value, path: str, leaves: list, name: str):
    """The structure of x as nested ('dict'|'seq', container, children) and leaf indices."""
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"{name} is an empty dict; pass the parameters to check, "
                             f"e.g. net.params.")
        return ("dict", value, [(k, _node(v, f"{path}.{k}" if path else str(k), leaves,
                                          f"{name}[{k!r}]")) for k, v in value.items()])
    if isinstance(value, tuple | list):
        if not value:
            raise ValueError(f"{name} is an empty {type(value).__name__}; pass at least one "
                             f"array.")
        return ("seq", value, [_node(v, f"{path}[{j}]", leaves, f"{name}[{j}]")
                               for j, v in enumerate(value)])
    if not isinstance(value, np.ndarray | numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} is a {type(value).__name__}; x must be a float ndarray, a "
                        f"number, or a tuple, list or dict of them.")
    leaves.append(Leaf(path, value, name))
    return ("leaf", len(leaves) - 1)


class Space:
    """``x`` seen as coordinates ``0 .. size-1`` over its leaves, in order.

    Parameters
    ----------
    x : ndarray, float, or tuple/list/dict (nested) of them
        The point. A top-level tuple or list means ``f(*x)``; anything else ``f(x)``.
    name : str, optional
        How x is named in messages.
    """

    def __init__(self, x, *, name: str = "x"):
        self.leaves: list[Leaf] = []
        self.star = isinstance(x, tuple | list)
        root = "" if isinstance(x, dict) else name
        self.tree = _node(x, root, self.leaves, name)
        self.sizes = [leaf.array.size for leaf in self.leaves]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.size = int(self.offsets[-1])
        self.labels = [leaf.label for leaf in self.leaves]

    # -- calling f ----------------------------------------------------------------------
    def args(self) -> tuple:
        """The positional arguments of f at the current (possibly perturbed) point."""
        built = self._build(self.tree)
        return tuple(built) if self.star else (built,)

    def call(self, f: Callable):
        return f(*self.args())

    def _build(self, node):
        if node[0] == "leaf":
            return self.leaves[node[1]].value()
        kind, container, children = node
        if not self._has_scalar(node):
            return container
        if kind == "dict":
            return {k: self._build(child) for k, child in children}
        return type(container)(self._build(child) for child in children)

    def _has_scalar(self, node) -> bool:
        if node[0] == "leaf":
            return self.leaves[node[1]].own
        children = node[2] if node[0] == "seq" else [c for _, c in node[2]]
        return any(self._has_scalar(c) for c in children)

    def complex_copy(self) -> Space:
        """The same structure over complex copies of x (for complex-step differentiation)."""
        twin = object.__new__(Space)
        twin.__dict__.update(self.__dict__)
        twin.leaves = [leaf.complex_copy() for leaf in self.leaves]
        return twin

    # -- coordinates --------------------------------------------------------------------
    def locate(self, i: int) -> tuple[int, tuple]:
        """(leaf number, index within the leaf) of coordinate ``i``."""
        k = int(np.searchsorted(self.offsets, i, side="right") - 1)
        shape = self.leaves[k].array.shape
        return k, tuple(int(j) for j in np.unravel_index(i - self.offsets[k], shape))

    def where(self, i: int) -> str:
        k, idx = self.locate(i)
        label = self.labels[k]
        return f"{label}[{', '.join(map(str, idx))}]" if idx else label

    def values_at(self, i: int, offsets: Sequence, evaluate: Callable):
        """Move coordinate ``i`` to ``x_i + o`` for each offset, call ``evaluate(o)`` there.

        Returns ``(values, points)``: what ``evaluate`` returned, and each point as
        represented in x's dtype. The coordinate is restored bit for bit afterwards,
        also when ``evaluate`` raises. Raises :class:`~gradlab.errors.StepLostError`
        (before evaluating) when ``x_i + o == x_i``.
        """
        k, idx = self.locate(i)
        arr = self.leaves[k].array
        orig = arr[idx]
        values, points = [], []
        try:
            for o in offsets:
                arr[idx] = orig + o
                point = arr[idx]
                if point == orig:
                    raise step_lost(self.where(i), orig, abs(o))
                points.append(point)
                values.append(evaluate(o))
        finally:
            arr[idx] = orig
        return values, points

    def values_along(self, direction: np.ndarray, ts: Sequence, evaluate: Callable, *,
                     lo: int = 0, hi: int | None = None):
        """Move x to ``x + t d`` on coordinates ``[lo, hi)`` for each ``t``; call ``evaluate(t)``.

        Returns ``(values, displacements)``: the represented displacement of every
        coordinate (float64, zero outside ``[lo, hi)``) at each ``t``. Restores x.
        """
        hi = self.size if hi is None else hi
        values, moved = [], []
        try:
            for t in ts:
                disp = np.zeros(self.size)
                for k, leaf in enumerate(self.leaves):
                    a, b = int(self.offsets[k]), int(self.offsets[k + 1])
                    s, e = max(lo, a), min(hi, b)
                    if s >= e:
                        continue
                    step = np.zeros(leaf.array.size)
                    step[s - a:e - a] = t * direction[s:e]
                    np.add(leaf.original, step.reshape(leaf.array.shape), out=leaf.array,
                           casting="unsafe")
                    disp[a:b] = (leaf.array.astype(np.float64)
                                 - leaf.original.astype(np.float64)).reshape(-1)
                moved.append(disp)
                values.append(evaluate(t))
                self.restore()
        finally:
            self.restore()
        return values, moved

    def scales(self) -> np.ndarray:
        """``max(1, |x_i|)`` for every coordinate: steps are relative above 1."""
        return np.concatenate([np.maximum(1.0, np.abs(leaf.original.astype(np.float64))).ravel()
                               for leaf in self.leaves])

    def point(self) -> np.ndarray:
        """x's coordinates as one float64 vector."""
        return np.concatenate([leaf.original.astype(np.float64).ravel() for leaf in self.leaves])

    # -- restoring and guarding ---------------------------------------------------------
    def restore(self) -> None:
        for leaf in self.leaves:
            np.copyto(leaf.array, leaf.original)

    def changed(self):
        """(where, before, after) of the first coordinate that differs from x, or None.

        Values and sign bits are compared, not bytes: longdouble's padding bytes
        carry no value and may differ after a write.
        """
        for k, leaf in enumerate(self.leaves):
            a, o = leaf.array, leaf.original
            same = (a == o) & (np.signbit(a) == np.signbit(o))
            if not np.all(same):
                idx = tuple(int(j) for j in np.argwhere(~same)[0]) if a.ndim else ()
                i = int(self.offsets[k]) + int(np.ravel_multi_index(idx, a.shape)) if idx else \
                    int(self.offsets[k])
                return self.where(i), o[idx], a[idx]
        return None

    def assert_unmodified(self, who: str) -> None:
        """Raise (after restoring x) if ``who`` changed x."""
        change = self.changed()
        if change is None:
            return
        self.restore()
        where, before, after = change
        raise ValueError(MUTATION.format(who=who, where=where, before=before, after=after))
