"""Run the conformance suite on targets, each in its own worker process.

One worker per TARGET (JAX's import, ~1 s, is paid once per target). The parent
watches the worker's progress line by line: a check that neither finishes nor
honours its in-process time limit (a C-level hang, an ``except BaseException``
around an endless loop) gets the worker killed after ``timeout + GRACE``
seconds; that check is reported as ``error`` and a fresh worker resumes with
the checks not yet done (at most ``MAX_RESTARTS`` times). A worker that dies
(memory limit, ``os._exit``, a segfault) is handled the same way. So verify
never hangs, and one bad function does not hide the others.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

from .records import Record

__all__ = ["run_target", "GRACE", "MAX_RESTARTS", "MEMORY_BYTES"]

GRACE = 10.0
"""Seconds beyond a check's own time limit before its worker is killed."""
STARTUP = 60.0
"""Seconds a worker may take to import JAX and load the target before it is killed."""
MAX_RESTARTS = 5
MEMORY_BYTES = 4 * 2**30
"""Address-space limit of a worker (JAX needs about 1 GiB)."""


def _environment() -> dict:
    import gradlab

    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(gradlab.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([package_parent] + (
        [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", JAX_PLATFORMS="cpu",
               PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    return env


def _reader(stream, lines: queue.Queue):
    for line in stream:
        lines.put(line)
    lines.put(None)


def run_target(kind: str, target: str, label: str, *, quick=False, examples=None,
               timeout=15.0, grace=GRACE, on_record=None) -> list[Record]:
    """Check one target in worker processes; return its records (never raises on its faults).

    Parameters
    ----------
    kind : {"file", "dir", "module"}
        What ``target`` is.
    target : str
        Absolute path, or module name.
    label : str
        How the records name the target.
    quick, examples, timeout
        As for :func:`gradlab.conformance.run_checks`.
    grace : float, optional
        Seconds past ``timeout`` before a check's worker is killed.
    on_record : callable, optional
        Called with each record as it arrives.
    """
    records, done, abandon = [], set(), set()
    budget = 4 * 60 * 60  # CPU seconds: a backstop only; wall-clock limits act first
    for attempt in range(MAX_RESTARTS + 1):
        options = dict(kind=kind, target=target, label=label, quick=quick, examples=examples,
                       timeout=timeout, skip=sorted(done), abandon=sorted(abandon),
                       report_load=attempt == 0,
                       memory_bytes=MEMORY_BYTES, cpu_seconds=budget)
        finished, killed_in = _run_worker(options, records, done, on_record, timeout, grace)
        if finished:
            break
        if killed_in is None:  # died before running any check: the load itself failed
            break
        abandon.add(killed_in.split(".")[0])
    else:
        _give_up(records, quick, label, on_record)
    return records


def _give_up(records, quick, label, on_record):
    """After MAX_RESTARTS, say which functions were never checked (never drop them silently)."""
    from .suite import all_checks

    reported = {r.function for r in records}
    for function in dict.fromkeys(c.function for c in all_checks(quick=quick)):
        if function not in reported:
            records.append(Record(f"{function}.not_run", label, "error",
                                  f"not run: verify gave up after {MAX_RESTARTS} worker "
                                  f"restarts caused by other functions", function=function))
            if on_record:
                on_record(records[-1])


def _run_worker(options, records, done, on_record, timeout, grace):
    """One worker's life. Returns (finished, name of the check it died in or None)."""
    with tempfile.TemporaryDirectory(prefix="gradlab-verify-") as workdir, \
            tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gradlab.conformance.worker", json.dumps(options)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, text=True,
            cwd=workdir, env=_environment(), start_new_session=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        current, deadline, finished = None, time.monotonic() + STARTUP, False
        started_any = False
        while True:
            try:
                line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                line = "timeout"
            if line == "timeout" or (line is not None and time.monotonic() > deadline):
                _kill(proc)
                if finished:  # every check reported; only the exit hung
                    return True, None
                why = (f"did not return within {timeout + grace:g} s and ignored the time "
                       f"limit; its worker was killed" if current else
                       "the worker stopped answering between two checks and was killed"
                       if started_any else
                       f"loading took more than {STARTUP:g} s; the worker was killed")
                _add(records, done, on_record, _lost(options, current, why))
                return False, current
            if line is None:  # the worker closed its output: it ended, or is about to
                try:
                    code = proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    _kill(proc)
                    code = proc.wait()
                if finished:
                    return True, None
                tail = _tail(errors)
                why = f"the worker died (exit code {code}{_signal_name(code)}){tail}"
                _add(records, done, on_record, _lost(options, current, why))
                return False, current if started_any else None
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("event") == "start":
                current, started_any = event["check"], True
                deadline = time.monotonic() + timeout + grace
            elif event.get("event") == "record":
                event.pop("event")
                _add(records, done, on_record, Record.from_json(event))
                current = None
            elif event.get("event") == "done":
                finished = True


def _add(records, done, on_record, record):
    records.append(record)
    done.add(record.check)
    if on_record:
        on_record(record)


def _lost(options, current, why) -> Record:
    name = current or "load"
    function = current.split(".")[0] if current else "(load)"
    return Record(name, options["label"], "error", why, function=function)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def _tail(errors) -> str:
    errors.seek(0)
    text = errors.read().strip().splitlines()
    return f": {text[-1][:200]}" if text else ""


def _signal_name(code) -> str:
    if code is not None and code < 0:
        try:
            return f", {signal.Signals(-code).name}"
        except ValueError:
            return ""
    return ""
