"""Signatures and the names a body uses, read from the syntax tree."""

from __future__ import annotations

import ast
import functools
import re

from .plan import MethodInfo, Param

__all__ = ["names_in", "params_of", "describe_def", "source_text"]

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def names_in(nodes) -> frozenset:
    """Identifiers, attribute names and keyword names used anywhere in ``nodes``."""
    found = set()
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg:
                found.add(node.arg)
    return frozenset(found)


_LINE = re.compile(r".*?(?:\r\n|\r|\n)|.+$", re.DOTALL)


@functools.lru_cache(maxsize=16)
def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def source_text(text: str, node: ast.AST) -> str:
    """The source of ``node`` as written (``ast.get_source_segment``, with the file's
    lines split once), or unparsed when positions are missing."""
    try:
        lines = _lines(text)
        first, last = node.lineno - 1, node.end_lineno - 1
        head = lines[first].encode()
        if first == last:
            return head[node.col_offset:node.end_col_offset].decode()
        return (head[node.col_offset:].decode() + "".join(lines[first + 1:last])
                + lines[last].encode()[:node.end_col_offset].decode())
    except (AttributeError, TypeError, IndexError, UnicodeDecodeError):
        try:
            return ast.unparse(node)
        except (RecursionError, ValueError):
            return "..."


def params_of(args: ast.arguments, text: str, *, skip_first: bool = False) -> tuple:
    """A signature as :class:`Param` s (``skip_first`` drops ``self``/``cls``)."""
    positional = [(a, "positional_only") for a in args.posonlyargs] + \
                 [(a, "positional_or_keyword") for a in args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [Param(a.arg, kind, None if d is None else source_text(text, d))
              for (a, kind), d in zip(positional, defaults, strict=True)]
    if skip_first and params:
        params = params[1:]
    if args.vararg:
        params.append(Param(args.vararg.arg, "var_positional"))
    params += [Param(a.arg, "keyword_only", None if d is None else source_text(text, d))
               for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    if args.kwarg:
        params.append(Param(args.kwarg.arg, "var_keyword"))
    return tuple(params)


def _is_static(fn) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)


def _methods(node: ast.ClassDef, text: str) -> tuple:
    return tuple(MethodInfo(f.name, f.lineno, params_of(f.args, text, skip_first=not _is_static(f)),
                            names_in(f.body))
                 for f in node.body if isinstance(f, _FUNCS))


def describe_def(node, text: str) -> dict:
    if isinstance(node, ast.ClassDef):
        methods = _methods(node, text)
        init = next((m for m in methods if m.name == "__init__"), None)
        return dict(params=init.params if init else (), methods=methods,
                    names=names_in(node.body))
    if isinstance(node, ast.Lambda):
        return dict(params=params_of(node.args, text), names=names_in([node.body]))
    return dict(params=params_of(node.args, text), names=names_in(node.body))


