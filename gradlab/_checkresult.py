"""GradCheckResult: the verdict of check_gradient and the report a person reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from .report import format_number, format_table

CAUSES = ("ok", "bug", "roundoff", "kink", "delta_residual", "nondeterministic", "ignores_x")

HINTS = {
    "ok": "",
    "bug": "most likely cause: a real bug in the analytic gradient at the elements above "
           "(the mismatch is far larger than any finite-difference error could be).",
    "roundoff": "most likely cause: roundoff. The inputs are {dtype}, whose finite differences "
                "carry errors close to this mismatch; re-run the check in float64 "
                "(x.astype(np.float64)) to tell a bug from rounding.",
    "kink": "most likely cause: x is within h of a kink of f (left and right differences "
            "disagree, as for relu or step at 0). There the derivative is a convention, not a "
            "number (the book's relu'(0) is 1, np.maximum's 0.5); check at points away from "
            "kinks, e.g. gradlab.strategies.finite_arrays(away_from=0.0).",
    "delta_residual": "most likely cause: a constant relative residual of {alpha:.1e} between "
                      "analytic and numeric gradients, too small for a wrong formula and too "
                      "large for rounding. It matches the book's delta = 1e-7 inside the log "
                      "of cross_entropy_error: the gradient (y - t)/N ignores it (relative "
                      "residual ~ delta/y). Use the exact gradient "
                      "(TwoLayerNet.gradient(x, t) with its default delta) or a loss with "
                      "delta=0.",
    "nondeterministic": "most likely cause: f is not deterministic: two calls f(x) at the same "
                        "x returned {f0a!r} and {f0b!r}. Finite differences need a repeatable "
                        "f; fix the random seed, or switch off dropout/sampling inside f.",
    "ignores_x": "f returned exactly the same value for every perturbation of x while the "
                 "claimed gradient is not zero: f does not read the arrays the checker "
                 "perturbs. The book's idiom f = lambda W: net.loss(x, t) ignores its argument "
                 "and works only because the perturbation is made IN PLACE on the very array "
                 "the closure reads (net.params['W1'] itself). Pass net.params (or its arrays) "
                 "as x, not a copy: net.params['W1'].copy(), np.array(W), W.astype(...), "
                 "W + 0 or a new dict all break the link; or write f so it uses its argument.",
}


@dataclass
class Entry:
    """One checked element (or, in fast mode before localisation, one direction)."""

    name: str
    index: tuple
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    fd_error: float
    tolerance: float
    ok: bool

    @property
    def where(self) -> str:
        if self.name.startswith("direction"):
            return self.name
        idx = ", ".join(str(i) for i in self.index)
        return f"{self.name}[{idx}]" if self.index else self.name

    def to_dict(self) -> dict:
        return {"name": self.name, "index": list(self.index), "where": self.where,
                "analytic": self.analytic, "numeric": self.numeric,
                "abs_error": self.abs_error, "rel_error": self.rel_error,
                "fd_error": self.fd_error, "tolerance": self.tolerance, "ok": self.ok}


@dataclass
class GradCheckResult:
    """The verdict of :func:`gradlab.check_gradient`.

    Attributes
    ----------
    ok : bool
        True when every checked element (full mode) or direction (fast mode)
        agrees within ``safety`` times its estimated finite-difference error.
    cause : str
        ``"ok"``, or the most likely cause of the failure: ``"bug"``,
        ``"roundoff"``, ``"kink"``, ``"delta_residual"``,
        ``"nondeterministic"`` or ``"ignores_x"``.
    hint : str
        One paragraph explaining ``cause`` and what to do.
    max_abs_error, max_rel_error : float
        Largest ``|analytic - numeric|`` and ``|analytic - numeric| / max(|analytic|,
        |numeric|)`` over the elements checked (fast mode: over the directional
        derivatives, or the localised elements if any).
    worst : list of Entry
        The worst entries, largest ``abs_error / tolerance`` first, each with
        ``name`` (parameter name, ``"x"`` for a bare array), ``index`` (tuple),
        ``where`` (``"W1[3, 4]"``), ``analytic``, ``numeric``, ``abs_error``,
        ``rel_error``, ``fd_error`` (the estimated finite-difference error),
        ``tolerance`` (``safety * fd_error``) and ``ok``.
    failures : int
        Number of wrong elements (full mode) or directions (fast mode).
    checked : int
        Number of elements (full) or directions (fast) compared.
    evaluations : int
        Calls of ``f`` made by the checker.
    mode, method : str
        As requested (``method`` becomes ``"central"`` after a complex-step fallback).
    safety : float
        The safety factor of the error model.
    slip_probability : float or None
        Fast mode: bound on the chance that an error 10x the always-caught
        single-element threshold, spread over any elements, slips past all
        ``k`` directions (the threshold is stated in ``notes``).
    notes : list of str
        Other facts: fallbacks, precision, localisation, slip-through bounds.
    """

    ok: bool
    cause: str
    mode: str
    method: str
    max_abs_error: float
    max_rel_error: float
    worst: list = field(default_factory=list)
    failures: int = 0
    checked: int = 0
    evaluations: int = 0
    safety: float = 10.0
    dtype: str = "float64"
    hint: str = ""
    slip_probability: float | None = None
    notes: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def headline(self) -> str:
        unit = "elements" if self.mode == "full" else "directions"
        if self.ok:
            return (f"gradient check passed ({self.mode} mode, {self.method}): {self.checked} "
                    f"{unit} within {format_number(self.safety)}x the estimated "
                    f"finite-difference error; max abs error {format_number(self.max_abs_error)},"
                    f" max rel error {format_number(self.max_rel_error)}")
        if self.cause == "ignores_x":
            return "gradient check FAILED: f ignores x (no perturbation changed f(x))"
        top = self.worst[0] if self.worst else None
        where = f" at {top.where}: analytic {top.analytic:.7g} vs numeric " \
                f"{top.numeric:.7g}" if top else ""
        return (f"gradient check FAILED{where} ({self.failures} of {self.checked} {unit} "
                f"wrong; cause: {self.cause})")

    def table(self) -> str:
        rows = [[e.where, e.analytic, e.numeric, e.abs_error, e.rel_error, e.fd_error,
                 "ok" if e.ok else "WRONG"] for e in self.worst]
        return format_table(rows, ["where", "analytic", "numeric", "abs err", "rel err",
                                   "est. FD err", "verdict"], align="lrrrrrl")

    def __str__(self) -> str:
        parts = [self.headline]
        if self.worst:
            parts.append(self.table())
        if self.hint:
            parts.append(self.hint)
        parts.extend(self.notes)
        return "\n".join(parts)

    def to_dict(self) -> dict:
        """JSON-ready dict of every field (``worst`` as a list of dicts) plus ``report``."""
        return {"ok": self.ok, "cause": self.cause, "mode": self.mode, "method": self.method,
                "max_abs_error": self.max_abs_error, "max_rel_error": self.max_rel_error,
                "failures": self.failures, "checked": self.checked,
                "evaluations": self.evaluations, "safety": self.safety, "dtype": self.dtype,
                "hint": self.hint, "slip_probability": self.slip_probability,
                "notes": list(self.notes), "worst": [e.to_dict() for e in self.worst],
                "report": str(self)}
