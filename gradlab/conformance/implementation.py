"""An implementation under test: the book's names mapped to the objects a target defines."""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field

__all__ = ["ALIASES", "OPTIONAL", "CANONICAL", "Implementation", "canonical_name",
           "gradlab_implementation"]

ALIASES: dict[str, tuple[str, ...]] = {
    "step_function": ("step_function", "step"),
    "sigmoid": ("sigmoid",),
    "sigmoid_grad": ("sigmoid_grad", "sigmoid_gradient", "sigmoid_derivative", "d_sigmoid"),
    "relu": ("relu",),
    "relu_grad": ("relu_grad", "relu_gradient", "relu_derivative"),
    "identity_function": ("identity_function", "identity"),
    "softmax": ("softmax",),
    "mean_squared_error": ("mean_squared_error", "sum_squared_error", "sum_squares_error",
                           "mse"),
    "cross_entropy_error": ("cross_entropy_error", "cross_entropy"),
    "function_2": ("function_2",),
    "numerical_diff": ("numerical_diff", "numeric_diff", "numerical_derivative"),
    "numerical_gradient": ("numerical_gradient", "numeric_gradient", "numerical_gradient_nd"),
    "numerical_gradient_1d": ("numerical_gradient_1d", "_numerical_gradient_1d",
                              "_numerical_gradient_no_batch", "numerical_gradient_no_batch"),
    "numerical_gradient_2d": ("numerical_gradient_2d",),
    "gradient_descent": ("gradient_descent",),
    "SimpleNet": ("SimpleNet", "simpleNet", "simple_net", "Simplenet"),
    "TwoLayerNet": ("TwoLayerNet", "twoLayerNet", "TwoLayerNetwork", "two_layer_net"),
}
"""Book name -> the spellings accepted for it, preferred first."""

CANONICAL = tuple(ALIASES)
OPTIONAL = frozenset({"numerical_gradient_1d", "numerical_gradient_2d", "function_2"})
"""Helpers some layouts have and others do not: checked when present, never 'skip'."""
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_LOOKUP_FOLDED = {alias.lower(): name for alias, name in _LOOKUP.items()}


def canonical_name(alias: str) -> str | None:
    """The book name that ``alias`` spells, or None (case-insensitive as a fallback)."""
    return _LOOKUP.get(alias) or _LOOKUP_FOLDED.get(alias.lower())


def alias_rank(alias: str) -> int:
    """0 for the book's own spelling, higher for variants (used to pick among several)."""
    name = canonical_name(alias)
    aliases = ALIASES.get(name, ())
    return aliases.index(alias) if alias in aliases else len(aliases)


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
        scripts); a check that dies with NameError on one of them is reported as
        ``error``, not ``fail``.
    """

    label: str
    objects: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    script_names: set = field(default_factory=set)

    def get(self, name: str):
        return self.objects.get(name)

    def replace(self, **objects) -> Implementation:
        """A copy with some objects swapped (how the bug zoo builds mutants)."""
        new = Implementation(self.label, dict(self.objects), dict(self.origins),
                             list(self.notes), set(self.script_names))
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
            name = canonical_name(alias)
            if name is None or name in impl.objects or not callable(obj):
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
    name = canonical_name(alias) if alias else None
    return f"{where} (as {alias})" if alias and name and alias != name else where


def gradlab_implementation() -> Implementation:
    """gradlab's own reference implementation, under the book's names."""
    import gradlab

    objects = {name: getattr(gradlab, name) for name in ALIASES if hasattr(gradlab, name)}
    impl = Implementation("gradlab", objects)
    root = os.path.dirname(os.path.dirname(gradlab.__file__))
    impl.origins = {name: describe_origin(obj, root=root) for name, obj in objects.items()}
    return impl

