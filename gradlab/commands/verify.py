"""``gradlab verify``: built-in parity checks of gradlab against the JAX oracle (interim)."""

from __future__ import annotations

import argparse

import numpy as np


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("verify", help="check gradlab's functions against JAX")
    parser.set_defaults(handler=run)
    return parser


def _cases():
    import gradlab as gl
    from gradlab import reference as ref

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3)) * 3
    y = gl.softmax(x)
    labels = np.array([0, 2, 1, 2])
    net = gl.TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=1)
    for v in net.params.values():
        v += rng.normal(scale=0.1, size=v.shape)
    xb = rng.normal(size=(3, 5))
    tb = np.array([0, 1, 2])
    yield "sigmoid", gl.sigmoid(x), ref.sigmoid(x)
    yield "sigmoid_grad", gl.sigmoid_grad(x), ref.sigmoid_grad(x)
    yield "softmax", y, ref.softmax(x)
    yield "cross_entropy_error", gl.cross_entropy_error(y, labels), \
        ref.cross_entropy_error(y, labels)
    yield "mean_squared_error", gl.mean_squared_error(y, gl.one_hot(labels, 3)), \
        ref.mean_squared_error(y, gl.one_hot(labels, 3))
    yield "TwoLayerNet.loss", net.loss(xb, tb), ref.two_layer_net_loss(net.params, xb, tb)
    exact = ref.grad(ref.two_layer_net_loss)(net.params, xb, tb)
    ours = net.gradient(xb, tb)
    yield "TwoLayerNet.gradient", np.concatenate([ours[k].ravel() for k in exact]), \
        np.concatenate([exact[k].ravel() for k in exact])


def run(args) -> int:
    failures = 0
    print(f"{'function':<24} {'status':<6} max abs error")
    for name, ours, oracle in _cases():
        err = float(np.max(np.abs(np.asarray(ours) - np.asarray(oracle))))
        ok = err <= 1e-12 * max(1.0, float(np.max(np.abs(oracle))))
        failures += not ok
        print(f"{name:<24} {'pass' if ok else 'FAIL':<6} {err:.1e}")
    return 1 if failures else 0
