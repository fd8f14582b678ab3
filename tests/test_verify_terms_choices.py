"""Every definition on its own row, the headline the learner's code uses, earlier book
versions never failing the name; notebooks reported by cell; the book's own repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from terms_support import LEARNERS, TERMS, verify


@pytest.fixture(scope="module")
def chapters():
    return verify(LEARNERS / "chapters")


def test_the_net_imported_chapter_file_is_the_headline_and_nothing_fails_but_the_book_bug(
        chapters):
    headline = {r.function: r.definition for r in chapters.records if r.role == "headline"}
    assert headline["cross_entropy_error"].startswith("ch04/functions.py")
    assert headline["softmax"].startswith("common/functions.py")
    assert headline["step_function"].startswith("common/functions.py")
    assert {c for c, _, _ in chapters.failures()} == {"numerical_gradient.integer_input"}


def test_earlier_book_versions_warn_on_their_own_rows(chapters):
    naive = chapters.statuses("softmax", "ch03/naiveSoftmax.py")
    scalar = chapters.statuses("step_function", "ch03/step_function.py")
    one_sample = chapters.statuses("cross_entropy_error", "ch04/loss_demo.py")
    for statuses in (naive, one_sample):
        assert "warn" in statuses.values() and "fail" not in statuses.values()
    # a step function of one number is judged on numbers, its own terms
    assert scalar == {"step_function.values": "pass", "step_function.search": "skip"}
    assert {r.role for r in chapters.records if r.definition.startswith(
        ("ch03/naiveSoftmax.py", "ch03/step_function.py", "ch04/loss_demo.py"))} == \
        {"progression"}


def test_a_layer_class_is_never_taken_for_the_function(chapters):
    assert chapters.statuses("relu") == {"relu.defined": "skip"}


def test_a_chapter5_net_without_backprop_skips_and_never_fails(chapters):
    statuses = chapters.statuses("TwoLayerNet", "ch05/two_layer_net.py")
    assert statuses["TwoLayerNet.predict"] == statuses["TwoLayerNet.loss"] == "pass"
    assert "fail" not in statuses.values()


def test_an_alphabetical_tie_goes_to_the_complete_version():
    flat = verify(LEARNERS / "flat_camel", quick=True)
    assert flat.of("softmax.batch", "softmax.py").role == "headline"
    assert flat.of("softmax.batch", "naiveSoftmax.py").status == "warn"
    assert {c for c, _, _ in flat.failures()} == {"numerical_gradient.integer_input"}


def test_a_bug_in_one_notebook_cell_is_reported_at_that_cell():
    notebook = verify(TERMS / "notebook" / "ch03.ipynb", kind="notebook", quick=True)
    relu = notebook.of("relu.values")
    assert relu.status == "fail" and relu.definition == "ch03.ipynb cell 6, line 2"
    assert notebook.of("sigmoid.values").definition == "ch03.ipynb cell 4, line 1"
    assert {c for c, _, _ in notebook.failures()} == {"relu.values"}


BOOK = Path(os.environ.get("GRADLAB_BOOK", "/work/ext/book"))


@pytest.mark.skipif(not (BOOK / "ch04" / "two_layer_net.py").is_file(),
                    reason="the book's repository is not here (set GRADLAB_BOOK to a copy)")
def test_the_books_repository_fails_only_its_integer_input_bug():
    """The book's chapters 3-7 and notebooks: no fail but the integer truncation of its
    numerical_gradient and SimpleConvNet.accuracy's (full batches only, divided by all N);
    its chapter-5 net is judged as a chapter-5 model and passes."""
    book = verify(BOOK, examples=5)
    assert {c for c, _, _ in book.failures()} == {"numerical_gradient.integer_input",
                                                  "SimpleConvNet.accuracy"}
    ch05 = book.statuses("TwoLayerNet", "ch05/two_layer_net.py")
    assert set(ch05.values()) == {"pass"}
    ch04 = book.statuses("TwoLayerNet", "ch04/two_layer_net.py")
    assert ch04.pop("TwoLayerNet.labels") == "warn" and set(ch04.values()) == {"pass"}


def test_a_one_sample_version_fails_beyond_its_version_only_where_a_network_uses_it():
    relied = verify(TERMS / "relied", quick=True)
    assert relied.of("softmax.batch", "net.py").status == "fail"
    demo = relied.of("softmax.batch", "mnist_demo.py")
    assert demo.status == "warn" and "none of the book's networks or layers" in \
        demo.message
    assert relied.of("TwoLayerNet.predict").status == "fail"


def test_a_version_wrong_within_what_it_was_written_for_is_excused_nothing():
    relied = verify(TERMS / "relied", quick=True)
    assert relied.of("softmax.vector", "doubled.py").status == "fail"
    assert relied.of("softmax.large", "doubled.py").status == "fail"
    assert relied.of("softmax.large", "mnist_demo.py").status == "pass"


def test_a_network_of_its_own_keeps_a_one_sample_version_within_it():
    relied = verify(TERMS / "relied", quick=True)
    record = relied.of("softmax.batch", "rnn.py")
    assert record.status == "warn"
    assert "none of the book's networks or layers" in record.message
