"""Figure for ``gradlab bench --plot``: time against P, log-log, with fitted slopes."""

from __future__ import annotations

import numpy as np

from .bench import fit_slope

__all__ = ["plot_bench"]


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
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.4, 4.4), layout="constrained")
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
