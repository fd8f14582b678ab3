"""Checks of SimpleNet (section 4.4.2), the one-layer net of the book's dW demo."""

from __future__ import annotations

import numpy as np

from . import oracle
from .harness import Failed, compare, fmt, fmt_call
from .records import Outcome
from .registry import check
from .tolerances import central_difference_tolerance, parity_tolerance

_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])


def make_simple_net(h, W):
    """The target's SimpleNet (in its executor) with ``W`` written into its ``W``."""
    cls = h.fn("SimpleNet")
    try:
        net = cls()
    except TypeError:
        net = cls(W=W.copy())
    try:
        own = h.get(net.W)
    except AttributeError:
        own = None
    if not isinstance(own, np.ndarray) or own.shape != W.shape:
        raise Failed(Outcome("fail", f"SimpleNet() has no attribute W of shape {W.shape}"))
    h.assign(net.W, W)
    return net


@check("SimpleNet.predict")
def simple_predict(h):
    net = make_simple_net(h, _W)
    for x in (np.array([0.6, 0.9]), np.array([[0.6, 0.9], [-1.0, 0.3]])):
        got = h.call("net.predict", net.predict, x, watch={"W": net.W})
        problem = compare(got, x @ _W, parity_tolerance(x @ _W))
        if problem:
            return Outcome("fail", f"predict should be x @ W: {problem}",
                           f"net.W = {fmt(_W)}; net.predict({fmt(x)})")
    return Outcome("pass", "x @ W")


_SIMPLE_CASES = [(np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])),
                 (np.array([[0.6, 0.9], [-1.0, 0.3]]), np.array([[0.0, 1.0, 0.0],
                                                                 [1.0, 0.0, 0.0]]))]


@check("SimpleNet.loss")
def simple_loss(h):
    net = make_simple_net(h, _W)
    for x, t in _SIMPLE_CASES:
        got = h.call("net.loss", net.loss, x, t, watch={"W": net.W})
        want = np.asarray(oracle.value("simple_net_loss", _W, x, t))
        plain = np.asarray(oracle.value("simple_net_loss", _W, x, t, delta=0.0))
        problem = compare(got, want, parity_tolerance(want))
        if problem and compare(got, plain, parity_tolerance(plain)) is not None:
            return Outcome("fail", f"wrong loss: {problem}",
                           f"net.W = {fmt(_W)}; net.loss({fmt(x)}, {fmt(t)})")
    return Outcome("pass", "cross-entropy of softmax(x @ W)")


@check("SimpleNet.gradient", quick=False)
def simple_gradient(h):
    """The book's demo: numerical_gradient(lambda w: net.loss(x, t), net.W) (gradlab's own
    numerical_gradient here, so that only SimpleNet is judged)."""
    from gradlab import numerical_gradient

    net = make_simple_net(h, _W)
    x, t = _SIMPLE_CASES[0]
    W, loss_of = h.perturbing(net.W, lambda: net.loss(x, t))
    dW = numerical_gradient(loss_of, W)
    exact = oracle.grad("simple_net_loss", _W, x, t)
    third = oracle.third_derivatives("simple_net_loss", _W, x, t)
    loss = float(oracle.value("simple_net_loss", _W, x, t))
    problem = compare(dW, exact, central_difference_tolerance(loss, third))
    if problem:
        return Outcome("fail", f"dW of the book's demo: {problem} (does loss read self.W?)",
                       fmt_call("numerical_gradient", "lambda w: net.loss(x, t)", _W))
    return Outcome("pass", "the book's dW demo matches jax.grad")
