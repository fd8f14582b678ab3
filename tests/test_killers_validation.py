"""gradlab._validation: behaviour the message list in test_validation.py does not pin.

Written against mutation testing's survivors (.ci/mutation.py): each test asserts what a
caller relies on (the object returned, the error's class and the argument it names), so a
plausible slip in a validator (a dropped argument, a flipped condition) makes one fail.
"""

import re

import numpy as np
import pytest

from gradlab import _validation as v
from gradlab.errors import GradlabTypeError, GradlabValueError
from gradlab.strategies import relayout

# --- seeds ---------------------------------------------------------------------------------

def test_as_generator_returns_a_caller_s_generator_itself():
    """A Generator passed in is used as it is: its stream continues, it is not reseeded."""
    rng = np.random.default_rng(3)
    assert v.as_generator(rng) is rng
    expected = np.random.default_rng(3)
    expected.random()
    rng.random()
    assert v.as_generator(rng).random() == expected.random()


def test_as_generator_from_an_int_is_reproducible():
    assert v.as_generator(7).random() == np.random.default_rng(7).random()


@pytest.mark.parametrize("bad, error", [(-1, GradlabValueError), ("3", GradlabTypeError),
                                        (True, GradlabTypeError), (1.5, GradlabTypeError)])
def test_as_generator_names_the_caller_s_argument(bad, error):
    with pytest.raises(error, match=r"^--seed must be"):
        v.as_generator(bad, "--seed")


# --- choices -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["fastest", "", None, 3, ("full",)])
def test_one_of_refuses_anything_outside_the_choices(bad):
    with pytest.raises(GradlabValueError, match=r"^mode must be one of 'full', 'fast'"):
        v.one_of(bad, ("full", "fast"), "mode")


def test_one_of_returns_the_choice():
    assert v.one_of("fast", ("full", "fast"), "mode") == "fast"


# --- dtypes --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, narrow", [(np.float16, True), (np.float32, True),
                                           (np.complex64, True), (np.float64, False),
                                           (np.complex128, False), (np.longdouble, False)])
def test_is_narrow_is_true_exactly_below_float64(dtype, narrow):
    assert v.is_narrow(dtype) is narrow


# --- chapters 5-7: layer arguments --------------------------------------------------------

def test_require_forward_passes_saved_state_through():
    state = np.ones(3)
    assert v.require_forward(state, "Affine", "x") is state
    assert v.require_forward(0, "Affine", "x") == 0  # falsy state is still state


def test_require_forward_names_the_layer_and_the_missing_state():
    with pytest.raises(RuntimeError, match=r"^Relu\.backward called before Relu\.forward: "
                                           r"there is no saved mask\."):
        v.require_forward(None, "Relu", "mask")


def test_check_dout_accepts_the_forward_shape_and_promotes_integers():
    out = v.check_dout([[1, 2], [3, 4]], (2, 2), "Affine")
    assert out.dtype == np.float64 and out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])
    assert v.check_dout(np.ones((2, 3)), [2, 3], "Affine").shape == (2, 3)  # a list shape


@pytest.mark.parametrize("shape", [(3, 2), (2,), (2, 2, 1)])
def test_check_dout_refuses_another_shape_naming_both(shape):
    with pytest.raises(GradlabValueError, match=(
            rf"^Affine\.backward got dout of shape \(2, 2\), but the last forward returned "
            rf"shape {re.escape(str(shape))}")):
        v.check_dout(np.ones((2, 2)), shape, "Affine")


@pytest.mark.parametrize("bad, error", [(np.array([[np.nan, 1.0]]), GradlabValueError),
                                        (np.zeros((0, 2)), GradlabValueError),
                                        ("dout", GradlabTypeError)])
def test_check_dout_refuses_what_is_no_gradient(bad, error):
    with pytest.raises(error, match=r"^dout "):
        v.check_dout(bad, np.shape(bad), "Affine")


def test_parameter_array_keeps_the_caller_s_array():
    """The net's params, its layers and an optimizer share one array: no copy."""
    # C-contiguous arrays only: any other layout is copied into C order by as_float_array
    for arr in (np.ones((2, 3)), np.ones(3, dtype=np.float32), np.ones((4, 3))[1:3]):
        assert v.parameter_array(arr, "W", arr.ndim) is arr


def test_parameter_array_converts_other_input_to_float64():
    out = v.parameter_array([[1, 2, 3]], "W", 2)
    assert type(out) is np.ndarray and out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("bad, ndim, error, start", [
    (np.ones((2, 3), dtype=int), 2, GradlabTypeError, "W has integer dtype int64"),
    (np.ones(3), 2, GradlabValueError, "W must be 2-D, got shape (3,)."),
    (np.ones((2, 3)), 1, GradlabValueError, "W must be 1-D, got shape (2, 3)."),
    (np.ones((2, 3), dtype=complex), 2, GradlabTypeError, "W must be real"),
    (np.array([[1.0, np.inf]]), 2, GradlabValueError, "W contains a non-finite value"),
    (np.zeros((0, 3)), 2, GradlabValueError, "W is empty"),
])
def test_parameter_array_refuses_with_the_parameter_s_name(bad, ndim, error, start):
    with pytest.raises(error) as info:
        v.parameter_array(bad, "W", ndim)
    assert str(info.value).startswith(start)


# --- arrays a finite difference perturbs ------------------------------------------------

@pytest.mark.parametrize("make, error, start", [
    (lambda: np.ones(3, dtype=int), GradlabTypeError, "params['W1'] has integer dtype"),
    (lambda: np.zeros(0), GradlabValueError, "params['W1'] is empty"),
    (lambda: np.array([1.0, np.nan]), GradlabValueError, "params['W1'] contains a non-finite"),
    (lambda: relayout(np.ones((1, 1)), "matrix"), GradlabTypeError, "params['W1'] is an np.matrix"),
])
def test_perturbable_names_the_caller_s_argument(make, error, start):
    with pytest.raises(error) as info:
        v.perturbable(make(), "params['W1']")
    assert str(info.value).startswith(start)


def test_perturbable_refuses_a_read_only_array_and_returns_a_writeable_one_itself():
    arr = np.ones(3)
    assert v.perturbable(arr, "W") is arr
    arr.flags.writeable = False
    with pytest.raises(GradlabValueError, match=r"^W is read-only; finite differences perturb W"):
        v.perturbable(arr, "W")


def test_a_timedelta_parameter_is_no_integer_but_no_float_either():
    """NumPy files timedelta64 under np.integer; gradlab's message must not call it one."""
    with pytest.raises(GradlabTypeError) as info:
        v.parameter_array(np.array([1, 2], dtype="m8[s]"), "b", 1)
    assert str(info.value).startswith("b must be a floating-point array, got dtype "
                                      "timedelta64[s]")
