"""The loader keeps the importable branches of an ``if`` whose test calls nothing."""

from __future__ import annotations

import ast

import pytest

from gradlab.conformance.loading import discover, load
from gradlab.conformance.loading.safeload import keep, prune
from tests.loading_support import import_state, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("import_state")

GPU_SWITCH = ("GPU = False\n"
              "if GPU:\n    import cupy as np\n    np.cuda.set_allocator(None)\n"
              "    print('GPU mode')\n"
              "else:\n    import numpy as np\n")


def test_a_gpu_switch_keeps_both_imports_and_lists_the_calls():
    stmt = ast.parse(GPU_SWITCH).body[1]
    pruned, skipped = prune(stmt, GPU_SWITCH)
    assert keep(pruned) and not keep(stmt)
    assert [type(s).__name__ for s in pruned.body] == ["Import"]
    assert [type(s).__name__ for s in pruned.orelse] == ["Import"]
    assert skipped == ["line 4: np.cuda.set_allocator(None)", "line 5: print('GPU mode')"]


def test_a_block_that_calls_in_its_test_or_keeps_nothing_is_still_skipped():
    for text in ("if torch.cuda.is_available():\n    import cupy as np\n",
                 "if DEBUG:\n    print('x')\n", "if __name__ == '__main__':\n    import os\n"):
        stmt = ast.parse(text).body[0]
        assert prune(stmt, text) == (stmt, [])


def test_functions_of_a_module_behind_a_gpu_switch_load(tmp_path):
    root = write(tmp_path / "learner", {
        "common/__init__.py": "", "common/np.py": GPU_SWITCH,
        "common/functions.py": "from common.np import np\n\n\ndef relu(x):\n"
                               "    return np.maximum(0, x)\n"})
    plan = discover("dir", str(root))
    loaded = load(plan)
    relu = loaded.objects[plan.headline("relu").id]
    assert relu(-1.0) == 0.0 and relu(2.0) == 2.0
    log = next(log for log in loaded.logs if log.relpath.endswith("np.py"))
    assert "line 5: print('GPU mode')" in log.skipped and not log.failed
