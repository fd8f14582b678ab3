"""What isolation costs ``gradlab verify`` (group "verify").

Each round runs the whole command, ``python -m gradlab verify TARGET``, as a user does:
Python's start, JAX's import, the checks, the report. Targets: gradlab itself, and the
book's repository when ``GRADLAB_BOOK_REPO`` names a copy of it (never committed here).
Isolation: ``sandbox`` (the default: an executor in the OS sandbox) against ``inline``
(verify's hidden debugging switch: the target's code in verify's own process, no
executor, no protection). Cache: ``warm`` (JAX's compilation cache filled by a first,
untimed run) or ``cold`` (a fresh, empty cache each round).

    python -m pytest benchmarks/bench_verify.py --bench-set=full --benchmark-only \\
        --benchmark-group-by=param:target,param:cache --benchmark-columns=median,iqr,rounds

The CI smoke set runs ``--quick`` on gradlab once per isolation, untimed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab

ROOT = Path(gradlab.__file__).resolve().parent.parent
ISOLATIONS = ("sandbox", "inline")


def _targets(bench_set: str):
    book = os.environ.get("GRADLAB_BOOK_REPO")
    targets = [("gradlab", [])]
    if bench_set != "smoke" and book and Path(book).is_dir():
        targets.append(("book", [book]))
    return targets


def pytest_generate_tests(metafunc):
    if "target" in metafunc.fixturenames:
        bench_set = metafunc.config.getoption("--bench-set")
        targets = _targets(bench_set)
        metafunc.parametrize("target", targets, ids=[name for name, _ in targets])
        caches = ["warm"] if bench_set == "smoke" else ["warm", "cold"]
        metafunc.parametrize("cache", caches)


def _verify(args, isolation: str, cache_dir: Path, quick: bool) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg",
               GRADLAB_JAX_CACHE=str(cache_dir))
    command = [sys.executable, "-m", "gradlab", "verify", *args, "--isolation", isolation]
    return subprocess.run(command + (["--quick"] if quick else []), env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=600).returncode


@pytest.mark.benchmark(group="verify")
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_verify(benchmark, request, tmp_path, target, cache, isolation):
    name, args = target
    smoke = request.config.getoption("--bench-set") == "smoke"
    rounds = [0]

    def cache_dir():
        if cache == "warm":
            return tmp_path / "cache"
        rounds[0] += 1
        return tmp_path / f"cold-{rounds[0]}"

    if cache == "warm" and not smoke:
        _verify(args, isolation, tmp_path / "cache", quick=False)  # fill the cache, untimed
    benchmark.extra_info.update(target=name, cache=cache, isolation=isolation)
    code = benchmark.pedantic(lambda: _verify(args, isolation, cache_dir(), quick=smoke),
                              rounds=1 if smoke else 3, iterations=1)
    # gradlab passes every check; the book fails where its code is wrong (integer input)
    assert code == (0 if name == "gradlab" else 1)
