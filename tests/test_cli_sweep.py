"""``gradlab sweep``: the table, the JSON, the V-curve file and exit codes."""

import contextlib
import io
import json

import pytest

from gradlab.cli import main
from tests.helpers import run_main


def run_cli(*argv):
    return run_main(["sweep", *argv])


def test_default_sweep_prints_table_and_writes_outputs(tmp_path):
    code, out, err = run_cli("--json", str(tmp_path / "s.json"), "--plot", str(tmp_path / "v.png"))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("derivative error of sigmoid against the step h")
    rows = [line.split() for line in lines[3:]]
    assert [(r[0], r[1]) for r in rows] == [
        (d, m) for d in ("float64", "float32")
        for m in ("forward", "central", "richardson", "complex-step")]
    data = json.loads((tmp_path / "s.json").read_text())
    central64 = data["table"][1]
    assert central64["dtype"] == "float64" and central64["method"] == "central"
    assert float(rows[1][2]) == pytest.approx(central64["best_h"], rel=5e-3)
    assert data["table"][5]["error_at_1e-4"] > 1e-4  # float32 central at the book's h
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"


def test_one_dtype_and_another_function():
    code, out, _ = run_cli("--function", "softmax-ce", "--dtype", "float32")
    rows = [line.split() for line in out.splitlines()[3:]]
    assert code == 0 and len(rows) == 4 and {r[0] for r in rows} == {"float32"}
    assert "softmax-ce" in out.splitlines()[0]


def test_usage_errors_exit_2(tmp_path):
    with pytest.raises(SystemExit) as exc, contextlib.redirect_stderr(io.StringIO()):
        main(["sweep", "--function", "tanh"])
    assert exc.value.code == 2
    code, _, err = run_cli("--dtype", "float64", "--plot", str(tmp_path / "no" / "v.png"))
    assert code == 2 and "argument --plot:" in err and "does not exist" in err


def test_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--help"])
    text = capsys.readouterr().out
    assert exc.value.code == 0
    for phrase in ("V-curve", "h = 1e-4", "complex-step", "exit status", "--plot"):
        assert phrase in text


def test_json_to_stdout_stays_pure(capsys):
    from gradlab.cli import main as cli_main

    assert cli_main(["sweep", "--dtype", "float64", "--json", "-"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["function"] == "sigmoid" and "float64" in captured.err
