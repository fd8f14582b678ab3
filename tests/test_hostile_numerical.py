"""Hostile input to numerical_diff, numerical_gradient and gradient_descent."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gradlab as gl
from gradlab.strategies import (
    HOSTILE_DTYPES,
    finite_arrays,
    layouts_for,
    odd_numbers,
    odd_values,
    redtype,
    relayout,
    shapes,
)
from tests.hostile import EITHER, REFUSE, SAME, check, check_refused, outcome

H = 1e-4


def square_sum(v):
    """sum(v**2), computed in C order whatever v's layout, so its value is layout-free."""
    return np.sum(np.array(np.asarray(v), order="C") ** 2)


def cube(v):
    return np.asarray(v) ** 3 / 3  # elementwise, for numerical_diff


def fd_atol(dtype, f_value: float) -> float:
    """Central differences in ``dtype``: roundoff eps |f| / h per element (f''' is constant
    for these f, so truncation h^2 |f'''| / 6 <= 2e-8 x the largest |x|); 8x for the
    rounding of x +/- h and of the step."""
    eps = max(float(np.finfo(np.dtype(dtype)).eps), float(np.finfo(np.float64).eps)) \
        if np.dtype(dtype).kind in "fc" else 0.0
    return 0.0 if np.dtype(dtype) in (np.float64, np.complex128) or eps == 0 else \
        8 * eps * (1 + abs(f_value)) / H + 2 * H**2


GRADIENT_LAYOUT = {"read-only": REFUSE, "matrix": REFUSE, "masked": REFUSE}
"""numerical_gradient perturbs x in place: a read-only x cannot be, an np.matrix computes
other numbers (* and ** are matrix products), a mask would be ignored. Every other layout
gives the C-ordered copy's numbers bit for bit."""


@given(x=finite_arrays(shapes(max_side=4), bound=5.0), data=st.data())
def test_numerical_gradient_any_layout(x, data):
    layout = data.draw(st.sampled_from(layouts_for(x)))
    check(lambda v: gl.numerical_gradient(square_sum, v), relayout(x, layout), x, "x",
          GRADIENT_LAYOUT.get(layout, SAME))


@given(x=finite_arrays(shapes(min_dims=1, max_side=4), bound=5.0), data=st.data())
def test_numerical_gradient_closure_sees_the_perturbation_in_any_layout(x, data):
    # The book's idiom: f ignores its argument and reads x through a closure. A Fortran
    # or strided x used to give all zeros (the loop perturbed a copy of it).
    layout = data.draw(st.sampled_from([name for name in layouts_for(x)
                                        if name not in ("list", "scalar")]))
    hostile = relayout(x, layout)

    def via_closure(v):
        return gl.numerical_gradient(lambda _: square_sum(hostile), v)

    grad, error = outcome(via_closure, hostile)
    if GRADIENT_LAYOUT.get(layout, SAME) == REFUSE:
        assert error is not None and "x" in str(error)
        return
    np.testing.assert_array_equal(grad, gl.numerical_gradient(square_sum, x.copy()))


NUMERICAL_DTYPE = {"bool": REFUSE, "int64": REFUSE, "uint8": REFUSE, "float16": EITHER}
"""Integer and bool arrays cannot hold x + h (refused); in float16 the step is lost to
rounding wherever |x| > 0.2 (StepLostError), elsewhere it works."""


@given(x=finite_arrays(shapes(max_side=4), bound=5.0), dtype=st.sampled_from(HOSTILE_DTYPES))
def test_numerical_gradient_any_dtype(x, dtype):
    hostile = redtype(x, dtype)
    clean = np.array(hostile, dtype=np.complex128 if dtype.startswith("complex") else float)
    check(lambda v: gl.numerical_gradient(square_sum, v), hostile, clean, "x",
          NUMERICAL_DTYPE.get(dtype, SAME), atol=fd_atol(dtype, square_sum(clean).real))


@given(x=finite_arrays(shapes(max_side=4), bound=5.0), data=st.data())
def test_numerical_diff_any_layout(x, data):
    layout = data.draw(st.sampled_from(layouts_for(x)))
    check(lambda v: gl.numerical_diff(cube, v), relayout(x, layout), x, "x",
          REFUSE if layout == "masked" else SAME)


@given(x=finite_arrays(shapes(max_side=4), bound=5.0), dtype=st.sampled_from(HOSTILE_DTYPES))
def test_numerical_diff_any_dtype(x, dtype):
    # Integers and bool are promoted to float64 (a new array: nothing is perturbed in place).
    hostile = redtype(x, dtype)
    clean = np.array(hostile, dtype=np.complex128 if dtype.startswith("complex") else float)
    f_scale = float(np.max(np.abs(cube(clean)), initial=0.0))
    check(lambda v: gl.numerical_diff(cube, v), hostile, clean, "x",
          EITHER if dtype == "float16" else SAME, atol=fd_atol(dtype, f_scale))


@pytest.mark.parametrize("x", [1e12, np.float32(100.0), 3.0])
def test_numerical_diff_divides_by_the_represented_step(x):
    # (f(x+h) - f(x-h)) / 2h gave 1.2207 at 1e12 and 0.9918 in float32 at 100: the step
    # actually represented is not 2h there. A linear f has the slope 1 exactly.
    with pytest.warns(gl.PrecisionWarning) if np.asarray(x).dtype == np.float32 else \
            _no_warning():
        assert gl.numerical_diff(lambda v: v, x) == 1.0


@pytest.mark.parametrize("x", [1e16, 1e300, np.array([0.5, 1e17])])
def test_numerical_diff_refuses_a_lost_step(x):
    with pytest.raises(gl.StepLostError, match=r"x(\[1\])? = 1e\+\d+: x \+ h == x"):
        gl.numerical_diff(lambda v: v, x)


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


@given(x=finite_arrays(shapes(min_dims=1, max_side=3), bound=2.0), data=st.data())
def test_gradient_descent_any_layout(x, data):
    layout = data.draw(st.sampled_from(layouts_for(x)))
    check(lambda v: gl.gradient_descent(square_sum, v, lr=0.1, step_num=3),
          relayout(x, layout), x, "init_x", REFUSE if layout == "masked" else SAME)


@given(x=finite_arrays(shapes(min_dims=1, max_side=3), bound=2.0),
       dtype=st.sampled_from(HOSTILE_DTYPES))
def test_gradient_descent_any_dtype(x, dtype):
    hostile = redtype(x, dtype)
    clean = np.array(hostile, dtype=np.complex128 if dtype.startswith("complex") else float)
    check(lambda v: gl.gradient_descent(square_sum, v, lr=0.1, step_num=3), hostile, clean,
          "init_x", EITHER if dtype == "float16" else SAME,
          atol=fd_atol(dtype, square_sum(clean).real))


def test_gradient_descent_float16_says_the_step_is_lost_not_diverged():
    with pytest.warns(gl.PrecisionWarning), \
            pytest.raises(gl.StepLostError, match=r"cannot take step 1 from init_x \(float16\)"):
        gl.gradient_descent(square_sum, np.ones(2, np.float16), step_num=3)


@pytest.mark.parametrize("call, arg", [
    (lambda v: gl.numerical_gradient(square_sum, v), "x"),
    (lambda v: gl.numerical_diff(cube, v), "x"),
    (lambda v: gl.gradient_descent(square_sum, v), "init_x"),
    (lambda v: gl.numerical_gradient(v, np.ones(2)), "f"),
    (lambda v: gl.numerical_diff(v, 1.0), "f"),
    (lambda v: gl.gradient_descent(v, np.ones(2)), "f"),
])
@given(value=odd_values())
def test_odd_types_are_refused(call, arg, value):
    assume(not (arg == "f" and callable(value)))
    check_refused(call, arg, value)


@pytest.mark.parametrize("call, arg, count", [
    (lambda v: gl.numerical_gradient(square_sum, np.ones(2), h=v), "h", False),
    (lambda v: gl.numerical_diff(cube, 1.0, h=v), "h", False),
    (lambda v: gl.gradient_descent(square_sum, np.ones(2), lr=v), "lr", False),
    (lambda v: gl.gradient_descent(square_sum, np.ones(2), step_num=v), "step_num", True),
])
@given(value=odd_numbers())
def test_odd_numbers_are_refused(call, arg, count, value):
    # a count may be 0 (no steps) or huge (it is the caller's time); nothing else here is
    assume(not (count and type(value) is int and value >= 0))
    check_refused(call, arg, value)


MISBEHAVING = {
    "returns None": lambda v: None,
    "returns a str": lambda v: "0.5",
    "returns a dict": lambda v: {"loss": 1.0},
    "returns an array": lambda v: np.repeat(np.asarray(v).reshape(-1), 2),
    "returns nan": lambda v: np.nan,
    "returns a complex number": lambda v: complex(np.sum(v), 1.0),
    "modifies x": lambda v: np.sum(np.add(v, 1.0, out=v)),
}


@pytest.mark.parametrize("misbehaviour", MISBEHAVING)
@given(x=finite_arrays(shapes(min_dims=1, max_side=3), bound=3.0), data=st.data())
def test_a_misbehaving_f_is_named_and_x_is_restored(misbehaviour, x, data):
    # f is the user's code: whatever it returns (or does to x), the caller's x ends
    # bit-identical and the error names f.
    layout = data.draw(st.sampled_from(["C", "F", "transposed", "strided", "subclass"]))
    hostile = relayout(x, layout)
    before = np.array(hostile).tobytes()
    _, error = outcome(gl.numerical_gradient, MISBEHAVING[misbehaviour], hostile)
    assert error is not None and "f " in str(error), error
    assert np.array(hostile).tobytes() == before


def test_an_f_that_raises_leaves_x_restored():
    x = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    before = x.tobytes()

    def f(v):
        v[0, 0] = 99.0
        raise RuntimeError("user bug")

    with pytest.raises(RuntimeError, match="user bug"):
        gl.numerical_gradient(f, x)
    assert x.tobytes() == before
