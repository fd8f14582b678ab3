"""Checks of the activation functions and softmax (chapter 3): values against the JAX oracle.

Each definition is called the way its own signature takes one array (see
:meth:`~..harness.Harness.invoke`); the losses are in :mod:`.losses`.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import oracle
from ..harness import Skipped, compare, describe_exception, outcome_from_search
from ..records import Outcome
from ..registry import check
from ..session import RemoteError
from ..tolerances import parity_tolerance


def _oracle(name):
    return functools.partial(oracle.value, name)


def _values(h, name, cases, oracle, *, what="values", input_scale=None):
    """Compare ``name(*args)`` with ``oracle(*args)`` for every case; first mismatch fails."""
    for args in cases:
        got = h.invoke(name, *args)
        want = np.asarray(oracle(*args))
        scale = float(np.max(np.abs(args[0]))) if input_scale else 0.0
        problem = compare(got, want, parity_tolerance(want, input_scale=scale))
        if problem:
            return Outcome("fail", f"wrong {what}: {problem}", h.last_call)
    return Outcome("pass", f"{what} match the JAX oracle on {len(cases)} inputs")


def _search(h, name, strategy, oracle, *, input_scale=False):
    def prop(args):
        got = h.invoke(name, *args)
        want = np.asarray(oracle(*args))
        scale = float(np.max(np.abs(args[0]))) if input_scale else 0.0
        return compare(got, want, parity_tolerance(want, input_scale=scale))

    return outcome_from_search(h.search(strategy, prop), name=name, what="hypothesis found")


def _arrays(**kwargs):
    from hypothesis import strategies as st

    from gradlab.strategies import finite_arrays

    return st.tuples(finite_arrays(**kwargs))


_MIXED = [np.array([-2.5, -0.7, 0.3, 1.5, 4.0]), np.array([[-3.0, 0.2], [1.1, -0.05]])]


SCALARS = (-2.5, -0.7, -0.0, 0.0, 0.3, 1.5)
"""Numbers for a function written for one number (§3.2.2's step function)."""


def for_numbers(h) -> bool:
    """Whether the definition under check is a version written for one number (its own
    terms: it is judged on numbers, and arrays are beyond it)."""
    d = h.entry.definition if h.entry is not None else None
    return d is not None and d.version.startswith("§3.2.2")


def _scalar_values(h, name, oracle):
    for x in SCALARS:
        got = h.invoke(name, x)
        if got is None:
            return Outcome("fail", f"returned None for the number {x!r}: no branch returns a "
                                   f"value for it (if x > 0: ... else: ...)", h.last_call)
        want = np.asarray(oracle(np.array(x)))
        problem = compare(got, want, parity_tolerance(want))
        if problem:
            return Outcome("fail", f"wrong value for the number {x!r}: {problem}", h.last_call)
    return Outcome("pass", f"right on {len(SCALARS)} numbers (a version for one number, "
                           f"§3.2.2; arrays are checked by the array version)")


def _elementwise(name, oracle_name, cases, *, bound=10.0, away_from=None):
    @check(f"{name}.values")
    def values(h):
        if for_numbers(h):
            return _scalar_values(h, name, _oracle(oracle_name))
        return _values(h, name, cases, _oracle(oracle_name))

    @check(f"{name}.search", quick=False)
    def search(h):
        if for_numbers(h):
            raise Skipped("a version for one number (§3.2.2): its values are checked on "
                          "numbers, not searched over arrays")
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
    got = np.asarray(h.invoke("relu_grad", np.array([0.0])), dtype=float)
    if got.shape != (1,) or got[0] not in (0.0, 1.0):
        return Outcome("fail", f"relu_grad(0) returned {got!r}; expected 1 (the book) or 0",
                       h.last_call)
    return Outcome("pass", f"relu'(0) = {got[0]:g} (the book's convention is 1, JAX's is 0;"
                           " ReLU has no derivative at its kink)")


_LOGITS = {
    "vector": [(np.array([0.3, 2.9, 4.0]),)],
    "batch": [(np.array([[0.3, 2.9, 4.0, 1.0], [-1.0, 0.0, 1.0, 50.0]]),),
              (np.array([[1.0, 2.0], [30.0, 1.0], [0.5, 0.5]]),),
              (np.array([[1000.0, 1001.0, 999.0], [-1000.0, -999.0, -1001.0]]),)],
    "large": [(np.array([1010.0, 1000.0, 990.0]),), (np.array([-1000.0, -999.0, -1001.0]),)],
    "square": [(np.array([[0.2, 1.5, -0.3], [2.0, 0.1, 0.4], [-1.0, 3.0, 0.0]]),)],
    "single_row": [(np.array([[0.5, -1.5, 2.5]]),)],
}


def _softmax_case(kind, cases):
    @check(f"softmax.{kind}")
    def run(h):
        try:
            outcome = _values(h, "softmax", cases, _oracle("softmax"), input_scale=True)
        except (IndexError, ValueError, TypeError, RemoteError) as exc:
            rows = [c for c in cases if np.ndim(c[0]) == 1]
            if getattr(exc, "type_name", "") == "NameError" or not rows \
                    or not _right_as_rows(h, rows):
                raise
            h.memo("batches only", lambda: True)
            return Outcome("warn", f"batches (N, C) only: a 1-D x crashes "
                                   f"({describe_exception(exc)[:120]}) while the same "
                                   f"values as one row are right; the book's softmax takes one "
                                   f"sample too (axis=-1, keepdims=True)", h.last_call)
        if outcome.status == "fail" and kind == "batch":
            outcome.message += (" (normalise each row by its own max and sum: axis=-1, "
                                "keepdims=True; the chapter-3 softmax uses the whole array)")
        if outcome.status == "fail" and kind == "large":
            outcome.message += " (subtract the maximum before exp, section 3.5.2)"
        return outcome


def _right_as_rows(h, cases) -> bool:
    """Whether each 1-D case, given as one row (1, C), is right (a softmax written for
    batches only)."""
    for (x,) in cases:
        want = np.asarray(oracle.value("softmax", x.reshape(1, -1)))
        try:
            got = h.invoke("softmax", x.reshape(1, -1))
        except (IndexError, ValueError, TypeError, RemoteError):
            return False
        if compare(got, want, parity_tolerance(want, input_scale=float(np.max(np.abs(x))))):
            return False
    return True


for _kind, _cases in _LOGITS.items():
    _softmax_case(_kind, _cases)


@check("softmax.search", quick=False)
def softmax_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import logits

    strategy = logits()
    if h.memo("batches only", lambda: False):  # its own terms: one row for one sample
        strategy = strategy.map(lambda a: a.reshape(1, -1) if a.ndim == 1 else a)
    found = _search(h, "softmax", st.tuples(strategy), _oracle("softmax"), input_scale=True)
    return found or Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
