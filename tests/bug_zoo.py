"""A zoo of realistic mutants of gradlab's implementation, for the conformance suite.

Each :class:`Mutant` swaps one book name of gradlab's implementation for a buggy
version -- either a source mutation of gradlab's own code (``_mutate``: the
exact text replaced must still exist, so a refactor of gradlab breaks this
loudly instead of turning the mutant into a no-op) or a learner-style rewrite
with a bug seen in public implementations of the book. ``status`` is what
``gradlab verify`` must report for ``function``: "fail" for wrong numbers or a
crash, "warn" for a side effect without a wrong number.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass

import numpy as np

import gradlab
from gradlab import functions, nets, numerical


@dataclass(frozen=True)
class Mutant:
    id: str
    function: str  # the book name that must be flagged
    status: str  # "fail" or "warn"
    obj: object  # the buggy function or class
    quick: bool = True  # caught by the quick checks (else needs the full ones)

    def apply(self, impl):
        return impl.replace(**{self.function: self.obj})


def _mutate(owner, name: str, old: str, new: str):
    """``owner.name`` (a function or a method) with ``old`` replaced by ``new`` in its source."""
    fn = getattr(owner, name)
    source = textwrap.dedent(inspect.getsource(fn))
    assert old in source, f"mutation target {old!r} no longer in {owner.__name__}.{name}"
    module = inspect.getmodule(fn)
    namespace = dict(vars(module))
    exec(compile(source.replace(old, new, 1), f"<mutant of {name}>", "exec"), namespace)
    return namespace[name]


def _net_with(**methods):
    return type("TwoLayerNet", (gradlab.TwoLayerNet,), methods)


def _net_mutant(method: str, old: str, new: str):
    return _net_with(**{method: _mutate(nets.TwoLayerNet, method, old, new)})


# ---- learner-style rewrites -------------------------------------------------------------

def softmax_no_shift(a):
    return np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)


def softmax_chapter3(a):  # global max and sum: wrong on a mini-batch
    c = np.max(a)
    exp_a = np.exp(a - c)
    return exp_a / np.sum(exp_a)


def softmax_columns(a):  # normalises down the batch axis
    exp_a = np.exp(a - np.max(a, axis=0))
    return exp_a / np.sum(exp_a, axis=0)


def softmax_in_place(a):
    a -= np.max(a, axis=-1, keepdims=True)
    return np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)


def step_at_zero(x):
    return np.array(x >= 0, dtype=float)


def sigmoid_sign(x):
    return 1 / (1 + np.exp(x))


def sigmoid_grad_of_output(x):  # expects sigmoid(x), gets x
    return x * (1.0 - x)


def relu_grad_returns_x(x):
    return x * (x > 0)


def mse_mean(y, t):
    return 0.5 * np.sum((y - t) ** 2) / y.shape[0]


def mse_no_half(y, t):
    return np.sum((y - t) ** 2)


def ce_not_averaged(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7))


def ce_no_delta(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t])) / y.shape[0]


def ce_one_hot_only(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]


def ce_memo_mixed(y, t):  # the memo's batch version: one-hot t times picked probabilities
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    batch_size = y.shape[0]
    return -np.sum(t * np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def ce_np_int(y, t):  # np.int was removed in NumPy 1.24
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    t = t.astype(np.int)  # noqa: NPY001
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7)) / y.shape[0]


def ce_delta_outside(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t]) + 1e-7) / y.shape[0]


def ce_1d_divides_by_classes(y, t):  # no reshape: a 1-D y "has" batch size C
    batch_size = y.shape[0]
    return -np.sum(t * np.log(y + 1e-7)) / batch_size


def numerical_diff_forward(f, x):
    h = 1e-4
    return (f(x + h) - f(x)) / h


def numerical_diff_tiny_h(f, x):  # section 4.3.1's "bad example"
    h = 1e-50
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient_1d_only(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp
    return grad


def numerical_gradient_copy(f, x):
    h = 1e-4
    x = x.astype(float)  # a copy: the book's closure idiom no longer sees the change
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp
    return grad


def numerical_gradient_not_restored(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        fxh1 = f(x)
        x[idx] -= 2 * h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] += 2 * h  # forgot to go back by h: x ends h too high
    return grad


def numerical_gradient_int_truncating(f, x):  # the book's algorithm, any shape, no dtype check
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp
    return grad


def gradient_descent_in_place(f, init_x, lr=0.01, step_num=100):
    x = init_x
    for _ in range(step_num):
        x -= lr * gradlab.numerical_gradient(f, x)
    return x


def gradient_descent_ascent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x += lr * gradlab.numerical_gradient(f, x)
    return x


def gradient_descent_fixed_lr(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x -= 0.01 * gradlab.numerical_gradient(f, x)
    return x


def _predict_without_b2(self, x):
    z1 = gradlab.sigmoid(x @ self.params["W1"] + self.params["b1"])
    return gradlab.softmax(z1 @ self.params["W2"])


def _accuracy_over_classes(self, x, t):
    y = np.argmax(self.predict(x), axis=1)
    return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[1])


def _loss_mse(self, x, t):
    return gradlab.mean_squared_error(self.predict(x), t)


def _numerical_gradient_copy_paste(self, x, t):
    loss_w = lambda w: self.loss(x, t)  # noqa: E731
    grads = {k: gradlab.numerical_gradient(loss_w, self.params[k]) for k in ("W1", "W2", "b2")}
    grads["b1"] = gradlab.numerical_gradient(loss_w, self.params["W1"])[0]
    return grads


def _gradient_no_batch_division(self, x, t):
    grads = gradlab.TwoLayerNet.gradient(self, x, t)
    return {k: v * x.shape[0] for k, v in grads.items()}


class SimpleNetTransposed(gradlab.SimpleNet):
    def predict(self, x):
        return np.dot(x, self.W.T)


class SimpleNetNoSoftmax(gradlab.SimpleNet):
    def loss(self, x, t):
        return gradlab.cross_entropy_error(np.clip(self.predict(x), 1e-12, None), t)


MUTANTS = [
    # values
    Mutant("step-at-zero", "step_function", "fail", step_at_zero),
    Mutant("sigmoid-sign", "sigmoid", "fail", sigmoid_sign),
    Mutant("sigmoid-src-sign", "sigmoid", "fail",
           _mutate(functions, "sigmoid", "1.0 / (1.0 + np.exp(-arr))",
                   "1.0 / (1.0 + np.exp(arr))")),
    Mutant("sigmoid-grad-of-output", "sigmoid_grad", "fail", sigmoid_grad_of_output),
    Mutant("sigmoid-grad-src", "sigmoid_grad", "fail",
           _mutate(functions, "sigmoid_grad", "return (1.0 - s) * s", "return (1.0 - s)")),
    Mutant("relu-src-kink", "relu", "fail",
           _mutate(functions, "relu", "arr * (arr.real > 0)", "arr * (arr.real < 0)")),
    Mutant("relu-grad-returns-x", "relu_grad", "fail", relu_grad_returns_x),
    Mutant("softmax-no-shift", "softmax", "fail", softmax_no_shift),
    Mutant("softmax-chapter3-batch", "softmax", "fail", softmax_chapter3),
    Mutant("softmax-columns", "softmax", "fail", softmax_columns),
    Mutant("softmax-in-place", "softmax", "warn", softmax_in_place),
    Mutant("softmax-src-global-sum", "softmax", "fail",
           _mutate(functions, "softmax", "np.sum(exp_a, axis=-1, keepdims=True)",
                   "np.sum(exp_a)")),
    Mutant("mse-divided-by-n", "mean_squared_error", "fail", mse_mean),
    Mutant("mse-no-half", "mean_squared_error", "warn", mse_no_half),  # a valid convention
    Mutant("ce-not-divided-by-n", "cross_entropy_error", "fail", ce_not_averaged),
    Mutant("ce-src-not-divided", "cross_entropy_error", "fail",
           _mutate(functions, "cross_entropy_error", "return -np.sum(np.log(picked + delta)) "
                   "/ batch_size", "return -np.sum(np.log(picked + delta))")),
    Mutant("ce-no-delta", "cross_entropy_error", "warn", ce_no_delta),  # log(0) at p = 0 only
    Mutant("ce-one-hot-only", "cross_entropy_error", "warn", ce_one_hot_only),  # §4.2.4's first
    Mutant("ce-memo-mixed-forms", "cross_entropy_error", "fail", ce_memo_mixed),
    Mutant("ce-np-int", "cross_entropy_error", "fail", ce_np_int),
    Mutant("ce-delta-outside-log", "cross_entropy_error", "fail", ce_delta_outside),
    Mutant("ce-1d-divides-by-classes", "cross_entropy_error", "fail", ce_1d_divides_by_classes),
    # numerical methods
    Mutant("diff-forward", "numerical_diff", "fail", numerical_diff_forward),
    Mutant("diff-tiny-h", "numerical_diff", "fail", numerical_diff_tiny_h),
    Mutant("grad-src-adds", "numerical_gradient", "fail",
           _mutate(numerical, "numerical_gradient", "flat_grad[i] = (fxh1 - fxh2) / step",
                   "flat_grad[i] = (fxh1 + fxh2) / step")),
    Mutant("grad-src-divides-by-h", "numerical_gradient", "fail",
           _mutate(numerical, "numerical_gradient", "step = plus - flat_x[i]",
                   "step = (plus - flat_x[i]) / 2")),
    Mutant("grad-1d-only-on-matrix", "numerical_gradient", "fail", numerical_gradient_1d_only),
    Mutant("grad-perturbs-copy", "numerical_gradient", "fail", numerical_gradient_copy),
    Mutant("grad-not-restored", "numerical_gradient", "fail", numerical_gradient_not_restored),
    Mutant("grad-int-truncates", "numerical_gradient", "fail", numerical_gradient_int_truncating),
    Mutant("descent-mutates-init-x", "gradient_descent", "warn", gradient_descent_in_place),
    Mutant("descent-ascends", "gradient_descent", "fail", gradient_descent_ascent),
    Mutant("descent-ignores-lr", "gradient_descent", "fail", gradient_descent_fixed_lr),
    # networks
    Mutant("net-transposed-w1-grad", "TwoLayerNet", "fail",
           _net_mutant("gradient", '"W1": x2.T @ da1', '"W1": da1.T @ x2')),
    Mutant("net-bias-grad-wrong-axis", "TwoLayerNet", "fail",
           _net_mutant("gradient", '"b2": da2.sum(axis=0)', '"b2": da2.sum(axis=1)')),
    Mutant("net-sigmoid-grad-of-output", "TwoLayerNet", "fail",
           _net_mutant("gradient", "* (1.0 - z1) * z1", "* (1.0 - sigmoid(z1)) * sigmoid(z1)")),
    Mutant("net-b1-grad-zero", "TwoLayerNet", "fail",
           _net_mutant("gradient", '"b1": da1.sum(axis=0)', '"b1": 0 * da1.sum(axis=0)')),
    Mutant("net-grad-not-divided-by-n", "TwoLayerNet", "fail",
           _net_with(gradient=_gradient_no_batch_division)),
    Mutant("net-predict-no-b2", "TwoLayerNet", "fail", _net_with(predict=_predict_without_b2)),
    Mutant("net-accuracy-over-classes", "TwoLayerNet", "fail",
           _net_with(accuracy=_accuracy_over_classes)),
    Mutant("net-loss-mse", "TwoLayerNet", "fail", _net_with(loss=_loss_mse)),
    Mutant("net-numerical-grad-copy-paste", "TwoLayerNet", "fail",
           _net_with(numerical_gradient=_numerical_gradient_copy_paste), quick=False),
    Mutant("simplenet-transposed", "SimpleNet", "fail", SimpleNetTransposed),
    Mutant("simplenet-no-softmax", "SimpleNet", "fail", SimpleNetNoSoftmax),
]
