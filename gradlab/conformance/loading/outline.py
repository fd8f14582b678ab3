"""What one source file defines, imports and uses, read from its syntax tree alone.

An :class:`Outline` holds, for every top-level name, its bindings in execution order
(a ``def``/``class``, an import, a star import, anything else), the book-name
definitions with their signatures, every name and attribute chain the code reads
(in a function or class body, or in a module-level script statement), and the
folders the file adds to ``sys.path`` where that can be worked out without running it.
Walks are iterative (``ast.walk``): a 50,000-term expression cannot overflow the stack.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

from .names import NETWORK_METHODS, NETWORKS, canonical_name
from .paths import chain, static_path
from .plan import MethodInfo, Param
from .signatures import describe_def, source_text
from .sources import Source

__all__ = ["RawDef", "Binding", "Ref", "Outline", "outline"]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class RawDef:
    """A top-level definition of a book name, before roles are given."""

    name: str
    alias: str
    kind: str
    cell: int | None
    line: int
    order: int
    params: tuple[Param, ...] = ()
    methods: tuple[MethodInfo, ...] = ()
    names: frozenset = frozenset()
    refers_to: str | None = None
    node: ast.AST | None = None  # the def/class (an alias's referent, when in this file)
    path: str = ""  # the file that holds it


@dataclass(frozen=True)
class Binding:
    """How a top-level statement binds a name. ``how``: "def", "import", "star", "other"."""

    order: int
    cell: int | None
    line: int
    how: str
    module: str = ""
    level: int = 0
    attr: str | None = None
    definition: RawDef | None = None


@dataclass(frozen=True)
class Ref:
    """A read of a name: in the top-level statement ``order``; ``in_body`` when inside a
    ``def``/``class`` (runs when called), ``owner`` that def's or class's name;
    ``in_network`` when that class is a network (a book network, or a class with
    ``predict``/``loss``/``gradient`` methods)."""

    order: int
    cell: int | None
    line: int
    in_body: bool
    owner: str | None = None
    in_network: bool = False


@dataclass
class Outline:
    path: str
    definitions: list = field(default_factory=list)
    bindings: dict = field(default_factory=dict)  # name -> [Binding] in order
    stars: list = field(default_factory=list)  # [Binding] of star imports
    all_names: tuple | None = None
    refs: dict = field(default_factory=dict)  # name -> [Ref]
    chains: list = field(default_factory=list)  # [(("F", "softmax"), Ref)]
    path_front: list = field(default_factory=list)  # sys.path.insert(0, ...)
    path_back: list = field(default_factory=list)  # sys.path.append(...)

    @property
    def imports(self):
        """Every import binding, in order."""
        return sorted((b for bs in self.bindings.values() for b in bs if b.how == "import"),
                      key=lambda b: b.order)


class _Builder:
    def __init__(self, source: Source):
        self.out = Outline(source.path)
        self.folder = os.path.dirname(os.path.abspath(source.path))
        self.env: dict[str, str] = {}  # names bound to a static path (BASE = dirname(...))
        self.local_defs: dict[str, tuple] = {}  # name -> (node, text, RawDef | None)

    def bind(self, name: str, binding: Binding) -> None:
        self.out.bindings.setdefault(name, []).append(binding)

    def statement(self, order, cell, stmt, text):
        if isinstance(stmt, _DEFS):
            self.definition(order, cell, stmt, text)
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            self.imports(order, cell, stmt)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            self.assignment(order, cell, stmt, text)
        else:
            self.other(order, cell, stmt)
        self.references(order, cell, stmt)
        self.path_change(stmt)

    def definition(self, order, cell, stmt, text):
        kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
        name = canonical_name(stmt.name, kind)
        raw = None
        if name is not None:
            raw = RawDef(name, stmt.name, kind, cell, stmt.lineno, order, node=stmt,
                         **describe_def(stmt, text))
            self.out.definitions.append(raw)
        self.local_defs[stmt.name] = (stmt, text, raw)
        self.bind(stmt.name, Binding(order, cell, stmt.lineno, "def", definition=raw))

    def imports(self, order, cell, stmt):
        for alias in stmt.names:
            if isinstance(stmt, ast.Import):
                bound = alias.asname or alias.name.partition(".")[0]
                module = alias.name if alias.asname else bound
                self.bind(bound, Binding(order, cell, stmt.lineno, "import", module))
            elif alias.name == "*":
                self.out.stars.append(Binding(order, cell, stmt.lineno, "star",
                                              stmt.module or "", stmt.level))
            else:
                self.bind(alias.asname or alias.name,
                          Binding(order, cell, stmt.lineno, "import", stmt.module or "",
                                  stmt.level, alias.name))

    def assignment(self, order, cell, stmt, text):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if not isinstance(target, ast.Name):
                for name in _stored(target):
                    self.bind(name, Binding(order, cell, stmt.lineno, "other"))
                continue
            raw = self.alias(order, cell, stmt, target.id, text)
            if isinstance(raw, Binding):
                self.bind(target.id, raw)
                continue
            if raw is not None:
                self.out.definitions.append(raw)
            self.bind(target.id, Binding(order, cell, stmt.lineno, "def" if raw else "other",
                                         definition=raw))
            if target.id == "__all__" and stmt.value is not None:
                self.out.all_names = _literal_strings(stmt.value)
            value = static_path(stmt.value, self.folder, self.env) if stmt.value else None
            if value is not None:
                self.env[target.id] = value

    def alias(self, order, cell, stmt, spelled, text):
        """A RawDef for ``spelled = value`` when it names a book name, or a Binding when it
        merely renames a definition of the same name in this file."""
        value = stmt.value
        if isinstance(value, ast.Lambda):
            name = canonical_name(spelled, "function")
            return name and RawDef(name, spelled, "function", cell, stmt.lineno, order,
                                   node=value, refers_to=source_text(text, value),
                                   **describe_def(value, text))
        if not isinstance(value, ast.Name | ast.Attribute):
            return None
        local = self.local_defs.get(value.id) if isinstance(value, ast.Name) else None
        kind = None
        if local is not None:
            kind = "class" if isinstance(local[0], ast.ClassDef) else "function"
        name = canonical_name(spelled, kind)
        if name is None:
            return None
        if local is not None and local[2] is not None and local[2].name == name:
            return Binding(order, cell, stmt.lineno, "def", definition=local[2])
        described = describe_def(local[0], local[1]) if local else {}
        return RawDef(name, spelled, "alias", cell, stmt.lineno, order,
                      refers_to=source_text(text, value), node=local[0] if local else None,
                      **described)

    def other(self, order, cell, stmt):
        for name in _stored(stmt):
            self.bind(name, Binding(order, cell, getattr(stmt, "lineno", 0), "other"))
        for node in _nested(stmt):  # inside top-level if/try/with/for blocks
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.imports(order, cell, node)
            elif isinstance(node, _DEFS):
                self.bind(node.name, Binding(order, cell, node.lineno, "other"))

    def references(self, order, cell, stmt):
        owner = stmt.name if isinstance(stmt, _DEFS) else None
        in_network = isinstance(stmt, ast.ClassDef) and (
            canonical_name(stmt.name, "class") in NETWORKS
            or any(isinstance(f, _FUNCS) and f.name in NETWORK_METHODS for f in stmt.body))
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                ref = Ref(order, cell, node.lineno, owner is not None, owner, in_network)
                self.out.refs.setdefault(node.id, []).append(ref)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                dotted = chain(node)
                if dotted:
                    ref = Ref(order, cell, node.lineno, owner is not None, owner, in_network)
                    self.out.chains.append((dotted, ref))

    def path_change(self, stmt):
        for node in ast.walk(stmt) if isinstance(stmt, ast.If | ast.Try | ast.Expr) else ():
            call = node if isinstance(node, ast.Call) else None
            if call is None or not isinstance(call.func, ast.Attribute) or \
                    chain(call.func.value) != ("sys", "path"):
                continue
            method, args = call.func.attr, call.args
            if method == "append" and len(args) == 1:
                self.add(self.out.path_back, [args[0]])
            elif method == "insert" and len(args) == 2:
                front = isinstance(args[0], ast.Constant) and args[0].value == 0
                self.add(self.out.path_front if front else self.out.path_back, [args[1]])
            elif method == "extend" and len(args) == 1 and isinstance(args[0], ast.List):
                self.add(self.out.path_back, args[0].elts)

    def add(self, where: list, nodes) -> None:
        for node in nodes:
            value = static_path(node, self.folder, self.env)
            if value is not None:
                where.append(value)


def _nested(stmt):
    """Statements inside a top-level compound statement, not inside a def or class."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        for key in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(node, key, ()) or ():
                yield child
                if not isinstance(child, _DEFS):
                    stack.append(child)


def _stored(stmt) -> list:
    return [n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)]


def _literal_strings(node) -> tuple | None:
    if isinstance(node, ast.List | ast.Tuple) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None


def outline(source: Source) -> Outline:
    """The :class:`Outline` of a parsed source file."""
    builder = _Builder(source)
    order = 0
    for chunk in source.chunks:
        for stmt in chunk.tree.body:
            builder.statement(order, chunk.cell, stmt, chunk.text)
            order += 1
    for raw in builder.out.definitions:
        raw.path = source.path
    return builder.out
