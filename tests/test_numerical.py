"""numerical_diff and numerical_gradient: accuracy from the error model, restoration, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradlab as gl
from gradlab import reference as ref
from gradlab.strategies import finite_arrays, shapes
from tests.helpers import assert_unchanged, snapshot

EPS64 = np.finfo(np.float64).eps
H = 1e-4


def fd_error_bound(h, f_value_scale, third_derivative_scale, eps=EPS64, safety=4.0):
    """Central-difference error model: truncation h²|f'''|/6 + roundoff eps|f|/h.

    The roundoff term counts the two evaluations of f (each off by ~eps|f|) divided by 2h,
    plus the rounding of the step; ``safety`` covers the constants these bounds drop.
    """
    return safety * (h**2 * third_derivative_scale / 6 + eps * f_value_scale / h)


def test_book_demo_numerical_diff():
    # Section 4.3.3: the partial derivative of x0² + x1² at x0 = 3 (x1 = 4) is 6.
    def function_tmp1(x0):
        return x0 * x0 + 4.0**2.0

    # f''' = 0, so only roundoff remains: |f| = 25 -> bound ~ 4 * 2.2e-16 * 25 / 1e-4.
    assert abs(gl.numerical_diff(function_tmp1, 3.0) - 6.0) <= fd_error_bound(H, 25.0, 0.0)


def test_numerical_diff_of_the_book_function_1():
    # function_1 = 0.01x² + 0.1x; df/dx at 5 is 0.2, at 10 is 0.3 (section 4.3.2).
    def f(x):
        return 0.01 * x**2 + 0.1 * x

    assert abs(gl.numerical_diff(f, 5.0) - 0.2) <= fd_error_bound(H, 0.5, 0.0)
    assert abs(gl.numerical_diff(f, 10.0) - 0.3) <= fd_error_bound(H, 2.0, 0.0)


@given(x=finite_arrays(bound=5.0))
def test_numerical_diff_elementwise_sigmoid(x):
    # sigmoid: |f| <= 1 and |f'''| <= 1/8, so the bound is ~ 4*(1e-8/48 + 2.2e-12).
    np.testing.assert_allclose(gl.numerical_diff(gl.sigmoid, x), ref.sigmoid_grad(x), rtol=0,
                               atol=fd_error_bound(H, 1.0, 0.125))


def test_numerical_diff_rejects_bad_steps_and_nan():
    with pytest.raises(ValueError, match="h must be a positive finite step"):
        gl.numerical_diff(np.sin, 1.0, h=0.0)
    with pytest.raises(ValueError, match="f returned nan"), np.errstate(invalid="ignore"):
        gl.numerical_diff(np.log, 0.0)


def test_book_demo_numerical_gradient_of_function_2():
    def function_2(x):
        return np.sum(x**2)

    for point, expected in [([3.0, 4.0], [6.0, 8.0]), ([0.0, 2.0], [0.0, 4.0]),
                            ([3.0, 0.0], [6.0, 0.0])]:
        grad = gl.numerical_gradient(function_2, np.array(point))
        np.testing.assert_allclose(grad, expected, rtol=0, atol=fd_error_bound(H, 25.0, 0.0))


@given(x=finite_arrays(shape=shapes(min_dims=0, max_dims=3), bound=3.0))
def test_numerical_gradient_any_shape_matches_jax(x):
    # f = sum(sigmoid(x) * w): |f'''| <= |w|/8 per element, |f| <= sum|w|.
    w = np.linspace(-1.0, 2.0, x.size).reshape(x.shape)

    def f(v):
        return np.sum(gl.sigmoid(v) * w)

    before = snapshot(x)
    grad = gl.numerical_gradient(f, x)
    assert grad.shape == x.shape and grad.dtype == x.dtype
    exact = ref.sigmoid_grad(x) * w
    bound = fd_error_bound(H, float(np.sum(np.abs(w))) + 1, float(np.max(np.abs(w))) / 8)
    np.testing.assert_allclose(grad, exact, rtol=0, atol=bound)
    assert_unchanged(before, x)


def test_numerical_gradient_works_through_the_closure_idiom():
    # f ignores its argument and reads W through a closure, as `lambda W: net.loss(x, t)`.
    W = np.array([[1.0, -2.0], [0.5, 3.0]])

    def f(_):
        return np.sum(W**3)

    grad = gl.numerical_gradient(f, W)
    np.testing.assert_allclose(grad, 3 * W**2, rtol=1e-7)


def test_numerical_gradient_restores_x_bit_for_bit_on_a_non_contiguous_view():
    base = np.random.default_rng(0).normal(size=(4, 6))
    view = base[:, ::2]
    before = snapshot(base)
    grad = gl.numerical_gradient(lambda v: np.sum(np.sin(v)), view)
    np.testing.assert_allclose(grad, np.cos(view), rtol=0, atol=fd_error_bound(H, 12.0, 1.0))
    assert_unchanged(before, base)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([0.1, 0.2, 0.3])
    before = snapshot(x)
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return np.sum(v)

    with pytest.raises(RuntimeError, match="boom"):
        gl.numerical_gradient(f, x)
    assert_unchanged(before, x)


def test_numerical_gradient_refuses_integers_and_says_why():
    with pytest.raises(TypeError, match=r"integer dtype.*\[25000, 35000\].*astype"):
        gl.numerical_gradient(lambda x: np.sum(x**2), np.array([3, 4]))


def test_book_integer_bug_is_real():
    # What the book's loop does on an integer array: x[idx] = 3 + 1e-4 truncates to 3,
    # so f(x+h) - f(x-h) is computed at 3 and 2 and divided by 2e-4.
    x = np.array([3, 4])
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp = x[idx]
        x[idx] = float(tmp) + H
        fxh1 = np.sum(x**2)
        x[idx] = tmp - H
        fxh2 = np.sum(x**2)
        grad[idx] = (fxh1 - fxh2) / (2 * H)
        x[idx] = tmp
    np.testing.assert_array_equal(grad, [25000, 35000])


def test_float32_warns_with_the_expected_error():
    x = np.array([0.5, -0.25], dtype=np.float32)
    with pytest.warns(gl.PrecisionWarning, match=r"roundoff error.*eps\*\|f\|/h = 1.2e-03"):
        grad = gl.numerical_gradient(lambda v: np.sum(v * v), x)
    assert grad.dtype == np.float32


def test_precision_warning_points_at_the_user_even_from_inside_gradlab():
    # gradient_descent -> numerical_gradient -> warn: the warning names this file's line.
    with pytest.warns(gl.PrecisionWarning) as caught:
        gl.gradient_descent(lambda v: np.sum(v * v), np.array([0.5], dtype=np.float32),
                            step_num=1)
    assert {w.filename for w in caught} == {__file__}


def test_float16_step_is_lost_to_rounding():
    # float16 numbers near 0.5 are 4.9e-4 apart: 0.5 + 1e-4 rounds back to 0.5.
    x = np.array([0.5], dtype=np.float16)
    with pytest.warns(gl.PrecisionWarning), pytest.raises(gl.StepLostError, match="lost to rou"):
        gl.numerical_gradient(lambda v: np.sum(v * v), x)


def test_float32_error_is_about_what_the_warning_says():
    x = np.array([0.7, -0.3, 1.1], dtype=np.float32)
    with pytest.warns(gl.PrecisionWarning):
        grad = gl.numerical_gradient(lambda v: np.sum(np.exp(v)), x)
    exact = np.exp(x.astype(np.float64))
    # eps32 |f| / h ~ 1.2e-7 * 5.4 / 1e-4 = 6e-3: the error is that size, not 1e-8.
    err = np.max(np.abs(grad - exact))
    assert 1e-5 < err < 4 * np.finfo(np.float32).eps * 5.4 / H


@pytest.mark.parametrize(
    "f, x, error, message",
    [
        (lambda v: v * 2, np.array([1.0, 2.0]), ValueError,
         r"f returned an array of shape \(2,\).*a scalar function is needed"),
        (lambda v: np.nan, np.array([1.0]), ValueError, "returned nan"),
        (lambda v: np.sum(v), np.array([]), ValueError, "x is empty"),
        (lambda v: np.sum(v), np.array([1e13]), gl.StepLostError, "x \\+ h == x"),
        (lambda v: np.sum(v), np.array([True]), TypeError, "integer dtype|floating"),
    ],
)
def test_numerical_gradient_bad_input(f, x, error, message):
    with pytest.raises(error, match=message):
        gl.numerical_gradient(f, x)


def test_numerical_gradient_refuses_read_only_arrays():
    x = np.array([1.0, 2.0])
    x.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        gl.numerical_gradient(np.sum, x)


@given(h=st.floats(1e-6, 1e-2))
def test_step_actually_represented_is_used(h):
    # At x = 1e4 the step h is rounded when stored; dividing by the stored difference keeps a
    # linear function's slope exact to rounding, dividing by 2h would not.
    x = np.array([1e4 + 0.1])
    grad = gl.numerical_gradient(lambda v: 3.0 * v[0], x, h=h)
    np.testing.assert_allclose(grad, [3.0], rtol=1e-10)


# --- messages, word for word, and an f that misbehaves ---------------------------------------

STEP_LOST_AT_1E13 = (
    "x[1] = 1e+13: x + h == x in float64, because h = 0.0001 is below the spacing of float64 "
    "numbers there (0.00195), so the step is lost to rounding. Use a wider dtype, a larger h, "
    "or rescale x (gradient descent that diverged ends here).")


@pytest.mark.parametrize("differentiate", [gl.numerical_gradient, gl.numerical_diff])
def test_step_lost_message(differentiate):
    with pytest.raises(gl.StepLostError) as info:
        differentiate(np.sum if differentiate is gl.numerical_gradient else np.negative,
                      np.array([0.5, 1e13]))
    assert str(info.value) == STEP_LOST_AT_1E13


def test_step_lost_names_the_dtype_of_a_complex_x():
    with pytest.raises(gl.StepLostError, match=r"^x\[1, 0\] = 1e\+13: x \+ h == x in complex128"):
        gl.numerical_diff(lambda v: v, np.array([[0.5], [1e13 + 0j]]))


def test_float32_warning_word_for_word_and_pointing_out_of_gradlab():
    # It must name the caller's line, not one inside gradlab (mutmut's trampolines sit in
    # between: "outside gradlab" holds there too, "this file" would not).
    import os

    with pytest.warns(gl.PrecisionWarning) as caught:
        gl.numerical_gradient(np.sum, np.ones(2, np.float32))
    assert str(caught[0].message) == (
        "x is float32: with h = 0.0001 the roundoff error of each partial derivative is about "
        "eps*|f|/h = 1.2e-03 x |f(x)| (eps = 1.2e-07). Use x.astype(np.float64) for a "
        "trustworthy gradient, or h ~ eps**(1/3) = 5e-03.")
    package = os.path.dirname(os.path.abspath(gl.__file__))
    assert not os.path.abspath(caught[0].filename).startswith(package + os.sep)


@pytest.mark.parametrize("f, x, error, message", [
    (np.log, np.array([1.0, 0.0]), gl.GradlabValueError,
     "f returned nan or inf within h = 0.0001 of x[1]; the derivative is undefined there."),
    (np.log, 0.0, gl.GradlabValueError,
     "f returned nan at x - h; the derivative is undefined there."),
    (np.sum, np.ones((2, 2)), gl.GradlabValueError,
     "f returned shape () at x + h for x of shape (2, 2); numerical_diff applies f "
     "elementwise, so it must return an array of x's shape (use numerical_gradient for a "
     "scalar f)."),
    (lambda v: "y", np.ones(2), gl.GradlabTypeError,
     "f returned str at x + h; numerical_diff applies f elementwise, so it must return an "
     "array of x's shape (2,)."),
    (lambda v: [[1.0], [1.0, 2.0]], np.ones(2), gl.GradlabTypeError,
     "f returned list at x + h; numerical_diff applies f elementwise, so it must return an "
     "array of x's shape (2,)."),
])
def test_numerical_diff_messages(f, x, error, message):
    with pytest.raises(error) as info, np.errstate(all="ignore"):
        gl.numerical_diff(f, x)
    assert type(info.value) is error and str(info.value) == message


def test_numerical_diff_passes_a_scalar_for_scalar_x_and_arrays_for_arrays():
    seen = []
    gl.numerical_diff(lambda v: seen.append(type(v)) or v, 2.0)
    gl.numerical_diff(lambda v: seen.append(type(v)) or v, np.ones(3))
    assert seen == [np.float64, np.float64, np.ndarray, np.ndarray]
    assert isinstance(gl.numerical_diff(lambda v: v * v, 3.0), np.float64)


def _modifying(when):
    """An f that changes its argument only in one of its calls (see the tests below)."""
    def f(v):
        if when(v):
            v[-1] += 1.0
        return float(np.sum(v))
    return f


@pytest.mark.parametrize("case, f", [
    ("at x + h, the perturbed element", _modifying(lambda v: v[-1] > 2.0 and v[0] == 1)),
    ("at x - h, the perturbed element", _modifying(lambda v: 1.9 < v[-1] < 2.0)),
    ("another element, keeping its sign", _modifying(lambda v: v[0] != 1.0)),
])
def test_an_f_that_modifies_x_anywhere_and_anytime_is_caught(case, f):
    x = np.array([1.0, 2.0])
    with pytest.raises(gl.GradlabValueError, match="^f modified x; numerical_gradient "
                                                   "perturbs x itself"):
        gl.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_a_bad_value_on_one_side_only_is_named_with_its_side():
    def f(v):  # fine at x + h, None at x - h
        return None if v[0] < 1.0 else float(np.sum(v))

    with pytest.raises(gl.GradlabTypeError, match=r"^f returned None \(NoneType\) at x\[0\] - h"):
        gl.numerical_gradient(f, np.array([1.0]))

    def g(v):  # complex at x + h only
        return complex(v[0], 1.0) if v[0] > 1.0 else float(v[0])

    with pytest.raises(gl.GradlabTypeError, match=r"^f returned a complex number at x\[0\] "
                                                  r"\+/- h for real x"):
        gl.numerical_gradient(g, np.array([1.0]))


def test_non_float64_outputs_take_the_slow_path_to_the_same_numbers():
    x = np.array([0.5, -1.5])
    fast = gl.numerical_gradient(lambda v: float(np.sum(v**2)), x.copy())
    slow = gl.numerical_gradient(lambda v: np.array([np.sum(v**2)]), x.copy())  # shape (1,)
    assert np.array_equal(fast, slow)
    complex_x = gl.numerical_gradient(lambda v: np.sum(v**2), x.astype(complex))
    np.testing.assert_allclose(complex_x, 2 * x, rtol=1e-9)
