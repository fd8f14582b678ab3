"""Finite differences for any function: batched in chunks, or spread over an Executor.

Two ways to get :func:`gradlab.numerical_gradient`'s numbers faster without
knowing the function's structure:

* :func:`batched_numerical_gradient` hands ``f`` a whole chunk of perturbed
  copies of ``x`` at once, for functions that evaluate many parameter vectors
  in one call (a vectorised model, a ``jax.vmap``-ed loss).
* :func:`parallel_numerical_gradient` splits the elements of ``x`` into tasks
  and runs them on a :class:`concurrent.futures.Executor`: a process pool by
  default, or any other (a thread pool, or ``dask.distributed``'s
  ``client.get_executor()`` for a cluster).

Both divide by the step actually represented, as the loop does; the parallel
loop returns the loop's numbers bit for bit.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np

from .._validation import check_callable, finite_step, float_array, positive_int, where
from ..errors import GradlabTypeError, GradlabValueError
from ..numerical import DEFAULT_H, numerical_gradient, step_lost

__all__ = ["batched_numerical_gradient", "parallel_numerical_gradient"]

DEFAULT_CHUNK_BYTES = 64 * 2**20
"""Memory for the perturbed copies of one chunk (plus and minus together)."""


def _chunk_size(x: np.ndarray, chunk_size: int | None) -> int:
    if chunk_size is None:
        return max(1, min(x.size, DEFAULT_CHUNK_BYTES // (2 * x.size * x.itemsize)))
    return positive_int(chunk_size, "chunk_size")


def _batch_values(values, b: int) -> np.ndarray:
    out = np.asarray(values) if isinstance(values, np.ndarray | list | tuple) else None
    if out is None or out.dtype.kind not in "iuf":
        raise GradlabTypeError(
            f"f returned {type(values).__name__}{'' if out is None else ' of ' + str(out.dtype)}"
            f" for a batch of {b} parameter vectors; a batched f must return an array of "
            f"{b} real numbers.")
    if out.shape not in ((b,), (b, 1)):
        raise GradlabValueError(
            f"f returned shape {out.shape} for a batch of {b} parameter vectors; a batched f "
            f"must return one scalar per vector, shape ({b},)."
        )
    out = out.reshape(b)
    if not np.isfinite(out).all():
        raise GradlabValueError("f returned nan or inf for a perturbed x; the gradient is "
                                "undefined there.")
    return out


def _batched_chunk(f: Callable, x: np.ndarray, lo: int, hi: int, h: float) -> np.ndarray:
    """Gradient entries lo..hi-1 of the flattened x, from one batched call per sign."""
    flat, b = x.reshape(-1), hi - lo
    idx, rows = np.arange(lo, hi), np.arange(hi - lo)
    plus = np.repeat(flat[None, :], b, axis=0)
    minus = plus.copy()
    plus[rows, idx] += h
    minus[rows, idx] -= h
    step = plus[rows, idx] - minus[rows, idx]
    if np.any(step == 0):
        i = int(idx[np.argmax(step == 0)])
        raise step_lost(where("x", np.unravel_index(i, x.shape)), flat[i], h)
    shape = (b,) + x.shape
    f_plus = _batch_values(f(plus.reshape(shape)), b)
    f_minus = _batch_values(f(minus.reshape(shape)), b)
    return (f_plus - f_minus) / step


def batched_numerical_gradient(f: Callable, x, *, h: float = DEFAULT_H,
                               chunk_size: int | None = None) -> np.ndarray:
    """Central-difference gradient, evaluating ``f`` on chunks of perturbed copies of ``x``.

    Parameters
    ----------
    f : callable
        ``f(X) -> ndarray of shape (B,)`` for a stack ``X`` of ``B`` parameter
        arrays, shape ``(B,) + x.shape``: one loss per copy.
    x : ndarray
        Float array of any shape; not modified.
    h : float, optional
        Step, default 1e-4 as in the book.
    chunk_size : int, optional
        Perturbations per call of ``f``; default: as many as fit in
        64 MiB of perturbed copies (plus and minus).

    Returns
    -------
    ndarray
        The gradient, shape and dtype of ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not a floating-point array.
    ValueError
        If ``x`` is empty, ``chunk_size`` or ``h`` is invalid, ``f`` returns the
        wrong shape or a non-finite value, or ``x + h == x`` somewhere.

    Notes
    -----
    Batching pays only when ``f`` costs less per copy in a batch than alone
    (issue 6 measured NumPy 0.97x and ``jax.vmap`` 0.7x on the dense
    TwoLayerNet loss: there, :mod:`gradlab.fastfd.structured` is the way).

    Examples
    --------
    >>> f = lambda X: np.sum(X**2, axis=(1, 2))
    >>> np.allclose(batched_numerical_gradient(f, np.ones((2, 3))), 2.0)
    True
    """
    h = finite_step(h)
    check_callable(f)
    x = float_array(x, "x")
    size = _chunk_size(x, chunk_size)
    grad = np.empty(x.size, dtype=x.dtype)
    for lo in range(0, x.size, size):
        hi = min(x.size, lo + size)
        grad[lo:hi] = _batched_chunk(f, x, lo, hi, h)
    return grad.reshape(x.shape)


def _loop_chunk(f: Callable, x: np.ndarray, lo: int, hi: int, h: float) -> np.ndarray:
    """Entries lo..hi-1 by the plain loop: perturb a private copy of x through a view."""
    copy = np.array(x, copy=True, order="C")  # C order: reshape(-1) must be a view
    view = copy.reshape(-1)[lo:hi]
    return numerical_gradient(lambda _: f(copy), view, h)


def _task(f, x, lo, hi, h, batched):
    return (_batched_chunk if batched else _loop_chunk)(f, x, lo, hi, h)


def default_executor() -> Executor:
    """A spawn-based process pool with one worker per available core."""
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # spawn: forking a process that has started JAX's (or BLAS's) threads can deadlock
    return ProcessPoolExecutor(max_workers=workers or 1,
                               mp_context=multiprocessing.get_context("spawn"))


def parallel_numerical_gradient(f: Callable, x, *, h: float = DEFAULT_H,
                                executor: Executor | None = None, tasks: int | None = None,
                                batched: bool = False) -> np.ndarray:
    """Central-difference gradient with the elements of ``x`` split over an Executor.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` computed from its argument (each task perturbs its
        own copy of ``x``, so closures over the caller's ``x`` see nothing).
        With a process pool it must be picklable: a module-level function or
        a :func:`functools.partial` of one. With ``batched=True``, ``f``
        takes a stack of copies as in :func:`batched_numerical_gradient`.
    x : ndarray
        Float array of any shape; not modified.
    h : float, optional
        Step, default 1e-4 as in the book.
    executor : concurrent.futures.Executor, optional
        Where tasks run. Default: a process pool with one worker per
        available core, created and shut down here. Any Executor works,
        e.g. ``ThreadPoolExecutor`` (for functions that release the GIL) or
        ``dask.distributed.Client(...).get_executor()``.
    tasks : int, optional
        Number of chunks; default four per worker (or 8), so that uneven
        workers balance.
    batched : bool, optional
        Evaluate each task's chunk with one batched call per sign.

    Returns
    -------
    ndarray
        The gradient, shape and dtype of ``x``. With ``batched=False`` it is
        bit-for-bit :func:`gradlab.numerical_gradient`'s result.

    Raises
    ------
    TypeError
        If ``x`` is not a floating-point array.
    ValueError
        If ``x`` is empty, ``tasks`` or ``h`` is invalid; any error a task
        raises is re-raised here.

    Notes
    -----
    Each task ships ``x`` (and ``f``) to its worker once; the work per task
    should dwarf that. For TwoLayerNet the loop's cost is ``2P`` forward
    passes, so ``k`` workers approach ``k`` times faster; the structured
    method (:mod:`gradlab.fastfd.structured`) is faster still on one core.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     g = parallel_numerical_gradient(np.sum, np.ones(5), executor=pool)
    >>> np.allclose(g, 1.0)
    True
    """
    h = finite_step(h)
    check_callable(f)
    x = np.array(float_array(x, "x"), order="C")
    tasks = None if tasks is None else positive_int(tasks, "tasks")
    own = executor is None
    executor = default_executor() if own else executor
    try:
        if tasks is None:  # four per worker of the executor actually used
            tasks = 4 * (getattr(executor, "_max_workers", None) or 2)
        bounds = np.linspace(0, x.size, min(tasks, x.size) + 1).astype(int)
        futures = [executor.submit(_task, f, x, int(lo), int(hi), h, batched)
                   for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
        parts = [future.result() for future in futures]
    finally:
        if own:
            executor.shutdown()
    return np.concatenate(parts).reshape(x.shape)
