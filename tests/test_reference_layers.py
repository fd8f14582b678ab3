"""The chapter 5-7 twins in gradlab.reference are a trustworthy oracle: each agrees with a
direct, loop-by-definition computation (so the oracle and gradlab do not share a convention
by accident), works under jax.grad / jax.vjp, and is float64 or an error."""

import functools
import itertools

import jax
import numpy as np
import pytest

from gradlab import reference as ref
from gradlab.functions import cross_entropy_error, softmax
from tests.helpers import assert_parity
from tests.layer_helpers import CONV_CASES, CONV_IDS, POOL_CASES, POOL_IDS, spaced

# names importable from gradlab.reference before it became a package
CHAPTER4_NAMES = ["step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
                  "identity_function", "softmax", "mean_squared_error", "cross_entropy_error",
                  "simple_net_loss", "two_layer_net_predict", "two_layer_net_loss", "grad",
                  "to_numpy", "float64_only"]


def conv_by_definition(x, W, b, stride, pad):
    """out[n, f, i, j] = b[f] + sum_{c,p,q} xpad[n, c, i*stride + p, j*stride + q] W[f, c, p, q]."""
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    OH, OW = (H + 2 * pad - FH) // stride + 1, (Wd + 2 * pad - FW) // stride + 1
    out = np.empty((N, FN, OH, OW))
    for n, f, i, j in itertools.product(range(N), range(FN), range(OH), range(OW)):
        window = xp[n, :, i * stride:i * stride + FH, j * stride:j * stride + FW]
        out[n, f, i, j] = b[f] + np.sum(window * W[f])
    return out


def pool_by_definition(x, ph, pw, stride, pad):
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], constant_values=-np.inf)
    N, C, H, W = x.shape
    OH, OW = (H + 2 * pad - ph) // stride + 1, (W + 2 * pad - pw) // stride + 1
    out = np.empty((N, C, OH, OW))
    for n, c, i, j in itertools.product(range(N), range(C), range(OH), range(OW)):
        out[n, c, i, j] = xp[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw].max()
    return out


def im2col_by_definition(x, fh, fw, stride, pad):
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    N, C, H, W = x.shape
    OH, OW = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    rows = [xp[n, :, i * stride:i * stride + fh, j * stride:j * stride + fw].ravel()
            for n in range(N) for i in range(OH) for j in range(OW)]
    return np.array(rows)


def test_every_chapter4_name_is_still_importable():
    for name in CHAPTER4_NAMES:
        assert name in ref.__all__ and hasattr(ref, name), name
    assert all(hasattr(ref, name) for name in ref.__all__)


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_twin_is_the_definition(case, rng):
    x_shape, w_shape, stride, pad = case
    x, W, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    # sums of C*FH*FW + 1 <= 19 products of O(1) values: 64 ulps of the largest |output| bounds
    # the rounding of both sides (PARITY_RTOL); a wrong index or convention is O(1)
    assert_parity(ref.conv_forward(x, W, b, stride, pad), conv_by_definition(x, W, b, stride, pad),
                  scale=float(np.max(np.abs(conv_by_definition(np.abs(x), np.abs(W), np.abs(b),
                                                                stride, pad)))))


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_twin_is_the_definition(case, rng):
    x_shape, (ph, pw), stride, pad = case
    x = spaced(rng, x_shape)
    np.testing.assert_array_equal(ref.pool_forward(x, ph, pw, stride, pad),
                                  pool_by_definition(x, ph, pw, stride, pad))


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_im2col_twin_is_the_definition_and_col2im_its_adjoint(case, rng):
    x_shape, (_, _, fh, fw), stride, pad = case
    x = rng.normal(size=x_shape)
    cols = np.asarray(ref.im2col(x, fh, fw, stride, pad))
    np.testing.assert_array_equal(cols, im2col_by_definition(x, fh, fw, stride, pad))
    c = rng.normal(size=cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * np.asarray(ref.col2im(c, x_shape, fh, fw, stride, pad)))
    # both are sums of the same products x_i c_j: within 2 gamma_n of sum |x_i c_j|
    n = c.size + fh * fw
    assert abs(lhs - rhs) <= 2 * n * np.finfo(float).eps * np.sum(np.abs(cols * c))


def test_batchnorm_twins_are_the_formulas(rng):
    x = rng.normal(size=(5, 2, 1, 3)) * 2 + 1
    gamma, beta = rng.normal(size=6), rng.normal(size=6)
    x2 = x.reshape(5, -1)
    xn = (x2 - x2.mean(axis=0)) / np.sqrt(x2.var(axis=0) + 1e-6)
    assert_parity(ref.batchnorm_forward_train(x, gamma, beta), (gamma * xn + beta).reshape(x.shape),
                  scale=10.0)   # |x| <= ~8 over std >= ~1, times |gamma| <= ~3: a few ulps of 10
    m, v = ref.batchnorm_running_stats(x, np.ones(6), np.ones(6), 0.5)
    assert_parity(m, 0.5 + 0.5 * x2.mean(axis=0))
    assert_parity(v, 0.5 + 0.5 * x2.var(axis=0))


def test_softmax_with_loss_twin_is_cross_entropy_of_softmax(rng):
    x, t = rng.normal(size=(4, 5)), np.array([0, 4, 2, 2])
    assert_parity(ref.softmax_with_loss(x, t), cross_entropy_error(softmax(x), t))


def test_dropout_twin(rng):
    x, mask = rng.normal(size=(3, 4)), rng.random((3, 4)) > 0.5
    np.testing.assert_array_equal(ref.dropout_forward(x, mask, 0.5), x * mask)
    np.testing.assert_array_equal(ref.dropout_forward(x, mask, 0.25, False), x * 0.75)


def test_twins_work_under_grad_vjp_and_with_positional_static_arguments(rng):
    x, W, b = rng.normal(size=(1, 2, 5, 6)), rng.normal(size=(2, 2, 3, 2)), rng.normal(size=2)
    out, pullback = jax.vjp(functools.partial(ref.conv_forward, stride=2, pad=1), x, W, b)
    out2, pullback2 = jax.vjp(lambda *a: ref.conv_forward.__wrapped__(*a, 2, 1), x, W, b)
    np.testing.assert_array_equal(out, out2)
    dout = rng.normal(size=out.shape)
    for g1, g2 in zip(pullback(dout), pullback2(dout), strict=True):
        np.testing.assert_allclose(g1, g2, rtol=1e-12)
    g = jax.grad(lambda w: ref.conv_forward(x, w, b, 2, 1).sum())(W)
    assert g.shape == W.shape and g.dtype == np.float64
    col = ref.col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2, 1, 0)   # input_shape static, a tuple
    np.testing.assert_array_equal(col[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_float32_inputs_are_computed_in_float64(rng):
    x, W, b = (rng.normal(size=s).astype(np.float32) for s in ((1, 1, 4, 4), (1, 1, 2, 2), (1,)))
    assert ref.conv_forward(x, W, b).dtype == np.float64
    assert ref.pool_forward(x, 2, 2).dtype == np.float64


@pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64")
def test_a_float32_result_is_an_error():
    try:
        jax.config.update("jax_enable_x64", False)
        with pytest.raises(RuntimeError, match="reference.conv_forward computed in float32"):
            ref.conv_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.zeros(1))
    finally:
        jax.config.update("jax_enable_x64", True)
    assert ref.conv_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)),
                            np.zeros(1)).dtype == np.float64
