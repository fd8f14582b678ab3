"""Regression tests for the bugs in the study memo gradlab grew from (shared/seed).

The memo's cross-entropy snippets cannot run: ``delta = le-7`` (letter l), the
``bathch_size``/``bathc_size`` misspellings, and a batch version that multiplies one-hot
``t`` by ``y[np.arange(N), t]``. These tests pin what the fixed functions do instead.
"""

import inspect

import numpy as np

import gradlab as gl


def test_delta_is_one_times_ten_to_the_minus_seven():
    assert inspect.signature(gl.cross_entropy_error).parameters["delta"].default == 1e-7
    # A zero probability at the target costs exactly -log(1e-7), finite.
    np.testing.assert_allclose(gl.cross_entropy_error(np.array([0.0, 1.0]), np.array([1, 0])),
                               -np.log(1e-7), rtol=1e-12)


def test_batch_version_divides_by_the_batch_size():
    y = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    t = np.array([1, 0, 1])
    expected = -(np.log(0.8 + 1e-7) + np.log(0.6 + 1e-7) + np.log(0.5 + 1e-7)) / 3
    np.testing.assert_allclose(gl.cross_entropy_error(y, t), expected, rtol=1e-14)


def test_one_hot_batch_is_not_mixed_with_label_indexing():
    # The memo's batch formula with one-hot t indexes y by the 0/1 entries of t and multiplies
    # by t again. On a 2x3 batch that is an IndexError; on a square batch it broadcasts and
    # silently returns a wrong number. gradlab's value is right for both.
    y = np.array([[0.1, 0.7, 0.2], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
    t = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    expected = -(np.log(0.7 + 1e-7) + np.log(0.4 + 1e-7) + np.log(0.5 + 1e-7)) / 3
    np.testing.assert_allclose(gl.cross_entropy_error(y, t), expected, rtol=1e-14)
    np.testing.assert_allclose(gl.cross_entropy_error(y[:2], t[:2]), -(
        np.log(0.7 + 1e-7) + np.log(0.4 + 1e-7)) / 2, rtol=1e-14)
    mixed = -np.sum(t * np.log(y[np.arange(3), t] + 1e-7)) / 3  # what the memo computes
    assert abs(mixed - expected) > 0.1


def test_numerical_gradient_is_not_one_dimensional_only():
    # The memo's numerical_gradient indexes x[idx] with a flat idx: on a 2-D W it perturbs
    # whole rows. gradlab's handles any shape element by element.
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = gl.numerical_gradient(lambda w: np.sum(w**2 * np.array([1.0, 10.0])), W)
    np.testing.assert_allclose(grad, 2 * W * np.array([1.0, 10.0]), rtol=1e-8)
