"""What the chapter 5-7 checks share: building a learner's layer in the executor, a judge-side
proxy of it that :func:`gradlab.check_layer` can check, the JAX oracle's VJP, and the
messages for a misspelt method and for state read before it is assigned.

A :class:`RemoteLayer` holds judge-side copies of the layer's parameters; before each
``forward`` it writes the ones that changed into the executor's arrays, in place (so a
network that shares them sees them too), and after ``backward`` it fetches ``dx`` and
every ``d<name>``. ``check_layer`` then perturbs the copies, as it would a local layer's.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from gradlab.check.layer import TRAIN_FLAGS, misspelled

from ..harness import Failed, Skipped, describe_exception, fmt
from ..records import Outcome
from ..remote import RemoteError
from ..tolerances import parity_tolerance

__all__ = ["RemoteLayer", "proxy", "build", "method_typo", "state_problem", "oracle_vjp",
           "judge_layer", "own_methods", "match_oracle", "takes_train_flag", "spaced"]


def spaced(seed: int, shape, gap: float = 0.05) -> np.ndarray:
    """Distinct values ``(k + 1/2) * gap`` centred on 0, in random order: none within gap/2
    of ReLU's kink, no two within ``gap`` (no ties for max pooling)."""
    n = int(np.prod(shape))
    return ((np.random.default_rng(seed).permutation(n) - n // 2 + 0.5) * gap).reshape(shape)


def own_methods(h, name: str) -> set | None:
    """The method names of the definition under check, read by discovery (None when
    unknown: an object checked in process, an alias)."""
    d = h.entry_of(name).definition
    return None if d is None or d.kind != "class" else {m.name for m in d.methods}


def method_typo(h, name: str, method: str) -> Outcome | None:
    """A fail when the class lacks ``method`` but has a near spelling (``backword``)."""
    methods = own_methods(h, name)
    if methods is None or method in methods:
        return None
    typo = misspelled(method, methods)
    if typo is None:
        return None
    return Outcome("fail", f"{name} has no {method} but has {typo!r}: a typo; {method} is what "
                           f"the book's networks call (section 5.4), so it cannot run there")


_NO_ATTRIBUTE = re.compile(r"has no attribute '(\w+)'")


def state_problem(exc, label: str) -> str | None:
    """For an AttributeError on the layer's own state: what is wrong and the fix."""
    if getattr(exc, "builtin", getattr(exc, "type_name", "")) != "AttributeError":
        return None
    found = _NO_ATTRIBUTE.search(str(getattr(exc, "message", exc)))
    if not found:
        return None
    attr = found.group(1)
    return (f"{label} reads self.{attr} before anything assigned it (AttributeError: "
            f"{attr!r}); an annotation such as `{attr}: np.ndarray` in the class body creates "
            f"no attribute. Assign it in __init__ (e.g. self.{attr} = None) or before first use")


def _abstract(exc) -> str | None:
    text = str(getattr(exc, "message", exc))
    return text if "abstract" in text else None


def build(h, name: str, *args, **kwargs):
    """``name(*args, **kwargs)`` in the executor: the instance's proxy. A class that cannot
    be instantiated because of an abstract method (a ``backword`` typo in a subclass of an
    abstract base class) is a fail; a constructor verify cannot call is a skip."""
    cls = h.fn(name)
    shown = [fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()]
    call = f"{name}({', '.join(shown)})"
    try:
        return h.call(name, cls, *args, **kwargs), call
    except (TypeError, ValueError) as exc:
        if _abstract(exc):
            methods = own_methods(h, name) or set()
            typos = {m: misspelled(m, methods) for m in ("forward", "backward", "update")}
            hint = "".join(f"; it defines {t!r}: a typo of {m}?" for m, t in typos.items()
                           if t and m not in methods)
            raise Failed(Outcome("fail", f"{name} cannot be instantiated: "
                                         f"{describe_exception(exc)[:200]}{hint}", call)) \
                from None
        raise Skipped(f"verify cannot build {call}: {describe_exception(exc)[:200]}") from None


class RemoteLayer:
    """A learner's layer in the executor, as a local layer for :func:`gradlab.check_layer`.

    Parameters
    ----------
    h : Harness
    name : str
        The book name (for labels).
    remote : Remote
        The instance.
    params : dict
        ``{attribute: array}``: the parameters, written into the executor's arrays.
    train : bool or None
        Pass a training switch (positionally, the book's ``train_flg``) when not None;
        the attribute may be changed between calls (a test-mode forward).

    Attributes
    ----------
    label : str
        The book name, for messages. W, b, dW, db, ... : the judge's copies.
    """

    def __init__(self, h, name, remote, params, *, train=None):
        self._h, self.label, self._remote, self.train = h, name, remote, train
        self._params = tuple(params)
        self._held = {k: np.array(v, dtype=float) for k, v in params.items()}
        for k, v in params.items():
            setattr(self, k, np.array(v, dtype=float))
            setattr(self, f"d{k}", None)
        for k, v in self._held.items():
            try:
                h.assign(getattr(remote, k), v)
            except AttributeError:
                raise Skipped(f"{name} keeps no array {k} (the book's name): verify cannot "
                              f"set its parameters") from None

    def _sync(self):
        for k in self._params:
            mine = getattr(self, k)
            if mine.tobytes() != self._held[k].tobytes():
                self._h.assign(getattr(self._remote, k), mine)
                self._held[k] = mine.copy()

    def call_forward(self, x, *extra):
        self._sync()
        args = (x, *extra) + (() if self.train is None else (self.train,))
        return self._h.call(f"{self.label}.forward", self._remote.forward, *args,
                            names=("x", "t")[:1 + len(extra)])

    def backward(self, dout):
        self._sync()
        arg = (dout,) if np.ndim(dout) else (float(dout),)
        dx = self._h.call(f"{self.label}.backward", self._remote.backward, *arg,
                          names=("dout",))
        for k in self._params:
            try:
                value = self._h.get(getattr(self._remote, f"d{k}"))
            except AttributeError:
                raise Failed(Outcome("fail", f"{self.label}.backward sets no d{k}: the book's "
                                             f"layers keep the gradient of {k} in d{k} for the "
                                             f"network's gradient()", self._h.last_call)) from None
            setattr(self, f"d{k}", _array(value))
        return dx


class _Plain(RemoteLayer):
    def forward(self, x):
        return self.call_forward(x)


class _Loss(RemoteLayer):
    def forward(self, x, t):
        return self.call_forward(x, t)


def proxy(h, name, remote, params=None, *, loss=False, train=None) -> RemoteLayer:
    """The judge-side layer for ``check_layer``: ``forward(x)`` or ``forward(x, t)``."""
    return (_Loss if loss else _Plain)(h, name, remote, params or {}, train=train)


def _array(value):
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        return np.asarray(value, dtype=float)
    return value


def takes_train_flag(h, name: str) -> bool:
    """Whether the definition's ``forward`` has a training switch (``train_flg``)."""
    params = h.params(name, "forward")
    if params is None:
        return True
    return len([p for p in params if p.kind != "var_keyword"]) >= 2 or any(
        p.name in TRAIN_FLAGS for p in params)


@functools.cache
def _vjp_of(name: str, argnums: tuple, static: tuple):
    import jax.numpy as jnp

    from gradlab import reference

    pure = getattr(reference, name).__wrapped__
    kwargs = dict(static)

    def contraction(dout, *args):
        return jnp.sum(dout * pure(*args, **kwargs))

    return reference.grad(contraction, tuple(i + 1 for i in argnums))


def oracle_vjp(name: str, args, dout, argnums=(0,), **static) -> tuple:
    """``dout . d twin(*args)`` with respect to ``args[argnums]``, from JAX (float64)."""
    grads = _vjp_of(name, tuple(argnums), tuple(sorted(static.items())))(
        np.asarray(dout, dtype=float), *args)
    return tuple(np.asarray(g) for g in grads)


def match_oracle(got, want, what: str, *, scale: float = 0.0) -> str | None:
    """Why ``got`` is not JAX's ``want`` within rounding (None when it is)."""
    from ..harness import compare

    problem = compare(got, want, parity_tolerance(want, input_scale=scale))
    return f"{what} {problem}".strip() if problem else None


def judge_layer(h, layer: RemoteLayer, x, *, t=None, what: str = "") -> Outcome | None:
    """``gradlab.check_layer`` of the proxy against the learner's own forward: None when
    it passes, else the failing Outcome (a crash in backward included)."""
    import gradlab as gl

    try:
        result = gl.check_layer(layer, x, t=t, mode="fast", seed=0)
    except RemoteError as exc:
        why = state_problem(exc, f"{layer.label}") or f"crashed: {describe_exception(exc)[:300]}"
        return Outcome("fail", why, h.last_call)
    except (TypeError, ValueError) as exc:
        return Outcome("fail", f"{layer.label}.backward: {exc}"[:400], h.last_call)
    if result.ok:
        return None
    if result.status == "inconclusive":
        return Outcome("warn", f"inconclusive against its own forward{what}: "
                               f"{result.result.headline}", h.last_call)
    top = result.worst[0]
    return Outcome("fail", f"backward disagrees with finite differences of its own forward"
                           f"{what}: {top.where} is {top.analytic:.7g}, its forward's slope "
                           f"{top.numeric:.7g} (cause: {result.cause})", h.last_call,
                   details=str(result))
