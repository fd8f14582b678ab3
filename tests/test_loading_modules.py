"""Module targets: the judge finds the file without importing anything, on one explicit
search path; the executor imports the module in full and reads its namespace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab
from gradlab.conformance.loading import discover, load, resolve_target
from gradlab.conformance.loading.modules import find_module, module_search_path, pth_paths
from tests.loading_support import LEARNERS, import_state, write  # noqa: F401

ROOT = Path(gradlab.__file__).resolve().parent.parent
NETS = ("import numpy as np\nopen({marker!r}, 'a').write('imported ')\n\n"
        "def softmax(x):\n    e = np.exp(x - x.max())\n    return e / e.sum()\n\n"
        "soft_max = softmax\n\nclass Relu:\n    def forward(self, x):\n"
        "        return np.maximum(0, x)\n\n"
        "class TwoLayerNet:\n    def __init__(self, input_size, hidden_size=5):\n        pass\n"
        "from numpy import tanh as sigmoid\n")


@pytest.fixture
def package(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    write(tmp_path, {"pkgs/mypkg/__init__.py": "",
                     "pkgs/mypkg/nets.py": NETS.format(marker=str(marker))})
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "pkgs"))
    monkeypatch.chdir(tmp_path)
    return tmp_path, marker


def test_the_judge_finds_a_module_target_without_importing_it(package):
    tmp_path, marker = package
    before = set(sys.modules)
    plan = discover("module", "mypkg.nets")
    assert plan.files == (str(tmp_path / "pkgs" / "mypkg" / "nets.py"),)
    assert plan.root == str(tmp_path / "pkgs") and plan.problems == ()
    assert plan.search_path[:2] == (str(tmp_path), str(tmp_path / "pkgs"))
    assert not marker.exists() and set(sys.modules) == before
    assert resolve_target("mypkg.nets") == ("module", "mypkg.nets")


@pytest.mark.usefixtures("import_state")
def test_the_executor_imports_it_in_full_and_reads_its_namespace(package):
    tmp_path, marker = package
    loaded = load(discover("module", "mypkg.nets"))
    assert marker.read_text() == "imported "  # its module-level code ran
    assert [(d.name, d.alias, d.kind, d.where()) for d in loaded.definitions] == [
        ("softmax", "softmax", "function", "mypkg/nets.py:4"),
        ("Relu", "Relu", "class", "mypkg/nets.py:10"),
        ("TwoLayerNet", "TwoLayerNet", "class", "mypkg/nets.py:14")]  # numpy's tanh is not
    net = next(d for d in loaded.definitions if d.name == "TwoLayerNet")
    assert [(p.name, p.default) for p in net.params] == [("input_size", None),
                                                          ("hidden_size", "5")]
    assert loaded.objects["mypkg/nets.py:4"] is sys.modules["mypkg.nets"].soft_max


@pytest.mark.usefixtures("import_state")
def test_a_module_that_is_not_there_or_fails_to_import_is_an_error(package):
    tmp_path, _ = package
    plan = discover("module", "mypkg.nowhere")
    assert [(p.severity, p.message) for p in plan.problems] == [
        ("error", "no module named 'mypkg.nowhere' in the current folder, PYTHONPATH or the "
                  "site folders")]
    with pytest.raises(ValueError, match="no such file or directory, and no module named"):
        resolve_target("mypkg.nowhere")
    write(tmp_path, {"broken_mod.py": "raise RuntimeError('no import for you')\n"})
    loaded = load(discover("module", "broken_mod"))
    assert [p.message for p in loaded.problems] == [
        "importing broken_mod failed: RuntimeError: no import for you"]
    assert loaded.definitions == ()


def test_the_search_path_is_the_same_however_verify_was_started(tmp_path):
    write(tmp_path, {"mymod.py": "def relu(x):\n    return x\n",
                     "launch/start.py": "import json\nfrom gradlab.conformance.loading import "
                                        "discover\nprint(json.dumps(discover('module', 'mymod')"
                                        ".to_json()))\n"})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = (tmp_path / "launch" / "start.py").read_text()
    # sys.path[0] is '' with -c (like python -m), the script's folder otherwise (like the
    # gradlab console script)
    runs = [subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120, check=True).stdout
            for cmd in ([sys.executable, "-c", script],
                        [sys.executable, str(tmp_path / "launch" / "start.py")])]
    first, second = (json.loads(r) for r in runs)
    assert first == second and first["files"] == [str(tmp_path / "mymod.py")]


def test_search_path_order_pth_files_and_editable_installs(tmp_path):
    marker = tmp_path / "ran"
    write(tmp_path, {"site/extra.pth": f"../added\nimport os; open({str(marker)!r}, 'w')\n",
                     "added/addedmod.py": "",
                     "site/__editable___demo_finder.py": (
                         f"MAPPING: dict[str, str] = {{'demo': {str(tmp_path / 'src/demo')!r}}}\n"
                         "def install():\n    pass\n"),
                     "src/demo/__init__.py": "", "src/demo/nets.py": "",
                     "a/x.py": "", "b/x.py": ""})
    search = module_search_path(cwd=str(tmp_path / "a"),
                                environ={"PYTHONPATH": os.pathsep.join(
                                    [str(tmp_path / "b"), str(tmp_path / "missing")])})
    assert search[:2] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert find_module("x", search) == (str(tmp_path / "a" / "x.py"), str(tmp_path / "a"))
    site = [str(tmp_path / "site"), str(tmp_path / "added")]
    assert find_module("demo.nets", site)[0] == str(tmp_path / "src" / "demo" / "nets.py")
    assert find_module("addedmod", site)[0] == str(tmp_path / "added" / "addedmod.py")
    assert pth_paths(str(tmp_path / "site")) == [str(tmp_path / "added")]
    assert not marker.exists()  # a .pth file's import line is never run


def test_targets_are_resolved_from_what_the_user_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"repo/ch04/net.py": "", "notes.ipynb": "{}", "notes.txt": ""})
    assert resolve_target("repo") == ("dir", str(tmp_path / "repo"))
    assert resolve_target("repo/ch04/net.py") == ("file", str(tmp_path / "repo/ch04/net.py"))
    assert resolve_target("notes.ipynb") == ("notebook", str(tmp_path / "notes.ipynb"))
    for typed, says in [("notes.txt", "neither a .py file, a notebook"),
                        ("gone.py", "no such file or directory"),
                        ("a-b", "not a file, a folder or a module name"),
                        ("no_such_module_xyz", "no module named 'no_such_module_xyz'")]:
        with pytest.raises(ValueError, match=says):
            resolve_target(typed)


def test_the_loading_package_imports_no_jax_and_no_hypothesis():
    code = ("import sys, gradlab.conformance.loading as L\n"
            "L.load(L.discover('dir', sys.argv[1]))\n"
            "print(sorted({'jax', 'hypothesis', 'scipy', 'matplotlib'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(LEARNERS / "flat_camel")],
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"
