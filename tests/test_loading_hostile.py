"""Bad files are one warning each: FIFOs, sockets, devices, symlinks out of the target, huge
files, expressions too deep to parse or compile, undecodable or unreadable files, null bytes.
Every other file is still discovered, loaded and checked. The hostile files are written here,
at test time, never committed."""

from __future__ import annotations

import os
import signal
import socket
import stat

import pytest

from gradlab.conformance.loading import discover, load
from gradlab.conformance.loading.files import MAX_SOURCE_BYTES
from tests.loading_support import import_state, problems, write  # noqa: F401

pytestmark = pytest.mark.usefixtures("import_state", "deadline")

GOOD = ("import numpy as np\n\ndef softmax(x):\n    e = np.exp(x - x.max())\n"
        "    return e / e.sum()\n")


@pytest.fixture
def deadline():
    """A FIFO opened for reading blocks forever: fail the test instead of hanging CI."""
    def expire(signum, frame):
        raise TimeoutError("the loader blocked (a FIFO opened?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _bad_files(root):
    """Write one file of every bad kind under ``root``; return {name: expected warning}."""
    write(root, {"good.py": GOOD,
                 "deep.py": "x = " + "+".join(["1"] * 50_000) + "\n\ndef relu(x):\n    return x\n",
                 "huge.py": "def sigmoid(x):\n    return x\n" + "#" * MAX_SOURCE_BYTES + "\n",
                 "latin.py": b"# caf\xe9\ndef relu_grad(x):\n    return x\n",
                 "nul.py": b"def step_function(x):\n    return x\x00\n",
                 "unreadable.py": "def identity_function(x):\n    return x\n"})
    os.mkfifo(root / "fifo.py")
    (root / "zero.py").symlink_to("/dev/zero")
    outside = root.parent.parent / "outside.py"  # (the folder above the target is readable)
    outside.write_text("def mean_squared_error(y, t):\n    return 0\n")
    (root / "elsewhere.py").symlink_to(outside)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock.py"))
    return server, {
        "fifo.py": "not a regular file (a FIFO): not read",
        "sock.py": "not a regular file (a socket): not read",
        "zero.py": "a symlink pointing out of the target (to /dev/zero): not read",
        "elsewhere.py": f"a symlink pointing out of the target (to {outside}): not read",
        "deep.py": "an expression too large or too deeply nested for Python's parser "
                   "(RecursionError): not read",
        "huge.py": f"too large ({(root / 'huge.py').stat().st_size:,} bytes; the limit is "
                   f"{MAX_SOURCE_BYTES:,}): not read",
        "latin.py": "is not valid utf-8 text (byte 0xe9 at offset 5): save it as UTF-8, or "
                    "declare its encoding in a '# -*- coding: ... -*-' line",
        "nul.py": "contains null bytes (a binary file, or text saved as UTF-16?): not read",
        "unreadable.py": "not readable (Permission denied): not read"}


@pytest.fixture
def unreadable(monkeypatch):
    """Tests run as root, where chmod 000 does not stop a read: refuse the open instead."""
    real_open = os.open

    def refusing(path, flags, *args, **kwargs):
        if str(path).endswith("unreadable.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)


def test_each_bad_file_is_one_warning_and_the_good_file_is_still_checked(tmp_path, unreadable):
    root = tmp_path / "repo" / "learner"
    server, expected = _bad_files(root)
    try:
        plan = discover("dir", str(root))
        assert problems(plan) == expected
        assert {p.severity for p in plan.problems} == {"warn"}
        assert [d.where() for d in plan.definitions] == ["good.py:3"]
        loaded = load(plan)
        assert list(loaded.objects) == ["good.py:3"] and loaded.problems == []
    finally:
        server.close()


def test_importing_a_bad_file_fails_that_import_only(tmp_path, unreadable):
    root = tmp_path / "repo" / "learner"
    server, expected = _bad_files(root)
    names = ["fifo", "sock", "zero", "elsewhere", "deep", "huge", "latin", "nul", "unreadable"]
    write(root, {"imports.py": "".join(f"import {n}\n" for n in names) +
                 "\ndef sigmoid_grad(x):\n    return x\n"})
    try:
        plan = discover("dir", str(root))
        loaded = load(plan)
    finally:
        server.close()
    log = next(log for log in loaded.logs if log.relpath == "imports.py")
    assert [f.line for f in log.failed] == list(range(1, len(names) + 1))
    for failure, name in zip(log.failed, names, strict=True):
        if name in ("zero", "elsewhere"):  # out of the target: not found at all
            assert failure.error == "ModuleNotFoundError", name
        else:
            assert failure.message == f"{name}.py: {expected[name + '.py']}", name
    assert sorted(loaded.objects) == ["good.py:3", "imports.py:11"]


def test_an_expression_too_deep_to_compile_loses_that_statement_only(tmp_path):
    deep = "y = " + "+".join(["1"] * 1_500)  # parses, but is too deep for the compiler
    write(tmp_path, {"mid.py": f"{deep}\n\ndef relu(x):\n    return x\n\nz = {deep[4:]}\n"})
    plan = discover("dir", str(tmp_path))
    assert problems(plan) == {"mid.py": "line 1: too large or too deeply nested to compile "
                                        "(RecursionError); not run, not checked; line 6: too "
                                        "large or too deeply nested to compile "
                                        "(RecursionError); not run, not checked"}
    loaded = load(plan)
    assert list(loaded.objects) == ["mid.py:3"]
    assert [(f.line, f.error) for f in loaded.logs[0].failed] == [(1, "RecursionError"),
                                                                  (6, "RecursionError")]


@pytest.mark.parametrize("declared, text", [("latin-1", "café"), ("cp932", "ゼロから作る")])
def test_a_declared_encoding_is_honoured(tmp_path, declared, text):
    source = f"# -*- coding: {declared} -*-\n# {text}\ndef relu(x):\n    return {text!r}\n"
    write(tmp_path, {"enc.py": source.encode(declared)})
    plan = discover("dir", str(tmp_path))
    assert plan.problems == () and load(plan).objects["enc.py:3"](0) == text


def test_a_device_in_the_target_is_not_opened(tmp_path):
    try:
        os.mknod(tmp_path / "null.py", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("this machine does not allow creating device files (mknod: EPERM)")
    write(tmp_path, {"good.py": GOOD})
    plan = discover("dir", str(tmp_path))
    assert problems(plan) == {"null.py": "not a regular file (a character device): not read"}
    assert list(load(plan).objects) == ["good.py:3"]


def test_a_bad_file_target_is_an_error_and_a_symlink_inside_the_target_is_read(tmp_path):
    os.mkfifo(tmp_path / "fifo.py")
    plan = discover("file", str(tmp_path / "fifo.py"))
    assert [(p.severity, p.message) for p in plan.problems] == [
        ("error", "not a regular file (a FIFO): not read")]
    assert plan.files == () and load(plan).objects == {}
    write(tmp_path, {"lib/real.py": GOOD})
    (tmp_path / "lib" / "link.py").symlink_to(tmp_path / "lib" / "real.py")
    plan = discover("dir", str(tmp_path / "lib"))
    assert [d.where() for d in plan.definitions] == ["link.py:3"]  # one file, read once
    assert plan.problems == ()
