"""gradlab.strategies: the drawn values have the promised properties."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import gradlab as gl
from gradlab import strategies as gst


@given(gst.finite_arrays(away_from=0.0, margin=0.1))
def test_finite_arrays_keep_away_from_the_kink(x):
    assert np.isfinite(x).all() and np.all(np.abs(x) >= 0.1) and np.all(np.abs(x) <= 10)


@given(gst.finite_arrays((3, 2), dtype=np.float32))
def test_finite_arrays_shape_and_dtype(x):
    assert x.shape == (3, 2) and x.dtype == np.float32


@given(gst.logits())
def test_logits_give_a_stable_softmax(a):
    y = gl.softmax(a)
    assert np.isfinite(y).all() and np.allclose(y.sum(axis=-1), 1.0)


@given(gst.probability_rows())
def test_probability_rows_sum_to_one(y):
    assert np.all(y >= 0) and np.allclose(y.sum(axis=-1), 1.0)


@given(gst.classification_batches(square=True))
def test_classification_batches_agree(batch):
    y, labels, hot = batch
    assert y.shape == hot.shape and y.shape[0] == y.shape[1]
    assert np.array_equal(np.argmax(hot, axis=1), labels)


@given(gst.two_layer_net_params())
def test_two_layer_net_params_have_nonzero_biases(p):
    assert p["W1"].shape[1] == p["b1"].shape[0] == p["W2"].shape[0]
    assert p["W2"].shape[1] == p["b2"].shape[0]
    assert np.any(p["b1"] != 0) and np.any(p["b2"] != 0)


@given(gst.smooth_problems(), st.sampled_from(["full", "fast"]))
def test_smooth_problems_grad_is_exact(problem, mode):
    f, x, grad = problem
    # the gradient is the exact derivative: the checker passes it ...
    assert gl.check_gradient(f, x, grad, mode=mode).ok
    # ... and f, grad do not touch x
    before = x.copy()
    f(x), grad(x)
    assert np.array_equal(before, x)
