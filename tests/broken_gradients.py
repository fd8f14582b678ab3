"""A catalogue of realistic bugs in a book-style TwoLayerNet gradient, for the checker's tests.

Every function takes ``(params, x, t)`` (t one-hot) and returns a gradient dict
computed by backpropagation the way chapter 4/5 code does, with one mistake.
The network is square where a bug needs it (hidden == output == batch == 3)
so that shape-preserving mix-ups (a transpose, the wrong axis) go unnoticed by
NumPy and only a gradient check can find them.
"""

from __future__ import annotations

import numpy as np

from gradlab.functions import sigmoid, softmax

SIZES = dict(input_size=4, hidden_size=3, output_size=3, batch=3)


def make_problem(rng):
    """Params with non-zero biases, a batch x and one-hot targets t."""
    n_in, n_hid, n_out, n = (SIZES[k] for k in ("input_size", "hidden_size", "output_size",
                                                 "batch"))
    params = {"W1": rng.normal(size=(n_in, n_hid)), "b1": rng.normal(size=n_hid) * 0.5,
              "W2": rng.normal(size=(n_hid, n_out)), "b2": rng.normal(size=n_out) * 0.5}
    x = rng.normal(size=(n, n_in))
    t = np.eye(n_out)[rng.integers(0, n_out, n)]
    return params, x, t


def loss(params, x, t):
    """Mean cross-entropy without the book's delta, so (y - t)/N is its exact gradient."""
    z1 = sigmoid(x @ params["W1"] + params["b1"])
    y = softmax(z1 @ params["W2"] + params["b2"])
    return -np.sum(t * np.log(y)) / x.shape[0]


def _forward(p, x):
    a1 = x @ p["W1"] + p["b1"]
    z1 = sigmoid(a1)
    return a1, z1, softmax(z1 @ p["W2"] + p["b2"])


def correct(p, x, t):
    a1, z1, y = _forward(p, x)
    da2 = (y - t) / x.shape[0]
    da1 = (da2 @ p["W2"].T) * z1 * (1 - z1)
    return {"W1": x.T @ da1, "b1": da1.sum(0), "W2": z1.T @ da2, "b2": da2.sum(0)}


def _edit(**changes):
    """A bug made by replacing some entries of the correct gradient."""
    def bug(p, x, t):
        g = correct(p, x, t)
        a1, z1, y = _forward(p, x)
        n = x.shape[0]
        ctx = dict(p=p, x=x, t=t, g=g, a1=a1, z1=z1, y=y, n=n,
                   da2=(y - t) / n, sig=lambda v: sigmoid(v) * (1 - sigmoid(v)))
        for key, fn in changes.items():
            g[key] = fn(ctx)
        return g
    return bug


def _scale_all(c):
    return lambda p, x, t: {k: c * v for k, v in correct(p, x, t).items()}


def _one_element(p, x, t):
    g = correct(p, x, t)
    g["W1"][2, 1] += 0.05 * np.max(np.abs(g["W1"]))
    return g


def _da1(ctx, *, w2=None, deriv=None):
    w2 = ctx["p"]["W2"].T if w2 is None else w2
    deriv = ctx["z1"] * (1 - ctx["z1"]) if deriv is None else deriv
    return (ctx["da2"] @ w2) * deriv


BUGS = {
    "sign_flip": _scale_all(-1.0),
    "scaled_by_1.1": _scale_all(1.1),
    "missing_divide_by_N": _scale_all(SIZES["batch"]),
    "one_element_wrong": _one_element,
    "W2_gradient_transposed": _edit(W2=lambda c: (c["z1"].T @ c["da2"]).T),
    "W2_not_transposed_in_backprop": _edit(
        W1=lambda c: c["x"].T @ _da1(c, w2=c["p"]["W2"]),
        b1=lambda c: _da1(c, w2=c["p"]["W2"]).sum(0)),
    "b2_summed_over_wrong_axis": _edit(b2=lambda c: c["da2"].sum(1)),
    "b1_mean_instead_of_sum": _edit(b1=lambda c: _da1(c).mean(0)),
    "sigmoid_grad_of_wrong_tensor": _edit(
        W1=lambda c: c["x"].T @ _da1(c, deriv=c["sig"](c["z1"])),
        b1=lambda c: _da1(c, deriv=c["sig"](c["z1"])).sum(0)),
    "sigmoid_derivative_forgotten": _edit(
        W1=lambda c: c["x"].T @ _da1(c, deriv=1.0), b1=lambda c: _da1(c, deriv=1.0).sum(0)),
    "pre_activation_in_W2_gradient": _edit(W2=lambda c: c["a1"].T @ c["da2"]),
    "target_not_subtracted": _edit(W2=lambda c: c["z1"].T @ c["y"] / c["n"],
                                   b2=lambda c: c["y"].sum(0) / c["n"]),
    "b1_and_b2_swapped": _edit(b1=lambda c: c["g"]["b2"].copy(),
                               b2=lambda c: c["g"]["b1"].copy()),
    "bias_gradient_zero": _edit(b1=lambda c: np.zeros_like(c["g"]["b1"])),
    "softmax_diagonal_jacobian_only": _edit(
        W2=lambda c: c["z1"].T @ (-c["t"] * (1 - c["y"]) / c["n"]),
        b2=lambda c: (-c["t"] * (1 - c["y"]) / c["n"]).sum(0)),
    "x_not_transposed_order": _edit(W1=lambda c: (_da1(c).T @ c["x"]).T[:, ::-1]),
    "forward_without_b1": lambda p, x, t: correct({**p, "b1": np.zeros_like(p["b1"])}, x, t),
}
"""name -> gradient function with that bug (17 kinds)."""
