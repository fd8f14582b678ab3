"""``pytest --gradlab-verify PATH``: a test per check, failing where verify fails, with the
counterexample as the failure; the same under pytest-xdist and in JUnit XML (pytester)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jax  # noqa: F401 -- before pytester: it restores sys.modules after each test,
import pytest  # and jaxlib aborts the process when it is imported a second time

import gradlab

pytest_plugins = ["pytester"]

@pytest.fixture(autouse=True)
def no_compilation_cache(monkeypatch):
    """verify in this process must not turn JAX's cache on: JAX takes its folder once per
    process, and later tests choose their own."""
    monkeypatch.setenv("GRADLAB_JAX_CACHE", "0")


FUNCTIONS = """import numpy as np


def sigmoid(x):
    return x


def softmax(a):
    e = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
"""
NAIVE = """import numpy as np


def softmax(a):
    exp_a = np.exp(a)
    return exp_a / np.sum(exp_a)
"""


@pytest.fixture
def student(pytester):
    folder = pytester.mkdir("student")
    (folder / "functions.py").write_text(FUNCTIONS)
    (folder / "naive.py").write_text(NAIVE)
    # the learner's own test: it must not run unless a test path is given
    pytester.makepyfile(test_student="def test_student():\n    assert False\n")
    return folder


@pytest.fixture
def expected(student):
    report = gradlab.verify(str(student), quick=True)
    return {s: len(report.filter(s)) for s in ("pass", "warn", "fail", "error", "skip")}


def test_one_test_per_check_failing_where_verify_fails(pytester, student, expected):
    result = pytester.runpytest("--gradlab-verify", "student", "--gradlab-verify-quick",
                                "-rfs", "-p", "no:cacheprovider")
    assert expected["fail"] >= 1
    # records about the target (sandbox, load) pass; warnings pass with a VerifyWarning
    result.assert_outcomes(failed=expected["fail"] + expected["error"],
                           skipped=expected["skip"],
                           passed=expected["pass"] + expected["warn"],
                           warnings=expected["warn"])
    out = result.stdout.str()
    assert "FAILED verify::sigmoid::values" in out
    assert "counterexample: sigmoid(np.array(" in out
    assert "verify::softmax::batch[naive.py:4]" in out or expected["warn"] == 0
    assert "not implemented (looked for relu)" in out
    assert "test_student" not in out  # not collected: no test path was given


def test_a_test_path_runs_the_learners_tests_too(pytester, student, expected):
    result = pytester.runpytest("--gradlab-verify", "student", "--gradlab-verify-quick",
                                "test_student.py", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == expected["fail"] + expected["error"] + 1


def test_under_xdist_with_junit_xml(pytester, student, expected):
    result = pytester.runpytest("--gradlab-verify", "student", "--gradlab-verify-quick",
                                "-n", "2", "--junitxml=report.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=expected["fail"] + expected["error"],
                           skipped=expected["skip"],
                           passed=expected["pass"] + expected["warn"],
                           warnings=expected["warn"])
    suite = ET.parse(pytester.path / "report.xml").getroot().find("testsuite")
    failures = suite.findall("testcase/failure/..")
    assert len(failures) == expected["fail"] + expected["error"]
    values = suite.find("testcase[@classname='verify.sigmoid'][@name='values']")
    assert "counterexample" in values.find("failure").text


def test_a_target_that_is_not_there_is_a_usage_error(pytester):
    result = pytester.runpytest("--gradlab-verify", "no_such_folder/")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--gradlab-verify: no_such_folder/: no such file or directory" in \
        result.stderr.str()
