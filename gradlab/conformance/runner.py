"""Check one target: a session (executors started as needed), the suite, the records.

The judge runs here and imports no learner code. The target's code runs in executors
(:mod:`.executor`); one that is lost (a call past its time limit, a crash, a broken
message) costs the check that was running, the function's remaining checks, and a fresh
executor for the other functions. After :data:`~.session.MAX_RESTARTS` lost executors
the target's remaining functions are reported as not run, never dropped silently.
"""

from __future__ import annotations

from .executor.sandbox import PROTECTIONS
from .records import Record
from .session import DEFAULT_TIMEOUT, ExecutorLost, Session
from .suite import all_checks, run_checks

__all__ = ["run_target", "protections_record"]


def run_target(kind: str, target: str, label: str, *, quick=False, examples=None,
               timeout=DEFAULT_TIMEOUT, isolation="sandbox", require_sandbox=False,
               on_record=None) -> list[Record]:
    """Check one target; return its records (never raises on the target's faults).

    Parameters
    ----------
    kind : {"file", "notebook", "dir", "module"}
        What ``target`` is (see :func:`gradlab.conformance.loading.resolve_target`).
    target : str
        Absolute path, or module name.
    label : str
        How the records name the target.
    quick, examples, timeout
        As for :func:`gradlab.conformance.run_checks`.
    isolation : {"sandbox", "process"}
        ``process`` runs the executor without the OS sandbox (for measuring its cost).
    require_sandbox : bool
        Check nothing (an ``error`` record) when a protection is missing.
    on_record : callable, optional
        Called with each record as it is made.
    """
    records: list[Record] = []

    def emit(record):
        records.append(record)
        if on_record:
            on_record(record)

    if isolation == "inline":
        session = _inline(kind, target, label, timeout)
    else:
        from .loading import discover

        session = Session(discover(kind, target, label=label), isolation=isolation,
                          timeout=timeout)
    try:
        try:
            load_records = session.start()
        except ExecutorLost as exc:
            emit(Record("load", label, "error", f"could not load the target: {exc.reason}",
                        function="(load)"))
            return records
        emit(protections_record(session, require_sandbox))
        if require_sandbox and session.protections.missing:
            return records
        for record in load_records:
            emit(record)
        try:
            run_checks(session, quick=quick, examples=examples, on_record=emit)
        except ExecutorLost as exc:  # MAX_RESTARTS reached
            done = {r.function for r in records}
            for function in dict.fromkeys(c.function for c in all_checks(quick=quick)):
                if function not in done and session.has(function):
                    emit(Record(f"{function}.not_run", label, "error",
                                f"not run: {exc.reason}", function=function))
    finally:
        session.close()
    return records


def _inline(kind, target, label, timeout):
    """The target loaded and called in this very process: no executor, no protection.
    Only for ``--isolation inline``, verify's hidden switch to measure what the executor
    and the sandbox cost; never for code one does not trust."""
    from .loading.targets import load_target
    from .session import InlineSession

    impl, load_records = load_target(kind, target)
    impl.label = label
    session = InlineSession(impl, timeout=timeout)
    session.load_records = [Record(r.check, label, r.status, r.message, r.counterexample,
                                   r.function, r.definition, r.details) for r in load_records]
    return session


def protections_record(session, required: bool = False) -> Record:
    """What contained the target's code: ``pass`` with every protection in force, else
    ``warn`` (``error`` when the sandbox is required) naming each missing one and why."""
    prot = session.protections
    held = ", ".join(n for n in PROTECTIONS if n in prot.active) or "none"
    if not prot.missing:
        return Record("sandbox", session.label, "pass", f"in force: {held}",
                      function="(sandbox)")
    missing = "; ".join(f"{n} ({why})" for n, why in prot.missing.items())
    if required:
        message = f"--require-sandbox refused to check this target: missing {missing}"
    else:
        message = (f"missing: {missing}; in force: {held}; the code ran with less "
                   f"containment than verify promises")
    return Record("sandbox", session.label, "error" if required else "warn", message,
                  function="(sandbox)",
                  details="\n".join(f"{n}: {PROTECTIONS[n]}" for n in PROTECTIONS))
