"""Dropout and BatchNormalization (chapter 6): train/test behaviour, running statistics, forward
and backward against the JAX twins and against finite differences of our own forward,
deliberately broken variants caught, side effects, validation messages."""

import numpy as np
import pytest

import gradlab as gl
from gradlab import reference as ref
from gradlab.regularization import BATCHNORM_EPS
from tests.helpers import PARITY_RTOL, assert_parity, assert_unchanged, snapshot
from tests.layer_helpers import assert_backward_by_fd, check_backward_by_fd, reports_a_bug, vjp_of

# --- broken variants ---------------------------------------------------------------------


class DropoutNoTestScaling(gl.Dropout):
    """Test mode returns x unscaled (the book's non-inverted dropout needs x * (1 - ratio))."""

    def forward(self, x, train_flg=True, **kw):
        return super().forward(x, train_flg, **kw) if train_flg else np.asarray(x, dtype=float)


class DropoutStaleMask(gl.Dropout):
    """The book's backward: always dout * mask, also after a test-mode forward."""

    def backward(self, dout):
        return dout * self.mask


class BatchNormNoMeanTerm(gl.BatchNormalization):
    """backward that forgets the path through the batch mean (dx = dxc)."""

    def backward(self, dout):
        dx = super().backward(dout).reshape(dout.shape[0], -1)
        dxc = self.gamma * dout.reshape(dx.shape) / self.std
        dxc = dxc - self.xc * np.sum(self.gamma * dout.reshape(dx.shape) * self.xc, axis=0) \
            / (self.batch_size * self.std ** 3)
        return dxc.reshape(dout.shape)


class BatchNormSwappedMomentum(gl.BatchNormalization):
    """running = (1 - momentum) * old + momentum * batch: the weights swapped."""

    def forward(self, x, train_flg=True):
        old_m, old_v = self.running_mean, self.running_var
        out = super().forward(x, train_flg)
        if train_flg and old_m is not None:
            mu = np.asarray(x).reshape(len(x), -1).mean(axis=0)
            var = np.asarray(x).reshape(len(x), -1).var(axis=0)
            self.running_mean = (1 - self.momentum) * old_m + self.momentum * mu
            self.running_var = (1 - self.momentum) * old_v + self.momentum * var
        return out


# --- Dropout -----------------------------------------------------------------------------

def test_dropout_train_and_test_scaling(rng):
    ratio, n = 0.3, 20000
    x = rng.normal(size=(4, n // 4)) + 2.0
    layer = gl.Dropout(ratio, seed=1)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, x * layer.mask)
    assert layer.mask.dtype == bool
    # kept fraction ~ Binomial(n, 0.7)/n: standard deviation sqrt(0.21 / n) = 0.0032; 5 sigma
    assert abs(layer.mask.mean() - (1 - ratio)) < 5 * np.sqrt(ratio * (1 - ratio) / n)
    test_out = layer.forward(x, train_flg=False)
    np.testing.assert_array_equal(test_out, x * (1 - ratio))
    # the book's convention: E[train output] = test output. mean(x * (mask - 0.7)) has
    # standard deviation sqrt(mean(x**2) * 0.21 / n) over the masks; 5 sigma
    sigma = np.sqrt(np.mean(x ** 2) * ratio * (1 - ratio) / n)
    assert abs(out.mean() - test_out.mean()) < 5 * sigma


def test_test_scaling_check_catches_a_dropout_without_it(rng):
    x = rng.normal(size=(3, 4))
    out = DropoutNoTestScaling(0.3).forward(x, train_flg=False)
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal(out, x * 0.7)


def test_dropout_backward_follows_the_mode_of_the_last_forward(rng):
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for cls, should_pass in ((gl.Dropout, True), (DropoutStaleMask, False)):
        layer = cls(0.5, seed=0)
        layer.forward(x)
        np.testing.assert_array_equal(layer.backward(dout), dout * layer.mask)
        layer.forward(x, train_flg=False)
        agrees = np.array_equal(layer.backward(dout), dout * 0.5)
        assert agrees == should_pass


def test_dropout_against_the_twin_and_fd_with_the_mask_held(rng):
    x, dout = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    layer = gl.Dropout(0.4, seed=3)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, ref.dropout_forward(x, layer.mask, 0.4, True))
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, vjp_of(ref.dropout_forward, x, layer.mask, 0.4)(dout)[0])
    assert_backward_by_fd(lambda z: layer.forward(z, reuse_mask=True), x, dout, dx)
    test_dx = (layer.forward(x, False), layer.backward(dout))[1]
    np.testing.assert_array_equal(test_dx, vjp_of(ref.dropout_forward, x, layer.mask, 0.4,
                                                  train_flg=False)(dout)[0])


def test_dropout_seed_reproduces_masks_and_reuse_keeps_them():
    a, b = gl.Dropout(0.5, seed=7), gl.Dropout(0.5, seed=7)
    x = np.ones((4, 5))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    mask = a.mask.copy()
    a.forward(2 * x, reuse_mask=True)
    np.testing.assert_array_equal(a.mask, mask)
    a.forward(x)
    assert not np.array_equal(a.mask, mask)   # a new draw (20 units: equal with p = 2**-20)


def test_dropout_leaves_inputs_unchanged(rng):
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    before = snapshot(x, dout)
    layer = gl.Dropout()
    layer.forward(x)
    layer.backward(dout)
    assert_unchanged(before, x, dout)


# --- BatchNormalization ------------------------------------------------------------------

BN_SHAPES = [(5, 4), (3, 2, 2, 3), (2, 3)]


def bn_problem(rng, shape):
    d = int(np.prod(shape[1:]))
    x = rng.normal(size=shape) * rng.uniform(0.5, 3, size=shape[1:]) + rng.normal(size=shape[1:])
    return x, rng.normal(size=d) + 1.0, rng.normal(size=d)


def bn_scale(x, gamma, dout=None):
    """Rounding scale of a batch-norm value: x - mean loses eps * max|x| absolutely, which the
    division by std (>= min std) and the scale gamma amplify; backward sums N terms of
    gamma * dout * (1 + xn**2) / std. A wrong formula is O(1) relative to this scale."""
    x2 = x.reshape(len(x), -1)
    std = np.sqrt(x2.var(axis=0) + BATCHNORM_EPS)
    xn = (x2 - x2.mean(axis=0)) / std
    base = np.max(np.abs(gamma)) * np.max(np.abs(x2)) / np.min(std)
    if dout is None:
        return max(1.0, base)
    return max(1.0, len(x) * np.max(np.abs(gamma)) * np.max(np.abs(dout))
               * (1 + np.max(xn ** 2)) / np.min(std))


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_train_against_jax_and_fd(shape, rng):
    x, gamma, beta = bn_problem(rng, shape)
    layer = gl.BatchNormalization(gamma, beta)
    out = layer.forward(x)
    assert_parity(out, ref.batchnorm_forward_train(x, gamma, beta), scale=bn_scale(x, gamma))
    dout = rng.normal(size=shape)
    dx = layer.backward(dout)
    jdx, jdg, jdb = vjp_of(ref.batchnorm_forward_train, x, gamma, beta, argnums=(0, 1, 2))(dout)
    assert_parity(dx, jdx, scale=bn_scale(x, gamma, dout))
    assert_parity(layer.dgamma, jdg, scale=bn_scale(x, gamma, dout))
    assert_parity(layer.dbeta, jdb, scale=len(x) * np.max(np.abs(dout)))
    fresh = lambda g, b: gl.BatchNormalization(g, b)  # noqa: E731
    assert_backward_by_fd(lambda z: fresh(gamma, beta).forward(z), x, dout, dx)
    assert_backward_by_fd(lambda g: fresh(g, beta).forward(x), gamma, dout, layer.dgamma, "dgamma")
    assert_backward_by_fd(lambda b: fresh(gamma, b).forward(x), beta, dout, layer.dbeta, "dbeta")


def test_checks_catch_batchnorm_backward_without_the_mean_term(rng):
    x, gamma, beta = bn_problem(rng, (5, 4))
    dout = rng.normal(size=x.shape)
    layer = BatchNormNoMeanTerm(gamma, beta)
    layer.forward(x)
    dx = layer.backward(dout)
    result = check_backward_by_fd(lambda z: gl.BatchNormalization(gamma, beta).forward(z), x,
                                  dout, dx)
    assert reports_a_bug(result), str(result)


def test_running_statistics_follow_the_book_formula(rng):
    x_batches = [rng.normal(loc=i, size=(6, 3)) for i in range(3)]
    mom = 0.8
    for cls, should_pass in ((gl.BatchNormalization, True), (BatchNormSwappedMomentum, False)):
        layer = cls(np.ones(3), np.zeros(3), momentum=mom)
        mean, var = np.zeros(3), np.zeros(3)   # the book starts both at 0
        for xb in x_batches:
            layer.forward(xb)
            mean = mom * mean + (1 - mom) * xb.mean(axis=0)
            var = mom * var + (1 - mom) * xb.var(axis=0)   # biased variance, as the book
        # a recurrence of 3 steps of a few operations: a few ulps of the values
        close = np.allclose(layer.running_mean, mean, rtol=16 * PARITY_RTOL, atol=0) and \
            np.allclose(layer.running_var, var, rtol=16 * PARITY_RTOL, atol=0)
        assert close == should_pass


def test_running_statistics_against_the_twin_and_test_mode(rng):
    x, gamma, beta = bn_problem(rng, (4, 2, 1, 3))
    mean0, var0 = rng.normal(size=6), rng.uniform(0.5, 2, size=6)
    before = snapshot(mean0, var0)
    layer = gl.BatchNormalization(gamma, beta, 0.9, mean0, var0)
    layer.forward(x)
    assert_unchanged(before, mean0, var0)       # new arrays, the caller's stay as they were
    jm, jv = ref.batchnorm_running_stats(x, mean0, var0, 0.9)
    assert_parity(layer.running_mean, jm)
    assert_parity(layer.running_var, jv)
    out = layer.forward(x, train_flg=False)
    oracle = ref.batchnorm_forward_test(x, gamma, beta, layer.running_mean, layer.running_var)
    assert_parity(out, oracle, scale=bn_scale(x, gamma))
    dout = rng.normal(size=x.shape)
    dx = layer.backward(dout)                   # the gradient of the test-mode (affine) map
    jdx = vjp_of(ref.batchnorm_forward_test, x, gamma, beta, layer.running_mean,
                 layer.running_var)(dout)[0]
    assert_parity(dx, jdx)
    held = gl.BatchNormalization(gamma, beta, 0.9, layer.running_mean, layer.running_var)
    assert_backward_by_fd(lambda z: held.forward(z, train_flg=False), x, dout, dx)


def test_batchnorm_keeps_parameters_by_reference_and_inputs_unchanged(rng):
    x, gamma, beta = bn_problem(rng, (3, 2, 2, 3))
    dout = rng.normal(size=x.shape)
    before = snapshot(x, gamma, beta, dout)
    layer = gl.BatchNormalization(gamma, beta)
    assert layer.gamma is gamma and layer.beta is beta
    layer.forward(x)
    layer.backward(dout)
    assert_unchanged(before, x, gamma, beta, dout)


def test_one_sample_batch_outputs_beta(rng):
    layer = gl.BatchNormalization(np.ones(3), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(layer.forward(rng.normal(size=(1, 3))), [[1.0, 2.0, 3.0]])


# --- validation --------------------------------------------------------------------------

def _bn(d=3, **kw):
    return gl.BatchNormalization(np.ones(d), np.zeros(d), **kw)


REGULARIZATION_ERRORS = [
    (lambda: gl.Dropout(1.0), ValueError, r"dropout_ratio must be in \[0, 1\), got 1.0"),
    (lambda: gl.Dropout(-0.1), ValueError, r"dropout_ratio must be in \[0, 1\)"),
    (lambda: gl.Dropout().backward(np.ones(2)), RuntimeError,
     r"Dropout.backward called before Dropout.forward: there is no saved mode"),
    (lambda: gl.Dropout().forward(np.ones(2), reuse_mask=True), RuntimeError,
     r"there is no saved mask to reuse"),
    (lambda: (lambda d: (d.forward(np.ones(2)), d.forward(np.ones(3), reuse_mask=True)))(
        gl.Dropout()), ValueError,
     r"reuse_mask=True but the last mask has shape \(2,\) and x has shape \(3,\)"),
    (lambda: (lambda d: (d.forward(np.ones(2)), d.backward(np.ones(3))))(gl.Dropout()),
     ValueError, r"Dropout.backward got dout of shape \(3,\)"),
    (lambda: _bn().forward(np.ones((2, 4))), ValueError,
     r"x has shape \(2, 4\), but gamma has 3 entries: BatchNormalization takes \(N, D\) or "
     r"\(N, C, H, W\) with D = C\*H\*W = 3 features"),
    (lambda: _bn().forward(np.ones((2, 3, 1))), ValueError, r"x has shape \(2, 3, 1\)"),
    (lambda: _bn().forward(np.ones((2, 3)), train_flg=False), RuntimeError,
     r"before any training forward: there are no running statistics yet"),
    (lambda: _bn().backward(np.ones((2, 3))), RuntimeError,
     r"BatchNormalization.backward called before BatchNormalization.forward"),
    (lambda: gl.BatchNormalization(np.ones(3), np.zeros(2)), ValueError,
     r"gamma has shape \(3,\) but beta has shape \(2,\)"),
    (lambda: gl.BatchNormalization(np.ones((3, 1)), np.zeros(3)), ValueError,
     r"gamma must be 1-D, got shape \(3, 1\)"),
    (lambda: gl.BatchNormalization(np.ones(3, dtype=int), np.zeros(3)), TypeError,
     r"gamma has integer dtype"),
    (lambda: _bn(momentum=1.5), ValueError, r"momentum must be in \[0, 1\], got 1.5"),
    (lambda: _bn(eps=0.0), ValueError, r"eps must be a positive finite number, got 0.0"),
    (lambda: _bn(running_mean=np.zeros(2)), ValueError,
     r"running_mean has shape \(2,\) but gamma has \(3,\)"),
]


@pytest.mark.parametrize("call, error, message", REGULARIZATION_ERRORS)
def test_validation_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()
