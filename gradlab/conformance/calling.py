"""Calling a learner's definition the way its own code would: their signature, not ours.

The checks speak in the book's parameters (``gradient_descent(f, init_x, lr, step_num)``);
:func:`plan_call` maps them onto the definition's own parameters, read by discovery from
its syntax tree: by meaning where the names say it (``learning_rate``, ``iterate_num``, a
swapped ``numerical_diff(x, f)``), by a literal default where the name does not (an
``int`` default counts steps, a ``float`` one is a rate), otherwise by position in the
book's order; keyword-only parameters by meaning. A signature that cannot be mapped is a
reason (a string), and the check that needed it is skipped with that reason.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from .loading import Param

__all__ = ["Slot", "CallPlan", "BOOK_SIGNATURES", "METHOD_SIGNATURES", "CONSTRUCTORS",
           "meaning_of", "literal_default", "plan_call", "params_of_object", "signature_text",
           "entry_params"]


@dataclass(frozen=True)
class Slot:
    """One parameter of the book's signature: its name and what it means."""

    name: str
    meaning: str


_F, _X = Slot("f", "function"), Slot("x", "point")
BOOK_SIGNATURES = {
    "numerical_diff": (_F, _X),
    "numerical_gradient": (_F, _X),
    "numerical_gradient_1d": (_F, _X),
    "numerical_gradient_2d": (_F, _X),
    "gradient_descent": (_F, Slot("init_x", "point"), Slot("lr", "rate"),
                         Slot("step_num", "steps")),
    "mean_squared_error": (Slot("y", "prediction"), Slot("t", "target")),
    "cross_entropy_error": (Slot("y", "prediction"), Slot("t", "target")),
    "im2col": (Slot("input_data", "images"), Slot("filter_h", "filter_h"),
               Slot("filter_w", "filter_w"), Slot("stride", "stride"), Slot("pad", "pad")),
    "col2im": (Slot("col", "columns"), Slot("input_shape", "shape"), Slot("filter_h", "filter_h"),
               Slot("filter_w", "filter_w"), Slot("stride", "stride"), Slot("pad", "pad")),
}
"""The book's parameters of each name (functions of one array ``x`` are not listed)."""

_XT = (Slot("x", "input"), Slot("t", "target"))
METHOD_SIGNATURES = {"predict": (Slot("x", "input"),), "loss": _XT, "accuracy": _XT,
                     "gradient": _XT, "numerical_gradient": _XT}
"""The book's parameters of a network's methods."""

CONSTRUCTORS = {
    "SimpleNet": (Slot("W", "weights"), Slot("input_size", "size_in"),
                  Slot("output_size", "size_out")),
    "TwoLayerNet": (Slot("input_size", "size_in"), Slot("hidden_size", "size_hidden"),
                    Slot("output_size", "size_out"), Slot("weight_init_std", "std")),
}
"""What a network's constructor may take; any of them may be absent (see
:func:`plan_constructor`)."""

# Spellings (lower case, without underscores) that say what a parameter means.
_WORDS = {
    "function": {"f", "fn", "func", "function", "fun", "g", "loss", "lossf", "lossfn",
                 "lossfunc", "lossfunction", "objective", "cost", "costfunction", "h_func",
                 "callback", "target_function", "targetfunction", "fx"},
    "point": {"x", "x0", "initx", "initialx", "init", "xinit", "point", "p", "w", "param",
              "params", "start", "initpos", "arr", "a", "v", "vec", "position", "pos", "xs",
              "xx", "initialpoint", "startx", "theta", "x_0", "inputx", "initposition"},
    "rate": {"lr", "learningrate", "eta", "alpha", "rate", "stepsize", "lrate", "learnrate",
             "learnrating", "learning"},
    "steps": {"stepnum", "steps", "numsteps", "nsteps", "numstep", "iters", "iter",
              "iterations", "iteration", "iteratenum", "iternum", "numiter", "numiters",
              "niter", "niters", "itertimes", "epochs", "epoch", "n", "num", "maxiter",
              "times", "repeat", "loop", "loops", "step", "count", "stepcount", "numepochs",
              "iterationnum", "numiteration", "numiterations", "stepnumber", "trainnum"},
    "prediction": {"y", "ypred", "pred", "prediction", "predictions", "yhat", "output", "out",
                   "outputs", "probs", "prob", "p", "predict", "predicted", "score", "scores",
                   "q", "ys", "yp", "py", "probability", "probabilities", "actual"},
    "target": {"t", "target", "targets", "label", "labels", "ytrue", "true", "answer",
               "correct", "teacher", "ans", "truth", "gt", "onehot", "ttrue", "ylabel",
               "groundtruth", "tt", "expected", "desired", "yt", "ts", "tlabel"},
    "input": {"x", "xs", "inputs", "input", "data", "xbatch", "batch", "inp", "xtrain"},
    "weights": {"w", "weight", "weights", "winit", "initw", "w0"},
    "size_in": {"inputsize", "nin", "insize", "inputdim", "ninput", "ninputs", "indim",
                "rows", "row", "inputnum", "numinput", "inputs", "nrows", "inputnodes",
                "inputlayersize", "inputunits", "sizein"},
    "size_hidden": {"hiddensize", "nhidden", "hidden", "hiddendim", "hiddenunits",
                    "hiddennum", "numhidden", "hiddennodes", "hiddenlayersize", "nhid",
                    "hidsize", "sizehidden", "hiddensizelist"},
    "size_out": {"outputsize", "nout", "outsize", "outputdim", "noutput", "noutputs",
                 "outdim", "cols", "col", "outputnum", "numoutput", "classes", "nclasses",
                 "numclasses", "ncols", "outputnodes", "outputlayersize", "outputunits",
                 "sizeout"},
    "std": {"weightinitstd", "std", "initstd", "scale", "weightscale", "weightstd",
            "sigma", "initscale", "wstd"},
}
_FRAGMENTS = (("rate", ("rate",)), ("steps", ("iter", "epoch", "times", "stepnum", "numstep")),
              ("function", ("func",)), ("target", ("label", "target", "teacher", "answer")),
              ("size_hidden", ("hidden",)), ("std", ("std",)))


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def literal_default(default: str | None):
    """A parameter's default as the Python value it spells, or None when it is no literal."""
    if default is None:
        return None
    try:
        return ast.literal_eval(default)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def meaning_of(param: Param, wanted) -> str | None:
    """What ``param`` means among the meanings ``wanted``, or None when its name and
    default do not say. A literal default decides between a rate and a step count."""
    wanted = set(wanted)
    value = literal_default(param.default)
    if {"rate", "steps"} <= wanted and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return "steps" if isinstance(value, int) else "rate"
    key = _key(param.name)
    exact = [m for m in wanted if key in _WORDS.get(m, ())]
    if len(exact) == 1:
        return exact[0]
    if exact:  # ambiguous spellings ("x" is a point and an input): the first wanted
        return None
    partial = [m for m, pieces in _FRAGMENTS if m in wanted and any(p in key for p in pieces)]
    return partial[0] if len(partial) == 1 else None


@dataclass(frozen=True)
class CallPlan:
    """How to pass the book's arguments: ``positional`` lists, for each positional
    parameter of the definition, the index of the book's argument it gets; ``keywords``
    pairs keyword names with the book's argument index. ``names`` are the definition's
    own parameter names, for printing the call; ``note`` says how it differs from the
    book's order (empty when it does not)."""

    positional: tuple[int, ...]
    keywords: tuple[tuple[str, int], ...] = ()
    names: tuple[str, ...] = ()
    note: str = ""

    def arguments(self, values) -> tuple[tuple, dict]:
        """``(args, kwargs)`` for the book's argument ``values``."""
        return (tuple(values[i] for i in self.positional),
                {name: values[i] for name, i in self.keywords})

    @classmethod
    def book_order(cls, count: int) -> CallPlan:
        return cls(tuple(range(count)))


def plan_call(params, slots, *, label: str = "the definition") -> CallPlan | str:
    """Map the book's ``slots`` onto ``params`` (the definition's parameters, without
    ``self``); None for ``params`` means the signature is unknown (the book's order).

    Returns a :class:`CallPlan`, or a string saying why the call cannot be mapped.
    """
    if params is None:
        return CallPlan.book_order(len(slots))
    pos = [p for p in params if p.kind in ("positional_only", "positional_or_keyword")]
    kwonly = [p for p in params if p.kind == "keyword_only"]
    varargs = any(p.kind == "var_positional" for p in params)
    wanted = {s.meaning for s in slots}
    meanings = [meaning_of(p, wanted) for p in pos]
    where = _assign(slots, pos, kwonly, varargs, meanings, wanted)
    moved = [i for i, j in where.items() if isinstance(j, int) and i != j]
    if moved and any(meanings[j] is None for j in where.values()
                     if isinstance(j, int) and j < len(pos)):
        # a reorder needs every moved parameter named for what it is: (x, y) of a loss
        # names only y, and "y" is a prediction in the book but a label elsewhere
        where = _assign(slots, pos, kwonly, varargs, [None] * len(pos), wanted)
    missing = [s.name for i, s in enumerate(slots) if i not in where]
    if missing:
        shown = signature_text(label, params)
        return (f"{shown} has no parameter for the book's {', '.join(missing)}; verify "
                f"cannot call it the book's way")
    for i, j in where.items():
        own = meanings[j] if isinstance(j, int) and j < len(pos) else None
        if own is not None and (own == "function") != (slots[i].meaning == "function"):
            return (f"{signature_text(label, params)} takes {pos[j].name} where the book's "
                    f"{label}({', '.join(s.name for s in slots)}) takes {slots[i].name}: "
                    f"another function of the same name")
    return _plan(pos, where, slots, params, label)


def _assign(slots, pos, kwonly, varargs, meanings, wanted) -> dict:
    """Book slot -> a positional index or a keyword-only name: by meaning where it is
    unambiguous, then the free positions in order."""
    where: dict[int, int | str] = {}
    for i, s in enumerate(slots):
        hits = [j for j, m in enumerate(meanings) if m == s.meaning]
        if len(hits) == 1:
            where[i] = hits[0]
    for i, s in enumerate(slots):
        hits = [p.name for p in kwonly if meaning_of(p, wanted) == s.meaning]
        if i not in where and len(hits) == 1:
            where[i] = hits[0]
    taken = set(where.values())
    free = [j for j in range(len(pos)) if j not in taken]
    for i, s in enumerate(slots):
        if i in where:
            continue
        if free and meanings[free[0]] in (None, s.meaning):
            where[i] = free.pop(0)
        elif not free and varargs and all(j in taken for j in range(len(pos))):
            where[i] = len(pos) + sum(1 for k in where.values() if isinstance(k, int)
                                      and k >= len(pos))
    return where


def _plan(pos, where, slots, params, label) -> CallPlan | str:
    by_position = {j: i for i, j in where.items() if isinstance(j, int)}
    keywords = [(j, i) for i, j in where.items() if isinstance(j, str)]
    positional = []
    for j in range(max(by_position, default=-1) + 1):
        if j in by_position:
            positional.append(by_position[j])
            continue
        if j >= len(pos) or pos[j].default is None:
            return f"{signature_text(label, params)}: verify cannot fill {pos[j].name}"
        if any(pos[k].kind == "positional_only" for k in by_position if k > j):
            return f"{signature_text(label, params)}: verify cannot skip {pos[j].name}"
        for k in sorted(k for k in by_position if k > j):
            keywords.append((pos[k].name, by_position[k]))
        break
    required = [p.name for j, p in enumerate(pos) if p.default is None and j >= len(positional)
                and all(name != p.name for name, _ in keywords)]
    required += [p.name for p in params if p.kind == "keyword_only" and p.default is None
                 and all(name != p.name for name, _ in keywords)]
    if required:
        return (f"{signature_text(label, params)} needs {', '.join(required)}, which the "
                f"book's {label}({', '.join(s.name for s in slots)}) does not have")
    names = tuple(pos[j].name if j < len(pos) else f"*{j}" for j in range(len(positional)))
    book = [s.name for s in slots]
    ordered = [book[i] for i in positional]
    renamed = [f"{book[i]} as {name}" for name, i in keywords if _key(name) != _key(book[i])]
    note = ""
    if ordered != book[:len(ordered)] or renamed:
        own = ", ".join([*names, *(f"{name}=..." for name, _ in keywords)])
        note = f"called with its own signature: {label}({own})" + (
            " -- not the book's order" if ordered != book[:len(ordered)] else "")
    return CallPlan(tuple(positional), tuple(keywords), names, note)


def signature_text(label: str, params) -> str:
    """``name(a, b=1, *args)`` from :class:`Param` s."""
    parts = []
    for p in params or ():
        star = "*" if p.kind == "var_positional" else "**" if p.kind == "var_keyword" else ""
        parts.append(f"{star}{p.name}" + (f"={p.default}" if p.default is not None else ""))
    return f"{label}({', '.join(parts)})"


def params_of_object(obj, *, method: bool = False) -> tuple | None:
    """The :class:`Param` s of a Python object's signature (``self`` dropped for a class's
    ``__init__`` or a method), or None when it has none that inspect can read."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        out.append(Param(p.name, p.kind.name.lower(), default))
    return tuple(out[1:] if method and out and out[0].name in ("self", "cls") else out)


def entry_params(session, entry, method: str | None = None):
    """The parameters of ``entry`` (its ``method``'s; a class's ``__init__``'s), without
    ``self``: from discovery's reading of the source, or, for an object checked in
    process, from :func:`inspect.signature`; None when unknown (an alias of something
    defined elsewhere)."""
    d = entry.definition
    if d is None:
        obj = getattr(session, "impl", None) and session.impl.objects.get(entry.name)
        if obj is None:
            return None
        if method is None:
            return params_of_object(obj, method=isinstance(obj, type))
        target = getattr(obj, method, None)
        return None if target is None else params_of_object(target, method=True)
    if method is None:
        if d.kind == "alias" and not d.params and not d.names:
            return None
        if d.kind == "class" and not any(m.name == "__init__" for m in d.methods):
            return None  # inherited (or object's): unknown here
        return d.params
    found = next((m for m in d.methods if m.name == method), None)
    return None if found is None else found.params
