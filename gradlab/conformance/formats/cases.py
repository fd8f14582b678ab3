"""A record as a test case, named the same way in pytest, JUnit XML and Gradescope:
``softmax::large``, with the definition in brackets when a name has several
(``softmax::large[ch03/softmax.py:4]``); records about the target keep their check's name
(``sandbox``, ``load:ch04/train.py``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..batch import TargetResult
from ..records import Record
from ..report import is_meta
from .locations import Location, locate

__all__ = ["Case", "test_cases", "failure_text"]


@dataclass(frozen=True)
class Case:
    """One test: its unique name within the target, its record, and where its definition
    is (``None`` when it names no file)."""

    name: str
    record: Record
    location: Location | None


def _name(record: Record, several: bool) -> str:
    if is_meta(record):
        return record.check
    function = record.function
    tail = record.check[len(function) + 1:] if record.check.startswith(function + ".") \
        else record.check
    name = f"{function}::{tail}"
    return f"{name}[{record.definition}]" if several and record.definition else name


def test_cases(result: TargetResult) -> list[Case]:
    """Every record of ``result`` as a :class:`Case`, in the report's order, names unique
    (a repeated name gets ``#2``, ``#3``, ...)."""
    definitions: dict[str, set] = {}
    for r in result.records:
        if not is_meta(r) and r.definition:
            definitions.setdefault(r.function, set()).add(r.definition)
    seen: Counter = Counter()
    cases = []
    for r in result.records:
        name = _name(r, len(definitions.get(r.function, ())) > 1)
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name}#{seen[name]}"
        cases.append(Case(name, r, locate(r.definition, result.root)))
    return cases


def failure_text(record: Record) -> str:
    """What a failing test shows: the message, the counterexample and the details."""
    out = [f"{record.status.upper()} {record.check}: {record.message}"]
    if record.definition:
        out.append(f"    definition: {record.definition}")
    if record.counterexample:
        out.append(f"    counterexample: {record.counterexample}")
    if record.details:
        out.extend("    " + line for line in record.details.splitlines())
    return "\n".join(out)
