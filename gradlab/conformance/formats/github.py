"""The report as GitHub Actions workflow commands (``--format github``): an ``::error``
(a fail or an error) or ``::warning`` annotation at the file and line of each definition
that has problems, listing its checks with their counterexamples, so that a pull request
shows them next to the code. GitHub shows at most 10 annotations of each kind per step, so
there is one per definition, not one per check.

Syntax (GitHub's documentation, "Workflow commands for GitHub Actions"):
``::error file={name},line={line},title={title}::{message}``; ``%``, CR and LF are
escaped in the message, and ``:`` and ``,`` too in the properties.
"""

from __future__ import annotations

import os

from ..batch import TargetResult
from ..records import worst
from .cases import failure_text
from .locations import display_path, locate
from .rows import meta_records, table_rows

__all__ = ["to_github", "escape_data", "escape_property"]

_LEVEL = {"fail": "error", "error": "error", "warn": "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, title: str, message: str, location=None) -> str:
    props = []
    if location is not None:
        props.append(f"file={escape_property(display_path(location.path, _workspace()))}")
        line = location.line or 1  # a notebook: its cells have no line of the file
        props.append(f"line={line}")
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def _workspace() -> str | None:
    return os.environ.get("GITHUB_WORKSPACE") or None


def _annotations(result: TargetResult):
    for r in meta_records(result.records):
        if r.status in _LEVEL:
            yield _command(_LEVEL[r.status], f"gradlab verify: {r.definition or r.check}",
                           r.message, locate(r.definition, result.root))
    for row in table_rows(result.records):
        problems = row.problems
        if not problems:
            continue
        status = worst(p.status for p in problems)
        where = f" ({row.definition.split(' cell ')[1]})" if " cell " in row.definition else ""
        title = f"gradlab verify: {row.name}{where}: {len(problems)} check(s) {status}"
        yield _command(_LEVEL[status], title, "\n\n".join(failure_text(p) for p in problems),
                       locate(row.definition, result.root))


def to_github(results: list[TargetResult]) -> str:
    """One workflow command per line (empty when nothing needs attention)."""
    return "\n".join(line for result in results for line in _annotations(result))
