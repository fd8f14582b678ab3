"""Chapter 5's layers (Relu, Sigmoid, Affine, SoftmaxWithLoss): forward against the JAX twin,
backward against jax.vjp of the twin AND against finite differences of our own forward,
deliberately broken variants caught, side effects, validation messages."""

import numpy as np
import pytest

import gradlab as gl
from gradlab import reference as ref
from tests.helpers import assert_parity, assert_unchanged, snapshot
from tests.layer_helpers import (
    assert_backward_by_fd,
    assert_within_sum_bound,
    check_backward_by_fd,
    reports_a_bug,
    spaced,
    vjp_of,
)

# --- broken variants, as learners write them ---------------------------------------------


class ReluBookInPlace(gl.Relu):
    """The book's Relu.backward: zeroes the caller's dout in place."""

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class AffineTransposedDW(gl.Affine):
    """dW from dout.T @ x transposed back, but with x and dout swapped in the product."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = (dout.T @ self.x).T[::-1]  # right shape, wrong rows
        return dx


class SoftmaxPrecedence(gl.SoftmaxWithLoss):
    """``self.y - self.t / batch_size``: the operator-precedence bug."""

    def backward(self, dout=1):
        t = self.t if self.t.shape == self.y.shape else gl.one_hot(self.t, self.y.shape[-1])
        return self.y - t / self.y.shape[0]


class SigmoidFromInput(gl.Sigmoid):
    """backward from the input instead of the output: dout * (1 - x) * x."""

    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        return dout * (1.0 - self.x) * self.x


# --- Relu and Sigmoid --------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2, 2), (5,)])
def test_relu_forward_backward_against_jax_and_fd(shape, rng):
    x, dout = spaced(rng, shape), rng.normal(size=shape)
    layer = gl.Relu()
    np.testing.assert_array_equal(layer.forward(x), ref.relu_layer(x))   # exact: max or 0
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, vjp_of(ref.relu_layer, x)(dout)[0])
    assert_backward_by_fd(gl.Relu().forward, x, dout, dx)


def test_relu_gradient_at_zero_is_zero_as_the_book_masks_x_le_0():
    layer = gl.Relu()
    layer.forward(np.array([[0.0, 1.0]]))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 2))), [[0.0, 1.0]])


def test_relu_never_modifies_dout_and_the_book_version_does(rng):
    x, dout = spaced(rng, (3, 4)), rng.normal(size=(3, 4))
    before = snapshot(x, dout)
    layer = gl.Relu()
    layer.forward(x)
    layer.backward(dout)
    assert_unchanged(before, x, dout)
    book = ReluBookInPlace()
    book.forward(x)
    book.backward(dout)
    with pytest.raises(AssertionError, match="modified"):
        assert_unchanged(before, x, dout)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2, 2)])
def test_sigmoid_against_jax_and_fd(shape, rng):
    x, dout = rng.normal(scale=3, size=shape), rng.normal(size=shape)
    layer = gl.Sigmoid()
    assert_parity(layer.forward(x), ref.sigmoid(x))
    dx = layer.backward(dout)
    assert_parity(dx, vjp_of(ref.sigmoid, x)(dout)[0])
    assert_backward_by_fd(gl.Sigmoid().forward, x, dout, dx)


def test_fd_check_catches_sigmoid_backward_from_the_input(rng):
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer = SigmoidFromInput()
    layer.forward(x)
    result = check_backward_by_fd(gl.Sigmoid().forward, x, dout, layer.backward(dout))
    assert reports_a_bug(result), str(result)


# --- Affine ------------------------------------------------------------------------------

AFFINE_CASES = [((5, 4), (4, 3)), ((3, 2, 3, 2), (12, 5)), ((1, 6), (6, 1))]


@pytest.mark.parametrize("x_shape, w_shape", AFFINE_CASES)
def test_affine_against_jax_and_fd(x_shape, w_shape, rng):
    x, W, b = (rng.normal(size=s) for s in (x_shape, w_shape, w_shape[1:]))
    layer = gl.Affine(W, b)
    out = layer.forward(x)
    n, d = x_shape[0], w_shape[0]
    abs_out = ref.affine(np.abs(x), np.abs(W), np.abs(b))
    assert_within_sum_bound(out, ref.affine(x, W, b), abs_out, d + 1, "Affine forward")
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    assert dx.shape == x_shape
    jdx, jdW, jdb = vjp_of(ref.affine, x, W, b, argnums=(0, 1, 2))(dout)
    absl = gl.Affine(np.abs(W), np.abs(b))
    absl.forward(np.abs(x))
    abs_dx = absl.backward(np.abs(dout))
    assert_within_sum_bound(dx, jdx, abs_dx, w_shape[1], "dx")
    assert_within_sum_bound(layer.dW, jdW, absl.dW, n, "dW")
    assert_within_sum_bound(layer.db, jdb, absl.db, n, "db")
    assert_backward_by_fd(gl.Affine(W, b).forward, x, dout, dx)
    assert_backward_by_fd(lambda w: gl.Affine(w, b).forward(x), W, dout, layer.dW, "dW")
    assert_backward_by_fd(lambda c: gl.Affine(W, c).forward(x), b, dout, layer.db, "db")


def test_checks_catch_a_wrong_affine_dw(rng):
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    layer = AffineTransposedDW(W, b)
    dout = rng.normal(size=layer.forward(x).shape)
    layer.backward(dout)
    result = check_backward_by_fd(lambda w: gl.Affine(w, b).forward(x), W, dout, layer.dW)
    assert reports_a_bug(result), str(result)
    jdW = vjp_of(ref.affine, x, W, b, argnums=(1,))(dout)[0]
    with pytest.raises(AssertionError, match="dW"):
        assert_within_sum_bound(layer.dW, jdW, np.abs(x).T @ np.abs(dout), 5, "dW")


def test_affine_keeps_its_parameters_by_reference_and_inputs_unchanged(rng):
    x, W, b = rng.normal(size=(2, 3, 2)), rng.normal(size=(6, 4)), rng.normal(size=4)
    layer = gl.Affine(W, b)
    assert layer.W is W and layer.b is b
    before = snapshot(x, W, b)
    dout = np.ones((2, 4))
    layer.forward(x)
    layer.backward(dout)
    assert_unchanged(before, x, W, b)
    W += 1.0    # an optimizer's in-place step is seen by the layer
    np.testing.assert_allclose(layer.forward(x), x.reshape(2, -1) @ W + b)


# --- SoftmaxWithLoss ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["labels", "one-hot", "soft"])
@pytest.mark.parametrize("n, c", [(4, 3), (3, 3), (1, 5)])
def test_softmax_with_loss_against_jax_and_fd(kind, n, c, rng):
    from tests.helpers import targets

    x, t = rng.normal(scale=2, size=(n, c)), targets(kind, rng, n, c)
    layer = gl.SoftmaxWithLoss()
    assert_parity(layer.forward(x, t), ref.softmax_with_loss(x, t))
    dx = layer.backward()
    assert_parity(dx, ref.grad(ref.softmax_with_loss)(x, t))
    assert gl.check_gradient(lambda z: gl.SoftmaxWithLoss().forward(z, t), x, dx).ok
    assert_parity(layer.backward(2.5), 2.5 * dx)


def test_softmax_with_loss_labels_and_one_hot_agree_and_delta0_is_the_book(rng):
    x, labels = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    a, b = gl.SoftmaxWithLoss(), gl.SoftmaxWithLoss()
    assert a.forward(x, labels) == b.forward(x, gl.one_hot(labels, 3))
    np.testing.assert_array_equal(a.backward(), b.backward())
    book = gl.SoftmaxWithLoss(delta=0.0)
    book.forward(x, labels)
    y = gl.softmax(x)
    # delta = 0: exactly the book's (y - t) / N, up to the rounding of a few operations
    assert_parity(book.backward(), (y - gl.one_hot(labels, 3)) / 4)
    # with delta the exact gradient differs from the book's by about delta / y (~3e-7 rel.)
    diff = np.max(np.abs(a.backward() - (y - gl.one_hot(labels, 3)) / 4))
    assert 1e-9 < diff < 1e-6


def test_softmax_with_loss_single_sample(rng):
    x = rng.normal(size=4)
    layer = gl.SoftmaxWithLoss()
    assert_parity(layer.forward(x, 2), ref.softmax_with_loss(x, 2))
    assert_parity(layer.backward(), ref.grad(ref.softmax_with_loss)(x, 2))


def test_checks_catch_the_precedence_bug(rng):
    x, t = rng.normal(size=(4, 3)), np.array([0, 1, 2, 0])
    layer = SoftmaxPrecedence()
    layer.forward(x, t)
    result = gl.check_gradient(lambda z: gl.SoftmaxWithLoss().forward(z, t), x,
                               layer.backward())
    assert reports_a_bug(result), str(result)
    with pytest.raises(AssertionError):
        assert_parity(layer.backward(), ref.grad(ref.softmax_with_loss)(x, t))


def test_softmax_with_loss_leaves_inputs_unchanged(rng):
    x, t = rng.normal(size=(3, 4)), gl.one_hot(np.array([0, 3, 1]), 4)
    before = snapshot(x, t)
    layer = gl.SoftmaxWithLoss()
    layer.forward(x, t)
    layer.backward()
    assert_unchanged(before, x, t)


# --- validation --------------------------------------------------------------------------

def _after_forward(layer, x, *args):
    layer.forward(x, *args)
    return layer


LAYER_ERRORS = [
    (lambda: gl.Affine(np.ones((3, 2), dtype=int), np.zeros(2)), TypeError,
     r"W has integer dtype int64: whatever is stored into it in place"),
    (lambda: gl.Affine(np.ones(3), np.zeros(3)), ValueError, r"W must be 2-D, got shape \(3,\)"),
    (lambda: gl.Affine(np.ones((3, 2)), np.zeros(3)), ValueError,
     r"b has shape \(3,\) but W has shape \(3, 2\); b needs one entry per output, shape \(2,\)"),
    (lambda: gl.Affine(np.ones((3, 2)), np.zeros(2)).forward(np.ones((4, 2))), ValueError,
     r"x has shape \(4, 2\), but W has shape \(3, 2\): Affine takes a batch \(N, \.\.\.\) with "
     r"3 features per sample"),
    (lambda: gl.Affine(np.ones((3, 2)), np.zeros(2)).forward(np.ones(3)), ValueError,
     r"one sample is x\[np.newaxis\]"),
    (lambda: gl.Affine(np.ones((3, 2)), np.zeros(2)).backward(np.ones((1, 2))), RuntimeError,
     r"Affine.backward called before Affine.forward: there is no saved input x"),
    (lambda: _after_forward(gl.Affine(np.ones((3, 2)), np.zeros(2)), np.ones((4, 3)))
     .backward(np.ones((2, 4))), ValueError,
     r"Affine.backward got dout of shape \(2, 4\), but the last forward returned shape \(4, 2\)"),
    (lambda: gl.Relu().backward(np.ones(2)), RuntimeError,
     r"Relu.backward called before Relu.forward"),
    (lambda: _after_forward(gl.Relu(), np.ones((2, 2))).backward(np.ones(4)), ValueError,
     r"Relu.backward got dout of shape \(4,\)"),
    (lambda: gl.Sigmoid().backward(np.ones(2)), RuntimeError, r"Sigmoid.backward called before"),
    (lambda: gl.Relu().forward(np.array([1.0, np.inf])), ValueError,
     r"x contains a non-finite value"),
    (lambda: gl.Relu().forward(np.array(["a"])), TypeError, r"x must be a numeric array"),
    (lambda: gl.SoftmaxWithLoss().forward(np.ones((2, 3, 4)), np.zeros(2, dtype=int)),
     ValueError, r"SoftmaxWithLoss takes scores \(N, C\) or \(C,\)"),
    (lambda: gl.SoftmaxWithLoss().forward(np.ones((2, 3)), np.zeros((2, 1), dtype=int)),
     ValueError, r"t must be one-hot with shape \(2, 3\) or integer labels with shape \(2,\)"),
    (lambda: gl.SoftmaxWithLoss().forward(np.ones((2, 3)), np.array([0.0, 1.0])), TypeError,
     r"labels must be integers"),
    (lambda: gl.SoftmaxWithLoss().forward(np.ones((2, 3)), np.array([0, 3])), ValueError,
     r"t has labels outside 0..2"),
    (lambda: gl.SoftmaxWithLoss().backward(), RuntimeError,
     r"SoftmaxWithLoss.backward called before SoftmaxWithLoss.forward"),
    (lambda: _after_forward(gl.SoftmaxWithLoss(), np.ones((2, 3)), np.array([0, 1]))
     .backward(np.ones(2)), ValueError, r"dout has shape \(2,\); the loss is a scalar"),
    (lambda: gl.SoftmaxWithLoss(delta=-1.0), ValueError, r"delta must be finite and >= 0"),
]


@pytest.mark.parametrize("call, error, message", LAYER_ERRORS)
def test_validation_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()


CHAPTER5_7_NAMES = ["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout",
                    "BatchNormalization", "Convolution", "Pooling", "im2col", "col2im",
                    "conv_output_size", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop",
                    "Adam", "LayerTwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend",
                    "SimpleConvNet"]


@pytest.mark.parametrize("name", CHAPTER5_7_NAMES)
def test_chapter5_7_names_are_exported(name):
    assert name in gl.__all__ and callable(getattr(gl, name))
