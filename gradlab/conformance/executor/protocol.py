"""The messages between verify's judge and its executor: framing, values, limits.

One message is one frame on a stream socket::

    u32 length N | u32 header length J | J bytes of JSON | N - 4 - J bytes of array data

The JSON header holds the message and a list of ``[dtype, shape]`` descriptors, one per
array, whose bytes follow in order. Values are JSON with tagged objects for what JSON lacks
(tuples, dicts with any keys, arrays, numpy scalars, complex, non-finite floats, handles of
objects that stay in the executor, functions the executor builds from a description).

The executor's messages are untrusted: :func:`decode` checks every frame against
:data:`LIMITS` (size, depth, node count, string length, dtype, shape) and raises
:class:`ProtocolError` on anything else, so a malformed or hostile message costs the
executor that sent it and never reaches a verdict. This module imports the standard
library and NumPy only (the executor imports it before any learner code).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass

import numpy as np

from .values import FunctionSpec, Handle, Opaque, Ref

__all__ = ["LIMITS", "Limits", "ProtocolError", "encode_message", "decode_message", "FrameReader",
           "HEADER"]

HEADER = struct.Struct(">II")


@dataclass(frozen=True)
class Limits:
    """Bounds on one message (a reply larger than this ends its executor)."""

    frame_bytes: int = 64 * 2**20
    header_bytes: int = 4 * 2**20
    depth: int = 32
    nodes: int = 200_000
    string: int = 64 * 2**10
    ndim: int = 32


LIMITS = Limits()

_DTYPES = frozenset({"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8",
                     "f16", "c8", "c16", "c32"})
"""Array dtypes that cross the boundary (``dtype.str`` without its byte order)."""
_TAGS = frozenset({"$tuple", "$dict", "$array", "$scalar", "$float", "$complex", "$int",
                   "$handle", "$opaque", "$function", "$ref"})


class ProtocolError(Exception):
    """A message that breaks the protocol (too large, malformed, or of the wrong kind)."""


# -- encoding ------------------------------------------------------------------------------

class _Encoder:
    def __init__(self, to_handle, limits: Limits):
        self.to_handle, self.limits = to_handle, limits
        self.buffers: list[bytes] = []
        self.descriptors: list = []

    def array(self, arr: np.ndarray) -> int:
        arr = np.asarray(arr)
        code = arr.dtype.str[1:]
        if code not in _DTYPES:
            raise TypeError(arr.dtype)
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("="))
        self.descriptors.append([arr.dtype.str[1:], list(arr.shape)])
        self.buffers.append(np.ascontiguousarray(arr).tobytes())
        return len(self.descriptors) - 1

    def value(self, v, depth: int = 0):
        if depth > self.limits.depth:
            return {"$opaque": [type(v).__name__, "nested too deeply"]}
        if isinstance(v, np.ndarray | np.generic):  # before float: np.float64 is a float
            try:
                index = self.array(v)
            except TypeError:
                return self.opaque(v)
            return {"$array" if isinstance(v, np.ndarray) else "$scalar": index}
        if v is None or isinstance(v, bool | str):
            return v[: self.limits.string] if isinstance(v, str) else v
        if isinstance(v, int):
            return v if -2**63 <= v < 2**63 else {"$int": str(v)}
        if isinstance(v, float):
            return v if math.isfinite(v) else {"$float": str(v)}
        if isinstance(v, complex):
            return {"$complex": [self.value(v.real), self.value(v.imag)]}
        if isinstance(v, tuple | list):
            items = [self.value(x, depth + 1) for x in v]
            return {"$tuple": items} if isinstance(v, tuple) else items
        if isinstance(v, dict):
            return {"$dict": [[self.value(k, depth + 1), self.value(x, depth + 1)]
                              for k, x in v.items()]}
        if isinstance(v, Handle):
            return {"$handle": [v.id, v.type, v.repr]}
        if isinstance(v, Ref):
            return {"$ref": self.value(tuple(v.path), depth + 1)}
        if isinstance(v, FunctionSpec):
            return {"$function": {"kind": v.kind, "name": v.name,
                                  "params": self.value(dict(v.params), depth + 1),
                                  "ref": self.value(v.ref, depth + 1),
                                  "args": self.value(tuple(v.args), depth + 1),
                                  "index": v.index, "text": v.text}}
        if self.to_handle is not None:
            handle = self.to_handle(v)
            if handle is not None:
                return {"$handle": [handle.id, handle.type, handle.repr]}
        return self.opaque(v)

    def opaque(self, v):
        return {"$opaque": [type(v).__module__ + "." + type(v).__qualname__,
                            _short_repr(v, self.limits.string)]}


def _short_repr(v, limit: int) -> str:
    try:
        text = repr(v) if isinstance(v, np.ndarray) else object.__repr__(v)
    except Exception:  # a learner's object whose repr raises
        text = f"<{type(v).__name__}>"
    return text[:limit]


def encode_message(message: dict, *, to_handle=None, limits: Limits = LIMITS) -> bytes:
    """One frame for ``message``: a dict whose ``"body"`` (if any) is a value to encode.

    ``to_handle(obj) -> Handle | None`` turns objects that are not plain data into handles
    (the executor keeps them); without it they become :class:`Opaque`.
    """
    enc = _Encoder(to_handle, limits)
    header = dict(message)
    if "body" in header:
        header["body"] = enc.value(header["body"])
    header["buffers"] = enc.descriptors
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    size = 4 + len(text) + sum(len(b) for b in enc.buffers)
    if len(text) > limits.header_bytes or size > limits.frame_bytes:
        raise ProtocolError(f"message of {size} bytes is over the protocol's limit of "
                            f"{limits.frame_bytes} bytes")
    return b"".join([HEADER.pack(size, len(text)), text, *enc.buffers])


# -- decoding ------------------------------------------------------------------------------

class _Decoder:
    def __init__(self, arrays: list[np.ndarray], limits: Limits, functions: bool):
        self.arrays, self.limits, self.functions = arrays, limits, functions
        self.nodes = 0

    def value(self, v, depth: int = 0):
        self.nodes += 1
        if self.nodes > self.limits.nodes or depth > self.limits.depth:
            raise ProtocolError("a value with too many parts or nested too deeply")
        if v is None or isinstance(v, bool | int | float):
            return v
        if isinstance(v, str):
            if len(v) > self.limits.string:
                raise ProtocolError(f"a string of {len(v)} characters")
            return v
        if isinstance(v, list):
            return [self.value(x, depth + 1) for x in v]
        if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in _TAGS:
            raise ProtocolError(f"an untagged object {str(v)[:60]!r}")
        (tag, body), = v.items()
        return getattr(self, "tag_" + tag[1:])(body, depth)

    def tag_tuple(self, body, depth):
        return tuple(self.value(_list(body), depth + 1))

    def tag_dict(self, body, depth):
        out = {}
        for pair in _list(body):
            if not isinstance(pair, list) or len(pair) != 2:
                raise ProtocolError("a malformed dict entry")
            key = self.value(pair[0], depth + 1)
            if not isinstance(key, str | int | float | bool | tuple) and key is not None:
                raise ProtocolError(f"a dict key of type {type(key).__name__}")
            out[key] = self.value(pair[1], depth + 1)
        return out

    def tag_array(self, body, depth):
        return self._array(body)

    def tag_scalar(self, body, depth):
        arr = self._array(body)
        if arr.ndim != 0:
            raise ProtocolError("a scalar that is not 0-d")
        return arr[()]

    def _array(self, index):
        if not isinstance(index, int) or isinstance(index, bool) \
                or not 0 <= index < len(self.arrays):
            raise ProtocolError(f"an array reference {index!r} out of range")
        return self.arrays[index].copy()

    def tag_float(self, body, depth):
        if body not in ("nan", "inf", "-inf"):
            raise ProtocolError(f"a float {body!r}")
        return float(body)

    def tag_complex(self, body, depth):
        re, im = (self.value(x, depth + 1) for x in _list(body, 2))
        if not all(isinstance(x, int | float) for x in (re, im)):
            raise ProtocolError("a malformed complex")
        return complex(re, im)

    def tag_int(self, body, depth):
        if not isinstance(body, str) or len(body) > 400 or not body.lstrip("-").isdigit():
            raise ProtocolError("a malformed integer")
        return int(body)

    def tag_handle(self, body, depth):
        hid, typ, rep = _list(body, 3)
        if not isinstance(hid, int) or isinstance(hid, bool) or hid < 0 \
                or not isinstance(typ, str) or not isinstance(rep, str):
            raise ProtocolError("a malformed handle")
        return Handle(hid, typ[:200], rep[: self.limits.string])

    def tag_opaque(self, body, depth):
        typ, rep = _list(body, 2)
        if not isinstance(typ, str) or not isinstance(rep, str):
            raise ProtocolError("a malformed opaque value")
        return Opaque(typ[:200], rep[: self.limits.string])

    def tag_ref(self, body, depth):
        if not self.functions:
            raise ProtocolError("a reference in a reply")
        path = self.value(body, depth + 1)
        if not isinstance(path, tuple):
            raise ProtocolError("a malformed reference")
        return Ref(path)

    def tag_function(self, body, depth):
        if not self.functions:
            raise ProtocolError("a function description in a reply")
        if not isinstance(body, dict):
            raise ProtocolError("a malformed function description")
        params = self.value(body.get("params", {"$dict": []}), depth + 1)
        args = self.value(body.get("args", {"$tuple": []}), depth + 1)
        ref = self.value(body.get("ref"), depth + 1)
        if not isinstance(params, dict) or not isinstance(args, tuple):
            raise ProtocolError("a malformed function description")
        return FunctionSpec(str(body.get("kind", "")), str(body.get("name", "")),
                            tuple(params.items()), ref, args,
                            int(body.get("index", 0)), str(body.get("text", "")))


def _list(body, n: int | None = None) -> list:
    if not isinstance(body, list) or (n is not None and len(body) != n):
        raise ProtocolError("a malformed tagged value")
    return body


def _arrays(descriptors, data: memoryview, limits: Limits) -> list[np.ndarray]:
    if not isinstance(descriptors, list):
        raise ProtocolError("no array descriptors")
    arrays, offset = [], 0
    for d in descriptors:
        if not (isinstance(d, list) and len(d) == 2 and d[0] in _DTYPES
                and isinstance(d[1], list) and len(d[1]) <= limits.ndim
                and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n
                        for n in d[1])):
            raise ProtocolError(f"an array descriptor {str(d)[:80]!r}")
        dtype = np.dtype("<" + d[0] if d[0] != "b1" else "?")
        count = math.prod(d[1])
        nbytes = count * dtype.itemsize
        if offset + nbytes > len(data):
            raise ProtocolError("array data shorter than its descriptors")
        arrays.append(np.frombuffer(data[offset:offset + nbytes], dtype=dtype,
                                    count=count).reshape(d[1]))
        offset += nbytes
    if offset != len(data):
        raise ProtocolError("array data longer than its descriptors")
    return arrays


def decode_message(frame: bytes, *, functions: bool = False,
                   limits: Limits = LIMITS) -> dict:
    """The message in one frame (without its length prefix), validated.

    ``functions`` allows function descriptions (the executor accepts them from the judge;
    the judge never accepts them from the executor).
    """
    if len(frame) < 4:
        raise ProtocolError("a frame shorter than its header")
    (json_size,) = struct.unpack(">I", frame[:4])
    if json_size > limits.header_bytes or 4 + json_size > len(frame):
        raise ProtocolError(f"a header of {json_size} bytes")
    try:
        header = json.loads(bytes(frame[4:4 + json_size]))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a header that is not JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ProtocolError("a header that is not an object")
    arrays = _arrays(header.pop("buffers", None), memoryview(frame)[4 + json_size:], limits)
    if "body" in header:
        header["body"] = _Decoder(arrays, limits, functions).value(header["body"])
    return header


class FrameReader:
    """Splits a byte stream into frames; refuses one over the limit before reading it."""

    def __init__(self, limits: Limits = LIMITS):
        self.limits = limits
        self.data = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.data += chunk

    def frame(self) -> bytes | None:
        """The next complete frame (without its length prefix), or None."""
        if len(self.data) < 4:
            return None
        (size,) = struct.unpack(">I", self.data[:4])
        if size > self.limits.frame_bytes:
            raise ProtocolError(f"a message of {size} bytes (the limit is "
                                f"{self.limits.frame_bytes})")
        if len(self.data) < 4 + size:
            return None
        frame = bytes(self.data[4:4 + size])
        del self.data[:4 + size]
        return frame
