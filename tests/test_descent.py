"""gradient_descent: the book's demos, divergence, and no mutation of init_x."""

import numpy as np
import pytest

import gradlab as gl


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def test_book_demo_reaches_the_minimum():
    # Each step multiplies x by (1 - 2 lr) = 0.8: after 100 steps |x| ~ 5 * 0.8**100 = 1e-9.
    x = gl.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [0.0, 0.0], rtol=0, atol=5 * 0.8**100 * 1.01)
    assert np.linalg.norm(x) > 0  # not exactly 0: the book prints [-6.1e-10, 8.1e-10]


def test_large_learning_rate_diverges_with_a_warning():
    # lr = 10 multiplies x by -19 per step. The book prints [-2.6e13, -1.3e12] as if it had
    # converged somewhere: x + h == x there, so its numerical gradient is silently 0.
    with pytest.warns(gl.DivergenceWarning, match="diverged after .* steps.*smaller learning"):
        x, path = gl.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=10.0,
                                      return_path=True)
    assert np.max(np.abs(x)) > 1e10
    assert len(path) < 101
    assert np.all(np.abs(np.diff(np.linalg.norm(path, axis=1))) > 0)  # it kept growing


def test_tiny_learning_rate_barely_moves():
    # lr = 1e-10: each step moves x by 2e-10 * x, 100 steps by ~ 2e-8 * |x|.
    init = np.array([-3.0, 4.0])
    x = gl.gradient_descent(function_2, init, lr=1e-10, step_num=100)
    assert 0 < np.max(np.abs(x - init)) < 1e-7


def test_init_x_is_never_mutated():
    init = np.array([-3.0, 4.0])
    gl.gradient_descent(function_2, init, lr=0.1)
    np.testing.assert_array_equal(init, [-3.0, 4.0])


def test_path_starts_at_init_and_ends_at_result():
    init = np.array([-3.0, 4.0])
    x, path = gl.gradient_descent(function_2, init, lr=0.1, step_num=20, return_path=True)
    assert path.shape == (21, 2)
    np.testing.assert_array_equal(path[0], init)
    np.testing.assert_array_equal(path[-1], x)
    np.testing.assert_allclose(path[1], init * 0.8, rtol=1e-7)


def test_integer_start_is_promoted_not_truncated():
    x = gl.gradient_descent(function_2, np.array([-3, 4]), lr=0.1)
    assert x.dtype == np.float64 and np.max(np.abs(x)) < 1e-8


def test_zero_steps_return_a_copy_of_init():
    init = np.array([1.0, 2.0])
    x = gl.gradient_descent(function_2, init, step_num=0)
    np.testing.assert_array_equal(x, init)
    assert x is not init


@pytest.mark.parametrize(
    "kwargs, message",
    [({"lr": -0.1}, "lr must be a positive"), ({"lr": np.nan}, "lr must be a positive"),
     ({"step_num": 2.5}, "step_num must be"), ({"step_num": -1}, "step_num must be")],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gl.gradient_descent(function_2, np.array([1.0, 1.0]), **kwargs)


def test_bad_start():
    with pytest.raises(ValueError, match="init_x contains a non-finite"):
        gl.gradient_descent(function_2, np.array([np.nan, 1.0]))


def test_the_book_defaults_are_lr_001_and_100_steps():
    # each step multiplies x by 1 - 2 lr = 0.98; the numerical gradient of this quadratic
    # is exact to ~eps |f| / h = 5e-11, so 100 steps land within 1e-8 of 0.98**100 x0
    x, path = gl.gradient_descent(function_2, np.array([-3.0, 4.0]), return_path=True)
    np.testing.assert_allclose(x, np.array([-3.0, 4.0]) * 0.98**100, rtol=0, atol=1e-8)
    assert path.shape == (101, 2)


def test_an_iterate_that_overflows_stops_at_the_last_finite_point():
    with pytest.warns(gl.DivergenceWarning) as caught:
        x, path = gl.gradient_descent(lambda v: np.sum(v * v), np.array([1.0]), lr=1e308,
                                      return_path=True)
    assert str(caught[0].message) == (
        "gradient descent diverged after 1 steps (lr = 1e+308; max |x| = inf); stopped there. "
        "Use a smaller learning rate.")
    np.testing.assert_array_equal(x, [1.0])
    assert path.shape == (1, 1)


def test_divergence_message_word_for_word_and_pointing_out_of_gradlab():
    import os

    with pytest.warns(gl.DivergenceWarning) as caught:
        gl.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=10.0)
    assert str(caught[0].message) == (
        "gradient descent diverged after 9 steps (lr = 10; max |x| = 1.31e+12); stopped there. "
        "Use a smaller learning rate.")
    package = os.path.dirname(os.path.abspath(gl.__file__))
    assert not os.path.abspath(caught[0].filename).startswith(package + os.sep)
