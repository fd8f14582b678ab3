"""pytest-benchmark set-up for gradlab: collect bench_*.py, pin threads, choose sizes.

Run the real set:   python -m pytest benchmarks --bench-set=full
CI smoke run:       python -m pytest benchmarks --benchmark-disable   (seconds)
Threads (BLAS via threadpoolctl, XLA via XLA_FLAGS when 1): --bench-threads N (default 1).
"""

import fnmatch

import pytest

from gradlab.bench import FULL_SIZES, INPUT_SIZE, limit_xla_to_one_thread

SETS = {
    # (input, hidden, batch): the grid, and a tiny one for CI
    "full": [(INPUT_SIZE, h, n) for h in (10, 25, 50, 100) for n in (1, 10, 100)],
    "headline": [(INPUT_SIZE, h, n) for h, n in FULL_SIZES],
    "smoke": [(16, 5, 4)],
}


def pytest_addoption(parser):
    group = parser.getgroup("gradlab benchmarks")
    group.addoption("--bench-set", choices=sorted(SETS), default="smoke",
                    help="sizes to benchmark (default smoke: tiny, for CI)")
    group.addoption("--bench-threads", type=int, default=1,
                    help="BLAS/XLA threads during the benchmarks (default 1)")


def pytest_configure(config):
    if config.getoption("--bench-threads") == 1:
        limit_xla_to_one_thread()


def pytest_collect_file(file_path, parent):
    """Collect benchmarks/bench_*.py (pytest's default only collects test_*.py), unless
    ``python_files`` already matches them."""
    if file_path.suffix != ".py" or not file_path.name.startswith("bench_"):
        return None
    if parent.session.isinitpath(file_path):  # named on the command line: pytest collects it
        return None
    if any(fnmatch.fnmatch(file_path.name, pattern)
           for pattern in parent.config.getini("python_files")):
        return None
    return pytest.Module.from_parent(parent, path=file_path)


def pytest_generate_tests(metafunc):
    if "size" in metafunc.fixturenames:
        sizes = SETS[metafunc.config.getoption("--bench-set")]
        metafunc.parametrize("size", sizes, ids=[f"{d}-{h}-10-N{n}" for d, h, n in sizes])


@pytest.fixture(scope="session")
def threads(request):
    """The pinned thread count, held for the whole session."""
    from threadpoolctl import threadpool_limits

    n = request.config.getoption("--bench-threads")
    with threadpool_limits(n):
        yield n


@pytest.fixture
def problem(size):
    from gradlab.bench import Problem

    return Problem(*size)
