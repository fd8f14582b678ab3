"""The values that are not plain data in the judge/executor protocol.

A :class:`Handle` names an object that stays in the executor, an :class:`Opaque` describes a
value that cannot cross, a :class:`FunctionSpec` is a function the executor builds from a
description, a :class:`Ref` passes an executor object back to it as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Handle", "Opaque", "FunctionSpec", "Ref"]


@dataclass(frozen=True)
class Handle:
    """An object that stays in the executor, named by number (a network, a layer)."""

    id: int
    type: str
    repr: str = ""

    def __str__(self) -> str:
        return f"<{self.type} in the executor>"


@dataclass(frozen=True)
class Opaque:
    """A value that cannot cross the boundary (an object array, a generator ...): its type
    and a short description, so that a check can say what came back."""

    type: str
    repr: str = ""

    def __repr__(self) -> str:
        return self.repr or f"<{self.type}>"


@dataclass(frozen=True)
class FunctionSpec:
    """A function the executor builds from a description (see the executor's ``functions``).

    ``kind`` is ``"probe"`` (a named test function of :mod:`gradlab.conformance.probes`,
    ``params`` its keyword arguments), ``"closure"`` (calls ``ref`` with ``args`` and ignores
    its own argument, as the book's ``lambda w: net.loss(x, t)`` does) or ``"reads_arg"``
    (the probe applied to argument ``index`` of the call it is passed to, ignoring its own
    argument: a closure over the very array that ``numerical_gradient`` perturbs).
    ``text`` is how reports print it.
    """

    kind: str
    name: str = ""
    params: tuple = ()
    ref: object = None
    args: tuple = ()
    index: int = 0
    text: str = ""

    def __repr__(self) -> str:
        return self.text or f"<{self.kind} {self.name}>"


@dataclass(frozen=True)
class Ref:
    """An object of the executor passed back to it as an argument: ``("def", id, *steps)``
    or ``("handle", n, *steps)`` with steps ``("attr", name)`` or ``("item", key)``."""

    path: tuple
