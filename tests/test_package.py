"""Package-level contract: light import, public names, the command line skeleton."""

import subprocess
import sys

import pytest

import gradlab as gl
from gradlab.cli import main

BOOK_NAMES = ["step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
              "identity_function", "softmax", "mean_squared_error", "cross_entropy_error",
              "numerical_diff", "numerical_gradient", "gradient_descent", "SimpleNet",
              "TwoLayerNet"]


def test_import_gradlab_does_not_import_jax_or_matplotlib():
    heavy = ("jax", "matplotlib", "hypothesis", "sklearn")
    code = f"import sys, gradlab; print([m for m in {heavy} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]", f"import gradlab imported {result.stdout}"


@pytest.mark.parametrize("name", BOOK_NAMES)
def test_book_names_are_exported(name):
    assert name in gl.__all__ and callable(getattr(gl, name))


def test_cli_without_a_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "verify" in capsys.readouterr().err


def test_cli_unknown_command_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
