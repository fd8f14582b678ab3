"""TwoLayerNet gradients: the book's loop against its limit and faster ways to the same numbers.

One group per method; ``extra_info`` carries P, N, hidden, the loss evaluations the
method stands for, and the pinned thread count. Compare groups at the same size
with ``--benchmark-group-by=param:size`` (ratios in one run, as ``gradlab bench``).
"""

import numpy as np
import pytest

from gradlab.bench import LOOPS, METHODS

SLOW_ON_BIG = {"parallel loop"}  # half a loop per run: headline size only


@pytest.mark.parametrize("method", list(METHODS))
def test_gradient(benchmark, problem, method, threads):
    if method in SLOW_ON_BIG and problem.input_size >= 784 and (problem.hidden, problem.batch) \
            != (50, 100):
        pytest.skip("the parallel loop is benchmarked at 784-50-10, N=100 only")
    factory, evals = METHODS[method]
    fn = factory(problem)  # JAX compiles here, outside the timed region
    benchmark.group = method
    benchmark.extra_info.update(
        P=problem.P, N=problem.batch, hidden=problem.hidden, input=problem.input_size,
        evaluations={"2P": 2 * problem.P, "1": 1}.get(evals), threads=threads)
    try:
        if method in LOOPS:  # seconds per call: a few single rounds
            result = benchmark.pedantic(fn, rounds=2 if problem.P < 20_000 else 1, iterations=1)
        else:
            result = benchmark(fn)
    finally:
        getattr(fn, "close", lambda: None)()
    if method == "forward":
        assert np.isfinite(result)
    else:  # every method returns a gradient of the right shapes
        assert {k: v.shape for k, v in result.items()} == \
            {k: v.shape for k, v in problem.net.params.items()}
