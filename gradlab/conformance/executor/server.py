"""The executor: the one process where a learner's code runs; it answers the judge's calls.

Started by :mod:`.client` as ``python -m gradlab.conformance.executor.server OPTIONS`` with
the protocol socket as a descriptor. In order, before any learner code:

1. import everything it will need (NumPy, the protocol, the loader, the probes);
2. enter the OS sandbox (:mod:`.sandbox`), which decides what the code can reach;
3. point standard input and output at ``/dev/null`` (prints go nowhere; standard error
   goes to the judge, which keeps only its tail);
4. say ``ready`` with the protections in force: the judge reports them as they are here,
   before anything the learner wrote had a chance to run.

Then it serves requests one at a time: ``load`` the target, ``call`` a definition or an
object it holds, ``get``/``set`` an attribute, ``assign`` into an array, ``release``
handles. Nothing it sends is a verdict: it sends values, and the judge decides.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import sys
import warnings

import numpy as np

from .. import probes
from .protocol import FrameReader, ProtocolError, decode_message, encode_message
from .sandbox import SandboxLimits, enter
from .values import FunctionSpec, Handle, Ref

__all__ = ["main"]

OUTPUT_LIMIT = 64 * 2**10
"""Characters of a call's own prints kept (for a message); the rest is dropped."""


class _Bounded(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters written to it."""

    def __init__(self, limit: int = OUTPUT_LIMIT):
        self.limit, self.parts, self.size = limit, [], 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        if self.size < self.limit:
            self.parts.append(text[: self.limit - self.size])
            self.size += len(self.parts[-1])
        return len(text)


class Server:
    """Objects the judge can name: definitions by id, everything else by handle."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = FrameReader()
        self.definitions: dict[str, object] = {}
        self.handles: dict[int, object] = {}
        self.handle_of: dict[int, int] = {}  # id(obj) -> handle number

    # -- transport -------------------------------------------------------------------
    def send(self, message: dict) -> None:
        try:
            frame = encode_message(message, to_handle=self.handle)
        except ProtocolError as exc:
            frame = encode_message({"id": message.get("id"), "error": _error(exc, "encode")})
        self.sock.sendall(frame)

    def receive(self) -> dict | None:
        while True:
            frame = self.reader.frame()
            if frame is not None:
                return decode_message(frame, functions=True)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return None
            self.reader.feed(chunk)

    def handle(self, obj) -> Handle:
        number = self.handle_of.get(id(obj))
        if number is None:
            number = len(self.handles) + 1
            while number in self.handles:
                number += 1
            self.handles[number] = obj
            self.handle_of[id(obj)] = number
        return Handle(number, f"{type(obj).__module__}.{type(obj).__qualname__}",
                      _safe_repr(obj))

    # -- references ------------------------------------------------------------------
    def resolve(self, ref):
        """``("def", id, *steps)`` or ``("handle", n, *steps)``; steps ``("attr", name)``
        or ``("item", key)``."""
        if not isinstance(ref, tuple) or len(ref) < 2:
            raise LookupError(f"not a reference: {ref!r}")
        kind, key, steps = ref[0], ref[1], ref[2:]
        table = self.definitions if kind == "def" else self.handles if kind == "handle" \
            else None
        if table is None or key not in table:
            raise LookupError(f"no {kind} {key!r} in the executor")
        obj = table[key]
        for step in steps:
            how, name = step
            obj = getattr(obj, name) if how == "attr" else obj[name]
        return obj

    def functions(self, value, call=None):
        """Replace references and function descriptions inside ``value`` by the executor's
        objects and functions; ``call`` (a list that will hold the call's arguments) is what
        a function reading an argument of its call looks at when it runs."""
        if isinstance(value, Ref):
            return self.resolve(value.path)
        if isinstance(value, FunctionSpec):
            return probes.build(value, call if call is not None else [()], self.resolve)
        if isinstance(value, tuple | list):
            return type(value)(self.functions(v, call) for v in value)
        if isinstance(value, dict):
            return {k: self.functions(v, call) for k, v in value.items()}
        return value

    # -- requests ----------------------------------------------------------------------
    def serve(self, load) -> None:
        while True:
            message = self.receive()
            if message is None or message.get("op") == "bye":
                return
            try:
                result = self.dispatch(message.get("op"), message.get("body"), load)
            except _Failure as failure:
                self.send({"id": message.get("id"), "error": failure.error})
                continue
            self.send({"id": message.get("id"), "body": result})

    def dispatch(self, op, body, load):
        """The answer to one request, or :class:`_Failure` with the error to send."""
        if op == "load":
            try:
                return load(body, self.definitions)
            except BaseException as exc:
                raise _Failure(_error(exc, "load")) from None
        if op == "call":
            return self.call(body)
        return self.simple(op, body)

    def simple(self, op, body):
        try:
            if op == "get":
                return self.resolve(body)
            if op == "set":
                ref, name, value = body
                target = self.resolve(ref)
                with _quiet():
                    setattr(target, name, self.functions(value))
                return None
            if op == "assign":
                ref, value = body
                target = self.resolve(ref)
                if not isinstance(target, np.ndarray):
                    raise TypeError(f"is a {type(target).__name__}, not an array")
                with _quiet():
                    target[...] = value
                return None
            if op == "release":
                for number in body:
                    obj = self.handles.pop(number, None)
                    self.handle_of.pop(id(obj), None)
                return None
        except BaseException as exc:  # the learner's attribute, __setattr__, __getitem__...
            raise _Failure(_error(exc, "resolve" if op == "get" else op)) from None
        raise _Failure({"type": "ProtocolError", "message": f"unknown request {op!r}",
                        "stage": "protocol"})

    def call(self, body):
        ref, args, kwargs, echo, watch = (body[k] for k in ("ref", "args", "kwargs", "echo",
                                                            "watch"))
        try:
            fn = self.resolve(ref)
        except BaseException as exc:
            raise _Failure(_error(exc, "resolve")) from None
        output = _Bounded()
        try:
            call: list = []
            call_args = self.functions(tuple(args), call)
            call_kwargs = self.functions(dict(kwargs), call)
            call.append(call_args)
            with _quiet(output):
                result = fn(*call_args, **call_kwargs)
        except Interrupt:
            raise
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are answers too
            raise _Failure(_error(exc, "call", output)) from None
        reply = {"result": result, "output": "".join(output.parts)}
        if echo:
            reply["args"] = tuple(_arrays_only(a) for a in call_args)
            reply["kwargs"] = {k: _arrays_only(v) for k, v in call_kwargs.items()}
        if watch:
            try:
                reply["watch"] = [_arrays_only(self.resolve(w)) for w in watch]
            except BaseException as exc:
                raise _Failure(_error(exc, "resolve")) from None
        return reply


class Interrupt(BaseException):
    """Raised into a call by the judge's own alarm (inline executor only); never answered."""


class _Failure(Exception):
    def __init__(self, error: dict):
        self.error = error


def _error(exc: BaseException, stage: str, output: _Bounded | None = None) -> dict:
    try:
        message = str(exc)
    except Exception:
        message = "(its message could not be shown)"
    builtin = next((c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"),
                   "BaseException")  # what a judge's `except TypeError` should see
    error = {"type": type(exc).__name__, "builtin": builtin, "message": message[:2000],
             "stage": stage,
             "name": getattr(exc, "name", None) if isinstance(exc, NameError | ImportError
                                                             | AttributeError) else None}
    if isinstance(exc, SystemExit):
        error["code"] = str(exc.code)[:200]
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        error["where"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
    if output is not None and output.parts:
        error["output"] = "".join(output.parts)[-2000:]
    if not isinstance(error["name"], str | type(None)):
        error["name"] = None
    return error


def _arrays_only(value):
    """The arrays inside ``value`` (other objects as None): what a side-effect check needs."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, tuple | list):
        return type(value)(_arrays_only(v) for v in value)
    if isinstance(value, dict):
        return {k: _arrays_only(v) for k, v in value.items()}
    return None


def _safe_repr(obj) -> str:
    return f"<{type(obj).__name__}>"


@contextlib.contextmanager
def _quiet(output=None):
    output = output if output is not None else _Bounded()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def main(argv=None) -> int:
    options = json.loads((argv or sys.argv[1:])[0])
    from . import loader  # noqa: F401  (the loader and what it imports, before the sandbox)

    sock = socket.socket(fileno=options["fd"])
    limits = SandboxLimits(**options.get("limits", {}))
    protections = enter(options.get("visible", ()), scratch=options.get("scratch"),
                        limits=limits, isolate=options.get("isolate", True),
                        keep_fds=(sock.fileno(),))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdin, sys.stdout = io.StringIO(""), io.StringIO()
    sys.path[:] = options.get("sys_path", sys.path)
    server = Server(sock)
    server.send({"ready": {"protections": protections.to_json(), "pid": os.getpid()}})
    server.serve(loader.load)
    return 0


if __name__ == "__main__":
    try:
        status = main()
    except (ProtocolError, OSError, KeyboardInterrupt):
        status = 3
    # os._exit: a thread the learner's code started must not keep the executor alive
    os._exit(status)

