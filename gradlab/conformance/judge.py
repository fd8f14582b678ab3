"""A judge in a process of its own, for checking many targets: it takes :class:`~.batch.Job`
lines on its standard input and answers each with a :class:`~.batch.TargetResult` line.

Verify's own process keeps the clock: a target that runs past its wall-time limit, or a
judge that dies, costs that target one ``error`` record and the judge is replaced for the
next target. The judge imports no learner code (that runs in the executors it starts from
its main thread, which die with it), uses one CPU thread (parallelism comes from running
several judges), and dies with the thread that started it.

    python -m gradlab.conformance.judge PARENT_PID      # started by :class:`Judge`
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time

from .batch import Job, TargetResult, lost_target

__all__ = ["Judge", "STDERR_TAIL", "START_SECONDS", "main"]

STDERR_TAIL = 4000
"""Characters of a lost judge's standard error quoted in its target's record."""
START_SECONDS = 120.0
"""How long a judge may take to start (Python, NumPy and JAX imports) and say it is ready;
a target's wall-time limit counts from then."""
_READY = b'{"ready": true}'


class Judge:
    """A judge process, started on first use and replaced after it is lost.

    ``run(job, limit)`` checks one target and never raises on the target's faults nor on
    the judge's: past ``limit`` seconds (``None``: no limit) or when the process dies,
    the judge is killed and the result is one ``error`` record.
    """

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self._stderr = None
        self._buffer = b""

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", __name__, str(os.getpid())], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, env=_environment())
        self._buffer = b""

    def run(self, job: Job, limit: float | None = None) -> TargetResult:
        start = time.monotonic()
        try:
            if self.proc is None:
                self._start()
                if self._read_line(time.monotonic() + START_SECONDS) != _READY:
                    raise EOFError
        except (OSError, EOFError, TimeoutError):
            return self._lost(job, start, "verify's judge process did not start")
        start = time.monotonic()
        deadline = None if limit is None else start + limit
        try:
            self.proc.stdin.write((json.dumps(job.to_json()) + "\n").encode())
            self.proc.stdin.flush()
            line = self._read_line(deadline)
        except TimeoutError:  # before OSError, of which it is a kind
            return self._lost(job, start, f"verify stopped checking this target after its "
                                          f"wall-time limit of {limit:g} s", exited=False)
        except (OSError, EOFError):
            return self._lost(job, start, "verify's judge process stopped while checking "
                                          "this target")
        try:
            return TargetResult.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            return self._lost(job, start, f"verify's judge answered with a malformed result "
                                          f"({exc})")

    def _read_line(self, deadline: float | None) -> bytes:
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _lost(self, job: Job, start: float, reason: str, exited: bool = True) -> TargetResult:
        code = None
        if self.proc is not None and exited:  # it closed its end: its status comes soon
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(timeout=2)
        tail = self._stderr_tail()
        self.close(kill=True)
        if code is not None:
            reason += f" (exit code {code})"
        return lost_target(job, reason + (f"; its last output: {tail}" if tail else ""),
                           time.monotonic() - start)

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - STDERR_TAIL))
        return " ".join(self._stderr.read().decode("utf-8", "replace").split())

    def close(self, kill: bool = False) -> None:
        """Stop the judge (its executors die with it); a later :meth:`run` starts anew."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                if kill:
                    proc.kill()
                else:
                    proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _environment() -> dict:
    """The judge's environment: one CPU thread for BLAS and XLA (see :func:`main`), and
    gradlab importable although ``-P`` keeps the current folder (a student's, perhaps,
    with a ``numpy.py`` in it) off the judge's import path."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    import gradlab

    own = os.path.dirname(os.path.dirname(os.path.abspath(gradlab.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (own, env.get("PYTHONPATH")) if p)
    return env


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the thread that started it ends."""
    if sys.platform.startswith("linux"):
        import ctypes

        from .executor.sandbox import PR_SET_PDEATHSIG

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


def main(argv=None) -> int:
    """Serve jobs from standard input until it closes."""
    argv = sys.argv[1:] if argv is None else argv
    _die_with_parent(int(argv[0]))
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed by mistake goes to stderr, not into the channel
    from gradlab.bench import limit_xla_to_one_thread

    limit_xla_to_one_thread()
    from .oracle import enable_compilation_cache

    enable_compilation_cache()
    from .batch import check_one

    channel.write(_READY.decode() + "\n")
    channel.flush()
    for line in sys.stdin:
        job = Job.from_json(json.loads(line))
        start = time.perf_counter()
        try:
            result = check_one(job)
        except Exception as exc:  # a fault of verify's own: this target's row only
            result = lost_target(job, f"verify failed on this target: "
                                      f"{type(exc).__name__}: {exc}",
                                 time.perf_counter() - start)
        channel.write(json.dumps(result.to_json()) + "\n")
        channel.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
