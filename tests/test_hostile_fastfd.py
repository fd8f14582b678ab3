"""Hostile input to the fast finite differences: the two structured kernels refuse alike."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradlab.fastfd import (
    batched_numerical_gradient,
    jax_numerical_gradient,
    parallel_numerical_gradient,
    structured_numerical_gradient,
)
from gradlab.strategies import (
    HOSTILE_DTYPES,
    finite_arrays,
    labels,
    layouts_for,
    odd_numbers,
    odd_values,
    redtype,
    relayout,
    shapes,
)
from tests.helpers import max_rel_diff, random_net
from tests.hostile import REFUSE, SAME, check, check_refused, outcome

SIZES, N = (5, 3, 4), 3


def params_x_t(seed=0):
    rng = np.random.default_rng(seed)
    net = random_net(rng, SIZES)
    return net.params, rng.normal(size=(N, SIZES[0])), rng.integers(0, SIZES[2], size=N)


def both_kernels(params, x, t, **options):
    """The NumPy and the JAX kernel's outcomes: (result, error) each."""
    return (outcome(structured_numerical_gradient, params, x, t, **options),
            outcome(jax_numerical_gradient, params, x, t, **options))


def assert_alike(numpy_outcome, jax_outcome):
    """Both refuse with the same message, or both return the same numbers (issue 6: the
    two kernels round each row's log-ratio differently, ~1e-11 relative)."""
    (a, a_error), (b, b_error) = numpy_outcome, jax_outcome
    assert (a_error is None) == (b_error is None), (a_error, b_error)
    if a_error is not None:
        assert str(a_error) == str(b_error) and type(a_error) is type(b_error)
    else:
        assert max_rel_diff(b, a) <= 1e-10


HOSTILE_X = [relayout, "dtype", "odd"]


# One shape for every example: JAX compiles its kernel once per shape.
@settings(max_examples=25)
@given(data=st.data())
def test_the_two_structured_kernels_refuse_and_accept_alike(data):
    params, x, t = params_x_t()
    what = data.draw(st.sampled_from(["x layout", "x dtype", "x odd", "t dtype", "t odd",
                                      "params dtype", "params layout", "h", "delta"]))
    key = data.draw(st.sampled_from(list(params)))
    hostile_params = dict(params)
    options = {}
    if what == "x layout":
        x = relayout(x, data.draw(st.sampled_from(layouts_for(x))))
    elif what == "x dtype":
        x = redtype(x, data.draw(st.sampled_from(HOSTILE_DTYPES)))
    elif what == "x odd":
        x = data.draw(odd_values())
    elif what == "t dtype":
        t = redtype(t, data.draw(st.sampled_from(HOSTILE_DTYPES)))
    elif what == "t odd":
        t = data.draw(odd_values())
    elif what == "params dtype":
        hostile_params[key] = redtype(params[key], data.draw(st.sampled_from(HOSTILE_DTYPES)))
    elif what == "params layout":
        hostile_params[key] = relayout(params[key], data.draw(st.sampled_from(
            layouts_for(params[key]))))
    else:
        options[what] = data.draw(odd_numbers())
        assume(not (what == "delta" and type(options[what]) in (int, float)
                    and options[what] == 0))
    assert_alike(*both_kernels(hostile_params, x, t, **options))


@pytest.mark.parametrize("case", ["complex x", "missing key", "wrong shape", "label 4",
                                  "float labels", "float32 W2", "inf in b1", "3-D x"])
def test_named_refusals_are_the_same_in_both_kernels(case):
    # jax_numerical_gradient used to drop the imaginary part of a complex x silently,
    # where the NumPy kernel refused it: their setups were near-copies that had drifted.
    params, x, t = params_x_t()
    params = dict(params)
    if case == "complex x":
        x = x + 1j
    elif case == "missing key":
        del params["b1"]
    elif case == "wrong shape":
        params["W2"] = np.ones((4, 4))
    elif case == "label 4":
        t = np.array([0, 4, 1])
    elif case == "float labels":
        t = t.astype(float)
    elif case == "float32 W2":
        params["W2"] = params["W2"].astype(np.float32)
    elif case == "inf in b1":
        params["b1"] = np.array([0.0, np.inf, 0.0])
    else:
        x = x[None]
    numpy_outcome, jax_outcome = both_kernels(params, x, t)
    assert numpy_outcome[1] is not None
    assert_alike(numpy_outcome, jax_outcome)


@pytest.mark.parametrize("h", [1e-4, 1.0, 1e3, 1e5])
def test_a_huge_step_gives_the_loop_numbers_not_an_overflow(h):
    # h = 1e3 used to raise "OverflowError: math range error" in the series degree
    rng = np.random.default_rng(1)
    net = random_net(rng, SIZES, std=2.0)
    x, t = rng.normal(size=(N, SIZES[0])), rng.integers(0, SIZES[2], size=N)
    fast = net.numerical_gradient(x, t, method="structured", h=h)
    assert max_rel_diff(fast, net.numerical_gradient(x, t, h=h)) <= 1e-8


# --- batched and parallel loops for any function -------------------------------------------

def batched_square_sum(stack):
    return np.sum(np.asarray(stack).reshape(len(stack), -1) ** 2, axis=1)


def square_sum(v):
    return float(np.sum(np.array(v, order="C") ** 2))


def run_parallel(x):
    with ThreadPoolExecutor(2) as pool:
        return parallel_numerical_gradient(square_sum, x, executor=pool)


CHUNKED = {"batched": lambda v: batched_numerical_gradient(batched_square_sum, v),
           "parallel": run_parallel}
CHUNKED_LAYOUT = {"masked": REFUSE, "matrix": REFUSE}
"""Both work on their own copies: read-only is fine; a matrix computes other numbers."""


@pytest.mark.parametrize("name", CHUNKED)
@given(x=finite_arrays(shapes(max_side=4), bound=3.0), data=st.data())
def test_chunked_loops_in_any_layout(name, x, data):
    layout = data.draw(st.sampled_from(layouts_for(x)))
    check(CHUNKED[name], relayout(x, layout), x, "x", CHUNKED_LAYOUT.get(layout, SAME))


@pytest.mark.parametrize("name", CHUNKED)
@given(x=finite_arrays(shapes(max_side=3), bound=3.0), dtype=st.sampled_from(["bool", "int64",
                                                                             "uint8"]))
def test_chunked_loops_refuse_integer_arrays(name, x, dtype):
    check_refused(CHUNKED[name], "x", redtype(x, dtype))


@pytest.mark.parametrize("name", CHUNKED)
@given(value=odd_values())
def test_chunked_loops_refuse_odd_types(name, value):
    check_refused(CHUNKED[name], "x", value)


@given(value=odd_numbers())
def test_chunk_and_task_counts_are_validated(value):
    assume(value is not None and not (type(value) is int and value > 0))  # None: the default
    check_refused(lambda v: batched_numerical_gradient(batched_square_sum, np.ones(3),
                                                       chunk_size=v), "chunk_size", value)
    with ThreadPoolExecutor(1) as pool:
        check_refused(lambda v: parallel_numerical_gradient(square_sum, np.ones(3),
                                                            executor=pool, tasks=v),
                      "tasks", value)


@pytest.mark.parametrize("returned", [None, "1", [[1.0]], np.array(["a", "b", "c"])])
def test_a_batched_f_returning_garbage_is_named(returned):
    check_refused(lambda v: batched_numerical_gradient(lambda _: v, np.ones(3)), "f", returned)


def test_fast_methods_leave_every_input_unchanged():
    params, x, t = params_x_t()
    x = relayout(x, "F")
    before = {k: v.tobytes() for k, v in params.items()}, x.tobytes(), t.tobytes()
    structured_numerical_gradient(params, x, t)
    assert before == ({k: v.tobytes() for k, v in params.items()}, x.tobytes(), t.tobytes())


@given(t=labels((N,), SIZES[2]))
def test_one_hot_and_labels_give_one_target_term(t):
    params, x, _ = params_x_t()
    a = structured_numerical_gradient(params, x, t)
    b = structured_numerical_gradient(params, x, np.eye(SIZES[2])[t])
    assert all(np.array_equal(a[k], b[k]) for k in a)
