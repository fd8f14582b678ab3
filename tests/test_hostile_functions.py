"""Hostile input to the activation and loss functions: layouts, dtypes and odd types."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gradlab as gl
from gradlab.strategies import (
    HOSTILE_DTYPES,
    finite_arrays,
    labels,
    layouts_for,
    odd_numbers,
    odd_values,
    probability_rows,
    redtype,
    relayout,
    shapes,
)
from tests.hostile import REFUSE, SAME, check, check_refused, tolerance

UNARY = {"step_function": gl.step_function, "sigmoid": gl.sigmoid,
         "sigmoid_grad": gl.sigmoid_grad, "relu": gl.relu, "relu_grad": gl.relu_grad,
         "identity_function": gl.identity_function, "softmax": gl.softmax}
ARG = {name: "a" if name == "softmax" else "x" for name in UNARY}


def layout_expect(layout: str) -> str:
    """Everything NumPy turns into the same numbers works; a mask gradlab would ignore is
    refused (np.asarray drops it: the hidden values would be computed on)."""
    return REFUSE if layout == "masked" else SAME


def clean_copy(value) -> np.ndarray:
    arr = np.asarray(value)
    return np.array(arr, dtype=np.complex128 if arr.dtype.kind == "c" else np.float64)


def unary_input(data, name):
    return data.draw(finite_arrays(shapes(min_dims=1 if name == "softmax" else 0), bound=5.0))


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_functions_give_the_same_numbers_in_any_layout(name, data):
    x = unary_input(data, name)
    layout = data.draw(st.sampled_from(layouts_for(x)))
    check(UNARY[name], relayout(x, layout), x, ARG[name], layout_expect(layout))


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_functions_in_any_dtype(name, data):
    # bool and integers are promoted to float64 (bit for bit the clean copy's result);
    # narrow floats compute in their own precision, longdouble and complex in theirs.
    x = unary_input(data, name)
    dtype = data.draw(st.sampled_from(HOSTILE_DTYPES))
    hostile = redtype(x, dtype)
    clean = clean_copy(hostile)
    want = UNARY[name](clean)
    check(UNARY[name], hostile, clean, ARG[name], SAME,
          atol=tolerance(dtype, want, 1 + float(np.max(np.abs(clean)))))


@pytest.mark.parametrize("name", UNARY)
@given(value=odd_values())
def test_unary_functions_refuse_odd_types(name, value):
    check_refused(UNARY[name], ARG[name], value)


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_refuse_empty_and_non_finite(name):
    for bad in (np.empty((0, 3)), np.array([1.0, np.nan]), np.array([[np.inf, 1.0]])):
        check_refused(UNARY[name], ARG[name], bad)


# --- losses: two arrays, and the targets' two forms ---------------------------------------

@st.composite
def loss_case(draw):
    """``(y, t_labels, t_one_hot)``: probabilities of shape (C,) or (N, C)."""
    c = draw(st.integers(2, 4))
    shape = draw(st.sampled_from([(c,), (draw(st.integers(1, 4)), c)]))
    y = draw(probability_rows(shape))
    t = draw(labels(shape[:-1], c))
    return y, t, np.eye(c)[t]


@given(case=loss_case(), data=st.data())
def test_losses_give_the_same_numbers_in_any_layout(case, data):
    y, t, hot = case
    layout = data.draw(st.sampled_from(layouts_for(y)))
    expect = layout_expect(layout)
    check(lambda v: gl.cross_entropy_error(v, t), relayout(y, layout), y, "y", expect)
    check(lambda v: gl.cross_entropy_error(y, v), relayout(hot, layout), hot, "t", expect)
    check(lambda v: gl.mean_squared_error(v, hot), relayout(y, layout), y, "y", expect)
    check(lambda v: gl.mean_squared_error(y, v), relayout(hot, layout), hot, "t", expect)
    label_layout = data.draw(st.sampled_from(layouts_for(t)))
    check(lambda v: gl.cross_entropy_error(y, v), relayout(t, label_layout), t, "t",
          layout_expect(label_layout))


@given(case=loss_case(), dtype=st.sampled_from(HOSTILE_DTYPES))
def test_losses_in_any_dtype(case, dtype):
    y, t, hot = case
    for fn, hostile, arg in ((lambda v: gl.cross_entropy_error(v, t), redtype(y, dtype), "y"),
                             (lambda v: gl.mean_squared_error(v, hot), redtype(y, dtype), "y"),
                             (lambda v: gl.mean_squared_error(y, v), redtype(hot, dtype), "t")):
        clean = clean_copy(hostile)
        want = fn(clean)
        # -log(y + 1e-7) <= 16.2 and one class per row: the log's rounding scales with 16.2
        check(fn, hostile, clean, arg, SAME, atol=tolerance(dtype, want, 16.2))


@given(case=loss_case(), dtype=st.sampled_from(HOSTILE_DTYPES))
def test_labels_must_be_integers(case, dtype):
    # Labels are class numbers: any integer dtype works, bool and floats are refused (a
    # float label 1.7 has no class).
    y, t, _ = case
    hostile = redtype(t, dtype)
    expect = SAME if hostile.dtype.kind in "iu" else REFUSE
    check(lambda v: gl.cross_entropy_error(y, v), hostile, t, "t", expect)


@given(case=loss_case(), value=odd_values())
def test_losses_refuse_odd_types(case, value):
    y, t, hot = case
    check_refused(lambda v: gl.cross_entropy_error(v, t), "y", value)
    check_refused(lambda v: gl.cross_entropy_error(y, v), "t", value)
    check_refused(lambda v: gl.mean_squared_error(v, hot), "y", value)
    check_refused(lambda v: gl.mean_squared_error(y, v), "t", value)


@given(case=loss_case(), delta=odd_numbers())
def test_cross_entropy_refuses_odd_deltas(case, delta):
    assume(not (isinstance(delta, int | float) and not isinstance(delta, bool) and delta == 0))
    y, t, _ = case
    check_refused(lambda d: gl.cross_entropy_error(y, t, delta=d), "delta", delta)


@given(case=loss_case(), bad=st.sampled_from([-1, 10, 2**40]))
def test_out_of_range_labels_are_refused_by_every_function_that_reads_labels(case, bad):
    y, t, _ = case
    t = np.array(t)
    t.reshape(-1)[0] = bad
    check_refused(lambda v: gl.cross_entropy_error(y, v), "t", t)
    check_refused(lambda v: gl.one_hot(v, y.shape[-1]), "t", t)


@given(t=labels((3,), 4), layout=st.sampled_from(layouts_for(np.zeros(3))))
def test_one_hot_of_labels_in_any_layout(t, layout):
    check(lambda v: gl.one_hot(v, 4), relayout(t, layout), t, "t", layout_expect(layout))


@given(n=odd_numbers())
def test_one_hot_refuses_odd_class_counts(n):
    check_refused(lambda v: gl.one_hot(np.array([0]), v), "num_classes", n)
