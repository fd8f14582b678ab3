"""reference's float64 guard: a float32 result is an error, not a silently weaker oracle."""

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
reference = pytest.importorskip("gradlab.reference")


@pytest.fixture
def x64_off():
    """JAX's 64-bit mode switched off after import, as a careless caller might; restored."""
    jax.config.update("jax_enable_x64", False)
    try:
        with warnings.catch_warnings():  # JAX says it truncates float64: that is the point
            warnings.filterwarnings("ignore", "Explicitly requested dtype", UserWarning)
            yield
    finally:
        jax.config.update("jax_enable_x64", True)


def test_importing_reference_turns_x64_on_and_results_are_float64():
    assert jax.config.jax_enable_x64
    out = reference.sigmoid(np.array([0.5, -1.0], dtype=np.float32))
    assert out.dtype == np.float64  # float32 input is computed in float64 too


@pytest.mark.parametrize("call", [
    lambda: reference.sigmoid(np.array([0.5, -1.0])),
    lambda: reference.softmax(np.array([[1.0, 2.0, 3.0]])),
    lambda: reference.cross_entropy_error(np.array([[0.2, 0.8]]), np.array([1])),
])
def test_a_float32_result_raises_naming_the_function_and_the_fix(x64_off, call):
    with pytest.raises(RuntimeError, match=r"reference\.\w+ computed in float32, not float64"
                                           r".*jax_enable_x64"):
        call()


def test_float64_only_checks_every_leaf_of_a_tuple_result(x64_off):
    @reference.float64_only
    def pair(x):
        return x, x.astype(jax.numpy.float32)

    with pytest.raises(RuntimeError, match="pair computed in float32"):
        pair(np.ones(2))


def test_integer_leaves_are_not_refused():
    @reference.float64_only
    def count(x):
        return jax.numpy.sum(x > 0), x * 2.0

    n, y = count(np.array([1.0, -1.0, 2.0]))
    assert int(n) == 2 and y.dtype == np.float64
