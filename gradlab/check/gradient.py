"""check_gradient and assert_gradient_close: is a claimed gradient right, and if not, where?"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

from ..errors import GradCheckError
from .defaults import SAFETY, WORST, K
from .options import Options
from .pipeline import checked
from .problem import setup
from .result import GradCheckResult


def check_gradient(f: Callable, x, grad, *, mode: str = "full", method: str = "central",
                   h: float | None = None, safety: float = SAFETY, k: int = K,
                   seed: int | None = 0, worst: int = WORST, bounds=None,
                   executor: Executor | None = None) -> GradCheckResult:
    """Check a claimed gradient of ``f`` at ``x`` against finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` (``f(*x)`` when x is a tuple or list). It may ignore its
        argument and read ``x`` through a closure, as the book's
        ``lambda W: net.loss(x, t)`` does: arrays are perturbed in place and
        restored bit for bit.
    x : ndarray, float, or tuple/list/dict (nested) of them
        The point, e.g. ``net.params``. Arrays of any layout and 0-d arrays are
        fine; integer arrays are refused (an in-place step would be truncated).
    grad : same structure as x, or callable
        The claimed gradient, or ``grad(x)`` (``grad(*x)``) returning it; a
        callable is called right after ``f(x)``, before any perturbation.
    mode : {"full", "fast"}
        ``"full"``: every element. ``"fast"``: ``k`` random signed directions
        (``4k + 2`` evaluations for a pass), then bisection to find a wrong element.
    method : {"central", "richardson", "complex"}
        Central differences at h and h/2 with Richardson (default); one level
        more (h/4); or complex step ``Im f(x + ih) / h`` (f must accept complex
        input, else the check falls back to central and says so in ``notes``).
    h : float, optional
        Step, relative above ``|x_i| = 1``. Default from the dtype and method.
    safety : float, optional
        A mismatch counts when it exceeds ``safety`` x the estimated FD error.
    k : int, optional
        Directions in fast mode.
    seed : int or None, optional
        Seed of the random directions and of the complex-step probe.
    worst : int, optional
        Rows in the report's table.
    bounds : (lo, hi), optional
        x's domain: numbers, None, or arrays like x. No step of full mode leaves
        it; at an edge the check uses one-sided differences. Fast mode's random
        directions do not respect it yet: use ``mode="full"`` near an edge.
    executor : concurrent.futures.Executor, optional
        Full mode spreads the evaluations over it (a process pool, a thread pool,
        dask's ``client.get_executor()``): f and x travel together, pickled (with
        cloudpickle when installed), so each task perturbs its own copy. The
        numbers are those of the serial check, bit for bit.

    Returns
    -------
    GradCheckResult
        ``status`` ("pass", "fail", "inconclusive"), ``ok``, ``cause``,
        ``detectable``, ``numeric``, ``worst`` entries, ``to_dict()``;
        ``str(result)`` is the report.

    Raises
    ------
    TypeError
        If x (a leaf of it) is not a float array or number, the claim is not
        numeric, or f is not callable.
    ValueError
        If shapes or keys of the claim and x differ; if x, the claim, or f at x
        contain or return nan/inf (the message says where); if f or grad modifies
        x; if x is read-only or outside ``bounds``; for bad options.
    StepLostError
        If ``x_i + h == x_i`` for an explicit ``h``.

    Notes
    -----
    The error model (:mod:`gradlab.check.errormodel`): truncation ``h**2 |f'''| / 6``
    and roundoff ``eps |f| / h`` (section 4.3.1 of the book explains the h = 1e-4
    trade-off). Evaluating at h and h/2 both improves the value (Richardson) and
    estimates the error left, so the tolerance adapts to f, x and the dtype. Where
    that estimate is too wide, or f is not smooth within the step, the element is
    measured again at larger or smaller steps; what still cannot be judged is
    ``"inconclusive"`` (never a pass), with the reason and what to try.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> result = check_gradient(lambda x: np.sum(x ** 3), x, 3 * x ** 2)
    >>> result.status, np.allclose(result.max_rel_error, 0, atol=1e-8)
    ('pass', True)
    >>> check_gradient(lambda a, b: a * np.sum(b), (2.0, np.ones(3)), (3.0, np.full(3, 2.0))).ok
    True
    """
    opts = Options.validated(mode=mode, method=method, h=h, safety=safety, k=k, seed=seed,
                             worst=worst, bounds=bounds, executor=executor)
    problem = setup(f, x, grad, bounds=opts.bounds)
    return checked(problem, opts)


def assert_gradient_close(f: Callable, x, grad, **opts) -> GradCheckResult:
    """Like :func:`check_gradient`, but raise :class:`GradCheckError` unless the check passes.

    Parameters
    ----------
    f, x, grad, **opts
        As for :func:`check_gradient`.

    Returns
    -------
    GradCheckResult
        When the check passes.

    Raises
    ------
    GradCheckError
        A subclass of AssertionError, on a failure *and* on an inconclusive check:
        its message is the report (what and where, the worst elements, the cause,
        and for an inconclusive check what to try).

    Examples
    --------
    >>> x = np.array([0.5, -1.5])
    >>> result = assert_gradient_close(lambda x: np.sum(np.sin(x)), x, np.cos(x))
    >>> np.allclose(result.max_abs_error, 0, atol=1e-8)
    True
    """
    __tracebackhide__ = True
    return require(check_gradient(f, x, grad, **opts))


def require(result: GradCheckResult) -> GradCheckResult:
    """``result`` if it passed; else raise :class:`GradCheckError` with its report."""
    __tracebackhide__ = True
    if not result.ok:
        raise GradCheckError(str(result))
    return result
