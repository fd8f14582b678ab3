"""Jupyter notebooks as Python: the code cells, with IPython's own syntax set aside.

A notebook is JSON (nbformat 4, or 3), read with the standard library. Its code cells
load under the same rules as a ``.py`` file, in order, in one namespace. IPython
syntax that is not Python — line magics (``%matplotlib inline``), shell escapes
(``!pip install``), help (``np.sum?``) and cell magics other than ``%%time`` and
``%%capture`` — is skipped and listed; each skipped line becomes ``pass``, so line
numbers stay those of the cell. Cells are numbered from 1 counting every cell,
markdown included, as they appear from the top of the notebook.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from .files import MAX_SOURCE_BYTES, SourceError

__all__ = ["Cell", "code_cells", "python_of", "PYTHON_CELL_MAGICS"]

PYTHON_CELL_MAGICS = frozenset({"time", "capture"})
"""Cell magics whose body is plain Python run once in the notebook's namespace."""
_HELP = re.compile(r"^\s*(\?{1,2}[\w.\[\]()]+|[\w.\[\]()]+\?{1,2})\s*$")
_MAGIC_ASSIGN = re.compile(r"^\s*[\w.,\s]+=\s*[%!]")


@dataclass
class Cell:
    """A code cell: its number, its source as Python, and the IPython lines set aside."""

    index: int
    source: str
    skipped: list = field(default_factory=list)  # "line N: %matplotlib inline"


def _text(value, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise SourceError(f"not a valid notebook ({what} is neither text nor a list of lines): "
                      f"not read")


def _cells(nb) -> list:
    if not isinstance(nb, dict):
        raise SourceError("not a Jupyter notebook (the JSON is not an object): not read")
    if isinstance(nb.get("cells"), list):
        return nb["cells"]
    sheets = nb.get("worksheets")  # nbformat 3
    if isinstance(sheets, list) and sheets and isinstance(sheets[0], dict) \
            and isinstance(sheets[0].get("cells"), list):
        return sheets[0]["cells"]
    raise SourceError("not a Jupyter notebook (no list of cells): not read")


def code_cells(data: bytes) -> list[Cell]:
    """The code cells of a notebook file's bytes.

    Raises
    ------
    SourceError
        Not UTF-8, not JSON, not shaped like a notebook, or more code than a
        ``.py`` file may hold.
    """
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"not a valid notebook (not UTF-8: byte 0x{data[exc.start]:02x} at "
                          f"offset {exc.start}): not read") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"not a valid notebook (JSON error at line {exc.lineno}, column "
                          f"{exc.colno}: {exc.msg}): not read") from None
    except (RecursionError, MemoryError) as exc:
        raise SourceError(f"not a valid notebook (nested too deeply: {type(exc).__name__}): "
                          f"not read") from None
    cells, size = [], 0
    for index, cell in enumerate(_cells(nb), start=1):
        if not isinstance(cell, dict):
            raise SourceError(f"not a valid notebook (cell {index} is not an object): not read")
        if cell.get("cell_type") != "code":
            continue
        key = "source" if "source" in cell else "input"
        source = _text(cell.get(key, ""), f"cell {index}'s source")
        size += len(source)
        if size > MAX_SOURCE_BYTES:
            raise SourceError(f"more than {MAX_SOURCE_BYTES:,} characters of code: not read")
        cells.append(Cell(index, *python_of(source)))
    return cells


def _is_ipython(line: str) -> bool:
    stripped = line.lstrip()
    return (stripped.startswith(("%", "!")) or bool(_HELP.match(line))
            or bool(_MAGIC_ASSIGN.match(line)))


def python_of(source: str) -> tuple[str, list[str]]:
    """A cell's source as Python, and the IPython lines set aside (``"line N: text"``).

    Source that parses as it is stays as it is; otherwise each IPython line becomes
    ``pass`` at its indentation. A cell magic other than ``%%time``/``%%capture``
    sets the whole cell aside.

    Examples
    --------
    >>> python_of("%matplotlib inline\\nimport numpy as np\\n")
    ('pass\\nimport numpy as np', ['line 1: %matplotlib inline'])
    """
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    skipped = []
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return "", [f"line 1: %%{magic} cell (not Python): the whole cell"]
        lines[0] = "pass"
        skipped.append(f"line 1: {first}")
    text = "\n".join(lines)
    try:
        ast.parse(text)
        return text, skipped
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        pass
    for number, line in enumerate(lines, start=1):
        if number > 1 or not skipped:
            if _is_ipython(line):
                indent = line[:len(line) - len(line.lstrip())]
                lines[number - 1] = indent + "pass"
                skipped.append(f"line {number}: {line.strip()}")
    return "\n".join(lines), skipped
