"""Checks of chapter 7: ``im2col`` against JAX, ``col2im`` as the adjoint of the learner's own
``im2col`` (and against JAX), Convolution and Pooling forward and backward.

Shapes expose the usual mistakes: non-square images (an output width computed from the
height), stride 2 with padding, three channels (a convolution that does not sum over them),
overlapping windows (a ``col2im`` that assigns with ``=`` where windows must add up).
"""

from __future__ import annotations

import numpy as np

from .. import oracle
from ..harness import compare, describe_exception, fmt
from ..records import Outcome
from ..registry import check
from ..remote import RemoteError
from ..tolerances import parity_tolerance
from .layercases import Case, backward_check, forward_check
from .layerkit import match_oracle, spaced

WINDOWS = (("images (2, 3, 7, 6), filter 3x2, stride 2, pad 1", (2, 3, 7, 6), 3, 2, 2, 1),
           ("images (2, 2, 5, 4), filter 3x3, stride 1 (overlapping)", (2, 2, 5, 4), 3, 3, 1,
            0))
"""(label, input shape, filter_h, filter_w, stride, pad) of the im2col and col2im checks."""


def _normal(seed, shape, scale=1.0):
    return np.random.default_rng(seed).normal(0.0, scale, shape)


@check("im2col.values")
def im2col_values(h):
    for i, (label, shape, fh, fw, stride, pad) in enumerate(WINDOWS):
        x = _normal(30 + i, shape)
        call = f"im2col({fmt(x)}, {fh}, {fw}, {stride}, {pad})"
        try:
            got = h.invoke("im2col", x, fh, fw, stride, pad)
        except RemoteError as exc:
            return Outcome("fail", f"crashed on {label}: {describe_exception(exc)[:300]}", call)
        want = oracle.value("im2col", x, filter_h=fh, filter_w=fw, stride=stride, pad=pad)
        problem = compare(got, want, 0.0)  # a copy of the input's values: exact
        if problem:
            return Outcome("fail", f"wrong columns on {label}: {problem} [rows (n, oh, ow), "
                                   f"columns (c, fh, fw), as the book lays them out]", call)
    return Outcome("pass", "the book's layout, exactly, on " + "; ".join(w[0] for w in WINDOWS))


@check("col2im.adjoint", needs=("im2col",))
def col2im_adjoint(h):
    """<im2col(x), c> == <x, col2im(c)> for random x and c: col2im is the adjoint (the
    backward) of im2col only if overlapping windows add up."""
    for i, (label, shape, fh, fw, stride, pad) in enumerate(WINDOWS):
        x = _normal(40 + i, shape)
        call = f"col2im(c, {shape}, {fh}, {fw}, {stride}, {pad})"
        try:
            cols = np.asarray(h.invoke("im2col", x, fh, fw, stride, pad), dtype=float)
            c = _normal(50 + i, cols.shape)
            back = np.asarray(h.invoke("col2im", c, shape, fh, fw, stride, pad), dtype=float)
        except RemoteError as exc:
            return Outcome("fail", f"crashed on {label}: {describe_exception(exc)[:300]}", call)
        if back.shape != shape:
            return Outcome("fail", f"col2im returned shape {back.shape} for {label}, expected "
                                   f"{shape}", call)
        lhs, rhs = float(np.sum(cols * c)), float(np.sum(x * back))
        # both sides are sums of the same products, each within n eps sum|products|
        tol = 4 * cols.size * np.finfo(float).eps * float(np.sum(np.abs(cols * c)))
        if abs(lhs - rhs) > tol:
            want = oracle.value("col2im", c, input_shape=shape, filter_h=fh, filter_w=fw,
                                stride=stride, pad=pad)
            where = compare(back, want, parity_tolerance(want))
            return Outcome("fail", f"not the adjoint of im2col on {label}: <im2col(x), c> = "
                                   f"{lhs:.6g} but <x, col2im(c)> = {rhs:.6g}"
                                   + (f"; against JAX it {where}" if where else "")
                                   + " (overlapping windows must add up: += not =)", call)
    return Outcome("pass", "the adjoint of its own im2col (<im2col(x), c> = <x, col2im(c)>) "
                           "on " + "; ".join(w[0] for w in WINDOWS))


def _conv_cases():
    W, b = _normal(60, (4, 3, 3, 2), 0.5), _normal(61, (4,), 0.3)
    W2, b2 = _normal(62, (2, 2, 3, 3), 0.5), _normal(63, (2,), 0.3)
    return [Case("images (2, 3, 7, 6), filters (4, 3, 3, 2), stride 2, pad 1", (W, b, 2, 1),
                 _normal(64, (2, 3, 7, 6)), "conv_forward", {"W": W, "b": b},
                 twin_kwargs={"stride": 2, "pad": 1}),
            Case("images (2, 2, 6, 4), filters (2, 2, 3, 3), stride 1", (W2, b2, 1, 0),
                 _normal(65, (2, 2, 6, 4)), "conv_forward", {"W": W2, "b": b2},
                 twin_kwargs={"stride": 1, "pad": 0})]


def _pool_cases():
    return [Case("images (2, 3, 6, 4), 2x2 windows, stride 2", (2, 2, 2, 0),
                 spaced(66, (2, 3, 6, 4)), "pool_forward",
                 twin_kwargs={"pool_h": 2, "pool_w": 2, "stride": 2, "pad": 0}),
            Case("images (2, 2, 7, 5), 3x3 windows, stride 2 (overlapping)", (3, 3, 2, 0),
                 spaced(67, (2, 2, 7, 5)), "pool_forward",
                 twin_kwargs={"pool_h": 3, "pool_w": 3, "stride": 2, "pad": 0})]


def _channels(case, out) -> str | None:
    """A convolution that does not sum over the input channels: it matches the first
    channel alone, or the channels' mean."""
    x, W, b = case.x, case.params["W"], case.params["b"]
    if x.shape[1] < 2 or out.shape != case.want().shape:
        return None
    first = oracle.value("conv_forward", x[:, :1], W[:, :1], b, **case.twin_kwargs)
    if match_oracle(out, first, "") is None:
        return (f" -- it uses the first of the {x.shape[1]} input channels only: each output "
                f"must sum over all channels (section 7.2.5)")
    mean = (case.want() - b[None, :, None, None]) / x.shape[1] + b[None, :, None, None]
    if match_oracle(out, mean, "") is None:
        return f" -- it averages the {x.shape[1]} input channels; the convolution sums them"
    return None


@check("Convolution.forward")
def convolution_forward(h):
    return forward_check(h, "Convolution", _conv_cases(), diagnose=_channels)


@check("Convolution.backward")
def convolution_backward(h):
    return backward_check(h, "Convolution", _conv_cases()[0])


@check("Pooling.forward")
def pooling_forward(h):
    return forward_check(h, "Pooling", _pool_cases())


@check("Pooling.backward")
def pooling_backward(h):
    return backward_check(h, "Pooling", _pool_cases()[1])

