"""Run the conformance checks against an implementation and collect the records."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

from .harness import Failed, Harness, Missing
from .loading.implementation import ALIASES, OPTIONAL
from .records import CheckTimeout, Outcome, Record
from .registry import CHECKS

__all__ = ["run_checks", "run_check", "all_checks", "DEFAULT_EXAMPLES", "DEFAULT_TIMEOUT"]

DEFAULT_EXAMPLES = 20
"""Hypothesis examples per search in a default run (``--examples``)."""
DEFAULT_TIMEOUT = 15.0
"""Seconds one check may run before it is stopped and reported (``--timeout``)."""


def all_checks(*, quick: bool = False):
    """Every registered check (those marked quick only, with ``quick``)."""
    from . import (  # noqa: F401  (importing registers the checks)
        checks_functions,
        checks_nets,
        checks_numerical,
        checks_simplenet,
    )

    order = {name: i for i, name in enumerate(ALIASES)}  # the book's order
    return sorted((c for c in CHECKS if c.quick or not quick), key=lambda c: order[c.function])


def run_checks(impl, *, quick: bool = False, examples: int | None = None,
               functions=None, timeout: float = DEFAULT_TIMEOUT, skip=(), abandon=(),
               on_start=None, on_record=None):
    """Run the conformance checks against ``impl``.

    Parameters
    ----------
    impl : Implementation
        What to check.
    quick : bool, optional
        Only the fixed-input checks (no hypothesis searches).
    examples : int, optional
        Hypothesis examples per search (default :data:`DEFAULT_EXAMPLES`).
    functions : iterable of str, optional
        Only the checks of these book names.
    timeout : float, optional
        Seconds per check; a check that runs longer is stopped and reported as
        ``error`` (needs the main thread; elsewhere checks run without a limit).
    skip : iterable of str
        Check names not to run (a restarted worker skips those already done).
    abandon : iterable of str
        Book names whose checks are reported as ``error`` without running (one of
        their checks hung so hard that its worker had to be killed).
    on_start : callable, optional
        Called with each :class:`Check` before it runs.
    on_record : callable, optional
        Called with each :class:`Record` as soon as it exists.

    Returns
    -------
    list of Record
        One per check run, plus one ``skip`` record per book name ``impl`` lacks.

    Notes
    -----
    Severity: ``fail`` for wrong numbers or a crash on valid input, ``warn`` for
    a side effect that gives no wrong number (mutating the caller's array),
    ``error`` when the check could not run (timeout), ``skip`` when not
    implemented. Tolerances come from :mod:`gradlab.conformance.tolerances`.

    Examples
    --------
    >>> from gradlab.conformance import gradlab_implementation
    >>> records = run_checks(gradlab_implementation(), quick=True, functions={"softmax"})
    >>> sorted({r.status for r in records})
    ['pass']
    """
    examples = DEFAULT_EXAMPLES if examples is None else examples
    records, reported_missing = [], set()
    for c in all_checks(quick=quick):
        if (functions and c.function not in functions) or c.name in skip:
            continue
        if impl.get(c.function) is None:
            if c.function not in OPTIONAL and c.function not in reported_missing \
                    and f"{c.function}.defined" not in skip:
                reported_missing.add(c.function)
                names = ", ".join(ALIASES[c.function])
                records.append(Record(f"{c.function}.defined", impl.label, "skip",
                                      f"not implemented (looked for {names})",
                                      function=c.function))
                if on_record:
                    on_record(records[-1])
            continue
        if c.function in abandon:
            records.append(Record(c.name, impl.label, "error", "not run: an earlier check of "
                                  f"{c.function} ended its worker process (a hang or a crash)",
                                  function=c.function,
                                  definition=impl.origins.get(c.function, "")))
        else:
            if on_start:
                on_start(c)
            records.append(run_check(c, impl, examples=examples, timeout=timeout))
        if on_record:
            on_record(records[-1])
    return records


def run_check(c, impl, *, examples: int = DEFAULT_EXAMPLES,
              timeout: float = DEFAULT_TIMEOUT) -> Record:
    """Run one check and turn whatever happens (a crash, a hang, sys.exit) into a Record."""
    h = Harness(impl, examples=examples)
    start = time.perf_counter()
    try:
        with _time_limit(timeout):
            outcome = c.run(h)
    except CheckTimeout:
        outcome = Outcome("error", f"timed out after {timeout:g} s (an endless loop?)",
                          h.last_call)
    except Missing as missing:
        outcome = Outcome("skip", f"needs {missing}, which the target does not define")
    except Failed as failed:
        outcome = failed.outcome
    except SystemExit as exc:
        outcome = Outcome("fail", f"called sys.exit({exc.code}) on valid input", h.last_call)
    except Exception as exc:
        outcome = _crash(exc, impl, h.last_call)
    outcome = _with_side_effects(outcome, h.side_effects)
    return Record(c.name, impl.label, outcome.status, outcome.message, outcome.counterexample,
                  function=c.function, definition=impl.origins.get(c.function, ""),
                  details=outcome.details, seconds=time.perf_counter() - start)


def _crash(exc, impl, call) -> Outcome:
    text = f"{type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, NameError) and getattr(exc, "name", None) in impl.script_names:
        return Outcome("error", f"{text} -- {exc.name!r} is set by a module-level script "
                                f"statement that verify does not run; define it at import "
                                f"without side effects, or inside the function", call)
    if isinstance(exc, AttributeError) and "has no attribute 'int'" in str(exc):
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


@contextlib.contextmanager
def _time_limit(seconds: float):
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CheckTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
