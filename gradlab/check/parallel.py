"""Full mode over a concurrent.futures.Executor: the same numbers, in chunks.

``f`` and ``x`` are pickled together, once (cloudpickle when installed, so that
lambdas and closures travel; else pickle), and every task unpickles its own
copy: the book's ``lambda W: net.loss(x, t)`` with ``x = net.params`` still
perturbs the arrays its copy of ``net`` reads, and tasks never share memory, so
a thread pool, a process pool and ``dask.distributed``'s
``client.get_executor()`` all work. Each task first evaluates f at its copy of x
and compares with f(x) here, bit for bit, so that a copy that does not behave
like the original is an error, not a different number. Batches smaller than
``MIN_ROWS`` run here, on the caller's arrays.
"""

from __future__ import annotations

import pickle

import numpy as np

from .evaluate import Evaluator, sample_coordinates
from .space import Space

MIN_ROWS = 64
"""Batches of fewer coordinates (re-measured lines) are evaluated in this process."""

TASKS_PER_WORKER = 4


def dumps(obj) -> bytes:
    """Pickle with cloudpickle if it is installed (lambdas, closures), else with pickle."""
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle comes with dask
        return pickle.dumps(obj)
    return cloudpickle.dumps(obj)


def run_chunk(payload: bytes, rows, offsets, vector: bool, out_shape, contract, f0):
    """One task: f and x from ``payload``, then the values at ``rows`` x ``offsets``."""
    f, x = pickle.loads(payload)
    space = Space(x)
    ev = Evaluator(f, space, vector=vector)
    ev.out_shape = out_shape if vector else None
    if f0 is not None:
        mine = ev.at_x("at the worker's copy of x")
        ev.contract = contract
        mine = mine if contract is None else contract.T @ mine
        if not np.array_equal(mine, f0):
            raise ValueError(
                f"f at the worker's copy of x returned {mine[0]!r}, not {f0[0]!r} as here: f "
                f"depends on state that does not travel with f and x (a module-level global, "
                f"a file, a random generator). Pass everything f reads through x or its "
                f"closure, or omit executor=.")
    ev.contract = contract
    values, steps = sample_coordinates(ev, rows, offsets)
    return values, steps, ev.count, ev.failures


class ExecutorSampler:
    """Samples coordinate lines on an Executor; counts the evaluations made there."""

    def __init__(self, problem, executor):
        self.problem, self.executor, self.count = problem, executor, 0
        try:
            self.payload = dumps((problem.ev.f, _caller_x(problem.space)))
        except Exception as exc:  # what pickling raises depends on the object
            raise TypeError(
                f"executor= sends f and x to the workers, pickled together, but they could not "
                f"be pickled ({type(exc).__name__}: {exc}). Use a module-level function or "
                f"functools.partial (cloudpickle, which comes with dask, also handles lambdas), "
                f"or omit executor=.") from exc
        workers = getattr(executor, "_max_workers", None) or 2
        self.tasks = TASKS_PER_WORKER * int(workers)
        deterministic = np.array_equal(problem.f0, problem.f0b)
        self.f0 = problem.f0 if deterministic else None
        self.note = (f"evaluated on {type(executor).__name__} in up to {self.tasks} tasks, each "
                     f"on its own copy of f and x (one check of f(x) per task).")
        self.serial = lambda rows, offsets: sample_coordinates(problem.ev, rows, offsets)

    def __call__(self, rows, offsets):
        if len(rows) < MIN_ROWS:
            return self.serial(rows, offsets)
        ev = self.problem.ev
        chunks = [c for c in np.array_split(np.arange(len(rows)), min(self.tasks, len(rows)))
                  if c.size]
        futures = [self.executor.submit(run_chunk, self.payload, np.asarray(rows)[c],
                                        offsets[c], ev.vector, ev.out_shape, ev.contract,
                                        self.f0) for c in chunks]
        parts = [future.result() for future in futures]
        for _, _, count, failures in parts:
            self.count += count
            ev.failures.extend(failures[:max(0, 3 - len(ev.failures))])
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _caller_x(space: Space):
    """x as the caller passed it (the structure f receives)."""
    args = space.args()
    return tuple(args) if space.star else args[0]
