"""A namespace (a notebook's ``globals()``) as files verify can check: its source, never its
objects, is what the executor loads, under the same rules and isolation as any file.

In IPython (Jupyter, Colab) the source is the session's input history, one code cell per
``In [n]``, written as a notebook; a definition replaced by a later cell is left out, as
Python would have replaced it. Elsewhere it is each function's and class's own source
(``inspect.getsource``) with the imports and simple constants the namespace holds. Reports
name definitions where the user wrote them: ``In [3], line 2`` or ``script.py:14``.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
import types
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .records import Record

__all__ = ["NamespaceSource", "namespace_source", "NOTEBOOK", "MODULE"]

NOTEBOOK = "notebook.ipynb"
MODULE = "namespace.py"


@dataclass
class NamespaceSource:
    """The files written for a namespace: ``path`` (the file to verify), its ``kind``,
    the ``folder`` to remove afterwards, how to name places in the user's terms
    (``lines``: a generated line's file and line), and load problems to report."""

    path: str
    kind: str
    folder: str
    lines: dict[int, tuple[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def where(self, text: str) -> str:
        """``text`` with the generated file's places written as the user's."""
        if self.kind == "notebook":
            return re.sub(re.escape(NOTEBOOK) + r" cell (\d+), line (\d+)",
                          r"In [\1], line \2", text).replace(NOTEBOOK, "cells")

        def original(match):
            place = self.lines.get(int(match[1]))
            return f"{place[0]}:{place[1]}" if place else match[0]

        return re.sub(re.escape(MODULE) + r":(\d+)", original, text).replace(
            MODULE, "namespace")

    def rewrite(self, record: Record) -> Record:
        return replace(record, check=self.where(record.check),
                       message=self.where(record.message),
                       definition=self.where(record.definition),
                       details=self.where(record.details))

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def namespace_source(namespace: Mapping) -> NamespaceSource:
    """Write ``namespace``'s source into a new private folder (see the module's notes)."""
    folder = tempfile.mkdtemp(prefix="gradlab-verify-")
    cells = _history(namespace)
    if cells is not None:
        path = os.path.join(folder, NOTEBOOK)
        _write_notebook(path, _latest_definitions(cells))
        return NamespaceSource(path, "notebook", folder)
    source = NamespaceSource(os.path.join(folder, MODULE), "file", folder)
    text = _module_text(namespace, source)
    with open(source.path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return source


# -- IPython: the cells as they were run ----------------------------------------------

def _history(namespace: Mapping) -> list[str] | None:
    """The session's cells, ``In [n]`` at index n (raw, as typed), or None outside IPython."""
    get_ipython = namespace.get("get_ipython")
    if callable(get_ipython):
        try:
            raw = get_ipython().history_manager.input_hist_raw
            return [str(cell) for cell in raw]
        except AttributeError:
            pass
    cells = namespace.get("In") or namespace.get("_ih")
    if isinstance(cells, list) and all(isinstance(c, str) for c in cells):
        return list(cells)
    return None


def _top_level_names(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name, node


def _latest_definitions(cells: list[str]) -> list[str]:
    """``cells`` with every top-level ``def``/``class`` that a later cell redefines blanked
    out (line numbers kept), so the checked definition is the one the namespace holds."""
    trees = []
    for cell in cells:
        try:
            trees.append(ast.parse(cell))
        except SyntaxError:  # never ran: it defined nothing (the loader reports it)
            trees.append(None)
    last = {}
    for i, tree in enumerate(trees):
        for name, _ in _top_level_names(tree) if tree else ():
            last[name] = i
    out = []
    for i, (cell, tree) in enumerate(zip(cells, trees, strict=True)):
        lines = cell.splitlines()
        for name, node in _top_level_names(tree) if tree else ():
            if last[name] != i:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                for n in range(first - 1, node.end_lineno):
                    lines[n] = ""
        out.append("\n".join(lines))
    return out


def _write_notebook(path: str, cells: list[str]) -> None:
    """Cell n of the notebook is ``In [n]`` (``In [0]`` is IPython's empty first entry)."""
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "execution_count": None, "id": f"in-{i}",
                     "metadata": {}, "outputs": [], "source": cell}
                    for i, cell in enumerate(cells[1:], start=1)]}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)


# -- elsewhere: each object's own source ----------------------------------------------

def _is_literal(value) -> bool:
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _importable(value) -> bool:
    """Whether ``from value.__module__ import value.__name__`` gives ``value`` back (a
    function, class or ufunc the namespace imported from an installed module)."""
    owner, name = getattr(value, "__module__", None), getattr(value, "__name__", None)
    module = sys.modules.get(owner) if isinstance(owner, str) else None
    return isinstance(name, str) and name.isidentifier() and module is not None \
        and owner != "__main__" and getattr(module, name, None) is value


def _module_text(namespace: Mapping, source: NamespaceSource) -> str:
    home = namespace.get("__name__", "__main__")
    head, blocks = [], []
    for name, value in namespace.items():
        if name.startswith("__") or name in ("In", "Out", "_ih", "_oh", "_dh"):
            continue
        if isinstance(value, types.ModuleType):
            head.append(f"import {value.__name__}" + (f" as {name}" if name !=
                                                      value.__name__ else ""))
        elif isinstance(value, types.FunctionType | type) and value.__module__ == home:
            blocks.append(_source_block(name, value, source))
        elif _importable(value):
            imported = value.__name__
            head.append(f"from {value.__module__} import {imported}" +
                        (f" as {name}" if name != imported else ""))
        elif isinstance(value, bool | int | float | complex | str | bytes | tuple | type(None)) \
                and name.isidentifier() and _is_literal(value):
            head.append(f"{name} = {value!r}")
    lines = [line for text in head for line in text.splitlines()]
    for block in sorted(filter(None, blocks), key=lambda b: (b[0], b[1])):
        filename, first, text = block
        lines.append("")
        for offset, line in enumerate(text.splitlines()):
            lines.append(line)
            source.lines[len(lines)] = (filename, first + offset)
    return "\n".join(lines) + "\n"


def _source_block(name, value, source: NamespaceSource):
    try:
        text, first = inspect.getsourcelines(value)
        filename = inspect.getsourcefile(value) or "<unknown>"
    except (OSError, TypeError):
        source.problems.append(f"{name}: its source is not available (defined by exec, or "
                               f"in a console without history), so it was not checked")
        return None
    try:  # a nested or indented definition (inside an if): dedent to the top level
        import textwrap

        body = textwrap.dedent("".join(text))
        ast.parse(body)
    except SyntaxError:
        source.problems.append(f"{name}: its source could not be read back as Python")
        return None
    shown = os.path.relpath(filename) if not os.path.relpath(filename).startswith("..") \
        else filename
    return shown, first, body
