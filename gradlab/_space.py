"""The caller's arrays as one flat coordinate space, perturbed in place and restored."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._validation import check_finite, check_float_dtype, check_nonempty, dtype_eps, is_narrow
from .errors import PrecisionWarning, user_stacklevel

MUTATION = (
    "{who} modified x in place ({where} changed from {before!r} to {after!r}); the check "
    "cannot be trusted when the point moves. Make {who} pure: compute on copies "
    "(e.g. W = W - lr * g instead of W -= lr * g inside {who})."
)


class Space:
    """``x`` (an array or a dict of arrays) seen as coordinates ``0 .. size-1``."""

    def __init__(self, x):
        if isinstance(x, dict):
            if not x:
                raise ValueError("x is an empty dict; pass the parameters to check, "
                                 "e.g. net.params.")
            items = list(x.items())
            self.labels = [str(k) for k, _ in items]
        else:
            items = [("x", x)]
            self.labels = ["x"]
        self.keys = [k for k, _ in items]
        self.arrays = [self._validated(arr, label) for (_, arr), label in
                       zip(items, self.labels, strict=True)]
        self.originals = [a.copy() for a in self.arrays]
        self.flats = [a.reshape(-1) if a.flags.c_contiguous else a.flat for a in self.arrays]
        self.sizes = [a.size for a in self.arrays]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.size = int(self.offsets[-1])
        self.is_dict = isinstance(x, dict)

    @staticmethod
    def _validated(arr, label):
        name = "x" if label == "x" else f"x[{label!r}]"
        if not isinstance(arr, np.ndarray):
            raise TypeError(
                f"{name} is a {type(arr).__name__}, not a NumPy array; the checker perturbs "
                f"x in place so that closures reading it see the change. Pass an ndarray: "
                f"np.asarray({name}, dtype=np.float64)."
            )
        check_float_dtype(arr, name)
        if arr.dtype.kind == "c":
            raise TypeError(f"{name} is complex ({arr.dtype}); check_gradient checks real "
                            f"gradients of real parameters.")
        check_nonempty(arr, name)
        check_finite(arr, name)
        if not arr.flags.writeable:
            raise ValueError(f"{name} is read-only; the checker perturbs x in place (and "
                             f"restores it). Pass a writeable array, e.g. {name}.copy().")
        return arr

    def locate(self, i: int) -> tuple[int, tuple]:
        k = int(np.searchsorted(self.offsets, i, side="right") - 1)
        local = i - self.offsets[k]
        return k, tuple(int(j) for j in np.unravel_index(local, self.arrays[k].shape))

    def where(self, i: int) -> str:
        k, idx = self.locate(i)
        return f"{self.labels[k]}[{', '.join(map(str, idx))}]" if idx else self.labels[k]

    def dtypes(self):
        return [a.dtype for a in self.arrays]

    def scales(self) -> np.ndarray:
        """``max(1, |x_i|)`` for every coordinate (steps are relative above 1)."""
        return np.concatenate([np.maximum(1.0, np.abs(o.astype(np.float64)).ravel())
                               for o in self.originals])

    def restore(self) -> None:
        for arr, orig in zip(self.arrays, self.originals, strict=True):
            np.copyto(arr, orig)

    def changed(self):
        """(label, index, before, after) of the first coordinate that differs, or None."""
        for label, arr, orig in zip(self.labels, self.arrays, self.originals, strict=True):
            if arr.tobytes() != orig.tobytes():
                bad = np.argwhere(arr != orig)
                idx = tuple(int(i) for i in bad[0]) if bad.size else ()
                return label, idx, orig[idx] if idx else orig, arr[idx] if idx else arr
        return None

    def assert_unmodified(self, who: str) -> None:
        change = self.changed()
        if change is None:
            return
        self.restore()
        label, idx, before, after = change
        where = f"{label}[{', '.join(map(str, idx))}]" if idx else label
        raise ValueError(MUTATION.format(who=who, where=where, before=before, after=after))

    def warn_precision(self, safety: float) -> None:
        """One warning naming every array narrower than float64, with what that costs."""
        narrow = [(label, dt) for label, dt in zip(self.labels, self.dtypes(), strict=True)
                  if is_narrow(dt)]
        if not narrow:
            return
        dt = max((d for _, d in narrow), key=dtype_eps)
        rel = dtype_eps(dt) ** (2 / 3)
        names = ", ".join(("x" if label == "x" else repr(label)) + f" ({d})" for label, d in narrow)
        warnings.warn(
            f"{names}: finite differences in {dt} are accurate to about eps**(2/3) = "
            f"{rel:.1e} relative, so the check cannot see an error below ~{safety * rel:.0e} "
            f"x max|grad|. Check in float64 (x.astype(np.float64)) for a sharp verdict.",
            PrecisionWarning, stacklevel=user_stacklevel())


def claimed_gradient(grad, space: Space, x) -> tuple[np.ndarray, float]:
    """The claimed gradient as one flat float64 copy, and its dtype's eps; validated."""
    if callable(grad):
        grad = grad(x)
        space.assert_unmodified("grad")
    if space.is_dict:
        if not isinstance(grad, dict):
            raise TypeError(f"grad must be a dict with keys {space.keys} like x, "
                            f"got {type(grad).__name__}.")
        if set(grad) != set(space.keys):
            raise ValueError(f"grad has keys {sorted(map(str, grad))} but x has keys "
                             f"{sorted(space.labels)}; they must match.")
        parts = [(f"grad[{lab!r}]", grad[k]) for lab, k in zip(space.labels, space.keys,
                                                                 strict=True)]
    else:
        parts = [("grad", grad)]
    flat, eps = [], dtype_eps(np.float64)
    for (name, g), arr in zip(parts, space.arrays, strict=True):
        g = np.asarray(g)
        if g.dtype == object or g.dtype.kind not in "biufc":
            raise TypeError(f"{name} must be a numeric array, got dtype {g.dtype}.")
        if g.shape != arr.shape:
            raise ValueError(f"{name} has shape {g.shape} but x has shape {arr.shape}; a "
                             f"gradient has the shape of what it differentiates.")
        if g.dtype.kind == "c":
            raise TypeError(f"{name} is complex; a real function has a real gradient.")
        if not np.isfinite(g).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
            raise ValueError(f"{name} contains {g[bad] if bad else g} at index {bad}: the "
                             f"analytic gradient is not finite there (an overflow in exp or a "
                             f"log(0) upstream is the usual cause).")
        flat.append(np.array(g, dtype=np.float64).ravel())
        eps = max(eps, dtype_eps(g.dtype) if g.dtype.kind == "f" else 0.0)
    return np.concatenate(flat), eps


def scalar(value, where) -> float | complex:
    """f's output as a Python scalar, or an error naming ``where`` (a str or a callable)."""
    if isinstance(value, float | np.floating) and math.isfinite(value):
        return float(value)
    where = where() if callable(where) else where
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        raise TypeError(f"f returned {type(value).__name__} {where}; f must return a number.")
    if arr.size != 1:
        raise ValueError(f"f returned an array of shape {arr.shape} {where}; the checker "
                         f"differentiates a scalar function (reduce it, e.g. np.sum).")
    v = arr.reshape(())[()]
    if not np.isfinite(v):
        raise ValueError(f"f returned {v} {where}; the function is not finite there, so it "
                         f"has no derivative (an overflow or log(0) inside f?).")
    return complex(v) if arr.dtype.kind == "c" else float(v)
