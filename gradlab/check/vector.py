"""Vector-valued f: check_jacobian, check_vjp and check_jvp, on the gradient's error model.

Every output of f is a function of x with its own rounding, so the one pipeline
runs with outputs as columns: full mode perturbs each coordinate once and reads
all outputs (``4P + 2`` evaluations of f for the whole Jacobian); fast mode
probes random directions. A VJP ``v^T J`` is checked on the contraction
``v . f(x)``, whose rounding is that of its terms (``eps sum |v| |f|``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .claims import flatten, rebuilt, unflatten
from .defaults import SAFETY, WORST, K
from .options import Options
from .pipeline import checked
from .problem import call_claim, make, start
from .space import Space


def _options(**kw) -> Options:
    return Options.validated(**kw)


def _like_output(value, ev, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array like f(x), got dtype {arr.dtype}.")
    if arr.shape != ev.out_shape:
        raise ValueError(f"{name} has shape {arr.shape} but f(x) has shape {ev.out_shape}; "
                         f"it must be laid out like f(x).")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains a non-finite value; the claimed derivative must be "
                         f"finite.")
    return np.array(arr, dtype=np.float64).reshape(-1)


def _basis(space, i: int):
    e = np.zeros((space.size, 1))
    e[i] = 1.0
    return unflatten(e, space)


def check_jacobian(f: Callable, x, jac, *, mode: str = "full", method: str = "central",
                   h: float | None = None, safety: float = SAFETY, k: int = K,
                   seed: int | None = 0, worst: int = WORST, bounds=None, executor=None):
    """Check a claimed Jacobian of a vector-valued ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` (``f(*x)`` for a tuple/list x) of a fixed shape.
    x : ndarray, float, or tuple/list/dict (nested) of them
        The point.
    jac : like x, or callable
        Each leaf of shape ``f(x).shape + leaf.shape`` (for an array x: one array of
        shape ``f(x).shape + x.shape``); or ``jac(x)`` returning it.
    mode, method, h, safety, k, seed, worst, bounds, executor
        As for :func:`gradlab.check_gradient`.

    Returns
    -------
    GradCheckResult
        ``kind="jacobian"``; entries name the input element and the output index;
        ``detectable`` and ``numeric`` are laid out like ``jac``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`gradlab.check_gradient`; also if f's output changes shape.

    Notes
    -----
    Each output row is a gradient (chapter 4's numerical_gradient, one output at a
    time); full mode reads all rows from the same ``4P + 2`` evaluations of f.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> x = np.array([0.5, -1.0])
    >>> check_jacobian(lambda x: np.tanh(A @ x), x,
    ...                (1 - np.tanh(A @ x) ** 2)[:, None] * A).status
    'pass'
    """
    opts = _options(mode=mode, method=method, h=h, safety=safety, k=k, seed=seed,
                    worst=worst, bounds=bounds, executor=executor)
    space, ev, f0, f0b = start(f, x, vector=True)
    if callable(jac):
        jac = call_claim(jac, space, "jac")
    claimed, eps_g = flatten(jac, space, "jac", ev.out_shape)
    problem = make(space, ev, f0, f0b, claimed, eps_g, kind="jacobian", bounds=opts.bounds,
                   outputs="shape")
    return checked(problem, opts)


def check_vjp(f: Callable, x, vjp, *, cotangent=None, mode: str = "full",
              method: str = "central", h: float | None = None, safety: float = SAFETY,
              k: int = K, seed: int | None = 0, worst: int = WORST, bounds=None,
              executor=None):
    """Check a claimed vector-Jacobian product ``v^T J`` of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray``.
    x : ndarray, float, or structure of them
        The point.
    vjp : callable or like x
        ``vjp(v) -> like x``: the claimed VJP at x for a cotangent ``v`` shaped like
        ``f(x)`` (a layer's ``backward(dout)``). With ``cotangent=`` given, ``vjp``
        may instead be the claimed VJP itself.
    cotangent : array like f(x), optional
        Check only this cotangent (every input element of its VJP).
    mode : {"full", "fast"}
        Without ``cotangent``: ``"full"`` calls ``vjp`` once per output (the rows of
        J) and checks every (output, input) pair; ``"fast"`` uses ``k`` random normal
        cotangents and ``k`` random directions.
    method, h, safety, k, seed, worst, bounds, executor
        As for :func:`gradlab.check_gradient`.

    Returns
    -------
    GradCheckResult
        ``kind="vjp"``; entries name the input element and the output index (full),
        or the cotangent number (fast).

    Raises
    ------
    TypeError, ValueError
        As for :func:`gradlab.check_gradient`; if the cotangent or the VJP has the
        wrong shape.

    Notes
    -----
    ``vjp`` is called right after f has been evaluated at the unperturbed x (twice),
    before any perturbation: a stateful layer (chapter 5's ``forward`` caching its
    input, then ``backward(dout)``) is read in the state of x.

    Examples
    --------
    >>> x = np.array([0.5, -1.0, 2.0])
    >>> check_vjp(np.sin, x, lambda v: v * np.cos(x)).ok
    True
    """
    opts = _options(mode=mode, method=method, h=h, safety=safety, k=k, seed=seed,
                    worst=worst, bounds=bounds, executor=executor)
    space, ev, f0, f0b = start(f, x, vector=True)
    m = f0.size
    if cotangent is not None:
        v = _like_output(cotangent, ev, "cotangent")[:, None]
        claim = call_claim(vjp, space, "vjp", np.asarray(cotangent)) if callable(vjp) else vjp
        claimed, eps_g = flatten(claim, space, "vjp")
        outputs = "scalar"
    elif not callable(vjp):
        raise TypeError("vjp must be a callable vjp(v) -> like x, or pass cotangent= with the "
                        "claimed VJP for that cotangent.")
    else:
        rng = np.random.default_rng(None if seed is None else seed + 1)
        v = np.eye(m) if opts.mode == "full" else rng.standard_normal((m, opts.k))
        cols = [flatten(call_claim(vjp, space, "vjp", v[:, j].reshape(ev.out_shape)), space,
                        "vjp(v)") for j in range(v.shape[1])]
        claimed, eps_g = np.concatenate([c for c, _ in cols], axis=1), max(e for _, e in cols)
        outputs = "shape" if opts.mode == "full" else "cotangents"
    magnitude = np.abs(v).T @ np.abs(f0)
    f0, f0b = v.T @ f0, v.T @ f0b
    ev.contract = None if outputs == "shape" else v
    problem = make(space, ev, f0, f0b, claimed, eps_g, kind="vjp", bounds=opts.bounds,
                   outputs=outputs,
                   magnitude=None if ev.contract is None else magnitude)
    return checked(problem, opts)


def check_jvp(f: Callable, x, jvp, *, tangent=None, mode: str = "full",
              method: str = "central", h: float | None = None, safety: float = SAFETY,
              k: int = K, seed: int | None = 0, worst: int = WORST, bounds=None,
              executor=None):
    """Check a claimed Jacobian-vector product ``J u`` of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray``.
    x : ndarray, float, or structure of them
        The point.
    jvp : callable or array like f(x)
        ``jvp(u) -> like f(x)`` for a tangent ``u`` like x; with ``tangent=`` given it
        may be the claimed JVP itself.
    tangent : like x, optional
        Check only this tangent: one directional derivative per output, the derivative
        of ``t -> f(x + t u)`` at 0 (f must then compute from its argument).
    mode : {"full", "fast"}
        Without ``tangent``: ``jvp`` is called once per input element (the columns of
        J); ``"full"`` checks every (output, input) pair, ``"fast"`` ``k`` random
        directions.
    method, h, safety, k, seed, worst, bounds, executor
        As for :func:`gradlab.check_gradient`.

    Returns
    -------
    GradCheckResult
        ``kind="jvp"``; entries name the output index (and the input element in full
        mode).

    Raises
    ------
    TypeError, ValueError
        As for :func:`gradlab.check_gradient`.

    Examples
    --------
    >>> x = np.array([0.5, -1.0, 2.0])
    >>> check_jvp(np.exp, x, lambda u: np.exp(x) * u).ok
    True
    """
    opts = _options(mode=mode, method=method, h=h, safety=safety, k=k, seed=seed,
                    worst=worst, bounds=bounds, executor=executor)
    if tangent is not None:
        return _one_tangent(f, x, jvp, tangent, opts)
    space, ev, f0, f0b = start(f, x, vector=True)
    if not callable(jvp):
        raise TypeError("jvp must be a callable jvp(u) -> like f(x), or pass tangent= with "
                        "the claimed JVP for that tangent.")
    cols = [_like_output(call_claim(jvp, space, "jvp", _basis(space, i)), ev, "jvp(u)")
            for i in range(space.size)]
    problem = make(space, ev, f0, f0b, np.array(cols), np.finfo(np.float64).eps, kind="jvp",
                   bounds=opts.bounds, outputs="shape")
    return checked(problem, opts)


def _one_tangent(f, x, jvp, tangent, opts):
    """The JVP along one tangent u is the derivative of t -> f(x + t u) at t = 0: the same
    pipeline on one coordinate, with every output checked (f must compute from its
    argument: x + t u is a new structure at each call)."""
    space = Space(x)
    u = flatten(tangent, space, "tangent")[0][:, 0]
    if not np.any(u):
        raise ValueError("tangent is zero everywhere; a JVP needs a direction.")
    x0 = space.point()

    def along(t):
        moved = rebuilt(x0 + t * u, space)
        return f(*moved) if space.star else f(moved)

    line, ev, f0, f0b = start(along, 0.0, vector=True, name="tangent")
    claim = call_claim(jvp, space, "jvp", tangent) if callable(jvp) else jvp
    claimed = _like_output(claim, ev, "jvp")[None]
    problem = make(line, ev, f0, f0b, claimed, np.finfo(np.float64).eps, kind="jvp",
                   bounds=None, outputs="shape")
    return checked(problem, replace(opts, mode="full", bounds=None))
