"""Convolution and Pooling (chapter 7): forward against the JAX twins (lax.conv_general_dilated,
lax.reduce_window), backward against jax.vjp AND finite differences of our own forward, on
shapes that expose mistakes; deliberately broken variants caught; validation messages."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradlab as gl
from gradlab import reference as ref
from gradlab.strategies import conv_geometries
from tests.helpers import assert_unchanged, snapshot
from tests.layer_helpers import (
    CONV_CASES,
    CONV_IDS,
    POOL_CASES,
    POOL_IDS,
    assert_backward_by_fd,
    assert_within_sum_bound,
    check_backward_by_fd,
    reports_a_bug,
    spaced,
    vjp_of,
)
from tests.test_im2col import col2im_assign

# --- broken variants, as learners write them ---------------------------------------------


class ConvWidthFromHeight(gl.Convolution):
    """Output width computed from the height."""

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        N, _, H, W = x.shape
        out_h = (H + 2 * self.pad - FH) // self.stride + 1
        col = gl.im2col(x, FH, FW, self.stride, self.pad)
        out = col @ self.W.reshape(FN, -1).T + self.b
        return out.reshape(N, out_h, -1, FN)[:, :, :out_h].transpose(0, 3, 1, 2)


class ConvFirstChannelOnly(gl.Convolution):
    """No sum over the input channels: channel 0 only."""

    def forward(self, x):
        one = gl.Convolution(self.W[:, :1].copy(), self.b, self.stride, self.pad)
        return one.forward(np.asarray(x)[:, :1])


class ConvDWNotTransposed(gl.Convolution):
    """dW reshaped from (C*FH*FW, FN) without the transpose: right shape, wrong values."""

    def backward(self, dout):
        dx = super().backward(dout)
        FN = self.W.shape[0]
        self.dW = (self.col.T @ dout.transpose(0, 2, 3, 1).reshape(-1, FN)).reshape(self.W.shape)
        return dx


class ConvAssigningCol2im(gl.Convolution):
    """backward through a col2im that assigns instead of adding."""

    def backward(self, dout):
        super().backward(dout)
        FN, C, FH, FW = self.W.shape
        dcol = dout.transpose(0, 2, 3, 1).reshape(-1, FN) @ self.col_W.T
        return col2im_assign(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class PoolFirstInWindow(gl.Pooling):
    """backward that routes each gradient to the first cell of its window, not the max."""

    def backward(self, dout):
        self.arg_max = np.zeros_like(self.arg_max)
        return super().backward(dout)


def conv_problem(rng, case):
    x_shape, w_shape, stride, pad = case
    x, W, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    return x, W, b, stride, pad


def conv_bounds(x, W, b, stride, pad, dout):
    """Sums of |products| behind every output and gradient entry: the same layer on |inputs|."""
    layer = gl.Convolution(np.abs(W), np.abs(b), stride, pad)
    out = layer.forward(np.abs(x))
    dx = layer.backward(np.abs(dout))
    return out, dx, layer.dW, layer.db


# --- Convolution -------------------------------------------------------------------------

@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_convolution_against_jax_and_fd(case, rng):
    x, W, b, stride, pad = conv_problem(rng, case)
    FN, C, FH, FW = W.shape
    layer = gl.Convolution(W, b, stride, pad)
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    abs_out, abs_dx, abs_dW, abs_db = conv_bounds(x, W, b, stride, pad, dout)
    assert_within_sum_bound(out, ref.conv_forward(x, W, b, stride, pad), abs_out,
                            C * FH * FW + 1, "forward")
    dx = layer.backward(dout)
    jdx, jdW, jdb = vjp_of(ref.conv_forward, x, W, b, stride, pad, argnums=(0, 1, 2))(dout)
    n_out = out.shape[0] * out.shape[2] * out.shape[3]
    assert_within_sum_bound(dx, jdx, abs_dx, FN * FH * FW, "dx")
    assert_within_sum_bound(layer.dW, jdW, abs_dW, n_out, "dW")
    assert_within_sum_bound(layer.db, jdb, abs_db, n_out, "db")
    assert_backward_by_fd(gl.Convolution(W, b, stride, pad).forward, x, dout, dx)
    assert_backward_by_fd(lambda w: gl.Convolution(w, b, stride, pad).forward(x), W, dout,
                          layer.dW, "dW")
    assert_backward_by_fd(lambda c: gl.Convolution(W, c, stride, pad).forward(x), b, dout,
                          layer.db, "db")


def test_convolution_at_simple_convnet_first_layer_sizes(rng):
    x, W, b = rng.random((2, 1, 28, 28)), 0.01 * rng.normal(size=(30, 1, 5, 5)), np.zeros(30)
    layer = gl.Convolution(W, b)
    out = layer.forward(x)
    assert out.shape == (2, 30, 24, 24)
    dout = rng.normal(size=out.shape)
    abs_out, abs_dx, abs_dW, _ = conv_bounds(x, W, b, 1, 0, dout)
    assert_within_sum_bound(out, ref.conv_forward(x, W, b), abs_out, 26, "forward")
    dx = layer.backward(dout)
    jdx, jdW = vjp_of(ref.conv_forward, x, W, b, argnums=(0, 1))(dout)
    assert_within_sum_bound(dx, jdx, abs_dx, 30 * 25, "dx")
    assert_within_sum_bound(layer.dW, jdW, abs_dW, 2 * 24 * 24, "dW")


def test_forward_parity_catches_a_width_from_the_height(rng):
    x, W, b, stride, pad = conv_problem(rng, CONV_CASES[0])   # output 4x5
    out = ConvWidthFromHeight(W, b, stride, pad).forward(x)
    assert out.shape != ref.conv_forward(x, W, b, stride, pad).shape


def test_forward_parity_catches_a_missing_channel_sum(rng):
    x, W, b, stride, pad = conv_problem(rng, CONV_CASES[0])
    out = ConvFirstChannelOnly(W, b, stride, pad).forward(x)
    abs_out = conv_bounds(x, W, b, stride, pad, np.ones(out.shape))[0]
    with pytest.raises(AssertionError, match="forward"):
        assert_within_sum_bound(out, ref.conv_forward(x, W, b, stride, pad), abs_out, 19,
                                "forward")


def test_checks_catch_dw_without_its_transpose(rng):
    x, W, b, stride, pad = conv_problem(rng, CONV_CASES[1])
    layer = ConvDWNotTransposed(W, b, stride, pad)
    dout = rng.normal(size=layer.forward(x).shape)
    layer.backward(dout)
    result = check_backward_by_fd(lambda w: gl.Convolution(w, b, stride, pad).forward(x), W,
                                  dout, layer.dW)
    assert reports_a_bug(result), str(result)


@pytest.mark.parametrize("case", CONV_CASES[:2], ids=CONV_IDS[:2])
def test_checks_catch_an_assigning_col2im_where_windows_overlap(case, rng):
    x, W, b, stride, pad = conv_problem(rng, case)
    layer = ConvAssigningCol2im(W, b, stride, pad)
    dout = rng.normal(size=layer.forward(x).shape)
    result = check_backward_by_fd(gl.Convolution(W, b, stride, pad).forward, x, dout,
                                  layer.backward(dout))
    assert reports_a_bug(result), str(result)


def test_convolution_keeps_parameters_and_leaves_inputs_unchanged(rng):
    x, W, b, stride, pad = conv_problem(rng, CONV_CASES[0])
    layer = gl.Convolution(W, b, stride, pad)
    assert layer.W is W and layer.b is b
    dout = rng.normal(size=(2, 4, 4, 5))
    before = snapshot(x, W, b, dout)
    layer.forward(x)
    layer.backward(dout)
    assert_unchanged(before, x, W, b, dout)


# --- Pooling -----------------------------------------------------------------------------

@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pooling_against_jax_and_fd(case, rng):
    x_shape, (ph, pw), stride, pad = case
    x = spaced(rng, x_shape)               # no ties: the maximum of every window is unique
    layer = gl.Pooling(ph, pw, stride, pad)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, ref.pool_forward(x, ph, pw, stride, pad))  # a selection
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    abs_layer = gl.Pooling(ph, pw, stride, pad)
    abs_layer.forward(x)
    # a pixel collects the gradient of every window whose maximum it is: at most ph*pw terms
    assert_within_sum_bound(dx, vjp_of(ref.pool_forward, x, ph, pw, stride, pad)(dout)[0],
                            abs_layer.backward(np.abs(dout)), ph * pw, "dx")
    assert_backward_by_fd(gl.Pooling(ph, pw, stride, pad).forward, x, dout, dx)


def test_padding_never_wins_the_maximum():
    x = -np.arange(1.0, 17.0).reshape(1, 1, 4, 4)       # all negative
    out = gl.Pooling(2, 2, stride=2, pad=1).forward(x)   # zero padding would give 0 on the border
    np.testing.assert_array_equal(out, ref.pool_forward(x, 2, 2, 2, 1))
    assert out.max() < 0


def test_checks_catch_pooling_backward_to_the_wrong_cell(rng):
    x = spaced(rng, (2, 2, 6, 4))
    layer = PoolFirstInWindow(2, 2)
    dout = rng.normal(size=layer.forward(x).shape)
    result = check_backward_by_fd(gl.Pooling(2, 2).forward, x, dout, layer.backward(dout))
    assert reports_a_bug(result), str(result)


def test_pooling_leaves_inputs_unchanged(rng):
    x, dout = spaced(rng, (2, 3, 7, 8)), rng.normal(size=(2, 3, 4, 5))
    before = snapshot(x, dout)
    layer = gl.Pooling(3, 2, 2, 1)
    layer.forward(x)
    layer.backward(dout)
    assert_unchanged(before, x, dout)


# --- validation --------------------------------------------------------------------------

def _conv(fn=2, c=1, fh=3, fw=3, **kw):
    return gl.Convolution(np.ones((fn, c, fh, fw)), np.zeros(fn), **kw)


CONV_ERRORS = [
    (lambda: gl.Convolution(np.ones((2, 3, 3)), np.zeros(2)), ValueError,
     r"W must be 4-D, got shape \(2, 3, 3\)"),
    (lambda: gl.Convolution(np.ones((2, 1, 3, 3)), np.zeros((2, 1, 1))), ValueError,
     r"b must be 1-D"),
    (lambda: gl.Convolution(np.ones((2, 1, 3, 3)), np.zeros(3)), ValueError,
     r"b has shape \(3,\) but W has 2 filters; b needs shape \(2,\)"),
    (lambda: gl.Convolution(np.ones((2, 1, 3, 3), dtype=int), np.zeros(2)), TypeError,
     r"W has integer dtype"),
    (lambda: _conv(stride=0), ValueError, r"stride must be a positive integer, got 0"),
    (lambda: _conv(pad=-2), ValueError, r"pad must be a non-negative integer, got -2"),
    (lambda: _conv().forward(np.ones((1, 5, 5))), ValueError,
     r"x has shape \(1, 5, 5\); Convolution takes a batch of images \(N, C, H, W\)"),
    (lambda: _conv().forward(np.ones((1, 2, 5, 5))), ValueError,
     r"x has 2 channels \(shape \(1, 2, 5, 5\)\) but the filters W \(2, 1, 3, 3\) expect 1"),
    (lambda: _conv(stride=2).forward(np.ones((1, 1, 6, 5))), ValueError,
     r"windows of height 3 with stride 2 and pad 0 do not tile an input of height 6"),
    (lambda: _conv().forward(np.ones((1, 1, 2, 5))), ValueError,
     r"the filter height 3 is larger than the padded input height"),
    (lambda: _conv().backward(np.ones((1, 2, 3, 3))), RuntimeError,
     r"Convolution.backward called before Convolution.forward"),
    (lambda: (lambda c: (c.forward(np.ones((1, 1, 5, 5))), c.backward(np.ones((1, 2, 3, 4)))))(
        _conv()), ValueError,
     r"Convolution.backward got dout of shape \(1, 2, 3, 4\), but the last forward returned "
     r"shape \(1, 2, 3, 3\)"),
    (lambda: gl.Pooling(2, 2, pad=2), ValueError,
     r"pad = 2 must be smaller than the window 2x2"),
    (lambda: gl.Pooling(0, 2), ValueError, r"pool_h must be a positive integer, got 0"),
    (lambda: gl.Pooling(2, 2).forward(np.ones((1, 1, 5, 4))), ValueError,
     r"do not tile an input of height 5"),
    (lambda: gl.Pooling(2, 2).forward(np.ones((4, 4))), ValueError,
     r"Pooling takes a batch of images"),
    (lambda: gl.Pooling(2, 2).backward(np.ones((1, 1, 2, 2))), RuntimeError,
     r"Pooling.backward called before Pooling.forward"),
]


@pytest.mark.parametrize("call, error, message", CONV_ERRORS)
def test_validation_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()


@settings(max_examples=25)   # each example loops over every output pixel in Python
@given(conv_geometries(), st.integers(0, 2**32 - 1))
def test_convolution_forward_is_the_definition_on_any_geometry(geometry, seed):
    from tests.test_reference_layers import conv_by_definition

    x_shape, w_shape, stride, pad = geometry
    rng = np.random.default_rng(seed)
    x, W, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    abs_out = conv_by_definition(np.abs(x), np.abs(W), np.abs(b), stride, pad)
    assert_within_sum_bound(gl.Convolution(W, b, stride, pad).forward(x),
                            conv_by_definition(x, W, b, stride, pad), abs_out,
                            int(np.prod(w_shape[1:])) + 1, "forward")
