"""The error model itself (gradlab.check.errormodel and .methods), not only its uses."""

import copy

import numpy as np
import pytest

from gradlab.check import errormodel as em
from gradlab.check.full import judge_full, serial_sampler
from gradlab.check.methods import CENTRAL, COMPLEX_STEP, RICHARDSON, base_step
from gradlab.check.problem import setup
from gradlab.strategies import _PHI, random_smooth_problem

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def level(f, x, s, f0=None):
    """A Level of one line from a scalar function at x +- s (steps exactly represented)."""
    fp, fm = np.array([[f(x + s)]]), np.array([[f(x - s)]])
    sp, sm = np.array([(x + s) - x]), np.array([x - (x - s)])
    return em.Level(fp, fm, sp, sm)


@pytest.mark.parametrize("coeffs", [(1.0, -2.0, 0.5, 0.0), (0.3, 1.0, 0.0, 4.0)])
def test_pair_is_exact_on_cubics_and_its_truncation_is_the_error_of_the_smaller_step(coeffs):
    a, b, c, d = coeffs
    f = lambda x: a + b * x + c * x ** 2 + d * x ** 3  # noqa: E731
    x, s = 0.5, 0.25
    est = em.pair(level(f, x, s), level(f, x, s / 2), np.zeros((1, 1)))
    assert est.numeric[0, 0] == pytest.approx(b + 2 * c * x + 3 * d * x ** 2, abs=1e-14)
    # D(s/2) - f' = d (s/2)**2 exactly for a cubic: the truncation estimate equals it
    assert est.truncation[0, 0] == pytest.approx(abs(d) * (s / 2) ** 2, abs=1e-14)
    assert est.roundoff[0, 0] == 0


def test_triple_is_exact_on_quintics_and_bounds_its_error():
    f = lambda x: x ** 5 - 2 * x ** 4  # noqa: E731
    x, s = 0.7, 0.1
    est = em.triple(level(f, x, s), level(f, x, s / 2), level(f, x, s / 4), np.zeros((1, 1)))
    assert est.numeric[0, 0] == pytest.approx(5 * x ** 4 - 8 * x ** 3, abs=1e-12)
    pair = em.pair(level(f, x, s / 2), level(f, x, s / 4), np.zeros((1, 1)))
    assert est.truncation[0, 0] == pytest.approx(abs(pair.numeric[0, 0] - (
        5 * x ** 4 - 8 * x ** 3)), rel=1e-6)  # the error of R(s/2, s/4), to leading order


def test_roundoff_coefficients_of_each_window():
    """Errors of at most delta per evaluation: 3 delta/s (pair), 6.6 (triple), 8 (one-sided)."""
    flat = lambda s: em.Level(np.zeros((1, 1)), np.zeros((1, 1)), np.array([s]),  # noqa: E731
                              np.array([s]))
    delta, s = np.array([[1e-10]]), 0.5
    assert em.pair(flat(s), flat(s / 2), delta).roundoff[0, 0] == pytest.approx(3e-10 / s)
    assert em.triple(flat(s), flat(s / 2), flat(s / 4), delta).roundoff[0, 0] == \
        pytest.approx(6.6e-10 / s)
    one = em.one_sided(flat(s), flat(s / 2), np.zeros(1), delta, 1)
    assert one.roundoff[0, 0] == pytest.approx(8e-10 / s)
    # and the worst case really reaches them: errors +-delta placed adversarially
    worst = em.Level(np.array([[-1e-10]]), np.array([[1e-10]]), np.array([s]), np.array([s]))
    near = em.Level(np.array([[1e-10]]), np.array([[-1e-10]]), np.array([s / 2]),
                    np.array([s / 2]))
    assert abs(em.pair(worst, near, delta).numeric[0, 0]) == pytest.approx(3e-10 / s)


def test_one_sided_differences_both_ways():
    f = lambda x: np.exp(x)  # noqa: E731
    x, s = 0.3, 1e-3
    f0 = np.array([f(x)])
    for side in (1, -1):
        est = em.one_sided(level(f, x, s), level(f, x, s / 2), f0, np.zeros((1, 1)), side)
        assert abs(est.numeric[0, 0] - np.exp(x)) <= est.truncation[0, 0]
        assert est.truncation[0, 0] == pytest.approx(np.exp(x) * s / 4, rel=1e-2)


def test_uneven_represented_steps_use_the_actual_ratio():
    f = lambda x: x ** 3  # noqa: E731
    x = 1.0
    a, b = level(f, x, 0.3), level(f, x, 0.1)  # ratio 3, not 2
    assert em.pair(a, b, np.zeros((1, 1))).numeric[0, 0] == pytest.approx(3.0, abs=1e-13)


@pytest.mark.parametrize("f, x, code", [
    (np.sin, 0.3, 0),                                     # smooth
    (lambda v: abs(v), 0.0, 1),                           # kink at x
    (lambda v: np.floor(v), 1.0, 2),                      # jump at x
    (lambda v: np.floor(v + 0.75e-3), 0.0, 3),            # jump between the steps
])
def test_smoothness_codes(f, x, code):
    f0 = np.array([float(f(x))])
    coarse, fine = level(f, x, 1e-3), level(f, x, 0.5e-3)
    delta = np.array([[1e-16]])
    assert em.smoothness(coarse, fine, f0, delta)[0, 0] == code


def test_insignificant_slope_change_is_not_a_kink():
    # |x| scaled far below rounding: no verdict from noise
    f = lambda v: 1.0 + 1e-20 * abs(v)  # noqa: E731
    f0 = np.array([1.0])
    out = em.smoothness(level(f, 0.0, 1e-3), level(f, 0.0, 5e-4), f0, np.array([[2e-16]]))
    assert out[0, 0] == 0


def test_fourth_difference_vanishes_on_cubics_and_noise_pools_at_the_90th_percentile():
    f = lambda x: 2 + x - x ** 3  # noqa: E731
    f0 = np.array([f(0.2)])
    assert em.fourth_difference(level(f, 0.2, 0.1), level(f, 0.2, 0.05), f0)[0, 0] == \
        pytest.approx(0, abs=16 * 2.2e-16 * 2)  # the rounding of five values
    fourth = np.arange(1.0, 11.0)[:, None]  # 1..10
    assert em.pooled_noise(fourth)[0] == pytest.approx(np.percentile(np.arange(1, 11), 90) / 4)
    assert em.pooled_noise(np.array([[np.nan]]))[0] == 0


def test_pooled_noise_bounds_the_noise_of_one_evaluation():
    rng = np.random.default_rng(1)
    delta = 1e-6  # errors uniform in [-delta, delta]
    fourth = rng.uniform(-delta, delta, (5, 400)) * np.array([1, -4, 6, -4, 1])[:, None]
    noise = em.pooled_noise(fourth.sum(0)[:, None])[0]
    assert delta < noise < 3 * delta


@pytest.mark.parametrize("values, q", [
    ([25.0, 24.0, 26.0, 27.0, 25.0], 1.0),
    ([12.345, 12.346, 12.344, 12.347], 1e-3),
    ([np.float16(1.2345) + k * 2.0 ** -10 for k in range(5)], 2.0 ** -10),
])
def test_quantum_of_a_rounded_f(values, q):
    assert em.quantum(np.array(values, dtype=np.float64), np.finfo(np.float64).eps) == \
        pytest.approx(q)


def test_no_quantum_for_smooth_or_few_values(rng):
    eps = np.finfo(np.float64).eps
    assert em.quantum(np.sin(rng.normal(size=40)), eps) == 0
    # a linear f stepped by a decimal h: evenly spaced values are the steps', not f's
    assert em.quantum(1 + 1e-5 * np.arange(5.0), eps, steps=[1e-5, 2e-5]) == 0
    assert em.quantum(1 + 1e-5 * np.arange(5.0), eps) == 1e-5
    assert em.quantum(np.array([1.0, 2.0, 3.0]), eps) == 0  # too few to tell
    assert em.quantum(np.zeros(6), eps) == 0


def test_rounding_is_eps_times_f_or_the_floor():
    values = np.array([[[2.0]], [[-4.0]], [[np.nan]]])
    out = em.rounding(values, np.array([1.0]), 1e-16, np.array([0.0]))
    assert out[0, 0] == pytest.approx(4e-16)
    assert em.rounding(values, np.array([1.0]), 1e-16, np.array([1e-9]))[0, 0] == 1e-9


def test_working_dtype_is_the_least_precise():
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    assert em.working_dtype(f32, [f64]) == f32
    assert em.working_dtype(f64, [np.dtype(np.float16)]) == np.float16
    assert em.working_dtype(np.dtype(np.longdouble), [np.dtype(np.longdouble)]) == f64
    assert em.working_dtype(np.dtype(np.complex64), [f64]) == f32
    assert em.working_dtype(np.dtype(np.int64), [f64]) == f64


def test_slip_probability_bound():
    assert em.slip_probability(4, 20.0) == pytest.approx(1e-4)
    assert em.slip_probability(2, 4.0) == pytest.approx(0.25)
    assert em.slip_probability(3, 1.0) == 1.0 and em.slip_probability(3, 0.0) == 1.0


def test_default_steps():
    assert CENTRAL.default_step(np.float64) == pytest.approx(1.2109e-5, rel=1e-3)
    assert CENTRAL.default_step(np.float32) == pytest.approx(9.843e-3, rel=1e-3)
    assert RICHARDSON.default_step(np.float64) == pytest.approx(7.4009e-4, rel=1e-3)
    assert base_step("complex", np.float32) == COMPLEX_STEP == 1e-20
    assert CENTRAL.levels(0) == (0, -1) and RICHARDSON.levels(2) == (2, 1, 0)


def _problem_terms(state):
    """Replays random_smooth_problem's draws from ``state``: (terms, z, the longdouble twin)."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    n, m = int(rng.integers(1, 13)), int(rng.integers(1, 9))
    W, b = rng.normal(size=(m, n)), rng.normal(size=m)
    rng.normal(size=m), rng.uniform(-1, 1, m)
    names = [str(k) for k in rng.choice(list(_PHI), m)]
    x = rng.uniform(-2, 2, n)
    return names, W @ x + b


def test_estimate_bounds_the_true_error_on_random_smooth_problems():
    """The estimated FD error bounds |numeric - exact| for nearly every element.

    Measured on 500 problems (3268 elements, seed 2026): 3 exceptions, worst ratio 1.51,
    far inside SAFETY = 10. All three are single-term problems f = a phi(w.x + b): one
    evaluation's rounding is then that of the argument z = w.x + b, amplified by phi's
    condition number |z phi'(z) / phi(z)| (7.4 for softplus at z = -7.4, where it is
    ~e**z; 3 for z**3/3), more than the eps |f| the model assumes, and five to ten
    coordinates are too few for the pooled fourth-difference noise to see it. Richardson
    has no exception on the same sample. The exact gradient is computed in longdouble.
    """
    rng = np.random.default_rng(2026)
    total, exceptions = 0, []
    for t in range(500):
        state = copy.deepcopy(rng.bit_generator.state)
        f, x, grad = random_smooth_problem(rng)
        twin = np.random.default_rng()
        twin.bit_generator.state = state
        _, xl, gradl = random_smooth_problem(twin, np.longdouble)
        exact = gradl(xl).astype(np.float64)
        p = setup(f, x, grad)
        judged = judge_full(p, "central", base_step("central", p.dtype), em.SAFETY,
                            serial_sampler(p))
        ratio = np.abs(judged.numeric[:, 0] - exact) / judged.error[:, 0]
        total += x.size
        exceptions += [(t, float(r), state) for r in ratio if r > 1]
    assert total == 3268 and len(exceptions) <= 3
    assert max(r for _, r, _ in exceptions) < 2
    for _, _, state in exceptions:
        names, z = _problem_terms(state)
        assert len(names) == 1  # a single term ...
        phi, dphi = _PHI[names[0]]
        assert abs(z[0] * dphi(z[0]) / phi(z[0])) > 2  # ... with an ill-conditioned argument


def test_formulas_hold_at_a_step_ratio_of_three():
    """At ratio 2 some coefficients coincide (rho - 1 = 1, 2 rho**2 = 2 rho 2); at 3 they
    do not: the exact-ratio formulas are the ones used."""
    delta = np.array([[1e-10]])
    q = lambda x: 1.0 + 2 * x + 3 * x ** 2  # noqa: E731
    x, s = 0.5, 0.3
    a, b = level(q, x, s), level(q, x, s / 3)
    one = em.one_sided(a, b, np.array([q(x)]), delta, 1)
    assert one.numeric[0, 0] == pytest.approx(2 + 6 * x, abs=1e-12)  # exact on quadratics
    assert one.truncation[0, 0] == pytest.approx(s, rel=1e-9)  # (F(s) - F(s/3)) / 2 = s
    assert one.roundoff[0, 0] == pytest.approx(2 * 9 * 1e-10 / (2 * s))
    back = em.one_sided(a, b, np.array([q(x)]), delta, -1)
    assert back.numeric[0, 0] == pytest.approx(2 + 6 * x, abs=1e-12)
    c = lambda x: x ** 3  # noqa: E731
    pa, pb = level(c, x, s), level(c, x, s / 3)
    pair = em.pair(pa, pb, delta)
    assert pair.numeric[0, 0] == pytest.approx(3 * x ** 2, abs=1e-12)
    assert pair.truncation[0, 0] == pytest.approx((s / 3) ** 2, rel=1e-9)  # D(s/3) - f'
    assert pair.roundoff[0, 0] == pytest.approx(2e-10 * 28 / (8 * 2 * s))
    quint = lambda x: x ** 5  # noqa: E731
    t = em.triple(level(quint, x, s), level(quint, x, s / 3), level(quint, x, s / 9), delta)
    assert t.numeric[0, 0] == pytest.approx(5 * x ** 4, abs=1e-10)


def test_claims_are_combined_like_the_values():
    # fast mode: a claimed slope per level, extrapolated with the values' weights
    flat = lambda s, c: em.Level(np.zeros((1, 1)), np.zeros((1, 1)), np.array([s]),  # noqa
                                 np.array([s]), np.array([[c]]))
    z = np.zeros((1, 1))
    assert em.pair(flat(1.0, 2.0), flat(0.5, 3.0), z).claimed[0, 0] == pytest.approx(
        (4 * 3 - 2) / 3)
    assert em.triple(flat(1.0, 1.0), flat(0.5, 1.0), flat(0.25, 1.0), z).claimed[0, 0] == \
        pytest.approx(1.0)
    assert em.pair(level(np.sin, 0.1, 0.1), level(np.sin, 0.1, 0.05), z).claimed is None
    assert flat(1.0, 2.0).rows([0]).claim is None  # other levels are compared with h's
