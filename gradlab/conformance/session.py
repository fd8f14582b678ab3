"""The judge's view of one target: its executor, what it defines, and proxies to call it.

A :class:`Session` starts an executor for the target, loads the target in it and keeps the
list of what it defines. When the executor is lost (a call timed out, the process died or
broke the protocol) the session forgets it and starts a fresh one, loaded again, for the
next check; proxies made for the lost one stop working. :class:`Remote` is such a proxy: an
object of the executor named by a reference, whose attributes and items are references too
and whose calls are requests.
"""

from __future__ import annotations

import os

from .executor.client import Executor, ExecutorLost, RemoteError, executor_sys_path
from .executor.inline import InlineExecutor
from .executor.sandbox import DEFAULT_LIMITS, PROTECTIONS, Protections, SandboxLimits
from .loading import Definition, Discovery
from .records import Record
from .remote import Remote, raise_as_builtin, unwrap, wrap
from .visibility import imported_names, imported_siblings, local_modules

__all__ = ["Session", "InlineSession", "Entry", "Remote", "RemoteError", "ExecutorLost",
           "MAX_RESTARTS", "DEFAULT_TIMEOUT"]

MAX_RESTARTS = 5
"""Executors a target may lose before verify stops checking it."""
DEFAULT_TIMEOUT = 15.0
"""Seconds one call into the learner's code may take (``--timeout``)."""


class Entry:
    """One definition the judge can check: its id in the executor, the book name, where it
    is (``file:line``), its role ("headline", "alternative", "progression"), why, and
    its :class:`~.loading.Definition` when discovery made one."""

    __slots__ = ("id", "name", "where", "role", "note", "definition")

    def __init__(self, id, name, where, role="headline", note="", definition=None):
        self.id, self.name, self.where, self.role = id, name, where, role
        self.note, self.definition = note, definition

    @classmethod
    def of(cls, d: Definition) -> Entry:
        where = d.where() + (f" (as {d.alias})" if d.alias != d.name else "")
        return cls(d.id, d.name, where, d.role, d.note, d)


class Unrunnable(BaseException):
    """The learner's code could not run as written because of how verify loaded it (a
    name from a failed import, or from a module-level statement verify does not run).

    A BaseException, so that no check's ``except`` (a crash is a counterexample) takes it
    for the learner's bug; the suite reports it (see ``suite.unrunnable_outcome``).
    """

    def __init__(self, error: RemoteError):
        super().__init__(error.message)
        self.error = error


class Session:
    """A target, checked through executors that the session starts as needed.

    Parameters
    ----------
    plan : Discovery
        The target as the judge discovered it (by reading, never running, its files).
    isolation : {"sandbox", "process"}
    timeout : float
        Seconds per call.
    """

    def __init__(self, plan: Discovery, *, isolation: str = "sandbox",
                 timeout: float = DEFAULT_TIMEOUT, limits: SandboxLimits = DEFAULT_LIMITS):
        self.plan = plan
        self.kind, self.target, self.label = plan.kind, plan.target, plan.label
        self.isolation, self.timeout, self.limits = isolation, timeout, limits
        self.executor = None
        self.generation = 0
        self.lost = 0
        self.entries: dict[str, list[Entry]] = {}
        self.script_names: set[str] = set()
        self.import_failures: dict[str, str] = {}
        self.protections = Protections()
        self.load_records: list[Record] = []
        self.memo: dict = {}  # what checks of one definition share (see Harness.memo)

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
            loaded = executor.request("load", self.plan.to_json(),
                                      timeout=max(60.0, self.timeout))
        except RemoteError as exc:
            self._forget()
            raise ExecutorLost(f"could not load the target: {exc.describe()}") from None
        except ExecutorLost as exc:
            self._forget()
            raise ExecutorLost(f"loading the target failed: {exc.reason}") from None
        try:
            self._take(loaded, first=not self.entries and not self.load_records)
        except (ValueError, TypeError, KeyError) as exc:
            self._forget()
            raise ExecutorLost(f"the executor's answer to 'load' was malformed ({exc})") \
                from None
        return executor

    def _take(self, loaded, first: bool) -> None:
        """What the executor loaded, validated (its definitions, for a file or folder
        target, must be the plan's: the executor cannot invent any)."""
        from .loading import FileLog, Loaded, Problem
        from .loading.targets import load_records

        definitions = [Definition.from_json(d) for d in loaded["definitions"]]
        if self.kind != "module":
            planned = {d.id: d for d in self.plan.definitions}
            definitions = [planned[d.id] for d in definitions if d.id in planned]
        logs = [FileLog.from_json(log) for log in loaded["logs"]]
        problems = [Problem.from_json(p) for p in loaded["problems"]]
        self.entries = {}
        for d in definitions:
            self.entries.setdefault(d.name, []).append(Entry.of(d))
        for entries in self.entries.values():
            entries.sort(key=lambda e: e.role != "headline")
        self.script_names = set().union(*(log.script_names for log in logs)) if logs else set()
        self.import_failures = {k: v for log in logs for k, v in log.import_failed.items()}
        if first:
            self.load_records = load_records(self.plan, Loaded({}, tuple(definitions), logs,
                                                               problems))

    def module_home(self) -> tuple[str, str] | None:
        """``(folder, path)`` of a module target's top-level module or package when it is
        not part of the Python installation (which the executor always sees)."""
        if self.kind != "module" or not self.plan.root:
            return None
        installation = executor_sys_path()
        if any(os.path.realpath(self.plan.root) == os.path.realpath(p) for p in installation):
            return None
        found = local_modules(self.plan.root, [self.target.split(".")[0]])
        return (self.plan.root, found[0]) if found else None

    def module_path(self) -> list[str]:
        """The folder a module target is imported from, when it is not installed."""
        home = self.module_home()
        return [home[0]] if home else []

    def visible(self) -> list[str]:
        """What the executor must read: the target, and next to it only what its files
        import from there (the book's chapter folders import ``common`` and ``dataset``
        from ``os.pardir``) -- never the whole folder above, where other students'
        submissions may be, nor the folder a single file sits in."""
        if self.kind == "module":
            home = self.module_home()
            if home is None:
                return []
            folder, path = home
            return [path, *local_modules(folder, imported_names([path]) - {self.target})]
        if self.kind == "dir":
            return [self.target] + imported_siblings(self.target)
        folder = os.path.dirname(self.target)
        here = local_modules(folder, imported_names([self.target]))
        return [self.target, *here, *imported_siblings(folder, [self.target, *here])]

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

    # -- what it defines -----------------------------------------------------------------
    def has(self, name: str) -> bool:
        return bool(self.entries.get(name))

    def definitions_of(self, name: str) -> list[Entry]:
        """Every loaded definition of book name ``name``, the headline first."""
        return list(self.entries.get(name, ()))

    def headline(self, name: str) -> Entry | None:
        entries = self.entries.get(name)
        return entries[0] if entries else None

    def remote(self, entry: Entry) -> Remote:
        return Remote(self, ("def", entry.id), entry.name)

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
            self._check_runnable(exc)
            raise_as_builtin(exc)
        if not isinstance(reply, dict) or "result" not in reply:
            self._forget()
            raise ExecutorLost("the executor's reply to a call was malformed")
        reply["result"] = wrap(self, reply["result"])
        return reply

    def _check_runnable(self, exc: RemoteError) -> None:
        """A NameError for a name that a failed import or a script statement (which verify
        does not run) should have set says nothing about the learner's function: raise
        :class:`Unrunnable`, which every check lets through to the suite."""
        if exc.type_name == "NameError" and exc.name and (
                exc.name in self.import_failures or exc.name in self.script_names):
            raise Unrunnable(exc)

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


class InlineSession(Session):
    """An :class:`~gradlab.conformance.Implementation` checked in the judge's own process
    (gradlab's tests of the checks; never for code one does not trust)."""

    def __init__(self, impl, *, timeout: float = DEFAULT_TIMEOUT):
        plan = Discovery("module", impl.label, "", impl.label)
        super().__init__(plan, timeout=timeout)
        self.impl = impl
        self.entries = {name: [Entry(name, name, impl.origins.get(name, ""))]
                        for name, obj in impl.objects.items() if obj is not None}
        self.script_names = set(impl.script_names)
        self.import_failures = dict(getattr(impl, "import_failures", {}) or {})
        self.protections = Protections({}, {n: "checked in verify's own process (tests only)"
                                            for n in PROTECTIONS})

    def _executor(self):
        if self.executor is None:
            self.executor = InlineExecutor(dict(self.impl.objects))
        return self.executor


