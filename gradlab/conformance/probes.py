"""Named test functions that checks pass to a learner's code (``numerical_gradient(f, x)``).

A check runs in the judge, the learner's ``numerical_gradient`` in the executor, so ``f``
crosses the boundary as a description (:class:`~.executor.protocol.FunctionSpec`) that
the executor turns back into the function below. The judge calls the same functions to
know the exact answer. NumPy only: the executor imports this before any learner code.
"""

from __future__ import annotations

import numpy as np

from .executor.values import FunctionSpec

__all__ = ["PROBES", "Probe", "build"]


def sum_squares(x):
    return np.sum(x**2)


def coupled(x):
    return np.sum(np.sin(x)) + np.sum(x) ** 2 / 2


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def quadratic(x):
    return 0.01 * x**2 + 0.1 * x


def function_tmp1(x):
    return x**2 + 4.0**2


def softmax_cross_entropy(W, x, t):
    """The book's simpleNet loss: cross-entropy (delta = 1e-7) of softmax(x @ W)."""
    z = x @ W
    y = np.exp(z - z.max(axis=-1, keepdims=True))
    y = y / np.sum(y, axis=-1, keepdims=True)
    batch = y.shape[0] if y.ndim == 2 else 1
    return -np.sum(t * np.log(y + 1e-7)) / batch


PROBES = {f.__name__: f for f in (sum_squares, coupled, function_2, quadratic, function_tmp1,
                                  softmax_cross_entropy)}
PROBES.update(sin=np.sin, exp=np.exp)


class Probe:
    """A named probe: callable here, sent to the executor as its name.

    ``text`` is how counterexamples print it (a Python expression the learner can paste).
    """

    def __init__(self, name: str, text: str, **params):
        if name not in PROBES:
            raise KeyError(f"no probe named {name!r}")
        self.name, self.text, self.params = name, text, params
        self.__doc__ = text

    def __call__(self, x):
        return PROBES[self.name](x, **self.params)

    @property
    def spec(self) -> FunctionSpec:
        return FunctionSpec("probe", self.name, tuple(self.params.items()), text=self.text)

    def __repr__(self) -> str:
        return self.text


def build(spec: FunctionSpec, call: list, resolve):
    """The executor's function for ``spec``.

    ``call`` is a list whose first item will be the arguments of the call the function is
    passed to (a ``reads_arg`` function reads one of them when it runs); ``resolve(ref)``
    gives an object of the executor from a reference.
    """
    if spec.kind == "probe" and spec.name in PROBES:
        fn, params = PROBES[spec.name], dict(spec.params)
        return lambda x: fn(x, **params)
    if spec.kind == "reads_arg" and spec.name in PROBES and spec.index >= 0:
        fn, params, index = PROBES[spec.name], dict(spec.params), spec.index
        return lambda _ignored: fn(call[0][index], **params)
    if spec.kind == "closure":
        method, args = resolve(spec.ref), spec.args
        return lambda *_ignored: method(*args)
    raise ValueError(f"unknown function description {spec.kind!r} {spec.name!r}")
