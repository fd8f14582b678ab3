"""The report as HTML for Jupyter (``VerifyReport._repr_html_``): a table per target with
coloured statuses and each definition's location; a row's failing checks, with their
counterexamples, fold open on demand (``<details>``, no script, so it also renders in
nbviewer, on GitHub and in Colab). Written with the standard library's ``html.escape``."""

from __future__ import annotations

from html import escape

from ..batch import TargetResult
from ..report import REASON_WIDTH
from .rows import Row, check_counts, meta_records, table_rows
from .summary import VERDICT_STATUS, class_summary

__all__ = ["to_html", "HTML_COLOURS"]

HTML_COLOURS = {"pass": ("#e6f4ea", "#137333"), "warn": ("#fef7e0", "#b06000"),
                "fail": ("#fce8e6", "#c5221f"), "error": ("#f3e8fd", "#8430ce"),
                "skip": ("#f1f3f4", "#5f6368")}
"""(background, text) of each status's badge."""
_CELL = "padding:2px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #ddd"
_NOWRAP = ";white-space:nowrap"


def badge(status: str, text: str | None = None) -> str:
    """A status as a coloured label (``FAIL`` and ``ERROR`` in capitals, as in the text)."""
    background, colour = HTML_COLOURS.get(status, HTML_COLOURS["skip"])
    shown = text or (status.upper() if status in ("fail", "error") else status)
    return (f'<span style="background:{background};color:{colour};font-weight:bold;'
            f'padding:1px 6px;border-radius:3px">{shown}</span>')


def _problem(record) -> str:
    out = [f"<li><code>{escape(record.check)}</code> {badge(record.status)} "
           f"{escape(record.message)}"]
    if record.counterexample:
        out.append(f"<br>counterexample: <code>{escape(record.counterexample)}</code>")
    if record.details:
        out.append(f"<pre style=\"margin:2px 0\">{escape(record.details)}</pre>")
    return "".join(out) + "</li>"


def _reason(row: Row) -> str:
    if not row.problems:
        return escape(row.reason)
    items = "".join(_problem(r) for r in row.problems)
    return (f"<details><summary>{escape(row.reason)}</summary>"
            f"<ul style=\"margin:4px 0\">{items}</ul></details>")


def _row(row: Row) -> str:
    label = (f"&nbsp;&nbsp;{escape(row.label.strip())}" if row.label.startswith(" ")
             else f"<code>{escape(row.label)}</code>")
    cells = [label, badge(row.status), escape(row.passed),
             f"<code>{escape(row.definition)}</code>" if row.definition else "", _reason(row)]
    return "<tr>" + "".join(f'<td style="{_CELL}{_NOWRAP if i < 4 else ""}">{c}</td>'
                            for i, c in enumerate(cells)) + "</tr>"


def _table(records) -> str:
    rows = table_rows(records)
    shown = [r for r in rows if r.status != "skip" or r.definition]
    missing = [r.name for r in rows if r.status == "skip" and not r.definition]
    head = "".join(f'<th style="{_CELL}">{h}</th>'
                   for h in ("function", "status", "passed", "definition", "reason"))
    body = "".join(_row(r) for r in shown)
    if missing:
        body += (f'<tr><td style="{_CELL}" colspan="5">{badge("skip")} not implemented: '
                 f"{escape(', '.join(missing))}</td></tr>")
    return (f'<table style="border-collapse:collapse;font-size:90%"><thead><tr>{head}'
            f"</tr></thead><tbody>{body}</tbody></table>")


def _target(result: TargetResult) -> str:
    out = [f"<p style=\"margin:6px 0\"><b>{escape(result.label)}</b></p>"]
    for r in meta_records(result.records):
        if r.function == "(sandbox)":
            out.append(f"<div>{badge(r.status)} sandbox: {escape(r.message[:300])}</div>")
        elif r.status != "pass":
            out.append(f"<div>{badge(r.status)} {escape(r.definition or r.check)}: "
                       f"{escape(r.message[:2 * REASON_WIDTH])}</div>")
    out.append(_table(result.records))
    counts = check_counts(result.records)
    out.append("<p style=\"margin:4px 0\">checks: " + (", ".join(
        f"{n} {badge(s)}" for s, n in counts.items() if n) or "none run") + "</p>")
    return "".join(out)


def _summary(results) -> str:
    summary = class_summary(results)
    names = set(summary.names)
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in summary.headers)

    def cell(header, value):
        if header == "verdict":
            return badge(VERDICT_STATUS[value], value)
        return badge(value.lower()) if header in names and value else escape(str(value))

    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{cell(h, v)}</td>'
                                    for h, v in zip(summary.headers, row, strict=True))
                   + "</tr>" for row in summary.table())
    body += "<tr>" + "".join(f'<td style="{_CELL}"><b>{escape(str(v))}</b></td>'
                             for v in summary.totals()) + "</tr>"
    return (f'<table style="border-collapse:collapse;font-size:90%"><thead><tr>{head}'
            f"</tr></thead><tbody>{body}</tbody></table>")


def to_html(results: list[TargetResult]) -> str:
    """The HTML of a report: one table per target, and the class summary first when
    there are several."""
    parts = [_target(r) for r in results]
    if len(results) > 1:
        parts = [_summary(results)] + [f"<details><summary>{escape(r.label)}</summary>{p}"
                                       f"</details>" for r, p in zip(results, parts,
                                                                     strict=True)]
    return '<div class="gradlab-verify">' + "".join(parts) + "</div>"
