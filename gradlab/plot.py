"""Figures for training curves, error-vs-step V-curves and benchmark timings.

Every function returns a :class:`matplotlib.figure.Figure` built directly
(no pyplot, so no GUI backend and no global state); the caller saves it with
``fig.savefig(path)``. Nothing here calls ``plt.show()``. matplotlib is
imported only when a figure is made.
"""

from __future__ import annotations

import numpy as np

from .errors import GradlabValueError

__all__ = ["plot_training", "plot_sweep", "plot_bench", "METHOD_STYLES"]

METHOD_STYLES = {
    "forward": dict(color="tab:orange"),
    "central": dict(color="tab:blue"),
    "richardson": dict(color="tab:green"),
    "complex-step": dict(color="tab:purple"),
}


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_training(history):
    """Loss and accuracy curves of a :class:`gradlab.training.TrainingHistory`.

    Parameters
    ----------
    history : TrainingHistory
        What :func:`gradlab.training.train` returned.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mini-batch loss per iteration and training-set loss per epoch.
        Right: training and test accuracy per epoch.

    Examples
    --------
    >>> from gradlab.training import TrainingHistory
    >>> h = TrainingHistory(1, 0.1, 10, "backprop", [0, 1], [0, 1], [2.3, 1.0], [0.1, 0.8],
    ...                     [0.1, 0.7], [2.3])
    >>> fig = plot_training(h)
    >>> np.allclose(fig.axes[1].lines[1].get_ydata(), [0.1, 0.7])
    True
    """
    fig = _figure(9, 3.6)
    ax_loss, ax_acc = fig.subplots(1, 2)
    iters = np.arange(1, len(history.iteration_loss) + 1)
    ax_loss.plot(iters, history.iteration_loss, color="tab:gray", linewidth=0.6, alpha=0.7,
                 label="mini-batch loss")
    ax_loss.plot(history.iteration, history.loss, "o-", color="tab:blue", markersize=3,
                 label="training-set loss")
    ax_loss.set(xlabel="iteration", ylabel="loss (cross-entropy)", yscale="log",
                title=f"loss, lr = {history.learning_rate:g}, batch {history.batch_size}")
    ax_loss.legend()
    ax_acc.plot(history.epoch, history.train_acc, "o-", markersize=3, label="train")
    ax_acc.plot(history.epoch, history.test_acc, "s--", markersize=3, label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02),
               title=f"accuracy (final test {history.test_acc[-1]:.3f})")
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
    return fig


def _at(hs: np.ndarray, errors: np.ndarray, h: float) -> float:
    """The measured error at h, interpolated linearly in log-log coordinates."""
    ok = np.isfinite(errors) & (errors > 0)
    return float(10 ** np.interp(np.log10(h), np.log10(hs[ok]), np.log10(errors[ok])))


def plot_sweep(result):
    """Log-log V-curves of derivative error against step, one panel per dtype.

    Parameters
    ----------
    result : SweepResult
        What :func:`gradlab.sweep.sweep` returned.

    Returns
    -------
    matplotlib.figure.Figure
        One line per method; a dashed vertical line at the book's h = 1e-4;
        a star on each finite-difference curve at its model optimum
        (:func:`gradlab.sweep.theoretical_h`), labelled with its h; one
        legend for the figure.

    Examples
    --------
    >>> from gradlab.sweep import sweep
    >>> fig = plot_sweep(sweep("sigmoid", dtypes=["float64"]))
    >>> [line.get_label() for line in fig.axes[0].lines][:2]
    ['forward', 'central']
    """
    from .sweep import BOOK_H, theoretical_h

    dtypes = list(result.errors)
    fig = _figure(5.2 * len(dtypes), 4.2)
    axes = np.atleast_1d(fig.subplots(1, len(dtypes), sharey=True))
    for ax, dtype in zip(axes, dtypes, strict=True):
        for method, errors in result.errors[dtype].items():
            shown = np.where(errors > 0, errors, np.nan)
            ax.plot(result.hs, shown, label=method, **METHOD_STYLES.get(method, {}))
        ax.axvline(BOOK_H, color="black", linestyle="--", linewidth=1, label="book h = 1e-4")
        for method, errors in result.errors[dtype].items():
            h_opt = theoretical_h(method, dtype)
            if h_opt is not None:
                err = _at(result.hs, errors, h_opt)
                ax.plot([h_opt], [err], marker="*", markersize=12, linestyle="none",
                        markeredgecolor="black", label=f"{method} model optimum",
                        **METHOD_STYLES.get(method, {}))
                ax.annotate(f"{h_opt:.0e}", (h_opt, err), xytext=(6, -12),
                            textcoords="offset points", fontsize="x-small")
        ax.set(xscale="log", yscale="log", xlabel="step h",
               title=f"{result.function}, {dtype}")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("relative error of the derivative")
    handles, labels = axes[0].get_legend_handles_labels()
    keep = [i for i, label in enumerate(labels) if "optimum" not in label]
    star = next((i for i, label in enumerate(labels) if "optimum" in label), None)
    if star is not None:
        keep.append(star)
        labels[star] = "model optimum eps^(1/2), eps^(1/3), eps^(1/5)"
    fig.legend([handles[i] for i in keep], [labels[i] for i in keep], loc="outside lower center",
               ncol=len(keep), fontsize="small")
    return fig


def plot_bench(records: list[dict]):
    """Median time against the parameter count P (at the largest batch), one line per method.

    Parameters
    ----------
    records : list of dict
        The output of :func:`gradlab.bench.run_bench`.

    Returns
    -------
    matplotlib.figure.Figure
        Log-log axes; each legend entry carries the fitted slope of
        log(time) against log(P). Never shown: save it or display it yourself.

    Examples
    --------
    >>> fig = plot_bench([{"method": "m", "batch": 1, "hidden": h, "P": h, "median": h / 10}
    ...                   for h in (10, 100)])
    >>> np.allclose(fig.axes[0].lines[0].get_ydata(), [1.0, 10.0])
    True
    """
    from .bench import fit_slope

    if not records:
        raise GradlabValueError("records is empty; pass what gradlab.bench.run_bench returned.")
    fig = _figure(8.4, 4.4)
    ax = fig.add_subplot()
    batch = max(r["batch"] for r in records)
    for method in dict.fromkeys(r["method"] for r in records):
        rows = sorted((r for r in records if r["method"] == method and r["batch"] == batch),
                      key=lambda r: r["P"])
        if not rows:
            continue
        slope = fit_slope(records, method, "P")
        label = method if slope is None else f"{method} (slope {slope:.2f})"
        ax.plot([r["P"] for r in rows], np.array([r["median"] for r in rows]), "o-",
                label=label)
    ax.set(xscale="log", yscale="log", xlabel="parameters P",
           ylabel="median time [s]", title=f"TwoLayerNet gradient, batch {batch}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig
