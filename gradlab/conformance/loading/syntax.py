"""Parse Python source and say plainly why a file does not parse.

A file written for a newer Python than the one running verify fails with "invalid
syntax"; :func:`parse` recognises the constructs that newer versions added and names
the version a file needs. Parser crashes on huge or deeply nested expressions
(``RecursionError``, ``MemoryError``) become a :class:`~.files.SourceError` too.
"""

from __future__ import annotations

import ast
import re
import sys

from .files import SourceError

__all__ = ["parse", "newer_syntax", "uncompilable", "NEWER_SYNTAX", "NEWER_PYTHON",
           "needs_newer_python"]

NEWER_SYNTAX: tuple[tuple[re.Pattern, tuple[int, int], str], ...] = (
    (re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(\[[^\]]*\])?\s*="), (3, 12),
     "a `type X = ...` alias statement (PEP 695)"),
    (re.compile(r"^\s*(async\s+)?def\s+[A-Za-z_]\w*\s*\["), (3, 12),
     "a generic function `def f[T](...)` (PEP 695)"),
    (re.compile(r"^\s*class\s+[A-Za-z_]\w*\s*\["), (3, 12),
     "a generic class `class C[T]:` (PEP 695)"),
    (re.compile(r"^\s*except\*?\s+[^\s(:][^:]*,[^:]*:"), (3, 14),
     "`except A, B:` without parentheses (PEP 758; or Python 2's `except E, e:`)"),
    (re.compile(r"(?<![\w'\"])([tT][rR]?|[rR][tT])(['\"])"), (3, 14),
     "a template string t'...' (PEP 750)"),
)
"""(pattern on the failing line, the Python that accepts it, what it is)."""
_FSTRING = ((3, 12), "an f-string that reuses its quotes, or has a backslash or a comment "
                     "inside {} (PEP 701)")


NEWER_PYTHON = "needs Python {}.{} or newer"
"""How a file that only a newer Python can read is described (see :func:`needs_newer_python`)."""


def needs_newer_python(message: str) -> bool:
    """Does ``message`` (a :class:`SourceError`'s, or one that quotes it) say that the file
    needs a newer Python than verify runs on? Then verify could not check it: that is
    verify's limitation, not the learner's bug."""
    return re.search(NEWER_PYTHON.replace(".", r"\.").format(r"\d+", r"\d+"), message) \
        is not None


def newer_syntax(exc: SyntaxError, lines: list[str],
                 running: tuple[int, int] | None = None) -> tuple[tuple[int, int], str] | None:
    """``(version, construct)`` if ``exc`` is a construct a newer Python accepts, else None."""
    running = running or sys.version_info[:2]
    candidates = []
    if exc.msg and exc.msg.startswith("f-string"):
        candidates.append(_FSTRING)
    row = (exc.lineno or 0) - 1
    for text in lines[max(row - 1, 0):row + 1][::-1]:
        candidates += [(version, what) for pattern, version, what in NEWER_SYNTAX
                       if pattern.search(text)]
    return next((c for c in candidates if c[0] > running), None)


def parse(text: str, filename: str) -> ast.Module:
    """``ast.parse(text)``, or a :class:`SourceError` that says what is wrong.

    Raises
    ------
    SourceError
        A syntax error (naming the Python version a newer construct needs), or an
        expression too large or too deeply nested for the parser.
    """
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as exc:
        newer = newer_syntax(exc, text.splitlines())
        where = f"line {exc.lineno}" if exc.lineno else "somewhere"
        if newer:
            (major, minor), what = newer
            running = ".".join(map(str, sys.version_info[:2]))
            raise SourceError(f"{NEWER_PYTHON.format(major, minor)}: {what} at {where}; "
                              f"verify runs on Python {running}, which cannot read this "
                              f"file, so its definitions were not checked") from None
        raise SourceError(f"SyntaxError at {where}: {exc.msg}") from None
    except (RecursionError, MemoryError) as exc:
        raise SourceError(f"an expression too large or too deeply nested for Python's parser "
                          f"({type(exc).__name__}): not read") from None


def _compiles(tree: ast.Module, filename: str) -> str | None:
    try:
        compile(tree, filename, "exec", dont_inherit=True)
        return None
    except SyntaxError as exc:
        return f"SyntaxError: {exc.msg}"
    except (RecursionError, MemoryError, ValueError) as exc:
        return f"too large or too deeply nested to compile ({type(exc).__name__})"


def uncompilable(chunks, filename: str) -> dict:
    """``(cell, line) -> message`` for top-level statements that parse but do not compile
    (an expression too deep for the compiler, ``return`` outside a function, ...).

    Nothing is run. Python would refuse the whole file; the loader runs a file statement
    by statement, so only these statements are lost.
    """
    bad = {}
    for chunk in chunks:
        if _compiles(chunk.tree, filename) is None:
            continue
        for stmt in chunk.tree.body:
            why = _compiles(ast.Module(body=[stmt], type_ignores=[]), filename)
            if why is not None:
                where = f"line {stmt.lineno}" if chunk.cell is None else \
                    f"cell {chunk.cell}, line {stmt.lineno}"
                bad[chunk.cell, stmt.lineno] = f"{where}: {why}; not run, not checked"
    return bad
