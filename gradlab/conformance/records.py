"""What a conformance check returns: an :class:`Outcome`, stored as a :class:`Record`.

Severity (documented in README):

* ``fail``  -- wrong numbers, or a crash on valid input (also when the book's own
  code does it);
* ``warn``  -- a hazard that gives no wrong number (e.g. mutating the caller's
  ``init_x``);
* ``error`` -- verify could not run the check (it timed out, or the definition
  could not be loaded);
* ``skip``  -- the target does not implement the function;
* ``pass``  -- everything else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["STATUSES", "Outcome", "Record", "worst"]

STATUSES = ("pass", "skip", "warn", "error", "fail")
"""Ordered from best to worst; :func:`worst` picks by this order."""


@dataclass
class Outcome:
    """The result of one check, before the runner adds where it ran."""

    status: str
    message: str
    counterexample: str | None = None
    details: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}.")
        if not isinstance(self.details, str):  # a check's mistake, caught where it is made
            raise TypeError(f"details must be text, got {type(self.details).__name__}.")


@dataclass
class Record:
    """One line of the report and of ``--json``: a check run against a target.

    ``definition`` is where the checked definition is (``file:line``); ``role`` is its
    role among the definitions of ``function`` ("headline": it gives the name its verdict,
    "alternative", "progression"; empty for records about the target).
    """

    check: str
    target: str
    status: str
    message: str
    counterexample: str | None = None
    function: str = ""
    definition: str = ""
    details: str = ""
    seconds: float = 0.0
    role: str = ""

    def to_json(self) -> dict:
        """The design's record format, plus ``function``, ``definition`` and ``details``."""
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out

    @classmethod
    def from_json(cls, data: dict) -> Record:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def worst(statuses) -> str:
    """The most severe of ``statuses`` ('pass' for none)."""
    ranked = [STATUSES.index(s) for s in statuses]
    return STATUSES[max(ranked)] if ranked else "pass"
