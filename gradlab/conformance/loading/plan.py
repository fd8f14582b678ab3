"""What discovery hands the executor and the judge: definitions, problems, the files to load.

Plain frozen dataclasses with ``to_json``/``from_json``, so that a plan and the
definitions built in the executor cross a process boundary as JSON. ``from_json``
checks every field's type: a malformed message raises ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Param", "MethodInfo", "Definition", "Problem", "Discovery", "PARAM_KINDS",
           "ROLES", "DEFINITION_KINDS", "TARGET_KINDS", "SEVERITIES"]

PARAM_KINDS = ("positional_only", "positional_or_keyword", "var_positional", "keyword_only",
               "var_keyword")
"""``inspect.Parameter`` kinds, lower case."""
ROLES = ("headline", "alternative", "progression")
DEFINITION_KINDS = ("function", "class", "alias")
TARGET_KINDS = ("file", "dir", "notebook", "module")
SEVERITIES = ("warn", "error")


def _need(d, key, types, what):
    if not isinstance(d, dict):
        raise ValueError(f"{what}: expected a JSON object, got {type(d).__name__}")
    if key not in d:
        raise ValueError(f"{what}: missing field {key!r}")
    value, types = d[key], types if isinstance(types, tuple) else (types,)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise ValueError(f"{what}: field {key!r} has type {type(value).__name__}")
    return value


def _choice(d, key, choices, what):
    value = _need(d, key, str, what)
    if value not in choices:
        raise ValueError(f"{what}: field {key!r} is {value!r}, expected one of {choices}")
    return value


def _strings(d, key, what) -> tuple[str, ...]:
    values = _need(d, key, list, what)
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"{what}: field {key!r} must be a list of strings")
    return tuple(values)


@dataclass(frozen=True)
class Param:
    """One parameter of a signature: its name, kind and the source text of its default."""

    name: str
    kind: str
    default: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "default": self.default}

    @classmethod
    def from_json(cls, d) -> Param:
        return cls(_need(d, "name", str, "param"), _choice(d, "kind", PARAM_KINDS, "param"),
                   _need(d, "default", (str, type(None)), "param"))


@dataclass(frozen=True)
class MethodInfo:
    """A method of a class: name, line, parameters (without ``self``), names its body uses."""

    name: str
    line: int
    params: tuple[Param, ...] = ()
    names: frozenset[str] = frozenset()

    def to_json(self) -> dict:
        return {"name": self.name, "line": self.line,
                "params": [p.to_json() for p in self.params], "names": sorted(self.names)}

    @classmethod
    def from_json(cls, d) -> MethodInfo:
        return cls(_need(d, "name", str, "method"), _need(d, "line", int, "method"),
                   tuple(Param.from_json(p) for p in _need(d, "params", list, "method")),
                   frozenset(_strings(d, "names", "method")))


@dataclass(frozen=True)
class Definition:
    """One top-level definition of a book name in the target.

    ``id`` is unique within the target and stable across runs (``relpath:line``, or
    ``notebook.ipynb#cell:line``). ``alias`` is the name as the target spells it;
    ``kind`` is "function", "class" or "alias" (``name = other``). ``params`` are a
    function's, or a class's ``__init__``'s without ``self``; ``names`` are the
    identifiers, attribute and keyword names its body uses (a class: all its methods').
    ``role`` is "headline" (the one that decides the name's verdict), "alternative"
    (another definition, checked and reported on its own line) or "progression" (an
    earlier version from the book's own progression, reported without failing the
    name); ``note`` says why. ``refers_to`` is an alias's value as written;
    ``used_by`` lists where the target's code uses this definition. ``version`` names
    the earlier version of the book's progression it is, if any; ``lenient`` lists the
    checks that go beyond that version (a batch for a one-sample version) when nothing in
    the target relies on it: their failures are reported as warnings. ``digest`` is the
    same for definitions whose behaviour is their identical source alone (copies).
    """

    id: str
    name: str
    alias: str
    kind: str
    path: str
    relpath: str
    line: int
    cell: int | None = None
    params: tuple[Param, ...] = ()
    methods: tuple[MethodInfo, ...] = ()
    names: frozenset[str] = frozenset()
    role: str = "headline"
    note: str = ""
    refers_to: str | None = None
    used_by: tuple[str, ...] = ()
    version: str = ""
    lenient: tuple[str, ...] = ()
    digest: str = ""

    def where(self) -> str:
        """``"common/functions.py:12"`` or ``"notes.ipynb cell 3, line 2"``."""
        if self.cell is not None:
            return f"{self.relpath} cell {self.cell}, line {self.line}"
        return f"{self.relpath}:{self.line}"

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "alias": self.alias, "kind": self.kind,
                "path": self.path, "relpath": self.relpath, "line": self.line,
                "cell": self.cell, "params": [p.to_json() for p in self.params],
                "methods": [m.to_json() for m in self.methods], "names": sorted(self.names),
                "role": self.role, "note": self.note, "refers_to": self.refers_to,
                "used_by": list(self.used_by), "version": self.version,
                "lenient": list(self.lenient), "digest": self.digest}

    @classmethod
    def from_json(cls, d) -> Definition:
        w = "definition"
        return cls(
            _need(d, "id", str, w), _need(d, "name", str, w), _need(d, "alias", str, w),
            _choice(d, "kind", DEFINITION_KINDS, w), _need(d, "path", str, w),
            _need(d, "relpath", str, w), _need(d, "line", int, w),
            _need(d, "cell", (int, type(None)), w),
            tuple(Param.from_json(p) for p in _need(d, "params", list, w)),
            tuple(MethodInfo.from_json(m) for m in _need(d, "methods", list, w)),
            frozenset(_strings(d, "names", w)), _choice(d, "role", ROLES, w),
            _need(d, "note", str, w), _need(d, "refers_to", (str, type(None)), w),
            _strings(d, "used_by", w), _need(d, "version", str, w), _strings(d, "lenient", w),
            _need(d, "digest", str, w))


@dataclass(frozen=True)
class Problem:
    """Something about one file that the user should know (``warn``) or that stops the
    target from being checked at all (``error``)."""

    relpath: str
    severity: str
    message: str

    def to_json(self) -> dict:
        return {"relpath": self.relpath, "severity": self.severity, "message": self.message}

    @classmethod
    def from_json(cls, d) -> Problem:
        return cls(_need(d, "relpath", str, "problem"),
                   _choice(d, "severity", SEVERITIES, "problem"),
                   _need(d, "message", str, "problem"))


@dataclass(frozen=True)
class Discovery:
    """A target, read by the judge without running any of it.

    ``files`` are what the executor loads, in order (absolute paths); ``roots`` are
    the folders its import hook may serve modules from (from source only);
    ``search_path`` is the module search path of a module target.
    """

    kind: str
    target: str
    root: str
    label: str
    definitions: tuple[Definition, ...] = ()
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()
    search_path: tuple[str, ...] = ()
    roots: tuple[str, ...] = field(default=())

    def of(self, name: str) -> list[Definition]:
        """Every definition of book name ``name``, the headline first."""
        found = [d for d in self.definitions if d.name == name]
        return sorted(found, key=lambda d: d.role != "headline")

    def headline(self, name: str) -> Definition | None:
        """The definition that decides ``name``'s verdict, or None."""
        return next((d for d in self.definitions if d.name == name and d.role == "headline"),
                    None)

    def to_json(self) -> dict:
        return {"kind": self.kind, "target": self.target, "root": self.root,
                "label": self.label, "definitions": [d.to_json() for d in self.definitions],
                "problems": [p.to_json() for p in self.problems], "files": list(self.files),
                "search_path": list(self.search_path), "roots": list(self.roots)}

    @classmethod
    def from_json(cls, d) -> Discovery:
        w = "discovery"
        return cls(_choice(d, "kind", TARGET_KINDS, w), _need(d, "target", str, w),
                   _need(d, "root", str, w), _need(d, "label", str, w),
                   tuple(Definition.from_json(x) for x in _need(d, "definitions", list, w)),
                   tuple(Problem.from_json(x) for x in _need(d, "problems", list, w)),
                   _strings(d, "files", w), _strings(d, "search_path", w),
                   _strings(d, "roots", w))
