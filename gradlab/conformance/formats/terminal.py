"""The report in a terminal: the text report's tables drawn by ``rich``, statuses in colour.

Used only when standard output is a terminal and ``NO_COLOR`` is not set
(https://no-color.org); otherwise verify prints the plain text of
:func:`~gradlab.conformance.report.format_report`, which is what logs and tests read.
``rich`` fits the table to the terminal's width and wraps long reasons instead of
cutting them.
"""

from __future__ import annotations

import os

from ..batch import TargetResult
from .rows import check_counts, meta_records, table_rows
from .summary import VERDICT_STATUS, class_summary

__all__ = ["use_colour", "print_report", "STATUS_STYLES"]

STATUS_STYLES = {"pass": "green", "warn": "yellow", "fail": "bold red",
                 "error": "bold magenta", "skip": "dim"}


def use_colour(stream) -> bool:
    """True when ``stream`` is a terminal, ``NO_COLOR`` is unset or empty and ``TERM`` is
    not ``dumb``."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR") \
        and os.environ.get("TERM") != "dumb"


def _status(text: str):
    from rich.text import Text

    return Text(text, style=STATUS_STYLES.get(text.lower(), ""))


def _target(console, result: TargetResult, verbose: bool) -> None:
    from rich import box
    from rich.table import Table

    console.print(f"== {result.label}", style="bold")
    for r in meta_records(result.records):
        if r.function == "(sandbox)":
            console.print("  sandbox: ", _status(r.status), f" {r.message}", sep="")
        elif r.status != "pass" or verbose:
            console.print("  ", _status(r.status), f" {r.definition or r.check}: {r.message}",
                          sep="")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("function", "status", "passed", "reason", "definition"):
        table.add_column(name, overflow="fold", ratio=4 if name == "reason" else None)
    rows = table_rows(result.records)
    for row in rows:
        style = "dim" if row.status == "skip" else ""
        table.add_row(row.label, _status(row.status.upper() if row.status in ("fail", "error")
                                         else row.status),
                      row.passed, row.reason, row.definition, style=style)
    if rows:
        console.print(table)
    problems = [p for row in rows for p in row.problems]
    for r in problems if verbose else []:
        console.print(_status(r.status.upper()), f" {r.check}: {r.message}", sep="")
        if r.counterexample:
            console.print(f"    counterexample: {r.counterexample}", style="cyan")
        if r.details:
            console.print("    " + r.details.replace("\n", "\n    "))
    if problems and not verbose:
        console.print("(--verbose shows every failing check with its counterexample)",
                      style="dim")


def _summary(console, results) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    summary = class_summary(results)
    table = Table(box=box.SIMPLE_HEAD, title="summary", pad_edge=False, show_edge=False)
    for header in summary.headers:
        table.add_column(header, overflow="fold")
    for row in summary.table():
        cells = list(map(str, row))
        cells[1] = Text(row[1], style=STATUS_STYLES[VERDICT_STATUS[row[1]]])
        for i in range(2, 2 + len(summary.names)):
            cells[i] = _status(cells[i])
        table.add_row(*cells)
    table.add_row(*map(str, summary.totals()), style="bold")
    console.print(table)
    if summary.unused:
        console.print(f"(not implemented by any: {', '.join(summary.unused)})", style="dim")


def print_report(results: list[TargetResult], *, verbose: bool = False, file=None) -> None:
    """Print the report of ``results`` with colours to ``file`` (default: stdout)."""
    from rich.console import Console

    console = Console(file=file, highlight=False)
    for result in results:
        _target(console, result, verbose)
        console.print()
    records = [r for result in results for r in result.records]
    counts = check_counts(records)
    console.print("checks: ", *[x for s, n in counts.items() if n
                                for x in (_status(f"{n} {s}"), "  ")] or ["none run"], sep="")
    if len(results) > 1:
        console.print()
        _summary(console, results)
