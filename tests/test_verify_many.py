"""Many targets at once: judge processes in a pool or on dask, results in the order given,
a target that hangs or kills its judge costing only its own row; the command line's
summary, CSV and JUnit for a class."""

from __future__ import annotations

import contextlib
import csv
import time
import xml.etree.ElementTree as ET

import psutil
import pytest

from gradlab.cli import main
from gradlab.conformance.batch import Job
from gradlab.conformance.many import check_many

SIGMOID = "import numpy as np\n\n\ndef sigmoid(x):\n    return {}\n"
TARGETS = {
    "good": SIGMOID.format("1 / (1 + np.exp(-x))"),
    "bad": SIGMOID.format("x"),
    # runs past the target's wall-time limit (but not past the per-call limit)
    "hangs": "import time\n\n\ndef sigmoid(x):\n    time.sleep(120)\n    return x\n",
    # kills the judge itself: loaded in the judge's own process (the hidden inline switch)
    "kills_judge": "import os\n\n\n@(lambda f: os._exit(3))\ndef sigmoid(x):\n    return x\n",
}


def _write(folder, names):
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / f"{name}.py").write_text(TARGETS[name])
    return {name: str(folder / f"{name}.py") for name in names}


def _job(path, name, **options):
    return Job("file", path, name, quick=True, **options)


def _comparable(result):
    return [{k: v for k, v in r.to_json().items() if k != "seconds"} for r in result.records]


@pytest.fixture(scope="module", autouse=True)
def compilation_cache(tmp_path_factory):
    """The judges keep JAX's compiled code in a folder of the tests' own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADLAB_JAX_CACHE", str(tmp_path_factory.mktemp("jax-cache")))
        yield


@pytest.fixture(scope="module")
def pooled(tmp_path_factory):
    paths = _write(tmp_path_factory.mktemp("class"), TARGETS)
    jobs = [_job(paths["good"], "good"), _job(paths["hangs"], "hangs", timeout=60.0),
            _job(paths["kills_judge"], "kills_judge", isolation="inline"),
            _job(paths["bad"], "bad")]
    seen = []
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    results = check_many(jobs, workers=2, target_timeout=8.0,
                         on_result=lambda done, total, r: seen.append((done, total)))
    return paths, results, seen, before


def test_results_come_in_the_order_given_and_each_fault_costs_its_own_row(pooled):
    _, results, seen, _ = pooled
    assert [r.label for r in results] == ["good", "hangs", "kills_judge", "bad"]
    status = {r.label: {x.function: x.status for x in r.records} for r in results}
    assert status["good"]["sigmoid"] == "pass" and status["bad"]["sigmoid"] == "fail"
    (hang,) = results[1].records
    assert hang.status == "error" and "wall-time limit of 8 s" in hang.message
    (killed,) = results[2].records
    assert killed.status == "error" and "exit code 3" in killed.message
    assert sorted(seen) == [(i, 4) for i in range(1, 5)]


def _alive(processes):
    alive = []
    for p in processes:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{p.pid}: {' '.join(p.cmdline())[:200]}")
    return alive


def test_no_judge_or_executor_outlives_the_run(pooled):
    *_, before = pooled
    new = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    deadline = time.monotonic() + 10  # a killed process takes a moment to go
    while _alive(new) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(new) == []


@pytest.mark.parametrize("where", ["its own LocalCluster", "a running scheduler"])
def test_dask_gives_the_same_records_as_the_pool(pooled, where):
    paths, results, _, _ = pooled
    jobs = [_job(paths["good"], "good"), _job(paths["bad"], "bad")]
    if where == "a running scheduler":  # as --scheduler ADDRESS reaches a cluster
        from distributed import LocalCluster

        with LocalCluster(n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster:
            on_dask = check_many(jobs, scheduler=cluster.scheduler_address,
                                 target_timeout=120.0)
    else:
        on_dask = check_many(jobs, workers=2, executor="dask", target_timeout=120.0)
    by_label = {r.label: r for r in results}
    assert [_comparable(r) for r in on_dask] == [_comparable(by_label[j.label]) for j in jobs]


def test_the_command_line_summarises_a_class(tmp_path, capsys):
    paths = _write(tmp_path / "class", ["good", "bad"])
    csv_path, junit_path = tmp_path / "class.csv", tmp_path / "report.xml"
    code = main(["verify", paths["good"], paths["bad"], "--quick", "--jobs", "2",
                 "--summary-csv", str(csv_path), "--junit", str(junit_path)])
    assert code == 1
    out, err = capsys.readouterr()
    assert "submission" in out and "1/2 ok" in out
    assert "[2/2]" in err
    rows = list(csv.DictReader(csv_path.open()))
    assert [(r["submission"], r["verdict"], r["sigmoid"]) for r in rows] == [
        (paths["good"], "ok", "pass"), (paths["bad"], "fail", "fail")]
    suites = ET.parse(junit_path).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == [paths["good"], paths["bad"]]
    assert [s.get("failures") for s in suites] == ["0", "1"]


@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], "--jobs must be a positive integer"),
    (["--target-timeout", "0"], "--target-timeout must be a positive"),
    (["--summary-csv", "/no/such/folder/c.csv"], "does not exist"),
    (["--junit", "."], "is a folder"),
    (["--format", "gradescope", "--json", "-"], "both write to stdout"),
    (["--format", "html"], "--format must be one of text, github, gradescope"),
    (["--executor", "threads"], "--executor must be one of process, dask")])
def test_bad_options_exit_2_before_any_work(args, message, capsys):
    assert main(["verify", *args]) == 2
    assert message in capsys.readouterr().err
