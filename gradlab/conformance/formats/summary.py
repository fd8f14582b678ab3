"""A class at a glance: one row per submission, one column per book name (the status of
the definition that gives the name its verdict), the counts of checks, and the totals."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from gradlab.report import format_table

from ..batch import TargetResult
from ..report import exit_code, summarise
from .rows import check_counts, meta_records

__all__ = ["SummaryRow", "Summary", "class_summary", "format_summary", "write_summary_csv",
           "COUNT_COLUMNS", "VERDICT_STATUS"]

COUNT_COLUMNS = ("pass", "warn", "fail", "error", "skip")
VERDICT_STATUS = {"ok": "pass", "FAIL": "fail", "ERROR": "error"}
"""A submission's verdict, and the status whose colour shows it."""
NOTE_WIDTH = 60


@dataclass
class SummaryRow:
    """One submission: its verdict (``ok``, ``FAIL``; ``ERROR`` when it was not checked),
    each book name's status (``""`` when the name has no record), its counts of checks, its
    wall time and the first problem with the target itself (a load error, a time-out)."""

    label: str
    verdict: str
    statuses: dict[str, str]
    counts: dict[str, int]
    seconds: float
    note: str


@dataclass
class Summary:
    """The rows, the book names that are its columns (in the report's order), and the
    names no submission implements (``unused``: every row skips them; not columns)."""

    names: list[str]
    rows: list[SummaryRow]
    unused: list[str]

    @property
    def headers(self) -> list[str]:
        return ["submission", "verdict", *self.names, *COUNT_COLUMNS, "seconds", "note"]

    def table(self, note_width: int | None = NOTE_WIDTH) -> list[list]:
        """Every row as a list of cells under :attr:`headers`."""
        return [[r.label, r.verdict, *(r.statuses.get(n, "") for n in self.names),
                 *(r.counts[c] for c in COUNT_COLUMNS), f"{r.seconds:.1f}",
                 _cut(r.note, note_width)] for r in self.rows]

    def totals(self) -> list:
        """The last row: submissions whose verdict is ok and, per book name, whose
        headline passes (``pass`` or ``warn``); summed counts and time."""
        n = len(self.rows)
        ok = sum(r.verdict == "ok" for r in self.rows)
        per_name = [f"{sum(r.statuses.get(name) in ('pass', 'warn') for r in self.rows)}/{n}"
                    for name in self.names]
        counts = [sum(r.counts[c] for r in self.rows) for c in COUNT_COLUMNS]
        return ["total", f"{ok}/{n} ok", *per_name, *counts,
                f"{sum(r.seconds for r in self.rows):.1f}", ""]


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 3] + "..."


def _row(result: TargetResult) -> SummaryRow:
    statuses = {}
    for label, shown, *_ in summarise(result.records):
        if not label.startswith(" "):  # the headline row of a book name
            statuses[label] = shown
    meta = [r for r in meta_records(result.records) if r.status != "pass"]
    lost = any(r.function == "(target)" for r in meta)
    verdict = "ERROR" if lost else ("ok" if exit_code(result.records) == 0 else "FAIL")
    note = f"{meta[0].definition or meta[0].check}: {meta[0].message}" if meta else ""
    return SummaryRow(result.label, verdict, statuses, check_counts(result.records),
                      result.seconds, note)


def class_summary(results: list[TargetResult]) -> Summary:
    """The summary of ``results``; its columns are the book names at least one of them
    implements."""
    rows = [_row(r) for r in results]
    names = list(dict.fromkeys(n for r in rows for n in r.statuses))
    unused = [n for n in names if all(r.statuses.get(n, "skip") == "skip" for r in rows)]
    return Summary([n for n in names if n not in unused], rows, unused)


def format_summary(results: list[TargetResult]) -> str:
    """The summary as a plain-text table (totals last)."""
    summary = class_summary(results)
    text = format_table([*summary.table(), summary.totals()], summary.headers)
    if summary.unused:
        text += f"\n(not implemented by any: {', '.join(summary.unused)})"
    return text


def write_summary_csv(path, results: list[TargetResult]) -> None:
    """The summary as CSV: the headers, then one row per submission (statuses in lower
    case, notes in full); no totals row, so that a spreadsheet can sum the columns."""
    summary = class_summary(results)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(summary.headers)
        for row in summary.table(note_width=None):
            n = len(summary.names)
            writer.writerow([row[0], row[1].lower(), *(s.lower() for s in row[2:2 + n]),
                             *row[2 + n:]])
