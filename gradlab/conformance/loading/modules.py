"""Module targets (``gradlab verify mypkg.mod``): found by the judge, imported by the executor.

The judge resolves the name to its file without importing anything, on an explicit
search path: the current folder, ``PYTHONPATH``, the standard library and the site
folders with the paths their ``.pth`` files add (and setuptools' editable-install
mappings) — the same whether verify was started as ``gradlab verify`` or ``python -m
gradlab verify``. The executor puts that path in front of ``sys.path`` and imports the
module in full, as Python does: a module target's code all runs, scripts included.
Its definitions are what its namespace holds, read with :mod:`inspect`.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import os
import site
import sys
import sysconfig

from .files import SourceError, decode_source, read_bytes
from .names import alias_rank, canonical_name
from .outline import outline
from .plan import Definition, Discovery, Problem
from .sources import Chunk, Source
from .syntax import parse

__all__ = ["module_search_path", "find_module", "discover_module", "load_module",
           "namespace_definitions", "pth_paths"]

_NOT_USER = frozenset({"numpy", "jax", "jaxlib", "builtins", "math", "scipy", "torch",
                       "functools", "operator"})
_EXTENSIONS = (".py", ".so", ".pyd")


def pth_paths(folder: str) -> list[str]:
    """The folders a site folder's ``.pth`` files add (their ``import`` lines are not run)."""
    found = []
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".pth"))
    except OSError:
        return found
    for name in names:
        try:
            lines = read_bytes(os.path.join(folder, name), None, 100_000).decode(
                "utf-8", "replace").splitlines()
        except SourceError:
            continue
        for line in lines:
            line = line.strip()
            if line and not line.startswith(("#", "import ", "import\t")):
                found.append(os.path.normpath(os.path.join(folder, line)))
    return found


def module_search_path(cwd: str | None = None, environ=None) -> list[str]:
    """Where a module target is looked for, in order (existing folders only)."""
    environ = os.environ if environ is None else environ
    entries = [cwd or os.getcwd()]
    entries += [os.path.abspath(p) for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths = sysconfig.get_paths()
    entries += [paths["stdlib"], os.path.join(paths["platstdlib"], "lib-dynload")]
    sites = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        sites.append(site.getusersitepackages())
    for folder in sites:
        entries += [folder, *pth_paths(folder)]
    return [e for e in dict.fromkeys(entries) if os.path.isdir(e)]


def _editable(search) -> dict:
    """Top-level name -> folder, from setuptools' ``__editable___*_finder.py`` mappings."""
    mapping = {}
    for folder in search:
        try:
            names = [n for n in os.listdir(folder) if n.startswith("__editable___")
                     and n.endswith("_finder.py")]
        except OSError:
            continue
        for name in names:
            try:
                tree = ast.parse(decode_source(read_bytes(os.path.join(folder, name), None)))
            except (SourceError, SyntaxError, ValueError):
                continue
            for stmt in tree.body:
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
                    stmt.targets[0] if isinstance(stmt, ast.Assign) else None)
                if isinstance(target, ast.Name) and target.id == "MAPPING":
                    try:
                        mapping.update(ast.literal_eval(stmt.value))
                    except (ValueError, TypeError, SyntaxError):
                        pass
    return mapping


def _in(name: str, folders) -> str | None:
    for folder in folders:
        init = os.path.join(folder, name, "__init__.py")
        if os.path.isfile(init):
            return init
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in sorted(entries):
            if entry.partition(".")[0] == name and entry.endswith(_EXTENSIONS) and \
                    os.path.isfile(os.path.join(folder, entry)):
                return os.path.join(folder, entry)
    for folder in folders:
        if os.path.isdir(os.path.join(folder, name)):
            return os.path.join(folder, name)  # a namespace package
    return None


def find_module(dotted: str, search) -> tuple[str, str] | None:
    """``(file or folder, search entry)`` of module ``dotted``, importing nothing."""
    top, *rest = dotted.split(".")
    mapped = _editable(search).get(top)
    entry = None
    if mapped and os.path.isdir(mapped):
        found, entry = (os.path.join(mapped, "__init__.py") if os.path.isfile(
            os.path.join(mapped, "__init__.py")) else mapped), os.path.dirname(mapped)
    else:
        found = None
        for folder in search:
            found = _in(top, [folder])
            if found is not None:
                entry = folder
                break
    for part in rest:
        if found is None or not (found.endswith("__init__.py") or os.path.isdir(found)):
            return None
        found = _in(part, [os.path.dirname(found) if found.endswith("__init__.py") else found])
    return None if found is None else (found, entry)


def discover_module(target: str, label: str | None = None, *, cwd=None) -> Discovery:
    """The plan of a module target: its file and search path (no definitions yet)."""
    label = target if label is None else label
    search = tuple(module_search_path(cwd))
    if not all(p.isidentifier() for p in target.split(".")):
        return Discovery("module", target, "", label, problems=(Problem(
            target, "error", "not a module name (dotted identifiers, like mypkg.nets)"),),
            search_path=search)
    if target.partition(".")[0] in sys.builtin_module_names:
        return Discovery("module", target, "", label, search_path=search)
    found = find_module(target, search)
    if found is None:
        return Discovery("module", target, "", label, problems=(Problem(
            target, "error", f"no module named {target!r} in the current folder, PYTHONPATH "
                             f"or the site folders"),), search_path=search)
    return Discovery("module", target, found[1], label, files=(found[0],), search_path=search)


def _source_tree(path: str):
    try:
        text = decode_source(read_bytes(path, None))
        return outline(Source(path, [Chunk(None, text, parse(text, path))]))
    except (SourceError, OSError):
        return None


def _describe(obj, alias, name, kind, root, trees) -> Definition:
    try:
        path = inspect.getsourcefile(obj) or ""
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        path, line = "", 0
    rel = os.path.relpath(path, root) if path and root else (path or f"<{alias}>")
    if path and path not in trees:
        trees[path] = _source_tree(path)
    tree = trees.get(path)
    raw = next((d for d in tree.definitions
                if d.alias == getattr(obj, "__name__", alias) and d.line == line),
               None) if tree is not None else None
    fields = dict(params=raw.params, methods=raw.methods, names=raw.names) if raw else {}
    return Definition(f"{rel}:{line}", name, alias, kind, path, rel, line, None, role="headline",
                      note=f"the module's attribute {alias}", **fields)


def namespace_definitions(module, root: str):
    """``[(Definition, object)]`` for the book names in a module's namespace."""
    out, seen, trees = [], {}, {}
    for alias, obj in sorted(vars(module).items(), key=lambda kv: alias_rank(kv[0])):
        kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else None
        name = canonical_name(alias, kind) if kind else None
        top = (getattr(obj, "__module__", "") or "").partition(".")[0]
        if name is None or top in _NOT_USER or id(obj) in seen:
            continue
        d = _describe(obj, alias, name, kind, root, trees)
        if any(o.name == name for o, _ in out):
            d = dataclasses.replace(d, role="alternative", note=f"the module's attribute "
                                                                f"{alias}; {name} is also there")
        seen[id(obj)] = d
        out.append((d, obj))
    return out


def load_module(plan: Discovery):
    """Import a module target in full and read its namespace (executor side)."""
    from .loader import Loaded

    sys.path[:0] = [p for p in plan.search_path if p not in sys.path]
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(plan.target)
    except (Exception, SystemExit) as exc:
        return Loaded(problems=[Problem(plan.target, "error", f"importing {plan.target} "
                                        f"failed: {type(exc).__name__}: {str(exc)[:300]}")])
    problems = []
    where = getattr(module, "__file__", None)
    if plan.files and where and os.path.realpath(where) != os.path.realpath(plan.files[0]):
        problems.append(Problem(plan.target, "warn", f"imported from {where}, not from "
                                f"{plan.files[0]} where the judge found it"))
    pairs = namespace_definitions(module, plan.root)
    return Loaded({d.id: obj for d, obj in pairs}, tuple(d for d, _ in pairs), [], problems)
