"""A source file as the loader sees it: parsed chunks (a ``.py`` file is one chunk, a
notebook one per code cell), the IPython lines set aside, and the cells that failed.

Discovery (judge) and the loader (executor) both read files through :func:`read`,
so they agree on what a file contains.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

from .files import MAX_NOTEBOOK_BYTES, Area, SourceError, decode_source, read_bytes
from .notebooks import code_cells
from .syntax import parse

__all__ = ["Chunk", "Source", "read", "is_notebook", "chunk_label"]


def is_notebook(path: str) -> bool:
    return path.endswith(".ipynb")


def chunk_label(cell: int | None, line: int) -> str:
    """``"line 3"`` in a ``.py`` file, ``"cell 2, line 3"`` in a notebook."""
    return f"line {line}" if cell is None else f"cell {cell}, line {line}"


@dataclass
class Chunk:
    """Code that runs in one go: a whole ``.py`` file, or one notebook cell."""

    cell: int | None
    text: str
    tree: ast.Module


@dataclass
class Source:
    """A readable source file. ``skipped``: IPython lines set aside; ``problems``: cells
    that do not parse (the rest of the notebook still loads)."""

    path: str
    chunks: list[Chunk]
    skipped: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def statements(self):
        """``(cell, statement)`` for every top-level statement, in execution order."""
        for chunk in self.chunks:
            for stmt in chunk.tree.body:
                yield chunk.cell, stmt


def read(path: str, area: Area) -> Source:
    """Read and parse one file.

    Raises
    ------
    SourceError
        The file cannot be read (see :func:`~.files.read_bytes`), decoded, parsed,
        or (a notebook) is not a valid notebook.
    """
    name = os.path.basename(path)
    if not is_notebook(path):
        text = decode_source(read_bytes(path, area))
        return Source(path, [Chunk(None, text, parse(text, path))])
    source = Source(path, [])
    for cell in code_cells(read_bytes(path, area, MAX_NOTEBOOK_BYTES)):
        source.skipped += [f"cell {cell.index}, {s}" for s in cell.skipped]
        try:
            tree = parse(cell.source, f"{name} cell {cell.index}")
        except SourceError as exc:
            source.problems.append(f"cell {cell.index}: {exc}; this cell was not checked")
            continue
        source.chunks.append(Chunk(cell.index, cell.source, tree))
    return source
