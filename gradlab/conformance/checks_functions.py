"""Checks of the activation and loss functions: values against the JAX oracle."""

from __future__ import annotations

import functools

import numpy as np

from . import oracle
from .harness import compare, fmt_call, outcome_from_search
from .records import Outcome
from .registry import check
from .tolerances import parity_tolerance


def _oracle(name):
    return functools.partial(oracle.value, name)


def _values(h, name, cases, oracle, *, what="values", input_scale=None):
    """Compare ``name(*args)`` with ``oracle(*args)`` for every case; first mismatch fails."""
    fn = h.fn(name)
    for args in cases:
        got = h.call(name, fn, *args)
        want = np.asarray(oracle(*args))
        scale = float(np.max(np.abs(args[0]))) if input_scale else 0.0
        problem = compare(got, want, parity_tolerance(want, input_scale=scale))
        if problem:
            return Outcome("fail", f"wrong {what}: {problem}", fmt_call(name, *args))
    return Outcome("pass", f"{what} match the JAX oracle on {len(cases)} inputs")


def _search(h, name, strategy, oracle, *, input_scale=False):
    fn = h.fn(name)

    def prop(args):
        got = h.call(name, fn, *args)
        want = np.asarray(oracle(*args))
        scale = float(np.max(np.abs(args[0]))) if input_scale else 0.0
        return compare(got, want, parity_tolerance(want, input_scale=scale))

    return outcome_from_search(h.search(strategy, prop), name=name, what="hypothesis found")


def _arrays(**kwargs):
    from hypothesis import strategies as st

    from gradlab.strategies import finite_arrays

    return st.tuples(finite_arrays(**kwargs))


_MIXED = [np.array([-2.5, -0.7, 0.3, 1.5, 4.0]), np.array([[-3.0, 0.2], [1.1, -0.05]])]


def _elementwise(name, oracle_name, cases, *, bound=10.0, away_from=None):
    @check(f"{name}.values")
    def values(h):
        return _values(h, name, cases, _oracle(oracle_name))

    @check(f"{name}.search", quick=False)
    def search(h):
        strategy = _arrays(bound=bound, away_from=away_from, margin=1e-3)
        found = _search(h, name, strategy, _oracle(oracle_name))
        return found or Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")


_elementwise("step_function", "step_function",
             [(x,) for x in _MIXED] + [(np.array([0.0, -0.0]),)], away_from=0.0)
_elementwise("sigmoid", "sigmoid",
             [(x,) for x in _MIXED] + [(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]),)],
             bound=50.0)
_elementwise("sigmoid_grad", "sigmoid_grad", [(x,) for x in _MIXED], bound=20.0)
_elementwise("relu", "relu", [(x,) for x in _MIXED], away_from=0.0)
_elementwise("relu_grad", "relu_grad", [(x,) for x in _MIXED], away_from=0.0)
_elementwise("identity_function", "identity_function", [(x,) for x in _MIXED])


@check("relu_grad.at_zero")
def relu_grad_at_zero(h):
    got = np.asarray(h.call("relu_grad", h.fn("relu_grad"), np.array([0.0])), dtype=float)
    if got.shape != (1,) or got[0] not in (0.0, 1.0):
        return Outcome("fail", f"relu_grad(0) returned {got!r}; expected 1 (the book) or 0",
                       fmt_call("relu_grad", np.array([0.0])))
    return Outcome("pass", f"relu'(0) = {got[0]:g} (the book's convention is 1, JAX's is 0;"
                           " ReLU has no derivative at its kink)")


_LOGITS = {
    "vector": [(np.array([0.3, 2.9, 4.0]),)],
    "batch": [(np.array([[0.3, 2.9, 4.0, 1.0], [-1.0, 0.0, 1.0, 50.0]]),),
              (np.array([[1.0, 2.0], [30.0, 1.0], [0.5, 0.5]]),)],
    "large": [(np.array([1010.0, 1000.0, 990.0]),),
              (np.array([[1000.0, 1001.0, 999.0], [-1000.0, -999.0, -1001.0]]),)],
    "square": [(np.array([[0.2, 1.5, -0.3], [2.0, 0.1, 0.4], [-1.0, 3.0, 0.0]]),)],
    "single_row": [(np.array([[0.5, -1.5, 2.5]]),)],
}


def _softmax_case(kind, cases):
    @check(f"softmax.{kind}")
    def run(h):
        outcome = _values(h, "softmax", cases, _oracle("softmax"), input_scale=True)
        if outcome.status == "fail" and kind == "batch":
            outcome.message += (" (normalise each row by its own max and sum: axis=-1, "
                                "keepdims=True; the chapter-3 softmax uses the whole array)")
        if outcome.status == "fail" and kind == "large":
            outcome.message += " (subtract the maximum before exp, section 3.5.2)"
        return outcome


for _kind, _cases in _LOGITS.items():
    _softmax_case(_kind, _cases)


@check("softmax.search", quick=False)
def softmax_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import logits

    found = _search(h, "softmax", st.tuples(logits()), _oracle("softmax"), input_scale=True)
    return found or Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")


_Y1 = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
_T1 = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
_YB = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
_TB = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
_YSQ = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25], [0.3, 0.3, 0.4]])
_LSQ = np.array([1, 0, 2])


@check("mean_squared_error.values")
def mse_values(h):
    cases = [(_Y1, _T1), (_YB, _TB), (_YSQ, np.eye(3)[_LSQ])]
    outcome = _values(h, "mean_squared_error", cases, _oracle("mean_squared_error"))
    if outcome.status == "fail":
        outcome.message += " (the book's is 0.5 * sum((y - t)**2), not divided by N)"
    return outcome


@check("mean_squared_error.search", quick=False)
def mse_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import probability_rows

    strategy = st.integers(2, 5).flatmap(lambda c: st.tuples(
        probability_rows((2, c), allow_zero=False),
        st.integers(0, c - 1).map(lambda i: np.eye(c)[[i, (i + 1) % c]])))
    found = _search(h, "mean_squared_error", strategy, _oracle("mean_squared_error"))
    return found or Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")


def _cross_entropy(h, cases, what):
    """Compare with the book's definition (delta = 1e-7); accept a different delta with a note
    only where it changes nothing visible (no zero probabilities in ``cases``)."""
    fn = h.fn("cross_entropy_error")
    notes = set()
    for args in cases:
        got = h.call("cross_entropy_error", fn, *args)
        want = np.asarray(oracle.value("cross_entropy_error", *args))
        problem = compare(got, want, parity_tolerance(want))
        if problem is None:
            continue
        y, t = args
        if np.shape(t) == np.shape(y):  # one-hot: compare as labels, where 0 * log(0) is absent
            t = np.argmax(t, axis=-1)
        no_delta = np.asarray(oracle.value("cross_entropy_error", y, t, delta=0.0))
        if compare(got, no_delta, parity_tolerance(no_delta)) is None:
            notes.add("matches the definition without delta (the book adds 1e-7 in the log)")
            continue
        return Outcome("fail", f"wrong value ({what}): {problem}",
                       fmt_call("cross_entropy_error", *args))
    note = f"note: {'; '.join(sorted(notes))}; " if notes else ""
    return Outcome("pass", f"{note}{what}: matches the JAX oracle on {len(cases)} inputs")


@check("cross_entropy_error.vector")
def ce_vector(h):
    return _cross_entropy(h, [(_Y1 + 0.0, _T1), (_YB[0], _TB[0])], "1-D y, one-hot t")


@check("cross_entropy_error.vector_label")
def ce_vector_label(h):
    return _cross_entropy(h, [(_Y1, np.array(2)), (_YB[0], np.array(1))], "1-D y, label t")


@check("cross_entropy_error.batch_one_hot")
def ce_batch_one_hot(h):
    outcome = _cross_entropy(h, [(_YB, _TB)], "batch, one-hot t")
    if outcome.status == "fail":
        outcome.message += " (is the sum divided by the batch size N?)"
    return outcome


@check("cross_entropy_error.batch_labels")
def ce_batch_labels(h):
    return _cross_entropy(h, [(_YB, np.array([1, 2]))], "batch, label t")


@check("cross_entropy_error.square_batch")
def ce_square(h):
    return _cross_entropy(h, [(_YSQ, _LSQ), (_YSQ, np.eye(3)[_LSQ])], "square batch N = C")


@check("cross_entropy_error.zero_probability")
def ce_zero_probability(h):
    y = np.array([[0.0, 0.6, 0.4], [0.3, 0.0, 0.7]])
    cases = [(y, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])), (y, np.array([0, 2]))]
    fn = h.fn("cross_entropy_error")
    for args in cases:
        got = h.call("cross_entropy_error", fn, *args)
        want = np.asarray(oracle.value("cross_entropy_error", *args))
        problem = compare(got, want, parity_tolerance(want))
        if problem:
            return Outcome("fail", f"an exact 0 probability: {problem} (the book adds "
                                   f"delta = 1e-7 inside the log so that log(0) never happens)",
                           fmt_call("cross_entropy_error", *args))
    return Outcome("pass", "finite loss (-log(1e-7) = 16.1) at a zero probability, as the book")


@check("cross_entropy_error.search", quick=False)
def ce_search(h):

    from gradlab.strategies import classification_batches

    fn = h.fn("cross_entropy_error")

    def prop(case):
        y, labels, hot = case
        for t in (labels, hot):
            got = h.call("cross_entropy_error", fn, y, t)
            want = np.asarray(oracle.value("cross_entropy_error", y, t))
            problem = compare(got, want, parity_tolerance(want))
            if problem:
                return f"t = {'labels' if t is labels else 'one-hot'}: {problem}"
        return None

    found = h.search(classification_batches(), prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    _, message = found
    # the search replays the shrunk example last, so the harness's last call is the one that
    # failed (a crash message does not say which target form it was given)
    return Outcome("fail", f"hypothesis found: {message}", h.last_call)
