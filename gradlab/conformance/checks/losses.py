"""Checks of the loss functions (section 4.2): values under every correct convention.

A loss is judged by the convention its own values follow (:mod:`..conventions`): the
first check of a definition works it out from inputs without zero probabilities, and
every check of that definition then holds it to that convention, naming it. A wrong
number under every accepted convention is a failure; a valid different convention (an
MSE without the 0.5, a cross-entropy for one-hot targets only) is a warning that names
it.
"""

from __future__ import annotations

import numpy as np

from .. import conventions as cv
from ..harness import Skipped, compare, fmt_call
from ..records import Outcome
from ..registry import check
from ..tolerances import parity_tolerance

# 1-D y without zeros (the book's example of section 4.2.2 has zeros: see zero_probability)
_Y1 = np.array([0.1, 0.05, 0.6, 0.01, 0.05, 0.1, 0.02, 0.04, 0.02, 0.01])
_L1 = np.array(2)
_YB = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
_LB = np.array([1, 2])
_YSQ = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25], [0.3, 0.3, 0.4]])
_LSQ = np.array([1, 0, 2])
_YZ = np.array([[0.0, 0.6, 0.4], [0.3, 0.0, 0.7]])  # the first sample's class has p = 0
_LZ = np.array([0, 2])
CASES = {"vector": (_Y1, _L1), "batch": (_YB, _LB), "square": (_YSQ, _LSQ)}
FORMS = ("one-hot", "labels")


def _target(y, labels, form):
    return labels if form == "labels" else np.eye(np.shape(y)[-1])[labels]


def _number(got):
    arr = np.asarray(got, dtype=float)
    if arr.size != 1:
        raise ValueError(f"returned shape {arr.shape}, expected a number")
    return float(arr.reshape(()))


def form_flag(h, y, t) -> dict:
    """``{name: bool}`` for a parameter of the learner's own that says which target form
    it is given (``one_hot_label=True``), set for ``t``; empty when it has none."""
    for p in h.params("cross_entropy_error") or ():
        key = p.name.lower().replace("_", "")
        if ("onehot" in key or "islabel" in key) and p.default in ("True", "False"):
            one_hot = np.size(t) == np.size(y)
            return {p.name: one_hot if "onehot" in key else not one_hot}
    return {}


def _swapped(h) -> bool:
    return h.session.memo.get((getattr(h.entry, "id", None), "ce swapped"), False)


def invoke_ce(h, y, t):
    """``cross_entropy_error(y, t)`` called the learner's way (its arguments swapped when
    its own values show it takes ``(t, y)``, see :func:`_profile`)."""
    args = (t, y) if _swapped(h) else (y, t)
    return h.invoke("cross_entropy_error", *args, extra=form_flag(h, y, t))


def _shown(h, y, t) -> str:
    args = (t, y) if _swapped(h) else (y, t)
    return fmt_call("cross_entropy_error", *args, **form_flag(h, y, t))


def _call(h, y, t):
    """The learner's value (a float), or why there is none (a string)."""
    from ..session import RemoteError

    try:
        return _number(invoke_ce(h, y, t))
    except RemoteError as exc:
        if exc.type_name == "NameError":
            raise
        return f"{exc.type_name}: {exc.message}"[:200]
    except (TypeError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


class Profile:
    """What one definition's cross-entropy does: its value on each case and form, the
    convention that explains them, and which target forms follow it."""

    def __init__(self, h):
        self.values = {(case, form): _call(h, y, _target(y, labels, form))
                       for case, (y, labels) in CASES.items() for form in FORMS}
        self.convention = self._infer()
        self.zero = {form: _call(h, _YZ, _target(_YZ, _LZ, form)) for form in FORMS}
        self.wrong = {}
        if self.convention is not None and self.convention.floor == 0.0:
            self.convention = self._clamp() or self.convention
        self.wrong = {form: self.wrong_form(form) for form in FORMS}

    @property
    def score(self) -> int:
        """How many of its values the convention explains."""
        return sum(self.problem(case, form) is None for case, form in self.values)

    def wrong_form(self, form):
        """``[(case, problem)]`` of the cases where ``form`` misses the convention."""
        return [(case, self.problem(case, form)) for case in CASES
                if self.problem(case, form)]

    def expected(self, case, form, convention=None):
        y, labels = CASES[case]
        return cv.ce_value(y, _target(y, labels, form), convention or self.convention)

    def _infer(self):
        candidates = []
        for (case, form), got in self.values.items():
            if isinstance(got, float):
                y, labels = CASES[case]
                found = cv.ce_floor(y, _target(y, labels, form), got,
                                    tol=parity_tolerance(got))
                if found is not None:
                    candidates.append(found)
        support = {c: sum(self._matches(case, form, c) for case, form in self.values)
                   for c in candidates}
        return max(support, key=lambda c: (support[c], c.book, c.floor == 0.0), default=None)

    def _matches(self, case, form, convention) -> bool:
        got = self.values[(case, form)]
        want = self.expected(case, form, convention)
        return isinstance(got, float) and abs(got - want) <= parity_tolerance(want)

    def _clamp(self):
        """A floor that only shows at p = 0 (np.clip(y, eps, 1), or a delta too small to
        see elsewhere), read from the zero-probability value."""
        form = next((f for f in FORMS if not self.wrong_form(f)), None)
        got = self.zero[form] if form else None
        if not isinstance(got, float) or not np.isfinite(got):
            return None
        p, n = cv.picked(_YZ, _LZ)
        eps = float(np.exp(-(n * got + np.sum(np.log(p[p > 0])))))
        if not 0.0 < eps <= cv.MAX_FLOOR:
            return None
        rounded = cv.CEConvention("clip", float(f"{eps:.2g}"))
        want = cv.ce_value(_YZ, _LZ, rounded)
        return rounded if abs(want - got) <= parity_tolerance(want) else \
            cv.CEConvention("clip", eps)

    def problem(self, case, form) -> str | None:
        got = self.values[(case, form)]
        if isinstance(got, str):
            return f"crashed: {got}"
        if self.convention is None:
            return "no convention fits"
        want = self.expected(case, form)
        return compare(got, want, parity_tolerance(want))


SWAP_NOTE = ("its arguments come as (t, y): its values follow a convention only that way "
             "round (its parameter names do not say which is which)")


def _profile(h) -> Profile:
    """The definition's Profile; when no convention fits its values and they fit with
    the two arguments the other way round, that order (their signature, not ours)."""
    def compute():
        first = Profile(h)
        if first.score == len(first.values):
            return first
        key = (getattr(h.entry, "id", None), "ce swapped")
        h.session.memo[key] = True
        other = Profile(h)
        if other.score > first.score:
            return other
        h.session.memo[key] = False
        return first

    prof = h.memo("cross_entropy_error", compute)
    if _swapped(h):
        h.notes.add(SWAP_NOTE)
    return prof


def _causes(y, t, got, convention) -> str:
    """The likely cause of a wrong cross-entropy value."""
    want = cv.ce_value(y, t, convention)
    n, c = cv.picked(y, t)[1], np.shape(y)[-1]
    p, _ = cv.picked(y, t)
    candidates = [(want * n, "the sum is not divided by the batch size N"),
                  (want / c, "it divides by the number of classes (a 1-D y must be one "
                             "row: reshape it to (1, C) first)" if np.ndim(y) == 1 else
                   "it averages over every element (N x C), not over the batch"),
                  (-np.sum(np.log(np.maximum(p, 1e-300)) + convention.floor) / n,
                   "delta is added outside the log")]
    for value, cause in candidates:
        if isinstance(got, float) and abs(got - value) <= parity_tolerance(value):
            return f" -- likely cause: {cause}"
    return ""


def _judge(h, cases, what):
    """The outcome of ``cases`` (case, form) under the definition's convention."""
    prof = _profile(h)
    conv = prof.convention
    if conv is None:
        case, form = cases[0]
        y, labels = CASES[case]
        t = _target(y, labels, form)
        got = prof.values[(case, form)]
        want = cv.ce_value(y, t, cv.CEConvention("add", cv.BOOK_DELTA))
        shown = compare(got, want, parity_tolerance(want)) if isinstance(got, float) else got
        return Outcome("fail", f"wrong value ({what}), under every accepted convention (delta "
                               f"= 1e-7, no delta, another delta or clamp up to 1e-4): {shown}"
                               f" [book's convention assumed]{_causes(y, t, got, _BOOK)}",
                       _shown(h, y, t))
    for case, form in cases:
        problem = prof.problem(case, form)
        if problem is None:
            continue
        y, labels = CASES[case]
        t = _target(y, labels, form)
        other = FORMS[1 - FORMS.index(form)]
        if prof.problem(case, other) is None and _restriction(prof.values[(case, form)], y, labels,
                                                  form, conv):
            return Outcome("warn", f"{other} t only: with {form} t it {problem} ({what}); its "
                                   f"{other} results follow {conv.name}. The book's final "
                                   f"version (section 4.2.4) accepts both forms",
                           _shown(h, y, t))
        return Outcome("fail", f"wrong value ({what}): {problem} [assuming {conv.name}, "
                               f"which its other results follow]"
                               f"{_causes(y, t, prof.values[(case, form)], conv)}",
                       _shown(h, y, t))
    note = "" if conv.book else f"note: {conv.name}; "
    return Outcome("pass", f"{note}{what}: right under {conv.name}")


_BOOK = cv.CEConvention("add", cv.BOOK_DELTA)


def _restriction(got, y, labels, form, conv) -> bool:
    """Whether a wrong result for one target form is what a version written for the
    other form does with it (the book's one-hot version multiplies t into log(y), so
    labels broadcast or crash; a labels-only version crashes on one-hot t), rather than
    a bug of a version that handles both."""
    if isinstance(got, str):
        return True
    if form != "labels":
        return False
    y2 = np.reshape(y, (1, -1)) if np.ndim(y) == 1 else np.asarray(y)
    t2 = np.reshape(labels, (1, -1)) if np.ndim(y) == 1 else np.asarray(labels)
    try:
        logs = np.log(np.maximum(y2, conv.floor)) if conv.mode == "clip" else \
            np.log(y2 + conv.floor)
        misuse = -np.sum(t2 * logs) / y2.shape[0]
    except ValueError:
        return False
    return abs(got - misuse) <= parity_tolerance(misuse)


@check("cross_entropy_error.vector")
def ce_vector(h):
    return _judge(h, [("vector", "one-hot")], "1-D y, one-hot t")


@check("cross_entropy_error.vector_label")
def ce_vector_label(h):
    return _judge(h, [("vector", "labels")], "1-D y, label t")


@check("cross_entropy_error.batch_one_hot")
def ce_batch_one_hot(h):
    return _judge(h, [("batch", "one-hot")], "batch, one-hot t")


@check("cross_entropy_error.batch_labels")
def ce_batch_labels(h):
    return _judge(h, [("batch", "labels")], "batch, label t")


@check("cross_entropy_error.square_batch")
def ce_square(h):
    return _judge(h, [("square", "labels"), ("square", "one-hot")], "square batch N = C")


@check("cross_entropy_error.zero_probability")
def ce_zero_probability(h):
    prof = _profile(h)
    conv = prof.convention
    if conv is None or all(prof.wrong[form] for form in FORMS):
        case, problem = next(iter(prof.wrong["one-hot"] or prof.wrong["labels"]),
                             ("batch", "no convention fits"))
        raise Skipped(f"not judged at p = 0: its values are already wrong without zero "
                      f"probabilities (see cross_entropy_error on the {case} case: "
                      f"{problem[:120]})")
    for form in FORMS:
        if prof.wrong[form]:
            continue  # that form's restriction is reported by the checks above
        t = _target(_YZ, _LZ, form)
        got = prof.zero[form]
        want = cv.ce_value(_YZ, t, conv)
        if isinstance(got, float) and abs(got - want) <= parity_tolerance(want):
            continue
        if conv.floor == 0.0 and (not isinstance(got, float) or not np.isfinite(got)):
            shown = got if isinstance(got, str) else f"returned {got}"
            return Outcome("warn", f"no delta in the log: at an exact 0 probability it {shown}"
                                   f" ({form} t); its loss is right elsewhere. The book adds "
                                   f"delta = 1e-7 inside the log so that log(0) never happens",
                           _shown(h, _YZ, t))
        shown = compare(got, want, parity_tolerance(want)) if isinstance(got, float) else got
        return Outcome("fail", f"an exact 0 probability ({form} t): {shown} [assuming "
                               f"{conv.name}, which its values without zeros follow]",
                       _shown(h, _YZ, t))
    note = "" if conv.book else f"note: {conv.name}; "
    return Outcome("pass", f"{note}finite loss -log({conv.floor:.3g}) at a zero probability")


@check("cross_entropy_error.search", quick=False)
def ce_search(h):
    from gradlab.strategies import classification_batches

    prof = _profile(h)
    conv = prof.convention or _BOOK
    forms = [f for f in FORMS if not prof.wrong[f]] or list(FORMS)
    tolerate_zero = conv.mode == "add" and conv.floor == 0.0

    def prop(case):
        y, labels, hot = case
        for form in forms:
            t = labels if form == "labels" else hot
            if tolerate_zero and np.any(cv.picked(y, t)[0] == 0) or tolerate_zero and \
                    form == "one-hot" and np.any(y == 0):
                continue  # no delta: log(0) is zero_probability's business
            got = invoke_ce(h, y, t)
            want = cv.ce_value(y, t, conv)
            problem = compare(got, want, parity_tolerance(want))
            if problem:
                return f"t = {form}: {problem} [assuming {conv.name}]"
        return None

    found = h.search(classification_batches(), prop)
    if found is None:
        return Outcome("pass", f"no counterexample in {h.examples} hypothesis examples")
    _, message = found
    return Outcome("fail", f"hypothesis found: {message}", h.last_call)
