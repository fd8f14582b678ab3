"""The report as the ``results.json`` that a Gradescope autograder writes
(``--format gradescope``; Gradescope's "Autograder Specifications": ``tests`` with
``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``).

One test per check, named as in :mod:`.cases`, worth one point, scored by severity
(:data:`SCORES`). Problems with the target itself (it could not be loaded, it timed out)
are tests worth no points, so that the student sees them; the top-level ``output`` is
the text report."""

from __future__ import annotations

from ..batch import TargetResult
from ..report import format_report, is_meta
from .cases import failure_text, test_cases

__all__ = ["SCORES", "to_gradescope"]

SCORES = {"pass": 1.0, "warn": 0.5, "skip": 0.0, "fail": 0.0, "error": 0.0}
"""Points of a check by its status, out of 1: a warning (a hazard without a wrong number,
such as moving the caller's ``init_x``) costs half; what is missing, wrong or could not be
run earns nothing."""


def _test(case, prefix: str) -> dict:
    r = case.record
    meta = is_meta(r)
    return {"name": prefix + case.name, "score": 0.0 if meta else SCORES[r.status],
            "max_score": 0.0 if meta else 1.0,
            "status": "passed" if r.status in ("pass", "warn") else "failed",
            "output": r.message if r.status == "pass" else failure_text(r),
            "visibility": "visible"}


def to_gradescope(results: list[TargetResult]) -> dict:
    """The results.json object of ``results`` (test names start with the target's label
    when there are several)."""
    tests = []
    for result in results:
        prefix = f"{result.label}: " if len(results) > 1 else ""
        tests += [_test(c, prefix) for c in test_cases(result)
                  if not (is_meta(c.record) and c.record.status == "pass")]
    records = [r for result in results for r in result.records]
    return {"score": sum(t["score"] for t in tests),
            "execution_time": round(sum(r.seconds for r in results), 1),
            "output": format_report(records), "tests": tests}
