"""The judge's end of the protocol: start an executor, ask it things, keep the clock.

Every wait has a deadline measured here, whatever the executor says or does; a reply that
breaks the protocol, a death, or a missed deadline raises :class:`ExecutorLost` and the
executor is killed with everything it started. What it prints on standard error is read
continuously and only its tail is kept, so no amount of output grows verify.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import asdict

from .protocol import FrameReader, ProtocolError, decode_message, encode_message
from .sandbox import DEFAULT_LIMITS, Protections, SandboxLimits, cgroup_path

__all__ = ["Executor", "ExecutorLost", "RemoteError", "ISOLATION_LEVELS", "STARTUP_SECONDS",
           "executor_sys_path"]

ISOLATION_LEVELS = ("sandbox", "process", "inline")
"""``sandbox``: a subprocess inside the OS sandbox (the default); ``process``: a subprocess
with resource limits only (verify's hidden debugging switch, to measure what isolation
costs); ``inline``: in the judge's own process (gradlab's tests of the checks)."""
STARTUP_SECONDS = 60.0
"""How long an executor may take to start and say it is ready."""
STDERR_TAIL = 8 * 2**10
_LIVE: weakref.WeakSet = weakref.WeakSet()


class ExecutorLost(BaseException):
    """The executor stopped answering (timed out, died, or broke the protocol).

    A ``BaseException``, so that nothing between the request and the check that made it
    (a learner-facing ``except Exception``, hypothesis) can swallow it.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RemoteError(Exception):
    """The learner's code raised ``type_name`` in the executor.

    ``stage`` is ``"call"`` (inside the call), ``"resolve"`` (looking the object up:
    a missing attribute or method), ``"load"``, ``"set"``, ``"assign"`` or ``"encode"``.
    """

    def __init__(self, error: dict):
        message = str(error.get("message", ""))[:2000]
        super().__init__(message)  # first: NameError.__init__ would reset .name
        self.type_name = str(error.get("type", "Exception"))[:100]
        self.builtin = str(error.get("builtin", self.type_name))[:100]
        """The nearest builtin class of the learner's exception (``TypeError`` for a
        ``TypeError`` subclass of theirs): what a check's ``except`` clause sees."""
        self.message = message
        self.stage = str(error.get("stage", "call"))
        self.name = error.get("name") if isinstance(error.get("name"), str) else None
        self.where = str(error.get("where", ""))[:300]
        self.code = error.get("code")

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        return f"{self.type_name}: {self.message}"


def _environment(sys_path) -> dict:
    """A small environment: none of the user's variables (tokens, keys) reach the code."""
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT")}
    keep.update(PYTHONPATH=os.pathsep.join(sys_path), PYTHONDONTWRITEBYTECODE="1",
                PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", MPLBACKEND="Agg",
                HOME="/tmp", TMPDIR="/tmp", MPLCONFIGDIR="/tmp/matplotlib",
                OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                JAX_PLATFORMS="cpu")
    return keep


def executor_sys_path(extra=()) -> list[str]:
    """gradlab's own folder, then the Python installation's part of the judge's import path
    (the standard library, site-packages and what their ``.pth`` files add): never the
    folder of the script that started verify, nor the current directory."""
    import site

    import gradlab

    own = os.path.dirname(os.path.dirname(os.path.abspath(gradlab.__file__)))
    prefixes = {os.path.realpath(p) + os.sep for p in
                (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    sites = [*site.getsitepackages(), site.getusersitepackages()]
    added = {os.path.realpath(line) for folder in sites for line in _pth_lines(folder)}
    keep = [p for p in sys.path if p and os.path.isdir(p) and (
        any(os.path.realpath(p).startswith(pre) for pre in prefixes)
        or os.path.realpath(p) in added)]
    return list(dict.fromkeys([own, *extra, *keep]))


def _pth_lines(folder: str):
    """The folders that ``.pth`` files in a site directory add to the path."""
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".pth")]
    except OSError:
        return
    for name in names:
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if line and not line.startswith(("#", "import")) and os.path.isdir(line):
                        yield line
        except OSError:
            continue


class Executor:
    """One executor process.

    Parameters
    ----------
    isolation : {"sandbox", "process"}
        With the OS sandbox, or resource limits only.
    visible : iterable of str
        Paths the executor must read (the target and the folders it imports from).
    sys_path : list of str, optional
        The executor's import path (default :func:`executor_sys_path`).
    limits : SandboxLimits
        Resource limits.
    """

    def __init__(self, *, isolation: str = "sandbox", visible=(), sys_path=None,
                 limits: SandboxLimits = DEFAULT_LIMITS, startup: float = STARTUP_SECONDS):
        if isolation not in ("sandbox", "process"):
            raise ValueError(f"isolation must be 'sandbox' or 'process', got {isolation!r}")
        self.scratch = tempfile.mkdtemp(prefix="gradlab-verify-")
        self.sock, child = socket.socketpair()
        sys_path = list(sys_path or executor_sys_path())
        broad = [p for p in visible if os.path.realpath(p) == os.sep]
        if broad:
            raise ValueError("the executor cannot be shown the whole filesystem ('/'); "
                             "check a folder or file instead")
        options = {"fd": child.fileno(), "scratch": self.scratch, "sys_path": sys_path,
                   "visible": sorted({*visible, *sys_path}), "limits": asdict(limits),
                   "isolate": isolation == "sandbox"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gradlab.conformance.executor.server", json.dumps(options)],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=_environment(sys_path), cwd=self.scratch,
            start_new_session=True)
        child.close()
        self.sock.setblocking(False)
        self.reader = FrameReader()
        self.tail: collections.deque = collections.deque()
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self.next_id, self.closed = 1, False
        _LIVE.add(self)
        ready = self._receive(time.monotonic() + startup, "starting")
        try:
            self.protections = Protections.from_json(ready["ready"]["protections"])
        except (KeyError, TypeError, ValueError):
            self.kill()
            raise ExecutorLost("the executor's first message was not 'ready'") from None

    # -- requests --------------------------------------------------------------------
    def request(self, op: str, body=None, *, timeout: float):
        """Send one request and return the reply's body; raise :class:`RemoteError` when the
        learner's code raised, :class:`ExecutorLost` when the executor is gone."""
        if self.closed:
            raise ExecutorLost("the executor was already stopped")
        ident, self.next_id = self.next_id, self.next_id + 1
        deadline = time.monotonic() + timeout
        try:
            frame = encode_message({"id": ident, "op": op, "body": body})
        except ProtocolError as exc:
            raise ValueError(f"cannot send this request: {exc}") from None
        self._send(frame, deadline, op)
        reply = self._receive(deadline, op)
        if reply.get("id") != ident or ("error" in reply) == ("body" in reply):
            self.kill()
            raise ExecutorLost("the executor sent a reply that does not answer the request "
                               "(a forged or garbled message); it was stopped")
        if "error" in reply:
            if not isinstance(reply["error"], dict):
                self.kill()
                raise ExecutorLost("the executor sent a malformed error")
            raise RemoteError(reply["error"])
        return reply["body"]

    def _send(self, frame: bytes, deadline: float, what: str) -> None:
        view = memoryview(frame)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                self._lost(f"did not read the '{what}' request in time")
            _, writable, _ = select.select([], [self.sock], [], left)
            if writable:
                try:
                    view = view[self.sock.send(view):]
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    self._lost(self._death("while being sent a request"))

    def _receive(self, deadline: float, what: str) -> dict:
        while True:
            try:
                frame = self.reader.frame()
                if frame is not None:
                    return decode_message(frame)
            except ProtocolError as exc:
                self._lost(f"the executor sent an invalid message ({exc}); it was stopped")
            left = deadline - time.monotonic()
            if left <= 0:
                self._lost("timed out" if what != "starting" else
                           "the executor did not start in time")
            readable, _, _ = select.select([self.sock], [], [], left)
            if not readable:
                continue
            try:
                chunk = self.sock.recv(1 << 20)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._lost(self._death("while answering" if what != "starting" else
                                       "while starting"))
            self.reader.feed(chunk)

    def _lost(self, reason: str):
        self.kill()
        raise ExecutorLost(reason)

    def _death(self, when: str) -> str:
        try:
            code = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            code = None
        self._drain.join(timeout=1.0)
        name = ""
        if code is not None and code > 128:
            with contextlib.suppress(ValueError):
                name = f", {signal.Signals(code - 128).name}"
        tail = self.stderr_tail().strip().splitlines()
        last = f": {tail[-1][:200]}" if tail else ""
        return f"the executor died {when} (exit code {code}{name}){last}"

    # -- standard error --------------------------------------------------------------
    def _read_stderr(self) -> None:
        size = 0
        stream = self.proc.stderr
        while True:
            try:
                chunk = stream.read1(1 << 16)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.tail.append(chunk)
            size += len(chunk)
            while size > STDERR_TAIL and len(self.tail) > 1:
                size -= len(self.tail.popleft())

    def stderr_tail(self) -> str:
        return b"".join(self.tail)[-STDERR_TAIL:].decode("utf-8", "replace")

    # -- ending ----------------------------------------------------------------------
    def close(self) -> None:
        """Ask the executor to stop, then make sure it has (and everything it started)."""
        if self.closed:
            return
        with contextlib.suppress(OSError, ExecutorLost, ValueError, subprocess.TimeoutExpired):
            self._send(encode_message({"op": "bye"}), time.monotonic() + 1.0, "bye")
            self.proc.wait(timeout=2.0)
        self.kill()

    def kill(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()
        self._drain.join(timeout=1.0)
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError, ValueError):
            self.proc.stderr.close()
        _remove(self.scratch)
        for path in cgroup_path(self.proc.pid):
            for _ in range(50):  # the namespace's processes die with its PID 1; wait for them
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _remove(path: str) -> None:
    """Remove the scratch folder, whatever the executor turned it into."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.remove(path)


@atexit.register
def _kill_all() -> None:
    for executor in list(_LIVE):
        executor.kill()
