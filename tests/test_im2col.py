"""im2col and col2im (the book's common/util.py): values against the JAX twins, the adjoint
identity with overlapping windows, shapes, validation messages, no side effects."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradlab as gl
from gradlab import reference as ref
from gradlab.strategies import conv_geometries
from tests.helpers import assert_unchanged, snapshot
from tests.layer_helpers import CONV_CASES, CONV_IDS, assert_within_sum_bound, gamma


def col2im_assign(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """A learner's col2im that assigns (=) instead of adding (+=): a broken variant."""
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    c6 = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for y in range(filter_h):
        for x in range(filter_w):
            img[:, :, y:y + stride * out_h:stride, x:x + stride * out_w:stride] = c6[:, :, y, x]
    return img[:, :, pad:H + pad, pad:W + pad]


def case_args(case):
    x_shape, w_shape, stride, pad = case
    return x_shape, w_shape[2], w_shape[3], stride, pad


def adjoint_gap(col2im, rng, x_shape, fh, fw, stride, pad):
    """<im2col(x), c> - <x, col2im(c)> and the rounding bound on it."""
    x = rng.normal(size=x_shape)
    cols = gl.im2col(x, fh, fw, stride, pad)
    c = rng.normal(size=cols.shape)
    lhs, rhs = np.sum(cols * c), np.sum(x * col2im(c, x_shape, fh, fw, stride, pad))
    # Both sides sum the same products x_i c_j (col2im adds up to fh*fw of them per pixel
    # first), so each is within gamma_n * sum|x_i c_j| of the exact value, n = c.size + fh*fw.
    bound = 2 * gamma(c.size + fh * fw) * np.sum(np.abs(cols) * np.abs(c))
    return lhs - rhs, bound


def test_im2col_small_example_by_hand():
    x = np.arange(2 * 3 * 4, dtype=float).reshape(1, 2, 3, 4)
    col = gl.im2col(x, 2, 3, stride=1, pad=0)   # 2x2 windows positions, 2*2*3 columns
    assert col.shape == (4, 12)
    # row (oh=1, ow=1): channel 0 rows 1-2, cols 1-3, then channel 1 the same
    expected = np.concatenate([x[0, 0, 1:3, 1:4].ravel(), x[0, 1, 1:3, 1:4].ravel()])
    np.testing.assert_array_equal(col[3], expected)


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_im2col_equals_the_twin_exactly(case, rng):
    x_shape, fh, fw, stride, pad = case_args(case)
    x = rng.normal(size=x_shape)
    ours = gl.im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(ours, np.asarray(ref.im2col(x, fh, fw, stride, pad)))  # copies


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_col2im_equals_the_twin(case, rng):
    x_shape, fh, fw, stride, pad = case_args(case)
    col = rng.normal(size=gl.im2col(np.zeros(x_shape), fh, fw, stride, pad).shape)
    ours = gl.col2im(col, x_shape, fh, fw, stride, pad)
    oracle = ref.col2im(col, x_shape, fh, fw, stride, pad)
    # each pixel is a sum of at most fh*fw column entries
    assert_within_sum_bound(ours, oracle, gl.col2im(np.abs(col), x_shape, fh, fw, stride, pad),
                            fh * fw, "col2im")


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_col2im_is_the_adjoint_of_im2col(case, rng):
    gap, bound = adjoint_gap(gl.col2im, rng, *case_args(case))
    assert abs(gap) <= bound, f"<im2col(x), c> - <x, col2im(c)> = {gap:.3e} > {bound:.3e}"


@pytest.mark.parametrize("case", CONV_CASES[:2], ids=CONV_IDS[:2])
def test_adjoint_check_catches_col2im_that_assigns(case, rng):
    gap, bound = adjoint_gap(col2im_assign, rng, *case_args(case))
    assert abs(gap) > 1e6 * bound


def test_an_assigning_col2im_is_invisible_without_overlap(rng):
    # why the cases must overlap: with stride >= filter size each pixel is in one window
    gap, bound = adjoint_gap(col2im_assign, rng, *case_args(CONV_CASES[2]))
    assert abs(gap) <= bound


def test_col2im_adds_overlapping_windows():
    img = gl.col2im(np.ones((9, 4)), (1, 1, 4, 4), 2, 2)
    np.testing.assert_array_equal(img[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2],
                                              [1, 2, 2, 1]])


def test_pad_value_fills_the_border():
    col = gl.im2col(np.ones((1, 1, 2, 2)), 2, 2, stride=1, pad=1, pad_value=-np.inf)
    assert np.isneginf(col[0, :3]).all() and col[0, 3] == 1.0


def test_dtypes(rng):
    x32 = rng.normal(size=(1, 1, 3, 3)).astype(np.float32)
    assert gl.im2col(x32, 2, 2).dtype == np.float32
    assert gl.im2col(np.ones((1, 1, 3, 3), dtype=int), 2, 2).dtype == np.float64


def test_neither_function_modifies_its_arguments(rng):
    x = rng.normal(size=(2, 3, 7, 8))
    col = rng.normal(size=(2 * 4 * 5, 3 * 3 * 2))
    before = snapshot(x, col)
    gl.im2col(x, 3, 2, 2, 1)
    gl.col2im(col, x.shape, 3, 2, 2, 1)
    assert_unchanged(before, x, col)


def test_conv_output_size():
    assert gl.conv_output_size(28, 5) == 24
    assert gl.conv_output_size(7, 3, stride=2, pad=1) == 4
    assert gl.conv_output_size(3, 3, stride=5) == 1


IM2COL_ERRORS = [
    (lambda: gl.im2col(np.ones((3, 4, 4)), 2, 2), ValueError,
     r"input_data must be 4-D \(N, C, H, W\), got shape \(3, 4, 4\)"),
    (lambda: gl.im2col(np.ones((1, 1, 5, 5)), 2, 2, stride=2), ValueError,
     r"windows of height 2 with stride 2 and pad 0 do not tile an input of height 5: "
     r"\(5 \+ 2\*0 - 2\) / 2 \+ 1 = 2.5 is not an integer"),
    (lambda: gl.im2col(np.ones((1, 1, 4, 5)), 2, 2, stride=2), ValueError,
     r"do not tile an input of width 5"),
    (lambda: gl.im2col(np.ones((1, 1, 2, 2)), 3, 1), ValueError,
     r"the filter height 3 is larger than the padded input height 2 \+ 2\*0 = 2"),
    (lambda: gl.im2col(np.ones((1, 1, 2, 2)), 2, 2, stride=0), ValueError,
     r"stride must be a positive integer, got 0"),
    (lambda: gl.im2col(np.ones((1, 1, 2, 2)), 2, 2, pad=-1), ValueError,
     r"pad must be a non-negative integer, got -1"),
    (lambda: gl.im2col(np.ones((1, 1, 2, 2)), 1.5, 2), ValueError,
     r"filter_h must be a positive integer, got 1.5"),
    (lambda: gl.im2col(np.array([[[[np.nan]]]]), 1, 1), ValueError,
     r"input_data contains a non-finite value"),
    (lambda: gl.col2im(np.ones((4, 5)), (1, 1, 3, 3), 2, 2), ValueError,
     r"col has shape \(4, 5\), but images of shape \(1, 1, 3, 3\) with 2x2 windows, stride 1 "
     r"and pad 0 give im2col shape \(4, 4\)"),
    (lambda: gl.col2im(np.ones((4, 4)), (3, 3), 2, 2), ValueError,
     r"input_shape must be \(N, C, H, W\), got \(3, 3\)"),
    (lambda: gl.col2im(np.ones((4, 4)), (1, 0, 3, 3), 2, 2), ValueError,
     r"input_shape entries must be a positive integer, got 0"),
    (lambda: gl.conv_output_size(0, 1), ValueError, r"height must be a positive integer"),
]


@pytest.mark.parametrize("call, error, message", IM2COL_ERRORS)
def test_validation_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()


@given(conv_geometries(), st.integers(0, 2**32 - 1))
def test_adjoint_identity_on_any_geometry_that_tiles(geometry, seed):
    x_shape, w_shape, stride, pad = geometry
    N, C, H, W = x_shape
    fh, fw = w_shape[2:]
    oh, ow = gl.conv_output_size(H, fh, stride, pad), gl.conv_output_size(W, fw, stride, pad,
                                                                         axis="width")
    assert (H + 2 * pad - fh) == (oh - 1) * stride and (W + 2 * pad - fw) == (ow - 1) * stride
    gap, bound = adjoint_gap(gl.col2im, np.random.default_rng(seed), x_shape, fh, fw, stride,
                             pad)
    assert abs(gap) <= bound
