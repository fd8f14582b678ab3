"""When no step changes f: an f that ignores x (a fail) or a quantized one (inconclusive)."""

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from gradlab import check_gradient
from gradlab.check.result import HINTS

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_ignores_x_result_in_full(mode):
    copy = np.array([0.5, -1.0, 2.0])
    x = copy.copy()
    result = check_gradient(lambda _: float(np.sum(copy ** 2)), x, 2 * copy, mode=mode)
    assert (result.status, result.cause, result.kind, result.mode, result.method) == (
        "fail", "ignores_x", "gradient", mode, "central")
    n = 3 if mode == "full" else 4
    assert result.failures == result.checked == n and result.inconclusive == 0
    base = 4 * n + 2
    assert result.evaluations == base + 1  # one more, at a large step: f still the same
    assert math.isnan(result.max_abs_error) and math.isnan(result.max_rel_error)
    assert (result.safety, result.dtype, result.worst) == (10.0, "float64", ())
    assert result.hint == HINTS["ignores_x"].format(executor="")
    assert result.headline == "gradient check FAILED: f ignores x (no perturbation changed f(x))"
    assert not result.ok


def test_ignores_x_over_an_executor_says_how_f_must_reach_x():
    copy = np.linspace(0.1, 1.0, 70)  # enough rows to be sent to the workers
    with ThreadPoolExecutor(2) as pool:
        result = check_gradient(lambda _: float(np.sum(copy)), copy.copy(), np.ones(70),
                                executor=pool)
    assert result.cause == "ignores_x"
    assert result.hint.endswith(" With executor=, f and x travel to the workers together: f "
                                "must reach x through its argument or a closure, not a "
                                "module-level global.")
    assert any("ThreadPoolExecutor" in n for n in result.notes)


def test_quantized_result_in_full():
    x = np.array([3.1, 4.2])
    result = check_gradient(lambda v: round(float(np.sum(v ** 2)), 3), x, np.array([6.2, 8.4]))
    assert result.status == "inconclusive" and result.cause == "quantized"
    assert result.inconclusive == 2 and result.failures == 0
    assert all(e.status == "inconclusive" and e.cause == "quantized" for e in result.worst)
    assert np.all(np.isinf(result.detectable))
    assert result.notes[0] == ("no step of the check changed f, but a step of 0.1 max(1, |x|) "
                               "does: f is constant at the scale of the step (rounded, or "
                               "piecewise constant).")


@pytest.mark.parametrize("g, cause", [(1.6e-10, "ignores_x"), (1.2e-10, "bug")])
def test_a_claim_too_small_to_show_over_the_step_is_not_called_ignoring(g, cause):
    # f = 2 everywhere: over h = 1.21e-5 a slope g changes f by g h; below f's rounding
    # (4 eps |f| = 1.8e-15, i.e. g < 1.47e-10) the claim predicts nothing visible at h, so
    # the check does not call it "ignores x": it measures at larger steps and finds 0
    result = check_gradient(lambda v: 2.0, np.array([1.0]), np.array([g]))
    assert result.cause == cause, str(result)


def test_an_underflowing_f_is_not_ignoring_x():
    # float32 f = 1e-20 * exp(-x**2) at x = 10: every value is 0
    x = np.array([10.0], dtype=np.float32)
    f = lambda v: np.float32(1e-20) * np.exp(-v[0] ** 2)  # noqa: E731
    result = check_gradient(f, x, np.array([-2e-20 * 10 * np.exp(-100.0)], dtype=np.float32))
    assert result.cause != "ignores_x"


def test_a_float32_claim_below_the_smallest_normal_predicts_nothing():
    x = np.array([10.0], dtype=np.float32)
    f = lambda v: np.float32(1e-30) * np.exp(-v[0] ** 2)  # 0 in float32 everywhere  # noqa
    result = check_gradient(f, x, np.array([1e-44], dtype=np.float32))
    assert result.cause != "ignores_x"


def test_each_output_judges_its_own_visibility():
    # output 0 is huge (its change over h is below its rounding), output 1 tiny: neither
    # predicts a visible change, so this is not "ignores x": the check just cannot see
    from gradlab import check_jacobian

    g = lambda v: np.array([1e12, 1.0])  # noqa: E731
    result = check_jacobian(g, np.array([0.5, 0.2, 0.1]), np.array([[10.0, 0, 0],
                                                                    [1e-12, 0, 0]]))
    assert result.cause == "imprecise", str(result)


def test_a_jacobian_that_ignores_x():
    from gradlab import check_jacobian

    copy = np.array([0.5, 0.2, 0.1])
    result = check_jacobian(lambda _: np.sin(copy[:2]), copy.copy(), np.ones((2, 3)))
    assert result.cause == "ignores_x" and result.kind == "jacobian"
    assert result.checked == 6
