"""Error of a finite-difference derivative against the step h: the data behind the V-curve.

The book picks ``h = 1e-4`` "to avoid rounding error". This module measures
why: for each step h it compares forward, central, Richardson and
complex-step derivatives of a chosen function with the exact derivative from
JAX in float64, in float64 and in float32. Error model (central difference)::

    error(h) ~ h**2 |f'''| / 6  +  eps |f| / h       minimum near h ~ eps**(1/3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_float_array, check_seed, dtype_eps, one_of
from .errors import GradlabTypeError, GradlabValueError
from .numerical import DEFAULT_H

__all__ = ["sweep", "SweepResult", "theoretical_h", "FUNCTIONS", "METHODS", "BOOK_H",
           "default_steps"]

FUNCTIONS = ("sigmoid", "softmax-ce", "two-layer-net")
"""Functions :func:`sweep` knows: elementwise sigmoid at 16 points, softmax + cross-entropy
and the TwoLayerNet loss along 8 random unit directions each."""

METHODS = ("forward", "central", "richardson", "complex-step")
DTYPES = ("float64", "float32")
"""Precisions :func:`sweep` evaluates in."""
BOOK_H = DEFAULT_H
"""The step of the book's ``numerical_diff`` and ``numerical_gradient`` (1e-4)."""

_ORDER = {"forward": 2, "central": 3, "richardson": 5}


def default_steps() -> np.ndarray:
    """Steps 1e-20 .. 1, five per decade (1e-4 exactly among them)."""
    return 10.0 ** (np.arange(-100, 1) / 5)


def theoretical_h(method: str, dtype) -> float | None:
    """Step that minimises the error model when f and its derivatives are of order 1.

    ``eps**(1/2)`` for forward differences (truncation h|f''|/2), ``eps**(1/3)``
    for central (h**2 |f'''|/6) and ``eps**(1/5)`` for Richardson on h and h/2
    (h**4 |f^(5)|/480); the roundoff term is ``eps |f| / h`` for each. None for
    the complex step, which subtracts nothing and has no roundoff term.

    Examples
    --------
    >>> np.allclose(theoretical_h("central", np.float64), 6.06e-6, rtol=1e-2)
    True
    """
    if one_of(method, METHODS, "method") == "complex-step":
        return None
    return dtype_eps(dtype) ** (1 / _ORDER[method])


@dataclass
class SweepResult:
    """Relative error of each method at each step, per dtype.

    Attributes
    ----------
    function : str
    hs : ndarray
        The steps.
    errors : dict
        ``errors[dtype][method]``: root-mean-square over the sample points of
        ``|numeric - exact| / scale`` (scale: ``|f'|``, or ``|grad f|`` for
        directional derivatives), one value per step.
    at_book_h : dict
        ``at_book_h[dtype][method]``: the same error at h = 1e-4.
    """

    function: str
    hs: np.ndarray
    errors: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    at_book_h: dict[str, dict[str, float]] = field(default_factory=dict)

    def best(self, dtype: str, method: str) -> tuple[float, float]:
        """``(h, error)`` at the smallest measured error."""
        err = self.errors[dtype][method]
        i = int(np.nanargmin(err))
        return float(self.hs[i]), float(err[i])

    def table(self) -> list[tuple]:
        """Rows ``(dtype, method, best h, error there, error at 1e-4, model h)``."""
        return [(dtype, method, *self.best(dtype, method), self.at_book_h[dtype][method],
                 theoretical_h(method, dtype))
                for dtype in self.errors for method in self.errors[dtype]]

    def to_dict(self) -> dict:
        """Plain lists, ready for ``json``."""
        keys = ("dtype", "method", "best_h", "best_error", "error_at_1e-4", "model_h")
        return {"function": self.function, "hs": self.hs.tolist(),
                "errors": {d: {m: e.tolist() for m, e in v.items()}
                           for d, v in self.errors.items()},
                "table": [dict(zip(keys, row, strict=True)) for row in self.table()]}


def _add(base, s, direction):
    if isinstance(base, dict):
        return {k: base[k] + s * direction[k] for k in base}
    return base + s * direction


def _flat(tree) -> np.ndarray:
    """One vector; dict entries in sorted key order, as JAX returns them."""
    return np.concatenate([np.ravel(tree[k]) for k in sorted(tree)]) if isinstance(tree, dict) \
        else np.ravel(tree)


def _directional(loss: Callable, base, directions, grad64: Callable):
    """``g(s)`` of the K directional slices, the exact slopes and their scales (float64)."""
    def g(s):
        return np.array([loss(_add(base, s, v)) for v in directions])

    def as64(tree):
        return {k: np.asarray(v, np.float64) for k, v in tree.items()} \
            if isinstance(tree, dict) else np.asarray(tree, np.float64)

    grad = _flat(grad64(as64(base)))
    exact = np.array([grad @ _flat(as64(v)) for v in directions])
    scale = np.linalg.norm(grad) * np.array([np.linalg.norm(_flat(as64(v))) for v in directions])
    return g, exact, scale


def _unit_directions(rng, like, dtype, count=8):
    out = []
    for _ in range(count):
        raw = {k: rng.normal(size=np.shape(v)) for k, v in like.items()} \
            if isinstance(like, dict) else rng.normal(size=np.shape(like))
        norm = np.linalg.norm(_flat(raw))
        out.append({k: (v / norm).astype(dtype) for k, v in raw.items()}
                   if isinstance(raw, dict) else (raw / norm).astype(dtype))
    return out


def _problem(function: str, dtype, seed):
    """``(g, exact, scale)``: g(s) evaluates the K sample slices at step s."""
    import gradlab as gl
    from gradlab import reference as ref

    rng = np.random.default_rng(seed)
    if function == "sigmoid":
        x0 = np.linspace(-3.75, 3.75, 16).astype(dtype)
        exact = ref.to_numpy(ref.sigmoid_grad(x0.astype(np.float64)))
        return (lambda s: gl.sigmoid(x0 + s)), exact, np.abs(exact)
    if function == "softmax-ce":
        a0 = (2.0 * rng.normal(size=(4, 10))).astype(dtype)
        t = rng.integers(0, 10, size=4)
        ce_grad = ref.grad(lambda a, t: ref.cross_entropy_error.__wrapped__(
            ref.softmax.__wrapped__(a), t))

        def grad64(a):
            return ce_grad(a, t)

        return _directional(lambda a: gl.cross_entropy_error(gl.softmax(a), t), a0,
                            _unit_directions(rng, a0, dtype), grad64)
    if function == "two-layer-net":
        net = gl.TwoLayerNet(8, 6, 4, weight_init_std=0.5, seed=rng)
        x = rng.normal(size=(16, 8)).astype(dtype)
        t = rng.integers(0, 4, size=16)
        base = {k: v.astype(dtype) for k, v in net.params.items()}

        def loss(params):
            net.params = params
            return net.loss(x, t)

        def grad64(params):
            return ref.grad(ref.two_layer_net_loss)(params, x.astype(np.float64), t)

        return _directional(loss, base, _unit_directions(rng, base, dtype), grad64)
    raise AssertionError(function)  # sweep checked it


def _derivatives(g, h: float, dtype, g0) -> dict[str, np.ndarray]:
    real, cplx = np.dtype(dtype).type, np.result_type(dtype, np.complex64).type
    plus = {step: g(real(step)) for step in (h, h / 2)}
    central = {step: (plus[step] - g(real(-step))).astype(np.float64) / (2 * step)
               for step in (h, h / 2)}
    return {
        "forward": (plus[h] - g0).astype(np.float64) / h,
        "central": central[h],
        "richardson": (4 * central[h / 2] - central[h]) / 3,
        "complex-step": np.imag(g(cplx(1j * h))).astype(np.float64) / h,
    }


def sweep(function: str = "sigmoid", *, dtypes=("float64", "float32"), hs=None,
          seed=0) -> SweepResult:
    """Measure the derivative error of four difference formulas against the step h.

    Parameters
    ----------
    function : {"sigmoid", "softmax-ce", "two-layer-net"}
        ``"sigmoid"``: gradlab's sigmoid at 16 points in [-3.75, 3.75].
        ``"softmax-ce"``: ``cross_entropy_error(softmax(a), t)`` for 4x10
        logits, along 8 random unit directions. ``"two-layer-net"``: the loss
        of an 8-6-4 TwoLayerNet on 16 samples, along 8 random unit directions
        in parameter space.
    dtypes : sequence of {"float64", "float32"}
        Precisions to evaluate the function in.
    hs : array_like, optional
        Steps; default :func:`default_steps` (1e-20 .. 1).
    seed : int, optional
        Seeds the sample points and directions.

    Returns
    -------
    SweepResult

    Raises
    ------
    ValueError
        For an unknown function or dtype, or steps that are not positive.

    Notes
    -----
    Forward ``(f(x+h) - f(x)) / h``; central ``(f(x+h) - f(x-h)) / 2h``;
    Richardson ``(4 C(h/2) - C(h)) / 3`` with C the central difference;
    complex step ``Im f(x + ih) / h``. The function runs in the chosen dtype
    (the point is rounded to it first); the exact derivative at that rounded
    point comes from :mod:`gradlab.reference` in float64. Subtracting two
    nearly equal values loses ``eps |f| / h``, which is why the error rises
    again for small h; the complex step subtracts nothing.

    Examples
    --------
    >>> r = sweep("sigmoid", dtypes=["float64"], hs=[1e-4])
    >>> bool(r.errors["float64"]["central"][0] < 1e-8)
    True
    """
    one_of(function, FUNCTIONS, "function")
    if isinstance(dtypes, str) or not hasattr(dtypes, "__iter__"):
        raise GradlabTypeError(f"dtypes must be a list of dtype names such as ['float64'], "
                               f"got {dtypes!r}.")
    dtypes = [one_of(name, DTYPES, "dtypes") for name in dtypes]
    if not dtypes:
        raise GradlabValueError("dtypes is empty; pass e.g. ['float64', 'float32'].")
    seed = check_seed(seed)
    hs = default_steps() if hs is None else as_float_array(hs, "hs", allow_complex=False).ravel()
    if not np.all(hs > 0):
        raise GradlabValueError("hs must be a non-empty array of positive finite steps, got "
                                f"{hs.min():g}.")
    result = SweepResult(function, hs)
    for name in dtypes:
        g, exact, scale = _problem(function, np.dtype(name), seed)
        g0 = g(np.dtype(name).type(0))

        def error(h, g=g, exact=exact, scale=scale, name=name, g0=g0):
            with np.errstate(all="ignore"):
                found = _derivatives(g, h, name, g0)
            return {m: float(np.sqrt(np.mean(((d - exact) / scale) ** 2)))
                    for m, d in found.items()}

        per_h = [error(h) for h in hs]
        result.errors[name] = {m: np.array([e[m] for e in per_h]) for m in METHODS}
        result.at_book_h[name] = error(BOOK_H)
    return result
