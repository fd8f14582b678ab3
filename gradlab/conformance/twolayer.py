"""The judge's view of a learner's TwoLayerNet: its setup, the model its values follow,
its loss convention, and the verdict on a claimed gradient (for :mod:`.checks.nets`).

A gradient is judged against finite differences of the net's *own* loss
(:mod:`.ownloss`), for any model. Two shortcuts never fail anything: when its predictions
match a model family and its loss is the cross-entropy of them, the family's exact
gradient (JAX) is the gradient of its own loss; and the book's delta-free (y - t) / N is
recognised as such, from the family or, for any model, from finite differences of the
delta-free cross-entropy of its own prediction.
"""

from __future__ import annotations

import numpy as np

from . import conventions as cv
from . import oracle
from .calling import METHOD_SIGNATURES
from .harness import Skipped, compare, fmt
from .networks import KEYS, build, families, fixed_array, write
from .ownloss import LossOf, as_grads, check_own_gradient, status_of
from .records import Outcome
from .tolerances import EPS, GRADIENT_RTOL, parity_tolerance

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
        # in the net's own dtype: a float32 net then holds exactly the values the oracle
        # is given (float64 values would be rounded on the way in)
        self.dtypes = {k: self.net.dtypes.get(k, np.dtype(float)) for k in KEYS}
        self.params = {k: fixed_array(shapes[k], *_SEEDS[k][:1], scale=_SEEDS[k][1],
                                      shift=_SEEDS[k][2]).astype(_floating(self.dtypes[k]))
                       for k in KEYS}
        self.eps = max(float(np.finfo(v.dtype).eps) for v in self.params.values())
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


def _floating(dtype):
    """The dtype the check's values take in a net whose array has ``dtype``."""
    return dtype if np.issubdtype(dtype, np.floating) else np.float64


def probabilities(out):
    """The net's output as probabilities: itself when its rows are, else its softmax."""
    arr = np.asarray(out, dtype=float)
    if arr.ndim == 2 and np.all(arr >= 0) and np.allclose(arr.sum(axis=1), 1, atol=1e-12):
        return arr, "probabilities"
    return np.asarray(oracle.value("softmax", arr)), "scores"


def _output_form(definition, out) -> str:
    """"probabilities" or "scores": what its predict returns, by its structure (softmax
    in predict) where discovery read it, else by its values."""
    predict = next((m for m in definition.methods if m.name == "predict"), None) \
        if definition is not None else None
    if predict is not None and predict.names & {"softmax", "Softmax"}:
        return "probabilities"
    if predict is not None and predict.names & {"layers", "forward"}:
        return "scores"
    return probabilities(out)[1] if np.ndim(out) == 2 else ""


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
        form = _output_form(entry.definition, self.outputs[0])
        for fam in sorted(self.allowed, key=lambda f: f.output != form):
            problems = [self.mismatch(fam, s.params, x, out, s.eps)
                        for (x, _, _), out in zip(s.batches, self.outputs, strict=True)]
            if not any(problems):
                self.family = fam
                break
            self.problem = self.problem or next(p for p in problems if p)

    @staticmethod
    def mismatch(fam, params, x, out, eps=EPS):
        scores = np.asarray(oracle.value("multi_layer_net_predict", params, x,
                                         activation=fam.hidden))
        want = scores if fam.output == "scores" else np.asarray(oracle.value("softmax",
                                                                             scores))
        if np.shape(out) != want.shape:
            return f"returned shape {np.shape(out)}, expected {want.shape}", fam, x
        problem = compare(out, want, parity_tolerance(want, eps=eps))
        return (problem, fam, x) if problem else None


def model(h, s) -> Model:
    return h.memo("model", lambda: Model(s))



def loss_convention(s, m):
    """``(convention, None)`` when the net's loss is the cross-entropy of its own
    prediction on every batch under one convention, else ``(None, (x, t, why))``."""
    values = []
    for x, t, _ in s.batches:
        got = s.call("loss", x, t)
        try:
            values.append(float(np.asarray(got, dtype=float).reshape(())))
        except (TypeError, ValueError):
            return None, (x, t, f"returned {type(got).__name__} {got!r:.60}, expected a number")
    readings = [lambda out: probabilities(out)[0]]
    if all(np.all((o >= 0) & (o <= 1)) for o in m.outputs):  # sigmoid outputs, taken as is
        readings.append(lambda out: np.asarray(out, dtype=float))
    first = None
    for reading in readings:
        found, bad = _convention_of(s, m, values, reading)
        if found is not None:
            return found, None
        first = first or bad
    return None, first


def _convention_of(s, m, values, reading):
    found = None
    for (x, t, _), out, value in zip(s.batches, m.outputs, values, strict=True):
        probs = reading(out)
        conv = cv.ce_floor(probs, t, value, tol=parity_tolerance(value, eps=s.eps))
        if conv is None or (found is not None and conv != found):
            want = cv.ce_value(probs, t, found or cv.CEConvention("add", cv.BOOK_DELTA))
            why = compare(value, want, parity_tolerance(want, eps=s.eps))
            if abs(value - want * len(x)) <= parity_tolerance(want * len(x)):
                why += " -- likely cause: the sum is not divided by the batch size N"
            mse = 0.5 * np.sum((probs - t) ** 2)
            if abs(value - mse) <= parity_tolerance(mse) or \
                    abs(value - mse / len(x)) <= parity_tolerance(mse):
                why += " -- it is the mean squared error of the prediction, not cross-entropy"
            return None, (x, t, why)
        found = conv
    return found, None



def _delta_free(s, m, x, t, grads) -> bool:
    """Whether ``grads`` is the book's delta-free gradient of the model its predictions
    match (its loss then has a delta that its backprop leaves out)."""
    if m.family is None:
        return False
    exact = oracle.grad("multi_layer_net_loss", s.params, x, t, activation=m.family.hidden,
                        delta=0.0)
    scale = max(float(np.max(np.abs(v))) for v in exact.values())
    return all(compare(grads[k], exact[k], GRADIENT_RTOL * scale) is None for k in KEYS)


def _delta_free_own(s, m, x, t, grads) -> bool:
    """Whether ``grads`` is the gradient of the net's own loss with its delta taken out:
    the cross-entropy, without delta, of its own prediction (computed here from its
    ``predict``), for any model. The book's backprop (y - t) / N is that gradient."""
    conv = memo_convention(s, m)
    if conv is None or conv.mode != "add" or conv.floor == 0.0:
        return False
    plain = cv.CEConvention("add", 0.0)

    def put(k, v):
        s.h.assign(s.net.arrays[k], v)

    def evaluate():
        return cv.ce_value(probabilities(s.call("predict", x, watch=False))[0], t, plain)

    try:
        result = check_own_gradient(LossOf(s.params, put, evaluate), s.params, grads,
                                    mode="fast" if s.size > LARGE else "full")
    except (ValueError, TypeError):
        return False
    finally:
        s.restore()
    return status_of(result) == "pass"


def _oracle_agrees(s, m, x, t, grads) -> str | None:
    """A shortcut that never fails anything: when the net's predictions match a model
    family and its loss is the cross-entropy of them, the exact gradient of that loss
    (with its delta) is the gradient of its own loss; a match is a pass without finite
    differences. A mismatch is judged by finite differences of its own loss."""
    conv = memo_convention(s, m)
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


def memo_convention(s, m):
    return s.h.memo("loss convention", lambda: loss_convention(s, m)[0])


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
    if result.cause == "delta_residual" or _delta_free(s, m, x, t, grads) or \
            _delta_free_own(s, m, x, t, grads):
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


