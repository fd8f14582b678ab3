"""Text report and JSON records of a verify run (tables via :func:`gradlab.report.format_table`)."""

from __future__ import annotations

from collections import OrderedDict

from gradlab.report import format_table

from .records import Record, worst

__all__ = ["format_report", "json_records", "exit_code", "summarise"]

REASON_WIDTH = 96


def _short(text: str, width: int = REASON_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def is_meta(record: Record) -> bool:
    """A record about the target rather than a book name: ``(load)``, ``(sandbox)``."""
    return record.function.startswith("(")


def summarise(records: list[Record]):
    """Rows of the report: per book name (in order of first appearance), the row of its
    headline definition, then one row per other definition (``  alternative``,
    ``  progression``): (function, status, passed, reason, definition)."""
    groups: OrderedDict[str, OrderedDict[str, list[Record]]] = OrderedDict()
    for r in records:
        if not is_meta(r):
            groups.setdefault(r.function, OrderedDict()).setdefault(r.definition, []).append(r)
    rows = []
    for function, by_definition in groups.items():
        ordered = sorted(by_definition.items(), key=lambda kv: kv[1][0].role not in ("headline",
                                                                                      ""))
        for i, (definition, rs) in enumerate(ordered):
            label = function if i == 0 else f"  {rs[0].role or 'other'}"
            rows.append((label, *_row(rs), definition))
    return rows


def _row(rs: list[Record]):
    status = worst(r.status for r in rs)
    bad = [r for r in rs if r.status == status]
    passed = sum(r.status == "pass" for r in rs)
    notes = [r.message[len("note: "):] for r in rs if r.message.startswith("note: ")]
    if status == "pass":
        reason = f"{passed} check(s) passed" + (f"; {notes[0]}" if notes else "")
    else:
        reason = f"{bad[0].check.split('.', 1)[-1]}: {bad[0].message}"
    shown = status.upper() if status in ("fail", "error") else status
    return shown, f"{passed}/{len(rs)}", _short(reason)


def format_report(records: list[Record], *, verbose: bool = False) -> str:
    """One table per target (a row per function), then problems; ``verbose`` adds every
    non-passing check's counterexample, details and what loading skipped."""
    by_target: OrderedDict[str, list[Record]] = OrderedDict()
    for r in records:
        by_target.setdefault(r.target, []).append(r)
    out = []
    for target, rs in by_target.items():
        out.append(f"== {target}")
        for r in rs:
            if r.function == "(sandbox)":
                out.append(f"  sandbox: {_short(r.message, 300)}")
            elif is_meta(r) and (r.status != "pass" or verbose):
                out.append(f"  [{r.status}] {r.definition or r.check}: {_short(r.message, 200)}")
                if verbose and r.details:
                    out.extend("      " + line for line in r.details.splitlines())
        rows = summarise(rs)
        if rows:
            out.append(format_table(rows, ["function", "status", "passed", "reason",
                                           "definition"], align="lllll"))
        problems = [r for r in rs if r.status not in ("pass", "skip") and not is_meta(r)]
        if problems:
            out.append("")
            for r in problems if verbose else []:
                out.append(f"{r.status.upper()} {r.check}: {r.message}")
                if r.counterexample:
                    out.append(f"    counterexample: {r.counterexample}")
                if r.details:
                    out.extend("    " + line for line in r.details.splitlines())
            if not verbose:
                out.append("(--verbose shows every failing check with its counterexample)")
        out.append("")
    counts = {s: sum(r.status == s for r in records if not is_meta(r))
              for s in ("pass", "warn", "fail", "error", "skip")}
    out.append("checks: " + (", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none run"))
    return "\n".join(out)


def json_records(records: list[Record]) -> list[dict]:
    """The design's records ``{check, target, status, message, counterexample}`` (+ extras)."""
    return [r.to_json() for r in records]


def exit_code(records: list[Record]) -> int:
    """0 when nothing failed (warnings and skips allowed), else 1."""
    return 1 if any(r.status in ("fail", "error") for r in records) else 0
