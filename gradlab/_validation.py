"""Input validation shared by the public functions: exact messages, one place."""

from __future__ import annotations

import numpy as np


def as_float_array(x, name: str, *, allow_complex: bool = True) -> np.ndarray:
    """Return ``x`` as a non-empty, finite, floating (or complex) array, or raise.

    Integer and boolean input is promoted to float64, as NumPy's ufuncs do.
    """
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind in "USVMm":
        raise TypeError(
            f"{name} must be a numeric array, got dtype {arr.dtype}; "
            f"pass a NumPy array of floats, e.g. np.asarray({name}, dtype=float)."
        )
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "c" and not allow_complex:
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}.")
    check_nonempty(arr, name)
    check_finite(arr, name)
    return arr


NARROW_EPS = 1e-10
"""A dtype whose eps is above this (float32, float16) is narrower than float64: finite
differences in it need warnings, larger steps and a roundoff diagnosis."""


def is_narrow(dtype) -> bool:
    """True for float16/float32 (and complex64): eps above :data:`NARROW_EPS`."""
    return dtype_eps(dtype) > NARROW_EPS


def positive_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a positive whole number."""
    if isinstance(value, bool) or not float(value).is_integer() or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def check_nonempty(arr: np.ndarray, name: str) -> None:
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one element.")


def check_finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        value = arr[where] if arr.ndim else arr[()]
        raise ValueError(
            f"{name} contains a non-finite value ({value} at index {where}); "
            f"gradlab computes only on finite numbers: find where the nan/inf came from "
            f"(a learning rate that is too large is the usual cause)."
        )


def check_float_dtype(arr: np.ndarray, name: str) -> None:
    """Refuse integer and boolean arrays where they would give silently wrong numbers."""
    if arr.dtype.kind in "biu":
        raise TypeError(
            f"{name} has integer dtype {arr.dtype}: perturbing it by h = 1e-4 in place "
            f"would be truncated to an integer and the gradient would be garbage "
            f"(the book's numerical_gradient returns [25000, 35000] for the gradient of "
            f"sum(x**2) at the integer array [3, 4]). Convert it first: "
            f"{name} = {name}.astype(np.float64)."
        )
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}.")


def dtype_eps(dtype) -> float:
    """Machine epsilon of a floating (or complex) dtype."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        dt = np.empty(0, dt).real.dtype
    return float(np.finfo(dt).eps)


# --- chapters 5-7: layer arguments (added by the layers session, issue 12) ---------------

def nonnegative_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 0 (e.g. ``pad``)."""
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    return int(value)


def require_forward(value, layer: str, attribute: str):
    """Return ``value`` (state saved by ``forward``), or raise if forward has not run yet."""
    if value is None:
        raise RuntimeError(
            f"{layer}.backward called before {layer}.forward: there is no saved {attribute}. "
            f"Call forward on a batch first; backward differentiates that call."
        )
    return value


def check_dout(dout, shape: tuple, layer: str) -> np.ndarray:
    """Return ``dout`` as a float array of the forward output's ``shape``, or raise."""
    arr = as_float_array(dout, "dout")
    if arr.shape != tuple(shape):
        raise ValueError(
            f"{layer}.backward got dout of shape {arr.shape}, but the last forward returned "
            f"shape {tuple(shape)}; dout is the upstream gradient and has the output's shape."
        )
    return arr


def parameter_array(value, name: str, ndim: int) -> np.ndarray:
    """Return a layer parameter as a float ndarray *without copying it*, or raise.

    An ndarray is kept as it is (a network's ``params`` dict, its layers and an
    optimizer's in-place update share it); anything else is converted to float64.
    Integer arrays are refused: an in-place update or a numerical gradient's ``+ h``
    would be truncated.
    """
    arr = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=np.float64)
    check_float_dtype(arr, name)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}.")
    return as_float_array(arr, name, allow_complex=False)  # the same array: non-empty, finite
