"""``gradlab verify`` end to end: exit codes, JSON, and targets that misbehave in a
worker process (the only tests here that start subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab
from gradlab.cli import main
from gradlab.conformance.runner import run_target

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(gradlab.__file__).resolve().parent.parent
BROKEN = '"""A file that does not parse."""\n\ndef identity_function(x)\n    return x\n'


@pytest.mark.parametrize("target", ["no/such/dir", "notes.txt", "no_such_module_xyz", "a-b"])
def test_usage_errors_exit_2(target, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not python")
    assert main(["verify", target]) == 2
    assert "gradlab verify: error:" in capsys.readouterr().err


def test_verify_gradlab_quick_passes_and_writes_the_records(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRADLAB_JAX_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "records.json"
    assert main(["verify", "--quick", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "cross_entropy_error" in text and "FAIL" not in text
    records = json.loads(out.read_text())
    assert {"check", "target", "status", "message", "counterexample"} <= set(records[0])
    assert {r["status"] for r in records} == {"pass"}
    assert {r["target"] for r in records} == {"gradlab"}
    # the judge keeps the oracle's compiled code (a warm run is half as long as a cold one)
    assert any((tmp_path / "cache").iterdir())


def test_cli_on_a_book_style_folder_exits_1_with_the_failure_in_json(tmp_path):
    out = tmp_path / "records.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg",
               GRADLAB_JAX_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "gradlab", "verify", str(FIXTURES / "book_layout"), "--quick",
         "--verbose", "--json", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "counterexample: numerical_gradient(lambda x: np.sum(x**2), np.array([3, 4]))" \
        in proc.stdout
    records = {r["check"]: r for r in json.loads(out.read_text())}
    assert records["numerical_gradient.integer_input"]["status"] == "fail"
    assert records["TwoLayerNet.gradient"]["status"] == "pass"
    assert records["numerical_diff.defined"]["status"] == "skip"
    assert not list((FIXTURES / "book_layout").rglob("__pycache__"))


def test_misbehaving_targets_are_reported_and_the_rest_still_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADLAB_JAX_CACHE", "0")
    folder = tmp_path / "learner"
    shutil.copytree(FIXTURES / "misbehaving", folder)
    (folder / "broken.py").write_text(BROKEN)
    records = run_target("dir", str(folder), "learner", quick=True, timeout=1.0)
    status = {}
    for r in records:
        status.setdefault(r.function, set()).add(r.status)
    for function in ("sigmoid", "softmax", "cross_entropy_error", "mean_squared_error",
                     "step_function"):
        assert status[function] == {"pass"}, function
    messages = {r.check: r.message for r in records}
    assert status["relu"] == {"error"} and "timed out after 1 s" in messages["relu.values"]
    stubborn = next(r for r in records if r.function == "relu_grad" and r.status == "error")
    assert "executor was stopped" in stubborn.message  # it swallows every exception
    rest = next(r for r in records if r.check == "relu_grad.at_zero")
    assert rest.status == "error" and rest.message.startswith("not run")
    dead = next(r for r in records if r.function == "sigmoid_grad")
    assert dead.status == "error" and "executor died" in dead.message \
        and "exit code 3" in dead.message
    assert any(r.status == "warn" and "SyntaxError" in r.message for r in records)
    # the operating system answers: no route anywhere, no one typing, no memory
    refused = {"identity_function": "URLError", "numerical_diff": "EOFError",
               "gradient_descent": "MemoryError"}
    for function, text in refused.items():
        failed = [r for r in records if r.function == function and r.status == "fail"]
        assert failed and text in failed[0].message, (function, failed)
    assert status["TwoLayerNet"] == {"skip"}


def test_a_thread_left_running_by_the_target_does_not_hang_verify(tmp_path):
    # The worker used to wait for every non-daemon thread before exiting, and the parent
    # waited for the worker without a limit: verify hung forever.
    (tmp_path / "threads.py").write_text(
        "import threading, time\n"
        "import numpy as np\n\n"
        "def sigmoid(x):\n"
        "    threading.Thread(target=time.sleep, args=(1e9,)).start()\n"
        "    return 1 / (1 + np.exp(-x))\n")
    done = []

    def verify():
        done.append(run_target("file", str(tmp_path / "threads.py"), "threads.py",
                               quick=True, timeout=5.0))

    import threading

    runner = threading.Thread(target=verify, daemon=True)
    runner.start()
    runner.join(timeout=120)
    assert done, "verify hung on a target that left a thread running"
    assert any(r.function == "sigmoid" and r.status == "pass" for r in done[0])


def test_json_to_stdout_is_pure_json(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADLAB_JAX_CACHE", str(tmp_path / "cache"))
    assert main(["verify", "--quick", "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["status"] == "pass"
    assert "cross_entropy_error" in captured.err


def test_a_module_target_is_found_the_same_way_however_verify_is_started(tmp_path):
    """`gradlab verify mod` (a console script: no current directory on sys.path),
    `python -m gradlab verify mod` (current directory on sys.path) and PYTHONPATH agree,
    and the module is imported in the executor, not in verify."""
    home = tmp_path / "code"
    home.mkdir()
    (home / "mymod.py").write_text(
        "import numpy as np\n\n"
        "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n\n"
        "def softmax(a):\n    return a\n")
    script = Path(sys.executable).with_name("gradlab")
    base = dict(os.environ, MPLBACKEND="Agg", GRADLAB_JAX_CACHE=str(tmp_path / "cache"))
    base.pop("PYTHONPATH", None)
    ways = [([sys.executable, "-m", "gradlab"], home, dict(base, PYTHONPATH=str(ROOT))),
            ([sys.executable, "-m", "gradlab"], tmp_path,
             dict(base, PYTHONPATH=os.pathsep.join([str(ROOT), str(home)])))]
    if script.exists():
        ways.append(([str(script)], home, base))
    verdicts = []
    for command, cwd, env in ways:
        proc = subprocess.run([*command, "verify", "mymod", "--quick", "--json", "-"],
                              capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
        assert proc.returncode == 1, proc.stderr
        records = json.loads(proc.stdout)
        verdicts.append({r["function"]: r["status"] for r in records
                         if r["function"] in ("sigmoid", "softmax")})
    assert verdicts[0]["sigmoid"] == "pass" and verdicts[0]["softmax"] == "fail"
    assert all(v == verdicts[0] for v in verdicts), verdicts
