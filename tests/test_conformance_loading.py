"""Safe loading and target discovery, in process (the loader never runs learner scripts,
so a misbehaving file is safe to load here)."""

from __future__ import annotations

import ast
import shutil

import numpy as np
import pytest

from gradlab.conformance import run_checks
from gradlab.conformance.loading import discover
from gradlab.conformance.loading.safeload import filter_statements
from gradlab.conformance.loading.targets import load_target
from tests.loading_support import FIXTURES, import_state  # noqa: F401

pytestmark = pytest.mark.usefixtures("import_state")
BROKEN = '"""A file that does not parse."""\n\ndef identity_function(x)\n    return x\n'


@pytest.fixture
def misbehaving(tmp_path):
    folder = tmp_path / "learner"
    shutil.copytree(FIXTURES / "misbehaving", folder)
    (folder / "broken.py").write_text(BROKEN)
    return folder


def test_filter_keeps_definitions_and_skips_scripts():
    tree = ast.parse(
        "import numpy as np\n"
        "h = 1e-4\n"
        "f = lambda x: np.sum(x)\n"
        "def g(x):\n    return x\n"
        "x = np.arange(3)\n"
        "for i in range(10):\n    print(i)\n"
        "try:\n    import cupy\nexcept ImportError:\n    cupy = None\n"
        "if __name__ == '__main__':\n    g(1)\n")
    kept, skipped, script_names = filter_statements(tree)
    assert [type(s).__name__ for s in kept] == ["Import", "Assign", "Assign", "FunctionDef",
                                               "Try"]
    assert skipped == ["line 6: x = np.arange(3)", "line 7: for loop: for i in range(10):",
                       "line 13: if __name__ == '__main__': block"]
    assert script_names == {"x", "i"}


def test_misbehaving_files_load_without_running_their_scripts(misbehaving):
    impl, records = load_target("dir", str(misbehaving))
    assert set(impl.objects) == {"sigmoid", "softmax", "cross_entropy_error",
                                 "mean_squared_error", "step_function", "relu", "relu_grad",
                                 "sigmoid_grad", "identity_function", "numerical_diff",
                                 "gradient_descent"}
    assert impl.origins["mean_squared_error"] == "exits.py:7 (as sum_squared_error)"
    by_file = {r.definition: r for r in records}
    assert by_file["broken.py"].status == "warn" and "SyntaxError at line 3" in \
        by_file["broken.py"].message
    expected = {"train_loop.py": "for loop", "plots.py": "plt.show()", "asks.py": "input(",
                "exits.py": "sys.exit(", "spins.py": "while loop"}
    for name, skipped in expected.items():
        assert by_file[name].status == "pass" and skipped in by_file[name].details, name


def test_a_check_that_hangs_is_timed_out(misbehaving):
    impl, _ = load_target("dir", str(misbehaving))
    records = run_checks(impl, quick=True, functions={"relu"}, timeout=0.5)
    assert [r.status for r in records] == ["error"]
    assert "timed out after 0.5 s" in records[0].message


def test_name_set_by_a_skipped_script_is_an_error_not_a_fail(tmp_path):
    (tmp_path / "scaled.py").write_text(
        "import numpy as np\nscale = float(np.sqrt(1.0))\n\n"
        "def sigmoid(x):\n    return 1 / (1 + np.exp(-x * scale))\n")
    impl, _ = load_target("file", str(tmp_path / "scaled.py"))
    records = run_checks(impl, quick=True, functions={"sigmoid"})
    assert records[0].status == "error" and "'scale' is set by a module-level" in \
        records[0].message


def test_book_layout_is_resolved_like_the_book():
    root = FIXTURES / "book_layout"
    plan = discover("dir", str(root))
    assert plan.problems == ()
    assert plan.headline("TwoLayerNet").relpath == "ch04/two_layer_net.py"
    impl, records = load_target("dir", str(root))
    assert impl.origins["TwoLayerNet"] == "ch04/two_layer_net.py:12"
    assert impl.origins["numerical_gradient"] == "common/gradient.py:4"
    results = {r.check: r for r in run_checks(impl, quick=True)}
    assert results["TwoLayerNet.gradient"].status == "pass"
    assert "delta" in results["TwoLayerNet.gradient"].message
    assert results["numerical_gradient.integer_input"].status == "fail"
    assert results["mean_squared_error.values"].status == "pass"


def test_single_file_uses_what_it_imports_and_says_from_where():
    path = FIXTURES / "book_layout" / "ch04" / "two_layer_net.py"
    impl, records = load_target("file", str(path))
    assert impl.origins["softmax"].startswith("../common/functions.py:")
    assert impl.origins["TwoLayerNet"] == "two_layer_net.py:12"
    assert any("sys.path.append(os.pardir)" in r.details for r in records)


def test_training_script_with_missing_dataset_package_loads():
    path = FIXTURES / "book_layout" / "ch04" / "train_neuralnet.py"
    impl, records = load_target("file", str(path))
    assert "TwoLayerNet" in impl.objects  # imported from two_layer_net
    log = next(r for r in records if r.definition == "train_neuralnet.py")
    assert "ModuleNotFoundError" in log.details and "for loop" in log.details


def test_an_importable_module_is_a_target():
    impl, _ = load_target("module", "gradlab")
    assert impl.get("softmax") is not None
    assert np.allclose(impl.get("softmax")(np.zeros(2)), 0.5)
