"""The two checks every chapter 5-7 layer gets, given its test cases: ``forward`` against the
JAX twin, and ``backward`` against finite differences of the learner's *own* forward
(:func:`gradlab.check_layer` through a :class:`~.layerkit.RemoteLayer`) and against JAX.

A :class:`Case` is one construction of the layer and one input, on shapes that expose the
usual mistakes (non-square images, stride 2, padding, several channels, a batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import oracle
from ..harness import fmt
from ..records import Outcome
from ..remote import RemoteError
from .layerkit import (
    build,
    judge_layer,
    match_oracle,
    method_typo,
    proxy,
    state_problem,
    takes_train_flag,
)

__all__ = ["Case", "forward_check", "backward_check"]


@dataclass(frozen=True)
class Case:
    """One layer and one input.

    ``ctor``: the constructor's arguments in the book's order; ``params``: the attributes
    that hold its parameters (``W``, ``b``, ``gamma``, ``beta``), in the twin's order after
    ``x``; ``twin``: the name of the ``gradlab.reference`` twin, called as
    ``twin(x, *params.values(), *twin_args, **twin_kwargs)``; ``t``: targets of a loss
    layer; ``train``: the training switch passed to forward (None: none).
    """

    label: str
    ctor: tuple
    x: np.ndarray
    twin: str
    params: dict = field(default_factory=dict)
    twin_args: tuple = ()
    twin_kwargs: dict = field(default_factory=dict)
    t: np.ndarray | None = None
    train: bool | None = None

    def want(self, **kw):
        return oracle.value(self.twin, *self.oracle_args(), *self.twin_args,
                            **{**self.twin_kwargs, **kw})

    def oracle_args(self):
        return (self.x, *self.params.values(), *(() if self.t is None else (self.t,)))


def _instance(h, name, case):
    inst, how = build(h, name, *case.ctor)
    train = case.train if takes_train_flag(h, name) else None
    return proxy(h, name, inst, case.params, loss=case.t is not None, train=train), how


def _crash(exc, name, how, call, hint="") -> Outcome:
    why = state_problem(exc, f"{name}.forward") if isinstance(exc, RemoteError) else None
    return Outcome("fail", why or f"crashed on valid input: {str(exc)[:300]}{hint}",
                   f"layer = {how}; {call}")


def _shape_hint(case, exc) -> str:
    """For images whose height and width differ, when the shapes went wrong."""
    if case.x.ndim != 4 or case.x.shape[2] == case.x.shape[3]:
        return ""
    if exc is not None and "reshape" not in str(exc) and "shape" not in str(exc):
        return ""
    return (f" (the images are {case.x.shape[2]}x{case.x.shape[3]}, not square: is the "
            f"output width computed from the height?)")


def forward_check(h, name: str, cases, *, variants=(), diagnose=None) -> Outcome:
    """Forward values against the twin on each case; ``variants`` are other accepted
    conventions (keyword arguments of the twin, e.g. ``{"delta": 0.0}``), with a name;
    ``diagnose(case, out)`` may explain a wrong output (a string, or None)."""
    if (typo := method_typo(h, name, "forward")) is not None:
        return typo
    names = set()
    for case in cases:
        layer, how = _instance(h, name, case)
        extra = () if case.t is None else (case.t,)
        call = f"layer.forward({fmt(case.x)}{', ...' if extra else ''})"
        try:
            out = layer.call_forward(case.x, *extra)
        except RemoteError as exc:
            return _crash(exc, name, how, call, _shape_hint(case, exc))
        problem = match_oracle(out, case.want(), "")
        if problem is None:
            continue
        if "shape" in problem:
            problem += _shape_hint(case, None)
        for label, kw in variants:
            if match_oracle(out, case.want(**kw), "") is None:
                names.add(label)
                problem = None
                break
        if problem:
            why = (diagnose(case, np.asarray(out, dtype=float)) or "") if diagnose else ""
            return Outcome("fail", f"wrong forward on {case.label}: {problem}{why}",
                           f"layer = {how}; {call}")
    note = f" (note: {', '.join(sorted(names))})" if names else ""
    return Outcome("pass", f"matches the JAX twin on {', '.join(c.label for c in cases)}{note}")


def backward_check(h, name: str, case: Case, *, variants=(), own_note=None) -> Outcome:
    """Backward against finite differences of its own forward, then against JAX's VJP."""
    for method in ("forward", "backward"):
        if (typo := method_typo(h, name, method)) is not None:
            return typo
    layer, how = _instance(h, name, case)
    verdict = judge_layer(h, layer, case.x, t=case.t)
    note = ""
    if verdict is not None and own_note is not None:
        verdict, note = own_note(verdict, layer, case)
    if verdict is not None:
        if "shape" in verdict.message:
            verdict.message += _shape_hint(case, None)
        verdict.counterexample = f"layer = {how}; {verdict.counterexample or ''}"
        return verdict
    rng = np.random.default_rng(3)
    extra = () if case.t is None else (case.t,)
    out = np.asarray(layer.call_forward(case.x, *extra), dtype=float)
    if match_oracle(out, case.want(), "") is not None and not any(
            match_oracle(out, case.want(**kw), "") is None for _, kw in variants):
        return Outcome("pass", f"consistent with its own forward on {case.label} (not "
                               f"compared with JAX: its forward is not the book's layer, see "
                               f"{name}.forward)")
    dout = np.array(1.0) if case.t is not None else rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    claimed = [dx] + [getattr(layer, f"d{k}") for k in case.params]
    labels = ["dx"] + [f"d{k}" for k in case.params]
    argnums = tuple(range(1 + len(case.params)))
    for kw in [{}] + [kw for _, kw in variants]:
        want = oracle_vjp_of(case, dout, argnums, kw)
        problems = [match_oracle(g, w, lab, scale=1.0) for g, w, lab in
                    zip(claimed, want, labels, strict=True)]
        if not any(problems):
            return Outcome("pass", f"matches finite differences of its own forward and JAX's "
                                   f"VJP on {case.label} ({', '.join(labels)}){note}")
    problem = next(p for p in problems if p)
    return Outcome("fail", f"backward disagrees with JAX's VJP of the book's layer on "
                           f"{case.label}: {problem}", f"layer = {how}; {h.last_call}")


def oracle_vjp_of(case: Case, dout, argnums, kw):
    from .layerkit import oracle_vjp

    return oracle_vjp(case.twin, (*case.oracle_args(), *case.twin_args), dout, argnums,
                      **{**case.twin_kwargs, **kw})
