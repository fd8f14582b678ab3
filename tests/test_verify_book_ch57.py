"""gradlab verify on the book's own chapter 5-7 code (a copy outside this repository, named by
GRADLAB_BOOK_REPO; skipped without it): every layer, optimizer, im2col/col2im and layer net is
checked, and nothing fails but the book's two real bugs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from terms_support import verify

BOOK = os.environ.get("GRADLAB_BOOK_REPO")
pytestmark = pytest.mark.skipif(not (BOOK and Path(BOOK, "common", "layers.py").is_file()),
                                reason="GRADLAB_BOOK_REPO does not name a copy of the book's "
                                       "repository")
BOOK_BUGS = {
    # integer x is truncated in place (x + h) by the book's numerical_gradient
    "numerical_gradient.integer_input",
    # SimpleConvNet.accuracy counts only full batches of batch_size but divides by all N
    "SimpleConvNet.accuracy",
}
CHECKED = {"Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "SGD", "Momentum", "Nesterov",
           "AdaGrad", "RMSprop", "Adam", "BatchNormalization", "Dropout", "MultiLayerNet",
           "MultiLayerNetExtend", "im2col", "col2im", "Convolution", "Pooling"}


@pytest.fixture(scope="module", params=["common", "ch05", "ch06", "ch07"])
def part(request):
    return request.param, verify(Path(BOOK, request.param), examples=2)


def test_the_books_chapter_5_7_code_gives_no_false_fail(part):
    name, verdicts = part
    fails = {(r.check, r.message[:120]) for r in verdicts.records if r.status == "fail"
             and r.check not in BOOK_BUGS}
    assert not fails, (name, fails)
    errors = [(r.check, r.message) for r in verdicts.records if r.status == "error"]
    assert not errors, errors


def test_every_chapter_5_7_name_of_common_is_checked(part):
    name, verdicts = part
    if name != "common":
        pytest.skip("common/ holds the layers and optimizers")
    statuses = {}
    for r in verdicts.records:
        statuses.setdefault(r.function, set()).add(r.status)
    assert all(statuses.get(n, {"skip"}) <= {"pass", "warn"} for n in CHECKED), statuses
    relu = verdicts.of("Relu.backward", "layers.py")
    assert relu.status == "warn" and "(dout) in place" in relu.message


def test_simple_convnet_accuracy_is_the_books_real_bug(part):
    name, verdicts = part
    if name != "ch07":
        pytest.skip("SimpleConvNet lives in ch07")
    record = verdicts.of("SimpleConvNet.accuracy", "simple_convnet.py")
    assert record.status == "fail" and "divides by all N" in record.message
    assert verdicts.of("SimpleConvNet.gradient", "simple_convnet.py").status == "pass"
