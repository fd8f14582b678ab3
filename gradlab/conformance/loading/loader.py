"""The executor's side of loading: run a plan's files and hand back what they defined.

Runs only in the process that may run the target's code (the executor). Imports
nothing but the standard library.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from .files import Area
from .importer import LearnerImporter
from .imports import PROTECTED, dotted_name
from .plan import Definition, Discovery, Problem

__all__ = ["Loaded", "load_files"]


@dataclass
class Loaded:
    """What loading a plan gave.

    ``objects`` maps :attr:`Definition.id` to the object exactly as the target's
    code built it; ``definitions`` are those of the plan that were found (a module
    target: built from its namespace); ``logs`` has one :class:`~.safeload.FileLog`
    per file run; ``problems`` what went wrong.
    """

    objects: dict = field(default_factory=dict)
    definitions: tuple[Definition, ...] = ()
    logs: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def _module_name(path: str, area: Area) -> str | None:
    dotted = dotted_name(path, area)
    if dotted:
        return dotted if dotted.partition(".")[0] not in PROTECTED else None
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem.isidentifier() and stem not in PROTECTED else None


def _unserved_sys_path(area: Area) -> None:
    """The target's folders are served by the import hook only: never by ``sys.path``
    (where Python would also load ``.pyc`` files and compiled extensions)."""
    sys.path[:] = [p for p in sys.path
                   if not area.contains(os.path.join(os.path.abspath(p or "."), "_"))]


def _missing(d: Definition, importer: LearnerImporter) -> str:
    log = importer.logs.get(os.path.realpath(d.path))
    if log is None:
        return "its file did not run"
    failure = next((f for f in log.failed if f.line == d.line and f.cell == d.cell), None)
    if failure is not None:
        return f"its statement failed: {failure.error}: {failure.message}"
    return "its statement did not run"


def load_files(plan: Discovery) -> Loaded:
    """Run the files of a file, notebook or folder plan (see :func:`.load`)."""
    rel = lambda p: os.path.relpath(p, plan.root)  # noqa: E731
    importer = LearnerImporter(plan.roots, (plan.root,), relpath=rel)
    _unserved_sys_path(importer.area)
    problems = []
    for path in plan.files:
        try:
            importer.load_file(path, _module_name(path, importer.area))
        except ImportError as exc:
            problems.append(Problem(rel(path), "warn", str(exc)))
    objects, found = {}, []
    for d in plan.definitions:
        key = (os.path.realpath(d.path), d.cell, d.line, d.alias)
        if key in importer.captured:
            objects[d.id] = importer.captured[key]
            found.append(d)
        else:
            problems.append(Problem(d.relpath, "warn", f"{d.alias} ({d.where()}) was not "
                                                       f"defined: {_missing(d, importer)}"))
    return Loaded(objects, tuple(found), list(importer.logs.values()), problems)
