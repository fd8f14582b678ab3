"""The pytest plugin: the gradcheck fixture, its options and readable failures (pytester)."""

import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

TEST_FILE = """
import numpy as np

def test_right(gradcheck):
    x = np.array([0.5, -1.0, 2.0])
    result = gradcheck(lambda x: np.sum(np.sin(x)), x, np.cos(x))
    assert result.mode == "{mode}"

def test_wrong(gradcheck):
    params = {{"W": np.array([[0.5, -1.0], [2.0, 0.3]])}}
    grad = {{"W": np.cos(params["W"])}}
    grad["W"][1, 0] *= -1
    gradcheck(lambda p: np.sum(np.sin(p["W"])), params, grad)
"""


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_fixture_passes_right_and_reports_wrong(pytester, mode):
    pytester.makepyfile(TEST_FILE.format(mode=mode))
    args = ["-p", "no:cacheprovider"] + ([f"--gradcheck-mode={mode}"] if mode == "fast" else [])
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*GradCheckError: gradient check FAILED at W[[]1, 0[]]*",
                                 "*where*analytic*numeric*est. FD err*"])
    # __tracebackhide__: the traceback stops at the user's call, not inside gradlab
    assert "def check_gradient" not in result.stdout.str()
    assert "gradlab/check/" not in result.stdout.str()


def test_fixture_fails_an_inconclusive_check_with_reason_and_remedy(pytester):
    pytester.makepyfile("""
        import numpy as np

        def test_blind(gradcheck):
            gradcheck(np.sum, np.array([1e300, 1.0]), np.array([1.0, 1e250]))

        def test_vector(gradcheck):
            x = np.array([0.5, -1.0])
            gradcheck.vjp(np.sin, x, lambda v: v * np.cos(x))
            gradcheck.jvp(np.sin, x, lambda u: u * np.cos(x))
            gradcheck.jacobian(np.sin, x, np.diag(np.cos(x)))
            assert not gradcheck.check(np.sum, np.array([1e300, 1.0]),
                                       np.array([1.0, 1e250])).ok
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*GradCheckError: gradient check INCONCLUSIVE at x[[]1[]]*",
                                 "*what to try*"])


def test_safety_option_reaches_the_checker(pytester):
    pytester.makepyfile("""
        def test_opts(gradcheck):
            assert gradcheck.defaults == {"mode": "full", "method": "richardson", "safety": 4.0}
    """)
    result = pytester.runpytest("--gradcheck-safety=4", "--gradcheck-method=richardson")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["gradlab gradcheck: mode=full, method=richardson, safety=4.0"])


def test_bad_option_is_a_usage_error(pytester):
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--gradcheck-mode=slow")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid choice: 'slow'*"])


def test_plugin_imports_only_numpy():
    code = ("import sys, gradlab.pytest_plugin; "
            "bad = [m for m in ('jax', 'matplotlib', 'hypothesis', 'scipy') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_assert_gradient_close_hides_its_frames(pytester):
    pytester.makepyfile("""
        import numpy as np
        import gradlab as gl

        def test_direct():
            gl.assert_gradient_close(np.sum, np.ones(3), np.zeros(3))
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "GradCheckError: gradient check FAILED" in out
    assert "def assert_gradient_close" not in out and "def require" not in out
