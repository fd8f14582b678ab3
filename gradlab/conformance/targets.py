"""Turn a TARGET (a .py file, a folder, an importable module) into an Implementation.

Runs inside the worker process: it executes (the definitions of) learner code.
"""

from __future__ import annotations

import importlib
import os
import sys

from .discovery import choose, scan
from .implementation import Implementation, describe_origin
from .records import Record
from .safeload import LOGS, SafeFinder, load_file

__all__ = ["load_target"]


def _finder() -> SafeFinder:
    for hook in sys.meta_path:
        if isinstance(hook, SafeFinder):
            return hook
    finder = SafeFinder()
    sys.meta_path.insert(0, finder)
    return finder


def _load_records(label: str, root: str) -> list[Record]:
    records = []
    for path, log in LOGS.items():
        rel = os.path.relpath(path, root) if root else path
        skipped = (f"; skipped {len(log.skipped)} module-level statement(s): "
                   + "; ".join(log.skipped[:3]) + (" ..." if len(log.skipped) > 3 else "")
                   ) if log.skipped else ""
        failed = f"; {len(log.failed)} statement(s) failed: {log.failed[0]}" if log.failed else ""
        details = "\n".join(["skipped (not run):"] + log.skipped if log.skipped else [])
        if log.failed:
            details += "\n" + "\n".join(["failed while loading:"] + log.failed)
        records.append(Record(f"load:{rel}", label, "pass",
                              f"loaded {log.definitions} definition(s){skipped}{failed}",
                              function="(load)", definition=rel, details=details.strip()))
    return records


def load_target(kind: str, target: str):
    """Load ``target`` and return ``(Implementation, load records)``."""
    if kind == "module":
        return _load_module(target)
    if kind == "file":
        return _load_single_file(target)
    return _load_folder(target)


def _load_module(name: str):
    module = importlib.import_module(name)  # installed code: imported as usual, under guards
    impl = Implementation.from_namespace(vars(module), name)
    return impl, [Record(f"load:{name}", name, "pass", f"imported {name}", function="(load)")]


def _load_single_file(path: str):
    path = os.path.abspath(path)
    root = os.path.dirname(path)
    label = path
    try:
        module = load_file(path, _finder())
    except SyntaxError as exc:
        return Implementation(label), [Record(
            f"load:{os.path.basename(path)}", label, "error",
            f"SyntaxError at line {exc.lineno}: {exc.msg}; nothing in this file was checked",
            function="(load)", definition=os.path.basename(path))]
    impl = Implementation.from_namespace(vars(module), label, root=root)
    impl.script_names = set().union(*(log.script_names for log in LOGS.values()))
    return impl, _load_records(label, root)


def _load_folder(root: str):
    root = os.path.abspath(root)
    finder = _finder()
    finder.add_root(root)
    candidates, problems = scan(root)
    impl = Implementation(root)
    records = [Record(f"load:{os.path.relpath(p, root)}", root, "warn",
                      f"{message}; definitions in this file (if any) were not checked",
                      function="(load)", definition=os.path.relpath(p, root))
               for p, message in problems]
    for name in sorted(candidates):
        best = choose(candidates[name], root)
        try:
            module = load_file(best.path, finder, name=_module_name(best.path, root))
        except SyntaxError:  # already reported by scan
            continue
        except Exception as exc:
            records.append(Record(f"load:{os.path.relpath(best.path, root)}", root, "error",
                                  f"could not load: {type(exc).__name__}: {exc}",
                                  function="(load)"))
            continue
        obj = getattr(module, best.alias, None)
        if obj is None:
            continue
        impl.objects[name] = obj
        origin = describe_origin(obj, alias=best.alias, root=root)
        others = len(candidates[name]) - 1
        impl.origins[name] = origin + (f" (+{others} other definition(s))" if others else "")
    impl.script_names = set().union(*(log.script_names for log in LOGS.values()))
    return impl, records + _load_records(root, root)


def _module_name(path: str, root: str) -> str | None:
    """A dotted name when every folder between ``root`` and ``path`` is a package
    (``common/functions.py`` -> ``common.functions``), else None (a unique name)."""
    rel = os.path.relpath(path, root)
    parts = rel[:-3].split(os.sep)
    folder = root
    for part in parts[:-1]:
        folder = os.path.join(folder, part)
        if not os.path.exists(os.path.join(folder, "__init__.py")):
            return None
    if len(parts) == 1 or not all(p.isidentifier() for p in parts):
        return None
    dotted = ".".join(parts)
    try:
        importlib.import_module(dotted)  # through the SafeFinder: packages load safely
    except Exception:
        return None
    return dotted
