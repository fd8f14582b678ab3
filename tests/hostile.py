"""The hostile-input contract, as assertions: the same result as a clean copy, or a refusal.

For a call whose argument ``name`` is replaced by a hostile value (another memory layout,
container or dtype of the same numbers, or a value of the wrong kind):

* it returns the same result as for the clean C-ordered float64 (complex128) copy,
  bit for bit where only the layout differs, and within the dtype's rounding otherwise;
  never nan where the clean result is finite; or
* it raises a gradlab error (``GradlabTypeError``/``GradlabValueError``, subclasses of
  TypeError/ValueError) whose message names the argument;
* never another exception type, and the hostile value is unchanged afterwards.
"""

from __future__ import annotations

import copy
import re
import warnings

import numpy as np

from gradlab.errors import GradlabError, GradlabWarning

SAME, REFUSE, EITHER = "same", "refuse", "either"

# A result computed in a narrow dtype differs from the float64 one by rounding: each of
# the few operations of these functions (exp, a sum, a log) adds a few eps of its operands,
# which are at most ~(1 + |x|) times the result's scale; 64 eps covers their constants
# (a wrong formula, or nan, is O(1) off).
NARROW_ULPS = 64


def names(message: str, name: str) -> bool:
    """Does ``message`` name ``name`` as a word (``x`` in "x[0, 1]" or "x is", not in "max")?"""
    return re.search(rf"(?<![\w'\"]){re.escape(name)}(?![\w'\"])", message) is not None


def snapshot(value):
    """A deep copy, to check afterwards that the call left ``value`` as it was."""
    if isinstance(value, np.ndarray):
        arr = np.array(value)
        values = arr.tobytes() if arr.dtype.kind not in "fc" else (  # not longdouble's padding
            arr.real.tolist(), np.signbit(arr.real).tobytes(), np.signbit(arr.imag).tobytes(),
            np.imag(arr).tolist())
        return value.__class__, value.dtype, value.shape, values, \
            np.ma.getmaskarray(value).tobytes() if np.ma.isMaskedArray(value) else None
    if isinstance(value, list | dict | set | tuple):
        return copy.deepcopy(value)
    return repr(value)


def outcome(call, *args, **kwargs):
    """``(result, None)`` or ``(None, error)`` for a gradlab error; other errors propagate."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradlabWarning)  # float32 precision, divergence
        try:
            return call(*args, **kwargs), None
        except GradlabError as exc:
            assert isinstance(exc, TypeError | ValueError), type(exc)
            return None, exc


def tolerance(dtype, want, scale: float = 1.0) -> float:
    """Absolute tolerance for a result computed in ``dtype`` (0: bit for bit in float64)."""
    dt = np.dtype(dtype)
    if dt.kind not in "fc" or dt in (np.float64, np.complex128):
        return 0.0
    eps = max(float(np.finfo(dt).eps), float(np.finfo(np.float64).eps))
    return NARROW_ULPS * eps * scale * max(1.0, _max_abs(want))


def _max_abs(value) -> float:
    if isinstance(value, dict):
        return max((_max_abs(v) for v in value.values()), default=0.0)
    arr = np.abs(np.asarray(value, dtype=complex))
    return float(arr.max()) if arr.size else 0.0


def assert_same(got, want, atol: float = 0.0, where: str = "result"):
    """``got`` equals ``want``: bit for bit (``atol`` 0) or within ``atol``; nan only where
    ``want`` has nan; the same structure (dict keys, shapes)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for k in want:
            assert_same(got[k], want[k], atol, f"{where}[{k!r}]")
        return
    if isinstance(want, tuple | list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, atol, f"{where}[{i}]")
        return
    g, w = np.asarray(got), np.asarray(want)
    if w.dtype.kind not in "biufc":  # text, None: equal or not
        assert got == want, f"{where}: {got!r} != {want!r}"
        return
    assert g.shape == w.shape, f"{where}: shape {g.shape} != {w.shape}"
    assert not np.any(np.isnan(g) & ~np.isnan(w)), f"{where}: nan where the clean copy is not"
    if atol == 0.0:
        assert g.dtype == w.dtype and g.tobytes() == w.tobytes(), \
            f"{where}: not bit-identical to the clean copy's result"
    else:
        both = np.isfinite(g) & np.isfinite(w)
        err = np.max(np.abs(g[both].astype(complex) - w[both]), initial=0.0)
        assert err <= atol, f"{where}: off by {err:.3g} > {atol:.3g} from the clean copy"


def check(call, hostile, clean, name: str, expect: str, *, atol: float = 0.0):
    """Call ``call(hostile)`` and ``call(clean)``; assert the contract above for ``name``.

    ``expect`` pins what must happen (SAME, REFUSE, or EITHER where both are right, e.g.
    a float16 step that may be lost to rounding): a test that accepted either everywhere
    could not fail.
    """
    before = snapshot(hostile)
    got, error = outcome(call, hostile)
    assert _same_snapshot(before, snapshot(hostile)), f"{name} was modified by the call"
    if error is not None:
        assert expect != SAME, f"{name}: refused ({error}) but must work"
        assert names(str(error), name), f"the message does not name {name!r}: {error}"
        return
    assert expect != REFUSE, f"{name}: accepted, but must be refused"
    want, clean_error = outcome(call, clean)
    assert clean_error is None, f"the clean copy was refused: {clean_error}"
    assert_same(got, want, atol)


def check_refused(call, name: str, value):
    """``call(value)`` raises a gradlab error naming ``name``; ``value`` is unchanged."""
    before = snapshot(value)
    _, error = outcome(call, value)
    assert error is not None, f"{name}={value!r} was accepted"
    assert names(str(error), name), f"the message does not name {name!r}: {error}"
    assert _same_snapshot(before, snapshot(value)), f"{name} was modified by the call"


def _same_snapshot(a, b) -> bool:
    try:
        if bool(a == b):
            return True
    except (TypeError, ValueError):  # lists holding arrays
        pass
    return repr(a) == repr(b)  # nan != nan, but its repr is stable
