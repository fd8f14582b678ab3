"""Where an import in the target's code leads, worked out from the file system alone.

The one home of the import rules, used by the judge (to follow the imports of the
learner's networks, training scripts and notebooks without running them) and by the
executor's import hook (to load exactly those files). For an importing file the
search path is, in order:

1. folders it puts first with ``sys.path.insert(0, ...)``;
2. its own folder (Python's ``sys.path[0]`` when the file runs as a script);
3. the folder above its package, when its folder is a package (``python -m pkg.mod``);
4. folders it appends with ``sys.path.append(...)`` (relative paths such as
   ``os.pardir`` taken from the file's folder, where the book runs its scripts);
5. the folder above its own (the book's ``sys.path.append(os.pardir)``, also when the
   append is written in a way that cannot be read without running it);
6. the target's root folders.

Only folders inside the target's area count (never a virtualenv, site-packages, or the
interpreter's library: see :class:`~.files.Area`). As in Python, the first package or
module found wins, and folders without ``__init__.py`` make a namespace package only
when no regular one exists; one refinement: for ``import a.b.c``, a candidate ``a``
under which ``a.b.c`` does not exist gives way to the next one that has it (so a
``lib/common.py`` does not hide the repository's ``common/`` package). Names of the
standard library and of the packages verify itself uses are never served.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from .files import Area

__all__ = ["Found", "Resolver", "PROTECTED", "package_root", "dotted_name", "COMPILED"]

PROTECTED = frozenset(sys.stdlib_module_names) | frozenset({
    "gradlab", "numpy", "jax", "jaxlib", "hypothesis", "scipy", "matplotlib",
    "mpl_toolkits", "pytest", "_pytest", "pluggy", "setuptools", "pkg_resources", "pip",
    "_distutils_hack", "IPython", "ipykernel", "threadpoolctl", "opt_einsum", "ml_dtypes"})
"""Top-level names never served from the target: the standard library and what verify
imports (a ``fractions.py`` or ``hypothesis.py`` in the target is not loaded in their
place). A learner file so named is still loaded as a target file, under a private name."""
COMPILED = (".pyc", ".so", ".pyd")


@dataclass(frozen=True)
class Found:
    """A module the target provides: "module" (a .py file), "package" (a folder with
    ``__init__.py``: ``path`` is that file) or "namespace" (folders without one)."""

    kind: str
    path: str
    portions: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """One key per module, however it is reached."""
        return os.path.realpath(self.path) if self.kind != "namespace" else \
            "namespace:" + os.pathsep.join(os.path.realpath(p) for p in self.portions)


def package_root(path: str, area: Area) -> str | None:
    """The folder above the outermost package that holds ``path``, or None if ``path``'s
    folder is not a package."""
    folder = os.path.dirname(os.path.abspath(path))
    top = None
    while os.path.isfile(os.path.join(folder, "__init__.py")) and \
            os.path.basename(folder).isidentifier() and area.contains(folder):
        top, folder = folder, os.path.dirname(folder)
    return None if top is None else os.path.dirname(top)


def dotted_name(path: str, area: Area) -> str | None:
    """``ch04.two_layer_net`` for ``ch04/two_layer_net.py`` when ``ch04`` is a package
    (None when the file is not in one); ``pkg`` for ``pkg/__init__.py``."""
    root = package_root(path, area)
    if root is None:
        return None
    parts = os.path.relpath(os.path.abspath(path), root)[:-3].split(os.sep)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if all(p.isidentifier() for p in parts) else None


class Resolver:
    """Resolves imports for files of one target (see the module docstring)."""

    def __init__(self, area: Area, roots=(), protected=PROTECTED):
        self.area = area
        self.roots = tuple(os.path.abspath(r) for r in roots)
        self.protected = frozenset(protected)
        self._listing: dict[str, frozenset] = {}
        self._search: dict[tuple, list[str]] = {}
        self._found: dict[tuple, Found | None] = {}

    def serves(self, top: str) -> bool:
        """True if the top-level name ``top`` may come from the target."""
        return top.isidentifier() and top not in self.protected

    def _names(self, folder: str) -> frozenset:
        if folder not in self._listing:
            try:
                self._listing[folder] = frozenset(os.listdir(folder))
            except OSError:
                self._listing[folder] = frozenset()
        return self._listing[folder]

    def search_path(self, importer: str, front=(), back=()) -> list[str]:
        """The folders searched for a top-level import in ``importer`` (in order)."""
        key = (importer, tuple(front), tuple(back))
        if key not in self._search:
            self._search[key] = self._search_path(importer, front, back)
        return self._search[key]

    def _search_path(self, importer, front, back) -> list[str]:
        folder = os.path.dirname(os.path.abspath(importer))
        package = package_root(importer, self.area)
        ordered = [*front, folder, *([package] if package else []), *back,
                   os.path.dirname(folder), *self.roots]
        return [d for d in dict.fromkeys(os.path.normpath(p) for p in ordered)
                if os.path.isdir(d) and self.area.contains(os.path.join(d, "_"))]

    def _in(self, name: str, folders) -> tuple[list[Found], list[str]]:
        hits, portions = [], []
        for folder in folders:
            names = self._names(folder)
            sub = os.path.join(folder, name)
            if name in names and "__init__.py" in self._names(sub) and \
                    self.area.contains(os.path.join(sub, "__init__.py")):
                hits.append(Found("package", os.path.join(sub, "__init__.py"), (sub,)))
            elif name + ".py" in names and self.area.contains(sub + ".py"):
                hits.append(Found("module", sub + ".py"))
            elif name in names and os.path.isdir(sub) and \
                    self.area.contains(os.path.join(sub, "_")):
                portions.append(sub)
        return hits, portions

    def find_in(self, name: str, folders, want=()) -> Found | None:
        """Module ``name`` in ``folders`` (a search path, or a package's portions);
        ``want`` are the submodule names the import goes on to (``a.b.c``: ``b``, ``c``)."""
        key = (name, tuple(folders), tuple(want))
        if key not in self._found:
            self._found[key] = self._find_in(name, folders, want)
        return self._found[key]

    def _find_in(self, name, folders, want) -> Found | None:
        hits, portions = self._in(name, folders)
        for hit in hits:
            if self._has(hit, list(want)):
                return hit
        if hits:
            return hits[0]
        return Found("namespace", portions[0], tuple(portions)) if portions else None

    def _has(self, found: Found, rest: list) -> bool:
        if not rest:
            return True
        if found.kind == "module":
            return False
        inner = self.find_in(rest[0], found.portions)
        return inner is not None and self._has(inner, rest[1:])

    def find_top(self, dotted: str, search_path) -> Found | None:
        """The target's module for the top of ``dotted`` (None if not served or not there)."""
        top, *rest = dotted.split(".")
        if not self.serves(top):
            return None
        return self.find_in(top, search_path, rest)

    def find(self, dotted: str, search_path) -> Found | None:
        """The target's module ``dotted`` (``a.b.c``), following packages."""
        found = self.find_top(dotted, search_path)
        for part in dotted.split(".")[1:]:
            if found is None or found.kind == "module":
                return None
            found = self.find_in(part, found.portions)
        return found

    def relative(self, importer: str, module: str, level: int) -> Found | None:
        """The target's module for ``from <level dots><module> import ...`` in ``importer``."""
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        if not self.area.contains(os.path.join(base, "_")):
            return None
        init = os.path.join(base, "__init__.py")
        found = Found("package", init, (base,)) if os.path.isfile(init) else \
            Found("namespace", base, (base,))
        for part in module.split(".") if module else ():
            if found is None or found.kind == "module":
                return None
            found = self.find_in(part, found.portions)
        return found

    def compiled_only(self, name: str, folders) -> str | None:
        """A compiled file (``.pyc``, extension module) for ``name`` that has no source
        next to it: verify never runs one."""
        for folder in folders:
            for entry in sorted(self._names(folder)):
                stem, dot, suffix = entry.partition(".")
                if stem == name and dot and entry.endswith(COMPILED):
                    return os.path.join(folder, entry)
        return None
