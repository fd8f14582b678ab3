"""Which files the loader may read, and reading them without blocking or exhausting memory.

One home for the rules, used by discovery (judge) and by the import hook (executor):
never open what is not a regular file (``lstat`` first; a FIFO must not block),
never follow a symlink out of the target, never read a virtualenv, site-packages or
the interpreter's own library, never read more than a size limit, and decode as
Python does (PEP 263 coding lines, a UTF-8 BOM) or say why not.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import sysconfig
import tokenize
from dataclasses import dataclass

__all__ = ["Area", "SourceError", "walk", "read_bytes", "decode_source", "read_source",
           "skipped_folder", "is_venv", "MAX_FILES", "MAX_SOURCE_BYTES", "MAX_NOTEBOOK_BYTES",
           "SKIP_DIRS", "SOURCE_SUFFIXES"]

MAX_FILES = 2000
"""Source files read from one target; more are reported, not read."""
MAX_SOURCE_BYTES = 1_000_000
"""A ``.py`` file larger than this is not read (the book's largest is ~10 kB)."""
MAX_NOTEBOOK_BYTES = 20_000_000
"""A notebook larger than this is not read (saved outputs with plots make them big)."""
SOURCE_SUFFIXES = (".py", ".ipynb")
SKIP_DIRS = frozenset({"__pycache__", "venv", "env", "build", "dist", "site-packages",
                       "dist-packages", "node_modules", "__pypackages__"})
"""Folders never read (hidden folders, ``.venv`` and ``.ipynb_checkpoints`` included,
and any folder holding a ``pyvenv.cfg``)."""
_VENV_INNER = frozenset({"lib", "lib64", "Lib", "bin", "Scripts", "include", "Include",
                         "share"})

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a folder"))


class SourceError(Exception):
    """A file that is not read; ``str()`` says why and, where it can, what to do."""


@functools.lru_cache(maxsize=4096)
def is_venv(folder: str) -> bool:
    """True if ``folder`` is a virtual environment (it holds ``pyvenv.cfg``)."""
    return os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


@functools.lru_cache(maxsize=1)
def _interpreter_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple(sorted({os.path.realpath(paths[k]) for k in keys if k in paths}))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def skipped_folder(parent: str, name: str) -> bool:
    """True for a folder the loader never reads (caches, virtualenvs, hidden folders)."""
    if name in SKIP_DIRS or name.startswith("."):
        return True
    return is_venv(os.path.join(parent, name)) or (name in _VENV_INNER and is_venv(parent))


@dataclass(frozen=True)
class Area:
    """The folders the loader may read, as real paths."""

    roots: tuple[str, ...]

    @classmethod
    def around(cls, *folders: str) -> Area:
        return cls(tuple(dict.fromkeys(os.path.realpath(f) for f in folders if f)))

    def contains(self, path: str) -> bool:
        """True if ``path`` (symlinks resolved) lies under a root, through no skipped
        folder, and outside the interpreter's own library and site-packages."""
        return _contains(self.roots, path)


@functools.lru_cache(maxsize=65536)
def _contains(roots: tuple[str, ...], path: str) -> bool:
    real = os.path.realpath(path)
    if any(_under(real, d) for d in _interpreter_dirs()):
        return False
    for root in roots:
        if _under(real, root):
            folder = root
            for part in os.path.relpath(real, root).split(os.sep)[:-1]:
                if part in ("", ".") or skipped_folder(folder, part):
                    break
                folder = os.path.join(folder, part)
            else:
                return True
    return False


def _kind(mode: int) -> str | None:
    return next((what for test, what in _KINDS if test(mode)), None if stat.S_ISREG(mode)
                else "not a regular file")


def _check(st: os.stat_result, limit: int) -> None:
    what = _kind(st.st_mode)
    if what is not None:
        raise SourceError(f"not a regular file ({what}): not read")
    if st.st_size > limit:
        raise SourceError(f"too large ({st.st_size:,} bytes; the limit is {limit:,}): not read")


def read_bytes(path: str, area: Area | None, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file inside ``area`` (None: anywhere), at most ``limit``.

    Raises
    ------
    SourceError
        Outside the area (a symlink out of the target), not a regular file (FIFO,
        socket, device), too large, or unreadable.
    """
    if area is not None and not area.contains(path):
        where = os.path.realpath(path)
        raise SourceError(f"points out of the target (to {where}): not read")
    try:
        _check(os.stat(path), limit)  # stat, never open: opening a FIFO blocks
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
            | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags)
        try:
            _check(os.fstat(fd), limit)  # the file checked is the file opened
            with io.FileIO(fd, closefd=False) as raw:
                data = raw.read(limit + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise SourceError(f"not readable ({exc.strerror or type(exc).__name__}): not read") \
            from None
    if len(data) > limit:
        raise SourceError(f"too large (over {limit:,} bytes): not read")
    return data


def decode_source(data: bytes) -> str:
    """Python source text from bytes, as the interpreter decodes it (PEP 263)."""
    if b"\x00" in data:
        raise SourceError("contains null bytes (a binary file, or text saved as UTF-16?): "
                          "not read")
    try:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            if "invalid or missing encoding" not in str(exc):
                raise SourceError(f"declares an encoding Python does not know ({exc}): "
                                  f"not read") from None
            encoding = "utf-8"  # no coding line, and the first lines are not UTF-8
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"is not valid {exc.encoding} text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}): save it as UTF-8, or declare its encoding in a "
            f"'# -*- coding: ... -*-' line") from None


def read_source(path: str, area: Area) -> str:
    """The text of a ``.py`` file (see :func:`read_bytes` and :func:`decode_source`)."""
    return decode_source(read_bytes(path, area))


def walk(root: str, area: Area):
    """The ``.py`` and ``.ipynb`` files under ``root``, depth first in name order.

    Nothing is opened: entries are judged by ``lstat``. Returns ``(paths, problems)``
    where problems are ``(path, message)`` for files that will not be read (symlinks
    out of the target, FIFOs and devices, huge files, unreadable folders).
    """
    found, problems, seen = [], [], set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append((folder, f"folder not readable ({exc.strerror}): not read"))
            continue
        subdirs = []
        for entry in entries:
            path, name = entry.path, entry.name
            try:
                if entry.is_symlink() and not area.contains(path):
                    if name.endswith(SOURCE_SUFFIXES):
                        problems.append((path, f"a symlink pointing out of the target (to "
                                               f"{os.path.realpath(path)}): not read"))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not skipped_folder(folder, name):
                        subdirs.append(path)
                    continue
                if not name.endswith(SOURCE_SUFFIXES) or entry.is_dir():
                    continue  # (a symlink to a folder inside the target: read where it is)
                limit = MAX_NOTEBOOK_BYTES if name.endswith(".ipynb") else MAX_SOURCE_BYTES
                _check(entry.stat(), limit)
            except SourceError as exc:
                problems.append((path, str(exc)))
                continue
            except OSError as exc:
                problems.append((path, f"not readable ({exc.strerror}): not read"))
                continue
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            found.append(path)
            if len(found) >= MAX_FILES:
                problems.append((root, f"more than {MAX_FILES} source files: the rest were "
                                       f"not read (target a sub-folder)"))
                return found, problems
        stack.extend(reversed(subdirs))
    return found, problems
