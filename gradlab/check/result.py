"""GradCheckResult: the verdict of a check, built once, and the report a person reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..report import format_number, format_table

STATUSES = ("pass", "fail", "inconclusive")

FAIL_CAUSES = ("bug", "roundoff", "delta_residual", "small_residual", "ignores_x")
INCONCLUSIVE_CAUSES = ("kink", "jump", "domain", "quantized", "nondeterministic", "imprecise")
CAUSES = ("ok",) + FAIL_CAUSES + INCONCLUSIVE_CAUSES

HINTS = {
    "ok": "",
    "bug": "most likely cause: a real bug in the analytic derivative at the elements above "
           "(the mismatch is far larger than any finite-difference error could be).",
    "roundoff": "most likely cause: roundoff. The inputs are {dtype}, whose finite differences "
                "carry errors close to this mismatch; re-run the check in float64 "
                "(x.astype(np.float64)) to tell a bug from rounding.",
    "delta_residual": "most likely cause: the residual matches a smoothing constant inside a "
                      "log, such as the book's delta = 1e-7 in cross_entropy_error: analytic and "
                      "numeric differ by a small relative amount ({alpha:.1e}) of one sign, per "
                      "sample about delta / y, spread over all elements. The gradient (y - t)/N "
                      "ignores delta; use the exact gradient (TwoLayerNet.gradient(x, t) with "
                      "its default delta) or a loss with delta=0.",
    "small_residual": "most likely cause: a small relative residual ({alpha:.1e}) spread over "
                      "many elements, too small for a wrong formula and too large for "
                      "rounding: f (or the claimed derivative) is computed only approximately, "
                      "e.g. by a solver with a tolerance (an ODE or iterative solver, a "
                      "truncated series) or with a smoothing constant. Tighten that tolerance "
                      "and the residual should shrink with it.",
    "ignores_x": "f returned exactly the same value for every perturbation of x (also a large "
                 "one) while the claimed derivative is not zero: f does not read the arrays the "
                 "checker perturbs. The book's idiom f = lambda W: net.loss(x, t) ignores its "
                 "argument and works only because the perturbation is made IN PLACE on the "
                 "very array the closure reads (net.params['W1'] itself). Pass net.params (or "
                 "its arrays) as x, not a copy: net.params['W1'].copy(), np.array(W), "
                 "W.astype(...), W + 0 or a new dict all break the link; or write f so it uses "
                 "its argument.{executor}",
    "kink": "x is within {finest} of a kink of f at the elements above: the left and right "
            "slopes differ at every step down to that size (as for relu or abs at 0), and the "
            "claimed value lies between them, so it is one of the valid conventions (the "
            "book's relu'(0) is 1, JAX's 0, np.maximum's 0.5).",
    "jump": "f jumps within {finest} of x at the elements above (the differences grow like "
            "1/h as the step shrinks): f is discontinuous there (floor, round, a branch, an "
            "eigenvector whose sign flips), so it has no derivative to check.",
    "domain": "f is not finite (or raised) on both sides of x at every step tried: x is at the "
              "edge of f's domain. {failure}",
    "quantized": "f changes in steps{quantum_text}, so its finite differences are too "
                 "coarse to see an error as large as the gradient.",
    "nondeterministic": "f is not deterministic: two calls f(x) at the same x returned {f0a!r} "
                        "and {f0b!r}, and that noise hides errors as large as the gradient. "
                        "Finite differences need a repeatable f.",
    "imprecise": "the estimated finite-difference error at the elements above exceeds the "
                 "largest derivative checked ({scale:.3g}): |f| is large compared with its "
                 "change over the step, f is ill-conditioned there, or f is noisy.",
}

TRY = {
    "kink": "what to try: check at points away from kinks, e.g. "
            "gradlab.strategies.finite_arrays(away_from=0.0).",
    "jump": "what to try: check at a point away from the discontinuity; if f should be smooth "
            "there, find the branch that makes it jump.",
    "domain": "what to try: pass bounds=(lo, hi) so that the check uses one-sided differences "
              "at the edge, or check at a point inside the domain.",
    "quantized": "what to try: remove the rounding from f (int(), round(), a float16 cast) or "
                 "check with a larger h.",
    "nondeterministic": "what to try: fix the random seed, or switch off dropout/sampling "
                        "inside f.",
    "imprecise": "what to try: method='complex' (if f accepts complex input), float64 inputs "
                 "(if they are float32), a larger h (roundoff) or a smaller h (truncation), "
                 "or subtract a constant from f so that |f| is not much larger than its "
                 "changes.",
}

KIND_NAMES = {"gradient": "gradient", "jacobian": "Jacobian", "vjp": "VJP", "jvp": "JVP"}


@dataclass(frozen=True)
class Entry:
    """One checked element (or, in fast mode, one direction)."""

    name: str
    index: tuple
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    fd_error: float
    tolerance: float
    detectable: float
    status: str
    cause: str
    output: tuple | None = None

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    @property
    def where(self) -> str:
        idx = ", ".join(str(i) for i in self.index)
        place = f"{self.name}[{idx}]" if self.index else self.name
        if self.output is None:
            return place
        return f"{place} (output [{', '.join(str(o) for o in self.output)}])"

    def to_dict(self) -> dict:
        return {"name": self.name, "index": list(self.index), "where": self.where,
                "output": None if self.output is None else list(self.output),
                "analytic": self.analytic, "numeric": self.numeric,
                "abs_error": self.abs_error, "rel_error": self.rel_error,
                "fd_error": self.fd_error, "tolerance": self.tolerance,
                "detectable": self.detectable, "status": self.status, "cause": self.cause,
                "ok": self.ok}


@dataclass(frozen=True)
class GradCheckResult:
    """The verdict of :func:`gradlab.check_gradient` (and of the vector checks).

    Attributes
    ----------
    status : {"pass", "fail", "inconclusive"}
        ``"inconclusive"`` where the check could not have seen an error as large
        as the derivative it checks (a jump or kink within the step, a domain
        edge, an estimated error wider than the largest derivative).
    ok : bool
        True only for ``"pass"``; also ``bool(result)``.
    cause : str
        ``"ok"``, a failure's likely cause (``"bug"``, ``"roundoff"``,
        ``"delta_residual"``, ``"small_residual"``, ``"ignores_x"``) or why it is
        inconclusive (``"kink"``, ``"jump"``, ``"domain"``, ``"quantized"``,
        ``"nondeterministic"``, ``"imprecise"``).
    hint : str
        What the cause means and what to try.
    detectable : same structure as x (or as the Jacobian), read-only
        Per element, the smallest error in that element alone that the check
        would have caught: ``(safety + 1)`` times the estimated FD error (fast
        mode: through the best direction).
    numeric : same structure as x (or the Jacobian), or None
        The finite-difference derivative the check computed (full mode).
    max_abs_error, max_rel_error : float
        Over the compared elements (or directions).
    worst : tuple of Entry
        Failures first, then inconclusive elements, then the rest, each with
        ``where``, ``analytic``, ``numeric``, ``abs_error``, ``rel_error``,
        ``fd_error``, ``tolerance``, ``detectable``, ``status`` and ``cause``.
    failures, inconclusive, checked, evaluations : int
        Wrong and undecided elements (or directions), how many were compared,
        calls of f.
    kind, mode, method, dtype : str
    safety : float
    slip_probability : float or None
        Fast mode: bound on the chance that an error 10x the always-caught
        single-element threshold slips past all directions.
    notes : tuple of str
    """

    status: str
    cause: str
    kind: str
    mode: str
    method: str
    max_abs_error: float
    max_rel_error: float
    worst: tuple = ()
    failures: int = 0
    inconclusive: int = 0
    checked: int = 0
    evaluations: int = 0
    safety: float = 10.0
    dtype: str = "float64"
    hint: str = ""
    detectable: object = None
    numeric: object = field(default=None, repr=False)
    slip_probability: float | None = None
    notes: tuple = ()

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    def __bool__(self) -> bool:
        return self.ok

    @property
    def headline(self) -> str:
        what = f"{KIND_NAMES[self.kind]} check"
        unit = "elements" if self.mode == "full" else "directions"
        if self.status == "pass":
            return (f"{what} passed ({self.mode} mode, {self.method}): {self.checked} {unit} "
                    f"within {format_number(self.safety)}x the estimated finite-difference "
                    f"error; max abs error {format_number(self.max_abs_error)}, max rel error "
                    f"{format_number(self.max_rel_error)}")
        if self.cause == "ignores_x":
            return f"{what} FAILED: f ignores x (no perturbation changed f(x))"
        top = self.worst[0] if self.worst else None
        where = (f" at {top.where}: analytic {top.analytic:.7g} vs numeric {top.numeric:.7g}"
                 if top else "")
        if self.status == "fail":
            return (f"{what} FAILED{where} ({self.failures} of {self.checked} {unit} wrong; "
                    f"cause: {self.cause})")
        return (f"{what} INCONCLUSIVE{where}: the finite differences cannot see an error as "
                f"large as the derivative there ({self.inconclusive} of {self.checked} {unit}; "
                f"cause: {self.cause})")

    def table(self) -> str:
        rows = [[e.where, e.analytic, e.numeric, e.abs_error, e.rel_error, e.fd_error,
                 e.detectable, {"pass": "ok", "fail": "WRONG"}.get(e.status, "?? " + e.cause)]
                for e in self.worst]
        return format_table(rows, ["where", "analytic", "numeric", "abs err", "rel err",
                                   "est. FD err", "detectable", "verdict"], align="lrrrrrrl")

    def __str__(self) -> str:
        parts = [self.headline]
        if self.worst:
            parts.append(self.table())
        if self.hint:
            parts.append(self.hint)
        parts.extend(self.notes)
        return "\n".join(parts)

    def to_dict(self) -> dict:
        """JSON-ready dict of every field (arrays as lists) plus ``report``."""
        return {"status": self.status, "ok": self.ok, "cause": self.cause, "kind": self.kind,
                "mode": self.mode, "method": self.method,
                "max_abs_error": self.max_abs_error, "max_rel_error": self.max_rel_error,
                "failures": self.failures, "inconclusive": self.inconclusive,
                "checked": self.checked, "evaluations": self.evaluations,
                "safety": self.safety, "dtype": self.dtype, "hint": self.hint,
                "slip_probability": self.slip_probability, "notes": list(self.notes),
                "worst": [e.to_dict() for e in self.worst],
                "detectable": _plain(self.detectable), "numeric": _plain(self.numeric),
                "report": str(self)}


def _plain(tree):
    if tree is None or isinstance(tree, float):
        return tree
    if isinstance(tree, np.ndarray):
        return tree.tolist()
    if isinstance(tree, tuple | list):
        return [_plain(t) for t in tree]
    return {str(k): _plain(v) for k, v in tree.items()}
