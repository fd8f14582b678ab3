"""The benchmark harness: the book's loop, timing, slopes, and ``gradlab bench``."""

import json

import numpy as np
import pytest

import gradlab as gl
from gradlab import bench
from gradlab.cli import main
from tests.helpers import run_main


def test_book_loop_matches_gradlab_loop(rng):
    a = rng.normal(size=(3, 4))
    f = lambda x: np.sum(np.sin(x) * a)  # noqa: E731
    x = rng.normal(size=(3, 4))
    before = x.copy()
    book = bench.book_numerical_gradient(f, x)
    assert np.array_equal(x, before)  # the book restores each element
    # the book divides by 2h, gradlab by the represented step: they differ by the
    # step's rounding, ulp(x)/2h ~ 1e-12 relative here
    assert np.allclose(book, gl.numerical_gradient(f, x.copy()), rtol=1e-10, atol=0)
    assert np.allclose(book, np.cos(x) * a, rtol=0, atol=1e-8)  # truncation h^2/6 |a|


def test_time_call_counts_calls_and_batches_fast_ones():
    calls = []
    times, result = bench.time_call(lambda: calls.append(1) or len(calls), min_time=0.05,
                                    max_runs=5, sample_time=0.005)
    assert result == 1 and 1 <= len(times) <= 5
    assert len(calls) > len(times)  # a fast call is timed in samples of many calls


@pytest.mark.parametrize("times,expected", [([1.0], None), ([1.0, 3.0], 1.0),
                                            ([1.0, 2.0, 2.0, 2.0, 9.0], 0.0)])
def test_spread(times, expected):
    assert bench.spread(times) == expected


def test_fit_slope_recovers_a_power_law():
    records = [{"method": "m", "batch": n, "hidden": hdn, "P": 7 * hdn,
                "median": 3e-4 * (7 * hdn) ** 2 * n ** 0.5}
               for hdn in (10, 50, 100) for n in (1, 100)]
    assert bench.fit_slope(records, "m", "P") == pytest.approx(2.0)
    assert bench.fit_slope(records, "m", "batch") == pytest.approx(0.5)
    assert bench.fit_slope(records[:1], "m", "P") is None


def test_run_bench_ratios_and_differences():
    methods = ["book loop", "numerical_gradient", "forward", "structured", "backprop",
               "jax.grad"]
    records = bench.run_bench([(3, 4), (6, 4)], methods, input_size=8, min_time=0.0, rounds=2)
    assert [r["method"] for r in records] == methods * 2
    by = {(r["hidden"], r["method"]): r for r in records}
    for hidden in (3, 6):
        assert by[hidden, "numerical_gradient"]["P"] == 8 * hidden + hidden + hidden * 10 + 10
        assert by[hidden, "numerical_gradient"]["evaluations"] == 2 * by[hidden, "forward"]["P"]
        assert by[hidden, "book loop"]["ratio_book"] == 1.0
        assert len(by[hidden, "book loop"]["times"]) == 2  # one sample per round
        assert by[hidden, "numerical_gradient"]["max_rel_diff"] == 0.0
        assert by[hidden, "structured"]["max_rel_diff"] <= 1e-8
        assert by[hidden, "book loop"]["max_rel_diff"] <= 1e-8
        # backprop is exact: it differs from the loop by the truncation h^2 f'''/6 ~ 1e-8
        assert 0 < by[hidden, "backprop"]["max_rel_diff"] < 1e-6
        assert by[hidden, "jax.grad"]["max_rel_diff"] == pytest.approx(
            by[hidden, "backprop"]["max_rel_diff"], rel=1e-3)


def test_run_bench_rejects_unknown_method():
    with pytest.raises(ValueError, match="methods must be one of"):
        bench.run_bench([(3, 4)], ["telepathy"])


def test_cli_bench_table_json_and_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out, fig = tmp_path / "bench.json", tmp_path / "bench.png"
    status = main(["bench", "--quick", "--sizes", "3x4,6x4,3x2", "--methods",
                   "book loop,numerical_gradient,forward,structured", "--min-time", "0",
                   "--json", str(out), "--plot", str(fig)])
    assert status == 0
    text = capsys.readouterr().out
    assert "threads: 1" in text and "x book" in text and "slopes" in text
    data = json.loads(out.read_text())
    assert data["threads"] == 1 and len(data["records"]) == 12
    assert set(data["slopes"]["structured"]) == {"P", "N"}
    assert fig.stat().st_size > 1000


@pytest.mark.parametrize("argv", [["--sizes", "50by100"], ["--methods", "magic"],
                                  ["--threads", "0"], ["--rounds", "0"]])
def test_cli_bench_usage_errors(argv):
    code, _, err = run_main(["bench", "--quick", *argv])
    assert code == 2 and f"gradlab bench: error: argument {argv[0]}:" in err


def test_plot_bench_draws_one_line_per_method():
    from gradlab.plot import plot_bench

    records = [{"method": m, "batch": 10, "hidden": hdn, "P": 10 * hdn, "median": c * hdn}
               for m, c in (("a", 1.0), ("b", 0.1)) for hdn in (1, 2, 4)]
    fig = plot_bench(records)
    lines = fig.axes[0].lines
    assert len(lines) == 2 and "slope 1.00" in lines[0].get_label()
