"""Load a learner's definitions without running the scripts in their files.

Book-style files mix definitions with scripts: training loops, ``plt.show()``,
dataset downloads, ``input()``, ``sys.exit()``. Only these top-level
statements are executed, one at a time:

* ``import`` / ``from ... import`` (a failed import is noted, not fatal);
* ``def`` and ``class`` statements;
* assignments whose value calls nothing (constants, aliases, lambdas);
* ``if`` / ``try`` blocks made only of the above (``try: import x except ...``).

Everything else, ``if __name__ == "__main__":`` blocks included, is skipped and
listed. Modules that these files import from the target's folders go through
the same loader (an import hook limited to those folders), so
``sys.path.append(os.pardir); from common.functions import *`` works as in
the book without running anything else.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import os
import sys
from dataclasses import dataclass, field

__all__ = ["FileLog", "LOGS", "SafeFinder", "filter_statements", "load_file", "exec_safely"]


@dataclass
class FileLog:
    """What loading one file ran, skipped and could not do."""

    path: str
    skipped: list = field(default_factory=list)  # "line N: what"
    failed: list = field(default_factory=list)  # "line N: error"
    script_names: set = field(default_factory=set)
    definitions: int = 0


LOGS: dict[str, FileLog] = {}
"""Absolute path -> log, for every file loaded in this process."""


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def _calls_something(node: ast.AST) -> bool:
    """True if evaluating ``node`` calls a function (lambda bodies are not evaluated)."""
    if isinstance(node, ast.Lambda):
        return any(_calls_something(d) for d in node.args.defaults + node.args.kw_defaults
                   if d is not None)
    if isinstance(node, ast.Call | ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr):
        return True
    return any(_calls_something(child) for child in ast.iter_child_nodes(node))


def _keep(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
                  | ast.ClassDef | ast.Pass):
        return True
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Constant)  # a docstring
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        return stmt.value is not None and not _calls_something(stmt.value)
    if isinstance(stmt, ast.If):
        return (not _is_main_guard(stmt.test) and not _calls_something(stmt.test)
                and all(_keep(s) for s in stmt.body + stmt.orelse))
    if isinstance(stmt, ast.Try):
        inner = stmt.body + stmt.orelse + stmt.finalbody
        inner += [s for handler in stmt.handlers for s in handler.body]
        return all(_keep(s) for s in inner)
    return False


def _describe(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
        return "if __name__ == '__main__': block"
    kind = {ast.For: "for loop", ast.While: "while loop", ast.With: "with block"}.get(type(stmt))
    text = ast.unparse(stmt).splitlines()[0]
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{kind}: {text}" if kind else text


def _assigned_names(stmt: ast.stmt) -> set:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def filter_statements(tree: ast.Module):
    """Split a module's top-level statements into (kept, skipped descriptions, script names)."""
    kept, skipped, script_names = [], [], set()
    for stmt in tree.body:
        if _keep(stmt):
            kept.append(stmt)
        else:
            skipped.append(f"line {stmt.lineno}: {_describe(stmt)}")
            script_names |= _assigned_names(stmt)
    return kept, skipped, script_names


def exec_safely(source: str, path: str, namespace: dict) -> FileLog:
    """Execute the kept statements of ``source`` in ``namespace``; return the log.

    Raises ``SyntaxError`` if the file does not parse.
    """
    log = LOGS.setdefault(os.path.abspath(path), FileLog(path))
    tree = ast.parse(source, filename=path)
    kept, log.skipped, log.script_names = filter_statements(tree)
    for stmt in kept:
        code = compile(ast.Module(body=[stmt], type_ignores=[]), path, "exec")
        try:
            exec(code, namespace)
        except (Exception, SystemExit) as exc:
            log.failed.append(f"line {stmt.lineno}: {_describe(stmt)} -> "
                              f"{type(exc).__name__}: {str(exc)[:120]}")
            log.script_names |= _assigned_names(stmt)
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                log.script_names |= {a.asname or a.name.split(".")[0] for a in stmt.names}
        else:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                log.definitions += 1
    return log


class SafeLoader(importlib.abc.Loader):
    """Loads a module from source with :func:`exec_safely`."""

    def __init__(self, path: str):
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            source = fh.read()
        exec_safely(source, self.path, module.__dict__)


class SafeFinder(importlib.abc.MetaPathFinder):
    """An import hook: modules whose file lies under ``roots`` load with :class:`SafeLoader`."""

    def __init__(self, roots=()):
        self.roots = [os.path.abspath(r) for r in roots]
        # never re-load what is already imported (gradlab itself, numpy, jax ...), even if
        # a target folder happens to contain it
        self.protected = {name.split(".")[0] for name in sys.modules} | {"gradlab"}

    def add_root(self, root: str) -> None:
        root = os.path.abspath(root)
        if root not in self.roots:
            self.roots.append(root)
        if root not in sys.path:
            sys.path.append(root)

    def _inside(self, path: str) -> bool:
        path = os.path.abspath(path)
        return any(path == r or path.startswith(r + os.sep) for r in self.roots)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.protected:
            return None
        search = list(path) if path is not None else self.roots
        if not any(self._inside(p) for p in search):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return None
        if not self._inside(spec.origin):
            return None
        spec.loader = SafeLoader(spec.origin)
        return spec


def load_file(path: str, finder: SafeFinder, name: str | None = None):
    """Load one file safely as a module (its folder and the folder above go on the path,
    as ``sys.path.append(os.pardir)`` in the book's chapter folders expects)."""
    import importlib.util

    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    for root in (folder, os.path.dirname(folder)):
        finder.add_root(root)
    stem = os.path.splitext(os.path.basename(path))[0]
    if name is None:
        name = stem if stem.isidentifier() and stem not in sys.modules else \
            f"_gradlab_target_{len(LOGS)}_{stem if stem.isidentifier() else 'module'}"
    existing = sys.modules.get(name)
    if existing is not None and os.path.abspath(getattr(existing, "__file__", "") or "") == path:
        return existing
    spec = importlib.util.spec_from_file_location(name, path, loader=SafeLoader(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
