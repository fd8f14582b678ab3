"""The checker says when it cannot see an error instead of passing (the vacuous-pass cases).

Each fixture is a case where the old checker passed any claim: an estimate wider than
the gradient, a jump inside the stencil, a quantized f. A check is inconclusive where it
could not have seen an error as large as the gradient it checks; where a smaller step
makes it conclusive, that step is tried first.
"""

import numpy as np
import pytest

from gradlab import GradCheckError, assert_gradient_close, check_gradient
from gradlab.check.methods import CENTRAL

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

H = CENTRAL.default_step(np.float64)  # 1.2e-5


def jump_beside(offset):
    """f(x) = 3x + floor(x - c) with c chosen so that the jump lies at x + offset * h."""
    x0 = 0.5
    c = x0 + offset * H
    return (lambda x: float(3 * x[0] + np.floor(x[0] - c))), np.array([x0])


@pytest.mark.parametrize("offset, levels", [(0.3, 3), (0.7, 2), (-0.3, 3)])
def test_jump_within_the_step_is_stepped_around(offset, levels):
    f, x = jump_beside(offset)
    for claim in (0.0, 100.0, -5e4):
        result = check_gradient(f, x, np.array([claim]))
        assert result.status == "fail" and result.cause == "bug", (claim, str(result))
    right = check_gradient(f, x, np.array([3.0]))
    assert right.ok and abs(right.worst[0].numeric - 3) < 1e-6
    # only this one line needed smaller steps, two evaluations each: h/4 and h/8 leave a
    # jump at 0.7 h behind, confirmed by the next; at 0.3 h one more (h/16)
    assert right.evaluations == 2 + 4 + 2 * levels
    assert any("smaller steps" in n for n in right.notes)


def test_jump_at_x_is_inconclusive_and_called_a_jump_not_a_kink():
    # floor at an integer: the derivative does not exist; any claim is undecidable
    x = np.array([2.0, 0.5])
    f = lambda x: float(np.floor(x[0]) + x[1] ** 2)  # noqa: E731
    for claim in (0.0, 1.0, 1e6):
        result = check_gradient(f, x, np.array([claim, 1.0]))
        assert result.status == "inconclusive" and result.cause == "jump", str(result)
        assert result.worst[0].where == "x[0]" and "discontinuous" in result.hint
        assert result.worst[1].status == "pass"


@pytest.mark.parametrize("where, status", [(0.4, "pass"), (1e-3, "inconclusive")])
def test_eigenvector_sign_flip_is_a_jump_not_a_kink(where, status):
    # an eigenvector's sign is a convention that a solver may flip between neighbours:
    # modelled as the sign of (x - c). At 0.4 h the smaller steps leave it behind; at
    # h/1000 (closer than the finest step, h/32) it is a jump, never "a kink".
    c = 1.0 + where * H
    f = lambda x: float(np.sign(x[0] - c) * np.cos(x[0]) + x[1])  # noqa: E731
    result = check_gradient(f, np.array([1.0, 0.0]), np.array([np.sin(1.0), 1.0]))
    assert result.status == status, str(result)
    if status == "inconclusive":
        assert result.cause == "jump" and result.worst[0].cause == "jump"


def test_huge_f_is_inconclusive_not_a_vacuous_pass():
    result = check_gradient(np.sum, np.array([1e300, 1.0]), np.array([1.0, 1e250]))
    assert result.status == "inconclusive" and result.cause == "imprecise", str(result)
    bad = result.worst[0]
    assert bad.where == "x[1]" and bad.detectable > 1e250
    assert "what to try" in result.hint and "method='complex'" in result.hint


def test_quantized_f_states_how_coarse_it_is():
    # int(sum(x**2)) at (300, 400): a quantum of 1 over steps of ~5e-3 hides errors below
    # a few hundred; the gradient (800) is still visible, a sign error is caught
    x = np.array([300.0, 400.0])
    f = lambda x: int(np.sum(x ** 2))  # noqa: E731
    right = check_gradient(f, x, np.array([600.0, 800.0]))
    assert right.ok and 50 < right.detectable[1] < 800, str(right)
    assert check_gradient(f, x, np.array([600.0, -800.0])).status == "fail"
    # at (3.1, 4.2) the same quantum hides everything: inconclusive, and said why
    small = check_gradient(f, np.array([3.1, 4.2]), np.array([6.2, 8.4]))
    assert small.status == "inconclusive" and small.cause == "quantized", str(small)
    # at (3, 4), where sum(x**2) = 25 is an integer, int() jumps at x itself
    at = check_gradient(f, np.array([3.0, 4.0]), np.array([6.0, 8.0]))
    assert at.status == "inconclusive" and at.cause == "jump", str(at)


def test_finely_quantized_f_passes_a_correct_gradient():
    # int(1e9 sum(x**2)): each value is off by up to 1 from the smooth one, ~4e-11
    # relative: a step of 1 in f is its rounding, not a bug
    x = np.array([3.0, 4.0])
    f = lambda x: int(np.sum(x ** 2) * 1e9)  # noqa: E731
    assert check_gradient(f, x, np.array([6e9, 8e9])).ok
    assert check_gradient(f, x, np.array([6e9, 8.01e9])).status == "fail"


def test_coarsely_rounded_f_is_quantized_not_ignoring_x():
    x = np.array([3.0, 4.0])
    f = lambda x: round(float(np.sum(x ** 2)), 3)  # noqa: E731
    result = check_gradient(f, x, np.array([6.0, 8.0]))
    assert result.status == "inconclusive" and result.cause == "quantized", str(result)
    assert result.evaluations == 4 * 2 + 2 + 1  # one more, at a large step, to tell
    assert any("constant at the scale of the step" in n for n in result.notes)


def test_no_pass_has_a_tolerance_wider_than_the_gradient(rng):
    # ill-conditioned: f = 1e8 + small smooth part, float64: the tolerance is far wider
    # than the gradient at the base step; the check refines or says inconclusive
    x = rng.normal(size=4)
    f = lambda x: 1e12 + np.sum(np.sin(x)) * 1e-3  # noqa: E731
    result = check_gradient(f, x, 1e-3 * np.cos(x))
    for e in result.worst:
        assert e.status != "pass" or e.detectable <= 1e-3
    assert result.status in ("pass", "inconclusive")


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_fast_and_full_are_equally_honest(mode):
    result = check_gradient(np.sum, np.array([1e300, 1.0]), np.array([1.0, 1e250]), mode=mode)
    assert result.status == "inconclusive"


def test_inconclusive_raises_in_assert_with_reason_and_remedy():
    with pytest.raises(GradCheckError) as info:
        assert_gradient_close(np.sum, np.array([1e300, 1.0]), np.array([1.0, 1e250]))
    text = str(info.value)
    assert text.startswith("gradient check INCONCLUSIVE at x[1]")
    assert "what to try" in text and "float64" in text
