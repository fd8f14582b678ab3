"""One unit of verify's work, as data: a :class:`Job` (a target and the options) and its
:class:`TargetResult` (the records), both JSON-able so that a judge process, a process
pool or a dask worker can take one and give the other back."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field

from .records import Record
from .session import DEFAULT_TIMEOUT

__all__ = ["Job", "TargetResult", "check_one", "target_root", "lost_target"]


@dataclass(frozen=True)
class Job:
    """A target to check: ``kind`` and ``target`` as :func:`~.loading.resolve_target`
    gives them, ``label`` as the records name it, and the options of
    :func:`~.runner.run_target`."""

    kind: str
    target: str
    label: str
    quick: bool = False
    examples: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    isolation: str = "sandbox"
    require_sandbox: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Job:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class TargetResult:
    """What verify found in one target: its records, where its definitions' paths start
    (``root``: ``common/functions.py:12`` is ``root/common/functions.py``, line 12) and
    the wall time it took."""

    label: str
    kind: str
    target: str
    root: str
    records: list[Record] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"label": self.label, "kind": self.kind, "target": self.target,
                "root": self.root, "seconds": round(self.seconds, 3),
                "records": [r.to_json() for r in self.records]}

    @classmethod
    def from_json(cls, data: dict) -> TargetResult:
        return cls(data["label"], data["kind"], data["target"], data["root"],
                   [Record.from_json(r) for r in data["records"]], float(data["seconds"]))


def target_root(kind: str, target: str) -> str:
    """The folder that a target's ``definition`` paths are relative to ('' if unknown)."""
    if kind == "dir":
        return target
    if kind in ("file", "notebook"):
        return os.path.dirname(target)
    from .loading import discover

    return discover(kind, target).root or ""


def check_one(job: Job, on_record=None) -> TargetResult:
    """Check ``job``'s target in this process (its code runs in executors started here:
    call this from a main thread, see :mod:`.executor.sandbox`)."""
    from .runner import run_target

    start = time.perf_counter()
    records = run_target(job.kind, job.target, job.label, quick=job.quick,
                         examples=job.examples, timeout=job.timeout, isolation=job.isolation,
                         require_sandbox=job.require_sandbox, on_record=on_record)
    return TargetResult(job.label, job.kind, job.target, target_root(job.kind, job.target),
                        records, time.perf_counter() - start)


def lost_target(job: Job, reason: str, seconds: float = 0.0) -> TargetResult:
    """The result of a target whose judge was lost (it ran past its wall-time limit or
    its process died): one ``error`` record, so that it costs only its own row."""
    record = Record("target", job.label, "error", reason, function="(target)")
    try:
        root = target_root(job.kind, job.target)
    except (OSError, ValueError):
        root = ""
    return TargetResult(job.label, job.kind, job.target, root, [record], seconds)
