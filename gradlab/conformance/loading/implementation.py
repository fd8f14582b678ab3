"""An implementation under test: the book's names mapped to the objects a target defines."""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field

from .names import ALIASES, CANONICAL, OPTIONAL, alias_rank, canonical_name

__all__ = ["ALIASES", "OPTIONAL", "CANONICAL", "Implementation", "canonical_name",
           "gradlab_implementation", "describe_origin"]


@dataclass
class Implementation:
    """Objects implementing the book's names, and where each came from.

    Parameters
    ----------
    label : str
        How reports name this target (a path or module name).
    objects : dict of str to object
        Book name -> function or class.
    origins : dict of str to str
        Book name -> ``"path:line (as alias)"``.
    notes : list of str
        What loading skipped or could not do.
    script_names : set of str
        Module-level names that loading skipped (assigned by statements that run
        scripts) or whose import failed; a check that dies with NameError on one of
        them is reported as ``error``, not ``fail``.
    import_failures : dict of str to str
        Name -> why its import failed (``"line 3: ModuleNotFoundError: ..."``), so a
        NameError it causes can be explained as a failed import.
    """

    label: str
    objects: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    script_names: set = field(default_factory=set)
    import_failures: dict = field(default_factory=dict)

    def get(self, name: str):
        return self.objects.get(name)

    def replace(self, **objects) -> Implementation:
        """A copy with some objects swapped (how the bug zoo builds mutants)."""
        new = Implementation(self.label, dict(self.objects), dict(self.origins),
                             list(self.notes), set(self.script_names),
                             dict(self.import_failures))
        for name, obj in objects.items():
            if name not in ALIASES:
                raise ValueError(f"{name!r} is not a book name; expected one of {CANONICAL}.")
            new.objects[name] = obj
            new.origins[name] = describe_origin(obj)
        return new

    @classmethod
    def from_namespace(cls, namespace: dict, label: str, *, root: str | None = None,
                       only_from: str | None = None) -> Implementation:
        """Collect book names from a module's namespace.

        ``only_from`` keeps only objects whose code lives in that file, so that names a
        module merely imports are attributed to the file that defines them.
        """
        impl = cls(label)
        for alias, obj in sorted(namespace.items(), key=lambda kv: alias_rank(kv[0])):
            if not callable(obj):
                continue
            name = canonical_name(alias, "class" if inspect.isclass(obj) else "function")
            if name is None or name in impl.objects:
                continue
            if not _is_user_code(obj):
                continue
            source = _source_file(obj)
            if only_from and (source is None or os.path.abspath(source) != only_from):
                continue
            impl.objects[name] = obj
            impl.origins[name] = describe_origin(obj, alias=alias, root=root)
        return impl


def _is_user_code(obj) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return module.split(".")[0] not in {"numpy", "jax", "builtins", "math", "scipy", "torch"}


def _source_file(obj) -> str | None:
    try:
        return inspect.getsourcefile(obj)
    except (TypeError, OSError):
        return None


def describe_origin(obj, *, alias: str | None = None, root: str | None = None) -> str:
    """``"path:line"`` of an object's definition (``as alias`` when not the book's name)."""
    source = _source_file(obj)
    line = getattr(getattr(obj, "__code__", None), "co_firstlineno", None)
    if line is None:
        try:
            line = inspect.getsourcelines(obj)[1]
        except (TypeError, OSError):
            line = None
    if source and root:
        try:
            source = os.path.relpath(source, root)
        except ValueError:
            pass
    where = f"{source}:{line}" if source and line else (source or repr(obj))
    return f"{where} (as {alias})" if alias and alias not in ALIASES else where


def gradlab_implementation() -> Implementation:
    """gradlab's own reference implementation, under the book's names."""
    import gradlab

    objects = {name: getattr(gradlab, name) for name in ALIASES if hasattr(gradlab, name)}
    impl = Implementation("gradlab", objects)
    root = os.path.dirname(os.path.dirname(gradlab.__file__))
    impl.origins = {name: describe_origin(obj, root=root) for name, obj in objects.items()}
    return impl

