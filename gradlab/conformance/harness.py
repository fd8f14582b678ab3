"""What every check uses: calls into the executor that watch for side effects, comparisons
that say where two arrays differ, and a hypothesis search that returns the shrunk input.

Checks run in the judge; what they call lives in the executor (:class:`~.session.Remote`
proxies). A call sends the arguments, and the executor echoes them back afterwards, so the
judge sees which of the caller's arrays the learner's code changed.
"""

from __future__ import annotations

import numpy as np

from .records import Outcome
from .remote import Remote, RemoteError

__all__ = ["Harness", "Missing", "Skipped", "Failed", "fmt", "fmt_call", "compare",
           "describe_exception", "outcome_from_search"]


class Missing(Exception):
    """The implementation does not define a name (or a method) a check needs: the check
    is skipped as "not implemented"."""


class Skipped(Exception):
    """Raised inside a check to skip it with a reason (a signature verify cannot map,
    a convention under which the check does not apply)."""


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
    if isinstance(value, Remote):
        return repr(value)
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
    """Calls into a target for one check and remembers what happened.

    Parameters
    ----------
    session : Session
        The target (its executor and definitions).
    examples : int
        Hypothesis examples per search (0 turns searches off, as ``--quick`` does).
    entry : Entry, optional
        The definition under check (default: the headline of each name asked for).
    """

    def __init__(self, session, *, examples: int, entry=None):
        self.session = session
        self.examples = examples
        self.entry = entry
        self.side_effects: list[tuple[str, str, str]] = []  # (severity, message, call)
        self.last_call = None
        self.notes: set[str] = set()  # how the definition was called, when not the book's way

    def entry_of(self, name: str):
        """The definition under check when it is of ``name``; else the target's headline
        of ``name`` (a check that needs another book name); :class:`Missing` if none."""
        if self.entry is not None and self.entry.name == name:
            return self.entry
        entry = self.session.headline(name)
        if entry is None:
            raise Missing(name)
        return entry

    def fn(self, name: str) -> Remote:
        """A proxy of :meth:`entry_of` ``(name)`` in the executor."""
        return self.session.remote(self.entry_of(name))

    def params(self, name: str, method: str | None = None):
        """The parameters of ``name`` (of its ``method``, or of its constructor for a
        class), read from its source; None when unknown."""
        from .calling import entry_params

        return entry_params(self.session, self.entry_of(name), method)

    def plan(self, name: str, slots, *, method: str | None = None, label: str | None = None):
        """How to call ``name`` (or its ``method``) with the book's ``slots``: a
        :class:`~.calling.CallPlan`; :class:`Skipped` when its signature cannot be mapped."""
        from .calling import plan_call

        entry = self.entry_of(name)
        own = entry.definition.alias if entry.definition is not None else name
        label = label or (f"{own}.{method}" if method else own)
        plan = plan_call(self.params(name, method), slots, label=label)
        if isinstance(plan, str):
            raise Skipped(plan)
        if plan.note:
            self.notes.add(plan.note)
        return plan

    def invoke(self, name: str, *values, restore: bool = False, watch=None, extra=None):
        """Call book name ``name`` with the book's arguments ``values`` the way its own
        signature takes them (see :mod:`.calling`); ``extra`` are keyword arguments of
        its own (a flag such as ``one_hot_label=False``)."""
        from .calling import BOOK_SIGNATURES, Slot

        slots = BOOK_SIGNATURES.get(name, (Slot("x", "input"),))[:len(values)]
        plan = self.plan(name, slots)
        args, kwargs = plan.arguments(values)
        kwargs.update(extra or {})
        entry = self.entry_of(name)
        label = entry.definition.alias if entry.definition is not None else name
        return self.call(label, self.fn(name), *args, restore=restore, watch=watch,
                         names=plan.names, **kwargs)

    def memo(self, key, compute):
        """``compute()`` once per definition under check and ``key`` (conventions that
        several checks of one definition share)."""
        store = self.session.memo
        full = (getattr(self.entry, "id", None), key)
        if full not in store:
            store[full] = compute()
        return store[full]

    def call(self, label: str, fn: Remote, *args, restore: bool = False, watch=None,
             names=(), **kwargs):
        """Call ``fn`` and note any argument it leaves modified.

        ``restore=True`` (numerical_gradient) allows changes during the call but makes
        one that remains a failure; otherwise a modified argument is a warning.
        ``watch`` maps names to executor objects (e.g. ``{"params": net.params}``) whose
        arrays must not change either. A method the object does not have is
        :class:`Missing` (the check is skipped), not a crash; so is a
        ``NotImplementedError``. ``names`` are the parameter names of the positional
        arguments, for the messages about modified arguments.
        """
        self.last_call = fmt_call(label, *args, **kwargs)
        watch = watch or {}
        before = {name: self.session.get(obj) for name, obj in watch.items()}
        try:
            reply = self.session.call(fn, args, kwargs, echo=True, watch=list(watch.values()))
        except RemoteError as exc:
            if exc.stage == "resolve" and exc.type_name == "AttributeError":
                raise Missing(f"{label} is not defined") from None
            if exc.type_name == "NotImplementedError":
                raise Missing(f"{label} raises NotImplementedError") from None
            raise
        sent = list(_arrays_in(list(args), "arg")) + list(_arrays_in(kwargs, "kw"))
        after = dict(_arrays_in(list(reply.get("args", ())), "arg"))
        after.update(_arrays_in(reply.get("kwargs", {}), "kw"))
        changed = [path for path, arr in sent
                   if path in after and not _same(arr, after[path])]
        for (name, old), new in zip(before.items(), reply.get("watch", ()), strict=False):
            olds, news = dict(_arrays_in(old, name)), dict(_arrays_in(new, name))
            changed += [path for path, arr in olds.items()
                        if path in news and not _same(arr, news[path])]
        for path in changed:
            what = _describe_arg(path, names)
            if restore:
                self.side_effects.append(
                    ("fail", f"{label} left {what} changed (it must restore every "
                             f"element it perturbs; the caller's values are now wrong)",
                     self.last_call))
            else:
                self.side_effects.append(
                    ("warn", f"{label} modified the caller's {what} in place", self.last_call))
        return reply["result"]

    def get(self, obj: Remote):
        """The value of an executor's object (arrays are copies)."""
        return self.session.get(obj)

    def assign(self, obj: Remote, value) -> None:
        """``obj[...] = value`` in the executor."""
        self.session.assign(obj, value)

    def set(self, obj: Remote, name: str, value) -> None:
        """``setattr(obj, name, value)`` in the executor."""
        self.session.set(obj, name, value)

    def perturbing(self, array: Remote, evaluate):
        """``(x, f)``: a copy of the executor's ``array`` and ``f(w)``, which writes ``w``
        into it and returns ``evaluate()`` (the book's ``lambda w: net.loss(x, t)``, with
        the net in the executor and the finite differences in the judge)."""
        x = self.get(array)

        def f(w):
            self.assign(array, w)
            return evaluate()

        return x, f

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
        except (Missing, Skipped):
            raise
        except RemoteError as exc:
            if exc.type_name == "NameError":  # a failed import or a typo: the check's verdict
                raise
            return f"crashed: {describe_exception(exc)}"
        except Exception as exc:  # a crash on valid input is a counterexample too
            return f"crashed: {describe_exception(exc)}"
        finally:
            self.side_effects[:] = saved + [s for s in self.side_effects[len(saved):]
                                            if s not in saved]


def describe_exception(exc: BaseException) -> str:
    """``"TypeName: message"``, with the learner's type name for an error of the executor."""
    if isinstance(exc, RemoteError):
        return exc.describe()
    return f"{type(exc).__name__}: {exc}"


def _same(a, b) -> bool:
    return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype \
        and a.tobytes() == b.tobytes()


def _describe_arg(path: str, names=()) -> str:
    if path.startswith("arg["):
        idx = int(path[4:path.index("]")])
        named = f" ({names[idx]})" if idx < len(names) else ""
        return f"argument {idx + 1}{named}" + path[path.index("]") + 1:]
    return path


def outcome_from_search(found, *, name: str, what: str) -> Outcome | None:
    """Turn a search result into a failing Outcome (None when nothing was found)."""
    if found is None:
        return None
    example, message = found
    return Outcome("fail", f"{what}: {message}", counterexample=fmt_call(name, *example)
                   if isinstance(example, tuple) else fmt_call(name, example))
