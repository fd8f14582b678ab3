"""Proxies of the executor's objects, and the learner's exceptions as the judge sees them.

A :class:`Remote` names an object that lives in the executor (a definition, or an object
a call returned); its attributes and items are references too, and calling it is a
request. :func:`raise_as_builtin` re-raises an executor's error as a subclass of both
:class:`RemoteError` and the builtin type it had there, so a check's ``except TypeError``
sees the learner's TypeError.
"""

from __future__ import annotations

import builtins
import functools

from .executor.client import ExecutorLost, RemoteError
from .executor.values import Handle, Ref

__all__ = ["Remote", "wrap", "unwrap", "raise_as_builtin"]


class Remote:
    """An object that lives in the executor.

    ``remote.name`` and ``remote[key]`` are references (nothing is sent), ``remote(...)``
    calls it, :meth:`Session.get` fetches its value. Dunder names are not forwarded, so
    NumPy and ``repr`` never make requests by accident.
    """

    __slots__ = ("_session", "_path", "_generation", "_label")

    def __init__(self, session, path: tuple, label: str):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_path", tuple(path))
        object.__setattr__(self, "_generation", session.generation)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        return Remote(self._session, self._path + (("attr", name),), f"{self._label}.{name}")

    def __getitem__(self, key) -> Remote:
        return Remote(self._session, self._path + (("item", key),), f"{self._label}[{key!r}]")

    def __setattr__(self, name, value):
        raise AttributeError("set attributes of an executor's object with Session.set")

    def __call__(self, *args, **kwargs):
        return self._session.call(self, args, kwargs)["result"]

    def __repr__(self) -> str:
        return self._label

    @property
    def ref(self) -> Ref:
        if self._generation != self._session.generation:
            raise ExecutorLost("this object belonged to an executor that was stopped")
        return Ref(self._path)


def unwrap(value):
    """Arguments for a request: proxies become references, probes their descriptions."""
    if isinstance(value, Remote):
        return value.ref
    if hasattr(value, "spec") and callable(value):
        return value.spec
    if isinstance(value, tuple | list):
        return type(value)(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def wrap(session, value, label: str = "result"):
    """A reply's value with handles turned into :class:`Remote` proxies."""
    if isinstance(value, Handle):
        return Remote(session, ("handle", value.id), f"<{value.type.rsplit('.', 1)[-1]}>")
    if isinstance(value, tuple | list):
        return type(value)(wrap(session, v, label) for v in value)
    if isinstance(value, dict):
        return {k: wrap(session, v, label) for k, v in value.items()}
    return value


@functools.cache
def _remote_class(type_name: str):
    """``RemoteError`` that is also the builtin exception ``type_name`` (so that a check's
    ``except TypeError`` sees the learner's TypeError)."""
    base = getattr(builtins, type_name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        return RemoteError
    try:
        return type(f"Remote{type_name}", (RemoteError, base), {})
    except TypeError:  # an incompatible layout (OSError and its kin)
        return RemoteError


def raise_as_builtin(error: RemoteError):
    """Re-raise a :class:`RemoteError` as its builtin-typed subclass."""
    cls = _remote_class(error.builtin)
    if cls is RemoteError:
        raise error
    raise cls({"type": error.type_name, "builtin": error.builtin, "message": error.message,
               "stage": error.stage,
               "name": error.name, "where": error.where, "code": error.code}) from None
