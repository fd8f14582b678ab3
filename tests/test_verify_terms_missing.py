"""What is not there is a skip, and so is every check that needs it; a failed import is
explained as one (fixtures/terms/not_there)."""

from __future__ import annotations

import sys

import pytest
from terms_support import TERMS, verify


@pytest.fixture(scope="module")
def target():
    return verify(TERMS / "not_there")


def test_a_net_without_gradient_skips_gradient_and_every_check_that_needs_it(target):
    statuses = target.statuses("TwoLayerNet", "ch04/two_layer_net.py")
    assert statuses == {"TwoLayerNet.predict": "pass", "TwoLayerNet.loss": "pass",
                        "TwoLayerNet.accuracy": "pass", "TwoLayerNet.gradient": "skip",
                        "TwoLayerNet.numerical_gradient": "pass", "TwoLayerNet.labels": "skip",
                        "TwoLayerNet.search": "skip"}
    for check in ("TwoLayerNet.gradient", "TwoLayerNet.labels", "TwoLayerNet.search"):
        assert target.of(check, "ch04/two_layer_net.py").message == \
            "not implemented: net.gradient is not defined"


def test_a_gradient_that_raises_not_implemented_is_a_skip(target):
    statuses = target.statuses("TwoLayerNet", "ch04/later_net.py")
    assert statuses["TwoLayerNet.predict"] == "pass"
    assert {s for c, s in statuses.items() if c != "TwoLayerNet.predict"} == {"skip"}
    assert "raises NotImplementedError" in target.of("TwoLayerNet.gradient",
                                                     "ch04/later_net.py").message


def test_a_name_from_a_failed_import_is_explained_as_such(target):
    record = target.of("relu.values")
    assert record.status == "error"
    assert "import that failed" in record.message and "cupy" in record.message
    assert "script statement" not in record.message
    assert target.of("relu.search").status == "error"


def test_nothing_fails_but_the_integer_input_bug(target):
    assert {c for c, _, _ in target.failures()} == {"numerical_gradient.integer_input"}


NEWER = """# helpers written with Python 3.12's type parameters (verify runs on 3.11)
import numpy as np


def first[T](items: list[T]) -> T:
    return items[0]


def relu(x):
    return np.maximum(0, x)
"""
USES_NEWER = """import numpy as np
from typed import relu as _relu


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return _relu(x)
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 reads the helper file")
def test_a_name_from_a_file_only_a_newer_python_reads_is_a_skip_not_an_error(tmp_path):
    """verify cannot read a file written for Python 3.12 on 3.11: what needs it is not
    checked (skip, with the reason), and the rest of the folder is."""
    (tmp_path / "typed.py").write_text(NEWER)
    (tmp_path / "activations.py").write_text(USES_NEWER)
    newer = verify(tmp_path, quick=True)
    record = newer.of("relu.values", "activations.py")
    assert record.status == "skip"
    assert "could not read" in record.message and "needs Python 3.12 or newer" in record.message
    assert newer.of("sigmoid.values").status == "pass"
    assert not [r for r in newer.records if r.status in ("fail", "error")]
