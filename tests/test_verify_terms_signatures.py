"""verify calls each definition with its own signature: renamed and reordered parameters,
constructors that take sizes or weights (fixtures/terms/own_signatures, not_there)."""

from __future__ import annotations

import pytest
from terms_support import TERMS, verify


@pytest.fixture(scope="module")
def own():
    return verify(TERMS / "own_signatures")


def test_a_swapped_numerical_diff_is_called_in_its_own_order(own):
    record = own.of("numerical_diff.values", "gradient.py")
    assert record.status == "pass"
    assert "numerical_diff(x, f)" in record.message and "not the book's order" in record.message


def test_renamed_rate_and_step_count_reach_the_view_bug(own):
    """gradient_descent(f, init_x, learning_rate, iterate_num) is called, so its real bug
    (x = init_x[:] is a view, moved in place) is found instead of a crash on keywords."""
    assert own.of("gradient_descent.function_2", "gradient.py").status == "pass"
    moved = own.of("gradient_descent.init_x", "gradient.py")
    assert moved.status == "warn" and "init_x[:]" in moved.message


def test_a_step_count_before_the_rate_is_detected_from_names_and_defaults(own):
    record = own.of("gradient_descent.function_2", "descent.py")
    assert record.status == "pass" and "(func, x0, num_step, lr)" in record.message
    assert own.of("gradient_descent.init_x", "descent.py").status == "pass"


def test_a_rate_that_is_ignored_still_fails_at_its_definition(own):
    record = own.of("gradient_descent.function_2", "wrong_descent.py")
    assert record.status == "fail" and "after 20 steps of lr = 0.1" in record.message


def test_a_constructor_taking_rows_and_cols_is_built_with_them(own):
    assert own.statuses("SimpleNet") == {"SimpleNet.predict": "pass", "SimpleNet.loss": "pass",
                                         "SimpleNet.gradient": "pass"}


def test_a_one_hot_only_clamped_cross_entropy_warns_and_names_both(own):
    labels = own.of("cross_entropy_error.batch_labels", "simple_net.py")
    assert labels.status == "warn" and labels.message.startswith("one-hot t only")
    zero = own.of("cross_entropy_error.zero_probability", "simple_net.py")
    assert zero.status == "pass" and "np.clip(y, 1e-12, 1)" in zero.message
    assert not own.failures() or {c for c, _, _ in own.failures()} == {
        "numerical_gradient.integer_input", "gradient_descent.function_2"}


@pytest.fixture(scope="module")
def given_weights():
    return verify(TERMS / "not_there")


def test_a_constructor_taking_the_weights_is_given_them(given_weights):
    assert given_weights.statuses("SimpleNet") == {
        "SimpleNet.predict": "pass", "SimpleNet.loss": "pass", "SimpleNet.gradient": "pass"}


def test_a_zero_probability_clamped_to_1e_15_is_right(given_weights):
    record = given_weights.of("cross_entropy_error.zero_probability")
    assert record.status == "pass" and "np.clip(y, 1e-15, 1)" in record.message
    assert given_weights.of("cross_entropy_error.search").status == "pass"


def test_weights_kept_as_a_lower_case_w_are_found():
    import numpy as np

    import gradlab
    from gradlab.conformance import gradlab_implementation, run_checks

    class LowerW:
        def __init__(self):
            self.w = np.zeros((2, 3))

        def predict(self, x):
            return x @ self.w

        def loss(self, x, t):
            return gradlab.cross_entropy_error(gradlab.softmax(self.predict(x)), t)

    records = run_checks(gradlab_implementation().replace(SimpleNet=LowerW),
                         functions={"SimpleNet"}, examples=2)
    assert {r.status for r in records} == {"pass"}, [(r.check, r.message) for r in records]
