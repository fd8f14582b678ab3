"""Checks of chapter 6's optimizers (section 6.1): ``update(params, grads)`` run for a few
steps on a quadratic, its trajectory compared with every accepted formulation of the method
(:data:`gradlab.update_rules.FORMULATIONS`: the book's, equivalent regroupings such as the
pre-update-velocity Nesterov, published variants), naming the one it follows.

The quadratic is ``0.5 * sum(c * (p - p_star)**2)`` over two arrays ``W1`` (2x3) and ``b1``
(3,), with a different curvature ``c`` per element, so that a state shared between keys or
an update of the wrong array shows. ``update`` changes ``params`` in place in the executor;
the judge reads the arrays back after each step and computes the next gradient.
"""

from __future__ import annotations

import numpy as np

from gradlab.update_rules import BOOK_HYPERPARAMETERS, FORMULATIONS, trajectory

from ..calling import literal_default
from ..harness import Skipped, describe_exception, fmt
from ..records import Outcome
from ..registry import check
from ..remote import RemoteError
from .layerkit import build, method_typo, state_problem

STEPS = 6
HYPER = {"SGD": {"lr": 0.1}, "Momentum": {"lr": 0.05, "momentum": 0.9},
         "Nesterov": {"lr": 0.05, "momentum": 0.9}, "AdaGrad": {"lr": 0.1},
         "RMSprop": {"lr": 0.05, "decay_rate": 0.9},
         "Adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999}}
"""Hyperparameters the check passes (by the book's names), large enough to move visibly."""
MATCH_RTOL = 1e-10
"""Relative agreement (to the trajectory's scale) that identifies a formulation: regroupings
of the same algebra agree to a few ulps per step (~1e-15), while the published variants
differ by O(1e-7 / |g|) (the eps placed elsewhere) and wrong updates by O(lr)."""

_START = {"W1": np.array([[1.0, -2.0, 0.5], [3.0, -0.7, 1.5]]), "b1": np.array([0.4, -1.2, 2.0])}
_STAR = {"W1": np.array([[0.2, 0.1, -0.3], [0.5, 0.0, 1.0]]), "b1": np.array([-0.5, 0.3, 0.0])}
_CURVE = {"W1": np.array([[1.0, 2.0, 0.5], [4.0, 0.3, 1.5]]), "b1": np.array([0.8, 2.5, 1.2])}


def _grad(key, p):
    return _CURVE[key] * (p - _STAR[key])


SPELLINGS = {"lr": ("lr", "learning_rate", "eta"), "momentum": ("momentum", "mu"),
             "decay_rate": ("decay_rate", "rho", "decay", "gamma"),
             "beta1": ("beta1", "b1", "beta_1"), "beta2": ("beta2", "b2", "beta_2")}
"""Names a constructor may give the book's hyperparameters (its own names are used)."""
EPS_SPELLINGS = ("eps", "epsilon")
"""Names of the constant added to a denominator (AdaGrad, RMSprop, Adam): a learner's own
default (the paper's 1e-8, say) is the one its trajectory is compared with."""


def _own_eps(params):
    for p in params or ():
        if p.name in EPS_SPELLINGS:
            value = literal_default(p.default)
            return float(value) if isinstance(value, int | float) and value > 0 else None
    return None


def _construct(h, name):
    """The optimizer built with :data:`HYPER` (by the names its constructor gives them,
    see :data:`SPELLINGS`), and the hyperparameters it then runs with."""
    params = h.params(name)
    wanted = HYPER[name]
    if params is None:
        kwargs = dict(wanted)
    else:
        names = {p.name for p in params}
        kwargs = {}
        for key, value in wanted.items():
            spelled = next((n for n in SPELLINGS.get(key, (key,)) if n in names), None)
            if spelled is not None:
                kwargs[spelled] = value
        missing = [p.name for p in params if p.default is None
                   and p.kind not in ("var_positional", "var_keyword") and p.name not in kwargs]
        if missing:
            raise Skipped(f"verify cannot build {name}: its parameter(s) "
                          f"{', '.join(missing)} have no book counterpart")
    inst, how = build(h, name, **kwargs)
    given = {key: value for key, value in wanted.items()
             if params is None or any(n in kwargs for n in SPELLINGS.get(key, (key,)))}
    hyper = {**BOOK_HYPERPARAMETERS[name], **given}
    eps = _own_eps(params) if name in ("AdaGrad", "RMSprop", "Adam") else None
    if eps is not None:
        hyper["eps"] = eps
    return inst, how, hyper


def _run(h, inst, name):
    """The learner's iterates ``{key: (STEPS + 1, ...)}``, or a failing Outcome."""
    params = {k: v.copy() for k, v in _START.items()}
    path = {k: [v.copy()] for k, v in params.items()}
    for step in range(STEPS):
        grads = {k: _grad(k, v) for k, v in params.items()}
        try:
            reply = h.session.call(inst.update, (params, grads), {}, echo=True)
        except RemoteError as exc:
            if getattr(exc, "stage", "") == "resolve":
                raise Skipped(f"{name} has no update method") from None
            return Outcome("fail", state_problem(exc, f"{name}.update") or
                           f"crashed at step {step + 1}: {describe_exception(exc)[:300]}",
                           f"opt.update({fmt(params)}, {fmt(grads)})")
        echoed = reply.get("args", (params, grads))
        new, returned = echoed[0], reply.get("result")
        if len(echoed) > 1 and any(not np.array_equal(echoed[1][k], grads[k]) for k in grads):
            h.side_effects.append(("warn", f"{name}.update modified the caller's grads in "
                                           f"place", f"step {step + 1}"))
        if all(np.array_equal(new[k], params[k]) for k in params) and isinstance(returned, dict):
            new = returned
        params = {k: np.asarray(new[k], dtype=float) for k in params}
        for k in params:
            path[k].append(params[k].copy())
    return {k: np.stack(v) for k, v in path.items()}


def _run_arrays(h, name):
    """The iterates of an optimizer whose ``update(w, grad)`` takes one array (and returns
    the new one, or updates it in place), each parameter with an instance of its own; None
    when that API does not work either."""
    path = {}
    for k, start in _START.items():
        inst, _, _ = _construct(h, name)
        p = start.copy()
        steps = [p.copy()]
        for _ in range(STEPS):
            g = _grad(k, p)
            try:
                reply = h.session.call(inst.update, (p, g), {}, echo=True)
            except RemoteError:
                return None
            returned = reply.get("result")
            new = returned if isinstance(returned, np.ndarray) else reply.get("args", (p,))[0]
            if not isinstance(new, np.ndarray) or new.shape != p.shape:
                return None
            p = np.asarray(new, dtype=float)
            steps.append(p.copy())
        path[k] = np.stack(steps)
    return path


def _distance(path, rule, hyper) -> tuple[float, str]:
    """Largest difference from ``rule``'s iterates, relative to their scale; and where."""
    worst, where = 0.0, ""
    for k, got in path.items():
        want = trajectory(rule, lambda p, k=k: _grad(k, p), _START[k], STEPS, **hyper)
        err = np.abs(got - want) / max(1.0, float(np.max(np.abs(want))))
        if float(np.max(err)) > worst:
            idx = np.unravel_index(int(np.argmax(err)), err.shape)
            worst = float(err[idx])
            where = (f"params[{k!r}]{list(idx[1:])} after step {idx[0]} is {got[idx]:.10g}, "
                     f"{rule.name} gives {want[idx]:.10g}")
    return worst, where


def _trajectory_check(h, name):
    if (typo := method_typo(h, name, "update")) is not None:
        return typo
    inst, how, hyper = _construct(h, name)
    path = _run(h, inst, name)
    api = ""
    if isinstance(path, Outcome) and path.message.startswith("crashed at step 1: TypeError"):
        arrays = _run_arrays(h, name)  # update(w, grad) on arrays: another API, not a bug
        if arrays is not None:
            path, api = arrays, " (called its own way: update(w, grad) on each array)"
    if isinstance(path, Outcome):
        path.counterexample = f"opt = {how}; {path.counterexample}"
        return path
    rules = FORMULATIONS[name]
    scored = sorted(((_distance(path, r, hyper), r) for r in rules), key=lambda s: s[0][0])
    (err, where), rule = scored[0]
    shown = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
    if err <= MATCH_RTOL:
        what = "the book's formulation" if rule.kind == "book" else (
            f"note: the {rule.name!r} formulation ({rule.kind}: {rule.formula})")
        extra = " -- not the method as published" if rule.kind == "nonstandard" else ""
        return Outcome("pass", f"{what}{extra}, {STEPS} steps on a quadratic ({shown}){api}")
    names = "; ".join(f"{r.name}: {r.formula}" for r in rules)
    return Outcome("fail", f"its updates match none of the accepted formulations of {name} "
                           f"({names}); closest {rule.name!r}: {where}{api}",
                   f"opt = {how}; {STEPS} x opt.update(params, grads) with "
                   f"params = {fmt(_START)}, grads = c * (params - p_star)")


def _register(name):
    check(f"{name}.trajectory")(lambda h: _trajectory_check(h, name))


for _name in FORMULATIONS:
    _register(_name)
