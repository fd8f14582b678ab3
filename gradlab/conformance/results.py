"""What :func:`gradlab.verify` returns: the records of one or more targets, as an object to
iterate, filter, test (``.ok``), save (``.to_json()``), print (``str()`` is the text of
``gradlab verify``) and show in Jupyter (``_repr_html_``)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence

from .batch import TargetResult
from .records import STATUSES, Record
from .report import exit_code, format_report, json_records

__all__ = ["VerifyReport"]


def _matcher(value, field: str) -> Callable[[str], bool]:
    if value is None:
        return lambda _: True
    if isinstance(value, str):
        return lambda text: fnmatch.fnmatchcase(text, value)
    if isinstance(value, Iterable):
        allowed = set(value)
        return lambda text: text in allowed
    raise TypeError(f"{field} must be a string (a glob pattern such as 'softmax.*') or a "
                    f"collection of exact values, got {type(value).__name__}.")


class VerifyReport(Sequence):
    """The records of a verify run, target by target.

    A sequence of :class:`~gradlab.conformance.Record` (``check``, ``target``,
    ``status``, ``message``, ``counterexample``, ``function``, ``definition``, ...).

    Attributes
    ----------
    results : list of TargetResult
        One per target, in the order given: its label, kind, root and records.
    verbose : bool
        Whether ``str()`` lists every failing check with its counterexample.
    """

    def __init__(self, results: list[TargetResult], *, verbose: bool = False):
        self.results = list(results)
        self.verbose = verbose
        self._records = [r for result in self.results for r in result.records]

    # -- the records -------------------------------------------------------------------
    def __getitem__(self, index):
        return self._records[index]

    def __len__(self) -> int:
        return len(self._records)

    @property
    def records(self) -> list[Record]:
        return list(self._records)

    def filter(self, status=None, *, function=None, check=None, target=None,
               where: Callable[[Record], bool] | None = None) -> VerifyReport:
        """The report restricted to the records that match every criterion given.

        Each criterion is a glob pattern (``check="softmax.*"``) or a collection of exact
        values (``status=("fail", "error")``); ``where`` is any predicate on a record.

        Examples
        --------
        >>> report.filter("fail").records          # doctest: +SKIP
        >>> report.filter(function="softmax", status={"fail", "warn"})  # doctest: +SKIP
        """
        if isinstance(status, str) and status not in STATUSES and not any(
                c in status for c in "*?["):
            raise ValueError(f"status must be one of {STATUSES} (or a pattern), got "
                             f"{status!r}.")
        tests = [(_matcher(status, "status"), "status"), (_matcher(function, "function"),
                 "function"), (_matcher(check, "check"), "check"),
                 (_matcher(target, "target"), "target")]

        def keep(r: Record) -> bool:
            return all(test(getattr(r, name)) for test, name in tests) and (
                where is None or where(r))

        results = [TargetResult(t.label, t.kind, t.target, t.root,
                                [r for r in t.records if keep(r)], t.seconds)
                   for t in self.results]
        return VerifyReport(results, verbose=self.verbose)

    @property
    def failures(self) -> VerifyReport:
        """The records that make verify exit 1: ``fail`` and ``error``."""
        return self.filter(("fail", "error"))

    # -- verdicts ----------------------------------------------------------------------
    @property
    def exit_code(self) -> int:
        """What ``gradlab verify`` would exit with: 0 when nothing fails or errors."""
        return exit_code(self._records)

    @property
    def ok(self) -> bool:
        """True when no check failed and none could not run (warnings and skips are ok)."""
        return self.exit_code == 0

    def __bool__(self) -> bool:
        raise TypeError("a VerifyReport has no truth value: test report.ok (nothing failed) "
                        "or len(report) (how many records).")

    # -- formats -----------------------------------------------------------------------
    def to_json(self) -> list[dict]:
        """The records as ``gradlab verify --json`` writes them."""
        return json_records(self._records)

    def to_junit(self) -> str:
        """JUnit XML, as ``--junit FILE`` writes it."""
        from .formats.junit import to_junit

        return to_junit(self.results)

    def to_gradescope(self) -> dict:
        """The results.json object of a Gradescope autograder (``--format gradescope``)."""
        from .formats.gradescope import to_gradescope

        return to_gradescope(self.results)

    def summary(self) -> str:
        """One row per target, one column per book name, and the totals."""
        from .formats.summary import format_summary

        return format_summary(self.results)

    def __str__(self) -> str:
        text = format_report(self._records, verbose=self.verbose)
        return text + ("\n\n" + self.summary() if len(self.results) > 1 else "")

    def __repr__(self) -> str:
        from .formats.rows import check_counts

        counts = check_counts(self._records)
        shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no checks"
        n = len(self.results)
        return f"<VerifyReport of {n} target{'s' if n != 1 else ''}: {shown}>"

    def _repr_html_(self) -> str:
        from .formats.html import to_html

        return to_html(self.results)
