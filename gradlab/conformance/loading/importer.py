"""The executor's import hook: the target's modules, served to the target's code only.

Each module of the target gets its own ``__builtins__`` whose ``__import__`` knows
which file is importing, so an import resolves as it would for that file run as a
script (:mod:`.imports` holds the rules, shared with the judge): the book's
``ch04/two_layer_net.py`` and ``ch05/two_layer_net.py`` can both be ``two_layer_net``
to their own training scripts. A module is read, and run by :mod:`.safeload`'s
rules, once per file however it is reached.

The target's modules stand in ``sys.modules`` only while an import of the target's
code runs; afterwards the names they took are given back, so nothing the judge or
NumPy imports later can pick up a learner's ``fractions.py`` or ``hypothesis.py``.
The target's folders are never put on ``sys.path``: modules are served from ``.py``
source only, never from a ``.pyc`` without source or a compiled extension. (Only the
``import`` statement and ``__import__`` are served; ``importlib.import_module`` called by
the target's code finds none of its modules.)
"""

from __future__ import annotations

import builtins
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

from .files import Area, SourceError
from .imports import Found, Resolver
from .outline import outline
from .safeload import FileLog, run_source
from .sources import read

__all__ = ["LearnerImporter"]

_IMPORT = builtins.__import__


class _Loader(importlib.abc.Loader):
    def __init__(self, importer: LearnerImporter, found: Found):
        self.importer, self.found = importer, found

    def create_module(self, spec):
        return self.importer.modules.get(self.found.key)  # already run: the same module

    def exec_module(self, module):
        if self.importer.modules.get(self.found.key) is not module:
            self.importer.run(module, self.found)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds submodules of the target's packages (top-level names come from __import__)."""

    def __init__(self, importer: LearnerImporter):
        self.importer = importer

    def find_spec(self, fullname, path=None, target=None):
        importer = self.importer
        if path is None or not importer.owns(path):
            return None
        last = fullname.rpartition(".")[2]
        found = importer.resolver.find_in(last, list(path))
        if found is None:  # (never None: that would let PathFinder load compiled files)
            compiled = importer.resolver.compiled_only(last, list(path))
            if compiled:
                raise ImportError(importer.no_source(fullname, compiled), name=fullname)
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return importer.spec(fullname, found)


class LearnerImporter:
    """Loads the files of one target and serves their imports (see the module docstring)."""

    def __init__(self, area_roots, target_roots=(), *, relpath=os.path.relpath):
        self.area = Area.around(*area_roots)
        self.resolver = Resolver(self.area, roots=target_roots)
        self.relpath = relpath
        self.modules: dict[str, types.ModuleType] = {}  # Found.key -> module
        self.logs: dict[str, FileLog] = {}  # real path -> log
        self.search: dict[str, list[str]] = {}  # real path -> search path
        self.captured: dict[tuple, object] = {}  # (real path, cell, line, name) -> object
        self.finder = _Finder(self)
        sys.meta_path.insert(0, self.finder)

    # -- what belongs to the target ---------------------------------------------------
    def owns(self, path) -> bool:
        entries = list(path)
        return bool(entries) and all(self.area.contains(os.path.join(p, "_")) for p in entries)

    def _learner(self, module) -> bool:
        spec = getattr(module, "__spec__", None)
        return isinstance(getattr(spec, "loader", None), _Loader)

    def no_source(self, name: str, compiled: str | None) -> str:
        if compiled:
            return (f"No module named {name!r} from source: only the compiled "
                    f"{self.relpath(compiled)} is there, and verify runs the target's code "
                    f"from .py source only")
        return f"No module named {name!r}"

    # -- running files ----------------------------------------------------------------
    def spec(self, name: str, found: Found):
        locations = list(found.portions) if found.kind != "module" else None
        origin = None if found.kind == "namespace" else found.path
        spec = importlib.machinery.ModuleSpec(name, _Loader(self, found), origin=origin,
                                              is_package=locations is not None)
        spec.submodule_search_locations = locations
        spec.has_location = origin is not None
        return spec

    def run(self, module, found: Found) -> None:
        """Run the file behind ``found`` into ``module`` (once; a namespace runs nothing)."""
        if found.kind == "namespace":
            self.modules[found.key] = module
            return
        real = os.path.realpath(found.path)
        try:
            source = read(found.path, self.area)
        except SourceError as exc:
            raise ImportError(f"{self.relpath(found.path)}: {exc}") from None
        self.modules[found.key] = module
        log = self.logs.setdefault(real, FileLog(found.path, self.relpath(found.path)))
        log.ipython += source.skipped
        log.notes += source.problems
        o = outline(source)
        self.search[real] = self.resolver.search_path(found.path, o.path_front, o.path_back)
        module.__dict__["__builtins__"] = self.builtins_for(real)

        def capture(cell, line, name, obj):
            self.captured.setdefault((real, cell, line, name), obj)

        run_source(source, module.__dict__, log, capture)

    def builtins_for(self, importer: str) -> dict:
        namespace = dict(builtins.__dict__)
        namespace["__import__"] = functools.partial(self.import_, importer)
        return namespace

    # -- imports ------------------------------------------------------------------------
    def import_(self, importer, name, globals=None, locals=None, fromlist=(), level=0):
        """``__import__`` for the target's file ``importer``."""
        changes: dict = {}
        try:
            if level == 0:
                self._serve(importer, name, changes)
            else:
                package = (globals or {}).get("__package__") or ""
                top = package.partition(".")[0]
                own = self.modules.get(self._package_key(importer, package))
                if top and own is not None:
                    self._install(top, own, changes)
            return _IMPORT(name, globals, locals, fromlist, level)
        finally:
            self._restore(changes)

    def _serve(self, importer, name, changes) -> None:
        top = name.partition(".")[0]
        search = self.search.get(importer, [])
        if not self.resolver.serves(top):
            if self.resolver.find_in(top, search) is not None:
                note = (f"the target's own {top!r} has the name of a module of the standard "
                        f"library or of verify's packages: imports of {top!r} get that module "
                        f"(rename the file to use yours)")
                if note not in self.logs[importer].notes:
                    self.logs[importer].notes.append(note)
            return
        current = sys.modules.get(top)
        if current is not None and not self._learner(current):
            return  # already imported from elsewhere: never replaced
        found = self.resolver.find_top(name, search)
        if found is None:
            compiled = self.resolver.compiled_only(top, search)
            if compiled:
                raise ImportError(self.no_source(top, compiled), name=top)
            return
        self._provide(top, found, changes)

    def _provide(self, top: str, found: Found, changes: dict) -> None:
        """Put the module behind ``found`` in ``sys.modules`` as ``top``, running it once."""
        module = self.modules.get(found.key)
        if module is not None:
            self._install(top, module, changes)
            return
        module = importlib.util.module_from_spec(self.spec(top, found))
        self._install(top, module, changes)
        self.run(module, found)

    def _package_key(self, importer: str, package: str) -> str:
        """The key of the package a relative import in ``importer`` starts from."""
        folder = os.path.dirname(importer)
        for _ in range(package.count(".")):
            folder = os.path.dirname(folder)
        init = os.path.join(folder, "__init__.py")
        top = Found("package", init, (folder,)) if os.path.isfile(init) else \
            Found("namespace", folder, (folder,))
        return top.key

    def _install(self, top: str, module, changes: dict) -> None:
        if sys.modules.get(top) is module:
            return
        for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
            changes.setdefault(key, sys.modules.pop(key))
        changes.setdefault(top, None)
        sys.modules[top] = module

    def _restore(self, changes: dict) -> None:
        tops = {key.partition(".")[0] for key in changes}
        for key in [k for k in sys.modules if k.partition(".")[0] in tops]:
            if self._learner(sys.modules[key]):
                del sys.modules[key]
        for key, previous in changes.items():
            if previous is not None:
                sys.modules[key] = previous

    def load_file(self, path: str, name: str | None = None) -> types.ModuleType:
        """Run one of the target's files as a module (once): as ``name``, a package's
        dotted name (so that its relative imports work), or under a private name."""
        found = Found("module", path)
        if found.key in self.modules:
            return self.modules[found.key]
        if name and "." in name:
            root = os.path.dirname(path)
            for _ in range(name.count(".")):
                root = os.path.dirname(root)
            top = name.partition(".")[0]
            changes: dict = {}
            try:
                package = self.resolver.find_in(top, [root])
                if package is not None and package.kind != "module":
                    self._provide(top, package, changes)
                    importlib.import_module(name)
                    if found.key in self.modules:
                        return self.modules[found.key]
            except ImportError:
                pass  # (the package's __init__ failed: load the file on its own)
            finally:
                self._restore(changes)
        if not name or (name in sys.modules and not self._learner(sys.modules[name])):
            name = _private(path)
        module = importlib.util.module_from_spec(self.spec(name, found))
        changes = {}
        try:  # in sys.modules while it runs, as Python does (dataclasses, typing look there)
            self._install(name, module, changes)
            self.run(module, found)
        finally:
            self._restore(changes)
        return module


def _private(path: str) -> str:
    """A module name no import can reach (and no package: relative imports fail as in a
    script run directly)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    return f"_gradlab_target_{safe}"
