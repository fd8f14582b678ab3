"""Checks of the networks built from layers (sections 6.1-7.5): MultiLayerNet,
MultiLayerNetExtend (BatchNormalization, weight decay) and SimpleConvNet. Each ``gradient``
(backprop through its layers) is judged against finite differences of its *own* ``loss``
(:func:`~..ownloss.check_own_gradient`), per parameter: model-agnostic, so any layer stack
is judged on its own terms. (Chapter 5's TwoLayerNet is checked by :mod:`.nets`.)

Parameters are set to non-zero values (biases too: a wrong bias gradient is invisible at
zero), and MultiLayerNet gets weight decay, whose gradient ``lambda * W`` is easy to forget.
"""

from __future__ import annotations

import numpy as np

from .. import conventions as cv
from ..harness import Skipped, compare, describe_exception, fmt
from ..ownloss import LossOf, as_grads, check_own_gradient, status_of
from ..records import Outcome
from ..registry import check
from ..remote import RemoteError
from ..twolayer import DELTA_NOTE, probabilities
from .layerkit import build, method_typo, state_problem

CLASSES = 3
_CONV = {"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1}
NETS = {
    # name: (constructor kwargs (book names), x shape, loss/gradient keyword extras)
    "MultiLayerNet": ({"input_size": 6, "hidden_size_list": [5, 4], "output_size": CLASSES,
                       "weight_decay_lambda": 0.1}, (4, 6), {}),
    "MultiLayerNetExtend": ({"input_size": 6, "hidden_size_list": [5, 4],
                             "output_size": CLASSES, "use_batchnorm": True,
                             "weight_decay_lambda": 0.1}, (4, 6), {"train_flg": True}),
    "SimpleConvNet": ({"input_dim": (1, 8, 8), "conv_param": _CONV, "hidden_size": 5,
                       "output_size": CLASSES}, (2, 1, 8, 8), {}),
}
"""Small nets that keep every finite difference cheap; MultiLayerNetExtend runs its loss in
training mode (BatchNormalization's batch statistics, which its gradient differentiates)."""


FULL_UP_TO = 100
"""Parameters up to which every element is checked (4 loss calls each, through the
executor); above, fast mode: random directions, then bisection to a wrong element."""


def _mode(size: int) -> str:
    return "full" if size <= FULL_UP_TO else "fast"


def _kwargs_it_takes(h, name, wanted: dict) -> dict:
    params = h.params(name)
    if params is None:
        return dict(wanted)
    names = {p.name for p in params}
    missing = [p.name for p in params if p.default is None and p.name not in wanted
               and p.kind not in ("var_positional", "var_keyword")]
    if missing:
        raise Skipped(f"verify cannot build {name}: its parameter(s) {', '.join(missing)} "
                      f"have no book counterpart")
    return {k: v for k, v in wanted.items() if k in names}


def _method_kwargs(h, name, method, extra):
    params = h.params(name, method)
    if params is None:
        return dict(extra)
    return {k: v for k, v in extra.items() if any(p.name == k for p in params)}


def _gradient_check(h, name):
    for method in ("loss", "gradient"):
        if (typo := method_typo(h, name, method)) is not None:
            return typo
    ctor, x_shape, extra = NETS[name]
    net, how = build(h, name, **_kwargs_it_takes(h, name, ctor))
    try:
        arrays = h.get(net.params)
    except AttributeError:
        raise Skipped(f"{how} keeps no params dict (the book's name)") from None
    if not isinstance(arrays, dict) or not arrays:
        raise Skipped(f"{how}: params is not a dict of arrays")
    rng = np.random.default_rng(5)
    params = {k: rng.normal(0.0, 0.5, np.shape(v)) + (0.1 if str(k).startswith("b") else 0.0)
              for k, v in arrays.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"}
    for k, v in params.items():
        h.assign(net.params[k], v)
    x = rng.normal(0.0, 1.0, x_shape)
    t = np.eye(CLASSES)[rng.integers(0, CLASSES, x_shape[0])]
    loss_kw = _method_kwargs(h, name, "loss", extra)
    call = f"net = {how}; net.params = {fmt(params)}; net.gradient({fmt(x)}, {fmt(t)})"
    try:
        got = h.call("net.gradient", net.gradient, x, t)
    except RemoteError as exc:
        return Outcome("fail", state_problem(exc, f"{name}.gradient") or
                       f"crashed: {describe_exception(exc)[:300]}", call)
    grads, why = as_grads(got, tuple(params))
    if grads is None:
        return Outcome("fail", f"gradient {why}", call)

    def put(k, v):
        h.assign(net.params[k], v)

    loss_of = LossOf(params, put, lambda: h.call("net.loss", net.loss, x, t, **loss_kw))
    size = sum(v.size for v in params.values())
    try:
        result = check_own_gradient(loss_of, params, grads, mode=_mode(size))
    finally:
        for k, v in params.items():  # the net's arrays as the check set them
            put(k, v)
    status = status_of(result)
    if status == "pass":
        return Outcome("pass", f"gradient matches finite differences of its own loss "
                               f"({', '.join(params)}; {size} parameters)")
    if status == "fail" and result.cause in ("delta_residual", "small_residual") and \
            _delta_free(h, name, net, (x, t, extra, loss_kw), params, grads, size):
        return Outcome("pass", f"{DELTA_NOTE} ({', '.join(params)}; {size} parameters)")
    top = result.worst[0] if result.worst else None
    where = f": grads[{top.name!r}]{list(top.index)} is {top.analytic:.7g}, its loss's slope " \
            f"{top.numeric:.7g}" if top else ""
    severity = "fail" if status == "fail" else "warn"
    return Outcome(severity, f"gradient disagrees with finite differences of its own loss"
                             f"{where} (cause: {result.cause})", call,
                   details=str(result))


def _delta_free(h, name, net, batch, params, grads, size) -> bool:
    """Whether ``grads`` is the gradient of its own loss with the book's delta = 1e-7 taken
    out of the log (the cross-entropy of its own prediction, recomputed here with and
    without delta): the book's backprop ``(y - t) / N`` is that gradient."""
    x, t, extra, loss_kw = batch
    predict_kw = _method_kwargs(h, name, "predict", extra)
    with_delta, without = cv.CEConvention("add", cv.BOOK_DELTA), cv.CEConvention("add", 0.0)

    def evaluate():
        own = float(np.asarray(h.call("net.loss", net.loss, x, t, **loss_kw), dtype=float))
        probs = probabilities(h.call("net.predict", net.predict, x, **predict_kw))[0]
        return own - cv.ce_value(probs, t, with_delta) + cv.ce_value(probs, t, without)

    def put(k, v):
        h.assign(net.params[k], v)

    try:
        result = check_own_gradient(LossOf(params, put, evaluate), params, grads,
                                    mode=_mode(size))
    except (ValueError, TypeError, RemoteError):
        return False
    finally:
        for k, v in params.items():
            put(k, v)
    return status_of(result) == "pass"


def _accuracy_check(h, name):
    """The fraction of rows whose arg-max of its own predict matches t (one-hot t, one row
    of N made wrong)."""
    if (typo := method_typo(h, name, "accuracy")) is not None:
        return typo
    ctor, x_shape, extra = NETS[name]
    net, how = build(h, name, **_kwargs_it_takes(h, name, ctor))
    x = np.random.default_rng(6).normal(0.0, 1.0, (5,) + x_shape[1:])
    call = f"net = {how}; net.accuracy({fmt(x)}, t)"
    try:
        if extra:  # BatchNormalization: a training pass first sets the running statistics
            h.call("net.loss", net.loss, x, np.eye(CLASSES)[np.arange(5) % CLASSES],
                   **_method_kwargs(h, name, "loss", extra))
        labels = np.argmax(np.asarray(h.call("net.predict", net.predict, x), dtype=float),
                           axis=1)
        labels[0] = (labels[0] + 1) % CLASSES
        got = h.call("net.accuracy", net.accuracy, x, np.eye(CLASSES)[labels])
    except RemoteError as exc:
        return Outcome("fail", state_problem(exc, f"{name}.accuracy") or
                       f"crashed: {describe_exception(exc)[:300]}", call)
    problem = compare(got, 4 / 5, 1e-12)
    if problem:
        return Outcome("fail", f"wrong accuracy with one-hot t: {problem} [one row of 5 "
                               f"misclassified by its own predict]"
                       + _batched(h, name, net, x, np.eye(CLASSES)[labels]), call)
    return Outcome("pass", "fraction of rows whose arg-max of its own predict matches t")


def _batched(h, name, net, x, t) -> str:
    """Why an accuracy that takes ``batch_size`` is wrong: it counts only full batches
    (right again when the batch is all of x) but divides by all N."""
    params = h.params(name, "accuracy") or ()
    if not any(p.name == "batch_size" for p in params):
        return ""
    try:
        whole = h.call("net.accuracy", net.accuracy, x, t, batch_size=len(x))
    except RemoteError:
        return ""
    if compare(whole, 4 / 5, 1e-12) is not None:
        return ""
    return (f" -- with batch_size={len(x)} it is right: it predicts only the full batches "
            f"(N // batch_size of them) but divides by all N, so the last N % batch_size "
            f"samples count as wrong (0 for N < batch_size); loop over "
            f"range(0, N, batch_size) instead")


def _register(name):
    check(f"{name}.gradient")(lambda h: _gradient_check(h, name))
    check(f"{name}.accuracy")(lambda h: _accuracy_check(h, name))


for _name in NETS:
    _register(_name)
