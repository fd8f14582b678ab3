"""The worker process of ``gradlab verify``: loads one target and runs the checks on it.

Started by :mod:`.runner` as ``python -m gradlab.conformance.worker JSON`` with the
options as one JSON argument. It talks back through its original standard
output, one JSON object per line::

    {"event": "record", ...}   a load record or a check's record
    {"event": "start", "check": name}
    {"event": "done"}

The learner's own prints go nowhere. Before any learner code runs, the worker
limits its memory and CPU time, closes standard input, turns ``input()`` and
network connections into errors, and selects matplotlib's Agg backend (set
by the parent through ``MPLBACKEND``), so ``plt.show()`` returns at once.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import sys

__all__ = ["main", "install_guards"]


class GuardError(RuntimeError):
    """A learner's code tried something verify does not allow (input, network)."""


def _no_input(*args, **kwargs):
    raise GuardError("input() is disabled while gradlab verify runs (no one is typing)")


def _no_network(*args, **kwargs):
    raise GuardError("network access is disabled while gradlab verify runs (no downloads)")


def install_guards(*, memory_bytes: int | None, cpu_seconds: int | None) -> None:
    """Limit memory and CPU, and disable input() and network access, for this process."""
    import resource
    import socket

    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    builtins.input = _no_input
    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network


def main(argv=None) -> int:
    options = json.loads((argv or sys.argv[1:])[0])
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdin = io.StringIO("")
    sys.stdout = io.StringIO()

    def send(obj):
        channel.write(json.dumps(obj) + "\n")
        channel.flush()

    install_guards(memory_bytes=options.get("memory_bytes"),
                   cpu_seconds=options.get("cpu_seconds"))
    import gradlab.reference  # noqa: F401  (JAX first: its import is not the target's time)

    from .loading.targets import load_target
    from .oracle import enable_compilation_cache
    from .suite import _time_limit, run_checks

    enable_compilation_cache()
    try:
        with _time_limit(options.get("load_timeout", 30.0)):
            impl, load_records = load_target(options["kind"], options["target"])
    except BaseException as exc:  # the target itself failed to load; report, do not crash
        from .records import Record

        what = "timed out" if type(exc).__name__ == "CheckTimeout" else \
            f"{type(exc).__name__}: {str(exc)[:200]}"
        send({"event": "record", **Record("load", options["label"], "error",
                                           f"could not load the target: {what}",
                                           function="(load)").to_json()})
        send({"event": "done"})
        return 0
    if options.get("report_load", True):
        for record in load_records:
            record.target = options["label"]
            send({"event": "record", **record.to_json()})
    impl.label = options["label"]
    run_checks(impl, quick=options.get("quick", False), examples=options.get("examples"),
               timeout=options.get("timeout", 15.0), skip=set(options.get("skip", ())),
               abandon=set(options.get("abandon", ())),
               on_start=lambda c: send({"event": "start", "check": c.name}),
               on_record=lambda r: send({"event": "record", **r.to_json()}))
    send({"event": "done"})
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: a thread the learner's code started must not keep the worker alive
    os._exit(status)
