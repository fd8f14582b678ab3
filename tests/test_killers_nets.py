"""gradlab.nets: behaviour its own tests left open (found by .ci/mutation.py)."""

import numpy as np
import pytest

import gradlab as gl

X, T = np.ones((2, 3)), np.array([0, 1])


@pytest.mark.parametrize("key, index, layer", [
    ("W1", (1, 2), "hidden"), ("b1", (2,), "hidden"),
    ("W2", (3, 1), "output"), ("b2", (1,), "output"),
])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_parameter_is_named_with_its_element(key, index, layer, bad):
    """Training that blew one parameter up is told which one and where, in every method."""
    net = gl.TwoLayerNet(3, 4, 2, seed=0)
    net.params[key][index] = bad
    where = f"params['{key}'][{', '.join(map(str, index))}]"
    expected = (f"params['{key}'] contains {bad} (at {where}), so the {layer} layer is not "
                f"finite. Check the data, or lower the learning rate if training blew the "
                f"weights up.")
    for call in (net.loss, net.gradient, net.accuracy, lambda x, t: net.predict(x)):
        with pytest.raises(gl.GradlabValueError) as info:
            call(X, T)
        assert str(info.value) == expected


def test_a_non_finite_input_is_named_as_x():
    net = gl.TwoLayerNet(3, 4, 2, seed=0)
    x = X.copy()
    x[1, 0] = np.inf
    with pytest.raises(gl.GradlabValueError, match=r"^x contains inf \(at x\[1, 0\]\), so the "
                                                   r"hidden layer is not finite"):
        net.loss(x, T)
