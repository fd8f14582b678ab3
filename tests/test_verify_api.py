"""``gradlab.verify`` from Python: targets of every kind, a namespace checked from its source
(IPython's cells, or each function's own source), options refused with a clear message."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import types

import pytest

import gradlab
import gradlab.functions
from gradlab.conformance.api import jobs_for
from gradlab.conformance.namespace import NOTEBOOK, namespace_source
from gradlab.conformance.options import check_options


@pytest.fixture(autouse=True)
def no_compilation_cache(monkeypatch):
    """verify in this process must not turn JAX's cache on: JAX takes its folder once per
    process, and later tests choose their own."""
    monkeypatch.setenv("GRADLAB_JAX_CACHE", "0")


CORRECT_SOFTMAX = ("def softmax(a):\n"
                   "    e = np.exp(a - np.max(a, axis=-1, keepdims=True))\n"
                   "    return e / np.sum(e, axis=-1, keepdims=True)")
WRONG_SOFTMAX = "def softmax(a):\n    return a"


def test_verify_is_there_without_loading_its_machinery_at_import():
    code = ("import sys, gradlab; f = gradlab.verify; "
            "print(callable(f), [m for m in ('jax', 'hypothesis', 'rich', 'distributed') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True []"
    assert "verify" in gradlab.__all__
    with pytest.raises(AttributeError, match="no attribute 'verfiy'"):
        gradlab.verfiy  # noqa: B018


def test_history_cells_become_a_notebook_keeping_only_the_latest_definition():
    history = ["", "import numpy as np", WRONG_SOFTMAX + "\nx = 1", CORRECT_SOFTMAX,
               "def broken(:"]
    source = namespace_source({"In": history, "__name__": "__main__"})
    try:
        cells = json.load(open(source.path))["cells"]
        assert source.kind == "notebook" and source.path.endswith(NOTEBOOK)
        assert [c["source"] for c in cells][0] == "import numpy as np"
        assert cells[1]["source"] == "\n\nx = 1"  # the replaced softmax, lines kept
        assert cells[2]["source"] == CORRECT_SOFTMAX
        assert cells[3]["source"] == "def broken(:"  # the loader reports it
        assert source.where(f"{NOTEBOOK} cell 3, line 2") == "In [3], line 2"
    finally:
        source.close()
    assert not __import__("os").path.exists(source.folder)


def _module(tmp_path, text, name="learner_ns"):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_plain_namespace_is_written_from_each_objects_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = _module(tmp_path, "import numpy as np\nfrom math import exp as e\nDELTA = 1e-7\n"
                               "table = {}\n\n\n" + WRONG_SOFTMAX + "\n")
    source = namespace_source(vars(module))
    try:
        text = open(source.path).read()
        assert "import numpy as np" in text and "from math import exp as e" in text
        assert "DELTA = 1e-07" in text and "table" not in text
        line = text.splitlines().index("def softmax(a):") + 1
        assert source.where(f"namespace.py:{line}") == "learner_ns.py:7"
    finally:
        source.close()


def test_verify_a_namespace_from_its_cells(tmp_path):
    history = ["", "import numpy as np", WRONG_SOFTMAX, CORRECT_SOFTMAX,
               "def sigmoid(x):\n    return x", "report = gradlab.verify(globals())"]
    report = gradlab.verify({"In": history, "__name__": "__main__"}, quick=True)
    assert not report.ok
    softmax = report.filter(function="softmax")
    assert softmax.ok and {r.definition for r in softmax} == {"In [3], line 1"}
    sigmoid = report.filter(function="sigmoid", status="fail")
    assert sigmoid.records and sigmoid[0].definition == "In [4], line 1"
    assert {r.target for r in report} == {"notebook"}
    assert "In [4], line 1" in str(report) and "In [4], line 1" in report._repr_html_()


def test_verify_a_module_namespace_names_the_users_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = _module(tmp_path, "import numpy as np\n\n\n" + WRONG_SOFTMAX + "\n")
    module.__name__ = "__main__"  # a script's globals()
    module.softmax.__module__ = "__main__"
    report = gradlab.verify(module, quick=True)
    failed = report.filter("fail", function="softmax")
    assert failed.records and failed[0].definition == "learner_ns.py:4"
    assert report.results[0].root == str(tmp_path)
    assert json.loads(json.dumps(report.to_json()))[0]["target"] == "namespace"


def test_targets_of_every_kind_become_jobs(tmp_path):
    (tmp_path / "f.py").write_text("")
    opts = check_options(quick=True)
    jobs = jobs_for([None, str(tmp_path / "f.py"), tmp_path, gradlab.functions], opts, [])
    assert [(j.kind, j.label) for j in jobs] == [
        ("module", "gradlab"), ("file", str(tmp_path / "f.py")), ("dir", str(tmp_path)),
        ("module", "gradlab.functions")]
    assert all(j.quick for j in jobs)
    sources = []
    main = types.ModuleType("__main__")
    (job,) = jobs_for(main, opts, sources)
    assert job.kind == "file" and job.label == "namespace"
    sources[0].close()


@pytest.mark.parametrize("target, message", [
    (42, "target must be a path, a module name, a module or a namespace"),
    ([], "empty list"), ("no/such/file.py", "no such file or directory")])
def test_bad_targets_are_refused(target, message):
    with pytest.raises(ValueError, match=message):
        gradlab.verify(target)


@pytest.mark.parametrize("options, message", [
    ({"jobs": 0}, "jobs must be a positive integer"),
    ({"target_timeout": -1}, "target_timeout must be a positive"),
    ({"timeout": float("nan")}, "timeout must be a positive, finite"),
    ({"executor": "threads"}, "executor must be one of process, dask"),
    ({"scheduler": " "}, "scheduler must be a dask scheduler's address"),
    ({"examples": -2}, "examples must be a non-negative integer")])
def test_bad_options_are_refused_before_any_work(options, message):
    with pytest.raises(ValueError, match=message):
        gradlab.verify("no/such/file.py", **options)


def test_a_learners_own_exception_class_is_seen_as_its_builtin_base(tmp_path):
    """A refusal raised as the learner's own TypeError subclass is a refusal (the executor
    sends the nearest builtin class along with the name)."""
    (tmp_path / "grad.py").write_text(
        "import numpy as np\n\n\nclass DtypeRefused(TypeError):\n    pass\n\n\n"
        "def numerical_gradient(f, x):\n"
        "    if x.dtype.kind in 'iu':\n"
        "        raise DtypeRefused('convert x to float first')\n"
        "    h, grad = 1e-4, np.zeros_like(x)\n"
        "    for i in np.ndindex(x.shape):\n"
        "        keep = x[i]\n"
        "        x[i] = keep + h\n        up = f(x)\n"
        "        x[i] = keep - h\n        down = f(x)\n"
        "        x[i] = keep\n        grad[i] = (up - down) / (2 * h)\n"
        "    return grad\n")
    report = gradlab.verify(str(tmp_path), quick=True)
    (record,) = [r for r in report if r.check == "numerical_gradient.integer_input"]
    assert record.status == "pass" and "DtypeRefused" in record.message
