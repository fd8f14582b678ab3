"""check_jacobian, check_vjp, check_jvp: vector-valued f on the gradient's error model."""

import numpy as np
import pytest

import gradlab as gl
from gradlab import check_jacobian, check_jvp, check_vjp
from gradlab.check import full_mode_evaluations

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

A = np.array([[1.0, 2.0, -0.5], [3.0, -4.0, 0.2]])


def f(x):
    return np.tanh(A @ x)


def jac(x):
    return (1 - np.tanh(A @ x) ** 2)[:, None] * A


X = np.array([0.3, -0.2, 0.5])


class Affine:
    """A chapter-5 style stateful layer: forward caches its input, backward uses it."""

    def __init__(self, W, b):
        self.W, self.b, self.x = W, b, None

    def forward(self, x):
        self.x = x.copy()
        return np.tanh(x @ self.W + self.b)

    def backward(self, dout):
        y = np.tanh(self.x @ self.W + self.b)
        return (dout * (1 - y ** 2)) @ self.W.T


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_right_jacobian_passes_and_costs_4p_plus_2_evaluations(mode):
    result = check_jacobian(f, X, jac(X), mode=mode)
    assert result.ok and result.kind == "jacobian", str(result)
    if mode == "full":
        assert result.evaluations == full_mode_evaluations(3)  # all outputs at once
        assert result.numeric.shape == (2, 3) and np.allclose(result.numeric, jac(X))
        assert result.detectable.shape == (2, 3)


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_wrong_jacobian_entry_named_by_output_and_input(mode):
    J = jac(X)
    J[1, 2] += 1e-4
    result = check_jacobian(f, X, J, mode=mode)
    assert result.status == "fail", str(result)
    if mode == "full":
        top = result.worst[0]
        assert (top.name, top.index, top.output) == ("x", (2,), (1,))
        assert top.where == "x[2] (output [1])" and result.failures == 1
    else:
        assert result.worst[0].where.startswith("direction ")


def test_callable_jacobian_and_structured_x():
    W, b = np.ones((2, 2)), np.array([0.1, -0.3])
    g = lambda p: p["W"] @ np.array([1.0, 2.0]) + p["b"] ** 2  # noqa: E731
    J = {"W": np.zeros((2, 2, 2)), "b": np.diag(2 * b)}
    J["W"][0, 0] = [1.0, 2.0]
    J["W"][1, 1] = [1.0, 2.0]
    assert check_jacobian(g, {"W": W, "b": b}, J).ok
    assert check_jacobian(g, {"W": W, "b": b}, lambda p: J).ok
    J["b"][1, 1] = 0.0
    bad = check_jacobian(g, {"W": W, "b": b}, J)
    assert bad.status == "fail" and bad.worst[0].where == "b[1] (output [1])"


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_vjp_of_a_stateful_layer_forward_then_backward(rng, mode):
    layer = Affine(rng.normal(size=(3, 4)), rng.normal(size=4))
    x = rng.normal(size=(5, 3))
    result = check_vjp(layer.forward, x, layer.backward, mode=mode)
    assert result.ok and result.kind == "vjp", str(result)
    if mode == "full":
        assert result.numeric.shape == (5, 4, 5, 3)  # like f(x) + like x


def test_wrong_vjp_found_at_its_output_and_input(rng):
    layer = Affine(rng.normal(size=(3, 4)), rng.normal(size=4))
    x = rng.normal(size=(2, 3))

    def backward(dout):
        dx = layer.backward(dout)
        dx[1, 0] *= 1.01  # one wrong input element
        return dx

    result = check_vjp(layer.forward, x, backward)
    assert result.status == "fail"
    assert {e.index for e in result.worst if e.status == "fail"} == {(1, 0)}
    assert all(e.output[0] == 1 for e in result.worst if e.status == "fail")
    fast = check_vjp(layer.forward, x, backward, mode="fast")
    assert fast.status == "fail" and fast.worst[0].output is not None


def test_vjp_for_a_given_cotangent():
    v = np.array([0.5, -2.0])
    claimed = v @ jac(X)
    result = check_vjp(f, X, claimed, cotangent=v)
    assert result.ok and result.checked == 3 and result.worst[0].output is None
    assert check_vjp(f, X, lambda u: u @ jac(X), cotangent=v).ok
    claimed[0] += 1e-5
    assert check_vjp(f, X, claimed, cotangent=v).status == "fail"


def test_contraction_rounding_uses_the_terms():
    # v . f cancels to ~0 while its terms are ~1e8: the rounding is that of the terms
    g = lambda x: np.array([1e8 + x[0], 1e8 - x[0] + 1e-3 * x[1] ** 2])  # noqa: E731
    x = np.array([0.5, 2.0])
    result = check_vjp(g, x, np.array([0.0, 4e-3]), cotangent=np.array([1.0, 1.0]))
    assert result.status in ("pass", "inconclusive") and result.status != "fail"


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_jvp_callable(mode):
    assert check_jvp(f, X, lambda u: jac(X) @ u, mode=mode).ok
    bad = check_jvp(f, X, lambda u: jac(X) @ (u * np.array([1, 1, 1.001])), mode=mode)
    assert bad.status == "fail"
    if mode == "full":
        assert {e.index for e in bad.worst if e.status == "fail"} == {(2,)}


def test_jvp_for_a_given_tangent():
    u = np.array([1.0, 0.0, -2.0])
    result = check_jvp(f, X, jac(X) @ u, tangent=u)
    assert result.ok and result.checked == 2
    assert result.worst[0].where.startswith("tangent (output [")
    assert np.allclose(result.numeric, jac(X) @ u, rtol=1e-8)
    wrong = jac(X) @ u
    wrong[1] += 1e-5
    bad = check_jvp(f, X, wrong, tangent=u)
    assert bad.status == "fail" and bad.worst[0].output == (1,)


def test_vector_checks_refuse_bad_claims():
    with pytest.raises(ValueError, match=r"jac has shape \(3, 3\) but x has shape \(3,\) and "
                                         r"f\(x\) \(2,\)"):
        check_jacobian(f, X, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\) but f\(x\) has shape"):
        check_vjp(f, X, np.zeros(3), cotangent=np.zeros(3))
    with pytest.raises(TypeError, match="vjp must be a callable"):
        check_vjp(f, X, np.zeros(3))
    with pytest.raises(TypeError, match="jvp must be a callable"):
        check_jvp(f, X, np.zeros(2))
    with pytest.raises(ValueError, match="tangent is zero"):
        check_jvp(f, X, np.zeros(2), tangent=np.zeros(3))
    with pytest.raises(ValueError, match=r"f returned shape \(1,\)"):
        check_jacobian(lambda x: np.ones(2 if x[0] == 0.3 else 1), X, np.zeros((2, 3)))


def test_vector_checks_are_exported():
    assert {"check_vjp", "check_jvp", "check_jacobian"} <= set(gl.__all__)
