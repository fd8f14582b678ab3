"""Plain-text tables and JSON files for the command line (no third-party imports)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from ._validation import writable_path
from .errors import GradlabValueError

__all__ = ["format_table", "format_number", "write_json"]


def format_number(value, digits: int = 3) -> str:
    """Short human form: integers as is, floats in 3 significant digits, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool) or isinstance(value, int) or isinstance(value, str):
        return str(value)
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def format_table(rows: Iterable[Sequence], headers: Sequence[str], *, align: str = "") -> str:
    """Render rows as a fixed-width text table.

    Parameters
    ----------
    rows : iterable of sequences
        Cells; numbers are shown with :func:`format_number`.
    headers : sequence of str
        Column titles.
    align : str, optional
        One character per column, ``"l"`` or ``"r"``; default: numbers right,
        text left.
    """
    raw = list(rows)
    short = [i for i, row in enumerate(raw) if len(row) != len(headers)]
    if short:
        raise GradlabValueError(f"rows[{short[0]}] has {len(raw[short[0]])} cells but there are "
                                f"{len(headers)} headers; give every row one cell per column.")
    cells = [[format_number(c) for c in row] for row in raw]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    if not align:
        first = raw[0] if raw else [""] * len(headers)
        align = "".join("r" if isinstance(c, int | float) and not isinstance(c, bool) else "l"
                        for c in first)

    def line(items):
        return "  ".join(s.rjust(w) if a == "r" else s.ljust(w)
                         for s, w, a in zip(items, widths, align, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule] + [line(r) for r in cells])


def write_json(path, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` ('-' means standard output).

    The path is checked (:func:`gradlab._validation.writable_path`) before anything is
    written; the command line checks it already when it parses its options.
    """
    path = writable_path(path, "path", allow_stdout=True)
    text = json.dumps(obj, indent=2, default=_jsonable) + "\n"
    if path == "-":
        print(text, end="")
    else:
        Path(path).write_text(text)


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
