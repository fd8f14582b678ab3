"""Every correct convention passes and is named; a valid different one warns; a wrong
number under every convention fails with its likely cause (fixtures/terms/conventions)."""

from __future__ import annotations

import numpy as np
import pytest
from terms_support import TERMS, verify

from gradlab.conformance import conventions as cv


@pytest.fixture(scope="module")
def target():
    return verify(TERMS / "conventions")


def test_a_mean_squared_error_that_is_a_mean_warns_and_is_named(target):
    record = target.of("mean_squared_error.values")
    assert record.status == "warn" and "np.mean((y - t)**2)" in record.message


def test_a_cross_entropy_without_delta_passes_and_warns_only_at_log_zero(target):
    statuses = target.statuses("cross_entropy_error", "losses.py")
    assert statuses.pop("cross_entropy_error.zero_probability") == "warn"
    assert set(statuses.values()) == {"pass"}
    assert "no delta" in target.of("cross_entropy_error.batch_labels", "losses.py").message


def test_a_missing_division_by_n_is_named_and_not_blamed_on_delta(target):
    record = target.of("cross_entropy_error.batch_one_hot", "old_losses.py")
    assert record.status == "fail"
    assert "not divided by the batch size N" in record.message
    zero = target.of("cross_entropy_error.zero_probability", "old_losses.py")
    assert zero.status == "skip" and "already wrong" in zero.message
    assert "delta" not in zero.message


def test_the_closure_failure_of_a_copying_gradient_says_it_perturbs_a_copy(target):
    record = target.of("numerical_gradient.closure", "copying.py")
    assert record.status == "fail" and "perturbs a copy" in record.message
    assert target.of("numerical_gradient.matrix", "copying.py").status == "pass"


def test_a_gradient_that_perturbs_whole_rows_is_named_and_its_closure_failure_follows(target):
    matrix = target.of("numerical_gradient.matrix", "gradients.py")
    assert matrix.status == "fail" and "perturbs whole rows" in matrix.message
    closure = target.of("numerical_gradient.closure", "gradients.py")
    assert closure.status == "fail" and "perturbs a copy" not in closure.message
    assert "wrong on any 2-D x" in closure.message


def test_simplenet_with_a_delta_free_loss_passes_the_books_demo(target):
    record = target.of("SimpleNet.gradient")
    assert record.status == "pass" and "no delta" in record.message
    assert "self.W" not in record.message


@pytest.mark.parametrize("delta", [0.0, 1e-7, 1e-10, 3e-5])
def test_the_delta_of_a_cross_entropy_is_found_from_its_value(delta):
    y, t = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]), np.array([1, 2])
    got = -np.mean(np.log(y[[0, 1], t] + delta))
    found = cv.ce_floor(y, t, got, tol=1e-15)
    assert found == cv.CEConvention("add", delta)
    assert cv.ce_floor(y, t, 2 * got, tol=1e-15) is None  # a sum, not a mean: no delta fits


def test_each_mse_convention_is_told_apart_and_a_wrong_one_fits_none():
    cases = [(np.array([0.1, 0.6, 0.3]), np.array([0.0, 1.0, 0.0])),
             (np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.0, 1.0], [1.0, 0.0]]))]
    for key in cv.MSE_CONVENTIONS:
        got = [cv.mse_value(y, t, key) for y, t in cases]
        assert cv.mse_convention(cases, got, tol=lambda v: 1e-13) == key
    wrong = [0.5 * np.sum((y - t) ** 2) / np.shape(y)[0] for y, t in cases]  # 1-D / C
    assert cv.mse_convention(cases, wrong, tol=lambda v: 1e-13) is None


def test_a_step_function_of_one_number_is_judged_on_numbers(target):
    record = target.of("step_function.values")
    assert record.status == "fail" and "returned None for the number" in record.message
    assert target.of("step_function.search").status == "skip"


def test_a_loss_that_takes_the_labels_first_is_called_that_way(target):
    statuses = target.statuses("cross_entropy_error", "swapped.py")
    assert set(statuses.values()) == {"pass"}
    assert "its arguments come as (t, y)" in target.of("cross_entropy_error.vector",
                                                       "swapped.py").message


@pytest.mark.parametrize("shape", [(), (3,), (2, 5), (4, 3, 2), (300,), (9, 12)])
def test_the_padded_oracle_equals_the_twin(shape):
    """Elementwise twins padded to one size are bit-identical; softmax agrees to a few ulps
    (its row sum runs over more, zero, terms)."""
    from gradlab import reference
    from gradlab.conformance import oracle

    x = np.random.default_rng(len(shape)).normal(0, 30, shape)
    for name in oracle.ELEMENTWISE:
        want = reference.to_numpy(getattr(reference, name)(x))
        assert np.array_equal(oracle.value(name, x), want), name
    if shape:
        want = reference.to_numpy(reference.softmax(x))
        assert np.allclose(oracle.value("softmax", x), want, rtol=8 * np.finfo(float).eps,
                           atol=0)


def test_a_softmax_for_batches_only_warns_and_names_it(target):
    record = target.of("softmax.vector", "batches.py")
    assert record.status == "warn" and record.message.startswith("batches (N, C) only")
    assert target.of("softmax.batch", "batches.py").status == "pass"
    assert target.of("softmax.search", "batches.py").status == "pass"


def test_a_smaller_step_than_the_books_warns(target):
    record = target.of("numerical_diff.values")
    assert record.status == "warn" and "smaller than the book's h = 1e-4" in record.message


def test_another_function_of_the_same_name_is_skipped_with_the_reason(target):
    record = target.of("gradient_descent.function_2", "regression.py")
    assert record.status == "skip" and "another function of the same name" in record.message
