"""Where a record's definition is on disk: its ``definition`` text read back against the
target's root (``common/functions.py:12``, ``nb.ipynb cell 3, line 2``, ``x.py:4 (as f)``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["Location", "locate", "display_path"]

_WHERE = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+)|"
                    r" cell (?P<cell>\d+), line (?P<cell_line>\d+))?(?: \(as [^)]*\))?$")


@dataclass(frozen=True)
class Location:
    """A definition's file (absolute), its line in the file (``None`` in a notebook, whose
    lines are the cell's), and its cell and line in the cell for a notebook."""

    path: str
    line: int | None = None
    cell: int | None = None
    cell_line: int | None = None


def locate(definition: str, root: str) -> Location | None:
    """The file and line that ``definition`` names under ``root``; None when the text names
    no file that exists there (a record about the target, a module's ``<alias>``)."""
    match = _WHERE.match(definition or "")
    if not match or not root:
        return None
    path = os.path.normpath(os.path.join(root, match["path"]))
    if not os.path.isfile(path):
        return None
    if match["cell"]:
        return Location(path, None, int(match["cell"]), int(match["cell_line"]))
    return Location(path, int(match["line"]) if match["line"] else None)


def display_path(path: str, base: str | None = None) -> str:
    """``path`` relative to ``base`` (default: the current folder) when it lies inside it,
    as CI annotations and test reports want it; else absolute."""
    base = os.path.abspath(base or os.getcwd())
    rel = os.path.relpath(path, base)
    return path if rel.startswith(os.pardir) else rel
