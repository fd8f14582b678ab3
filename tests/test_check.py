"""check_gradient: catches the bug catalogue, passes correct gradients, explains the cause."""

import json

import numpy as np
import pytest
from broken_gradients import BUGS, correct, loss, make_problem

import gradlab as gl
from gradlab import GradCheckError, assert_gradient_close, check_gradient

MODES = ["full", "fast"]


@pytest.fixture
def problem(rng):
    return make_problem(rng)


@pytest.mark.parametrize("mode", MODES)
def test_correct_gradient_passes(problem, mode):
    params, x, t = problem
    result = check_gradient(lambda p: loss(p, x, t), params, correct(params, x, t), mode=mode)
    assert result.ok and result.cause == "ok", str(result)
    assert "passed" in str(result).splitlines()[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bug", sorted(BUGS))
def test_bug_is_caught(problem, bug, mode):
    params, x, t = problem
    claimed = BUGS[bug](params, x, t)
    result = check_gradient(lambda p: loss(p, x, t), params, claimed, mode=mode)
    assert not result.ok and result.cause == "bug", str(result)
    top = result.worst[0]
    assert not top.ok and top.name in params
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


def test_fast_mode_names_single_wrong_element_of_two_layer_net(rng):
    net = gl.TwoLayerNet(20, 8, 5, weight_init_std=0.5, seed=3)
    for v in net.params.values():
        v += rng.normal(scale=0.2, size=v.shape)
    xb, tb = rng.normal(size=(6, 20)), rng.integers(0, 5, 6)
    grads = net.gradient(xb, tb)
    grads["W1"][13, 6] += 1e-4 * np.max(np.abs(grads["W1"]))
    result = check_gradient(lambda W: net.loss(xb, tb), net.params, grads, mode="fast")
    assert not result.ok and result.cause == "bug"
    assert result.worst[0].where == "W1[13, 6]" and not result.worst[0].ok
    assert any(n.startswith("localised by bisection over blocks of parameters: W1[13, 6] (")
               for n in result.notes)
    # 2 at x, 4 directions of 4 evaluations, then ceil(log2 P) bisection probes of 4
    # evaluations and one final 4-evaluation estimate of the element found: not 4P.
    p = sum(v.size for v in net.params.values())
    assert result.evaluations == 2 + 4 * 4 + 4 * int(np.ceil(np.log2(p))) + 4


def test_fast_mode_passes_correct_net_in_18_evaluations(rng):
    net = gl.TwoLayerNet(20, 8, 5, weight_init_std=0.5, seed=3)
    xb, tb = rng.normal(size=(6, 20)), rng.integers(0, 5, 6)
    result = check_gradient(lambda W: net.loss(xb, tb), net.params, net.gradient(xb, tb),
                            mode="fast")
    assert result.ok and result.evaluations == 18
    assert result.slip_probability == pytest.approx(0.1 ** 4)


@pytest.mark.parametrize("mode", MODES)
def test_book_delta_residual_is_explained(rng, mode):
    net = gl.TwoLayerNet(6, 4, 3, weight_init_std=0.5, seed=1)
    xb, tb = rng.normal(size=(5, 6)), rng.integers(0, 3, 5)
    result = check_gradient(lambda W: net.loss(xb, tb), net.params,
                            net.gradient(xb, tb, delta=0), mode=mode)
    assert not result.ok and result.cause == "delta_residual", str(result)
    assert "1e-7" in result.hint
    # and the exact gradient of the same loss passes
    assert check_gradient(lambda W: net.loss(xb, tb), net.params, net.gradient(xb, tb),
                          mode=mode).ok


def test_kink_is_diagnosed():
    x = np.array([0.0, 1.0, -2.0])
    result = check_gradient(lambda x: np.sum(np.maximum(x, 0)), x, (x > 0).astype(float))
    assert not result.ok and result.cause == "kink" and result.worst[0].where == "x[0]"
    assert "kink" in result.hint


def test_nondeterministic_f_is_diagnosed():
    noise = np.random.default_rng(0)
    x = np.array([1.0, 2.0])
    result = check_gradient(lambda x: np.sum(x ** 2) + 1e-3 * noise.normal(), x, 2 * x)
    assert not result.ok and result.cause == "nondeterministic"


def test_float32_near_tolerance_is_roundoff():
    x = np.linspace(0.5, 2.0, 4, dtype=np.float32)
    # |f| ~ 100 while |f'| ~ 0.01: eps|f|/h dwarfs the truncation error
    f = lambda x: np.float32(100) + np.sum(np.sin(x) * np.float32(0.01))  # noqa: E731
    with pytest.warns(gl.PrecisionWarning):
        ok = check_gradient(f, x, np.float32(0.01) * np.cos(x))
    assert ok.ok
    g = np.float32(0.01) * np.cos(x)
    entry = next(e for e in ok.worst if e.index == (0,))
    g[0] += 3 * ok.safety * entry.fd_error  # beyond the tolerance, within rounding's reach
    with pytest.warns(gl.PrecisionWarning):
        result = check_gradient(f, x, g)
    assert not result.ok and result.cause == "roundoff" and "float64" in result.hint


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_methods_agree_and_catch(method):
    x = np.array([0.3, -1.2, 2.0])
    f = lambda x: np.sum(np.sin(x) * np.exp(0.3 * x))  # noqa: E731
    g = np.cos(x) * np.exp(0.3 * x) + 0.3 * np.sin(x) * np.exp(0.3 * x)
    result = check_gradient(f, x, g, method=method)
    assert result.ok and result.method == method
    g[1] *= 1 + 1e-6
    assert not check_gradient(f, x, g, method=method).ok


def test_complex_step_falls_back_and_says_so():
    x = np.array([0.3, -1.2])
    result = check_gradient(lambda x: float(np.sum(x ** 2)), x, 2 * x, method="complex")
    assert result.ok and result.method == "central"
    assert any("fell back to central" in n and "ComplexWarning" in n for n in result.notes)


def test_assert_gradient_close_raises_with_report(problem):
    params, x, t = problem
    f = lambda p: loss(p, x, t)  # noqa: E731
    assert assert_gradient_close(f, params, correct(params, x, t)).ok
    with pytest.raises(GradCheckError, match=r"FAILED at .*\n.*where") as info:
        assert_gradient_close(f, params, BUGS["sign_flip"](params, x, t))
    assert isinstance(info.value, AssertionError)


def test_to_dict_is_json_ready(problem):
    params, x, t = problem
    for mode in MODES:
        result = check_gradient(lambda p: loss(p, x, t), params, BUGS["sign_flip"](
            params, x, t), mode=mode)
        d = json.loads(json.dumps(result.to_dict()))
        assert d["ok"] is False and d["cause"] == "bug" and d["mode"] == mode
        assert d["worst"][0]["name"] in params and "fd_error" in d["worst"][0]
        assert d["report"] == str(result)


def test_grad_may_be_callable(problem):
    params, x, t = problem
    result = check_gradient(lambda p: loss(p, x, t), params, lambda p: correct(p, x, t))
    assert result.ok and result.evaluations >= 4 * 27 + 2  # + refinements where flat


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
        assert not check_gradient(f, x, wrong, mode="fast", seed=seed).ok, seed


def test_float32_inside_f_is_judged_as_float32():
    # x is float64 but f computes and returns float32: the step and roundoff must follow
    # float32, or correct gradients fail (and float32-sized bugs go unseen).
    def f(v):
        return np.float32(np.sum(np.sin(v.astype(np.float32)) * np.float32(30)))

    for seed in range(10):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=8)
        g = 30 * np.cos(x)
        assert check_gradient(f, x, g).ok, seed
        g[rng.integers(8)] += 1e-2 * np.max(np.abs(g))
        assert not check_gradient(f, x, g).ok, seed
