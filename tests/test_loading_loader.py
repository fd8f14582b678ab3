"""The loader (the executor's side), run in this process: what it runs, where imports lead,
and that nothing of the target is left where the rest of the process could pick it up."""

from __future__ import annotations

import py_compile
import sys

import numpy as np
import pytest

from gradlab.conformance.loading import discover, load
from gradlab.conformance.loading.targets import load_target
from tests.loading_support import LEARNERS, import_state, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("import_state")


def _load(kind, target):
    plan = discover(kind, str(target))
    return plan, load(plan)


def _obj(plan, loaded, where):
    return loaded.objects[next(d.id for d in plan.definitions if d.where() == where)]


def _logs(loaded):
    return {log.relpath: log for log in loaded.logs}


def test_a_name_defined_twice_in_a_file_gives_both_objects(tmp_path):
    write(tmp_path, {"acts.py": "def relu(x):\n    return 'first'\n\n"
                                "def relu(x):\n    return 'second'\n"})
    plan, loaded = _load("dir", tmp_path)
    assert [_obj(plan, loaded, w)(0) for w in ("acts.py:1", "acts.py:4")] == ["first", "second"]
    assert plan.headline("relu").where() == "acts.py:4"


def test_every_folder_a_package_and_import_common_functions_inside_a_file():
    plan, loaded = _load("dir", LEARNERS / "all_packages")
    assert {log.relpath: [f.text() for f in log.failed] for log in loaded.logs} == {
        "common/__init__.py": [], "common/functions.py": [], "common/gradient.py": [],
        "ch04/__init__.py": [], "ch04/simple_net.py": [], "__init__.py": []}
    net = _obj(plan, loaded, "ch04/simple_net.py:7")()
    net.W = np.eye(2, 3)
    x, t = np.array([1.0, 2.0]), np.array([0.0, 1.0, 0.0])
    y = np.exp([1.0, 2.0, 0.0]) / np.exp([1.0, 2.0, 0.0]).sum()
    assert np.isclose(net.loss(x, t), -np.log(y[1] + 1e-7))


def test_src_layout_with_relative_and_absolute_imports():
    plan, loaded = _load("dir", LEARNERS / "src_packages")
    assert not any(log.failed for log in loaded.logs)
    net = _obj(plan, loaded, "src/dlfs/nets/two_layer.py:7")(4, 3, 2)
    softmax = _obj(plan, loaded, "src/dlfs/functions.py:9")
    x, t = np.ones((5, 4)), np.eye(2)[[0, 1, 0, 1, 1]]
    assert np.allclose(net.predict(x).sum(axis=1), 1.0)
    assert net.predict.__globals__["F"].softmax is softmax  # one module however it is reached
    grads = net.numerical_gradient(x, t)
    assert sorted(grads) == ["W1", "W2", "b1", "b2"]


def test_each_file_imports_what_it_would_import_as_a_script(tmp_path):
    for chapter in (4, 5):
        write(tmp_path, {
            f"ch0{chapter}/two_layer_net.py": f"class TwoLayerNet:\n    CHAPTER = {chapter}\n",
            f"ch0{chapter}/descent.py": "from two_layer_net import TwoLayerNet\n\n"
                                        "def gradient_descent(f, x, lr=0.01, step_num=100):\n"
                                        "    from two_layer_net import TwoLayerNet as Late\n"
                                        "    return TwoLayerNet.CHAPTER, Late.CHAPTER\n"})
    plan, loaded = _load("dir", tmp_path)
    got = {d.where(): loaded.objects[d.id](None, None) for d in plan.of("gradient_descent")}
    assert got == {"ch05/descent.py:3": (5, 5), "ch04/descent.py:3": (4, 4)}
    assert _obj(plan, loaded, "ch04/two_layer_net.py:1").CHAPTER == 4


def test_no_module_of_the_target_stays_in_sys_modules(tmp_path):
    write(tmp_path, {"common/__init__.py": "", "common/functions.py": "def sigmoid(x):\n"
                                                                      "    return x\n",
                     "fractions.py": "Fraction = 'the learner'\n\ndef relu(x):\n    return x\n",
                     "net.py": "from fractions import Fraction\nfrom common.functions import "
                               "sigmoid\n\ndef softmax(x):\n    return Fraction, sigmoid\n"})
    plan, loaded = _load("dir", tmp_path)
    import fractions

    from_target = [name for name, m in list(sys.modules.items())
                   if str(getattr(m, "__file__", "") or "").startswith(str(tmp_path))]
    assert from_target == [] and fractions.Fraction.__module__ == "fractions"
    fraction, sigmoid = _obj(plan, loaded, "net.py:4")(0)
    assert fraction is fractions.Fraction and sigmoid(3) == 3  # the standard library's
    assert _obj(plan, loaded, "fractions.py:3")(2) == 2  # still loaded and checked itself
    assert any("'fractions' has the name of a module of the standard library" in note
               for note in _logs(loaded)["net.py"].notes)


def test_a_module_already_imported_is_never_replaced_by_the_targets(tmp_path, monkeypatch):
    import types

    already = types.ModuleType("helpers_xyz")
    monkeypatch.setitem(sys.modules, "helpers_xyz", already)
    write(tmp_path, {"helpers_xyz.py": "MINE = True\n", "numpy.py": "MINE = True\n",
                     "net.py": "import helpers_xyz, numpy\n\ndef relu(x):\n"
                               "    return helpers_xyz, numpy\n"})
    plan, loaded = _load("dir", tmp_path)
    assert _obj(plan, loaded, "net.py:3")(0) == (already, np)


@pytest.mark.parametrize("target", ["lib", "."])
def test_a_module_does_not_shadow_the_repositorys_package(tmp_path, target):
    write(tmp_path, {
        "common/__init__.py": "",
        "common/functions.py": "def softmax(x):\n    return 'the package'\n",
        "lib/common.py": "def helper():\n    return 'lib'\n",
        "lib/net.py": "import sys, os\nsys.path.append(os.pardir)\n"
                      "from common.functions import softmax\nimport common as c\n\n"
                      "def sigmoid(x):\n    return softmax(x), c.__name__\n"})
    plan, loaded = _load("dir", tmp_path / target)
    where = "net.py:6" if target == "lib" else "lib/net.py:6"
    assert _obj(plan, loaded, where)(0) == ("the package", "common")
    assert not [f for log in loaded.logs for f in log.failed]


def test_a_virtualenv_next_to_the_target_is_never_loaded(tmp_path):
    marker = tmp_path / "ran"
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    poison = f"open({str(marker)!r}, 'w').write('loaded')\nraise SystemExit('fake')\n"
    write(tmp_path, {".venv/pyvenv.cfg": "home = /usr/bin\n",
                     ".venv/lib/python3.11/site-packages/hypothesis/__init__.py": poison,
                     ".venv/lib/python3.11/site-packages/fakepkg_xyz/__init__.py": poison,
                     "venvs/old/pyvenv.cfg": "", "venvs/old/fakepkg_abc.py": poison,
                     "ch04/net.py": "import sys, os\nsys.path.append(os.pardir)\n"
                                    "sys.path.append(os.path.join(os.pardir, '.venv', 'lib', "
                                    "'python3.11', 'site-packages'))\n"
                                    "sys.path.append('../venvs/old')\n"
                                    "try:\n    import fakepkg_xyz\nexcept ImportError:\n"
                                    "    fakepkg_xyz = None\n"
                                    "try:\n    import fakepkg_abc\nexcept ImportError:\n"
                                    "    fakepkg_abc = None\n"
                                    "import hypothesis\n\ndef relu(x):\n"
                                    "    return fakepkg_xyz, fakepkg_abc, hypothesis\n"})
    plan, loaded = _load("dir", tmp_path / "ch04")
    assert not marker.exists() and site.is_dir()
    xyz, abc, hyp = _obj(plan, loaded, "net.py:15")(0)
    assert xyz is None and abc is None and hyp is sys.modules["hypothesis"]
    from hypothesis import settings  # verify's own hypothesis still imports its submodules

    assert settings is not None


def test_sourceless_bytecode_and_compiled_extensions_are_never_run(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "src.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    write(tmp_path, {"learner/common/__init__.py": "",
                     "learner/common/fastops.cpython-311-x86_64-linux-gnu.so": b"\x7fELF junk",
                     "learner/net.py": "def relu(x):\n    import helper\n\n"
                                       "def sigmoid(x):\n    from common import fastops\n\n"
                                       "def softmax(x):\n    import stale\n",
                     "learner/__pycache__/stale.cpython-311.pyc": b""})
    py_compile.compile(str(tmp_path / "src.py"), cfile=str(tmp_path / "learner" / "helper.pyc"))
    py_compile.compile(str(tmp_path / "src.py"),
                       cfile=str(tmp_path / "learner" / "__pycache__" / "stale.cpython-311.pyc"))
    plan, loaded = _load("dir", tmp_path / "learner")
    relu, sigmoid, softmax = (_obj(plan, loaded, f"net.py:{n}") for n in (1, 4, 7))
    with pytest.raises(ImportError, match="only the compiled helper.pyc is there"):
        relu(0)
    with pytest.raises(ImportError, match=r"only the compiled common/fastops\..*so"):
        sigmoid(0)
    with pytest.raises(ModuleNotFoundError, match="No module named 'stale'"):
        softmax(0)
    assert not marker.exists()
    sys.path.insert(0, str(tmp_path / "learner"))  # (what the loader removes from sys.path)
    plan, loaded = _load("dir", tmp_path / "learner")
    assert str(tmp_path / "learner") not in sys.path
    with pytest.raises(ImportError, match="only the compiled"):
        _obj(plan, loaded, "net.py:1")(0)
    assert not marker.exists()


def test_failed_imports_and_skipped_scripts_are_recorded_per_name(tmp_path):
    write(tmp_path, {"ch04/train.py": (
        "import sys, os\nsys.path.append(os.pardir)\nimport numpy as np\n"
        "from dataset.mnist import load_mnist\n"
        "(x_train, t_train), _ = load_mnist()\n"
        "train_size = x_train.shape[0]\n"
        "scale = 2.0\n"
        "def sigmoid(x):\n    return 1 / (1 + np.exp(-x * scale))\n")})
    plan, loaded = _load("dir", tmp_path / "ch04")
    log = _logs(loaded)["train.py"]
    assert list(log.import_failed) == ["load_mnist"]
    assert log.import_failed["load_mnist"].startswith("line 4: ModuleNotFoundError: No module "
                                                      "named 'dataset'")
    assert [(f.line, f.error, f.name) for f in log.failed] == [(4, "ModuleNotFoundError",
                                                                "dataset")]
    assert log.skipped == ["line 2: sys.path.append(os.pardir)",
                           "line 5: (x_train, t_train), _ = load_mnist()",
                           "line 6: train_size = x_train.shape[0] (needs x_train, which only a "
                           "skipped statement sets)"]
    assert {"x_train", "t_train", "_", "train_size"} <= log.script_names
    assert "scale" not in log.script_names
    assert np.isclose(_obj(plan, loaded, "train.py:8")(0.0), 0.5)
    impl, records = load_target("dir", str(tmp_path / "ch04"))
    assert impl.import_failures["load_mnist"].startswith("line 4: ModuleNotFoundError")
    assert "load_mnist" in impl.script_names


def test_a_definition_whose_statement_fails_is_reported_not_lost(tmp_path):
    write(tmp_path, {"acts.py": "@undefined_decorator\ndef relu(x):\n    return x\n\n"
                                "def sigmoid(x, k=undefined_default):\n    return x\n\n"
                                "def softmax(x):\n    return x\n"})
    plan, loaded = _load("dir", tmp_path)
    assert [d.name for d in loaded.definitions] == ["softmax"]
    assert sorted(p.message for p in loaded.problems) == [
        "relu (acts.py:2) was not defined: its statement failed: NameError: name "
        "'undefined_decorator' is not defined",
        "sigmoid (acts.py:5) was not defined: its statement failed: NameError: name "
        "'undefined_default' is not defined"]
    failed = _logs(loaded)["acts.py"].failed
    assert [(f.line, f.name) for f in failed] == [(2, "undefined_decorator"),
                                                  (5, "undefined_default")]


def test_future_imports_apply_to_the_statements_after_them(tmp_path):
    write(tmp_path, {"lazy.py": "from __future__ import annotations\n\n"
                                "def relu(x: NotDefinedAnywhere) -> NotDefinedEither:\n"
                                "    return x\n",
                     "eager.py": "def sigmoid(x: NotDefinedAnywhere):\n    return x\n"})
    plan, loaded = _load("dir", tmp_path)
    assert _obj(plan, loaded, "lazy.py:3")(7) == 7
    assert [f.error for f in _logs(loaded)["eager.py"].failed] == ["NameError"]


def test_what_is_run_and_what_is_skipped(tmp_path):
    marker = tmp_path / "marks"
    mark = f"open({str(marker)!r}, 'a').write"
    write(tmp_path, {"learner/demo.py": (
        f"import numpy as np\nh = 1e-4\nf = lambda x: {mark}('lambda body')\n"
        f"def relu(x, d={mark}('default') or 0):\n    return x\n"
        f"class SimpleNet:\n    {mark}('class body')\n"
        f"{mark}('call')\n"
        f"for i in range(3):\n    {mark}('loop')\n"
        f"if __name__ == '__main__':\n    {mark}('main')\n"
        f"with open({str(marker)!r}, 'a') as fh:\n    fh.write('with')\n"
        f"try:\n    import cupy as cp\nexcept ImportError:\n    cp = None\n"
        f"x = np.arange(3)\n")})
    plan, loaded = _load("dir", tmp_path / "learner")
    assert marker.read_text() == "defaultclass body"  # decorators, defaults, class bodies run
    log = _logs(loaded)["demo.py"]
    assert [s.split(":")[0] for s in log.skipped] == ["line 8", "line 9", "line 11", "line 13",
                                                      "line 19"]
    assert "for loop: for i in range(3):" in log.skipped[1]
    assert log.skipped[2] == "line 11: if __name__ == '__main__': block"
    assert {"i", "x", "fh"} <= log.script_names and log.definitions == 2


def test_a_file_sees_itself_in_sys_modules_while_it_runs(tmp_path):
    write(tmp_path, {"cfg.py": "from __future__ import annotations\nimport sys\n"
                               "from dataclasses import dataclass, KW_ONLY\n\n"
                               "@dataclass\nclass SimpleNet:\n    _: KW_ONLY\n    size: int = 3\n"
                               "\nSELF = sys.modules[__name__]\n"})
    plan, loaded = _load("dir", tmp_path)
    net_class = _obj(plan, loaded, "cfg.py:6")
    assert net_class(size=4).size == 4
    assert net_class.__module__ not in sys.modules  # and gone once it has run
