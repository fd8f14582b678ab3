"""What the executor of a target may read: the target and what its files import from next to
it, never the folder above (other students' submissions), the user's home, or '/'.

Imports are found by a plain scan of import statements (``.py`` files and notebooks' code
cells), so nothing is run to decide what to show.
"""

from __future__ import annotations

import json
import os
import re

__all__ = ["imported_siblings", "local_modules", "imported_names"]


_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def _sources(paths, max_files: int = 2000):
    """The ``.py`` and ``.ipynb`` files in ``paths`` (files, or folders walked)."""
    count = 0
    for path in paths:
        walk = os.walk(path) if os.path.isdir(path) else [(os.path.dirname(path), [],
                                                           [os.path.basename(path)])]
        for where, dirs, files in walk:
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("venv", "env")]
            for name in files:
                full = os.path.join(where, name)
                if name.endswith((".py", ".ipynb")) and os.path.isfile(full) \
                        and not os.path.islink(full) and os.path.getsize(full) < 2**20:
                    count += 1
                    if count > max_files:
                        return
                    yield full


def imported_names(paths) -> set[str]:
    names: set[str] = set()
    for path in _sources(paths):
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        if path.endswith(".ipynb"):  # the code cells' lines, out of their JSON strings
            try:
                cells = json.loads(text).get("cells", [])
                text = "\n".join("".join(c.get("source", "")) for c in cells
                                 if isinstance(c, dict) and c.get("cell_type") == "code")
            except (ValueError, AttributeError, TypeError):
                text = ""
        names.update(_IMPORT.findall(text))
    return names


def local_modules(folder: str, names) -> list[str]:
    """The modules and packages of ``names`` that ``folder`` holds."""
    found = []
    for name in sorted(names):
        for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".py")):
            if os.path.exists(candidate) and not os.path.islink(candidate):
                found.append(candidate)
    return found


def imported_siblings(folder: str, sources=None) -> list[str]:
    """Modules and packages next to ``folder`` that ``sources`` (default: every file under
    it) import, and that ``folder`` does not have itself."""
    parent = os.path.dirname(folder.rstrip(os.sep))
    if not parent or parent == folder:
        return []
    names = {n for n in imported_names(sources or [folder])
             if not local_modules(folder, [n])}
    return local_modules(parent, names)
