"""Checks of chapter 5's layers (Relu, Sigmoid, Affine, SoftmaxWithLoss) and chapter 6's
(Dropout, BatchNormalization): forward against JAX, backward against the learner's own
forward and against JAX, training and test behaviour.

SoftmaxWithLoss: the book's backward ``(y - t) / N`` is the exact gradient of the delta-free
loss, so against its own forward (which adds delta = 1e-7 in the log) it differs by about
delta / y; that residual is recognised (JAX's VJP with delta = 0) and passes with a note.
"""

from __future__ import annotations

import numpy as np

from .. import oracle
from ..harness import fmt
from ..records import Outcome
from ..registry import check
from ..remote import RemoteError
from ..twolayer import DELTA_NOTE
from .layercases import Case, backward_check, forward_check, oracle_vjp_of
from .layerkit import (
    build,
    match_oracle,
    method_typo,
    proxy,
    spaced,
    state_problem,
    takes_train_flag,
)

BATCHNORM_EPS = (("eps = 1e-7", {"eps": 1e-7}), ("eps = 1e-5", {"eps": 1e-5}),
                 ("eps = 1e-8", {"eps": 1e-8}), ("eps = 1e-3", {"eps": 1e-3}))
"""eps values learners add to the variance besides the book's 10e-7 = 1e-6."""
LOSS_DELTAS = (("delta = 0 in the log", {"delta": 0.0}),)


def _normal(seed, shape, scale=1.0):
    return np.random.default_rng(seed).normal(0.0, scale, shape)


def _relu_cases():
    return [Case("a 3x5 batch", (), spaced(1, (3, 5)), "relu_layer"),
            Case("images (2, 3, 2, 4)", (), spaced(2, (2, 3, 2, 4)), "relu_layer")]


def _sigmoid_cases():
    return [Case("a 3x5 batch", (), _normal(3, (3, 5), 2.0), "sigmoid")]


def _affine_cases():
    W, b = _normal(4, (12, 5)), _normal(5, (5,), 0.3)
    W2, b2 = _normal(6, (7, 3)), _normal(7, (3,), 0.3)
    return [Case("a batch of 4, W 7x3", (W2, b2), _normal(9, (4, 7)), "affine",
                 {"W": W2, "b": b2}),
            Case("images (2, 3, 2, 2), W 12x5", (W, b), _normal(8, (2, 3, 2, 2)), "affine",
                 {"W": W, "b": b})]


def _softmax_cases():
    x = _normal(10, (4, 3), 1.5)
    t = np.eye(3)[[0, 2, 1, 1]]
    return [Case("a batch of 4 scores, one-hot t", (), x, "softmax_with_loss", t=t)]


@check("Relu.forward")
def relu_forward(h):
    return forward_check(h, "Relu", _relu_cases())


@check("Relu.backward")
def relu_backward(h):
    return backward_check(h, "Relu", _relu_cases()[1])


@check("Sigmoid.forward")
def sigmoid_forward(h):
    return forward_check(h, "Sigmoid", _sigmoid_cases())


@check("Sigmoid.backward")
def sigmoid_backward(h):
    return backward_check(h, "Sigmoid", _sigmoid_cases()[0])


@check("Affine.forward")
def affine_forward(h):
    return forward_check(h, "Affine", _affine_cases()[:1])


@check("Affine.backward")
def affine_backward(h):
    return backward_check(h, "Affine", _affine_cases()[0])


def _file_of(place: str) -> str:
    """The file of a definition's place (``path:line`` or ``path cell N, line M``)."""
    return place.split(" cell ")[0] if " cell " in place else place.rsplit(":", 1)[0]


def _used_by_a_convnet(h) -> bool:
    """Does a SimpleConvNet of the target use this Affine (its file uses it), so that it
    must take image batches? Without a known definition (a module target), any
    SimpleConvNet of the target counts."""
    nets = [e.definition for e in h.session.definitions_of("SimpleConvNet")
            if e.definition is not None]
    if not nets:
        return False
    mine = h.entry.definition if h.entry is not None else None
    if mine is None:
        return True
    users = {_file_of(u) for u in mine.used_by}
    return any(net.relpath in users for net in nets)


@check("Affine.images")
def affine_images(h):
    """Image batches (N, C, H, W), flattened per sample (section 5.7's tensor support, which
    a convolutional net needs after its pooling layer): a 2-D-only Affine (section 5.6.2's
    version) is reported as a warning unless a SimpleConvNet of the target uses it."""
    case = _affine_cases()[1]
    outcome = forward_check(h, "Affine", [case])
    if outcome.status == "pass":
        outcome = backward_check(h, "Affine", case)
    if outcome.status != "fail" or _used_by_a_convnet(h):
        return outcome
    flat = _affine_cases()[0]
    if forward_check(h, "Affine", [flat]).status != "pass" or \
            backward_check(h, "Affine", flat).status != "pass":
        return outcome  # wrong on 2-D batches too: not an earlier version, a bug
    return Outcome("warn", f"2-D batches only (section 5.6.2's Affine; the book's "
                           f"common/layers.py flattens image batches, which a convolutional "
                           f"net needs): {outcome.message}", outcome.counterexample)


@check("SoftmaxWithLoss.forward")
def softmax_with_loss_forward(h):
    return forward_check(h, "SoftmaxWithLoss", _softmax_cases(), variants=LOSS_DELTAS)


def _delta_free(verdict, layer, case):
    """The book's (y - t) / N against its own forward: the delta residual, if JAX's
    delta-free VJP explains it."""
    layer.call_forward(case.x, case.t)
    dx = layer.backward(np.array(1.0))
    exact = oracle_vjp_of(case, np.array(1.0), (0,), {"delta": 0.0})[0]
    if match_oracle(dx, exact, "dx", scale=1.0) is None:
        return None, f"; {DELTA_NOTE}"
    return verdict, ""


@check("SoftmaxWithLoss.backward")
def softmax_with_loss_backward(h):
    return backward_check(h, "SoftmaxWithLoss", _softmax_cases()[0], variants=LOSS_DELTAS,
                          own_note=_delta_free)


# -- chapter 6 ---------------------------------------------------------------------------

def _bn_cases():
    g, b = _normal(11, (6,), 0.5) + 1.0, _normal(12, (6,), 0.3)
    g4, b4 = _normal(13, (12,), 0.5) + 1.0, _normal(14, (12,), 0.3)
    return [Case("a batch of 5, 6 features", (g, b), _normal(15, (5, 6), 2.0) + 1.0,
                 "batchnorm_forward_train", {"gamma": g, "beta": b}, train=True),
            Case("images (3, 3, 2, 2)", (g4, b4), _normal(16, (3, 3, 2, 2)),
                 "batchnorm_forward_train", {"gamma": g4, "beta": b4}, train=True)]


class _ChannelCase(Case):
    """Images normalized per channel over (N, H, W), as CNN libraries do (PyTorch's
    BatchNorm2d), with gamma and beta of shape (C,): another correct convention than the
    book's, which normalizes each of the C*H*W features over N."""

    def want(self, **kw):
        n, c, hh, ww = self.x.shape
        rows = self.x.transpose(0, 2, 3, 1).reshape(-1, c)
        out = oracle.value(self.twin, rows, *self.params.values(), **kw)
        return out.reshape(n, hh, ww, c).transpose(0, 3, 1, 2)


def _bn_channel_case():
    g, b = _normal(19, (3,), 0.5) + 1.0, _normal(20, (3,), 0.3)
    return _ChannelCase("images (3, 3, 2, 2), per channel", (g, b), _normal(16, (3, 3, 2, 2)),
                        "batchnorm_forward_train", {"gamma": g, "beta": b}, train=True)


CHANNEL_NOTE = ("images normalized per channel over (N, H, W), with gamma and beta of shape "
                "(C,), as CNN libraries do; the book's normalizes each of the C*H*W features")


@check("BatchNormalization.forward")
def batchnorm_forward(h):
    cases = _bn_cases()
    book = forward_check(h, "BatchNormalization", cases, variants=BATCHNORM_EPS)
    if book.status != "fail" or forward_check(h, "BatchNormalization", cases[:1],
                                              variants=BATCHNORM_EPS).status != "pass":
        return book  # right on images, or wrong already on a 2-D batch
    channel = forward_check(h, "BatchNormalization", [cases[0], _bn_channel_case()],
                            variants=BATCHNORM_EPS)
    if channel.status != "pass":
        return book
    return Outcome("pass", f"{channel.message} (note: {CHANNEL_NOTE})")


@check("BatchNormalization.backward")
def batchnorm_backward(h):
    return backward_check(h, "BatchNormalization", _bn_cases()[0], variants=BATCHNORM_EPS)


@check("BatchNormalization.running_stats")
def batchnorm_running_stats(h):
    """Two training forwards move the running statistics by the momentum rule; a test
    forward then normalizes with them (not with the batch's own statistics)."""
    if (typo := method_typo(h, "BatchNormalization", "forward")) is not None:
        return typo
    case = _bn_cases()[0]
    inst, how = build(h, "BatchNormalization", *case.ctor)
    if not takes_train_flag(h, "BatchNormalization"):
        return Outcome("fail", "forward takes no train_flg: there is no test mode, so a "
                               "trained network normalizes each test batch by its own "
                               "statistics instead of the running ones (section 6.3.1)",
                       f"layer = {how}")
    layer = proxy(h, "BatchNormalization", inst, case.params, train=True)
    batches = [case.x, _normal(17, case.x.shape, 0.5) - 1.0]
    try:
        for x in batches:
            layer.call_forward(x)
    except RemoteError as exc:
        return Outcome("fail", state_problem(exc, "BatchNormalization.forward") or
                       f"crashed: {exc}"[:300], f"layer = {how}; {h.last_call}")
    try:
        mean = np.asarray(h.get(inst.running_mean), dtype=float)
        var = np.asarray(h.get(inst.running_var), dtype=float)
    except (RemoteError, AttributeError):  # read by verify, not by the layer: its own names
        return Outcome("skip", "keeps no running_mean / running_var (the book's names): "
                               "verify cannot read its running statistics")
    try:
        test_x = _normal(18, (2, 6))
        layer.train = False
        out = layer.call_forward(test_x)
    except RemoteError as exc:
        return Outcome("fail", state_problem(exc, "BatchNormalization.forward") or
                       f"crashed: {exc}"[:300], f"layer = {how}; {h.last_call}")
    except AttributeError:
        return Outcome("skip", "keeps no running_mean / running_var (the book's names)")
    from .. import oracle

    m, v = np.zeros(6), np.zeros(6)
    for x in batches:
        m, v = oracle.value("batchnorm_running_stats", x, m, v)
    momentum = "momentum 0.9, starting from zeros"
    problem = match_oracle(mean, m, "running_mean") or match_oracle(var, v, "running_var")
    if problem:
        return Outcome("fail", f"after two training batches {problem} [{momentum}]",
                       f"layer = {how}; two forwards with train_flg=True")
    problems = []
    for label, kw in (("", {}),) + BATCHNORM_EPS:
        want = oracle.value("batchnorm_forward_test", test_x, *case.params.values(), mean,
                            var, **kw)
        problems.append(match_oracle(out, want, "returned"))
        if problems[-1] is None:
            return Outcome("pass", f"running statistics ({momentum}) used at test time"
                                   + (f" (note: {label})" if label else ""))
    return Outcome("fail", f"test-mode forward does not normalize with the running "
                           f"statistics: {problems[0]}",
                   f"layer = {how}; layer.forward({fmt(test_x)}, False)")


@check("Dropout.train_test")
def dropout_train_test(h):
    """Training: each unit is either dropped (0) or kept, the same fraction as the ratio on
    average; test: every unit scaled by (1 - ratio) (the book) -- or inverted dropout,
    training scaled by 1 / (1 - ratio) and test the identity."""
    if (typo := method_typo(h, "Dropout", "forward")) is not None:
        return typo
    ratio, x = 0.4, np.abs(_normal(19, (40, 50))) + 0.5
    inst, how = build(h, "Dropout", ratio)
    if not takes_train_flag(h, "Dropout"):
        return Outcome("fail", "forward takes no train_flg: there is no test mode, so a "
                               "trained network keeps dropping units when it is evaluated "
                               "(section 6.4.3)", f"layer = {how}")
    layer = proxy(h, "Dropout", inst, train=True)
    try:
        train = np.asarray(layer.call_forward(x), dtype=float)
        layer.train = False
        test = np.asarray(layer.call_forward(x), dtype=float)
    except RemoteError as exc:
        return Outcome("fail", state_problem(exc, "Dropout.forward") or f"crashed: {exc}"[:300],
                       f"layer = {how}; {h.last_call}")
    where = f"layer = {how}; x = {x.shape} positive values"
    kept = train != 0
    scale = np.unique(np.round(train[kept] / x[kept], 12))
    dropped = 1.0 - kept.mean()
    if kept.all():
        return Outcome("fail", "training forward dropped no unit (ratio 0.4): the train_flg "
                               "switch is ignored or inverted", where)
    if scale.size != 1 or abs(dropped - ratio) > 0.05:
        return Outcome("fail", f"training forward is not x * mask: {dropped:.0%} dropped, "
                               f"kept units scaled by {scale[:3]}", where)
    if np.allclose(scale, 1.0) and np.allclose(test, x * (1 - ratio), rtol=1e-12):
        return Outcome("pass", "drops units in training, scales by (1 - ratio) at test time "
                               "(the book's convention)")
    if np.allclose(scale, 1 / (1 - ratio)) and np.allclose(test, x, rtol=1e-12):
        return Outcome("pass", "note: inverted dropout (kept units scaled by 1/(1 - ratio) in "
                               "training, identity at test time): correct, not the book's")
    if np.array_equal(test != 0, kept) or (test == 0).any():
        return Outcome("fail", "test-mode forward still drops units: the train_flg switch is "
                               "missing", where)
    return Outcome("fail", f"test-mode forward returns {test[0, 0]:.6g} for x = {x[0, 0]:.6g}"
                           f": without test-time scaling the expected output differs between "
                           f"training and test (the book multiplies by 1 - ratio = "
                           f"{1 - ratio:g})", where)


@check("Dropout.backward")
def dropout_backward(h):
    """For a fixed mask the training forward is linear in x, out = x * s (s the kept
    units' scale): its backward must be dout * s, read off its own output."""
    for method in ("forward", "backward"):
        if (typo := method_typo(h, "Dropout", method)) is not None:
            return typo
    x = np.abs(_normal(20, (6, 7))) + 0.5
    inst, how = build(h, "Dropout", 0.5)
    layer = proxy(h, "Dropout", inst, train=True if takes_train_flag(h, "Dropout") else None)
    dout = _normal(21, x.shape)
    try:
        out = np.asarray(layer.call_forward(x), dtype=float)
        dx = layer.backward(dout)
    except RemoteError as exc:
        return Outcome("fail", state_problem(exc, "Dropout") or f"crashed: {exc}"[:300],
                       f"layer = {how}; {h.last_call}")
    problem = match_oracle(dx, dout * out / x, "dx")
    if problem:
        return Outcome("fail", f"backward is not dout * mask of the last forward: {problem}",
                       f"layer = {how}; layer.forward(x); layer.backward({fmt(dout)})")
    return Outcome("pass", "dout * mask of its own last training forward")
