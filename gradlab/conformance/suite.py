"""Run the conformance checks against a target and collect the records.

Checks run here, in the judge; the target's code runs in its executor (see
:mod:`.session`). ``run_checks`` takes a :class:`~.session.Session`, or an
:class:`~.implementation.Implementation` of Python objects, which it checks in this process
(gradlab's own tests of the checks do that; ``gradlab verify`` never does).
"""

from __future__ import annotations

import time

from .harness import Failed, Harness, Missing, Skipped, describe_exception
from .loading.implementation import ALIASES, OPTIONAL
from .loading.syntax import needs_newer_python
from .records import Outcome, Record
from .registry import CHECKS
from .session import (
    DEFAULT_TIMEOUT,
    ExecutorLost,
    InlineSession,
    RemoteError,
    Session,
    Unrunnable,
)

__all__ = ["run_checks", "run_check", "all_checks", "DEFAULT_EXAMPLES", "DEFAULT_TIMEOUT"]

DEFAULT_EXAMPLES = 20
"""Hypothesis examples per search in a default run (``--examples``)."""


def all_checks(*, quick: bool = False):
    """Every registered check (those marked quick only, with ``quick``)."""
    from . import checks  # noqa: F401  (importing registers the checks)

    order = {name: i for i, name in enumerate(ALIASES)}  # the book's order
    return sorted((c for c in CHECKS if c.quick or not quick), key=lambda c: order[c.function])


def run_checks(target, *, quick: bool = False, examples: int | None = None,
               functions=None, timeout: float | None = None, on_start=None, on_record=None):
    """Run the conformance checks against ``target``.

    Parameters
    ----------
    target : Session or Implementation
        What to check: a session (its code in an executor), or an Implementation of
        Python objects, checked in this process (gradlab's tests only).
    quick : bool, optional
        Only the fixed-input checks (no hypothesis searches).
    examples : int, optional
        Hypothesis examples per search (default :data:`DEFAULT_EXAMPLES`).
    functions : iterable of str, optional
        Only the checks of these book names.
    timeout : float, optional
        Seconds one call into the target may take (default: the session's); a call that
        takes longer ends its executor and the check is reported as ``error``.
    on_start : callable, optional
        Called with each :class:`Check` before it runs.
    on_record : callable, optional
        Called with each :class:`Record` as soon as it exists.

    Returns
    -------
    list of Record
        One per check run, plus one ``skip`` record per book name the target lacks.

    Notes
    -----
    Every definition of a name is checked, the headline (the one the target's own code uses)
    first. An earlier version from the book's own progression (a softmax of one sample, a
    1-D numerical_gradient) that none of the book's networks or layers in the target uses
    fails no check beyond what that version was written for (a ``warn`` instead), as long as
    it is right within it. Severity: ``fail`` for wrong numbers or a crash on valid input,
    ``warn`` for a side effect that gives no wrong number (mutating the caller's array),
    ``error`` when the check could not run (a timeout, a dead executor), ``skip`` when not
    implemented. When a check loses its executor, that definition's remaining checks are not
    run (``error``): one endless loop costs one timeout, not one per check.
    Tolerances come from :mod:`gradlab.conformance.tolerances`.

    Examples
    --------
    >>> from gradlab.conformance import gradlab_implementation
    >>> records = run_checks(gradlab_implementation(), quick=True, functions={"softmax"})
    >>> sorted({r.status for r in records})
    ['pass']
    """
    session = target if isinstance(target, Session) else InlineSession(target)
    if timeout is not None:
        session.timeout = timeout
    examples = DEFAULT_EXAMPLES if examples is None else examples
    records = []

    def emit(record):
        records.append(record)
        if on_record:
            on_record(record)

    by_name: dict[str, list] = {}
    for c in all_checks(quick=quick):
        if not functions or c.function in functions:
            by_name.setdefault(c.function, []).append(c)
    for name, checks in by_name.items():
        entries = session.definitions_of(name)
        if not entries and name not in OPTIONAL:
            emit(Record(f"{name}.defined", session.label, "skip",
                        f"not implemented (looked for {', '.join(ALIASES[name])})",
                        function=name))
        copies: dict = {}
        for entry in entries:
            abandoned, wrong_within = None, [False]
            for c in checks:
                if abandoned:
                    emit(Record(c.name, session.label, "error",
                                f"not run: an earlier check ({abandoned}) ended its executor",
                                function=name, definition=entry.where, role=entry.role))
                    continue
                if on_start:
                    on_start(c)
                record, lost = _run(c, session, examples, entry, copies, wrong_within)
                abandoned = c.name if lost else None
                emit(record)
    return records


def run_check(c, session, *, examples: int = DEFAULT_EXAMPLES, entry=None) -> Record:
    """Run one check (on ``entry``, default the headline of its name) and turn whatever
    happens (a crash, a hang, sys.exit) into a Record."""
    return _run(c, session, examples, entry or session.headline(c.function), {})[0]


BOOK_BUGS = frozenset({"numerical_gradient.integer_input"})
"""Checks the book's own earlier versions fail too: failing one does not make a definition
less faithful to its version (the others beyond that version stay excused)."""
OTHER_EXAMPLES = 5
"""Hypothesis examples per search for a definition that is not its name's headline (the
headline gets ``examples``): another definition's fixed checks still run in full."""


def _run(c, session, examples: int, entry, copies: dict, wrong_within=None
         ) -> tuple[Record, bool]:
    """The check's record, and whether it lost its executor. ``copies`` maps (digest,
    check) to the outcome of a definition with the same code, which is not run again;
    ``wrong_within`` is a one-item list, set when the definition failed a check within
    what its book version was written for (then nothing beyond it is excused)."""
    wrong_within = [False] if wrong_within is None else wrong_within
    start = time.perf_counter()
    digest = entry.definition.digest if entry.definition is not None else ""
    if digest and (digest, c.name) in copies:
        first, where = copies[(digest, c.name)]
        outcome = Outcome(first.status, f"{first.message} (same code as {where}: checked "
                                        f"there)", first.counterexample, first.details)
        lost = False
    else:
        if entry.role != "headline":
            examples = min(examples, OTHER_EXAMPLES)
        outcome, lost = _outcome(c, session, examples, entry)
        if digest and not lost:
            copies[(digest, c.name)] = (outcome, entry.where)
    lenient = entry.definition.lenient if entry.definition is not None else ()
    if outcome.status == "fail" and c.name not in lenient and c.name not in BOOK_BUGS:
        wrong_within[0] = True
    elif outcome.status == "fail" and c.name in lenient and not wrong_within[0]:
        why = (f"an earlier version from the book's progression ({entry.note}), reported "
               f"without failing the name" if entry.role == "progression" else
               f"beyond what {entry.definition.version} was written for, and none of the "
               f"book's networks or layers in the target uses it")
        outcome = Outcome("warn", f"{why}: {outcome.message}", outcome.counterexample,
                          outcome.details)
    return Record(c.name, session.label, outcome.status, outcome.message,
                  outcome.counterexample, function=c.function, definition=entry.where,
                  details=outcome.details, seconds=time.perf_counter() - start,
                  role=entry.role), lost


def _outcome(c, session, examples: int, entry) -> tuple[Outcome, bool]:
    """What the check says of ``entry``, and whether it lost its executor."""
    h = Harness(session, examples=examples, entry=entry)
    lost = False
    try:
        outcome = c.run(h)
    except ExecutorLost as exc:
        lost = True
        reason = (f"timed out after {session.timeout:g} s (an endless loop?); its executor "
                  f"was stopped"
                  if exc.reason == "timed out" else exc.reason)
        outcome = Outcome("error", reason, h.last_call)
    except Unrunnable as unrunnable:
        outcome = _crash(unrunnable.error, session, h.last_call)
    except Missing as missing:
        outcome = Outcome("skip", f"not implemented: {missing}")
    except Skipped as skipped:
        outcome = Outcome("skip", str(skipped))
    except Failed as failed:
        outcome = failed.outcome
    except RemoteError as exc:
        outcome = _crash(exc, session, h.last_call)
    except Exception as exc:  # the judge could not use what came back
        outcome = Outcome("error", f"verify could not judge the result "
                                   f"({describe_exception(exc)[:300]})", h.last_call)
    outcome = _with_side_effects(outcome, h.side_effects)
    if h.notes and outcome.status != "skip":
        outcome = Outcome(outcome.status, f"{outcome.message} ({'; '.join(sorted(h.notes))})",
                          outcome.counterexample, outcome.details)
    return outcome, lost


def _crash(exc: RemoteError, session, call) -> Outcome:
    text = f"{exc.type_name}: {exc.message[:300]}"
    if exc.type_name == "SystemExit":
        return Outcome("fail", f"called sys.exit({exc.code}) on valid input", call)
    if exc.type_name == "NameError" and exc.name in session.import_failures \
            and needs_newer_python(session.import_failures[exc.name]):
        return Outcome("skip", f"not checked: {exc.name!r} comes from a file that verify "
                               f"could not read ({session.import_failures[exc.name]})", call)
    if exc.type_name == "NameError" and exc.name in session.import_failures:
        return Outcome("error", f"{text} -- {exc.name!r} comes from an import that failed "
                                f"when verify loaded the file ({session.import_failures[exc.name]})"
                                f"; fix or install that import", call)
    if exc.type_name == "NameError" and exc.name in session.script_names:
        return Outcome("error", f"{text} -- {exc.name!r} is set by a module-level script "
                                f"statement that verify does not run; define it at import "
                                f"without side effects, or inside the function", call)
    if exc.type_name == "AttributeError" and "has no attribute 'int'" in exc.message:
        text += " (np.int was removed in NumPy 1.24: use int or np.int64)"
    return Outcome("fail", f"crashed on valid input: {text}", call)


def _with_side_effects(outcome: Outcome, side_effects) -> Outcome:
    if outcome.status not in ("pass", "warn"):
        return outcome
    for wanted in ("fail", "warn"):
        for severity, message, call in side_effects:
            if severity == wanted:
                return Outcome(severity, message, call, outcome.details)
    return outcome
