"""Checks of TwoLayerNet (section 4.5, and chapter 5's of the same name), on its own terms.

Its ``gradient`` and ``numerical_gradient`` are judged against finite differences of
*its own* ``loss`` (:mod:`..ownloss`), whatever model it implements; its ``predict``
against the model family its structure implements (:mod:`..networks`: sigmoid or ReLU
hidden layer, softmax in predict or only in the loss), and its ``loss`` as the
cross-entropy of its own prediction, under the convention its values follow. Test points
have non-zero biases (a wrong bias gradient is invisible at the book's zero
initialisation) and include a square batch, N = number of classes, where a sum over the
wrong axis still has the right shape.
"""

from __future__ import annotations

import numpy as np

from .. import conventions as cv
from .. import oracle
from ..calling import METHOD_SIGNATURES
from ..harness import Skipped, compare, fmt
from ..networks import KEYS, build, families, fixed_array, write
from ..ownloss import LossOf, as_grads, check_own_gradient, own_gradient, status_of
from ..records import Outcome
from ..registry import check
from ..tolerances import GRADIENT_RTOL, central_difference_tolerance, parity_tolerance

DELTA_NOTE = ("note: matches the book's delta-free gradient (y - t) / N; the ~1e-7 relative "
              "residual against the exact gradient of its loss is the delta = 1e-7 inside "
              "the log, not a bug")
_SEEDS = {"W1": (4, 0.8, 0.0), "b1": (5, 0.3, 0.1), "W2": (6, 0.8, 0.0), "b2": (8, 0.3, 0.15)}
LARGE = 2000
"""Parameters above which the own-loss check probes directions (check_gradient's fast
mode) instead of every element."""


class Setup:
    """The target's TwoLayerNet holding the check's parameters (in the shapes the net has),
    and its test batches: ``(x, one-hot t, labels)`` for N = 2 and N = C."""

    def __init__(self, h):
        self.h = h
        self.net = build(h, "TwoLayerNet", (4, 5, 3))
        shapes = self.net.shapes
        if len(shapes["W1"]) != 2 or len(shapes["W2"]) != 2:
            raise Skipped(f"{self.net.how}: W1 {shapes['W1']} and W2 {shapes['W2']} are not "
                          f"matrices: not a two-layer net verify can drive")
        self.params = {k: fixed_array(shapes[k], *_SEEDS[k][:1], scale=_SEEDS[k][1],
                                      shift=_SEEDS[k][2]) for k in KEYS}
        write(h, self.net, self.params)
        rng = np.random.default_rng(7)
        n_in, n_out = shapes["W1"][0], shapes["W2"][-1]
        self.classes = n_out
        self.batches = []
        for n in (2, n_out):
            x = rng.normal(0, 1.0, (n, n_in))
            labels = rng.integers(0, n_out, n)
            self.batches.append((x, np.eye(n_out)[labels], labels))
        self.size = sum(int(np.prod(s)) for s in shapes.values())

    def call(self, method, *args, restore=False, watch=True):
        plan = self.h.plan("TwoLayerNet", METHOD_SIGNATURES[method][:len(args)],
                           method=method)
        call_args, kwargs = plan.arguments(args)
        return self.h.call(f"net.{method}", getattr(self.net.remote, method), *call_args,
                           watch=dict(self.net.arrays) if watch else None, restore=restore,
                           **kwargs)

    def where(self, call: str) -> str:
        return f"net = {self.net.how}; net.params = {fmt(self.params)}; {call}"

    def loss_of(self, x, t) -> LossOf:
        def put(k, v):
            self.h.assign(self.net.arrays[k], v)
        return LossOf(self.params, put, lambda: self.call("loss", x, t, watch=False))

    def restore(self):
        write(self.h, self.net, self.params)


def _probabilities(out):
    """The net's output as probabilities: itself when its rows are, else its softmax."""
    arr = np.asarray(out, dtype=float)
    if arr.ndim == 2 and np.all(arr >= 0) and np.allclose(arr.sum(axis=1), 1, atol=1e-12):
        return arr, "probabilities"
    return np.asarray(oracle.value("softmax", arr)), "scores"


class Model:
    """What the net's values say about it: its output form, the families its structure
    allows and the one its predictions match, its loss convention."""

    def __init__(self, s: Setup):
        entry = s.h.entry_of("TwoLayerNet")
        allowed = families(entry.definition)
        self.reason = allowed if isinstance(allowed, str) else ""
        self.allowed = [] if self.reason else allowed
        self.outputs = [np.asarray(s.call("predict", x), dtype=float) for x, _, _ in s.batches]
        self.family, self.problem = None, None
        form = _probabilities(self.outputs[0])[1] if self.outputs[0].ndim == 2 else ""
        for fam in sorted(self.allowed, key=lambda f: f.output != form):
            problems = [self.mismatch(fam, s.params, x, out)
                        for (x, _, _), out in zip(s.batches, self.outputs, strict=True)]
            if not any(problems):
                self.family = fam
                break
            self.problem = self.problem or next(p for p in problems if p)

    @staticmethod
    def mismatch(fam, params, x, out):
        scores = np.asarray(oracle.value("multi_layer_net_predict", params, x,
                                         activation=fam.hidden))
        want = scores if fam.output == "scores" else np.asarray(oracle.value("softmax",
                                                                             scores))
        if np.shape(out) != want.shape:
            return f"returned shape {np.shape(out)}, expected {want.shape}", fam, x
        problem = compare(out, want, parity_tolerance(want))
        return (problem, fam, x) if problem else None


def _model(h, s) -> Model:
    return h.memo("model", lambda: Model(s))


@check("TwoLayerNet.predict")
def net_predict(h):
    s = Setup(h)
    m = _model(h, s)
    if m.reason:
        return Outcome("warn", f"model not recognised: {m.reason}; its predict and loss "
                               f"values are not judged (its gradients are, against its own "
                               f"loss)")
    if m.family is not None:
        book = m.family.hidden == "sigmoid" and m.family.output == "probabilities"
        return Outcome("pass", ("" if book else "note: ") + f"{m.family.name}: matches the "
                       f"JAX oracle on a batch and a square batch")
    problem, fam, x = m.problem
    hidden = {f.hidden for f in m.allowed}
    if len(hidden) > 1:
        return Outcome("warn", f"model not recognised: its structure names both sigmoid and "
                               f"ReLU, and its predictions match neither two-layer model "
                               f"(e.g. {problem})", s.where(f"net.predict({fmt(x)})"))
    return Outcome("fail", f"wrong prediction on a batch of {len(x)}: {problem} [assuming "
                           f"{fam.name}, which its structure implements]",
                   s.where(f"net.predict({fmt(x)})"))


def _loss_convention(s, m):
    """``(convention, None)`` when the net's loss is the cross-entropy of its own
    prediction on every batch under one convention, else ``(None, (x, t, why))``."""
    found = None
    for (x, t, _), out in zip(s.batches, m.outputs, strict=True):
        got = s.call("loss", x, t)
        probs, _ = _probabilities(out)
        try:
            value = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            return None, (x, t, f"returned {type(got).__name__} {got!r:.60}, expected a number")
        conv = cv.ce_floor(probs, t, value, tol=parity_tolerance(value))
        if conv is None or (found is not None and conv != found):
            want = cv.ce_value(probs, t, found or cv.CEConvention("add", cv.BOOK_DELTA))
            why = compare(value, want, parity_tolerance(want))
            if abs(value - want * len(x)) <= parity_tolerance(want * len(x)):
                why += " -- likely cause: the sum is not divided by the batch size N"
            mse = 0.5 * np.sum((probs - t) ** 2)
            if abs(value - mse) <= parity_tolerance(mse) or \
                    abs(value - mse / len(x)) <= parity_tolerance(mse):
                why += " -- it is the mean squared error of the prediction, not cross-entropy"
            return None, (x, t, why)
        found = conv
    return found, None


@check("TwoLayerNet.loss")
def net_loss(h):
    s = Setup(h)
    m = _model(h, s)
    conv, bad = _loss_convention(s, m)
    if conv is None:
        x, t, why = bad
        return Outcome("fail", f"wrong loss on a batch of {len(x)}: {why} [assuming the "
                               f"cross-entropy of its own predict output (softmax of it when "
                               f"it returns scores), delta = 1e-7]",
                       s.where(f"net.loss({fmt(x)}, {fmt(t)})"))
    note = "" if conv.book else f"note: {conv.name}; "
    return Outcome("pass", f"{note}mean cross-entropy of its own prediction")


@check("TwoLayerNet.accuracy")
def net_accuracy(h):
    s = Setup(h)
    m = _model(h, s)
    for (x, _, _), out in zip(s.batches, m.outputs, strict=True):
        labels = np.argmax(out, axis=1)
        labels[0] = (labels[0] + 1) % s.classes  # one wrong row of N
        t = np.eye(s.classes)[labels]
        got = s.call("accuracy", x, t)
        problem = compare(got, (len(x) - 1) / len(x), 1e-12)
        if problem:
            return Outcome("fail", f"wrong accuracy with one-hot t: {problem} [one row of "
                                   f"{len(x)} misclassified by its own predict]",
                           s.where(f"net.accuracy({fmt(x)}, {fmt(t)})"))
    return Outcome("pass", "fraction of rows whose arg-max matches (one-hot t)")


def _delta_free(s, m, x, t, grads) -> bool:
    """Whether ``grads`` is the book's delta-free gradient of the model its predictions
    match (its loss then has a delta that its backprop leaves out)."""
    if m.family is None:
        return False
    exact = oracle.grad("multi_layer_net_loss", s.params, x, t, activation=m.family.hidden,
                        delta=0.0)
    scale = max(float(np.max(np.abs(v))) for v in exact.values())
    return all(compare(grads[k], exact[k], GRADIENT_RTOL * scale) is None for k in KEYS)


def _oracle_agrees(s, m, x, t, grads) -> str | None:
    """A shortcut that never fails anything: when the net's predictions match a model
    family and its loss is the cross-entropy of them, the exact gradient of that loss
    (with its delta) is the gradient of its own loss; a match is a pass without finite
    differences. A mismatch is judged by finite differences of its own loss."""
    conv = _memo_convention(s, m)
    if m.family is None or conv is None:
        return None
    delta = conv.floor if conv.mode == "add" else 0.0
    for d in dict.fromkeys((delta, 0.0)):
        exact = oracle.grad("multi_layer_net_loss", s.params, x, t,
                            activation=m.family.hidden, delta=d)
        scale = max(float(np.max(np.abs(v))) for v in exact.values())
        if all(compare(grads[k], exact[k], GRADIENT_RTOL * scale) is None for k in KEYS):
            return "exact" if d == delta else "delta-free"
    return None


def _memo_convention(s, m):
    return s.h.memo("loss convention", lambda: _loss_convention(s, m)[0])


def judge_gradient(s, m, x, t, value, *, mode="full") -> Outcome:
    """Judge a claimed gradient ``value`` (as the net returned it) at ``x, t``."""
    call = s.where(f"net.gradient({fmt(x)}, {fmt(t)})")
    grads, how = as_grads(value, KEYS)
    if grads is None:
        return Outcome("fail", how, call)
    for k in KEYS:
        if np.shape(grads[k]) != s.params[k].shape:
            return Outcome("fail", f"grads[{k!r}] has shape {np.shape(grads[k])}, expected "
                                   f"{s.params[k].shape} (the shape of params[{k!r}])", call)
    agrees = _oracle_agrees(s, m, x, t, grads)
    if agrees == "delta-free":
        return Outcome("pass", DELTA_NOTE)
    if agrees == "exact":
        return Outcome("pass", f"exact gradient of its loss ({m.family.name}; its loss is the "
                               f"cross-entropy of its own prediction)" + (f" ({how})" if how
                                                                          else ""))
    loss_of = s.loss_of(x, t)
    try:
        result = check_own_gradient(loss_of, s.params, grads,
                                    mode="fast" if s.size > LARGE else mode)
    except (ValueError, TypeError) as exc:
        return Outcome("warn", f"could not judge its gradient against its own loss: {exc}",
                       call)
    finally:
        s.restore()
    status = status_of(result)
    note = f" ({how})" if how else ""
    if status == "pass":
        return Outcome("pass", f"matches finite differences of its own loss{note}")
    if result.cause == "delta_residual" or _delta_free(s, m, x, t, grads):
        return Outcome("pass", DELTA_NOTE)
    if status == "inconclusive" or result.cause in ("kink", "roundoff", "nondeterministic"):
        return Outcome("warn", f"could not judge its gradient against its own loss "
                               f"({result.cause}): {result.hint[:200]}", call, str(result))
    worst = result.worst[0] if result.worst else None
    where = (f"{worst.where}: returned {worst.analytic:.10g}, finite differences of its own "
             f"loss give {worst.numeric:.10g}" if worst else "wrong gradient")
    hint = " (square batch N = C: is a sum over the wrong axis?)" if len(x) == s.classes \
        else ""
    return Outcome("fail", f"wrong gradient of its own loss on a batch of {len(x)}: "
                           f"{where}{hint}", call, str(result))


@check("TwoLayerNet.gradient")
def net_gradient(h):
    s = Setup(h)
    m = _model(h, s)
    messages = set()
    for x, t, _ in s.batches:
        outcome = judge_gradient(s, m, x, t, s.call("gradient", x, t))
        if outcome.status != "pass":
            h.memo("gradient failed", lambda: True)
            return outcome
        messages.add(outcome.message)
    return Outcome("pass", "; ".join(sorted(messages)) + " (non-zero biases, square batch)")


@check("TwoLayerNet.numerical_gradient", quick=False)
def net_numerical_gradient(h):
    s = Setup(h)
    m = _model(h, s)
    x, t, _ = s.batches[0]
    got, how = as_grads(s.call("numerical_gradient", x, t, restore=True), KEYS)
    call = s.where(f"net.numerical_gradient({fmt(x)}, {fmt(t)})")
    if got is None:
        return Outcome("fail", how, call)
    conv, _ = _loss_convention(s, m)
    if m.family is not None and conv is not None and s.size <= LARGE:
        delta = conv.floor if conv.mode == "add" else 0.0
        args = (s.params, x, t)
        exact = oracle.grad("multi_layer_net_loss", *args, activation=m.family.hidden,
                            delta=delta)
        third = oracle.third_derivatives("multi_layer_net_loss", *args,
                                         activation=m.family.hidden)
        loss = abs(float(oracle.value("multi_layer_net_loss", *args,
                                      activation=m.family.hidden, delta=delta)))
        tol = {k: central_difference_tolerance(loss, third[k]) for k in KEYS}
        basis = f"the exact gradient of its loss ({m.family.name})"
    else:
        exact, tol = own_gradient(s.loss_of(x, t), s.params)
        s.restore()
        basis = "finite differences of its own loss"
    for k in KEYS:
        seen = ~np.isnan(exact[k])
        mine = np.asarray(got[k], dtype=float)
        if mine.shape != exact[k].shape:
            return Outcome("fail", f"grads[{k!r}] has shape {mine.shape}, expected "
                                   f"{exact[k].shape}", call)
        problem = compare(mine[seen], exact[k][seen], np.broadcast_to(tol[k], seen.shape)[seen])
        if problem:
            return Outcome("fail", f"grads[{k!r}] {problem} (against {basis}; beyond the "
                                   f"central-difference error h^2|f'''|/6 + eps|f|/h)", call)
    return Outcome("pass", f"within the central-difference error of {basis}")


@check("TwoLayerNet.labels", quick=False)
def net_labels(h):
    """Integer labels instead of one-hot t: optional (the book's chapter-4 net takes
    one-hot only, as MNIST is loaded with one_hot_label=True); a silently different
    gradient is a hazard of that restriction, reported as a warning."""
    s = Setup(h)
    x, t_hot, labels = s.batches[1]  # square: (y - labels) broadcasts silently there
    hot = s.call("gradient", x, t_hot)
    try:
        got = s.call("gradient", x, labels)
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        what = getattr(exc, "type_name", type(exc).__name__)
        return Outcome("pass", f"note: integer labels are refused ({what}); one-hot t "
                               f"works, as the book's chapter-4 net")
    grads, _ = as_grads(got, KEYS)
    reference, _ = as_grads(hot, KEYS)
    if grads is not None and reference is not None and all(
            np.shape(grads[k]) == np.shape(reference[k]) and
            compare(grads[k], reference[k], GRADIENT_RTOL * 1e3) is None for k in KEYS):
        return Outcome("pass", "integer labels t give the same gradient as one-hot t")
    differs = next((k for k in KEYS if grads is None or reference is None or
                    np.shape(grads[k]) != np.shape(reference[k]) or
                    compare(grads[k], reference[k], GRADIENT_RTOL * 1e3)), "W1")
    return Outcome("warn", f"integer labels t give a silently different gradient on a square "
                           f"batch (grads[{differs!r}] differs from the one-hot result): with "
                           f"labels, y - t broadcasts t of shape (N,) across the classes when "
                           f"N = C. The book's chapter-4 net has this hazard too (it takes "
                           f"one-hot t only, loaded with one_hot_label=True); convert labels "
                           f"to one-hot inside gradient, or refuse them",
                   s.where(f"net.gradient({fmt(x)}, {fmt(labels)})"))


@check("TwoLayerNet.search", quick=False)
def net_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import two_layer_net_params

    if h.memo("gradient failed", lambda: False):
        raise Skipped("its gradient already fails on the fixed inputs (TwoLayerNet.gradient);"
                      " a search would only shrink the same bug")
    s = Setup(h)
    m = _model(h, s)
    shapes = s.net.shapes
    if s.size > LARGE:
        raise Skipped(f"{s.net.how} has {s.size} parameters: the search is for small nets")

    def prop(case):
        params, x, labels = case
        s.params = {k: np.asarray(params[k]).reshape(shapes[k]) for k in KEYS}
        write(h, s.net, s.params)
        t = np.eye(s.classes)[labels]
        outcome = judge_gradient(s, m, x, t, s.call("gradient", x, t), mode="fast")
        return None if outcome.status != "fail" else outcome.message

    n_in, n_hid = shapes["W1"]
    strategy = st.tuples(two_layer_net_params(input_size=n_in, hidden_size=n_hid,
                                              output_size=s.classes),
                         st.just(np.random.default_rng(3).normal(size=(2, n_in))),
                         st.lists(st.integers(0, s.classes - 1), min_size=2,
                                  max_size=2).map(np.array))
    found = h.search(strategy, prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    (params, x, labels), message = found
    return Outcome("fail", f"hypothesis found: {message}",
                   s.where(f"net.gradient({fmt(x)}, {fmt(np.eye(s.classes)[labels])})"))
