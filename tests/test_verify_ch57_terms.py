"""Chapter 7 on the learner's own terms: an ``im2col`` of another signature is another
function (a skip that says why), and the book's signature under other names is called."""

from __future__ import annotations

from terms_support import verify

SINGLE_IMAGE = '''import numpy as np


def im2col(image, kernel_size, stride=1, padding=0):
    """Columns of one 2-D image for a square kernel (not the book's batched version)."""
    image = np.pad(image, padding)
    out = (image.shape[0] - kernel_size) // stride + 1
    rows = [image[i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            .ravel() for i in range(out) for j in range(out)]
    return np.array(rows)
'''

RENAMED = '''import numpy as np


def im2col(x, fh, fw, s=1, p=0):
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - fh) // s + 1, (w + 2 * p - fw) // s + 1
    img = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        for z in range(fw):
            col[:, :, y, z, :, :] = img[:, :, y:y + s * oh:s, z:z + s * ow:s]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)
'''


def test_an_im2col_of_one_image_and_a_square_kernel_is_another_function(tmp_path):
    (tmp_path / "conv.py").write_text(SINGLE_IMAGE)
    record = verify(tmp_path, quick=True).of("im2col.values")
    assert record.status == "skip"
    assert "im2col(image, kernel_size, stride=1, padding=0)" in record.message


def test_the_books_im2col_under_its_own_parameter_names_is_checked(tmp_path):
    (tmp_path / "conv.py").write_text(RENAMED)
    assert verify(tmp_path, quick=True).of("im2col.values").status == "pass"


ARRAY_ADAM = '''import numpy as np


class Adam:
    """update(w, grad) returns the new array; the paper's eps and names."""

    def __init__(self, learning_rate=0.001, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = learning_rate, b1, b2, eps
        self.m = self.v = None
        self.t = 0

    def update(self, w, grad):
        if self.m is None:
            self.m, self.v = np.zeros_like(w), np.zeros_like(w)
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.v = self.b2 * self.v + (1 - self.b2) * grad ** 2
        m_hat = self.m / (1 - self.b1 ** self.t)
        v_hat = self.v / (1 - self.b2 ** self.t)
        return w - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
'''


def test_an_optimizer_of_arrays_with_its_own_names_and_eps_is_judged_its_way(tmp_path):
    (tmp_path / "optim.py").write_text(ARRAY_ADAM)
    record = verify(tmp_path, quick=True).of("Adam.trajectory")
    assert record.status == "pass", record.message
    assert "'paper' formulation" in record.message and "update(w, grad)" in record.message
    assert "eps=1e-08" in record.message


def test_the_same_optimizer_with_a_wrong_bias_correction_still_fails(tmp_path):
    (tmp_path / "optim.py").write_text(ARRAY_ADAM.replace("1 - self.b2 ** self.t",
                                                          "1 - self.b1 ** self.t"))
    record = verify(tmp_path, quick=True).of("Adam.trajectory")
    assert record.status == "fail" and "match none of the accepted" in record.message


UNIMPORTED = '''import numpy as np
from a_package_nobody_installed.util import im2col


class Pooling:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        n, c, h, w = x.shape
        oh = (h - self.pool_h) // self.stride + 1
        ow = (w - self.pool_w) // self.stride + 1
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        return np.max(col.reshape(-1, self.pool_h * self.pool_w), axis=1).reshape(
            n, oh, ow, c).transpose(0, 3, 1, 2)
'''


def test_a_layer_whose_helper_import_failed_is_explained_not_failed(tmp_path):
    """The same rule as for chapter 3-4 functions: a name from a failed import is verify's
    load, not the layer's bug (one home: the session raises, the suite explains)."""
    (tmp_path / "layers.py").write_text(UNIMPORTED)
    record = verify(tmp_path, quick=True).of("Pooling.forward")
    assert record.status == "error"
    assert "comes from an import that failed" in record.message
    assert "a_package_nobody_installed" in record.message


CHANNEL_BN = '''import numpy as np


class BatchNormalization:
    """Per-channel statistics for images (N, C, H, W); gamma and beta of shape (C,)."""

    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean = self.running_var = None

    def forward(self, x, train_flg=True):
        shape = x.shape
        if x.ndim == 4:
            x = x.transpose(0, 2, 3, 1).reshape(-1, shape[1])
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)
        out = self.gamma * (x - mu) / np.sqrt(var + 1e-7) + self.beta
        if len(shape) == 4:
            out = out.reshape(shape[0], shape[2], shape[3], shape[1]).transpose(0, 3, 1, 2)
        return out
'''


def test_batch_normalization_per_channel_on_images_is_a_named_convention(tmp_path):
    (tmp_path / "bn.py").write_text(CHANNEL_BN)
    record = verify(tmp_path, quick=True).of("BatchNormalization.forward")
    assert record.status == "pass" and "per channel" in record.message


def test_a_per_channel_batch_normalization_with_a_wrong_variance_still_fails(tmp_path):
    (tmp_path / "bn.py").write_text(CHANNEL_BN.replace("** 2).mean", "** 2).sum"))
    record = verify(tmp_path, quick=True).of("BatchNormalization.forward")
    assert record.status == "fail" and "a batch of 5, 6 features" in record.message


AFFINE_2D = '''import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, dout.sum(axis=0)
        return dout @ self.W.T
'''
AFFINE_4D = AFFINE_2D.replace("        self.x = x\n",
                              "        self.shape = x.shape\n"
                              "        x = x.reshape(x.shape[0], -1)\n        self.x = x\n")
AFFINE_4D = AFFINE_4D.replace("        return dout @ self.W.T\n",
                              "        return (dout @ self.W.T).reshape(self.shape)\n")
CONVNET = '''from layers import Affine


class SimpleConvNet:
    def __init__(self, W, b):
        self.last = Affine(W, b)
'''


def test_a_2d_affine_only_warns_when_the_convnet_uses_another_one(tmp_path):
    for folder, source in (("ch05", AFFINE_2D), ("ch07", AFFINE_4D)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "layers.py").write_text(source)
    (tmp_path / "ch07" / "simple_convnet.py").write_text(CONVNET)
    records = verify(tmp_path, quick=True)
    assert records.of("Affine.images", "ch07/layers.py").status == "pass"
    assert records.of("Affine.images", "ch05/layers.py").status == "warn"
    (tmp_path / "ch07" / "layers.py").write_text(AFFINE_2D)  # the convnet's own: a fail
    records = verify(tmp_path, quick=True)
    assert records.of("Affine.images", "ch07/layers.py").status == "fail"


def test_a_failing_layer_check_prints_its_report_in_verbose_mode(tmp_path):
    """The checker's report of a wrong backward is the record's details, shown by
    --verbose (it once was a dict, and the report crashed)."""
    from gradlab.conformance.report import format_report

    (tmp_path / "layers.py").write_text(AFFINE_2D.replace("dout @ self.W.T",
                                                          "dout @ self.W.T * 2"))
    records = verify(tmp_path, quick=True)
    record = records.of("Affine.backward")
    assert record.status == "fail" and "VJP check FAILED at dx" in record.details
    assert "VJP check FAILED at dx" in format_report(records.records, verbose=True)


def test_running_statistics_under_other_names_are_a_skip_not_a_state_bug(tmp_path):
    """verify reads running_mean itself; a layer that keeps moving_mean has no bug there."""
    (tmp_path / "bn.py").write_text(CHANNEL_BN.replace("self.running_mean = self.running_var",
                                                       "self.moving_mean = self.moving_var"))
    record = verify(tmp_path, quick=True).of("BatchNormalization.running_stats")
    assert record.status == "skip" and "running_mean" in record.message
    assert "before anything assigned it" not in record.message
