"""Checks of mean_squared_error (section 4.2.1) under the convention its values follow.

The book's is ``0.5 * sum((y - t)**2)``; a sum without the half, a mean, or an average
over the batch are valid different conventions, named in a warning
(:data:`..conventions.MSE_CONVENTIONS`); a value that follows none of them fails.
"""

from __future__ import annotations

import numpy as np

from .. import conventions as cv
from ..harness import compare, fmt_call
from ..records import Outcome
from ..registry import check
from ..tolerances import parity_tolerance
from .losses import CASES

_MSE_CASES = [(y, np.eye(np.shape(y)[-1])[labels]) for y, labels in CASES.values()]


def _mse_convention(h):
    def compute():
        got = [h.invoke("mean_squared_error", y, t) for y, t in _MSE_CASES]
        return cv.mse_convention(_MSE_CASES, got, tol=parity_tolerance), got
    return h.memo("mean_squared_error", compute)


@check("mean_squared_error.values")
def mse_values(h):
    key, got = _mse_convention(h)
    if key == "book":
        return Outcome("pass", f"0.5 * sum((y - t)**2) on {len(_MSE_CASES)} inputs")
    if key is not None:
        return Outcome("warn", f"a valid different convention: {cv.MSE_CONVENTIONS[key][0]}; "
                               f"the book's (section 4.2.1) is 0.5 * sum((y - t)**2). Its "
                               f"losses differ from the book's by a constant factor")
    for (y, t), g in zip(_MSE_CASES, got, strict=True):
        want = cv.mse_value(y, t, "book")
        problem = compare(g, want, parity_tolerance(want))
        if problem:
            hint = ""
            if np.ndim(y) == 1 and compare(g, cv.mse_value(y, t, "half_mean"), 1e-12) is None:
                hint = (" -- likely cause: a 1-D y is divided by its length (it is one "
                        "sample: N = 1)")
            return Outcome("fail", f"wrong value under every convention (0.5 * sum, a sum, a "
                                   f"mean, an average over the batch): {problem} [book's "
                                   f"convention shown]{hint}",
                           fmt_call("mean_squared_error", y, t))
    return Outcome("fail", "its values follow no single convention across 1-D and batch "
                           "inputs", fmt_call("mean_squared_error", *_MSE_CASES[0]))


@check("mean_squared_error.search", quick=False)
def mse_search(h):
    from hypothesis import strategies as st

    from gradlab.strategies import probability_rows

    key = _mse_convention(h)[0] or "book"
    strategy = st.integers(2, 5).flatmap(lambda c: st.tuples(
        probability_rows((2, c), allow_zero=False),
        st.integers(0, c - 1).map(lambda i: np.eye(c)[[i, (i + 1) % c]])))

    def prop(case):
        got = h.invoke("mean_squared_error", *case)
        want = cv.mse_value(*case, key)
        problem = compare(got, want, parity_tolerance(want))
        return problem and f"{problem} [assuming {cv.MSE_CONVENTIONS[key][0]}]"

    found = h.search(strategy, prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    return Outcome("fail", f"hypothesis found: {found[1]}", h.last_call)
