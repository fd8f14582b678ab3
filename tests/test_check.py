"""check_gradient: catches the bug catalogue, passes correct gradients, explains the cause."""

import json

import numpy as np
import pytest
from broken_gradients import BUGS, correct, loss, make_problem

import gradlab as gl
from gradlab import GradCheckError, assert_gradient_close, check_gradient
from gradlab.check import fast_mode_evaluations, full_mode_evaluations, localisation_evaluations

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

MODES = ["full", "fast"]


@pytest.fixture
def problem(rng):
    return make_problem(rng)


@pytest.mark.parametrize("mode", MODES)
def test_correct_gradient_passes(problem, mode):
    params, x, t = problem
    result = check_gradient(lambda p: loss(p, x, t), params, correct(params, x, t), mode=mode)
    assert result.status == "pass" and result.ok and bool(result) and result.cause == "ok"
    assert "passed" in str(result).splitlines()[0]
    assert result.failures == result.inconclusive == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bug", sorted(BUGS))
def test_bug_is_caught(problem, bug, mode):
    params, x, t = problem
    claimed = BUGS[bug](params, x, t)
    result = check_gradient(lambda p: loss(p, x, t), params, claimed, mode=mode)
    assert result.status == "fail" and result.cause == "bug", str(result)
    top = result.worst[0]
    assert top.status == "fail" and not top.ok and top.name in params
    # the element named first really is wrong, judged by the checker's own tolerance there:
    # the numeric value is within it of the exact gradient, the claimed value is not
    exact = correct(params, x, t)[top.name][top.index]
    assert abs(top.analytic - exact) > top.tolerance
    assert abs(top.numeric - exact) <= top.tolerance


def test_full_report_names_parameter_and_index(problem):
    params, x, t = problem
    result = check_gradient(lambda p: loss(p, x, t), params, BUGS["one_element_wrong"](
        params, x, t))
    first = str(result).splitlines()[0]
    assert "W1[2, 1]" in first and "1 of 27 elements wrong" in first
    assert result.failures == 1 and result.worst[0].where == "W1[2, 1]"
    assert "est. FD err" in str(result) and "real bug" in str(result)
    assert [e.status for e in result.worst] == ["fail"] + ["pass"] * 4


def test_full_mode_costs_4p_plus_2_for_a_pass(problem):
    params, x, t = problem
    result = check_gradient(lambda p: loss(p, x, t), params, correct(params, x, t))
    assert result.evaluations == full_mode_evaluations(27) == 4 * 27 + 2
    assert full_mode_evaluations(27, "richardson") == 6 * 27 + 2
    assert full_mode_evaluations(27, "complex") == 27 + 3


def test_numeric_field_is_the_finite_difference_gradient(problem):
    params, x, t = problem
    result = check_gradient(lambda p: loss(p, x, t), params, correct(params, x, t))
    exact = correct(params, x, t)
    for k in params:
        assert result.numeric[k].shape == params[k].shape
        assert np.allclose(result.numeric[k], exact[k], rtol=1e-7, atol=1e-9)
        assert not result.numeric[k].flags.writeable  # the result is built once, read-only
        # each element's detectable error bounds what it could hide, and is positive
        assert np.all(result.detectable[k] > np.abs(result.numeric[k] - exact[k]))
    with pytest.raises(TypeError):
        result.numeric["W1"] = 0  # the containers are read-only too
    with pytest.raises(AttributeError):
        result.status = "pass"


def test_fast_mode_names_single_wrong_element_of_two_layer_net(rng):
    net = gl.TwoLayerNet(20, 8, 5, weight_init_std=0.5, seed=3)
    for v in net.params.values():
        v += rng.normal(scale=0.2, size=v.shape)
    xb, tb = rng.normal(size=(6, 20)), rng.integers(0, 5, 6)
    grads = net.gradient(xb, tb)
    grads["W1"][13, 6] += 1e-4 * np.max(np.abs(grads["W1"]))
    result = check_gradient(lambda W: net.loss(xb, tb), net.params, grads, mode="fast")
    assert result.status == "fail" and result.cause == "bug"
    assert result.worst[0].where == "W1[13, 6]" and not result.worst[0].ok
    assert any(n.startswith("localised by bisection over blocks of parameters: W1[13, 6] (")
               for n in result.notes)
    # 2 at x, 4 directions of 4 evaluations, then ceil(log2 P) bisection probes of 4
    # evaluations and one final 4-evaluation estimate of the element found: not 4P.
    p = sum(v.size for v in net.params.values())
    assert result.evaluations == fast_mode_evaluations(4) + localisation_evaluations(p)
    assert localisation_evaluations(p) == 4 * int(np.ceil(np.log2(p))) + 4


def test_fast_mode_passes_correct_net_in_18_evaluations(rng):
    net = gl.TwoLayerNet(20, 8, 5, weight_init_std=0.5, seed=3)
    xb, tb = rng.normal(size=(6, 20)), rng.integers(0, 5, 6)
    result = check_gradient(lambda W: net.loss(xb, tb), net.params, net.gradient(xb, tb),
                            mode="fast")
    assert result.ok and result.evaluations == 18 == fast_mode_evaluations(4)
    assert result.slip_probability == pytest.approx(0.1 ** 4)
    assert result.numeric is None and result.detectable["W1"].shape == (20, 8)


@pytest.mark.parametrize("mode", MODES)
def test_book_delta_residual_is_explained(rng, mode):
    net = gl.TwoLayerNet(6, 4, 3, weight_init_std=0.5, seed=1)
    xb, tb = rng.normal(size=(5, 6)), rng.integers(0, 3, 5)
    result = check_gradient(lambda W: net.loss(xb, tb), net.params,
                            net.gradient(xb, tb, delta=0), mode=mode)
    assert result.status == "fail" and result.cause == "delta_residual", str(result)
    assert "delta = 1e-7" in result.hint
    # and the exact gradient of the same loss passes
    assert check_gradient(lambda W: net.loss(xb, tb), net.params, net.gradient(xb, tb),
                          mode=mode).ok


def test_kink_is_inconclusive_with_the_conventions():
    x = np.array([0.0, 1.0, -2.0])
    for claim0 in (0.0, 0.5, 1.0):  # JAX, np.maximum, the book: all conventions
        claim = np.array([claim0, 1.0, 0.0])
        result = check_gradient(lambda x: np.sum(np.maximum(x, 0)), x, claim)
        assert result.status == "inconclusive" and result.cause == "kink", str(result)
        assert result.worst[0].where == "x[0]" and result.worst[0].cause == "kink"
        assert "kink" in result.hint and "what to try" in result.hint
    # a value outside the one-sided slopes is no convention: a bug
    result = check_gradient(lambda x: np.sum(np.maximum(x, 0)), x, np.array([3.0, 1.0, 0.0]))
    assert result.status == "fail" and result.worst[0].where == "x[0]"


def test_nondeterministic_f_is_inconclusive():
    noise = np.random.default_rng(0)
    x = np.array([1.0, 2.0])
    result = check_gradient(lambda x: np.sum(x ** 2) + 1e-3 * noise.normal(), x, 2 * x)
    assert result.status == "inconclusive" and result.cause == "nondeterministic"
    assert "not deterministic" in result.hint and "seed" in result.hint


def test_float32_near_tolerance_is_roundoff():
    x = np.linspace(0.5, 2.0, 4, dtype=np.float32)
    # |f| ~ 100 while |f'| ~ 0.01: eps|f|/h dwarfs the truncation error
    f = lambda x: np.float32(100) + np.sum(np.sin(x) * np.float32(0.01))  # noqa: E731
    ok = check_gradient(f, x, np.float32(0.01) * np.cos(x))
    assert ok.ok and any("float32" in n and "eps**(2/3)" in n for n in ok.notes)
    g = np.float32(0.01) * np.cos(x)
    entry = next(e for e in ok.worst if e.index == (0,))
    g[0] += 3 * ok.safety * entry.fd_error  # beyond the tolerance, within rounding's reach
    result = check_gradient(f, x, g)
    assert result.status == "fail" and result.cause == "roundoff" and "float64" in result.hint


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_methods_agree_and_catch(method):
    x = np.array([0.3, -1.2, 2.0])
    f = lambda x: np.sum(np.sin(x) * np.exp(0.3 * x))  # noqa: E731
    g = np.cos(x) * np.exp(0.3 * x) + 0.3 * np.sin(x) * np.exp(0.3 * x)
    result = check_gradient(f, x, g, method=method)
    assert result.ok and result.method == method
    assert result.evaluations == full_mode_evaluations(3, method)
    g[1] *= 1 + 1e-6
    assert check_gradient(f, x, g, method=method).status == "fail"
    # fast mode too, and its cost formula
    fast = check_gradient(f, x, g / np.array([1, 1 + 1e-6, 1]), method=method, mode="fast")
    assert fast.ok and fast.evaluations == fast_mode_evaluations(4, method)


def test_complex_step_catches_what_central_cannot():
    # a relative error of 2e-10: central's float64 accuracy (~eps**(2/3) x safety) cannot
    # see it; complex step (rounding only, ~16 eps) can.
    x = np.array([0.7, -0.4])
    f = lambda x: np.sum(np.exp(2 * x))  # noqa: E731
    g = 2 * np.exp(2 * x) * (1 + 2e-10)
    assert check_gradient(f, x, g).ok
    assert check_gradient(f, x, g, method="complex").status == "fail"


def test_richardson_value_is_more_accurate_than_central():
    # its error is O(h**6) against O(h**4); its bound stays conservative (|R1 - R2| / 15)
    x = np.array([0.7, -0.4])
    f = lambda x: np.sum(np.exp(2 * x))  # noqa: E731
    g = 2 * np.exp(2 * x)
    central, rich = (check_gradient(f, x, g, method=m) for m in ("central", "richardson"))
    assert rich.max_rel_error < central.max_rel_error / 10
    assert np.all(np.abs(rich.numeric - g) <= rich.detectable / (rich.safety + 1))


def test_complex_step_falls_back_and_says_so():
    x = np.array([0.3, -1.2])
    result = check_gradient(lambda x: float(np.sum(x ** 2)), x, 2 * x, method="complex")
    assert result.ok and result.method == "central"
    assert any("fell back to central" in n and "ComplexWarning" in n for n in result.notes)
    closure = check_gradient(lambda _: float(np.sum(x ** 2)), x, 2 * x, method="complex")
    assert closure.method == "central" and any("closure" in n for n in closure.notes)


def test_assert_gradient_close_raises_with_report(problem):
    params, x, t = problem
    f = lambda p: loss(p, x, t)  # noqa: E731
    assert assert_gradient_close(f, params, correct(params, x, t)).ok
    with pytest.raises(GradCheckError, match=r"FAILED at .*\n.*where") as info:
        assert_gradient_close(f, params, BUGS["sign_flip"](params, x, t))
    assert isinstance(info.value, AssertionError)


def test_assert_gradient_close_raises_on_inconclusive_with_what_to_try():
    x = np.array([0.0, 1.0])
    with pytest.raises(GradCheckError, match=r"INCONCLUSIVE at x\[0\](.|\n)*what to try"):
        assert_gradient_close(lambda x: np.sum(np.abs(x)), x, np.array([0.0, 1.0]))


def test_to_dict_is_json_ready(problem):
    params, x, t = problem
    for mode in MODES:
        result = check_gradient(lambda p: loss(p, x, t), params, BUGS["sign_flip"](
            params, x, t), mode=mode)
        d = json.loads(json.dumps(result.to_dict()))
        assert d["ok"] is False and d["status"] == "fail" and d["cause"] == "bug"
        assert d["mode"] == mode and d["kind"] == "gradient"
        assert d["worst"][0]["name"] in params and "fd_error" in d["worst"][0]
        assert d["worst"][0]["status"] == "fail" and d["worst"][0]["detectable"] > 0
        assert d["report"] == str(result)
        assert np.array(d["detectable"]["W1"]).shape == params["W1"].shape


def test_grad_may_be_callable(problem):
    params, x, t = problem
    seen = []

    def grad(p):
        seen.append(p is params)
        return correct(p, x, t)

    result = check_gradient(lambda p: loss(p, x, t), params, grad)
    assert result.ok and seen == [True] and result.evaluations == 4 * 27 + 2


def test_fast_mode_always_catches_what_it_promises_at_the_smallest_step():
    # Steps scale with max(1, |x_i|), so the element with the smallest step is the least
    # visible; the promised "always caught" threshold must hold for it too.
    x = np.array([100.0, 200.0, -150.0, 0.3, 0.5])
    w = np.array([0.5, -1.0, 2.0, 1.5, -0.7])

    def f(v):
        return float(np.sum(w * np.sin(v / 50.0)))

    g = w * np.cos(x / 50.0) / 50.0
    promise = check_gradient(f, x, g, mode="fast", seed=0)
    assert promise.ok
    note = next(n for n in promise.notes if n.startswith("fast mode:"))
    threshold = float(note.split("An error above ")[1].split(" ")[0])
    for seed in range(20):
        wrong = g.copy()
        wrong[3] += 2 * threshold
        assert check_gradient(f, x, wrong, mode="fast", seed=seed).status == "fail", seed
    # the per-element detectable of fast mode holds as well: twice it is caught
    det = promise.detectable
    wrong = g.copy()
    wrong[1] += 2 * det[1]
    assert check_gradient(f, x, wrong, mode="fast", seed=0).status == "fail"


def test_float32_inside_f_is_judged_as_float32():
    # x is float64 but f computes and returns float32: the step and roundoff must follow
    # float32, or correct gradients fail (and float32-sized bugs go unseen).
    def f(v):
        return np.float32(np.sum(np.sin(v.astype(np.float32)) * np.float32(30)))

    for seed in range(10):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=8)
        g = 30 * np.cos(x)
        result = check_gradient(f, x, g)
        assert result.ok and result.dtype == "float32", seed
        g[rng.integers(8)] += 1e-2 * np.max(np.abs(g))
        assert check_gradient(f, x, g).status == "fail", seed
