"""Shared helpers of the "on its own terms" tests: verify a fixture once, read its records."""

from __future__ import annotations

from pathlib import Path

from gradlab.conformance.runner import run_target

TERMS = Path(__file__).parent / "fixtures" / "terms"
LEARNERS = Path(__file__).parent / "fixtures" / "learners"


class Verdicts:
    """The records of one verify run, looked up by check and definition."""

    def __init__(self, records):
        self.records = [r for r in records if not r.function.startswith("(")]
        self.meta = [r for r in records if r.function.startswith("(")]

    def of(self, check: str, where: str = ""):
        """The record of ``check`` at the definition whose ``file:line`` starts with
        ``where`` (a file name is enough when it holds one definition of the name)."""
        found = [r for r in self.records if r.check == check and r.definition.startswith(where)]
        assert len(found) == 1, (check, where, [(r.definition, r.status) for r in found])
        return found[0]

    def statuses(self, function: str, where: str = "") -> dict:
        return {r.check: r.status for r in self.records
                if r.function == function and r.definition.startswith(where)}

    def failures(self):
        return [(r.check, r.definition, r.message) for r in self.records if r.status == "fail"]


def verify(path: Path, *, kind: str = "dir", examples: int = 5, quick: bool = False) -> Verdicts:
    return Verdicts(run_target(kind, str(path), path.name, examples=examples, quick=quick))
