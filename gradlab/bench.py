"""Side-by-side timings of the ways to get TwoLayerNet's gradient (``gradlab bench``).

Every method runs on the same net and batch in one process, with the BLAS
(and XLA) thread count pinned, so that ratios mean something on a busy machine:
the book's loop (:func:`book_numerical_gradient`, written after section 4.4's
``nditer`` version), gradlab's loop, one forward pass (to price ``2P``
forwards), the structured finite differences (NumPy and JAX), the
Executor-parallel loop, backprop, and ``jax.jit(jax.grad)``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ._validation import nonnegative_finite, one_of, positive_int
from .numerical import DEFAULT_H

__all__ = ["book_numerical_gradient", "METHODS", "Problem", "run_bench", "fit_slope",
           "pin_threads", "time_call", "spread", "max_rel_diff"]

INPUT_SIZE, OUTPUT_SIZE = 784, 10
FULL_SIZES = ((10, 100), (25, 100), (50, 100), (100, 100), (50, 1), (50, 10))
"""(hidden, batch): time against P at N = 100, and against N at hidden 50."""
QUICK_SIZES = ((5, 20), (10, 20), (20, 20), (10, 5))
QUICK_INPUT = 64
MIN_TIME, QUICK_MIN_TIME = 1.0, 0.2
"""Seconds each method is repeated for (:func:`run_bench`'s default; ``--quick``'s)."""


def book_numerical_gradient(f: Callable, x: np.ndarray, h: float = DEFAULT_H) -> np.ndarray:
    """The book's loop (section 4.4, ``nditer`` version), kept faithful: the baseline.

    Perturbs ``x`` in place element by element and divides by ``2h``; no
    validation. Use :func:`gradlab.numerical_gradient` for real work.

    Examples
    --------
    >>> np.allclose(book_numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0])),
    ...             [6.0, 8.0])
    True
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


@dataclass
class Problem:
    """A TwoLayerNet with random (non-zero) parameters, a batch and its labels."""

    input_size: int
    hidden: int
    batch: int
    output_size: int = OUTPUT_SIZE
    seed: int = 0
    net: object = field(init=False)

    def __post_init__(self):
        from .nets import TwoLayerNet

        rng = np.random.default_rng(self.seed)
        self.net = TwoLayerNet(self.input_size, self.hidden, self.output_size, seed=rng)
        for value in self.net.params.values():
            value += rng.normal(scale=0.01, size=value.shape)
        self.x = rng.random((self.batch, self.input_size))
        self.t = rng.integers(0, self.output_size, size=self.batch)

    @property
    def P(self) -> int:
        return sum(v.size for v in self.net.params.values())

    @property
    def label(self) -> str:
        return f"{self.input_size}-{self.hidden}-{self.output_size}"


def _book(p: Problem):
    def loss(_):
        return p.net.loss(p.x, p.t)

    return lambda: {k: book_numerical_gradient(loss, v) for k, v in p.net.params.items()}


def _jax_grad(p: Problem):
    import jax

    from . import reference

    grad = jax.jit(jax.grad(reference.two_layer_net_loss.__wrapped__))
    params = {k: jax.device_put(v) for k, v in p.net.params.items()}
    x, t = jax.device_put(p.x), jax.device_put(p.t)
    jax.block_until_ready(grad(params, x, t))  # compile outside the timed region

    def run():
        return {k: np.asarray(v) for k, v in jax.block_until_ready(grad(params, x, t)).items()}

    return run


def _structured_jax(p: Problem):
    from .fastfd.jax_kernel import jax_numerical_gradient

    run = lambda: jax_numerical_gradient(p.net.params, p.x, p.t)  # noqa: E731
    run()  # compile outside the timed region
    return run


def _parallel(p: Problem):
    import functools

    from .fastfd.chunked import default_executor, parallel_numerical_gradient

    executor = default_executor()
    shapes = {k: v.shape for k, v in p.net.params.items()}
    f = functools.partial(flat_loss, shapes=shapes, x=p.x, t=p.t)
    theta = np.concatenate([v.ravel() for v in p.net.params.values()])
    workers = executor._max_workers
    list(executor.map(time.sleep, [0.2] * workers))  # start every worker, then import there
    list(executor.map(f, [theta] * workers))

    def run():
        flat = parallel_numerical_gradient(f, theta, executor=executor)
        parts = np.split(flat, np.cumsum([math.prod(v) for v in shapes.values()])[:-1])
        return {k: part.reshape(shapes[k]) for k, part in zip(shapes, parts, strict=True)}

    run.close = executor.shutdown
    return run


def flat_loss(theta, shapes, x, t):
    """TwoLayerNet loss of flattened parameters (picklable, for process pools)."""
    from .nets import TwoLayerNet

    net, offset = TwoLayerNet(1, 1, 1), 0
    for key, shape in shapes.items():
        size = math.prod(shape)
        net.params[key] = theta[offset:offset + size].reshape(shape)
        offset += size
    return net.loss(x, t)


METHODS: dict[str, tuple[Callable, str]] = {
    "book loop": (_book, "2P"),
    "numerical_gradient": (lambda p: lambda: p.net.numerical_gradient(p.x, p.t), "2P"),
    "forward": (lambda p: lambda: p.net.loss(p.x, p.t), "1"),
    "structured": (lambda p: lambda: p.net.numerical_gradient(p.x, p.t, method="structured"),
                   "2P"),
    "structured-jax": (_structured_jax, "2P"),
    "parallel loop": (_parallel, "2P"),
    "backprop": (lambda p: lambda: p.net.gradient(p.x, p.t), "-"),
    "jax.grad": (_jax_grad, "-"),
}
"""name -> (factory(problem) -> zero-argument callable, loss evaluations it stands for)."""
DEFAULT_METHODS = tuple(m for m in METHODS if m != "parallel loop")
LOOPS = ("book loop", "numerical_gradient", "parallel loop")


def limit_xla_to_one_thread() -> None:
    """Ask XLA for one CPU thread; it reads XLA_FLAGS once, so only before jax is imported."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "jax" not in sys.modules and "intra_op_parallelism_threads" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()


def pin_threads(n: int):
    """Limit BLAS to ``n`` threads (returned context) and XLA too, if jax is not loaded yet."""
    from threadpoolctl import threadpool_limits

    n = positive_int(n, "threads")
    if n == 1:
        limit_xla_to_one_thread()
    return threadpool_limits(n)


def time_call(fn: Callable, *, min_time: float, max_runs: int,
              sample_time: float = 0.01) -> tuple[list[float], object]:
    """Per-call times of ``fn``: samples of ``number`` calls each (``number`` chosen so a
    sample lasts >= ``sample_time``), repeated until ``min_time`` has passed or
    ``max_runs`` samples exist. A first call that already takes ``sample_time`` counts
    as the first sample (the loops run for seconds: no warm-up run for them)."""
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    number = 1 if first >= sample_time else min(10_000, math.ceil(sample_time / max(first, 1e-7)))
    times = [first] if number == 1 else []
    while not times or (sum(times) * number < min_time and len(times) < max_runs):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return times, result


def spread(times: list[float]) -> float | None:
    """Interquartile range over median (range over median below 4 samples); None for one."""
    if len(times) < 2:
        return None
    lo, mid, hi = np.percentile(times, [25, 50, 75] if len(times) >= 4 else [0, 50, 100])
    return float((hi - lo) / mid)


def max_rel_diff(grads, loop) -> float | None:
    """max |grads - loop| over all parameters, relative to max |loop| (issue 6's measure).

    None when either is not a gradient dict (a method that returns a loss).

    Examples
    --------
    >>> np.allclose(max_rel_diff({"W": np.array([1.0, 2.1])}, {"W": np.array([1.0, 2.0])}), 0.05)
    True
    """
    if not isinstance(grads, dict) or not isinstance(loop, dict):
        return None
    num = max(float(np.max(np.abs(grads[k] - loop[k]))) for k in loop)
    return num / max(float(np.max(np.abs(loop[k]))) for k in loop)


def run_bench(sizes: Iterable[tuple[int, int]], methods: Iterable[str] = DEFAULT_METHODS, *,
              input_size: int = INPUT_SIZE, min_time: float = MIN_TIME, max_runs: int = 25,
              rounds: int = 1, progress: bool = False) -> list[dict]:
    """Time each method on each (hidden, batch) size; one record per pair.

    Each of ``rounds`` rounds times every method in turn (forward first, then
    the loops), so that a change of load on a shared machine hits all methods
    alike; the median is over all samples of all rounds. Records carry
    ``method, size, input, hidden, output, batch, P, evaluations, times,
    median, spread`` (see :func:`spread`), ``ratio_book`` (book loop time /
    this time), ``ratio_2pf`` (this time / (2P x forward)) and
    ``max_rel_diff`` (from gradlab's loop, relative to its largest entry).
    """
    from tqdm import tqdm

    methods = [one_of(m, tuple(METHODS), "methods") for m in methods]
    sizes = [(positive_int(hidden, "hidden size"), positive_int(batch, "batch size"))
             for hidden, batch in sizes]
    input_size, max_runs = positive_int(input_size, "input_size"), positive_int(max_runs,
                                                                                "max_runs")
    min_time, rounds = nonnegative_finite(min_time, "min_time"), positive_int(rounds, "rounds")
    first = ("forward", "numerical_gradient", "book loop")
    order = sorted(methods, key=lambda m: first.index(m) if m in first else len(first))
    bar = tqdm(total=len(methods) * len(sizes) * rounds, disable=not progress, unit="run",
               leave=False)
    records = []
    for hidden, batch in sizes:
        problem = Problem(input_size, hidden, batch)
        fns, times, results = {}, {m: [] for m in order}, {}
        for _ in range(rounds):
            for name in order:
                bar.set_postfix_str(f"{problem.label} N={batch} {name}")
                if name not in fns:
                    fns[name] = METHODS[name][0](problem)  # JAX compiles here, untimed
                sample, results[name] = time_call(fns[name], min_time=min_time / rounds,
                                                  max_runs=max_runs)
                times[name] += sample
                bar.update()
        for fn in fns.values():
            getattr(fn, "close", lambda: None)()
        group = [_record(problem, name, times[name], results[name],
                         results.get("numerical_gradient")) for name in methods]
        _add_ratios(group)
        records += group
    bar.close()
    return records


def _record(problem: Problem, name: str, times: list[float], result, loop) -> dict:
    evals = METHODS[name][1]
    return dict(
        method=name, size=problem.label, input=problem.input_size, hidden=problem.hidden,
        output=problem.output_size, batch=problem.batch, P=problem.P,
        evaluations=2 * problem.P if evals == "2P" else (1 if evals == "1" else None),
        times=times, median=float(np.median(times)), spread=spread(times),
        max_rel_diff=max_rel_diff(result, loop))


def _add_ratios(group: list[dict]) -> None:
    by = {r["method"]: r for r in group}
    book = by.get("book loop", {}).get("median")
    forward = by.get("forward", {}).get("median")
    for r in group:
        r["ratio_book"] = book / r["median"] if book else None
        r["ratio_2pf"] = r["median"] / (2 * r["P"] * forward) if forward else None


def fit_slope(records: list[dict], method: str, along: str) -> float | None:
    """Least-squares slope of log(time) against log(P) (``along="P"``, largest common
    batch) or log(batch) (``along="batch"``, hidden 50 or the most common)."""
    rows = [r for r in records if r["method"] == method]
    if along == "P":
        fixed = max((r["batch"] for r in rows), default=None)
        rows = [r for r in rows if r["batch"] == fixed]
    else:
        hiddens = [r["hidden"] for r in rows]
        fixed = 50 if 50 in hiddens else max(set(hiddens), key=hiddens.count, default=None)
        rows = [r for r in rows if r["hidden"] == fixed]
    xs = [r[along] for r in rows]
    if len(set(xs)) < 2:
        return None
    return float(np.polyfit(np.log(xs), np.log([r["median"] for r in rows]), 1)[0])
