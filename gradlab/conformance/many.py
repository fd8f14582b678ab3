"""Many targets at once (a class of submissions): judges in parallel, on this machine or on
a dask.distributed cluster, results in the order the targets were given.

    results = check_many(jobs, workers=2)                          # a pool of judge processes
    results = check_many(jobs, executor="dask", workers=2)         # a dask LocalCluster
    results = check_many(jobs, scheduler="tcp://10.0.0.5:8786")    # a running cluster

Each target is checked by a :class:`~.judge.Judge` (a process that runs no learner code
itself); one that runs past ``target_timeout`` or whose judge dies costs one ``error``
record, its own row, and a fresh judge checks the next target.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
import uuid

from .batch import Job, TargetResult, lost_target
from .judge import Judge

__all__ = ["check_many", "run_on_worker", "EXECUTORS", "DEFAULT_TARGET_TIMEOUT"]

EXECUTORS = ("process", "dask")
"""Where the judges run: ``process`` (a pool on this machine) or ``dask``."""
DEFAULT_TARGET_TIMEOUT = 900.0
"""Wall-clock seconds one target may take (``--target-timeout``): a full run on the book's
whole repository takes under a minute here, so only a target that keeps hanging reaches it."""


def check_many(jobs: list[Job], *, workers: int = 1, executor: str = "process",
               scheduler: str | None = None, target_timeout: float | None =
               DEFAULT_TARGET_TIMEOUT, on_result=None) -> list[TargetResult]:
    """Check every job; return their results in the order of ``jobs``.

    Parameters
    ----------
    jobs : list of Job
    workers : int
        Judges running at once (the pool's size, or a LocalCluster's workers).
    executor : {"process", "dask"}
    scheduler : str, optional
        Address of a running dask scheduler (implies ``executor="dask"``); without one,
        ``dask`` starts a LocalCluster of ``workers`` processes for the run.
    target_timeout : float or None
        Wall-clock limit per target, in seconds.
    on_result : callable, optional
        Called as ``on_result(done, total, result)`` as each target finishes.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    progress = _Progress(len(jobs), on_result)
    if executor == "dask" or scheduler:
        return _on_dask(jobs, workers, scheduler, target_timeout, progress)
    return _on_pool(jobs, workers, target_timeout, progress)


class _Progress:
    def __init__(self, total, callback):
        self.total, self.callback, self.done = total, callback, 0
        self.lock = threading.Lock()

    def __call__(self, result):
        with self.lock:
            self.done += 1
            if self.callback:
                self.callback(self.done, self.total, result)


def _on_pool(jobs, workers, limit, progress) -> list[TargetResult]:
    """A thread per judge takes the next target from the queue (each judge dies with the
    thread that started it, so none outlives verify)."""
    results: list[TargetResult | None] = [None] * len(jobs)
    queue = collections.deque(enumerate(jobs))
    lock = threading.Lock()

    def slot():
        judge = Judge()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    i, job = queue.popleft()
                results[i] = judge.run(job, limit)
                progress(results[i])
        finally:
            judge.close()

    threads = [threading.Thread(target=slot, daemon=True, name=f"gradlab-judge-{n}")
               for n in range(max(1, min(workers, len(jobs))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)  # short waits keep Ctrl-C and SIGTERM prompt
    return [r if r is not None else lost_target(j, "verify's judge thread stopped")
            for r, j in zip(results, jobs, strict=True)]


_LOCAL = threading.local()


def run_on_worker(job: dict, limit: float | None) -> dict:
    """A dask task: check one target with this worker thread's judge (started on first
    use, kept for the next task, replaced when lost)."""
    judge = getattr(_LOCAL, "judge", None)
    if judge is None:
        judge = _LOCAL.judge = Judge()
    return judge.run(Job.from_json(job), limit).to_json()


def _on_dask(jobs, workers, scheduler, limit, progress) -> list[TargetResult]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("--executor dask needs dask.distributed: "
                          "pip install 'dask[distributed]'") from None
    results: list[TargetResult | None] = [None] * len(jobs)
    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            import logging

            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        run = uuid.uuid4().hex[:8]
        futures = [client.submit(run_on_worker, job.to_json(), limit, pure=False,
                                 key=f"gradlab-verify-{run}-{i}") for i, job in enumerate(jobs)]
        index = {f.key: i for i, f in enumerate(futures)}
        started = time.monotonic()
        for future in as_completed(futures):
            i = index[future.key]
            try:
                results[i] = TargetResult.from_json(future.result())
            except Exception as exc:  # the task itself was lost (a worker died)
                results[i] = lost_target(jobs[i], f"the dask cluster could not check this "
                                                  f"target: {type(exc).__name__}: {exc}",
                                         time.monotonic() - started)
            progress(results[i])
    return results
