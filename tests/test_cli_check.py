"""``gradlab check``: exit codes, the report, --json."""

import json

import pytest

from gradlab.cli import main
from tests.helpers import run_main

SMALL = ["--input-size", "12", "--hidden-size", "5", "--output-size", "4", "--batch", "6"]


def test_correct_gradient_exits_0(capsys):
    assert main(["check", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "TwoLayerNet(12, 5, 4)" in out and "gradient check passed (fast mode" in out
    assert "cost: 18 loss evaluations" in out


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_injected_error_is_found_and_exits_1(capsys, mode):
    assert main(["check", *SMALL, "--mode", mode, "--inject", "W1:7,2"]) == 1
    first = [ln for ln in capsys.readouterr().out.splitlines() if "FAILED" in ln][0]
    assert "at W1[7, 2]" in first and "cause: bug" in first


def test_book_gradient_json_names_delta_residual(tmp_path, capsys):
    out = tmp_path / "check.json"
    assert main(["check", *SMALL, "--gradient", "book", "--mode", "full",
                 "--json", str(out)]) == 1
    record = json.loads(out.read_text())
    assert record["cause"] == "delta_residual" and record["ok"] is False
    assert record["parameters"] == 12 * 5 + 5 + 5 * 4 + 4 and record["gradient"] == "book"
    assert record["worst"][0]["name"] in {"W1", "b1", "W2", "b2"}
    assert "1e-7" in capsys.readouterr().out


def test_float32_precision_is_stated_in_the_report(capsys):
    assert main(["check", *SMALL, "--dtype", "float32"]) == 0
    out = capsys.readouterr().out
    assert out.count("f computes in float32: finite differences resolve about") == 1


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_injected_error_is_caught_in_float32_too(capsys, mode):
    # The injected error is sized above what the float32 check can see, as the warning says.
    assert main(["check", *SMALL, "--dtype", "float32", "--inject", "W1:1,1",
                 "--mode", mode]) == 1
    out = capsys.readouterr().out
    assert "injected" in out and "gradient check FAILED" in out
    if mode == "full":  # fast mode's bisection cannot always localise a float32-sized error
        assert "FAILED at W1[1, 1]" in out


@pytest.mark.parametrize("spec", ["X:1,1", "W1:99,0", "W1"])
def test_bad_inject_is_usage_error(capsys, spec):
    assert main(["check", *SMALL, "--inject", spec]) == 2
    assert "--inject" in capsys.readouterr().err


def test_bad_sizes_are_usage_errors(capsys):
    code, _, err = run_main(["check", "--hidden-size", "0"])
    assert code == 2 and "argument --hidden-size: must be a positive integer, got 0" in err
    with pytest.raises(SystemExit) as info:
        main(["check", "--mode", "slow"])
    assert info.value.code == 2


def test_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "exit status: 0" in out and "--inject" in out and "--json" in out
