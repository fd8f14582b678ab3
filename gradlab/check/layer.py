"""check_layer: a layer's ``backward`` against finite differences of its own ``forward``.

A layer (chapter 5's ``forward``/``backward`` objects) is one vector-valued function of
its input and of its parameters. For a random upstream gradient ``dout``, ``backward``
claims the VJP ``dout . d forward``: ``dx`` with respect to the input, ``dW``, ``db``
(any array attribute ``name`` with a matching ``d<name>``, and ``params``/``grads``
dicts) with respect to the parameters. All of them are judged in one
:func:`~gradlab.check.check_vjp` over ``{"dx": x, "dW": layer.W, ...}``: the input is a
copy, the parameters are the layer's own arrays, perturbed in place and restored bit
for bit, so the layer's forward sees every step.
"""

from __future__ import annotations

import difflib
import inspect

import numpy as np

from .._validation import check_finite, check_float_dtype
from .defaults import SAFETY, WORST, K
from .layerresult import LayerCheckResult
from .vector import check_vjp

__all__ = ["check_layer", "LayerCheckResult", "layer_parameters", "misspelled",
           "TRAIN_FLAGS"]

TRAIN_FLAGS = ("train_flg", "train_flag", "training", "train", "is_training", "train_mode")
"""Spellings of the training-mode switch of chapter 6's layers (the book's ``train_flg``)."""

_STATE = (np.random.Generator, np.random.RandomState)


def misspelled(wanted: str, names) -> str | None:
    """The name among ``names`` that looks like a misspelling of ``wanted`` (``backword``
    for ``backward``), or None."""
    close = difflib.get_close_matches(wanted, [n for n in names if n != wanted], n=1,
                                      cutoff=0.75)
    return close[0] if close else None


def _method(layer, name: str):
    method = getattr(layer, name, None)
    if callable(method):
        return method
    typo = misspelled(name, [n for n in dir(layer) if not n.startswith("__")])
    also = f" (it has {typo!r}: a typo?)" if typo else ""
    raise TypeError(f"{type(layer).__name__} has no method {name}{also}; check_layer needs "
                    f"a layer with forward(x) and backward(dout), as in chapter 5.")


def layer_parameters(layer) -> dict:
    """``{gradient name: (parameter array, its gradient)}`` after a ``backward``: every
    float array attribute ``name`` whose ``d<name>`` is an array of its shape (``W``/``dW``,
    ``gamma``/``dgamma``), and every key of a ``params`` dict that ``grads`` has."""
    found = {}
    state = vars(layer) if hasattr(layer, "__dict__") else {}
    for name, value in state.items():
        grad = state.get(f"d{name}") if name != "x" else None  # x: the cached input
        if _float_array(value) and _float_array(grad) and grad.shape == value.shape:
            found[f"d{name}"] = (value, grad)
    params, grads = state.get("params"), state.get("grads")
    if isinstance(params, dict) and isinstance(grads, dict):
        for key, value in params.items():
            grad = grads.get(key)
            if _float_array(value) and _float_array(grad) and grad.shape == value.shape \
                    and not any(value is p for p, _ in found.values()):
                found[f"grads[{key!r}]"] = (value, grad)
    return found


def _float_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


class _Frozen:
    """The random state a forward draws from (NumPy's global one and the layer's own
    generators), put back before every call: Dropout's mask is the same in every
    evaluation of the finite differences."""

    def __init__(self, layer):
        self.layer = layer
        self.global_state = np.random.get_state()  # noqa: NPY002 (the book's Dropout draws there)
        own = vars(layer).items() if hasattr(layer, "__dict__") else ()
        self.own = {k: _rng_state(v) for k, v in own if isinstance(v, _STATE)}

    def reset(self) -> None:
        np.random.set_state(self.global_state)  # noqa: NPY002
        for name, state in self.own.items():
            _set_rng_state(getattr(self.layer, name), state)


def _rng_state(rng):
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else rng.get_state()


def _set_rng_state(rng, state) -> None:
    if isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state
    else:
        rng.set_state(state)


def _snapshot(layer) -> dict:
    state = vars(layer) if hasattr(layer, "__dict__") else {}
    return {k: (v, v.copy() if isinstance(v, np.ndarray) else None) for k, v in state.items()}


def _restore(layer, saved: dict) -> None:
    """The layer's attributes as they were (arrays bit for bit, in the same objects)."""
    for name in [n for n in getattr(layer, "__dict__", ()) if n not in saved]:
        delattr(layer, name)
    for name, (value, copy) in saved.items():
        if copy is not None:
            np.copyto(value, copy)
        setattr(layer, name, value)


def _forward_plan(layer, t, train_flg: bool):
    """``(positional extras, keyword extras, is a loss layer)`` for ``layer.forward``."""
    try:
        params = list(inspect.signature(layer.forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    kwargs = {p.name: train_flg for p in params if p.name in TRAIN_FLAGS}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.name not in TRAIN_FLAGS]
    needs_t = len(positional) >= 2 and positional[1].default is inspect.Parameter.empty
    if t is not None and not needs_t and len(positional) < 2:
        raise TypeError(f"t was given, but {type(layer).__name__}.forward takes no target "
                        f"(its parameters: {', '.join(p.name for p in params)}).")
    return needs_t or t is not None, kwargs


def _labels(x: np.ndarray, rng) -> np.ndarray:
    if x.ndim not in (1, 2):
        raise ValueError(f"x has shape {x.shape}; a loss layer takes scores (N, C) or (C,): "
                         f"pass t= for other shapes.")
    classes = x.shape[-1]
    return rng.integers(0, classes, x.shape[0]) if x.ndim == 2 else rng.integers(0, classes)


def check_layer(layer, x, *, t=None, dout=None, seed: int | None = 0, mode: str = "fast",
                train_flg: bool = True, method: str = "central", h: float | None = None,
                safety: float = SAFETY, k: int = K, worst: int = WORST) -> LayerCheckResult:
    """Check a layer's ``backward`` (``dx`` and every parameter gradient) at input ``x``.

    Parameters
    ----------
    layer : object
        Anything with ``forward(x)`` and ``backward(dout)`` (the book's layers).
    x : ndarray
        The input; a copy is perturbed (the caller's array is never changed).
    t : ndarray, optional
        Targets of a loss layer (``forward(x, t)``, as SoftmaxWithLoss); default random
        labels for scores ``x`` (N, C).
    dout : ndarray, optional
        The upstream gradient; default standard normal values of the output's shape
        (``1`` for a layer that returns a scalar loss, as the book's
        ``SoftmaxWithLoss.backward(dout=1)``).
    seed : int or None, optional
        Seed of the default ``dout`` and ``t`` and of fast mode's directions.
    mode : {"fast", "full"}
        ``"fast"`` (default): ``k`` random directions over all arrays together, then
        bisection to the wrong element; ``"full"``: every element.
    train_flg : bool, optional
        Passed to a forward that has a training switch (``train_flg``: Dropout,
        BatchNormalization); default True, the mode whose backward is the hard one.
    method, h, safety, k, worst
        As for :func:`gradlab.check_gradient`.

    Returns
    -------
    LayerCheckResult
        ``status``, ``ok``, ``result`` (the VJP check, entries named ``dx[i, j]``,
        ``dW[...]``, ``db[...]``, ``grads['W1'][...]``); ``str()`` is the report, led by
        the layer's name.

    Raises
    ------
    TypeError
        If the layer lacks forward or backward (the message names a near spelling such as
        ``backword``), or backward returns no array.
    ValueError
        If forward or backward modifies the layer's parameters, or for bad input (as
        :func:`gradlab.check_vjp`).

    Notes
    -----
    Section 5.7.3 checks backpropagation against numerical differentiation of the same
    network; this does it layer by layer. ``backward`` is called once, on the state of
    the first ``forward(x)``; the finite differences then call ``forward`` only. The
    random state a forward draws from (NumPy's global state, generators the layer keeps)
    is reset before each call, so Dropout's mask stays fixed; BatchNormalization runs in
    training mode (its output depends on the batch statistics, which is what its
    backward differentiates). Afterwards the layer is left as it was given: every
    attribute (running statistics, caches, ``dW``) is restored, arrays bit for bit in the
    same objects, and so is NumPy's global random state.

    Examples
    --------
    >>> from gradlab import Affine
    >>> rng = np.random.default_rng(0)
    >>> layer = Affine(rng.normal(size=(3, 2)), rng.normal(size=2))
    >>> result = check_layer(layer, rng.normal(size=(4, 3)))
    >>> result.status, result.arrays
    ('pass', ('dx', 'dW', 'db'))
    >>> np.allclose(result.result.max_rel_error, 0, atol=1e-6)
    True
    """
    forward, backward = _method(layer, "forward"), _method(layer, "backward")
    x = np.array(x, copy=True)
    check_float_dtype(x, "x")
    check_finite(x, "x")
    rng = np.random.default_rng(seed)
    is_loss, kwargs = _forward_plan(layer, t, train_flg)
    if is_loss and t is None:
        t = _labels(x, rng)
    extra = (t,) if is_loss else ()
    saved, frozen = _snapshot(layer), _Frozen(layer)
    try:
        point, claim, dout = _claims(layer, (forward, backward), (x, extra, kwargs), dout,
                                     rng, frozen, saved)

        def f(p):
            frozen.reset()
            return forward(p["dx"], *extra, **kwargs)

        result = check_vjp(f, point, claim, cotangent=dout, mode=mode, method=method, h=h,
                           safety=safety, k=k, seed=seed, worst=worst)
    finally:
        _restore(layer, saved)
        np.random.set_state(frozen.global_state)  # noqa: NPY002
    return LayerCheckResult(type(layer).__name__, tuple(point), result,
                            "train" if kwargs and train_flg else "")


def _claims(layer, methods, call, dout, rng, frozen, saved):
    """The point ``{"dx": x copy, "dW": layer.W, ...}``, the claimed VJP (copies of what
    one backward returns and sets), and the cotangent."""
    (forward, backward), (x, extra, kwargs) = methods, call
    name = type(layer).__name__
    frozen.reset()
    out = np.asarray(forward(x.copy(), *extra, **kwargs))
    if dout is None:
        dout = np.array(1.0) if out.ndim == 0 else rng.standard_normal(out.shape)
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != out.shape:
        raise ValueError(f"dout has shape {dout.shape} but {name}.forward returned shape "
                         f"{out.shape}; dout is the upstream gradient, shaped like the output.")
    dx = backward(dout.copy())
    if dx is None:
        raise TypeError(f"{name}.backward returned None; it must return dx, the gradient "
                        f"with respect to forward's input (section 5.4).")
    params = layer_parameters(layer)
    original = {id(value): copy for value, copy in saved.values() if copy is not None}
    for key, (value, _) in params.items():
        if id(value) in original and value.tobytes() != original[id(value)].tobytes():
            raise ValueError(f"{name}.forward or backward modified the parameter behind {key} "
                             f"in place; a layer computes gradients, an optimizer updates "
                             f"parameters (section 6.1).")
    point = {"dx": x, **{k: v for k, (v, _) in params.items()}}
    claim = {"dx": np.array(dx, dtype=float), **{k: g.copy() for k, (_, g) in params.items()}}
    return point, claim, dout
