"""What every check uses: calls that watch for side effects, comparisons that say
where two arrays differ, and a hypothesis search that returns the shrunk input."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np

from .records import Outcome

__all__ = ["Harness", "Missing", "Failed", "fmt", "fmt_call", "compare"]


class Missing(Exception):
    """The implementation does not define a name a check needs."""


class Failed(Exception):
    """Raised inside a check to end it with ``outcome`` (e.g. a net cannot be set up)."""

    def __init__(self, outcome):
        super().__init__(outcome.message)
        self.outcome = outcome


def fmt(value) -> str:
    """A Python expression that rebuilds ``value`` (arrays as ``np.array(...)``)."""
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        plain = value.dtype == np.float64 or (kind in "iu" and value.dtype == np.int64)
        dtype = "" if plain else f", dtype=np.{value.dtype}"
        body = repr(value.tolist()) if value.size <= 400 else np.array2string(value)
        return f"np.array({body}{dtype})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple | list):
        inner = ", ".join(fmt(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    if callable(value):
        return getattr(value, "__doc__", None) or getattr(value, "__name__", "f")
    return repr(value)


def fmt_call(name: str, *args, **kwargs) -> str:
    parts = [fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def compare(got, want, tol) -> str | None:
    """None if ``got`` equals ``want`` within ``tol`` (scalar or per element), else why not."""
    want = np.asarray(want, dtype=float)
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"returned {type(got).__name__} {got!r:.80}, expected an array of shape {want.shape}"
    if got_arr.shape != want.shape:
        if got_arr.size == want.size == 1:
            got_arr = got_arr.reshape(want.shape)
        else:
            return f"returned shape {got_arr.shape}, expected {want.shape}"
    if not np.all(np.isfinite(got_arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(got_arr))[0]) if got_arr.ndim else ()
        return f"returned {got_arr[bad] if got_arr.ndim else got_arr[()]} at index {bad}" \
               f" (expected {want[bad] if want.ndim else want[()]:.6g})"
    err = np.abs(got_arr - want)
    excess = err - np.broadcast_to(np.asarray(tol, dtype=float), err.shape)
    if np.all(excess <= 0):
        return None
    idx = np.unravel_index(int(np.argmax(excess)), err.shape) if err.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if err.ndim else ""
    t = np.broadcast_to(np.asarray(tol, dtype=float), err.shape)[idx]
    return (f"returned {got_arr[idx]:.10g}{where}, expected {want[idx]:.10g} "
            f"(error {err[idx]:.2e} > tolerance {t:.1e})")


def _arrays_in(value, path):
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _arrays_in(v, f"{path}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _arrays_in(v, f"{path}[{i}]")


class Harness:
    """Calls into an implementation for one check and remembers what happened.

    Parameters
    ----------
    impl : Implementation
        The implementation under test.
    examples : int
        Hypothesis examples per search (0 turns searches off, as ``--quick`` does).
    """

    def __init__(self, impl, *, examples: int):
        self.impl = impl
        self.examples = examples
        self.side_effects: list[tuple[str, str, str]] = []  # (severity, message, call)
        self.last_call = None
        self.output = io.StringIO()

    def fn(self, name: str):
        obj = self.impl.get(name)
        if obj is None:
            raise Missing(name)
        return obj

    def call(self, label: str, fn, *args, restore: bool = False, watch=None, **kwargs):
        """Call ``fn`` and note any argument it leaves modified.

        ``restore=True`` (numerical_gradient) allows changes during the call but makes
        one that remains a failure; otherwise a modified argument is a warning.
        ``watch`` names extra arrays (e.g. a network's params) to watch.
        """
        self.last_call = fmt_call(label, *args, **kwargs)
        watched = list(_arrays_in(list(args), "arg")) + list(_arrays_in(kwargs, "kw"))
        watched += list(_arrays_in(watch or {}, "watch"))
        before = [(path, arr, arr.copy()) for path, arr in watched]
        with self.captured():
            result = fn(*args, **kwargs)
        for path, arr, copy in before:
            if copy.tobytes() != arr.tobytes():
                what = _describe_arg(path, args, kwargs, watch)
                if restore:
                    self.side_effects.append(
                        ("fail", f"{label} left {what} changed (it must restore every "
                                 f"element it perturbs; the caller's values are now wrong)",
                         self.last_call))
                else:
                    self.side_effects.append(
                        ("warn", f"{label} modified the caller's {what} in place",
                         self.last_call))
        return result

    @contextlib.contextmanager
    def captured(self):
        """Swallow the target's prints and numpy/python warnings during a call."""
        with contextlib.redirect_stdout(self.output), contextlib.redirect_stderr(self.output), \
                warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield

    def search(self, strategy, prop):
        """Look for an input where ``prop`` fails; return ``(minimal input, message)`` or None.

        ``prop(value) -> str | None`` returns why ``value`` is a counterexample; an
        exception raised by the target counts as one (a crash on valid input).
        """
        if self.examples <= 0:
            return None
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample

        def failing(value) -> bool:
            return self._safe(prop, value) is not None

        config = settings(max_examples=self.examples, deadline=None, database=None,
                          derandomize=True, suppress_health_check=list(HealthCheck),
                          phases=[Phase.generate, Phase.shrink])
        try:
            example = find(strategy, failing, settings=config)
        except NoSuchExample:
            return None
        return example, self._safe(prop, example)

    def _safe(self, prop, value):
        saved = list(self.side_effects)
        try:
            return prop(value)
        except Exception as exc:  # a crash on valid input is a counterexample too
            return f"crashed: {type(exc).__name__}: {exc}"
        finally:
            self.side_effects[:] = saved + [s for s in self.side_effects[len(saved):]
                                            if s not in saved]


def _describe_arg(path: str, args, kwargs, watch) -> str:
    if path.startswith("watch"):
        return path.replace("watch", "params", 1) if watch else path
    if path.startswith("arg["):
        idx = int(path[4:path.index("]")])
        return f"argument {idx + 1}" + path[path.index("]") + 1:]
    return path


def outcome_from_search(found, *, name: str, what: str) -> Outcome | None:
    """Turn a search result into a failing Outcome (None when nothing was found)."""
    if found is None:
        return None
    example, message = found
    return Outcome("fail", f"{what}: {message}", counterexample=fmt_call(name, *example)
                   if isinstance(example, tuple) else fmt_call(name, example))
