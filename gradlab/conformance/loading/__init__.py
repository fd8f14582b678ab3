"""Loading a TARGET: the judge discovers, the executor loads.

    plan = discover("dir", "path/to/repo")      # judge: ast only, runs nothing
    loaded = load(plan)                          # executor: runs the kept statements
    loaded.objects[plan.headline("softmax").id]  # the learner's softmax

:func:`discover` reads files, notebooks and folders without importing or running
any of them (and resolves module targets without importing them); :func:`load` runs
what the plan lists under :mod:`.safeload`'s rules (what runs is listed there) and
captures every definition as it is executed. Only the standard library is imported
here: no JAX, no hypothesis, and no NumPy is needed.
"""

from __future__ import annotations

import os

from .discovery import discover_files
from .loader import Loaded, load_files
from .modules import discover_module, load_module
from .names import ALIASES, BOOK_NAMES, CANONICAL, OPTIONAL, BookName, canonical_name
from .plan import Definition, Discovery, MethodInfo, Param, Problem
from .safeload import Failure, FileLog

__all__ = ["Param", "MethodInfo", "Definition", "Problem", "Discovery", "Loaded", "FileLog",
           "Failure", "BookName", "BOOK_NAMES", "ALIASES", "CANONICAL", "OPTIONAL",
           "canonical_name", "discover", "load", "resolve_target"]


def discover(kind: str, target: str, *, label: str | None = None) -> Discovery:
    """Read a target without running it: every definition of a book name, its role, and
    what the executor must load.

    Parameters
    ----------
    kind : {"file", "notebook", "dir", "module"}
        What ``target`` is (see :func:`resolve_target`).
    target : str
        A path, or a dotted module name.
    label : str, optional
        How reports name the target (default: ``target``).

    Returns
    -------
    Discovery
        Never raises on the target's faults: a file that cannot be read, parsed or
        trusted is a :class:`Problem` and every other file is still read.

    Examples
    --------
    >>> import gradlab, os
    >>> plan = discover("file", os.path.join(os.path.dirname(gradlab.__file__), "functions.py"))
    >>> plan.headline("softmax").where()[:13]
    'functions.py:'
    """
    if kind == "module":
        return discover_module(target, label)
    if kind not in ("file", "notebook", "dir"):
        raise ValueError(f"kind must be 'file', 'notebook', 'dir' or 'module', not {kind!r}")
    return discover_files(kind, target, label)


def load(plan: Discovery) -> Loaded:
    """Run a plan's files (executor side) and collect the objects its definitions built.

    Returns
    -------
    Loaded
        ``objects`` maps each found :attr:`Definition.id` to its object;
        ``definitions`` lists them (a module target's come from its namespace);
        ``logs`` say per file what was skipped, what failed and which names' imports
        failed; ``problems`` what could not be done.
    """
    return load_module(plan) if plan.kind == "module" else load_files(plan)


def resolve_target(target: str) -> tuple[str, str]:
    """``(kind, path or module name)`` for a TARGET as typed; ValueError says why not."""
    if os.path.isdir(target):
        return "dir", os.path.abspath(target)
    if os.path.lexists(target):
        if target.endswith(".ipynb"):
            return "notebook", os.path.abspath(target)
        if target.endswith(".py"):
            return "file", os.path.abspath(target)
        raise ValueError(f"{target} is neither a .py file, a notebook (.ipynb) nor a folder")
    if target.endswith((".py", ".ipynb")) or os.sep in target:
        raise ValueError(f"{target}: no such file or directory")
    if not all(part.isidentifier() for part in target.split(".")):
        raise ValueError(f"{target}: not a file, a folder or a module name")
    plan = discover_module(target)
    if plan.problems:
        raise ValueError(f"{target}: no such file or directory, and {plan.problems[0].message}")
    return "module", target
