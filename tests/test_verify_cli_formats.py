"""``gradlab verify --format github | gradescope`` on a learner's file: what CI and
Gradescope read from standard output."""

from __future__ import annotations

import json

import pytest

from gradlab.cli import main

WRONG = ("import numpy as np\n\n\ndef softmax(a):\n"  # the max subtracted on one side only
         "    return np.exp(a - np.max(a)) / np.sum(np.exp(a))\n\n\n"
         "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n")


@pytest.fixture
def learner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRADLAB_JAX_CACHE", str(tmp_path / "cache"))
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "functions.py").write_text(WRONG)
    return "code"


def test_github_annotations_follow_the_report(learner, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    assert main(["verify", learner, "--quick", "--format", "github"]) == 1
    out = capsys.readouterr().out
    table, annotations = out.split("::error ", 1)
    assert "softmax" in table and "FAIL" in table
    assert annotations.startswith("file=code/functions.py,line=4,title=gradlab verify%3A "
                                  "softmax%3A 5 check(s) fail::")
    assert "softmax(np.array([1010.0, 1000.0, 990.0]))" in annotations


def test_gradescope_results_on_stdout_and_the_report_on_stderr(learner, capsys):
    assert main(["verify", learner, "--quick", "--format", "gradescope"]) == 1
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["softmax::large"]["status"] == "failed"
    assert tests["softmax::vector"]["score"] == 0.0
    passed = [t for name, t in tests.items() if name.startswith("sigmoid::")]
    assert passed and all(t["status"] == "passed" and t["score"] == t["max_score"] > 0
                          for t in passed)
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert "softmax" in captured.err
