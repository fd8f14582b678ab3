"""Which definition each name in the target's code means, and who uses each definition.

Python keeps the last binding of a name, so ``from functions import softmax`` means
the last top-level binding of ``softmax`` in ``functions.py`` — which may itself be an
import from elsewhere, followed in turn. A name read inside a ``def``/``class`` body
means the file's last binding (it runs when called); a name read by a module-level
statement means the binding in force at that statement.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .files import Area, SourceError
from .imports import Found, Resolver
from .outline import Outline, RawDef, outline
from .sources import read
from .syntax import uncompilable

__all__ = ["Graph", "Use", "OTHER"]

OTHER = object()
"""A name bound to something that is not a book-name definition of the target."""


@dataclass(frozen=True)
class Use:
    """Where the target's code uses a definition. ``strong``: an explicit import, or a
    read in a function or class body (what runs when the learner's code runs)."""

    path: str
    cell: int | None
    line: int
    strong: bool
    how: str  # "imports" | "uses"
    owner: str | None = None
    in_network: bool = False


class Graph:
    """The outlines of a target's files, read on demand, and what their names mean."""

    def __init__(self, resolver: Resolver, area: Area):
        self.resolver, self.area = resolver, area
        self.outlines: dict[str, Outline | None] = {}
        self.problems: dict[str, tuple[str, bool]] = {}  # path -> (message, file not read)
        self._modules: dict[tuple, Found | None] = {}
        self._meanings: dict[tuple, object] = {}

    def outline(self, path: str) -> Outline | None:
        """The outline of a file (read once), or None if it cannot be read."""
        key = os.path.realpath(path)
        if key not in self.outlines:
            self.outlines[key] = None  # (a file importing itself must not loop)
            try:
                source = read(path, self.area)
            except SourceError as exc:
                self.problems[path] = (str(exc), True)
                return None
            except OSError as exc:  # vanished between the walk and the read
                self.problems[path] = (f"not readable ({exc.strerror}): not read", True)
                return None
            result = outline(source)
            bad = uncompilable(source.chunks, path)
            result.definitions = [d for d in result.definitions if (d.cell, d.line) not in bad]
            if bad or source.problems:
                self.problems[path] = ("; ".join([*source.problems, *bad.values()]), False)
            self.outlines[key] = result
        return self.outlines[key]

    def search_path(self, o: Outline) -> list[str]:
        return self.resolver.search_path(o.path, o.path_front, o.path_back)

    def module(self, o: Outline, module: str, level: int) -> Found | None:
        key = (o.path, module, level)
        if key not in self._modules:
            self._modules[key] = self.resolver.relative(o.path, module, level) if level else \
                self.resolver.find(module, self.search_path(o))
        return self._modules[key]

    def exports(self, found: Found, name: str, seen=frozenset()) -> bool:
        """True if ``from <found> import *`` binds ``name``."""
        o = self.outline(found.path) if found.kind != "namespace" else None
        if o is None or (found.key, name) in seen:
            return False
        if o.all_names is not None:
            return name in o.all_names
        if name.startswith("_"):
            return False
        seen = seen | {(found.key, name)}
        return name in o.bindings or any(
            (m := self.module(o, s.module, s.level)) is not None and self.exports(m, name, seen)
            for s in o.stars)

    def exported_names(self, found: Found, seen=frozenset()) -> set:
        """Every name ``from <found> import *`` binds."""
        o = self.outline(found.path) if found.kind != "namespace" else None
        if o is None or found.key in seen:
            return set()
        if o.all_names is not None:
            return set(o.all_names)
        names = {n for n in o.bindings if not n.startswith("_")}
        for star in o.stars:
            mod = self.module(o, star.module, star.level)
            names |= self.exported_names(mod, seen | {found.key}) if mod is not None else set()
        return names

    def lookup(self, found: Found, attr: str, seen=frozenset()):
        """What ``<module>.attr`` is: a RawDef, a Found (a submodule), OTHER or None."""
        if (found.key, attr) in seen:
            return None
        seen = seen | {(found.key, attr)}
        if found.kind != "namespace":
            o = self.outline(found.path)
            meaning = self.meaning(o, attr, seen=seen) if o is not None else None
            if meaning is not None:
                return meaning
        if found.kind != "module":
            return self.resolver.find_in(attr, found.portions)
        return None

    def meaning(self, o: Outline, name: str, before: int | None = None, seen=frozenset()):
        """What ``name`` means in file ``o``: at call time, or just before statement
        ``before``. A RawDef, a Found (a module), OTHER, or None (not bound)."""
        if seen:
            return self._meaning(o, name, before, seen)
        key = (o.path, name, before)
        if key not in self._meanings:
            self._meanings[key] = self._meaning(o, name, before, seen)
        return self._meanings[key]

    def _meaning(self, o, name, before, seen):
        events = [b for b in [*o.bindings.get(name, ()), *o.stars]
                  if before is None or b.order < before]
        for b in sorted(events, key=lambda b: b.order, reverse=True):
            if b.how == "star":
                mod = self.module(o, b.module, b.level)
                if mod is not None and self.exports(mod, name):
                    found = self.lookup(mod, name, seen)
                    return OTHER if found is None else found
                continue
            if b.how == "def":
                return b.definition or OTHER
            if b.how != "import":
                return OTHER
            if b.attr is None:
                return self.resolver.find(b.module, self.search_path(o)) or OTHER
            mod = self.module(o, b.module, b.level)
            found = self.lookup(mod, b.attr, seen) if mod is not None else None
            return OTHER if found is None else found
        return None

    def uses(self, consumers) -> dict[int, list[Use]]:
        """``id(RawDef)`` -> where the ``consumers`` (outlines) use it."""
        found: dict[int, list[Use]] = {}

        def add(target, o, cell, line, strong, how, owner=None, in_network=False):
            if isinstance(target, RawDef):
                found.setdefault(id(target), []).append(
                    Use(o.path, cell, line, strong, how, owner, in_network))

        for o in consumers:
            for b in o.imports:
                if b.attr is not None:
                    mod = self.module(o, b.module, b.level)
                    add(mod and self.lookup(mod, b.attr), o, b.cell, b.line, True, "imports")
            for name, refs in o.refs.items():
                for ref in refs:
                    target = self.meaning(o, name, None if ref.in_body else ref.order)
                    if isinstance(target, RawDef) and target.order == ref.order and \
                            target.path == o.path:
                        continue  # a definition reading its own name (recursion)
                    add(target, o, ref.cell, ref.line, ref.in_body, "uses", ref.owner,
                        ref.in_network)
            for chain, ref in o.chains:
                target = self.meaning(o, chain[0], None if ref.in_body else ref.order)
                for attr in chain[1:]:
                    if not isinstance(target, Found):
                        break
                    target = self.lookup(target, attr)
                add(target, o, ref.cell, ref.line, ref.in_body, "uses", ref.owner,
                    ref.in_network)
        return found
