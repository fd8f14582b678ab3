"""check_gradient refuses or explains bad input, and never leaves the caller's arrays changed."""

import numpy as np
import pytest
from helpers import assert_unchanged, snapshot

import gradlab as gl
from gradlab import check_gradient

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def sq(x):
    return np.sum(x ** 2)


def test_integer_x_refused():
    with pytest.raises(TypeError, match=r"integer dtype.*astype\(np.float64\)"):
        check_gradient(sq, np.array([3, 4]), np.array([6.0, 8.0]))


def test_list_x_means_f_of_star_x_and_says_so_when_f_takes_one_array():
    with pytest.raises(TypeError, match=r"f is called as f\(\*x\).*np.asarray\(x\)"):
        check_gradient(sq, [1.0, 2.0], [2.0, 4.0])


@pytest.mark.parametrize("dtype, rel", [(np.float32, "2.4e-05"), (np.float16, "9.8e-03")])
def test_narrow_dtype_noted_with_expected_error_not_warned(dtype, rel):
    x = np.array([1.0, 2.0], dtype=dtype)
    result = check_gradient(sq, x, 2 * x)  # pyproject turns any GradlabWarning into an error
    assert any(f"eps**(2/3) = {rel}" in n for n in result.notes)
    assert result.dtype == np.dtype(dtype).name


def test_read_only_x_refused():
    x = np.array([1.0, 2.0])
    x.flags.writeable = False
    with pytest.raises(ValueError, match="read-only.*copy"):
        check_gradient(sq, x, 2 * x)


def test_closure_idiom_works_and_params_restored_bit_for_bit(rng):
    net = gl.TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=2)
    net.params["b1"][0] = -0.0  # restoring must keep the sign bit too
    xb, tb = rng.normal(size=(3, 5)), np.array([0, 2, 1])
    before = snapshot(*net.params.values())
    for mode in ("full", "fast"):
        assert check_gradient(lambda W: net.loss(xb, tb), net.params, net.gradient(xb, tb),
                              mode=mode).ok
        assert_unchanged(before, *net.params.values())


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_x_restored_when_f_raises(mode):
    x = np.array([1.0, -0.0, 3.0])
    before = snapshot(x)
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return np.sum(x ** 2)

    with pytest.raises(RuntimeError, match="boom"):
        check_gradient(f, x, 2 * x, mode=mode)
    assert_unchanged(before, x)


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_f_ignoring_x_explains_the_aliasing_idiom(rng, mode):
    net = gl.TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=2)
    xb, tb = rng.normal(size=(3, 5)), np.array([0, 2, 1])
    copies = {k: v.copy() for k, v in net.params.items()}  # the classic mistake
    result = check_gradient(lambda W: net.loss(xb, tb), copies, net.gradient(xb, tb), mode=mode)
    assert not result.ok and result.cause == "ignores_x"
    assert "lambda W: net.loss(x, t)" in str(result) and "IN PLACE" in str(result)


def test_f_mutating_x_detected():
    x = np.array([1.0, 2.0])
    before = snapshot(x)

    def f(x):
        value = np.sum(x ** 2)
        x[1] += 0.5
        return value

    with pytest.raises(ValueError, match=r"f modified x in place \(x\[1\]"):
        check_gradient(f, x, 2 * x)
    assert_unchanged(before, x)


def test_grad_mutating_x_detected():
    params = {"W": np.array([1.0, 2.0])}
    before = snapshot(params["W"])

    def grad(p):
        p["W"] *= 2
        return {"W": 2 * p["W"]}

    with pytest.raises(ValueError, match=r"grad modified x in place \(W\[0\]"):
        check_gradient(lambda p: np.sum(p["W"] ** 2), params, grad)
    assert_unchanged(before, params["W"])


def test_nan_in_grad_named_with_where():
    params = {"W": np.ones((2, 2)), "b": np.ones(2)}
    grad = {"W": 2 * np.ones((2, 2)), "b": np.array([2.0, np.nan])}
    with pytest.raises(ValueError, match=r"grad\['b'\] contains nan at index \(1,\)"):
        check_gradient(lambda p: np.sum(p["W"] ** 2) + np.sum(p["b"] ** 2), params, grad)


def test_nan_at_x_refused_with_where():
    with pytest.raises(ValueError, match=r"f returned nan at x; the function is not finite"):
        check_gradient(lambda x: np.nan, np.array([1.0, 2.0]), np.ones(2))


def test_nan_beside_x_is_judged_one_sided_and_named():
    # f is not finite to the right of x[2] = 3: the left side judges it, and the report
    # names the step that was dropped
    x = np.array([1.0, 2.0, 3.0])
    f = lambda x: np.sum(x) if x[2] <= 3.0 else np.nan  # noqa: E731
    result = check_gradient(f, x, np.ones(3))
    assert result.ok, str(result)
    # 3 * 1.21e-5 on float32's grid (x is float32 data: gradlab.check.steps)
    assert any("f returned nan at x[2] + 3.81e-05" in n for n in result.notes), result.notes
    assert check_gradient(f, x, np.array([1.0, 1.0, 1.1])).status == "fail"


def test_inf_in_x_named():
    with pytest.raises(ValueError, match=r"non-finite value \(inf at x\[1\]\)"):
        check_gradient(sq, np.array([1.0, np.inf]), np.zeros(2))


def test_non_scalar_f_refused():
    with pytest.raises(ValueError, match=r"shape \(2,\) at x.*np.sum"):
        check_gradient(lambda x: x ** 2, np.array([1.0, 2.0]), np.array([2.0, 4.0]))


@pytest.mark.parametrize("grad, match", [
    (np.ones(3), r"grad has shape \(3,\) but x has shape \(2,\)"),
    ({"W": np.ones(2)}, r"grad must be a dict|must be a numeric"),
    (np.array(["a", "b"]), "numeric array"),
])
def test_bad_grad_refused(grad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        check_gradient(sq, np.array([1.0, 2.0]), grad)


def test_grad_keys_must_match():
    with pytest.raises(ValueError, match=r"grad has keys \['V'\] but x has keys \['W'\]"):
        check_gradient(lambda p: 0.0, {"W": np.ones(2)}, {"V": np.ones(2)})


@pytest.mark.parametrize("opts, match", [
    ({"mode": "quick"}, "mode must be one of"), ({"method": "forward"}, "method must be one of"),
    ({"h": -1.0}, "h must be a positive"), ({"safety": 0.5}, "safety must be"),
    ({"k": 0}, "k must be a positive"), ({"worst": 0}, "worst must be"),
])
def test_bad_options_refused(opts, match):
    with pytest.raises(ValueError, match=match):
        check_gradient(sq, np.array([1.0, 2.0]), np.array([2.0, 4.0]), **opts)


def test_f_not_callable_refused():
    with pytest.raises(TypeError, match="f must be a callable"):
        check_gradient(3.0, np.array([1.0]), np.array([0.0]))
