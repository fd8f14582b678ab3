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
