"""The executor's request handling in the judge's own process, over the same encoding.

For gradlab's tests of the checks (a mutant is a Python object, not a file) and verify's
hidden ``--isolation inline`` switch, and nothing else: the code runs unisolated, and a
call that hangs is stopped by ``SIGALRM`` only (in the main thread).
"""

from __future__ import annotations

import contextlib
import signal
import threading

from .client import ExecutorLost, RemoteError
from .protocol import decode_message, encode_message
from .sandbox import Protections

__all__ = ["InlineExecutor"]


class InlineExecutor:
    """Answers requests about ``definitions`` (id -> object) in this process."""

    protections = Protections()

    def __init__(self, definitions: dict):
        from .server import Server

        self.server = Server(None)
        self.server.definitions.update(definitions)
        self.closed = False

    def request(self, op: str, body=None, *, timeout: float):
        from .server import Interrupt, _Failure

        message = decode_message(encode_message({"op": op, "body": body})[4:], functions=True)
        try:
            with _alarm(timeout):
                result = self.server.dispatch(message["op"], message.get("body"), None)
        except _Failure as failure:
            raise RemoteError(failure.error) from None
        except Interrupt:
            raise ExecutorLost("timed out") from None
        reply = encode_message({"body": result}, to_handle=self.server.handle)
        return decode_message(reply[4:])["body"]

    def close(self) -> None:
        self.closed = True

    kill = close


@contextlib.contextmanager
def _alarm(seconds: float):
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    from .server import Interrupt

    def expire(signum, frame):
        raise Interrupt()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
