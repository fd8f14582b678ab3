"""The folders a file adds to ``sys.path``, worked out from its syntax tree alone.

The book's files say ``sys.path.append(os.pardir)``; learners write
``os.path.join(os.path.dirname(__file__), "..")``, ``Path(__file__).parent.parent``,
``os.getcwd() + "/src"`` and the like. :func:`static_path` evaluates such expressions
without running anything (relative paths are taken from the file's own folder, where
the book runs its scripts); anything else is None.
"""

from __future__ import annotations

import ast
import os

__all__ = ["static_path", "chain"]


def chain(node) -> tuple | None:
    """``("a", "b", "c")`` for the expression ``a.b.c``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return (node.id, *reversed(parts))


def _parents(node, folder, env, depth):
    """``Path(__file__).parents[i]``."""
    if isinstance(node.value, ast.Attribute) and node.value.attr == "parents" and \
            isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
        inner = _evaluate(node.value.value, folder, env, depth + 1)
        if inner is not None:
            inner = os.path.join(folder, inner)
            for _ in range(node.slice.value + 1):
                inner = os.path.dirname(inner)
            return inner
    return None


_PATH_FUNCS = {"dirname": os.path.dirname, "abspath": os.path.abspath,
               "realpath": os.path.abspath, "normpath": os.path.normpath,
               "expanduser": lambda p: p}
_CONSTANTS = {("os", "pardir"): os.pardir, ("os", "curdir"): os.curdir,
              ("os", "sep"): "/", ("os", "path", "pardir"): os.pardir}


def static_path(node, folder: str, env: dict) -> str | None:
    """The folder an expression like ``os.path.join(os.path.dirname(__file__), '..')``
    names, relative paths taken from the file's own folder (the book runs its scripts
    from there), or None when it cannot be worked out without running code."""
    value = _evaluate(node, folder, env, depth=0)
    if not isinstance(value, str):
        return None
    return os.path.normpath(os.path.join(folder, value))


def _evaluate(node, folder, env, depth):
    if depth > 20 or node is None:
        return None
    ev = lambda n: _evaluate(n, folder, env, depth + 1)  # noqa: E731
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return os.path.join(folder, "__file__") if node.id == "__file__" else env.get(node.id)
    dotted = chain(node) if isinstance(node, ast.Attribute) else None
    if dotted in _CONSTANTS:
        return _CONSTANTS[dotted]
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = ev(node.value)
        return None if inner is None else os.path.dirname(os.path.join(folder, inner))
    if isinstance(node, ast.Subscript):
        return _parents(node, folder, env, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Div):
        left, right = ev(node.left), ev(node.right)
        if left is None or right is None:
            return None
        return left + right if isinstance(node.op, ast.Add) else os.path.join(left, right)
    if not isinstance(node, ast.Call):
        return None
    func = chain(node.func) if isinstance(node.func, ast.Attribute | ast.Name) else None
    args = [ev(a) for a in node.args]
    if func and func[-1] == "getcwd":
        return folder
    if None in args:
        return None
    if func and func[-1] == "join" and args:
        return os.path.join(*args)
    if func and func[-1] in _PATH_FUNCS and len(args) == 1:
        return _PATH_FUNCS[func[-1]](os.path.join(folder, args[0]))
    if func and func[-1] in ("str", "fspath", "Path", "PurePath") and len(args) == 1:
        return args[0]
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute") \
            and not args:
        inner = ev(node.func.value)
        return None if inner is None else os.path.abspath(os.path.join(folder, inner))
    return None


