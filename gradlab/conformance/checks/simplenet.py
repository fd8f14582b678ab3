"""Checks of SimpleNet (section 4.4.2), the one-layer net of the book's dW demo.

The net is built from its own constructor (no arguments, ``W``, or sizes: see
:mod:`..networks`) and its ``W`` is overwritten in place with the check's values, in the
shape the net has; its loss is judged under the cross-entropy convention its values follow.
"""

from __future__ import annotations

import numpy as np

from .. import conventions as cv
from .. import oracle
from ..calling import METHOD_SIGNATURES
from ..harness import Failed, compare, fmt
from ..networks import build, fixed_array, write
from ..records import Outcome
from ..registry import check
from ..tolerances import central_difference_tolerance, parity_tolerance

W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
SIMPLE_CASES = [(np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])),
                (np.array([[0.6, 0.9], [-1.0, 0.3]]), np.array([[0.0, 1.0, 0.0],
                                                                [1.0, 0.0, 0.0]]))]


def _setup(h):
    """``(net, W, cases)``: the target's SimpleNet holding the check's W (the book's demo
    values when its W is 2 x 3, else fixed values of its own shape) and inputs to match."""
    net = build(h, "SimpleNet", (2, 3), attributes=("W",))
    shape = net.shapes["W"]
    if len(shape) != 2:
        raise Failed(Outcome("fail", f"{net.how}.W has shape {shape}, expected a matrix "
                                     f"(inputs x classes)"))
    if shape == W.shape:
        w, cases = W, SIMPLE_CASES
    else:
        w = fixed_array(shape, 12)
        x1 = fixed_array((shape[0],), 13, scale=1.0)
        xb = fixed_array((2, shape[0]), 14, scale=1.0)
        cases = [(x1, np.eye(shape[1])[-1]), (xb, np.eye(shape[1])[[0, 1 % shape[1]]])]
    write(h, net, {"W": w})
    return net, w, cases


def _method(h, net, method, *args):
    plan = h.plan("SimpleNet", METHOD_SIGNATURES[method][:len(args)], method=method)
    call_args, kwargs = plan.arguments(args)
    return h.call(f"net.{method}", getattr(net.remote, method), *call_args,
                  watch={"W": net.arrays["W"]}, **kwargs)


def _where(net, w):
    return f"net = {net.how}; net.W = {fmt(w)}"


@check("SimpleNet.predict")
def simple_predict(h):
    net, w, cases = _setup(h)
    for x, _ in cases:
        got = _method(h, net, "predict", x)
        problem = compare(got, x @ w, parity_tolerance(x @ w))
        if problem:
            return Outcome("fail", f"predict should be x @ W: {problem}",
                           f"{_where(net, w)}; net.predict({fmt(x)})")
    return Outcome("pass", "x @ W")


def loss_convention(h, net, w, cases):
    """The cross-entropy convention of the net's loss (None when no convention fits), and
    the first case that fits none."""
    found = None
    for x, t in cases:
        got = _method(h, net, "loss", x, t)
        probs = np.asarray(oracle.value("softmax", x @ w))
        try:
            value = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            return None, (x, t, f"returned {type(got).__name__} {got!r:.60}, expected a number")
        conv = cv.ce_floor(probs, t, value, tol=parity_tolerance(value))
        if conv is None or (found is not None and conv != found):
            want = cv.ce_value(probs, t, found or cv.CEConvention("add", cv.BOOK_DELTA))
            return None, (x, t, compare(value, want, parity_tolerance(want)))
        found = conv
    return found, None


@check("SimpleNet.loss")
def simple_loss(h):
    net, w, cases = _setup(h)
    conv, bad = loss_convention(h, net, w, cases)
    if conv is None:
        x, t, problem = bad
        return Outcome("fail", f"wrong loss: {problem} (not the cross-entropy of "
                               f"softmax(x @ W) under any delta or clamp up to 1e-4)",
                       f"{_where(net, w)}; net.loss({fmt(x)}, {fmt(t)})")
    note = "" if conv.book else f"note: {conv.unseen_name}; "
    return Outcome("pass", f"{note}cross-entropy of softmax(x @ W)")


@check("SimpleNet.gradient", quick=False)
def simple_gradient(h):
    """The book's demo: numerical_gradient(lambda w: net.loss(x, t), net.W) (gradlab's own
    numerical_gradient here, so that only SimpleNet is judged), against the exact
    gradient of the loss under the convention the net's values follow."""
    from gradlab import numerical_gradient

    net, w, cases = _setup(h)
    conv, _ = loss_convention(h, net, w, cases)
    if conv is None:
        conv = cv.CEConvention("add", cv.BOOK_DELTA)  # SimpleNet.loss reports the loss
    x, t = cases[0]
    w0, loss_of = h.perturbing(net.arrays["W"], lambda: _method(h, net, "loss", x, t))
    dW = numerical_gradient(loss_of, w0)
    write(h, net, {"W": w})
    delta = conv.floor if conv.mode == "add" else 0.0
    exact = oracle.grad("simple_net_loss", w, x, t, delta=delta)
    third = oracle.third_derivatives("simple_net_loss", w, x, t)
    loss = float(oracle.value("simple_net_loss", w, x, t))
    problem = compare(dW, exact, central_difference_tolerance(loss, third))
    if problem:
        hint = (" -- all zeros: its loss does not read the W that numerical_gradient "
                "perturbs (does loss use self.W, or a copy made in __init__?)"
                if np.allclose(dW, 0) else f" [assuming {conv.name}, as its loss values]")
        return Outcome("fail", f"dW of the book's demo: {problem}{hint}",
                       f"{_where(net, w)}; numerical_gradient(lambda w: net.loss(x, t), net.W)"
                       f" with x = {fmt(x)}, t = {fmt(t)}")
    note = "" if conv.book else f"note: {conv.unseen_name}; "
    return Outcome("pass", f"{note}the book's dW demo matches jax.grad of its loss")
