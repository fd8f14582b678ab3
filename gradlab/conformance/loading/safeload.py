"""Run a learner's file without running its scripts: which statements run, exactly.

Book-style files mix definitions with scripts (training loops, ``plt.show()``,
dataset downloads, ``input()``, ``sys.exit()``). The loader runs top-level
statements one at a time, in order, in the module's namespace, and only these:

* ``import`` and ``from ... import``. Importing runs the imported module: a module of
  the target is loaded by these same rules (the import hook, :mod:`.importer`); any
  other module (NumPy, the standard library, installed packages) is imported as
  usual, in full.
* ``def`` statements, which evaluates their decorators and default values.
* ``class`` statements, which runs the class body (every statement in it), the base
  class and ``metaclass=`` expressions, the metaclass and the bases'
  ``__init_subclass__``.
* Assignments whose value calls nothing: constants, ``name = other``, lambdas,
  ``x[0]``, ``a.b``, ``f"{k}"``, ``k + 1``. The value and the target are still
  evaluated, so operators, attribute access, indexing, iteration and formatting can
  run methods the code defines (``__add__``, ``__getattr__``, ``__format__``, ...).
* ``type X = ...`` aliases (Python 3.12+; their value is evaluated lazily).
* ``if``/``try`` blocks made only of the above whose tests call nothing
  (``try: import cupy as np`` / ``except ImportError: import numpy as np``); the
  tests and the ``except`` clause types are evaluated. An ``if`` block whose test
  calls nothing but whose branches hold other statements too runs with only these
  kept in each branch (``if GPU: import cupy as np; print(...)`` / ``else: import
  numpy as np``); what it leaves out is listed.
* Docstrings and ``pass``.

Everything else is skipped and listed: calls (``main()``, ``plt.show()``,
``sys.path.append(...)``), ``for``/``while`` loops, ``with`` blocks, ``if __name__ ==
"__main__":`` blocks, assignments that call something (``x = np.arange(3)``),
``del``, ``assert``, ``raise``, ``global`` — and an assignment or block that reads a
name only a skipped (or failed) statement would have set (``train_size =
x_train.shape[0]`` after a skipped ``load_mnist()``), which could only fail.

A statement that raises is recorded (the exception, and the name for NameError and
ImportError) and loading goes on. The names that skipped or failed statements would
have set, and the names whose import failed, are listed per file, so that a check
that later dies with NameError can say which of the two it was.

This is a convenience, not a boundary: what runs can do anything Python can. The
executor's sandbox is what contains it.
"""

from __future__ import annotations
import __future__

import ast
import linecache
from dataclasses import dataclass, field

from .signatures import source_text
from .sources import Source, chunk_label

__all__ = ["Failure", "FileLog", "filter_statements", "keep", "prune", "run_source"]

ALWAYS_KEPT = frozenset({"Import", "ImportFrom", "FunctionDef", "AsyncFunctionDef", "ClassDef",
                         "Pass", "TypeAlias"})
"""Statement kinds (``ast`` class names) that always run."""
_CALLS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class Failure:
    """A kept statement that raised while the file loaded."""

    cell: int | None
    line: int
    statement: str
    error: str
    message: str
    name: str | None = None  # NameError.name, or the module an ImportError could not find

    def text(self) -> str:
        return f"{chunk_label(self.cell, self.line)}: {self.statement} -> {self.error}: " \
               f"{self.message}"


@dataclass
class FileLog:
    """What loading one file ran, skipped and could not do."""

    path: str
    relpath: str = ""
    skipped: list = field(default_factory=list)  # "line N: what"
    failed: list = field(default_factory=list)  # [Failure]
    script_names: set = field(default_factory=set)  # set by skipped or failed statements
    import_failed: dict = field(default_factory=dict)  # bound name -> "line N: Error: ..."
    ipython: list = field(default_factory=list)  # notebook lines set aside
    notes: list = field(default_factory=list)
    definitions: int = 0

    def to_json(self) -> dict:
        return {"path": self.path, "relpath": self.relpath, "skipped": list(self.skipped),
                "failed": [vars(f) for f in self.failed],
                "script_names": sorted(self.script_names),
                "import_failed": dict(self.import_failed), "ipython": list(self.ipython),
                "notes": list(self.notes), "definitions": self.definitions}

    @classmethod
    def from_json(cls, d: dict) -> FileLog:
        try:
            failed = [Failure(**f) for f in d["failed"]]
            return cls(str(d["path"]), str(d["relpath"]), [str(s) for s in d["skipped"]],
                       failed, {str(n) for n in d["script_names"]},
                       {str(k): str(v) for k, v in d["import_failed"].items()},
                       [str(s) for s in d["ipython"]], [str(s) for s in d["notes"]],
                       int(d["definitions"]))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"file log: malformed ({type(exc).__name__}: {exc})") from None


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def calls_something(node: ast.AST) -> bool:
    """True if evaluating ``node`` calls a function (a lambda's body is not evaluated)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, _CALLS):
            return True
        if isinstance(current, ast.Lambda):
            stack += [d for d in current.args.defaults + current.args.kw_defaults if d]
        else:
            stack += ast.iter_child_nodes(current)
    return False


def keep(stmt: ast.stmt) -> bool:
    """True if the loader runs this top-level statement (see the module docstring)."""
    if type(stmt).__name__ in ALWAYS_KEPT:
        return True
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Constant)  # a docstring
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        return stmt.value is not None and not calls_something(stmt.value)
    if isinstance(stmt, ast.If):
        return (not _is_main_guard(stmt.test) and not calls_something(stmt.test)
                and all(keep(s) for s in stmt.body + stmt.orelse))
    if isinstance(stmt, ast.Try):
        inner = stmt.body + stmt.orelse + stmt.finalbody
        inner += [s for handler in stmt.handlers for s in handler.body]
        return all(keep(s) for s in inner)
    return False


def prune(stmt: ast.stmt, text: str = "", cell: int | None = None):
    """``(statement, skipped)``: an ``if`` block whose test calls nothing, with only the
    statements :func:`keep` allows left in each branch (``if GPU: import cupy as np;
    np.cuda.set_allocator(...)`` / ``else: import numpy as np`` keeps both imports), and
    the descriptions of what it left out; any other statement unchanged."""
    if not isinstance(stmt, ast.If) or keep(stmt) or _is_main_guard(stmt.test) \
            or calls_something(stmt.test):
        return stmt, []
    skipped = []

    def branch(body):
        out = []
        for inner in body:
            inner, left_out = prune(inner, text, cell)
            skipped.extend(left_out)
            if keep(inner):
                out.append(inner)
            else:
                skipped.append(f"{chunk_label(cell, inner.lineno)}: {describe(inner, text)}")
        return out

    body, orelse = branch(stmt.body), branch(stmt.orelse)
    if not body and not orelse:
        return stmt, []
    pruned = ast.If(test=stmt.test, body=body or [ast.Pass()], orelse=orelse)
    return ast.fix_missing_locations(ast.copy_location(pruned, stmt)), skipped


def describe(stmt: ast.stmt, text: str = "") -> str:
    """A one-line description of a statement (``"for loop: for i in range(10):"``)."""
    if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
        return "if __name__ == '__main__': block"
    kind = {ast.For: "for loop", ast.While: "while loop", ast.With: "with block"}.get(type(stmt))
    segment = source_text(text, stmt)
    first = segment.strip().splitlines()[0] if segment.strip() else type(stmt).__name__
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"{kind}: {first}" if kind else first


def _assigned_names(stmt: ast.stmt) -> set:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def _read_names(stmt: ast.stmt) -> set:
    """Names a statement reads when it runs (not inside lambdas, defs or classes)."""
    found, stack = set(), [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        if isinstance(node, ast.Lambda):
            stack += [d for d in node.args.defaults + node.args.kw_defaults if d]
        elif node is stmt or not isinstance(node, _DEFS):
            stack += ast.iter_child_nodes(node)
    return found


def _import_names(stmt) -> list[str]:
    if isinstance(stmt, ast.Import):
        return [a.asname or a.name.partition(".")[0] for a in stmt.names]
    return [a.asname or a.name for a in stmt.names]


def filter_statements(tree: ast.Module, text: str = "", cell: int | None = None):
    """Split a module's top-level statements into (kept, skipped descriptions, script names)."""
    kept, skipped, script_names = [], [], set()
    for stmt in tree.body:
        if keep(stmt):
            kept.append(stmt)
        else:
            skipped.append(f"{chunk_label(cell, stmt.lineno)}: {describe(stmt, text)}")
            script_names |= _assigned_names(stmt)
    return kept, skipped, script_names


def _future_flags(stmt, flags: int) -> int:
    if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
        for alias in stmt.names:
            feature = getattr(__future__, alias.name, None)
            flags |= getattr(feature, "compiler_flag", 0)
    return flags


def run_source(source: Source, namespace: dict, log: FileLog, capture=None) -> None:
    """Run the kept statements of ``source`` in ``namespace``, recording into ``log``.

    ``capture(cell, line, name, obj)`` is called for every top-level ``def``/``class``
    and every assignment to a plain name, right after it ran: a name defined twice in
    one file gives two objects.
    """
    flags, unset = 0, set()  # unset: names only skipped or failed statements would set
    for chunk in source.chunks:
        filename = source.path if chunk.cell is None else f"{source.path} cell {chunk.cell}"
        if chunk.cell is not None:
            linecache.cache[filename] = (len(chunk.text), None,
                                         chunk.text.splitlines(True), filename)
        for stmt in chunk.tree.body:
            stmt, left_out = prune(stmt, chunk.text, chunk.cell)
            log.skipped.extend(left_out)
            if not keep(stmt):
                log.skipped.append(f"{chunk_label(chunk.cell, stmt.lineno)}: "
                                   f"{describe(stmt, chunk.text)}")
                unset |= _assigned_names(stmt)
                log.script_names |= _assigned_names(stmt)
                continue
            needs = sorted(_read_names(stmt) & unset) if not isinstance(stmt, _DEFS) else []
            if needs:
                log.skipped.append(f"{chunk_label(chunk.cell, stmt.lineno)}: "
                                   f"{describe(stmt, chunk.text)} (needs {needs[0]}, which "
                                   f"only a skipped statement sets)")
                unset |= _assigned_names(stmt)
                log.script_names |= _assigned_names(stmt)
                continue
            unset -= _assigned_names(stmt) | set(_import_names(stmt) if isinstance(
                stmt, ast.Import | ast.ImportFrom) else ()) | (
                {stmt.name} if isinstance(stmt, _DEFS) else set())
            flags = _future_flags(stmt, flags)
            try:
                code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec",
                               flags=flags, dont_inherit=True)
                exec(code, namespace)
            except (Exception, SystemExit) as exc:
                _record(log, chunk, stmt, exc)
                unset |= _assigned_names(stmt)
                continue
            if isinstance(stmt, _DEFS):
                log.definitions += 1
                if capture:
                    capture(chunk.cell, stmt.lineno, stmt.name, namespace.get(stmt.name))
            elif capture and isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in namespace:
                        capture(chunk.cell, stmt.lineno, t.id, namespace[t.id])


def _record(log: FileLog, chunk, stmt, exc: BaseException) -> None:
    name = getattr(exc, "name", None) if isinstance(exc, NameError | ImportError) else None
    failure = Failure(chunk.cell, stmt.lineno, describe(stmt, chunk.text), type(exc).__name__,
                      str(exc)[:200], name if isinstance(name, str) else None)
    log.failed.append(failure)
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        why = f"{chunk_label(chunk.cell, stmt.lineno)}: {failure.error}: {failure.message}"
        for bound in _import_names(stmt):
            log.import_failed[bound if bound != "*" else f"* from {stmt.module}"] = why
    else:
        log.script_names |= _assigned_names(stmt)
