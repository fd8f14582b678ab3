"""gradlab.numerical: behaviour its own tests left open (found by .ci/mutation.py)."""

import numpy as np
import pytest

import gradlab as gl


def test_an_f_that_modifies_x_is_told_what_happened_and_what_to_do():
    def f(v):
        v[0] += 1.0  # the user's bug: f changes its argument
        return float(np.sum(v))

    x = np.array([1.0, 2.0])
    with pytest.raises(gl.GradlabValueError) as info:
        gl.numerical_gradient(f, x)
    assert str(info.value) == (
        "f modified x; numerical_gradient perturbs x itself and needs f to leave it as it "
        "found it. x has been restored; copy x inside f before changing it.")
    np.testing.assert_array_equal(x, [1.0, 2.0])  # and it has been restored
