"""The Examples sections of the public docstrings run and hold."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import gradlab

LIGHT_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(gradlab.__path__, "gradlab.")
    if not m.name.endswith(("__main__", "pytest_plugin"))
)


@pytest.mark.parametrize("name", LIGHT_MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    globs = {"np": np, "gl": gradlab, **vars(module)}
    result = doctest.testmod(module, globs=globs, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    if name in ("gradlab.functions", "gradlab.numerical", "gradlab.nets", "gradlab.descent"):
        assert result.attempted >= 1, f"{name}'s examples were not collected"
