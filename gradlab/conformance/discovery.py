"""Find where a target defines the book's names, without running any of its code."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass

from .implementation import alias_rank, canonical_name

__all__ = ["Candidate", "scan", "choose", "python_files"]

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "venv", ".venv", "env", ".env", "build",
             "dist", "site-packages", "node_modules", ".tox", ".ipynb_checkpoints",
             ".mypy_cache", ".pytest_cache", ".hypothesis"}
MAX_FILES = 2000
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Candidate:
    """A top-level definition of a book name: ``alias`` at ``path:line``."""

    name: str
    alias: str
    path: str
    line: int


def python_files(root: str) -> list[str]:
    """The ``.py`` files under ``root`` (sorted; virtualenvs, caches and huge files left out)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(".py") and os.path.getsize(path) <= MAX_BYTES:
                found.append(path)
                if len(found) >= MAX_FILES:
                    return found
    return found


def _definitions(tree: ast.Module):
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield stmt.name, stmt.lineno
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name | ast.Lambda):
            for target in stmt.targets:  # numerical_gradient = numerical_gradient_nd
                if isinstance(target, ast.Name):
                    yield target.id, stmt.lineno


def scan(root: str):
    """Parse every file under ``root``.

    Returns
    -------
    candidates : dict of str to list of Candidate
        Book name -> every top-level definition of it (any accepted spelling).
    problems : list of (path, message)
        Files that do not parse.
    """
    candidates: dict[str, list[Candidate]] = {}
    problems = []
    for path in python_files(root):
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                tree = ast.parse(fh.read(), filename=path)
        except SyntaxError as exc:
            problems.append((path, f"SyntaxError at line {exc.lineno}: {exc.msg}"))
            continue
        except (OSError, ValueError) as exc:
            problems.append((path, f"{type(exc).__name__}: {exc}"))
            continue
        for alias, line in _definitions(tree):
            name = canonical_name(alias)
            if name is not None:
                candidates.setdefault(name, []).append(Candidate(name, alias, path, line))
    return candidates, problems


_CHAPTER = re.compile(r"^ch(?:apter)?[_-]?0*(\d+)$", re.IGNORECASE)


def _layout_rank(path: str, root: str) -> tuple:
    """Prefer the book's layout: ``common/`` first, then chapter 4's folder, then others;
    test files last; then shallower paths."""
    parts = os.path.relpath(path, root).split(os.sep)
    folders, name = parts[:-1], parts[-1]
    chapter = next((int(m.group(1)) for f in folders if (m := _CHAPTER.match(f))), None)
    if any(f == "common" for f in folders):
        rank = 0
    elif chapter == 4 or not folders:
        rank = 1
    elif chapter is None:
        rank = 2
    else:
        rank = 3 + abs(chapter - 4)
    if name.startswith("test_") or "tests" in folders:
        rank += 100
    return rank, len(folders)


def choose(candidates: list[Candidate], root: str) -> Candidate:
    """The definition to check: the book's spelling, then the book's layout, then the path."""
    return min(candidates, key=lambda c: (alias_rank(c.alias), _layout_rank(c.path, root),
                                          c.path, c.line))
