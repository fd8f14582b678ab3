"""The result a person reads and a program parses: fields, str(), to_dict(), notes."""

import json

import numpy as np
import pytest

from gradlab import assert_gradient_close, check_gradient, check_jacobian, check_jvp, check_vjp
from gradlab.check import localisation_evaluations
from gradlab.check.result import CAUSES, FAIL_CAUSES, HINTS, INCONCLUSIVE_CAUSES, STATUSES, TRY

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

X = np.array([0.5, -1.0, 2.0])


def sines(x):
    return float(np.sum(np.sin(x)))


def test_str_is_headline_table_hint_then_notes():
    wrong = np.cos(X)
    wrong[2] += 0.1
    result = check_gradient(sines, X, wrong)
    lines = str(result).splitlines()
    assert lines[0] == result.headline == (
        "gradient check FAILED at x[2]: analytic -0.3161468 vs numeric -0.4161468 "
        "(1 of 3 elements wrong; cause: bug)")
    assert lines[1].split() == ["where", "analytic", "numeric", "abs", "err", "rel", "err",
                                "est.", "FD", "err", "detectable", "verdict"]
    assert set(lines[2]) == {"-", " "}
    rows = lines[3:6]
    assert rows[0].startswith("x[2]") and rows[0].endswith("WRONG")
    assert rows[1].endswith("ok") and rows[2].endswith("ok")
    # numbers right-aligned: every row has its numeric columns ending at the same places
    assert len({r.rfind("ok") if r.endswith("ok") else r.rfind("WRONG") for r in rows}) == 1
    assert lines[6] == HINTS["bug"]
    assert str(result) == "\n".join([result.headline, result.table(), result.hint,
                                     *result.notes])


def test_inconclusive_rows_show_their_cause():
    result = check_gradient(lambda x: float(np.sum(np.abs(x))), np.array([0.0, 1.0]),
                            np.array([0.0, 1.0]))
    row = str(result).splitlines()[3]
    assert row.startswith("x[0]") and row.endswith("?? kink")
    assert result.headline == (
        "gradient check INCONCLUSIVE at x[0]: analytic 0 vs numeric 0: the finite "
        "differences cannot see an error as large as the derivative there (1 of 2 elements; "
        "cause: kink)")
    assert result.hint == HINTS["kink"].format(finest="h/32") + "\n" + TRY["kink"]


def test_headlines_of_each_kind():
    J = np.diag(np.cos(X))
    assert check_jacobian(np.sin, X, J).headline.startswith(
        "Jacobian check passed (full mode, central): 9 elements within 10x the estimated "
        "finite-difference error; max abs error ")
    assert check_vjp(np.sin, X, lambda v: v * np.cos(X), mode="fast").headline.startswith(
        "VJP check passed (fast mode, central): 16 directions within 10x")
    assert check_jvp(np.sin, X, lambda u: u * np.cos(X)).headline.startswith("JVP check")


def test_to_dict_has_every_field_with_its_value():
    wrong = np.cos(X)
    wrong[1] *= 2
    result = check_gradient(sines, X, wrong)
    d = json.loads(json.dumps(result.to_dict()))
    assert set(d) == {"status", "ok", "cause", "kind", "mode", "method", "max_abs_error",
                      "max_rel_error", "failures", "inconclusive", "checked", "evaluations",
                      "safety", "dtype", "hint", "slip_probability", "notes", "worst",
                      "detectable", "numeric", "report"}
    for key in ("status", "ok", "cause", "kind", "mode", "method", "max_abs_error",
                "max_rel_error", "failures", "inconclusive", "checked", "evaluations",
                "safety", "dtype", "hint", "slip_probability"):
        assert d[key] == getattr(result, key), key
    assert d["notes"] == list(result.notes) and d["report"] == str(result)
    assert d["numeric"] == result.numeric.tolist()
    assert d["detectable"] == result.detectable.tolist()
    e = d["worst"][0]
    assert set(e) == {"name", "index", "where", "output", "analytic", "numeric", "abs_error",
                      "rel_error", "fd_error", "tolerance", "detectable", "status", "cause",
                      "ok"}
    top = result.worst[0]
    assert e == {"name": "x", "index": [1], "where": "x[1]", "output": None,
                 "analytic": top.analytic, "numeric": top.numeric,
                 "abs_error": top.abs_error, "rel_error": top.rel_error,
                 "fd_error": top.fd_error, "tolerance": top.tolerance,
                 "detectable": top.detectable, "status": "fail", "cause": "bug", "ok": False}
    assert top.tolerance == pytest.approx(10 * top.fd_error)
    assert top.detectable == pytest.approx(11 * top.fd_error)
    assert top.rel_error == pytest.approx(top.abs_error / max(abs(top.analytic),
                                                              abs(top.numeric)))


def test_to_dict_of_structures_and_jacobians():
    x = {"a": np.ones(2), "b": (np.zeros(1), 2.0)}
    f = lambda p: float(np.sum(p["a"] ** 2) + p["b"][0][0] + p["b"][1] ** 2)  # noqa: E731
    result = check_gradient(f, x, {"a": 2 * np.ones(2), "b": (np.ones(1), 4.0)})
    d = json.loads(json.dumps(result.to_dict()))
    assert set(d["numeric"]) == {"a", "b"} and len(d["numeric"]["b"]) == 2
    assert isinstance(d["numeric"]["b"][1], float)
    jac = check_jacobian(np.sin, X, np.diag(np.cos(X))).to_dict()
    assert np.array(jac["numeric"]).shape == (3, 3)
    assert jac["worst"][0]["output"] is not None


def test_statuses_and_causes_are_the_documented_ones():
    assert STATUSES == ("pass", "fail", "inconclusive")
    assert CAUSES == ("ok",) + FAIL_CAUSES + INCONCLUSIVE_CAUSES
    assert set(HINTS) == set(CAUSES) and set(TRY) == set(INCONCLUSIVE_CAUSES)
    assert HINTS["ok"] == ""


def test_entry_where_names_input_and_output():
    J = np.diag(np.cos(X))
    J[2, 0] = 1.0
    bad = check_jacobian(np.sin, X, J).worst[0]
    assert (bad.where, bad.output, bad.ok) == ("x[0] (output [2])", (2,), False)
    scalar = check_gradient(lambda v: v ** 3, 2.0, 1.0).worst[0]
    assert scalar.where == "x" and scalar.index == ()


def test_assert_gradient_close_passes_options_on():
    result = assert_gradient_close(sines, X, np.cos(X), mode="fast", k=2)
    assert result.mode == "fast" and result.evaluations == 4 * 2 + 2


def test_escalation_notes_are_stated_and_counted():
    # f32-flat: larger steps; a jump beside x: smaller steps
    x32 = np.linspace(0.5, 2.0, 3, dtype=np.float32)
    flat = check_gradient(lambda v: np.float32(100) + np.sum(np.sin(v) * np.float32(0.01)),
                          x32, np.float32(0.01) * np.cos(x32))
    assert "3 lines were measured again at larger steps (4h, 16h): roundoff dominated " \
           "their error at h." in flat.notes
    c = 0.5 + 0.3 * 1.2109e-5
    jump = check_gradient(lambda v: float(3 * v[0] + np.floor(v[0] - c)), np.array([0.5]),
                          np.array([3.0]))
    assert "1 lines were measured again at smaller steps (down to h/32): not smooth at h, a " \
           "step outside f's domain, or truncation too large." in jump.notes
    plain = check_gradient(sines, X, np.cos(X))
    assert plain.notes == ()


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_complex_step_reports_no_escalation_and_judges_rounding_only(mode):
    f = lambda v: np.sum(np.exp(v) * np.sin(v))  # noqa: E731
    g = np.exp(X) * (np.sin(X) + np.cos(X))
    result = check_gradient(f, X, g, method="complex", mode=mode)
    assert result.ok and result.method == "complex"
    assert not any("measured again" in n for n in result.notes)
    wrong = g.copy()
    wrong[0] *= 1 + 1e-12  # complex step sees relative errors near eps
    assert check_gradient(f, X, wrong, method="complex", mode=mode).status == "fail"
    blind = check_gradient(lambda v: np.sum(v) + 1e300, X, np.ones(3), method="complex",
                           mode=mode)
    assert blind.ok  # complex step has no subtraction: |f| does not blind it


def test_complex_step_names_where_f_fails_on_complex_input():
    calls = []

    def f(v):
        calls.append(1)
        if np.iscomplexobj(v) and len(calls) > 4:
            raise ValueError("no complex here")
        return np.sum(v ** 2)

    with pytest.raises(ValueError, match="no complex here"):
        check_gradient(f, X, 2 * X, method="complex")
    result = check_gradient(lambda v: np.sum(np.abs(v) ** 2), X, 2 * X, method="complex")
    assert result.method == "central"
    assert any(n.startswith("complex step impossible: f dropped the imaginary part") for n in
               result.notes)


def test_localisation_cost_formula_edges():
    assert localisation_evaluations(1) == 4 and localisation_evaluations(2) == 8
    assert localisation_evaluations(1024) == 4 * 11
    assert localisation_evaluations(1000, "richardson") == 6 * 11


def test_quantized_probe_steps_away_from_a_bound():
    # the probe moves by 0.1 along sign(grad) unless the bound is in the way; then back
    x = np.array([3.1, 4.2])
    f = lambda v: round(float(np.sum(v ** 2)), 3)  # noqa: E731
    seen = []

    def g(v):
        seen.append(v.copy())
        return f(v)

    result = check_gradient(g, x, np.array([6.2, 8.4]), bounds=(None, x))
    assert result.status == "inconclusive" and result.cause == "quantized"
    probe = seen[-1]
    assert np.allclose(probe, x - 0.1 * x)  # moved down, the only way inside the bounds
    up = []
    check_gradient(lambda v: up.append(v.copy()) or f(v), x, np.array([6.2, 8.4]))
    assert np.allclose(up[-1], x + 0.1 * x)


def test_numbers_are_right_aligned_under_their_headers():
    wrong = np.cos(X)
    wrong[2] += 0.1
    lines = str(check_gradient(sines, X, wrong)).splitlines()
    head = lines[0 + 1]
    for column in ("analytic", "numeric", "detectable"):
        end = head.index(column) + len(column)
        for row in lines[3:6]:
            assert row[end - 1] != " " and row[end] == " ", (column, row)


def test_complex_step_error_is_rounding_of_the_value_and_the_gradient():
    g = np.exp(X)
    result = check_gradient(lambda v: np.sum(np.exp(v)), X, g, method="complex")
    eps = np.finfo(np.float64).eps
    expected = 16 * eps * (np.abs(result.numeric) + np.max(g)) + 16 * eps * np.max(g)
    assert np.allclose(result.detectable, 11 * expected, rtol=1e-12)


def test_complex_step_on_structures_keeps_complex_step():
    x = {"W": np.array([[0.5, -1.0], [2.0, 0.3]]), "b": (np.array([0.1]), 0.7)}
    f = lambda p: np.sum(np.sin(p["W"])) + np.sum(p["b"][0] ** 2) + p["b"][1] ** 3  # noqa
    g = {"W": np.cos(x["W"]), "b": (2 * x["b"][0], 3 * 0.7 ** 2)}
    for mode in ("full", "fast"):
        result = check_gradient(f, x, g, method="complex", mode=mode)
        assert result.ok and result.method == "complex", (mode, result.notes)
    g["W"] = g["W"] * np.array([[1, 1], [1, 1 + 1e-9]])
    bad = check_gradient(f, x, g, method="complex")
    assert bad.status == "fail" and bad.worst[0].where == "W[1, 1]"


def test_complex_step_failures_are_named_where_they_happen():
    def nan_on_complex(v):
        return np.sum(v ** 2) if not np.iscomplexobj(v) else np.nan + 0j

    result = check_gradient(nan_on_complex, X, 2 * X, method="complex")
    assert result.method == "central"
    assert any("f raised ValueError on complex input (f returned (nan+0j) on complex input"
               in n for n in result.notes), result.notes
    calls = []

    def nan_later(v):
        calls.append(1)
        return np.sum(v ** 2) if len(calls) < 5 else np.nan + 0j

    with pytest.raises(ValueError, match=r"f returned \(nan\+0j\) at x\[1\] \+ ih; "):
        check_gradient(nan_later, X, 2 * X, method="complex")


def test_complex_step_localises_in_fast_mode_at_the_promised_cost():
    g = np.cos(X)
    g[1] += 1e-6
    result = check_gradient(lambda v: np.sum(np.sin(v)), X, g, method="complex", mode="fast")
    assert result.status == "fail" and result.worst[0].where == "x[1]"
    # 2 at x, 1 probe, 4 directions, then ceil(log2 3) = 2 halvings and the element: 1 each
    assert result.evaluations == 2 + 1 + 4 + 2 + 1


def test_a_constant_f_falls_back_from_complex_step():
    result = check_gradient(lambda v: np.float64(3.0) + 0 * np.sum(v), X, np.zeros(3),
                            method="complex")
    assert result.method == "central" and result.ok


def test_quantized_probe_direction_follows_the_claim_sign():
    x = np.array([3.1, 4.2])
    f = lambda v: round(float(np.sum(v ** 2)), 3)  # noqa: E731
    for claim, expect in (([-6.2, 8.4], [-0.31, 0.42]), ([6.2, 0.0], [0.31, 0.42])):
        seen = []
        check_gradient(lambda v, seen=seen: seen.append(v.copy()) or f(v), x, np.array(claim))
        assert np.allclose(seen[-1] - x, expect)


def test_quantized_probe_stays_inside_tight_bounds():
    x = np.array([3.1, 4.2])
    f = lambda v: round(float(np.sum(v ** 2)), 3)  # noqa: E731
    up = x + 0.1 * x  # exactly reachable: the probe goes up to the bound
    seen = []
    check_gradient(lambda v: seen.append(v.copy()) or f(v), x, np.array([6.2, 8.4]),
                   bounds=(x - 0.01, up))
    assert np.allclose(seen[-1], up)
    seen = []
    check_gradient(lambda v: seen.append(v.copy()) or f(v), x, np.array([6.2, 8.4]),
                   bounds=(x - 0.01, x + 0.01))  # no room either way: to the lower bound
    assert np.allclose(seen[-1], x - 0.01)


def test_a_harmless_warning_on_complex_input_keeps_complex_step():
    import warnings

    def f(v):
        if np.iscomplexobj(v):
            warnings.warn("complex input seen", UserWarning, stacklevel=2)
        return np.sum(v ** 2)

    with pytest.warns(UserWarning, match="complex input seen"):
        result = check_gradient(f, X, 2 * X, method="complex")
    assert result.method == "complex" and result.ok


def test_kink_range_is_the_one_sided_slopes():
    x = np.array([0.0, 1.0])
    relu = lambda v: float(np.sum(np.maximum(v, 0) + 0.3 * v ** 2))  # noqa: E731
    for claim, status in ((-0.5, "fail"), (0.0, "inconclusive"), (1.0, "inconclusive"),
                          (1.5, "fail")):
        result = check_gradient(relu, x, np.array([claim, 1.6]))
        assert result.status == status, (claim, str(result))
    absolute = lambda v: float(np.sum(np.abs(v)))  # noqa: E731
    for claim, status in ((-1.5, "fail"), (-1.0, "inconclusive"), (0.0, "inconclusive"),
                          (1.0, "inconclusive"), (1.5, "fail")):
        assert check_gradient(absolute, x, np.array([claim, 1.0])).status == status, claim
