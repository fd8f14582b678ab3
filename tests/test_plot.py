"""Figures are checked for what they show, not only for a file existing."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradlab.plot import plot_sweep, plot_training
from gradlab.sweep import BOOK_H, METHODS, sweep, theoretical_h
from gradlab.training import TrainingHistory


@pytest.fixture(scope="module")
def sigmoid_sweep():
    return sweep("sigmoid")


@pytest.fixture
def history():
    return TrainingHistory(
        iters_per_epoch=2, learning_rate=0.5, batch_size=10, gradient="backprop",
        epoch=[0, 1, 2], iteration=[0, 2, 4], loss=[2.3, 1.1, 0.6],
        train_acc=[0.1, 0.6, 0.9], test_acc=[0.12, 0.55, 0.8],
        iteration_loss=[2.3, 1.9, 1.2, 0.8])


def test_sweep_figure_has_a_v_curve_per_method_and_the_markers(sigmoid_sweep):
    fig = plot_sweep(sigmoid_sweep)
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid, float64", "sigmoid, float32"]
    assert fig.axes[0].get_ylabel() == "relative error of the derivative"
    for ax, dtype in zip(fig.axes, ("float64", "float32"), strict=True):
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel() == "step h"
        lines = {line.get_label(): line for line in ax.get_lines()}
        for method in METHODS:
            curve = lines[method]
            assert np.array_equal(curve.get_xdata(), sigmoid_sweep.hs)
            assert np.allclose(curve.get_ydata(), sigmoid_sweep.errors[dtype][method],
                               equal_nan=True)
        book = lines["book h = 1e-4"]
        assert list(book.get_xdata()) == [BOOK_H, BOOK_H] and book.get_linestyle() == "--"
        stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
        assert len(stars) == 3  # forward, central, Richardson; the complex step has no V
        for star, method in zip(stars, ("forward", "central", "richardson"), strict=True):
            assert star.get_xdata()[0] == theoretical_h(method, dtype)
            y = star.get_ydata()[0]  # sits on its curve, between the neighbouring points
            err, hs = sigmoid_sweep.errors[dtype][method], sigmoid_sweep.hs
            i = np.searchsorted(hs, star.get_xdata()[0])
            assert min(err[i - 1], err[i]) <= y <= max(err[i - 1], err[i])
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts[:5] == [*METHODS, "book h = 1e-4"] and "optimum" in legend_texts[5]


def test_sweep_figure_one_panel_per_dtype():
    fig = plot_sweep(sweep("sigmoid", dtypes=["float32"], hs=[1e-6, 1e-4, 1e-2]))
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "sigmoid, float32"


def test_training_figure_shows_the_history(history):
    fig = plot_training(history)
    ax_loss, ax_acc = fig.axes
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("iteration", "loss (cross-entropy)")
    assert (ax_acc.get_xlabel(), ax_acc.get_ylabel()) == ("epoch", "accuracy")
    batch, epoch_loss = ax_loss.get_lines()
    assert np.array_equal(batch.get_xdata(), [1, 2, 3, 4])
    assert np.array_equal(batch.get_ydata(), history.iteration_loss)
    assert np.array_equal(epoch_loss.get_xdata(), [0, 2, 4])
    assert np.array_equal(epoch_loss.get_ydata(), history.loss)
    train_line, test_line = ax_acc.get_lines()
    assert (train_line.get_label(), test_line.get_label()) == ("train", "test")
    assert np.array_equal(test_line.get_ydata(), history.test_acc)
    assert "0.800" in ax_acc.get_title()


def test_figures_save_headless(history):
    buffer = io.BytesIO()
    plot_training(history).savefig(buffer, format="png", dpi=50)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_pyplot_and_lazy_heavy_imports():
    code = (
        "import sys, gradlab, gradlab.plot, gradlab.sweep, gradlab.training, gradlab.data\n"
        "heavy = [m for m in ('jax', 'matplotlib', 'sklearn', 'tqdm') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from gradlab.training import TrainingHistory\n"
        "gradlab.plot.plot_training(TrainingHistory(1, 1.0, 1, 'backprop', [0], [0], [1.0],"
        " [0.5], [0.5], []))\n"
        "assert 'matplotlib' in sys.modules and 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120,
                   cwd=Path(__file__).resolve().parents[1])
