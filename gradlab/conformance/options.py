"""verify's options, checked once for the Python API and the command line (which names
them ``--jobs``, ``--target-timeout``, ...): what was wrong, and what to give instead.

(``gradlab._validation`` holds the project's shared validators; ``positive_int`` comes from
there. The seconds check is here until a shared one for finite positive floats lands.)"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gradlab._validation import nonnegative_int, positive_int

from .many import DEFAULT_TARGET_TIMEOUT, EXECUTORS
from .session import DEFAULT_TIMEOUT

__all__ = ["Options", "positive_seconds", "check_options", "writable_file"]


def positive_seconds(value, name: str) -> float:
    """``value`` as a finite number of seconds above 0, or ValueError naming ``name``."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}.") from None
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds, got "
                         f"{value!r}.")
    return seconds


@dataclass(frozen=True)
class Options:
    """verify's options, valid: ``quick``, ``examples``, ``timeout`` (per call),
    ``require_sandbox``, ``isolation``; for many targets ``jobs``, ``executor``,
    ``scheduler`` and ``target_timeout`` (None: no wall-time limit)."""

    quick: bool = False
    examples: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    require_sandbox: bool = False
    isolation: str = "sandbox"
    jobs: int = 1
    executor: str = "process"
    scheduler: str | None = None
    target_timeout: float | None = DEFAULT_TARGET_TIMEOUT

    @property
    def parallel(self) -> bool:
        """Whether targets go to judge processes (a pool or dask) rather than this one."""
        return self.jobs > 1 or self.executor == "dask" or self.scheduler is not None


def check_options(*, names: dict | None = None, **given) -> Options:
    """:class:`Options` from keyword values, each checked; ``names`` maps a keyword to the
    name the message uses (the command line passes ``{"jobs": "--jobs", ...}``)."""
    names = names or {}

    def name(key):
        return names.get(key, key)

    opts = Options(**given)
    if opts.examples is not None:
        nonnegative_int(opts.examples, name("examples"))
    positive_int(opts.jobs, name("jobs"))
    positive_seconds(opts.timeout, name("timeout"))
    if opts.target_timeout is not None:
        positive_seconds(opts.target_timeout, name("target_timeout"))
    if opts.executor not in EXECUTORS:
        raise ValueError(f"{name('executor')} must be one of {', '.join(EXECUTORS)}, got "
                         f"{opts.executor!r}.")
    if opts.scheduler is not None and (not isinstance(opts.scheduler, str)
                                       or not opts.scheduler.strip()):
        raise ValueError(f"{name('scheduler')} must be a dask scheduler's address such as "
                         f"tcp://10.0.0.5:8786, got {opts.scheduler!r}.")
    if opts.executor == "dask" or opts.scheduler is not None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ValueError(f"{name('executor')} dask needs dask.distributed, which is not "
                             f"installed: pip install 'gradlab[dask]'.")
    return opts


def writable_file(path, name: str) -> str:
    """``path`` if a file can be written there (its folder exists, it is not a folder),
    checked before any long work; else ValueError naming the option ``name``."""
    import os

    text = os.fspath(path)
    if not text:
        raise ValueError(f"{name} needs a file name.")
    if os.path.isdir(text):
        raise ValueError(f"{name} {text} is a folder; give a file name inside it.")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise ValueError(f"{name} {text}: the folder {folder} does not exist; create it "
                         f"first.")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{name} {text}: the folder {folder} is not writable.")
    return text
