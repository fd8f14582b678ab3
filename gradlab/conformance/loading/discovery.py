"""The judge's side of loading: read a file, notebook or folder without running any of it.

Every top-level definition of a book name under the target is found (functions,
classes, ``name = other`` aliases), with its signature; the imports of every file
are followed (:mod:`.usage`) to learn which definition the target's own code uses;
:mod:`.choose` gives each definition its role. Nothing is imported or executed, and
no file that is not a regular file is ever opened; a file that cannot be read is one
:class:`~.plan.Problem` and every other file is still read.
"""

from __future__ import annotations

import ast
import hashlib
import os

from .choose import roles, version
from .files import Area, walk
from .imports import Resolver
from .names import BOOK_NAMES, alias_rank, canonical_name
from .outline import RawDef
from .plan import Definition, Discovery, Problem
from .usage import Graph

__all__ = ["discover_files"]

BOOK_ORDER = {b.name: i for i, b in enumerate(BOOK_NAMES)}


def _within(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _namespace(graph: Graph, o) -> dict:
    """Book name -> the RawDef a file's namespace holds for it once the file has run."""
    names = set(o.bindings)
    for star in o.stars:
        mod = graph.module(o, star.module, star.level)
        names |= graph.exported_names(mod) if mod is not None else set()
    held: dict[str, RawDef] = {}
    for name in sorted(names, key=alias_rank):
        raw = graph.meaning(o, name)
        if isinstance(raw, RawDef) and raw.name not in held:
            held[raw.name] = raw
    return held


def discover_files(kind: str, target: str, label: str | None = None) -> Discovery:
    """Discover a ``"file"``, ``"notebook"`` or ``"dir"`` target (see :func:`.discover`)."""
    target = os.path.abspath(target)
    root = target if kind == "dir" else os.path.dirname(target)
    label = target if label is None else label
    area = Area.around(root, os.path.dirname(root))
    graph = Graph(Resolver(area, roots=(root,)), area)
    rel = lambda p: os.path.relpath(p, root)  # noqa: E731
    problems = []
    if not os.path.lexists(target):
        return Discovery(kind, target, root, label, problems=(
            Problem(os.path.basename(target), "error", "no such file or directory"),),
            roots=area.roots)
    if kind == "dir":
        paths, walked = walk(root, area)
        problems += [Problem(rel(p), "warn", m) for p, m in walked]
    else:
        paths = [target]
    consumers = [o for p in paths if (o := graph.outline(p)) is not None]
    uses = graph.uses(consumers)
    forced: dict[str, RawDef] = {}
    candidates = [d for o in consumers for d in o.definitions]
    if kind == "dir":
        external = [d for o in graph.outlines.values() if o is not None
                    for d in o.definitions if id(d) in uses and not _within(d.path, root)]
        candidates += external
    elif consumers:
        forced = _namespace(graph, consumers[0])
        candidates += [d for d in forced.values() if all(d is not c for c in candidates)]
    for path, (message, unread) in graph.problems.items():
        severe = unread and kind != "dir" and os.path.realpath(path) == os.path.realpath(target)
        problems.append(Problem(rel(path), "error" if severe else "warn", message))
    digests = {id(raw): digest(raw, graph.outline(raw.path)) for raw in candidates}
    definitions = _definitions(candidates, uses, forced, root, digests)
    files = tuple(dict.fromkeys(d.path for d in definitions)) if kind == "dir" else (
        (target,) if consumers else ())
    return Discovery(kind, target, root, label, tuple(definitions), tuple(problems), files,
                     roots=area.roots)


_PURE_MODULES = frozenset({"numpy", "math"})


def digest(raw: RawDef, o) -> str:
    """A fingerprint of a definition whose behaviour is its source alone (it reads no
    top-level name of its file but the imported numpy or math, and the file has no star
    import); empty otherwise. Two definitions with one digest behave the same."""
    node = raw.node
    if node is None or raw.kind == "alias" or o is None or o.stars:
        return ""
    loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Load)}
    stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store | ast.Del)}
    stored |= {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments)
               for a in [*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg] if a}
    for name in loaded - stored - {raw.alias}:
        for b in o.bindings.get(name, ()):
            if not (b.how == "import" and b.attr is None
                    and b.module.split(".")[0] in _PURE_MODULES):
                return ""
    return hashlib.sha1(ast.dump(node).encode()).hexdigest()[:16]


def _where(raw: RawDef, root: str) -> str:
    rel = os.path.relpath(raw.path, root)
    return f"{rel}:{raw.line}" if raw.cell is None else f"{rel} cell {raw.cell}, line {raw.line}"


def _definitions(candidates, uses, forced, root, digests) -> list[Definition]:
    by_name: dict[str, list[RawDef]] = {}
    for raw in candidates:
        by_name.setdefault(raw.name, []).append(raw)
    out, ids = [], set()
    rel = lambda p: os.path.relpath(p, root)  # noqa: E731
    for name, raws in sorted(by_name.items(), key=lambda kv: BOOK_ORDER[kv[0]]):
        for raw, role, note in roles(raws, uses, rel, lambda r: _where(r, root),
                                     forced.get(name)):
            base = f"{rel(raw.path)}:{raw.line}" if raw.cell is None else \
                f"{rel(raw.path)}#{raw.cell}:{raw.line}"
            ident = base if base not in ids else f"{base}:{raw.alias}"
            ids.add(ident)
            used_by = tuple(dict.fromkeys(
                f"{rel(u.path)}:{u.line}" if u.cell is None else
                f"{rel(u.path)} cell {u.cell}, line {u.line}" for u in uses.get(id(raw), ())))
            v = version(raw)
            # relied on beyond its version: one of the book's networks or layers uses it
            # (the checks feed those batches; a script that predicts one image at a time,
            # a gradient_descent of a 1-D x, an RNN of its own stay within the version)
            relied_on = any(u.strong and u.owner is not None
                            and canonical_name(u.owner, "class") is not None
                            for u in uses.get(id(raw), ()))
            out.append(Definition(ident, raw.name, raw.alias, raw.kind, raw.path, rel(raw.path),
                                  raw.line, raw.cell, raw.params, raw.methods, raw.names, role,
                                  note, raw.refers_to, used_by, v.note or "",
                                  () if relied_on else v.outside, digests.get(id(raw), "")))
    return out
