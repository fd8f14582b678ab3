"""The claimed derivative (same structure as x), and results laid out like x.

A gradient has x's structure (a dict like ``net.params``, a tuple for ``f(*x)``,
a float for a float). A Jacobian has it too, each leaf of shape
``f(x).shape + leaf.shape``. Inside the checker both are one float64 matrix of
shape (coordinates, outputs).
"""

from __future__ import annotations

import types

import numpy as np

from .._validation import dtype_eps
from .space import Space


def flatten(obj, space: Space, name: str, out_shape: tuple = ()) -> tuple[np.ndarray, float]:
    """``obj`` (like x, leaves shaped ``out_shape + leaf.shape``) as a (P, M) float64 matrix,
    validated; and the eps of its widest float dtype."""
    blocks, eps = [], [dtype_eps(np.float64)]
    _walk(space.tree, obj, space, name, out_shape, blocks, eps)
    m = int(np.prod(out_shape))
    return np.concatenate([b.reshape(m, -1) for b in blocks], axis=1).T.copy(), max(eps)


def _walk(node, obj, space, name, out_shape, blocks, eps):
    kind = node[0]
    if kind == "dict":
        keys = [k for k, _ in node[2]]
        if not isinstance(obj, dict):
            raise TypeError(f"{name} must be a dict with keys {keys} like x, got "
                            f"{type(obj).__name__}.")
        if set(obj) != set(keys):
            raise ValueError(f"{name} has keys {sorted(map(str, obj))} but x has keys "
                             f"{sorted(map(str, keys))}; they must match.")
        for k, child in node[2]:
            _walk(child, obj[k], space, f"{name}[{k!r}]", out_shape, blocks, eps)
    elif kind == "seq":
        if not isinstance(obj, tuple | list) or len(obj) != len(node[2]):
            got = f"a {type(obj).__name__}" + (f" of {len(obj)}" if isinstance(
                obj, tuple | list) else "")
            raise TypeError(f"{name} must be a tuple or list of {len(node[2])} entries like x, "
                            f"got {got}.")
        for j, child in enumerate(node[2]):
            _walk(child, obj[j], space, f"{name}[{j}]", out_shape, blocks, eps)
    else:
        blocks.append(_leaf(obj, space.leaves[node[1]].array.shape, name, out_shape, eps))


def _leaf(value, shape, name, out_shape, eps):
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}.")
    want = tuple(out_shape) + tuple(shape)
    if arr.shape != want:
        what = "a gradient has the shape of what it differentiates" if not out_shape else \
            "a Jacobian has shape f(x).shape + x.shape"
        raise ValueError(f"{name} has shape {arr.shape} but x has shape {tuple(shape)}"
                         + (f" and f(x) {tuple(out_shape)}" if out_shape else "")
                         + f"; {what}.")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} is complex; a real function has a real derivative.")
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains {arr[bad] if bad else arr} at index {bad}: the "
                         f"analytic derivative is not finite there (an overflow in exp or a "
                         f"log(0) upstream is the usual cause).")
    if arr.dtype.kind == "f":
        eps.append(dtype_eps(arr.dtype))
    return np.array(arr, dtype=np.float64)


def unflatten(matrix: np.ndarray, space: Space, out_shape: tuple = ()):
    """A (P, M) matrix laid out like x (leaves ``out_shape + leaf.shape``), read-only."""
    parts = []
    for k, leaf in enumerate(space.leaves):
        block = matrix[space.offsets[k]:space.offsets[k + 1]].T.reshape(
            tuple(out_shape) + leaf.array.shape)
        block = np.array(block)
        block.flags.writeable = False
        parts.append(float(block) if leaf.scalar and not out_shape else block)
    return _build(space.tree, parts)


def rebuilt(flat: np.ndarray, space: Space):
    """Coordinates ``flat`` as a new structure like x (each leaf of its own dtype; floats
    as floats, tuples and lists as such): what f receives at another point."""
    parts = []
    for k, leaf in enumerate(space.leaves):
        block = flat[space.offsets[k]:space.offsets[k + 1]].reshape(leaf.array.shape)
        block = block.astype(leaf.array.dtype)
        parts.append((block.item() if leaf.python else block[()]) if leaf.scalar else block)
    return _assemble(space.tree, parts)


def _assemble(node, parts):
    if node[0] == "leaf":
        return parts[node[1]]
    if node[0] == "dict":
        return {k: _assemble(c, parts) for k, c in node[2]}
    return type(node[1])(_assemble(c, parts) for c in node[2])


def _build(node, parts):
    if node[0] == "leaf":
        return parts[node[1]]
    if node[0] == "dict":
        return types.MappingProxyType({k: _build(c, parts) for k, c in node[2]})
    return tuple(_build(c, parts) for c in node[2])
