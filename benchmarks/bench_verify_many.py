"""A class at once (group "verify-many"): ``gradlab verify T1 ... T20`` with ``--jobs 1``,
``--jobs 2`` and on a 2-worker dask LocalCluster, interleaved, and their records compared.

Each round runs the whole command as a teacher does (Python's start, the judges' JAX
imports, the checks, the summary), with JAX's compilation cache filled by an untimed run
first. The targets are 20 copies of mixed correct and buggy learner code: gradlab's own
learner-style fixtures (the book's layout with its integer-input bug, a repository of
chapter folders, a flat camelCase folder, notebooks) and a correct flat file written here.

    python -m pytest benchmarks/bench_verify_many.py --bench-set=full \\
        --benchmark-json=many.json      # extra_info: each mode's times, the paired ratios

``extra_info`` also carries the load average before and after each run (the machine may be
shared) and the CPU seconds of each. The CI smoke set checks 2 targets with ``--quick``,
once, with ``--jobs 2`` only (tests/test_verify_many.py compares the pool with dask).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gradlab

ROOT = Path(gradlab.__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# three that fail and one that only warns (its cross-entropy takes one-hot targets only)
BUGGY = [FIXTURES / "book_layout", FIXTURES / "learners" / "notebooks",
         FIXTURES / "learners" / "flat_camel", FIXTURES / "learners" / "chapters"]
CORRECT = '''import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def softmax(a):
    shifted = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    y = np.atleast_2d(y)
    t = np.asarray(t)
    if t.size == y.size:  # one-hot
        t = np.argmax(t.reshape(y.shape), axis=1)
    rows = np.arange(y.shape[0])
    return -np.sum(np.log(y[rows, t.reshape(-1)] + 1e-7)) / y.shape[0]


def numerical_gradient(f, x):
    h = 1e-4
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        keep = x[idx]
        x[idx] = keep + h
        up = f(x)
        x[idx] = keep - h
        down = f(x)
        x[idx] = keep
        grad[idx] = (up - down) / (2 * h)
    return grad
'''
MODES = {"jobs1": ["--jobs", "1"], "jobs2": ["--jobs", "2"],
         "dask2": ["--executor", "dask", "--jobs", "2"]}


def _smoke(config) -> bool:
    return config.getoption("--bench-set") == "smoke"


@pytest.fixture(scope="module")
def targets(request, tmp_path_factory) -> list[str]:
    """20 folders (2 in the smoke set), cycling over four buggy ones and a correct one."""
    home = tmp_path_factory.mktemp("class")
    correct = home / "_correct"
    correct.mkdir()
    (correct / "functions.py").write_text(CORRECT)
    kinds = [*BUGGY, correct]
    n = 2 if _smoke(request.config) else 20
    paths = []
    for i in range(n):
        source = kinds[(i + 3) % len(kinds)]  # the smoke pair: a buggy one, the correct one
        dest = home / f"s{i:02d}_{source.name.lstrip('_')}"
        shutil.copytree(source, dest)
        paths.append(str(dest))
    return paths


@pytest.fixture(scope="module")
def cache(targets, tmp_path_factory, request) -> Path:
    folder = tmp_path_factory.mktemp("jax-cache")
    if not _smoke(request.config):  # fill the oracle's cache, untimed
        _verify(targets[:5], ["--jobs", "1"], folder, tmp_path_factory.mktemp("w") / "r.json",
                quick=False)
    return folder


def _verify(targets, mode_args, cache_dir, out, quick) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg",
               GRADLAB_JAX_CACHE=str(cache_dir))
    command = [sys.executable, "-m", "gradlab", "verify", *targets, *mode_args,
               "--json", str(out)] + (["--quick"] if quick else [])
    return subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=1800).returncode


def _modes(config) -> list[str]:
    return ["jobs2"] if _smoke(config) else list(MODES)


def _round(targets, modes, cache, folder, quick, log) -> None:
    """Run every mode once, in the order given; log its wall time, CPU seconds (verify and
    the judges it reaped; dask's workers are reaped when the cluster closes), the load
    average around it, and its records without their timings."""
    for mode in modes:
        out = folder / f"{mode}.json"
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        code = _verify(targets, MODES[mode], cache, out, quick)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert code == 1, mode  # the buggy targets fail
        log.setdefault(mode, []).append({
            "wall": wall, "load": (load, os.getloadavg()[0]),
            "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "records": [{k: v for k, v in r.items() if k != "seconds"}
                        for r in json.loads(out.read_text())]})


@pytest.mark.benchmark(group="verify-many")
def test_verify_many(benchmark, request, tmp_path, targets, cache):
    """Rounds of every mode, interleaved and in alternating order, so that each round's
    ``--jobs 1`` and ``--jobs 2`` ran side by side under the same load: the speed-up is the
    median of the rounds' paired ratios. The benchmark's own time is a whole round."""
    quick = _smoke(request.config)
    modes = _modes(request.config)
    log: dict[str, list] = {}
    rounds = iter(range(100))

    def one_round():
        order = modes if next(rounds) % 2 == 0 else modes[::-1]
        _round(targets, order, cache, tmp_path, quick, log)

    benchmark.pedantic(one_round, rounds=1 if quick else 3, iterations=1)
    first = log[modes[0]][0]["records"]
    assert first and {r["status"] for r in first} >= {"pass", "fail"}
    for mode in modes:
        for run in log[mode]:
            assert run["records"] == first, mode  # identical records, whatever ran them
    ratios = [a["wall"] / b["wall"] for a, b in zip(log.get("jobs1", []), log["jobs2"],
                                                    strict=False)]
    benchmark.extra_info.update(
        targets=len(targets), quick=quick, cpus=os.cpu_count(),
        speedup_jobs2=[round(r, 2) for r in ratios],
        speedup_jobs2_median=round(statistics.median(ratios), 2) if ratios else None,
        **{f"{m}_wall": [round(r["wall"], 1) for r in log[m]] for m in modes},
        **{f"{m}_cpu": [round(r["cpu"], 1) for r in log[m]] for m in modes},
        **{f"{m}_load": [[round(x, 2) for x in r["load"]] for r in log[m]] for m in modes})
