"""``gradlab.verify``: verify from Python and Jupyter, with the command line's judge, sandbox
and report."""

from __future__ import annotations

import os
import types
from collections.abc import Mapping

from .batch import Job, TargetResult
from .options import check_options
from .results import VerifyReport
from .session import DEFAULT_TIMEOUT

__all__ = ["verify", "jobs_for"]


def verify(target=None, *, quick: bool = False, examples: int | None = None,
           timeout: float = DEFAULT_TIMEOUT, require_sandbox: bool = False, jobs: int = 1,
           executor: str = "process", scheduler: str | None = None,
           target_timeout: float | None = None, verbose: bool = False) -> VerifyReport:
    """Check book-style code against the JAX oracle, as ``gradlab verify`` does.

    Parameters
    ----------
    target : str, path, module, mapping, or a list of these; optional
        A ``.py`` file, a notebook, a folder or a module name (as for ``gradlab verify``);
        an imported module (checked by its name, in the executor); or a namespace such as
        a notebook's ``globals()``, whose functions and classes are checked from their
        source, cell by cell, under the same isolation as files. Default: gradlab itself.
    quick : bool
        Fixed inputs only, no hypothesis search (seconds).
    examples : int, optional
        Hypothesis examples per search (default 20).
    timeout : float
        Seconds one call into the checked code may take (default 15).
    require_sandbox : bool
        Check nothing where a protection of the OS sandbox is missing.
    jobs : int
        Targets checked at once, each by a judge process of its own.
    executor : {"process", "dask"}
        Where the judges run: a pool here, or a dask.distributed cluster.
    scheduler : str, optional
        A running dask scheduler's address (implies ``executor="dask"``).
    target_timeout : float, optional
        Wall-clock limit per target in seconds; a target past it is one ``error`` record
        (default: 900 with several targets; a single one is checked in this process, with
        only the per-call ``timeout``, unless this is given).
    verbose : bool
        Whether ``str(report)`` lists every failing check with its counterexample.

    Returns
    -------
    VerifyReport
        Iterate it for the records; ``.ok``, ``.filter(...)``, ``.to_json()``; ``str()``
        is the command line's text; Jupyter shows it as a table.

    Raises
    ------
    ValueError
        A target that is not a file, notebook, folder, module or namespace; a bad option.

    Notes
    -----
    Nothing of the target runs in the caller's process: its code is loaded and called in
    an executor process (in the OS sandbox where the system allows it), and the checks of
    chapters 3-4 (values, §4.3 ``numerical_diff``, §4.4 ``numerical_gradient``, §4.5
    networks) compare what it returns with the oracle.

    Examples
    --------
    >>> import gradlab
    >>> report = gradlab.verify(quick=True)          # doctest: +SKIP
    >>> report.ok, len(report.filter("fail"))        # doctest: +SKIP
    (True, 0)
    """
    opts = check_options(quick=quick, examples=examples, timeout=timeout,
                         require_sandbox=require_sandbox, jobs=jobs, executor=executor,
                         scheduler=scheduler, target_timeout=target_timeout)
    sources = []
    try:
        job_list = jobs_for(target, opts, sources)
        if len(job_list) == 1 and not opts.parallel and target_timeout is None:
            from .batch import check_one
            from .oracle import enable_compilation_cache

            enable_compilation_cache()
            results = [check_one(job_list[0])]
        else:
            from .many import DEFAULT_TARGET_TIMEOUT, check_many

            results = check_many(job_list, workers=opts.jobs, executor=opts.executor,
                                 scheduler=opts.scheduler,
                                 target_timeout=target_timeout or DEFAULT_TARGET_TIMEOUT)
        results = [_in_users_terms(result, source)
                   for result, source in zip(results, _per_job(sources, job_list),
                                             strict=True)]
    finally:
        for source in sources:
            if source is not None:
                source.close()
    return VerifyReport(results, verbose=verbose)


def jobs_for(target, opts, sources: list) -> list[Job]:
    """The jobs of ``target`` (one per target); a namespace's source is written and its
    :class:`~.namespace.NamespaceSource` appended to ``sources`` (``None`` for the
    others), which the caller removes when done."""
    targets = target if isinstance(target, list | tuple) else [target]
    if not targets:
        raise ValueError("target is an empty list: give at least one file, folder, module "
                         "or namespace.")
    options = dict(quick=opts.quick, examples=opts.examples, timeout=opts.timeout,
                   isolation=opts.isolation, require_sandbox=opts.require_sandbox)
    jobs = []
    for item in targets:
        kind, where, label, source = _resolve(item)
        sources.append(source)
        jobs.append(Job(kind, where, label, **options))
    return jobs


def _resolve(item):
    """``(kind, path or name, label, NamespaceSource or None)`` of one target."""
    from .loading import resolve_target

    if item is None:
        return "module", "gradlab", "gradlab", None
    if isinstance(item, types.ModuleType):
        if item.__name__ != "__main__":
            return "module", item.__name__, item.__name__, None
        item = vars(item)
    if isinstance(item, Mapping):
        from .namespace import namespace_source

        source = namespace_source(item)
        label = "notebook" if source.kind == "notebook" else "namespace"
        return source.kind, source.path, label, source
    if isinstance(item, str | os.PathLike):
        text = os.fspath(item)
        kind, where = resolve_target(text)
        return kind, where, text, None
    raise ValueError(f"target must be a path, a module name, a module or a namespace "
                     f"(such as globals()), got {type(item).__name__}.")


def _per_job(sources, jobs):
    return sources if len(sources) == len(jobs) else [None] * len(jobs)


def _in_users_terms(result: TargetResult, source) -> TargetResult:
    """A namespace's result with places named as the user wrote them: ``In [n]`` (no file
    to point at), or the source files' paths from the current folder."""
    if source is None:
        return result
    from .records import Record

    extra = [Record("load:namespace", result.label, "warn", problem, function="(load)",
                    definition="namespace") for problem in source.problems]
    records = [source.rewrite(r) for r in result.records]
    root = os.getcwd() if source.kind == "file" else ""
    return TargetResult(result.label, "namespace", result.target, root, records + extra,
                        result.seconds)
