"""Among the definitions of one book name, which one gives the name its verdict.

The headline is the definition the target's own code uses (a network's methods
first, then explicit imports and function bodies); otherwise the most complete
version (array over scalar, batch over one sample); then the one module-level
scripts use (a demo line such as ``print(step_function(3.0))`` does not outweigh a
more complete version); then a ``.py`` file over a notebook; then the latest
section. Earlier versions from the book's own progression —
§3.5.1's naive softmax, §3.2.2's scalar step function, §4.2.2's one-sample
cross-entropy, §4.3.1's bad numerical_diff, §4.4's 1-D gradient — are given the
role "progression" when a more complete version is the headline and no import or
function of the target uses them: the checks report them without failing the name.
(One that the target's code still uses is an "alternative" whose note names the
version.) Every choice carries a note that says why.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass

from .outline import RawDef
from .usage import Use

__all__ = ["Version", "version", "section", "roles"]


@dataclass(frozen=True)
class Version:
    """How complete a definition is (higher is more); ``note`` names an earlier version
    of the book's own progression, and ``outside`` the checks that go beyond what that
    version was written for (a batch for a one-sample version)."""

    rank: int
    note: str | None = None
    outside: tuple[str, ...] = ()


def _constants(node) -> set:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, int | float) and not isinstance(n.value, bool)}


def _has_if(node) -> bool:
    return any(isinstance(n, ast.If | ast.IfExp) for n in ast.walk(node))


_ARRAY = {"array", "asarray", "astype", "where", "int_", "int64", "int32", "dtype", "heaviside",
          "zeros", "ones", "zeros_like", "ones_like", "float64", "piecewise", "vectorize",
          "greater", "sign"}
_BATCH_CE = {"ndim", "shape", "reshape", "batch_size", "size", "len", "mean", "arange"}
_BATCH_SOFTMAX = {"axis", "keepdims", "ndim", "T", "reshape", "shape"}
_MAX = {"max", "amax", "nanmax", "logsumexp"}
_ND = {"nditer", "ndindex", "multi_index", "ndenumerate", "ndim", "flat", "reshape", "ravel",
       "shape", "enumerate"}


_BATCHES = ("softmax.batch", "softmax.square", "softmax.single_row", "softmax.search")


def _softmax(d: RawDef) -> Version:
    if "exp" not in d.names:  # not a softmax of the book's making: no version to excuse
        return Version(0)
    one = () if d.names & _BATCH_SOFTMAX else _BATCHES
    if "exp" in d.names and not d.names & _MAX:
        return Version(0, "§3.5.1's naive softmax (no max shift: overflows for large inputs)",
                       ("softmax.large", *one))
    if one:
        return Version(1, "§3.5.2's softmax of one sample (one max and one sum over the "
                          "whole input)", one)
    return Version(2)


def _step(d: RawDef) -> Version:
    if d.node is not None and _has_if(d.node) and not d.names & _ARRAY:
        return Version(0, "§3.2.2's step function of one number (if x > 0: not for arrays)")
    return Version(1)


def _cross_entropy(d: RawDef) -> Version:
    if "log" not in d.names:
        return Version(0)
    if not d.names & _BATCH_CE:
        return Version(0, "§4.2.2's cross-entropy of one sample (no average over a batch)",
                       tuple(f"cross_entropy_error.{c}" for c in (
                           "batch_one_hot", "batch_labels", "square_batch", "zero_probability",
                           "search", "vector_label")))
    return Version(1)


def _gradient(d: RawDef) -> Version:
    if not d.names & _ND:
        return Version(0, "§4.4's gradient of a 1-D x (x[idx] over range(x.size))",
                       tuple(f"numerical_gradient.{c}" for c in (
                           "matrix", "array_3d", "closure", "search")))
    return Version(1)


def _diff(d: RawDef) -> Version:
    constants = _constants(d.node) if d.node is not None else set()
    wrong = ("numerical_diff.values",)  # these versions are wrong on purpose
    if any(0 < abs(c) < 1e-20 for c in constants):
        return Version(0, "§4.3.1's deliberately bad first example (h = 10e-50 rounds away)",
                       wrong)
    if d.node is not None and not constants & {2, 0.5}:
        return Version(0, "§4.3.1's forward difference (f(x+h) - f(x)) / h, before the "
                          "central difference", wrong)
    return Version(1)


_VERSIONS = {"softmax": _softmax, "step_function": _step, "cross_entropy_error": _cross_entropy,
             "numerical_gradient": _gradient, "numerical_diff": _diff}


def version(d: RawDef) -> Version:
    """How complete ``d`` is, as far as its syntax tells."""
    if d.node is None or d.name not in _VERSIONS:
        return Version(0)
    return _VERSIONS[d.name](d)


_SECTION = re.compile(r"^(?:ch|chap|chapter|section|sec|code|step|lesson|part)?[_\- ]?"
                      r"(\d+(?:[_\-.]\d+)*)", re.IGNORECASE)


def section(relpath: str) -> tuple[int, ...]:
    """Chapter and section numbers in a path (``ch04/code_4_5_1.py`` -> (4, 4, 5, 1))."""
    key = []
    parts = relpath.split(os.sep)
    for i, part in enumerate(parts):
        stem = part.rsplit(".", 1)[0] if i == len(parts) - 1 else part
        match = _SECTION.match(stem)
        if match and part != "..":
            key += [int(x) for x in re.split(r"[_\-.]", match.group(1)) if x]
    return tuple(key)


_REASONS = ("a network's methods use it", "more of the target's files import it or call it "
            "from a function", "it is the more complete version",
            "more module-level scripts use it", "it is in a .py file, not a notebook",
            "it comes from a later section", "it has the book's spelling",
            "its path is shallower", "it comes later in its file")


def _first(uses: list[Use], relpath) -> str:
    use = min(uses, key=lambda u: (not u.in_network, u.how != "imports", u.path, u.line))
    where = relpath(use.path) + (f":{use.line}" if use.cell is None
                                 else f" cell {use.cell}, line {use.line}")
    if use.how == "imports":
        text = f"imported by {where}"
    else:
        text = f"used by {use.owner or 'a module-level statement'} in {where}"
    others = len({(u.path, u.line) for u in uses}) - 1
    return text + (f" (and {others} other place(s))" if others > 0 else "")


def roles(candidates: list[RawDef], uses: dict, relpath, where, forced: RawDef | None = None):
    """``[(RawDef, role, note)]`` for the definitions of one book name, headline first.

    ``uses`` maps ``id(RawDef)`` to its :class:`Use` list; ``relpath(path)`` and
    ``where(raw)`` format locations; ``forced`` is the headline when the target is one
    file (the definition its namespace ends up holding).
    """
    def score(d):
        us = uses.get(id(d), [])
        strong = [u for u in us if u.strong]
        rel = relpath(d.path)
        return (any(u.in_network for u in strong), len({u.path for u in strong}),
                version(d).rank, len({u.path for u in us if not u.strong}),
                not d.path.endswith(".ipynb"), section(rel), d.alias == d.name,
                -rel.count(os.sep), d.order)

    ranked = sorted(candidates, key=score, reverse=True)
    head = forced if forced is not None else ranked[0]
    rest = [d for d in ranked if d is not head]
    head_uses = uses.get(id(head), [])

    def why(d):
        return next((r for r, x, y in zip(_REASONS, score(head), score(d), strict=True)
                     if x != y), "it comes first in file order (they are otherwise equal)")

    if head_uses:
        note = _first(head_uses, relpath)
    elif forced is not None:
        note = "what the file's namespace holds once it has run"
    elif not rest:
        note = "the only definition; the target's own code does not use it"
    else:
        note = (f"not used by the target's own code; chosen over {where(rest[0])} of "
                f"{len(candidates)} definitions because {why(rest[0])}")
    out = [(head, "headline", note)]
    head_rank = version(head).rank
    for d in rest:
        v, us = version(d), uses.get(id(d), [])
        if v.note and v.rank < head_rank and not any(u.strong for u in us):
            out.append((d, "progression", f"{v.note}; the headline is {where(head)}"))
        elif v.note and v.rank < head_rank:  # an early version the target's code still uses
            out.append((d, "alternative", f"{_first(us, relpath)}: {v.note}; the headline is "
                                          f"{where(head)}"))
        elif d.path == head.path and d.order < head.order and v.note:
            out.append((d, "progression", f"{v.note}, redefined later in the same file (at "
                                          f"{where(head)}): Python keeps the last one"))
        elif d.path == head.path and d.order < head.order:
            out.append((d, "alternative", f"redefined later in the same file (at "
                                          f"{where(head)}): Python keeps the last one"))
        elif forced is not None:
            out.append((d, "alternative", f"the file's namespace holds {where(head)}"))
        else:
            used = _first(us, relpath) if us else "not used by the target's own code"
            out.append((d, "alternative", f"{used}; the headline is {where(head)} because "
                                          f"{why(d)}"))
    return out
