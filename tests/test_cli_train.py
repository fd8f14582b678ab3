"""``gradlab train``: the defaults learn the digits; options, outputs and exit codes."""

import contextlib
import io
import json
import pickle

import numpy as np
import pytest

from gradlab.cli import main
from tests.helpers import run_main


def run_cli(*argv):
    return run_main(["train", *argv])


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """One run with every default (seed 0), saving JSON and a plot."""
    folder = tmp_path_factory.mktemp("train")
    code, out, err = run_cli("--json", str(folder / "h.json"), "--plot", str(folder / "c.png"))
    return code, out, err, json.loads((folder / "h.json").read_text()), folder / "c.png"


def test_defaults_reach_95_percent_on_the_digits(default_run):
    code, out, _, data, _ = default_run
    history = data["history"]
    assert code == 0 and not history["diverged"]
    assert history["test_acc"][-1] >= 0.95
    assert history["iteration"][-1] == 1200 and history["iters_per_epoch"] == 15
    assert data["weight_init_std"] == pytest.approx(1 / 8)  # 1/sqrt(64 inputs)


def test_prints_the_epoch_table(default_run):
    code, out, err, data, _ = default_run
    lines = out.splitlines()
    assert lines[0].startswith("TwoLayerNet 64-50-10 on digits (1438 train, 359 test)")
    assert lines[1].split() == ["epoch", "iteration", "loss", "train", "acc", "test", "acc"]
    rows = [line.split() for line in lines[3:] if line.strip()[:1].isdigit()]
    assert [r[0] for r in rows] == [str(e) for e in range(0, 81, 4)]  # every 4th of 80 epochs
    assert float(rows[-1][4]) == pytest.approx(data["history"]["test_acc"][-1], abs=5e-4)
    assert "every 4th epoch shown" in out and err == ""  # no progress bar off a terminal


def test_plot_file_is_a_png(default_run):
    assert default_run[4].read_bytes()[:4] == b"\x89PNG"


def test_divergence_exits_1_with_the_message():
    code, out, err = run_cli("--lr", "50", "--iterations", "45")
    assert code == 1
    assert "training diverged at iteration 15" in err and "lower the learning rate" in err
    assert "epoch" in out  # the table up to the divergence is still printed


def test_local_mnist_pickle(tmp_path):
    rng = np.random.default_rng(0)
    parts = {"train_img": rng.integers(0, 256, (30, 784), dtype=np.uint8),
             "train_label": rng.integers(0, 10, 30).astype(np.uint8),
             "test_img": rng.integers(0, 256, (10, 784), dtype=np.uint8),
             "test_label": rng.integers(0, 10, 10).astype(np.uint8)}
    (tmp_path / "mnist.pkl").write_bytes(pickle.dumps(parts))
    code, out, _ = run_cli("--data", str(tmp_path / "mnist.pkl"), "--hidden-size", "4",
                           "--batch-size", "10", "--iterations", "6", "--every", "1")
    assert code == 0 and out.startswith("TwoLayerNet 784-4-10 on ")
    assert "(30 train, 10 test)" in out and "3 iterations per epoch" in out


def test_usage_errors_exit_2_naming_the_problem(tmp_path):
    code, _, err = run_cli("--data", str(tmp_path / "missing"))
    assert code == 2 and f"{tmp_path / 'missing'}: no such file or directory" in err
    code, _, err = run_cli("--gradient", "numerical")
    assert code == 2 and "2 loss evaluations per parameter" in err and "--allow-slow" in err
    code, _, err = run_cli("--batch-size", "5000")
    assert code == 2 and "batch_size=5000 exceeds the 1438 training samples" in err
    code, _, err = run_cli("--every", "0")
    assert code == 2 and "argument --every: must be a positive integer, got 0" in err
    with pytest.raises(SystemExit) as exc, contextlib.redirect_stderr(io.StringIO()):
        main(["train", "--gradient", "adam"])
    assert exc.value.code == 2


def test_numerical_gradient_on_a_tiny_net_runs():
    code, out, _ = run_cli("--gradient", "numerical", "--hidden-size", "2", "--iterations", "3",
                           "--batch-size", "20")
    assert code == 0 and "numerical" in out.splitlines()[0]


def test_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    text = capsys.readouterr().out
    assert exc.value.code == 0
    for phrase in ("mini-batch SGD", "exit status", "--learning-rate", "1/sqrt(inputs)",
                   "--allow-slow", "examples:"):
        assert phrase in text
