"""The one home of gradlab's input rules: every validator and its message, defined once.

Each validator takes a value and the name its caller knows it by (``"h"``,
``"params['W2']"``, ``"--seed"``) and returns the value in the form gradlab computes
with, or raises :class:`~gradlab.errors.GradlabTypeError` /
:class:`~gradlab.errors.GradlabValueError` (also a ``TypeError`` / ``ValueError``) whose
message names the argument, says what was wrong and what to do. The library, the
command line (:mod:`gradlab.commands.options` wraps these for argparse), the pytest
plugin and the tests call them; nothing re-implements them.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import GradlabTypeError, GradlabValueError

NARROW_EPS = 1e-10
"""A dtype whose eps is above this (float32, float16) is narrower than float64: finite
differences in it need warnings, larger steps and a roundoff diagnosis."""

PLOT_FORMATS = ("png", "svg", "pdf", "eps", "ps", "pgf", "jpg", "jpeg", "tif", "tiff",
                "webp", "svgz", "raw", "rgba")
"""File extensions matplotlib's ``savefig`` writes (without importing matplotlib)."""

TWO_LAYER_NET_PARAMS = {"W1": ("D", "H"), "b1": ("H",), "W2": ("H", "C"), "b2": ("C",)}
"""TwoLayerNet's parameters and their shapes (inputs D, hidden H, classes C): the
network and the fast finite differences both check ``params`` against this."""


# --- numbers ------------------------------------------------------------------------------

def _brief(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + "..." + text[-6:]


def _show(value) -> str:
    return f"{_brief(value)} ({type(value).__name__})"


def _real(value, name: str, kind: str):
    """``value`` as a Python int or float, or raise: bool, str, None, complex are no numbers."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise GradlabTypeError(f"{name} must be {kind}, got {_show(value)}; pass a number.")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _integer(value, name: str, minimum: int, kind: str, maximum: int | None) -> int:
    v = _real(value, name, kind)
    if isinstance(v, float):
        if not v.is_integer():
            raise GradlabValueError(f"{name} must be {kind}, got {_brief(value)}; pass a whole "
                                    f"number.")
        v = int(v)
    if v < minimum or (maximum is not None and v > maximum):
        upto = "" if maximum is None else f" and at most {maximum}"
        raise GradlabValueError(f"{name} must be {kind}, got {_brief(value)}; pass a whole "
                                f"number >= {minimum}{upto}.")
    return v


def positive_int(value, name: str, *, maximum: int | None = None) -> int:
    """``value`` as an int >= 1 (a whole float such as ``100.0`` is accepted), or raise."""
    return _integer(value, name, 1, "a positive integer", maximum)


def nonnegative_int(value, name: str, *, maximum: int | None = None) -> int:
    """``value`` as an int >= 0, or raise."""
    return _integer(value, name, 0, "a non-negative integer", maximum)


def _bounded(value, name: str, kind: str, ok: Callable[[float], bool], fix: str) -> float:
    try:
        v = float(_real(value, name, kind))
    except OverflowError:  # an int beyond float's range is not finite either
        v = math.inf
    if not (math.isfinite(v) and ok(v)):
        raise GradlabValueError(f"{name} must be {kind}, got {_brief(value)}; {fix}.")
    return v


def positive_finite(value, name: str, *, maximum: float | None = None) -> float:
    """``value`` as a float with ``0 < value`` (``<= maximum`` if given), or raise.

    Examples
    --------
    >>> np.allclose(positive_finite(0.5, "lr"), 0.5)
    True
    """
    top = math.inf if maximum is None else maximum
    fix = "pass a number > 0" + ("" if maximum is None else f" and <= {maximum:g}")
    return _bounded(value, name, "a positive finite number", lambda v: 0 < v <= top, fix)


def nonnegative_finite(value, name: str) -> float:
    """``value`` as a finite float >= 0, or raise."""
    return _bounded(value, name, "a finite number >= 0", lambda v: v >= 0, "pass 0 or more")


def at_least(value, name: str, minimum: float) -> float:
    """``value`` as a finite float >= ``minimum``, or raise."""
    return _bounded(value, name, f"a finite number >= {minimum:g}", lambda v: v >= minimum,
                    f"pass a number from {minimum:g} up")


def fraction(value, name: str) -> float:
    """``value`` as a float strictly between 0 and 1, or raise."""
    return _bounded(value, name, "a number strictly between 0 and 1", lambda v: 0 < v < 1,
                    "pass e.g. 0.2")


def finite_step(h, name: str = "h") -> float:
    """A finite-difference step: a positive finite float, or raise."""
    return _bounded(h, name, "a positive finite step", lambda v: v > 0,
                    "the book uses h = 1e-4")


def one_of(value, choices, name: str):
    """``value`` if it is one of ``choices`` (strings), or raise listing them."""
    if not isinstance(value, str) or value not in choices:
        raise GradlabValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                                f"got {value!r}.")
    return value


def check_callable(f, name: str = "f") -> Callable:
    """``f`` if it is callable, or raise."""
    if not callable(f):
        raise GradlabTypeError(f"{name} must be a function, got {_show(f)}; pass a callable, "
                               f"e.g. lambda x: np.sum(x ** 2).")
    return f


def check_seed(seed, name: str = "seed"):
    """``seed`` if it is None, an int >= 0 or a ``numpy.random.Generator``, or raise."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise GradlabTypeError(f"{name} must be None, a non-negative integer or a "
                               f"numpy.random.Generator, got {_show(seed)}.")
    return nonnegative_int(seed, name)


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed accepted by :func:`check_seed`."""
    seed = check_seed(seed, name)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def physical_memory() -> int | None:
    """Bytes of RAM of this machine (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(n_bytes: float, what: str) -> None:
    """Raise if ``n_bytes`` exceed the machine's memory; ``what`` names the arguments."""
    total = physical_memory()
    if total is not None and n_bytes > total:
        gib = n_bytes / 2**30 if n_bytes < 2.0**1000 else math.inf  # an int may be huge
        raise GradlabValueError(f"{what} needs {gib:.3g} GiB, more than this machine's "
                                f"{total / 2**30:.3g} GiB of memory; use smaller sizes.")


# --- arrays -------------------------------------------------------------------------------

def is_number_dtype(dtype) -> bool:
    """Integer, float or complex, not bool (NumPy counts timedelta64 as an integer: not here)."""
    return np.issubdtype(dtype, np.number) and not np.issubdtype(dtype, np.timedelta64)


def _integral(dtype) -> bool:
    """Integer or bool: a dtype that truncates what is stored into it."""
    return np.issubdtype(dtype, np.bool_) or (is_number_dtype(dtype)
                                              and np.issubdtype(dtype, np.integer))


def _inexact(dtype) -> bool:
    """Float or complex."""
    return np.issubdtype(dtype, np.inexact)


def dtype_eps(dtype) -> float:
    """Machine epsilon of a floating (or complex) dtype."""
    try:
        inexact = _inexact(np.dtype(dtype))
    except TypeError:  # not a dtype at all
        inexact = False
    if not inexact:
        raise GradlabTypeError(f"dtype {dtype!r} is not a floating-point dtype; use e.g. "
                               f"np.float64.")
    return float(np.finfo(dtype).eps)  # of the real part, for a complex dtype


def is_narrow(dtype) -> bool:
    """True for float16/float32 (and complex64): eps above :data:`NARROW_EPS`."""
    return dtype_eps(dtype) > NARROW_EPS


def where(name: str, index: tuple) -> str:
    """An element's location as the user would index it: ``x[1, 2]`` (``x`` when 0-d).

    Examples
    --------
    >>> where("x", np.unravel_index(5, (2, 3))), where("x", ())
    ('x[1, 2]', 'x')
    """
    return f"{name}[{', '.join(str(int(i)) for i in index)}]" if len(index) else name


def first_nonfinite(arr: np.ndarray) -> tuple | None:
    """Index (a tuple) of the first nan/inf element in C order, or None if all are finite."""
    finite = np.isfinite(arr)
    if finite.all():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(finite)), arr.shape))


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise naming the first nan/inf element of ``arr``."""
    bad = first_nonfinite(arr)
    if bad is not None:
        raise GradlabValueError(
            f"{name} contains a non-finite value ({arr[bad]} at {where(name, bad)}); "
            f"gradlab computes only on finite numbers: find where the nan/inf came from "
            f"(a learning rate that is too large is the usual cause).")


def check_nonempty(arr: np.ndarray, name: str) -> None:
    """Raise if ``arr`` has no elements."""
    if arr.size == 0:
        raise GradlabValueError(f"{name} is empty (shape {arr.shape}); pass at least one "
                                f"element.")


def check_float_dtype(arr: np.ndarray, name: str) -> None:
    """Refuse integer and boolean arrays where they would give silently wrong numbers."""
    if _integral(arr.dtype):
        raise GradlabTypeError(
            f"{name} has integer dtype {arr.dtype}: whatever is stored into it in place (a "
            f"step of h = 1e-4, a training update) is truncated to an integer, and the result "
            f"is garbage (the book's numerical_gradient returns [25000, 35000] for the "
            f"gradient of sum(x**2) at the integer array [3, 4]). Convert it first: "
            f"{name} = {name}.astype(np.float64).")
    if not _inexact(arr.dtype):
        raise GradlabTypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}; "
                               f"convert it with np.asarray({name}, dtype=float).")


def as_numeric_array(x, name: str) -> np.ndarray:
    """``x`` as a plain ndarray of numbers (views stay views), or raise.

    Refuses masked arrays (gradlab would compute on the hidden values), ``np.matrix``
    is turned into a plain 2-D array, and None, strings, dicts or ragged lists are
    refused with their type.
    """
    if isinstance(x, np.ma.MaskedArray):
        raise GradlabTypeError(
            f"{name} is a masked array; gradlab ignores masks and would compute on the "
            f"hidden values. Pass {name}.filled(value) or {name}.compressed().")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise GradlabTypeError(f"{name} must be a numeric array, got {type(x).__name__} "
                               f"that NumPy cannot turn into one ({exc}).") from None
    if not (is_number_dtype(arr.dtype) or np.issubdtype(arr.dtype, np.bool_)):
        got = f"dtype {arr.dtype}" if isinstance(x, np.ndarray) else _show(x)
        raise GradlabTypeError(f"{name} must be a numeric array, got {got}; pass a NumPy "
                               f"array of floats, e.g. np.asarray({name}, dtype=float).")
    return arr


def as_float_array(x, name: str, *, allow_complex: bool = True) -> np.ndarray:
    """Return ``x`` as a non-empty, finite, floating (or complex) C-ordered array, or raise.

    Integer and boolean input is promoted to float64, as NumPy's ufuncs do. Any other
    layout is copied into C order, so that sums (and BLAS) run in the same order for
    every layout: the result is bit for bit that of a C-ordered copy.
    """
    arr = np.asarray(as_numeric_array(x, name), order="C")
    if _integral(arr.dtype):
        arr = np.asarray(arr, dtype=np.float64)
    elif np.issubdtype(arr.dtype, np.complexfloating) and not allow_complex:
        raise GradlabTypeError(f"{name} must be real, got dtype {arr.dtype}; pass "
                               f"{name}.real if the imaginary part is not needed.")
    check_nonempty(arr, name)
    check_finite(arr, name)
    return arr


def float_array(x, name: str = "x") -> np.ndarray:
    """``x`` as a non-empty, finite float (or complex) ndarray for finite differences.

    An ndarray (or a subclass, seen as a plain ndarray) is returned as the caller's
    memory, in whatever layout it has; lists and scalars become a new array
    (integers promoted to float64). Integer and boolean *arrays* are refused (a step
    of 1e-4 stored into them is truncated), and so are ``np.matrix`` (whose ``*`` and
    ``**`` are matrix products) and masked arrays.
    """
    if isinstance(x, np.matrix):
        raise GradlabTypeError(
            f"{name} is an np.matrix, whose * and ** are matrix products, so f would not "
            f"compute what it computes on an array. Pass np.asarray({name}).")
    arr = as_numeric_array(x, name)
    if not isinstance(x, np.ndarray):
        arr = np.array(arr, dtype=np.float64 if _integral(arr.dtype) else arr.dtype)
    check_float_dtype(arr, name)
    check_nonempty(arr, name)
    check_finite(arr, name)
    return arr


def perturbable(x, name: str = "x") -> np.ndarray:
    """:func:`float_array`, and writeable: what a loop may perturb in place and restore."""
    arr = float_array(x, name)
    if not arr.flags.writeable:
        raise GradlabValueError(f"{name} is read-only; finite differences perturb {name} in "
                                f"place. Pass {name}.copy().")
    return arr


def as_scalar(value, name: str, at: str):
    """``value`` (what a function returned, ``at`` says where) as a finite NumPy scalar.

    A Python or NumPy number, or an array with one element, is accepted; None, str,
    dict, other arrays and nan/inf are refused.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        arr = np.asarray(None)
    if not is_number_dtype(arr.dtype):
        raise GradlabTypeError(f"{name} returned {_show(value)} {at}; it must return a "
                               f"number (a float, or an array with one element).")
    if arr.size != 1:
        raise GradlabValueError(
            f"{name} returned an array of shape {arr.shape} {at}; a scalar function is "
            f"needed. Reduce the output (e.g. np.sum) or differentiate each output separately.")
    out = arr.reshape(())[()]
    if not np.isfinite(out):
        raise GradlabValueError(f"{name} returned {out} {at}; the derivative is undefined "
                                f"there.")
    return out


# --- targets and parameters ---------------------------------------------------------------

def check_labels(t, num_classes: int, name: str = "t") -> np.ndarray:
    """Integer class labels in ``0 .. num_classes-1`` as an int64 array, or raise."""
    arr = as_numeric_array(t, name)
    if not np.issubdtype(arr.dtype, np.integer):  # bool is no integer here
        raise GradlabTypeError(
            f"{name} looks like class labels but has dtype {arr.dtype}; labels must be "
            f"integers ({name}.astype(int)), or pass one-hot targets of the same shape as y.")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise GradlabValueError(
            f"{name} has labels outside 0..{num_classes - 1} (min {arr.min()}, max "
            f"{arr.max()}); there are {num_classes} classes.")
    return arr.astype(np.int64)


class Targets(NamedTuple):
    """Targets in one of the two forms the book uses; the other field is None."""

    labels: np.ndarray | None
    """int64 class labels, shape ``y_shape[:-1]``."""
    one_hot: np.ndarray | None
    """float one-hot rows (or any weights), shape ``y_shape``."""


def as_targets(t, y_shape: tuple, name: str = "t") -> Targets:
    """Decide whether ``t`` holds one-hot rows or labels for predictions of ``y_shape``.

    Same shape as the predictions: one-hot (or soft) rows; the shape without the
    class axis: integer labels. Anything else is refused with both shapes named.
    """
    arr = as_numeric_array(t, name)
    y_shape = tuple(y_shape)
    if arr.shape == y_shape:
        return Targets(None, as_float_array(arr, name))
    if arr.shape == y_shape[:-1]:
        return Targets(check_labels(arr, y_shape[-1], name), None)
    raise GradlabValueError(
        f"{name} has shape {arr.shape} but the predictions have shape {y_shape}; {name} "
        f"must be one-hot with shape {y_shape} or integer labels with shape {y_shape[:-1]}.")


def _fits(shape: tuple, dims: tuple, sizes: dict) -> bool:
    """Does ``shape`` match ``dims`` (ints, or names bound in ``sizes`` on first use)?"""
    return len(shape) == len(dims) and all(
        n == (d if isinstance(d, int) else sizes.setdefault(d, n))
        for d, n in zip(dims, shape, strict=True))


def check_params(params, layout: Mapping[str, tuple], name: str = "params") -> dict:
    """Check a dict of parameter arrays against ``layout`` (key -> shape).

    Every key of the layout must be present and no other; each value must be a float
    (or complex) array of the layout's shape, whose entries are sizes (ints) or names
    of sizes: the first key that uses a name fixes it, so ``W2`` must have as many rows
    as ``W1`` has columns. Returns plain C-ordered arrays: the caller's own where they
    already are (no copy), else C-ordered copies.

    Examples
    --------
    >>> p = check_params({"W": np.ones((2, 3)), "b": np.zeros(3)}, {"W": ("D", "C"), "b": ("C",)})
    >>> np.allclose(p["b"], 0)
    True
    """
    if not isinstance(params, Mapping):
        raise GradlabTypeError(f"{name} must be a dict of arrays with keys "
                               f"{list(layout)}, got {type(params).__name__}.")
    if params.keys() != layout.keys():
        missing = [k for k in layout if k not in params]
        extra = [k for k in params if k not in layout]
        raise GradlabValueError(f"{name} must have exactly the keys {list(layout)}; missing "
                                f"{missing}, unexpected {extra}.")
    sizes, out = {}, {}
    for key, dims in layout.items():
        label = f"{name}[{key!r}]"
        arr = params[key]
        if type(arr) is not np.ndarray or not _inexact(arr.dtype):  # fast path: 2P times
            arr = as_numeric_array(arr, label)
            check_float_dtype(arr, label)
        if not _fits(arr.shape, dims, sizes):
            want = "(" + ", ".join(str(sizes.get(d, d)) for d in dims) + ("," if len(dims) == 1
                                                                            else "") + ")"
            raise GradlabValueError(f"{label} has shape {arr.shape} but must have shape "
                                    f"{want} to fit the other parameters; check how it was "
                                    f"built or assigned.")
        out[key] = np.asarray(arr, order="C")  # a plain C-ordered array (a view if it is one)
    return out


# --- paths --------------------------------------------------------------------------------

def _path(path, name: str) -> Path:
    if not isinstance(path, str | os.PathLike) or str(path) == "":
        raise GradlabTypeError(f"{name} must be a file path (str or pathlib.Path), got "
                               f"{_show(path)}.")
    return Path(path)


def readable_path(path, name: str = "path") -> Path:
    """``path`` as a Path, refusing what is not a path (an int, None); existence is not checked."""
    return _path(path, name)


def writable_path(path, name: str, *, allow_stdout: bool = False, formats=None):
    """Check, before any long work, that a result can be written to ``path``.

    Parameters
    ----------
    path : str or PathLike
        The file to write; ``"-"`` means standard output when ``allow_stdout``.
    name : str
        The argument or option, for the message (``"--json"``).
    allow_stdout : bool, optional
        Accept ``"-"``.
    formats : sequence of str, optional
        Allowed extensions (e.g. :data:`PLOT_FORMATS`); a path without one is refused,
        because matplotlib would silently append ``.png``.

    Returns
    -------
    Path or str
        The path, or ``"-"``.
    """
    if allow_stdout and isinstance(path, str) and path == "-":
        return "-"
    p = _path(path, name)
    if p.is_dir():
        raise GradlabValueError(f"{name} {p} is a directory; give a file name inside it, "
                                f"e.g. {p / ('out.' + (formats or ['json'])[0])}.")
    suffix = p.suffix.lower()[1:]  # without its dot
    if formats is not None and suffix not in formats:
        got = f"extension .{suffix}" if suffix else "no extension"
        raise GradlabValueError(f"{name} {p} has {got}; use one of "
                                f"{', '.join('.' + f for f in formats[:3])} (or "
                                f"{', '.join('.' + f for f in formats[3:])}).")
    parent = p.parent  # Path(".") for a bare file name
    if not parent.is_dir():
        raise GradlabValueError(f"{name} {p}: the folder {parent} does not exist; create it "
                                f"first or choose another path.")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise GradlabValueError(f"{name} {p}: not writable (permission denied); choose "
                                f"another path.")
    return p


# --- chapters 5-7: layer arguments -------------------------------------------------------

def require_forward(value, layer: str, attribute: str):
    """Return ``value`` (state saved by ``forward``), or raise if forward has not run yet."""
    if value is None:
        raise RuntimeError(
            f"{layer}.backward called before {layer}.forward: there is no saved {attribute}. "
            f"Call forward on a batch first; backward differentiates that call.")
    return value


def check_dout(dout, shape: tuple, layer: str) -> np.ndarray:
    """Return ``dout`` as a float array of the forward output's ``shape``, or raise."""
    arr = as_float_array(dout, "dout")
    if arr.shape != tuple(shape):
        raise GradlabValueError(
            f"{layer}.backward got dout of shape {arr.shape}, but the last forward returned "
            f"shape {tuple(shape)}; dout is the upstream gradient and has the output's shape.")
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
        raise GradlabValueError(f"{name} must be {ndim}-D, got shape {arr.shape}.")
    return as_float_array(arr, name, allow_complex=False)  # the same array: non-empty, finite
