"""The rows of a target's report (from :func:`~gradlab.conformance.report.summarise`, the one
home of their wording), each with the records behind it, for the richer formats."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..records import Record
from ..report import is_meta, summarise

__all__ = ["Row", "table_rows", "meta_records", "check_counts"]


@dataclass
class Row:
    """A row: its label (the book name, or ``  alternative``/``  progression`` under it),
    the book name, the worst status, ``passed/total``, the reason, the definition, and the
    checks of that definition."""

    label: str
    name: str
    status: str
    passed: str
    reason: str
    definition: str
    records: list[Record] = field(default_factory=list)

    @property
    def problems(self) -> list[Record]:
        """The checks that did not pass or skip, in the report's order."""
        return [r for r in self.records if r.status not in ("pass", "skip")]


def table_rows(records: list[Record]) -> list[Row]:
    """The report's rows of one target's records, each with its records."""
    rows, name = [], ""
    for label, shown, passed, reason, definition in summarise(records):
        if not label.startswith(" "):
            name = label
        mine = [r for r in records if not is_meta(r) and r.function == name
                and r.definition == definition]
        rows.append(Row(label, name, shown.lower(), passed, reason, definition, mine))
    return rows


def meta_records(records: list[Record]) -> list[Record]:
    """Records about the target rather than a book name (sandbox, load, a lost judge)."""
    return [r for r in records if is_meta(r)]


def check_counts(records: list[Record]) -> dict[str, int]:
    """How many checks (records about book names) ended in each status, in report order."""
    return {s: sum(r.status == s for r in records if not is_meta(r))
            for s in ("pass", "warn", "fail", "error", "skip")}
