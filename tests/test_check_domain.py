"""Domain-safe steps: bounds=, one-sided differences at an edge, dropped failing steps."""

import math

import numpy as np
import pytest

from gradlab import check_gradient
from gradlab.check.methods import CENTRAL

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

H = CENTRAL.default_step(np.float64)


def f32(v):
    return float(np.sum(v ** 1.5))


def test_bounds_give_one_sided_differences_at_the_edge_and_no_step_outside():
    x = np.array([0.0, 1.0, 4.0])
    seen = []

    def f(v):
        seen.append(v.min())
        return f32(v)

    result = check_gradient(f, x, 1.5 * np.sqrt(x), bounds=(0.0, None))
    assert result.ok, str(result)
    assert min(seen) >= 0  # never evaluated outside [0, inf)
    # at 0, v**1.5 has an infinite second derivative: the one-sided value is good to ~sqrt(h)
    assert abs(result.numeric[0]) < 1e-2 and np.allclose(result.numeric[1:], [1.5, 3.0])
    wrong = check_gradient(f, x, np.array([0.1, 1.5, 3.0]), bounds=(0.0, None))
    assert wrong.status == "fail" and wrong.worst[0].where == "x[0]"


def test_without_bounds_a_failed_side_is_dropped_and_the_other_used():
    x = np.array([0.0, 1.0])  # v**1.5 is nan below 0
    result = check_gradient(f32, x, np.array([0.0, 1.5]))
    assert result.ok, str(result)
    assert any("steps dropped where f was not finite: f returned nan at x[0] - " in n
               for n in result.notes)


def test_bounds_like_x_and_as_arrays():
    x = {"a": np.array([0.0, 2.0]), "b": np.array([1.0])}
    f = lambda p: float(np.sum(p["a"] ** 1.5) + np.sum(p["b"] ** 2))  # noqa: E731
    grad = {"a": 1.5 * np.sqrt(x["a"]), "b": 2 * x["b"]}
    assert check_gradient(f, x, grad, bounds=({"a": 0.0, "b": None}, None)).ok
    assert check_gradient(f32, np.array([0.0, 1.0]), np.array([0.0, 1.5]),
                          bounds=(np.array([0.0, -np.inf]), np.inf)).ok


def test_upper_bound_backward_differences():
    x = np.array([1.0, 0.5])
    f = lambda v: float(np.sum(np.sqrt(1.0 - v)))  # undefined above 1  # noqa: E731
    g = np.array([0.0, -0.5 / np.sqrt(0.5)])
    result = check_gradient(f, x, g, bounds=(None, 1.0))
    # at 1 the one-sided derivative is -inf: no finite claim is right, nothing passes it
    assert result.status in ("fail", "inconclusive") and result.worst[0].where == "x[0]"
    assert check_gradient(f, np.array([0.5]), g[1:], bounds=(None, 1.0)).ok


@pytest.mark.parametrize("bounds, match", [
    ((1.0, None), r"x\[0\] = 0 lies outside bounds \[1, inf\]"),
    ((None, -1.0), r"lies outside bounds"),
    ((np.zeros(3), None), "broadcastable"),
    (({"c": 0.0}, None), "missing"),
    ((0.0,), r"bounds must be a pair"),
])
def test_bad_bounds_refused(bounds, match):
    x = np.array([0.0, 1.0]) if not isinstance(bounds[0], dict) else {"a": np.ones(2)}
    with pytest.raises(ValueError, match=match):
        check_gradient(lambda v: 0.0, x, np.zeros(2) if not isinstance(x, dict) else
                       {"a": np.zeros(2)}, bounds=bounds)


def test_a_point_where_f_fails_on_both_sides_is_a_domain_edge():
    def f(v):
        return math.sqrt(1e-30 - (v[0] - 1.0) ** 2) + v[1] ** 2

    result = check_gradient(f, np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    assert result.status == "inconclusive" and result.cause == "domain", str(result)
    assert "bounds=" in result.hint and "raised ValueError: math domain error" in result.hint
    assert result.worst[0].where == "x[0]" and result.worst[1].status == "pass"


def test_refinement_step_outside_the_domain_is_dropped_not_raised():
    # float32 erfinv-like: the larger steps of the refinement leave the domain near 1
    from scipy import special

    x = np.array([0.2, 0.995, -0.9995], dtype=np.float32)
    w = np.array([1.0, -1.5, 0.5], dtype=np.float32)
    f = lambda v: np.sum(w * special.erfinv(v))  # noqa: E731
    g = (w * np.sqrt(np.pi) / 2 * np.exp(special.erfinv(x.astype(np.float64)) ** 2))
    for mode in ("full", "fast"):
        result = check_gradient(f, x, g.astype(np.float32), mode=mode)  # no exception
        assert result.status in ("pass", "inconclusive")
        assert any("steps dropped where f was not finite" in n for n in result.notes)


def test_nan_in_an_array_bound_means_no_bound_there():
    x = np.array([-1.0, 1.0])
    result = check_gradient(f32 if False else (lambda v: float(np.sum(v ** 3))), x, 3 * x ** 2,
                            bounds=(np.array([np.nan, 0.0]), None))
    assert result.ok and result.evaluations == 4 * 2 + 2  # both sides of both, none skipped


def test_bounds_laid_out_like_a_tuple_x():
    x = (np.array([0.0, 2.0]), 1.5)
    f = lambda a, b: float(np.sum(a ** 1.5) + b ** 2)  # noqa: E731
    g = (1.5 * np.sqrt(x[0]), 3.0)
    assert check_gradient(f, x, g, bounds=((0.0, None), None)).ok
    with pytest.raises(ValueError, match=r"lies outside bounds"):
        check_gradient(f, x, g, bounds=((0.0, 2.0), None))
