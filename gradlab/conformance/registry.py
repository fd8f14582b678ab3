"""The list of conformance checks; the check modules add to it with :func:`check`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Check", "CHECKS", "check"]


@dataclass(frozen=True)
class Check:
    """One conformance check.

    Attributes
    ----------
    name : str
        ``"<function>.<aspect>"``, e.g. ``"softmax.batch"``.
    function : str
        The book name it judges (the row of the report it belongs to).
    run : callable
        ``run(harness) -> Outcome``.
    quick : bool
        Part of ``--quick``.
    needs : tuple of str
        Further book names the check calls (it is skipped without them).
    """

    name: str
    function: str
    run: Callable
    quick: bool = True
    needs: tuple = ()


CHECKS: list[Check] = []


def check(name: str, *, quick: bool = True, needs: tuple = ()):
    """Register ``run(harness)`` as the check ``name`` (its prefix is the function).

    Registering a name again replaces the check (a module imported a second time, after
    something unloaded it, must not list its checks twice).
    """

    def decorate(run):
        function = name.split(".")[0]
        CHECKS[:] = [c for c in CHECKS if c.name != name]
        CHECKS.append(Check(name, function, run, quick, needs))
        return run

    return decorate
