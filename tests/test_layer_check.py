"""gl.check_layer: every backward of gradlab's layers passes; learner-style broken ones fail at
the right array and index; the layer, the caller's input and NumPy's random state are left as
they were."""

from __future__ import annotations

import numpy as np
import pytest
from layer_helpers import reports_a_bug, spaced

import gradlab as gl
from gradlab.im2col import im2col


@pytest.fixture
def rng():
    return np.random.default_rng(12)


def _own_layers(rng):
    """gradlab's layers on shapes that expose mistakes (non-square, stride 2, padding,
    channels > 1, batch > 1)."""
    conv = gl.Convolution(rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3), stride=2, pad=1)
    return [
        ("Relu", gl.Relu(), spaced(rng, (3, 5))),
        ("Sigmoid", gl.Sigmoid(), rng.normal(size=(3, 5))),
        ("Affine", gl.Affine(rng.normal(size=(12, 5)), rng.normal(size=5)),
         rng.normal(size=(2, 3, 2, 2))),
        ("SoftmaxWithLoss", gl.SoftmaxWithLoss(), rng.normal(size=(4, 3))),
        ("Dropout", gl.Dropout(0.3, seed=1), rng.normal(size=(4, 3))),
        ("BatchNormalization", gl.BatchNormalization(rng.normal(size=6), rng.normal(size=6)),
         rng.normal(size=(5, 6))),
        ("BatchNormalization-4d", gl.BatchNormalization(rng.normal(size=12),
                                                         rng.normal(size=12)),
         rng.normal(size=(3, 3, 2, 2))),
        ("Convolution", conv, rng.normal(size=(2, 2, 7, 6))),
        ("Pooling", gl.Pooling(3, 2, stride=2), spaced(rng, (2, 2, 7, 6))),
    ]


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_every_gradlab_layer_passes(rng, mode):
    for name, layer, x in _own_layers(rng):
        result = gl.check_layer(layer, x, mode=mode)
        assert result.status == "pass", (name, str(result))
        assert str(result).startswith(f"{type(layer).__name__}.backward (dx")


def test_the_arrays_checked_are_named_by_their_gradients(rng):
    affine = gl.Affine(rng.normal(size=(3, 2)), rng.normal(size=2))
    bn = gl.BatchNormalization(rng.normal(size=3), rng.normal(size=3))
    assert gl.check_layer(affine, rng.normal(size=(4, 3))).arrays == ("dx", "dW", "db")
    result = gl.check_layer(bn, rng.normal(size=(4, 3)))
    assert result.arrays == ("dx", "dgamma", "dbeta") and result.mode == "train"
    assert "training mode" in result.headline


# -- learner-style mistakes, each its own subclass ------------------------------------------

def _col2im_assigning(col, shape, fh, fw, stride, pad):
    """A col2im that writes each window with = where overlapping windows must add up."""
    N, C, H, W = shape
    oh, ow = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    col = col.reshape(N, oh, ow, C, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(fh):
        for x in range(fw):
            img[:, :, y:y + stride * oh:stride, x:x + stride * ow:stride] = col[:, :, y, x]
    return img[:, :, pad:H + pad, pad:W + pad]


class ConvAssigning(gl.Convolution):
    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dout2 = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = dout2.sum(axis=0)
        self.dW = (self.col.T @ dout2).T.reshape(self.W.shape)
        return _col2im_assigning(dout2 @ self.col_W.T, self.x.shape, FH, FW, self.stride,
                                 self.pad)


class SoftmaxPrecedence(gl.SoftmaxWithLoss):
    def backward(self, dout=1):
        t = np.eye(self.y.shape[1])[self.t]
        return self.y - t / self.y.shape[0]  # should be (y - t) / N


class ReluWithoutMask(gl.Relu):
    def backward(self, dout):
        return dout


class AffineNoTranspose(gl.Affine):
    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, dout.sum(axis=0)
        return dout @ self.W  # W.T


class AffineBiasOverRows(gl.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.mean(axis=0)  # sum, not mean
        return dx


class BatchNormNoBatchTerms(gl.BatchNormalization):
    def backward(self, dout):
        super().backward(dout)
        return self.gamma * dout / self.std  # test-mode formula after a training forward


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("make, shape, array", [
    (lambda r: ConvAssigning(r.normal(size=(2, 2, 3, 3)), r.normal(size=2)), (2, 2, 6, 5),
     "dx"),
    (lambda r: SoftmaxPrecedence(), (4, 3), "dx"),
    (lambda r: ReluWithoutMask(), (3, 4), "dx"),
    (lambda r: AffineNoTranspose(r.normal(size=(4, 4)), r.normal(size=4)), (3, 4), "dx"),
    (lambda r: AffineBiasOverRows(r.normal(size=(4, 3)), r.normal(size=3)), (5, 4), "db"),
    (lambda r: BatchNormNoBatchTerms(r.normal(size=3), r.normal(size=3)), (4, 3), "dx"),
], ids=["col2im-assign", "softmax-precedence", "relu-no-mask", "affine-no-transpose",
        "affine-db-mean", "batchnorm-test-formula"])
def test_a_learner_style_bug_fails_at_its_array(rng, make, shape, array, mode):
    layer = make(rng)
    result = gl.check_layer(layer, spaced(rng, shape, 0.2), mode=mode)
    assert reports_a_bug(result.result), str(result)
    top = result.worst[0]
    assert top.status == "fail" and top.name == array, str(result)
    assert len(top.index) == len(shape if array == "dx" else getattr(layer, array[1:]).shape)
    report = str(result)
    assert report.startswith(f"{type(layer).__name__}.backward") and f"{array}[" in report


class AffineFlatDx(gl.Affine):
    def backward(self, dout):
        return super().backward(dout).reshape(len(dout), -1)  # loses the image shape


def test_a_wrong_dx_shape_is_a_clear_error(rng):
    layer = AffineFlatDx(rng.normal(size=(12, 3)), rng.normal(size=3))
    with pytest.raises(ValueError, match=r"shape \(2, 12\).*\(2, 3, 2, 2\)"):
        gl.check_layer(layer, rng.normal(size=(2, 3, 2, 2)))


# -- honest handling of state ----------------------------------------------------------

def test_parameters_input_and_state_are_restored_bit_for_bit(rng):
    W, b = rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    conv = gl.Convolution(W, b, pad=1)
    x = rng.normal(size=(2, 2, 5, 4))
    x_before, W_before = x.copy(), W.copy()
    gl.check_layer(conv, x, mode="full")
    assert conv.W is W and W.tobytes() == W_before.tobytes() and x.tobytes() == x_before.tobytes()
    assert conv.dW is None and conv.col is None  # as it was given: never run


def test_batchnorm_running_statistics_are_left_as_they_were(rng):
    bn = gl.BatchNormalization(rng.normal(size=3), rng.normal(size=3))
    bn.forward(rng.normal(size=(4, 3)))
    mean, mean_before = bn.running_mean, bn.running_mean.copy()
    assert gl.check_layer(bn, rng.normal(size=(4, 3))).ok
    assert bn.running_mean is mean and mean.tobytes() == mean_before.tobytes()


class BookStyleDropout:
    """Draws its mask from NumPy's global generator, as the book's Dropout does."""

    def __init__(self, ratio=0.5):
        self.ratio, self.mask = ratio, None

    def forward(self, x, train_flg=True):
        self.train = train_flg
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.ratio  # noqa: NPY002 (as the book)
            return x * self.mask
        return x * (1.0 - self.ratio)

    def backward(self, dout):
        return dout * self.mask if self.train else dout * (1.0 - self.ratio)


def test_dropouts_mask_is_held_fixed_and_the_global_random_state_restored(rng):
    np.random.seed(5)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    result = gl.check_layer(BookStyleDropout(), rng.normal(size=(6, 5)))
    assert result.status == "pass" and result.mode == "train", str(result)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert gl.check_layer(gl.Dropout(0.5, seed=3), rng.normal(size=(6, 5))).ok


def test_a_test_mode_check_passes_train_flg_false(rng):
    result = gl.check_layer(BookStyleDropout(0.3), rng.normal(size=(3, 4)), train_flg=False)
    assert result.ok and result.mode == ""


def test_a_loss_layer_gets_labels_and_dout_one(rng):
    x = rng.normal(size=(5, 4))
    result = gl.check_layer(gl.SoftmaxWithLoss(), x, t=np.array([0, 3, 1, 1, 2]))
    assert result.ok and result.arrays == ("dx",)
    one_hot = np.eye(4)[[0, 3, 1, 1, 2]]
    assert gl.check_layer(gl.SoftmaxWithLoss(delta=0.0), x, t=one_hot).ok


class Backword(gl.Relu):
    backword = gl.Relu.backward
    backward = None


class ReturnsNothing(gl.Relu):
    def backward(self, dout):
        self.dx = dout


class UpdatesItsWeights(gl.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.W -= 0.1 * self.dW
        return dx


def test_bad_layers_get_clear_errors(rng):
    x = rng.normal(size=(2, 3))
    with pytest.raises(TypeError, match="has no method backward.*'backword': a typo"):
        gl.check_layer(Backword(), x)
    with pytest.raises(TypeError, match="returned None"):
        gl.check_layer(ReturnsNothing(), x)
    with pytest.raises(ValueError, match="modified the parameter behind dW"):
        gl.check_layer(UpdatesItsWeights(rng.normal(size=(3, 2)), np.zeros(2)), x)
    with pytest.raises(TypeError, match="integer dtype"):
        gl.check_layer(gl.Relu(), np.arange(6).reshape(2, 3))
    with pytest.raises(TypeError, match="takes no target"):
        gl.check_layer(gl.Relu(), x, t=np.array([0, 1]))
    with pytest.raises(ValueError, match="dout has shape"):
        gl.check_layer(gl.Relu(), x, dout=np.ones(3))


def test_the_book_sized_convolution_is_localised_in_fast_mode(rng):
    """SimpleConvNet's first layer with one wrong weight gradient: fast mode finds the
    element (bisection) in far fewer evaluations than full mode would use."""

    class OneWrongWeight(gl.Convolution):
        def backward(self, dout):
            dx = super().backward(dout)
            self.dW[7, 0, 2, 3] += 1e-2
            return dx

    conv = OneWrongWeight(0.1 * rng.normal(size=(30, 1, 5, 5)), 0.1 * rng.normal(size=30))
    result = gl.check_layer(conv, rng.normal(size=(2, 1, 28, 28)))
    assert result.status == "fail" and result.worst[0].where == "dW[7, 0, 2, 3]"
    assert result.result.evaluations < gl.check.full_mode_evaluations(1568 + 750 + 30) / 50


def test_im2col_is_used_as_the_book_lays_it_out():
    # the mutant col2im above folds the book's layout: on non-overlapping windows it is exact
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    col = im2col(x, 2, 2, stride=2)
    assert np.array_equal(_col2im_assigning(col, x.shape, 2, 2, 2, 0), x)


class BookStyleSoftmaxWithLoss(gl.SoftmaxWithLoss):
    """(y - t) / N: the exact gradient of the delta-free loss, not of this one."""

    def backward(self, dout=1):
        return (self.y - np.eye(self.y.shape[1])[self.t]) / self.y.shape[0]


def test_the_books_delta_free_backward_is_explained_not_hidden(rng):
    x = rng.normal(size=(4, 3))
    result = gl.check_layer(BookStyleSoftmaxWithLoss(), x, t=np.array([0, 2, 1, 1]))
    assert result.status == "fail" and result.cause == "delta_residual", str(result)
    assert "delta = 1e-7" in str(result)
    exact = BookStyleSoftmaxWithLoss(delta=0.0)
    assert gl.check_layer(exact, x, t=np.array([0, 2, 1, 1])).ok


class DictAffine:
    """Keeps its parameters in a params dict and their gradients in grads."""

    def __init__(self, W, b, *, bias_bug=False):
        self.params, self.grads, self.bias_bug = {"W": W, "b": b}, {}, bias_bug

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0) * (2.0 if self.bias_bug else 1.0)
        return dout @ self.params["W"].T


def test_params_and_grads_dicts_are_checked_by_key(rng):
    W, b, x = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(5, 4))
    good = gl.check_layer(DictAffine(W, b), x)
    assert good.ok and good.arrays == ("dx", "grads['W']", "grads['b']")
    bad = gl.check_layer(DictAffine(W, b, bias_bug=True), x, mode="full")
    assert bad.status == "fail" and bad.worst[0].name == "grads['b']", str(bad)
