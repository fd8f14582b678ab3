"""The judge's view of one target: its executor, what it defines, and proxies to call it.

A :class:`Session` starts an executor for the target, loads the target in it and keeps the
list of what it defines. When the executor is lost (a call timed out, the process died or
broke the protocol) the session forgets it and starts a fresh one, loaded again, for the
next check; proxies made for the lost one stop working. :class:`Remote` is such a proxy: an
object of the executor named by a reference, whose attributes and items are references too
and whose calls are requests.
"""

from __future__ import annotations

import builtins
import functools
import os
import re

from .executor.client import (
    Executor,
    ExecutorLost,
    InlineExecutor,
    RemoteError,
    executor_sys_path,
)
from .executor.protocol import Handle, Ref
from .executor.sandbox import DEFAULT_LIMITS, PROTECTIONS, Protections, SandboxLimits
from .records import Record

__all__ = ["Session", "InlineSession", "Remote", "RemoteError", "ExecutorLost", "wrap",
           "unwrap", "raise_as_builtin", "MAX_RESTARTS", "DEFAULT_TIMEOUT"]

MAX_RESTARTS = 5
"""Executors a target may lose before verify stops checking it."""
DEFAULT_TIMEOUT = 15.0
"""Seconds one call into the learner's code may take (``--timeout``)."""


class Remote:
    """An object that lives in the executor.

    ``remote.name`` and ``remote[key]`` are references (nothing is sent), ``remote(...)``
    calls it, :meth:`Session.get` fetches its value. Dunder names are not forwarded, so
    NumPy and ``repr`` never make requests by accident.
    """

    __slots__ = ("_session", "_path", "_generation", "_label")

    def __init__(self, session, path: tuple, label: str):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_path", tuple(path))
        object.__setattr__(self, "_generation", session.generation)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        return Remote(self._session, self._path + (("attr", name),), f"{self._label}.{name}")

    def __getitem__(self, key) -> Remote:
        return Remote(self._session, self._path + (("item", key),), f"{self._label}[{key!r}]")

    def __setattr__(self, name, value):
        raise AttributeError("set attributes of an executor's object with Session.set")

    def __call__(self, *args, **kwargs):
        return self._session.call(self, args, kwargs)["result"]

    def __repr__(self) -> str:
        return self._label

    @property
    def ref(self) -> Ref:
        if self._generation != self._session.generation:
            raise ExecutorLost("this object belonged to an executor that was stopped")
        return Ref(self._path)


def unwrap(value):
    """Arguments for a request: proxies become references, probes their descriptions."""
    if isinstance(value, Remote):
        return value.ref
    if hasattr(value, "spec") and callable(value):
        return value.spec
    if isinstance(value, tuple | list):
        return type(value)(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def wrap(session, value, label: str = "result"):
    """A reply's value with handles turned into :class:`Remote` proxies."""
    if isinstance(value, Handle):
        return Remote(session, ("handle", value.id), f"<{value.type.rsplit('.', 1)[-1]}>")
    if isinstance(value, tuple | list):
        return type(value)(wrap(session, v, label) for v in value)
    if isinstance(value, dict):
        return {k: wrap(session, v, label) for k, v in value.items()}
    return value


@functools.cache
def _remote_class(type_name: str):
    """``RemoteError`` that is also the builtin exception ``type_name`` (so that a check's
    ``except TypeError`` sees the learner's TypeError)."""
    base = getattr(builtins, type_name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        return RemoteError
    try:
        return type(f"Remote{type_name}", (RemoteError, base), {})
    except TypeError:  # an incompatible layout (OSError and its kin)
        return RemoteError


def raise_as_builtin(error: RemoteError):
    """Re-raise a :class:`RemoteError` as its builtin-typed subclass."""
    cls = _remote_class(error.type_name)
    if cls is RemoteError:
        raise error
    raise cls({"type": error.type_name, "message": error.message, "stage": error.stage,
               "name": error.name, "where": error.where, "code": error.code}) from None


class Session:
    """A target, checked through executors that the session starts as needed.

    Parameters
    ----------
    kind : {"file", "dir", "module"}
    target : str
        Absolute path, or a module name.
    label : str
        How records name the target.
    isolation : {"sandbox", "process"}
    timeout : float
        Seconds per call.
    require_sandbox : bool
        Refuse to run (ExecutorLost at start) when a protection is missing.
    """

    def __init__(self, kind: str, target: str, label: str, *, isolation: str = "sandbox",
                 timeout: float = DEFAULT_TIMEOUT, limits: SandboxLimits = DEFAULT_LIMITS):
        self.kind, self.target, self.label = kind, target, label
        self.isolation, self.timeout, self.limits = isolation, timeout, limits
        self.executor = None
        self.generation = 0
        self.lost = 0
        self.definitions: dict[str, dict] = {}
        self.origins: dict[str, str] = {}
        self.script_names: set[str] = set()
        self.protections = Protections()
        self.load_records: list[Record] = []

    # -- the executor ------------------------------------------------------------------
    def start(self) -> list[Record]:
        """Start an executor and load the target; return the load records."""
        self._executor()
        return self.load_records

    def _executor(self):
        if self.executor is not None:
            return self.executor
        if self.lost > MAX_RESTARTS:
            raise ExecutorLost(f"verify gave up on this target after {MAX_RESTARTS} "
                               f"executor restarts")
        executor = Executor(isolation=self.isolation, visible=self.visible(),
                            sys_path=executor_sys_path(self.module_path()), limits=self.limits)
        self.executor = executor
        self.protections = executor.protections
        try:
            loaded = executor.request("load", {"kind": self.kind, "target": self.target},
                                      timeout=max(30.0, self.timeout))
        except RemoteError as exc:
            self._forget()
            raise ExecutorLost(f"could not load the target: {exc.describe()}") from None
        except ExecutorLost as exc:
            self._forget()
            raise ExecutorLost(f"loading the target failed: {exc.reason}") from None
        first = not self.definitions and not self.load_records
        self._take(loaded, first)
        return executor

    def _take(self, loaded, first: bool) -> None:
        if not isinstance(loaded, dict) or not isinstance(loaded.get("definitions"), dict):
            raise ExecutorLost("the executor's answer to 'load' was malformed")
        self.definitions = {str(k): v for k, v in loaded["definitions"].items()
                            if isinstance(v, dict)}
        self.origins = {k: str(v.get("origin", ""))[:300] for k, v in self.definitions.items()}
        self.script_names = {str(n) for n in loaded.get("script_names", ())}
        if first:
            self.load_records = [_load_record(r, self.label) for r in loaded.get("records", ())
                                 if isinstance(r, dict)]

    def visible(self) -> list[str]:
        """What the executor must read: the target's folder, and next to it only what its
        files import from there (the book's chapter folders import ``common`` and
        ``dataset`` from ``os.pardir``) -- never the whole folder above, where other
        students' submissions may be."""
        if self.kind == "module":
            home = self.module_home()
            if home is None:
                return []
            folder, path = home
            return [path, *imported_siblings(path, [path]), *local_modules(
                folder, {n for n in _imported_names([path]) if n != self.target})]
        if self.kind == "dir":
            return [self.target] + imported_siblings(self.target)
        # a file: itself and what it imports from its folder and the folder above
        folder = os.path.dirname(self.target)
        here = local_modules(folder, _imported_names([self.target]))
        return [self.target, *here, *imported_siblings(folder, [self.target, *here])]

    def module_home(self) -> tuple[str, str] | None:
        """``(folder, path)`` of a module target found in the current directory or on
        ``PYTHONPATH`` (looked for the same way however verify was started), or None when
        it is installed (then the installation, always shown, holds it)."""
        if self.kind != "module":
            return None
        top = self.target.split(".")[0]
        for entry in [os.getcwd(), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]:
            folder = os.path.abspath(entry) if entry else ""
            found = local_modules(folder, [top]) if os.path.isdir(folder) else []
            if found:
                return folder, found[0]
        return None

    def module_path(self) -> list[str]:
        """The folder a module target is imported from, when it is not installed."""
        home = self.module_home()
        return [home[0]] if home else []

    def _forget(self) -> None:
        if self.executor is not None:
            self.executor.kill()
        self.executor = None
        self.generation += 1
        self.lost += 1

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor = None

    # -- requests ----------------------------------------------------------------------
    def request(self, op: str, body=None):
        executor = self._executor()
        try:
            return executor.request(op, body, timeout=self.timeout)
        except ExecutorLost:
            self._forget()
            raise

    def call(self, fn: Remote, args=(), kwargs=None, *, echo=False, watch=()):
        body = {"ref": fn.ref.path, "args": tuple(unwrap(a) for a in args),
                "kwargs": {k: unwrap(v) for k, v in (kwargs or {}).items()},
                "echo": echo, "watch": [w.ref.path for w in watch]}
        try:
            reply = self.request("call", body)
        except RemoteError as exc:
            raise_as_builtin(exc)
        if not isinstance(reply, dict) or "result" not in reply:
            self._forget()
            raise ExecutorLost("the executor's reply to a call was malformed")
        reply["result"] = wrap(self, reply["result"])
        return reply

    def get(self, remote: Remote):
        """The value of an executor's object (arrays copied; objects as proxies)."""
        try:
            return wrap(self, self.request("get", remote.ref.path), repr(remote))
        except RemoteError as exc:
            raise_as_builtin(exc)

    def set(self, remote: Remote, name: str, value) -> None:
        """``setattr(remote, name, value)`` in the executor."""
        try:
            self.request("set", (remote.ref.path, name, unwrap(value)))
        except RemoteError as exc:
            raise_as_builtin(exc)

    def assign(self, remote: Remote, value) -> None:
        """``remote[...] = value`` in the executor (``remote`` must be an array there)."""
        try:
            self.request("assign", (remote.ref.path, value))
        except RemoteError as exc:
            raise_as_builtin(exc)

    def has(self, name: str) -> bool:
        return name in self.definitions

    def remote(self, name: str) -> Remote:
        return Remote(self, ("def", name), name)


class InlineSession(Session):
    """An :class:`~gradlab.conformance.Implementation` checked in the judge's own process
    (gradlab's tests of the checks; never for code one does not trust)."""

    def __init__(self, impl, *, timeout: float = DEFAULT_TIMEOUT):
        super().__init__("inline", impl.label, impl.label, timeout=timeout)
        self.impl = impl
        self.definitions = {name: {"origin": impl.origins.get(name, "")}
                            for name, obj in impl.objects.items() if obj is not None}
        self.origins = {name: impl.origins.get(name, "") for name in self.definitions}
        self.script_names = set(impl.script_names)
        self.protections = Protections({}, {n: "checked in verify's own process (tests only)"
                                            for n in PROTECTIONS})

    def _executor(self):
        if self.executor is None:
            self.executor = InlineExecutor(dict(self.impl.objects))
        return self.executor


_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def _sources(paths, max_files: int = 2000):
    """The ``.py`` and ``.ipynb`` files in ``paths`` (files, or folders walked)."""
    count = 0
    for path in paths:
        walk = os.walk(path) if os.path.isdir(path) else [(os.path.dirname(path), [],
                                                           [os.path.basename(path)])]
        for where, dirs, files in walk:
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("venv", "env")]
            for name in files:
                full = os.path.join(where, name)
                if name.endswith((".py", ".ipynb")) and os.path.isfile(full) \
                        and not os.path.islink(full) and os.path.getsize(full) < 2**20:
                    count += 1
                    if count > max_files:
                        return
                    yield full


def _imported_names(paths) -> set[str]:
    names: set[str] = set()
    for path in _sources(paths):
        with open(path, encoding="utf-8", errors="replace") as fh:
            names.update(_IMPORT.findall(fh.read()))
    return names


def local_modules(folder: str, names) -> list[str]:
    """The modules and packages of ``names`` that ``folder`` holds."""
    found = []
    for name in sorted(names):
        for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".py")):
            if os.path.exists(candidate) and not os.path.islink(candidate):
                found.append(candidate)
    return found


def imported_siblings(folder: str, sources=None) -> list[str]:
    """Modules and packages next to ``folder`` that ``sources`` (default: every file under
    it) import, and that ``folder`` does not have itself."""
    parent = os.path.dirname(folder.rstrip(os.sep))
    if not parent or parent == folder:
        return []
    names = {n for n in _imported_names(sources or [folder])
             if not local_modules(folder, [n])}
    return local_modules(parent, names)


def _load_record(data: dict, label: str) -> Record:
    """A load record as the executor described it, kept to what loading may say."""
    record = Record.from_json({k: v for k, v in data.items() if isinstance(v, str)})
    status = record.status if record.status in ("pass", "warn", "error") else "error"
    return Record(f"load:{record.check.removeprefix('load:')}"[:300], label, status,
                  record.message[:2000], None, "(load)", record.definition[:300],
                  record.details[:20000])
