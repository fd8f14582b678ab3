"""Values of the activation and loss functions against the JAX float64 oracle."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradlab as gl
from gradlab import reference as ref
from gradlab.strategies import classification_batches, finite_arrays, logits, probability_rows
from tests.helpers import assert_parity, assert_unchanged, snapshot

ELEMENTWISE = ["sigmoid", "sigmoid_grad", "relu", "step_function", "identity_function"]


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(x=finite_arrays(bound=50.0, away_from=0.0, margin=1e-300))
def test_elementwise_matches_oracle_on_any_shape(name, x):
    # Inputs stay off 0 by more than the subnormal range: XLA on CPU flushes subnormals to
    # zero, so JAX says step(1e-308) = 0 while NumPy says 1. Found by hypothesis; see
    # test_oracle_flushes_subnormals below.
    before = snapshot(x)
    ours = getattr(gl, name)(x)
    assert np.shape(ours) == x.shape
    assert_parity(ours, getattr(ref, name)(x))
    assert_unchanged(before, x)


@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_grad"])
def test_sigmoid_at_extremes_is_exact_and_silent(name):
    x = np.array([-1000.0, -710.0, -40.0, 0.0, 40.0, 710.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning escapes
        ours = getattr(gl, name)(x)
    assert_parity(ours, getattr(ref, name)(x))
    assert np.all(np.isfinite(ours))


def test_sigmoid_keeps_relative_accuracy_in_the_far_tail():
    # sigmoid(-40) = 4.25e-18: a 0.5*(1+tanh) formulation would return 0 here.
    np.testing.assert_allclose(gl.sigmoid(-40.0), np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-14)


def test_oracle_flushes_subnormals():
    # Documents the oracle's trap: a decision at a kink cannot be judged by JAX there.
    tiny = np.array([1e-310])
    assert gl.step_function(tiny)[0] == 1.0
    assert float(ref.step_function(tiny)[0]) == 0.0


def test_relu_and_step_kink_conventions():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(gl.relu_grad(x), [0.0, 1.0, 1.0])  # the book's x >= 0
    np.testing.assert_array_equal(gl.step_function(x), [0.0, 0.0, 1.0])


def test_scalar_input_gives_scalar_output():
    assert np.ndim(gl.sigmoid(0.0)) == 0 and gl.sigmoid(0.0) == 0.5
    assert np.ndim(gl.relu(-2.0)) == 0


@given(a=logits())
def test_softmax_matches_oracle_including_huge_logits(a):
    before = snapshot(a)
    y = gl.softmax(a)
    assert_parity(y, ref.softmax(a))
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert_unchanged(before, a)


def test_softmax_is_row_wise_on_a_square_batch():
    # N == C: the chapter-3 global max/sum, or a max over the wrong axis, is silent here.
    a = np.array([[1.0, 2.0, 3.0], [10.0, 0.0, 0.0], [-5.0, 5.0, 0.0]])
    y = gl.softmax(a)
    for row_y, row_a in zip(y, a, strict=True):
        np.testing.assert_allclose(row_y, np.exp(row_a) / np.exp(row_a).sum(), rtol=1e-14)


def test_softmax_single_row_equals_batch_of_one():
    a = np.array([0.3, 2.9, 4.0])
    np.testing.assert_array_equal(gl.softmax(a), gl.softmax(a[None, :])[0])


@given(batch=classification_batches())
def test_cross_entropy_matches_oracle_with_labels_and_one_hot(batch):
    y, labels, hot = batch
    before = snapshot(y, labels, hot)
    by_label = gl.cross_entropy_error(y, labels)
    by_hot = gl.cross_entropy_error(y, hot)
    assert_parity(by_label, ref.cross_entropy_error(y, labels))
    assert_parity(by_hot, ref.cross_entropy_error(y, hot))
    assert_parity(by_label, by_hot)
    assert_unchanged(before, y, labels, hot)


@given(batch=classification_batches(square=True))
def test_cross_entropy_on_square_batches(batch):
    y, labels, hot = batch
    assert_parity(gl.cross_entropy_error(y, labels), ref.cross_entropy_error(y, hot))


def test_cross_entropy_exact_zero_probability_is_finite_because_of_delta():
    y = np.array([[0.0, 0.3, 0.7]])
    loss = gl.cross_entropy_error(y, np.array([0]))
    np.testing.assert_allclose(loss, -np.log(1e-7), rtol=1e-12)


def test_cross_entropy_single_sample_equals_batch_of_one():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.zeros(10)
    t[2] = 1
    # The book's worked example: 0.510825457099338.
    np.testing.assert_allclose(gl.cross_entropy_error(y, t), 0.510825457099338, rtol=1e-12)
    assert gl.cross_entropy_error(y, t) == gl.cross_entropy_error(y[None], np.array([2]))
    assert gl.cross_entropy_error(y, np.int64(2)) == gl.cross_entropy_error(y, t)


def test_cross_entropy_is_averaged_over_the_batch():
    y = gl.softmax(np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]]))
    one = gl.cross_entropy_error(y[:1], np.array([1]))
    twice = gl.cross_entropy_error(np.concatenate([y[:1], y[:1]]), np.array([1, 1]))
    np.testing.assert_allclose(twice, one, rtol=1e-15)


@given(y=probability_rows(), data=st.data())
def test_mean_squared_error_matches_oracle(y, data):
    t = data.draw(finite_arrays(y.shape, bound=1.0))
    assert_parity(gl.mean_squared_error(y, t), ref.mean_squared_error(y, t))


def test_mean_squared_error_book_example_and_no_batch_division():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.eye(10)[2]
    np.testing.assert_allclose(gl.mean_squared_error(y, t), 0.0975, rtol=1e-12)
    np.testing.assert_allclose(gl.mean_squared_error(np.stack([y, y]), np.stack([t, t])), 0.195)


def test_one_hot():
    np.testing.assert_array_equal(gl.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="outside 0..2"):
        gl.one_hot(np.array([3]), 3)


# --- complex input, for complex-step differentiation -----------------------------------

@pytest.mark.parametrize("name", ["sigmoid", "softmax"])
def test_complex_step_is_exact_through_stable_functions(name):
    x = np.array([[-800.0, 0.3, 700.0], [2.0, -1.0, 0.5]])
    v = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]])
    f = getattr(gl, name)
    directional = np.imag(f(x + 1e-20j * v)) / 1e-20
    import jax

    exact = jax.jvp(getattr(ref, name).__wrapped__, (x,), (v,))[1]
    assert_parity(directional, np.asarray(exact))


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.array([]), ValueError, "x is empty|a is empty"),
        (np.array([1.0, np.nan]), ValueError, r"non-finite value \(nan at (x|a)\[1\]\)"),
        (np.array([np.inf, 1.0]), ValueError, "non-finite"),
        (np.array(["a"]), TypeError, "numeric array"),
    ],
)
def test_bad_input_is_refused_with_a_message(name, bad, error, message):
    with pytest.raises(error, match=message):
        getattr(gl, name)(bad)


def test_integer_input_is_promoted_like_a_ufunc():
    np.testing.assert_array_equal(gl.sigmoid(np.array([0, 0])), [0.5, 0.5])
    assert gl.softmax(np.array([1, 1])).dtype == np.float64


def test_softmax_refuses_a_scalar():
    with pytest.raises(ValueError, match="at least one axis"):
        gl.softmax(3.0)


@pytest.mark.parametrize(
    "y, t, message",
    [
        (np.full((2, 3), 1 / 3), np.array([0, 1, 2]),
         r"t has shape \(3,\) but the predictions have shape \(2, 3\)"),
        (np.full((2, 3), 1 / 3), np.eye(2), "one-hot with shape"),
        (np.full((2, 3), 1 / 3), np.array([0, 3]), r"outside 0..2"),
        (np.full((2, 3), 1 / 3), np.array([0, -1]), r"outside 0..2"),
        (np.array([[-1.0, 2.0, 0.0]]), np.array([1]), "Did you pass logits"),
        (np.array([[np.nan, 0.5, 0.5]]), np.array([1]), "y contains a non-finite"),
        (np.array([[]]), np.array([0]), "y is empty"),
    ],
)
def test_cross_entropy_bad_targets(y, t, message):
    with pytest.raises(ValueError, match=message):
        gl.cross_entropy_error(y, t)


def test_cross_entropy_float_labels_are_a_type_error():
    with pytest.raises(TypeError, match="labels must be integers"):
        gl.cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0.0, 2.0]))


def test_mean_squared_error_shape_mismatch_suggests_one_hot():
    with pytest.raises(ValueError, match="one_hot"):
        gl.mean_squared_error(np.full((2, 3), 1 / 3), np.array([0, 2]))


# --- dtypes, shapes and messages, exactly --------------------------------------------------

UNARY = ELEMENTWISE + ["relu_grad", "softmax"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble,
                                   np.complex64, np.complex128])
def test_results_keep_the_input_precision(name, dtype):
    # float32 in, float32 out: a float64 result would silently widen (and slow) a float32
    # model. The indicator functions return the real dtype of a complex input.
    x = np.array([-1.5, 0.25, 2.0], dtype=dtype)
    out = getattr(gl, name)(x)
    real = np.empty(0, dtype).real.dtype
    assert out.dtype == (real if name in ("step_function", "relu_grad") else dtype)


@pytest.mark.parametrize("name", ELEMENTWISE + ["relu_grad"])
@pytest.mark.parametrize("x", [0.5, -2.0, 1.5 + 0.5j, np.float32(0.5), np.array(-0.5)])
def test_scalars_come_back_as_numpy_scalars(name, x):
    out = getattr(gl, name)(x)
    assert np.ndim(out) == 0 and not isinstance(out, np.ndarray)
    assert out == getattr(gl, name)(np.array([x]))[0]


def test_sigmoid_is_silent_even_where_numpy_raises_on_overflow_and_underflow():
    # exp(1000) overflows and exp(-745) underflows; both limits are right (1/(1+inf) = 0,
    # 1/(1+5e-324) = 1), so a user's np.seterr(all="raise") must not turn them into errors
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(gl.sigmoid(np.array([-1000.0, 745.0, 1000.0])),
                                      [0.0, 1.0, 1.0])


def test_relu_complex_step_at_the_kink_gives_jax_s_zero():
    # relu(0 + ih) keeps the mask x > 0: the complex step then reads relu'(0) = 0, as JAX
    assert gl.relu(np.array([1e-20j]))[0] == 0 and gl.relu(np.array([1 + 1e-20j]))[0] == 1 + 1e-20j


def test_one_hot_puts_the_class_axis_last_for_any_label_shape():
    t = np.array([[2, 0], [1, 1], [0, 2]])
    hot = gl.one_hot(t, 3)
    assert hot.shape == (3, 2, 3) and hot.dtype == np.float64
    np.testing.assert_array_equal(np.argmax(hot, axis=-1), t)
    np.testing.assert_array_equal(hot.sum(axis=-1), 1.0)


def test_cross_entropy_treats_leading_axes_as_batch_axes():
    rng = np.random.default_rng(0)
    y = gl.softmax(rng.normal(size=(2, 3, 4)))
    t = rng.integers(0, 4, size=(2, 3))
    flat = gl.cross_entropy_error(y.reshape(6, 4), t.reshape(6))
    assert gl.cross_entropy_error(y, t) == flat
    assert abs(gl.cross_entropy_error(y, gl.one_hot(t, 4)) - flat) <= 4 * np.finfo(float).eps
    single = gl.cross_entropy_error(y[0, 0], t[0, 0])
    assert single == gl.cross_entropy_error(y[0, :1], t[0, :1])


@pytest.mark.parametrize("call, message", [
    (lambda: gl.softmax(3.0),
     "a is a scalar; softmax needs at least one axis of classes, e.g. np.array([a])."),
    (lambda: gl.cross_entropy_error(0.5, 0),
     "y is a scalar; pass probabilities of shape (C,) or (N, C)."),
    (lambda: gl.cross_entropy_error(np.array([[-1.0, 2.0]]), np.array([1])),
     "y has negative entries, so it is not a probability distribution; cross_entropy_error "
     "expects softmax outputs. Did you pass logits? Apply softmax first."),
    (lambda: gl.mean_squared_error(np.full((2, 3), 1 / 3), np.array([0, 2])),
     "y has shape (2, 3) but t has shape (2,); mean_squared_error needs targets of the same "
     "shape as the predictions. t looks like integer labels: one-hot encode them first, "
     "t = gradlab.one_hot(t, y.shape[-1])."),
    (lambda: gl.mean_squared_error(np.full((2, 3), 1 / 3), np.ones((3, 2))),
     "y has shape (2, 3) but t has shape (3, 2); mean_squared_error needs targets of the same "
     "shape as the predictions."),
])
def test_messages_word_for_word(call, message):
    with pytest.raises(gl.GradlabValueError) as info:
        call()
    assert str(info.value) == message
