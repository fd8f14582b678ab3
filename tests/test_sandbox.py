"""Hostile targets against verify's judge/executor split and its OS sandbox (issue 9).

Every hostile file is written here, at test time, into ``tmp_path``. Each test asserts what
the README promises: nothing the code does changes a verdict (the function is wrong, and
stays reported so), no marker file appears outside the sandbox, nothing it starts outlives
verify, verify ends within its limits with a report, and no traceback escapes.

Tests that need a protection this machine lacks skip with the reason, except under CI
(``CI`` set), where a missing protection is a failure: CI must have the whole sandbox.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

import gradlab
from gradlab.conformance.executor.client import Executor, ExecutorLost
from gradlab.conformance.executor.protocol import ProtocolError, decode_message
from gradlab.conformance.runner import run_target

ROOT = Path(gradlab.__file__).resolve().parent.parent
WRONG_SOFTMAX = "    return a  # wrong: not a probability vector\n"


def _protections():
    with Executor(visible=[]) as probe:
        return probe.protections


PROTECTED = _protections()


def needs(*names):
    """Skip (fail under CI) unless the sandbox provides every one of ``names``."""
    missing = {n: PROTECTED.missing[n] for n in names if n in PROTECTED.missing}
    return pytest.mark.skipif(bool(missing) and not os.environ.get("CI"),
                              reason=f"this machine's sandbox lacks {missing}")


def learner(tmp_path: Path, preamble: str = "", body: str = "", extra: str = "") -> Path:
    """A folder with one file: a WRONG softmax whose body first runs ``body``, after a
    module-level ``preamble``; ``extra`` adds more definitions."""
    folder = tmp_path / "learner"
    folder.mkdir()
    source = "import numpy as np\n" + textwrap.dedent(preamble) + "\n\ndef softmax(a):\n"
    source += textwrap.indent(textwrap.dedent(body), "    ") + WRONG_SOFTMAX
    (folder / "functions.py").write_text(source + textwrap.dedent(extra))
    return folder


def verify(folder: Path, *, timeout: float = 5.0, **options):
    start = time.monotonic()
    records = run_target("dir", str(folder), "learner", quick=True, timeout=timeout, **options)
    return records, time.monotonic() - start


def softmax_status(records) -> set:
    return {r.status for r in records if r.function == "softmax"}


def processes_with(marker: str) -> list[int]:
    """PIDs (in this namespace) whose command line contains ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found


def assert_none_left(marker: str) -> None:
    for _ in range(50):  # the kernel reaps a dead namespace's processes asynchronously
        if not processes_with(marker):
            return
        time.sleep(0.1)
    raise AssertionError(f"processes outlived verify: {processes_with(marker)}")


def assert_wrong_softmax_not_passed(records) -> None:
    statuses = softmax_status(records)
    assert statuses and statuses <= {"fail", "error"}, \
        [(r.check, r.status, r.message) for r in records if r.function == "softmax"]


# -- the judge's verdict cannot be forged ------------------------------------------------

def test_patching_the_judges_modules_at_load_time_changes_nothing(tmp_path):
    folder = learner(tmp_path, preamble="""
        import gradlab.conformance.harness as harness
        harness.compare = lambda *args, **kwargs: None   # 'everything matches'
        import gradlab.conformance.records as records
        records.worst = lambda statuses: "pass"
    """)
    records, _ = verify(folder)
    assert softmax_status(records) == {"fail"}


def test_patching_the_judge_at_call_time_changes_nothing(tmp_path):
    folder = learner(tmp_path, body="""
        import sys
        for name, module in list(sys.modules.items()):
            if name.startswith("gradlab.conformance"):
                for attr in ("compare", "parity_tolerance", "worst"):
                    if hasattr(module, attr):
                        setattr(module, attr, lambda *args, **kwargs: None)
    """)
    assert softmax_status(verify(folder)[0]) == {"fail"}


def test_writing_pass_records_into_the_channel_is_an_error_not_a_pass(tmp_path):
    folder = learner(tmp_path, body="""
        import json, os, stat
        for fd in range(3, 64):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    for line in ({"event": "record", "check": "softmax.batch", "status": "pass",
                                  "target": "learner", "message": "ok", "function": "softmax"},
                                 {"event": "done"}):
                        os.write(fd, (json.dumps(line) + "\\n").encode())
            except OSError:
                pass
        os._exit(0)
    """)
    records, _ = verify(folder)
    assert_wrong_softmax_not_passed(records)
    assert any("invalid message" in r.message or "died" in r.message for r in records
               if r.function == "softmax")


def test_a_well_formed_forged_reply_is_only_a_value_and_is_judged(tmp_path):
    """Forging a correctly framed reply is the same as returning a value: the judge still
    compares it with the oracle (here the forged value is wrong, so it fails)."""
    folder = learner(tmp_path, body="""
        import os, stat
        from gradlab.conformance.executor.protocol import encode_message
        for fd in range(3, 64):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    for ident in range(1, 200):
                        os.write(fd, encode_message({"id": ident, "body": {
                            "result": "pass", "output": "", "args": (), "kwargs": {}}}))
            except OSError:
                pass
    """)
    records, _ = verify(folder)
    assert_wrong_softmax_not_passed(records)


@pytest.mark.parametrize("garbage", [
    b"\x00\x00\x00\x10" + b"{" * 16,                      # a frame that is not JSON
    b"\xff\xff\xff\xff",                                  # a 4 GiB frame announced
    b"\x00\x00\x00\x0c\x00\x00\x00\x08" + b'{"id":1}',    # a reply with neither body nor error
])
def test_malformed_messages_cost_the_executor_not_verify(tmp_path, garbage):
    folder = learner(tmp_path, body=f"""
        import os, stat
        for fd in range(3, 64):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.write(fd, {garbage!r})
            except OSError:
                pass
        while True:
            pass
    """)
    records, seconds = verify(folder, timeout=3.0)
    assert softmax_status(records) == {"error"}
    assert seconds < 30


def test_the_decoder_refuses_what_the_protocol_does_not_allow():
    import json
    import struct

    def frame(header: dict, data: bytes = b"") -> bytes:
        text = json.dumps(header).encode()
        return struct.pack(">I", len(text)) + text + data

    bad = [
        frame({"body": {"$array": 0}, "buffers": [["O", [1]]]}),        # object dtype
        frame({"body": {"$array": 0}, "buffers": [["f8", [4]]]}, b"\0" * 8),  # short data
        frame({"body": {"$array": 0}, "buffers": [["f8", [1]]]}, b"\0" * 16),  # long data
        frame({"body": {"$array": 3}, "buffers": []}),                  # no such array
        frame({"body": {"$function": {"kind": "probe"}}, "buffers": []}),  # from executor
        frame({"body": {"$ref": {"$tuple": ["def", "x"]}}, "buffers": []}),
        frame({"body": {"plain": "object"}, "buffers": []}),            # untagged
        frame({"body": "x" * 100_000, "buffers": []}),                  # string too long
        frame({"body": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
               "buffers": []}),                                        # too deep
        frame({"body": {"$float": "1e999"}, "buffers": []}),
        b"\x00\x00\x00\x01",                                           # header past the end
    ]
    for message in bad:
        with pytest.raises(ProtocolError):
            decode_message(message)


def test_the_watchdog_cannot_be_kept_busy_with_fake_progress(tmp_path):
    folder = learner(tmp_path, body="""
        import os, stat, time
        while True:  # the old watchdog restarted its clock on every 'start' line
            for fd in range(3, 64):
                try:
                    if stat.S_ISSOCK(os.fstat(fd).st_mode):
                        os.write(fd, b'{"event": "start", "check": "softmax.vector"}\\n')
                except OSError:
                    pass
            time.sleep(0.2)
    """)
    records, seconds = verify(folder, timeout=2.0)
    assert softmax_status(records) == {"error"}
    assert seconds < 30  # one timeout per function, then its checks are abandoned


# -- what the code can reach ------------------------------------------------------------

@needs("network")
def test_no_network_not_even_loopback(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    marker = tmp_path / "reached.txt"
    folder = learner(tmp_path, body=f"""
        import socket
        outcomes = []
        for attempt in (
            lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1),
            lambda: __import__("_socket").socket().connect(("127.0.0.1", {port})),
            lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
                b"hello", ("127.0.0.1", {udp.getsockname()[1]})),
            lambda: socket.getaddrinfo("example.com", 80),
        ):
            try:
                attempt()
                outcomes.append("reached")
            except OSError as exc:
                outcomes.append(type(exc).__name__)
        if "reached" in outcomes:
            open({str(marker)!r}, "w").write(repr(outcomes))
    """)
    records, _ = verify(folder)
    assert_wrong_softmax_not_passed(records)
    with pytest.raises(TimeoutError):
        server.accept()
    with pytest.raises(TimeoutError):
        udp.recvfrom(16)
    assert not marker.exists()


CORRECT = "np.exp(a - a.max(axis=-1, keepdims=True)) / " \
          "np.sum(np.exp(a - a.max(axis=-1, keepdims=True)), axis=-1, keepdims=True)"


def contained_learner(tmp_path: Path, attempts: str) -> Path:
    """A softmax that is CORRECT only after every escape attempt in ``attempts`` (code that
    sets ``escaped = True`` on success) failed: a pass proves the code ran and was held."""
    body = "escaped = False\n" + textwrap.dedent(attempts) + \
        f"if not escaped:\n    return {CORRECT}\n"
    return learner(tmp_path, body=body)


@needs("filesystem")
def test_nothing_outside_the_private_tmp_can_be_written(tmp_path):
    home_marker = Path.home() / f".gradlab-test-{uuid.uuid4().hex}"
    tmp_marker = Path("/tmp") / f"gradlab-test-{uuid.uuid4().hex}"
    folder = contained_learner(tmp_path, f"""
        import os
        here = os.path.dirname(os.path.abspath(__file__))
        for path in ({str(home_marker)!r}, os.path.join(here, "written.txt"),
                     os.path.join(here, "functions.py")):
            try:
                with open(path, "a") as fh:
                    fh.write("escaped")
                escaped = True
            except OSError:
                pass
        with open({str(tmp_marker)!r}, "w") as fh:  # allowed: /tmp is the sandbox's own
            fh.write("private")
        try:
            os.rmdir(os.getcwd())  # the old worker crashed when its folder disappeared
            open(os.getcwd(), "w").close()
        except OSError:
            pass
    """)
    before = (folder / "functions.py").read_bytes()
    records, _ = verify(folder)
    assert softmax_status(records) == {"pass"}  # it ran, and every write was refused
    assert not home_marker.exists() and not tmp_marker.exists()
    assert not (folder / "written.txt").exists()
    assert (folder / "functions.py").read_bytes() == before


@needs("filesystem")
def test_home_folders_and_other_submissions_are_not_visible(tmp_path):
    other = tmp_path / "other_student" / "secret.py"
    other.parent.mkdir()
    other.write_text("ANSWER = 42\n")
    folder = learner(tmp_path, body=f"""
        import os
        if os.path.exists({str(other)!r}) or os.path.exists(os.path.expanduser("~/.bashrc")):
            return np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)
    """)
    # correct only when it can see what it must not: so it must stay wrong
    assert softmax_status(verify(folder)[0]) == {"fail"}


@needs("processes")
def test_nothing_it_starts_outlives_verify(tmp_path):
    marker = f"97.{uuid.uuid4().int % 10**8}"
    started = tmp_path / "started"
    seen = []
    folder = learner(tmp_path, body=f"""
        import os, subprocess, time
        subprocess.Popen(["sleep", "{marker}"])
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "{marker}"])
            os._exit(0)
        time.sleep(0.5)  # alive long enough for the watcher to see them
    """)

    def watch():  # sees the sleeps while verify runs: they did start
        for _ in range(600):
            seen.extend(processes_with(marker))
            if seen or started.exists():
                return
            time.sleep(0.05)

    import threading

    watcher = threading.Thread(target=watch)
    watcher.start()
    records, _ = verify(folder)
    started.touch()
    watcher.join()
    assert softmax_status(records) == {"fail"}
    assert seen, "the hostile code never started its processes: the test proves nothing"
    assert_none_left(marker)


@needs("processes")
def test_it_cannot_signal_verify(tmp_path):
    folder = learner(tmp_path, body="""
        import os, signal
        for pid in (os.getppid(), 0, -1, 1):
            for sig in (signal.SIGSTOP, signal.SIGTERM):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
    """)
    records, seconds = verify(folder)
    assert softmax_status(records) == {"fail"}
    assert seconds < 60


@needs("process_count")
def test_a_fork_bomb_is_held_by_the_process_limit(tmp_path):
    folder = contained_learner(tmp_path, """
        import os, signal, time
        children = []
        for _ in range(1000):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(20)
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        escaped = len(children) >= 200 or not children  # the limit is 64 processes
    """)
    records, seconds = verify(folder)
    assert softmax_status(records) == {"pass"}  # forks worked, up to the limit only
    assert seconds < 60


@needs("memory")
def test_memory_is_limited_and_verify_goes_on(tmp_path):
    folder = learner(tmp_path, body="""
        hog = bytearray(64 * 2**30)
    """, extra="""
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
    """)
    records, _ = verify(folder)
    softmax = [r for r in records if r.function == "softmax"]
    assert softmax[0].status == "fail" and "MemoryError" in softmax[0].message
    assert {r.status for r in records if r.function == "sigmoid"} == {"pass"}


def test_a_flood_on_stderr_is_drained_and_bounded(tmp_path):
    import resource

    folder = learner(tmp_path, body="""
        import os
        chunk = b"x" * 2**20
        for _ in range(300):
            os.write(2, chunk)
    """)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    records, seconds = verify(folder, timeout=20.0)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert softmax_status(records) == {"fail"}
    assert grown_mib < 100, f"verify grew by {grown_mib:.0f} MiB reading 300 MiB of stderr"


def test_everything_a_file_can_do_at_import_is_contained(tmp_path):
    """Decorators, default values, class bodies, metaclasses and module __getattr__ all run
    at load time (the loader is a convenience); none of them reaches a verdict or escapes."""
    marker = tmp_path / "escaped.txt"
    write = f"open({str(marker)!r}, 'w').write('escaped')"
    folder = learner(tmp_path, preamble=f"""
        import sys, builtins
        def deco(f):
            try:
                {write}
            except OSError:
                pass
            return f
        class Meta(type):
            def __getitem__(cls, key):
                return 0
        class K(metaclass=Meta):
            try:
                {write}
            except OSError:
                pass
        sys.path.insert(0, "/")
    """, extra="""
        @deco
        def sigmoid(x, hook=deco(None)):
            return x
    """)
    records, _ = verify(folder)
    assert_wrong_softmax_not_passed(records)
    assert {r.status for r in records if r.function == "sigmoid"} == {"fail"}
    assert not marker.exists()


def test_breaking_the_executors_import_system_passes_nothing(tmp_path):
    """Code that sabotages the executor's own machinery can make its definitions vanish
    (reported as not implemented, or as errors), never pass."""
    folder = learner(tmp_path, preamble="""
        import sys, builtins
        sys.meta_path[:] = []
        builtins.__import__ = lambda *a, **k: None
    """, extra="""
        def sigmoid(x):
            return x
    """)
    records, seconds = verify(folder)
    checked = [r for r in records if r.function in ("softmax", "sigmoid")]
    assert checked and "pass" not in {r.status for r in checked}
    assert seconds < 60


# -- verify keeps control -----------------------------------------------------------------

def _start_cli(folder: Path, tmp_path: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), GRADLAB_JAX_CACHE="0", MPLBACKEND="Agg")
    return subprocess.Popen([sys.executable, "-m", "gradlab", "verify", str(folder), "--quick",
                             *extra], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_stopping_verify_stops_every_executor(tmp_path, how):
    marker = f"98.{uuid.uuid4().int % 10**8}"
    folder = learner(tmp_path, body=f"""
        import subprocess
        subprocess.Popen(["sleep", "{marker}"])
        while True:
            pass
    """)
    proc = _start_cli(folder, tmp_path, "--timeout", "120")
    deadline = time.monotonic() + 60
    while not processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker), "the hostile executor never started"
    time.sleep(1.0)  # inside the endless loop by now
    proc.send_signal(how)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (130, 143, -how), err
    assert "Traceback" not in err
    assert_none_left(marker)


def test_a_lost_executor_is_replaced_for_the_other_functions(tmp_path):
    folder = learner(tmp_path, body="""
        import os
        os._exit(7)
    """, extra="""
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
    """)
    records, _ = verify(folder)
    softmax = [r for r in records if r.function == "softmax"]
    assert softmax[0].status == "error" and "exit code 7" in softmax[0].message
    assert all(r.message.startswith("not run") for r in softmax[1:])
    assert {r.status for r in records if r.function == "sigmoid"} == {"pass"}


def test_the_report_says_which_protections_were_in_force(tmp_path):
    folder = learner(tmp_path)
    records, _ = verify(folder)
    sandbox = next(r for r in records if r.check == "sandbox")
    if PROTECTED.missing:
        assert sandbox.status == "warn" and all(n in sandbox.message for n in PROTECTED.missing)
    else:
        assert sandbox.status == "pass" and "network" in sandbox.message
    unprotected, _ = verify(folder, isolation="process")
    sandbox = next(r for r in unprotected if r.check == "sandbox")
    assert sandbox.status == "warn" and "isolation turned off" in sandbox.message
    required, _ = verify(folder, isolation="process", require_sandbox=True)
    assert [r.status for r in required] == ["error"]


def test_require_sandbox_exits_nonzero_when_a_protection_is_missing(tmp_path):
    folder = learner(tmp_path)
    proc = _start_cli(folder, tmp_path, "--require-sandbox", "--isolation", "process")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "--require-sandbox refused" in out, out + err


def test_without_user_namespaces_the_executor_runs_and_says_what_is_missing(tmp_path):
    """Where unshare(2) is refused (a container, another OS), the protections that need it
    are reported missing with the reason, and the limits still hold."""
    script = textwrap.dedent(f"""
        import ctypes, errno, json
        from gradlab.conformance.executor import sandbox, syscalls

        class Refusing:
            def __getattr__(self, name):
                real = getattr(ctypes.CDLL(None, use_errno=True), name)
                if name != "unshare":
                    return real
                def refuse(*args):
                    ctypes.set_errno(errno.EPERM)
                    return -1
                return refuse

        syscalls._libc = Refusing()
        prot = sandbox.enter([], scratch={str(tmp_path)!r})
        print(json.dumps(prot.to_json()))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    import json

    report = json.loads(out.stdout)
    for name in ("network", "filesystem", "processes"):
        assert "user namespaces are not available" in report["missing"][name]
    assert {"memory", "cpu", "open_files", "file_size"} <= set(report["active"])


def test_a_hung_start_is_a_clear_error():
    with pytest.raises(ExecutorLost, match="did not start in time"):
        Executor(visible=[], startup=0.001)
    # (nothing to clean up: a lost executor kills itself)


def test_executors_are_not_left_running_after_a_target(tmp_path):
    folder = learner(tmp_path)
    before = set(processes_with("gradlab.conformance.executor.server"))
    verify(folder)
    deadline = time.monotonic() + 5
    while set(processes_with("gradlab.conformance.executor.server")) - before \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not set(processes_with("gradlab.conformance.executor.server")) - before



def test_the_folder_verify_was_started_from_is_not_shown(tmp_path, monkeypatch):
    """The judge's own import path (the folder of the script that started it, the current
    directory) is not the executor's: a secret next to it stays out of reach."""
    here = tmp_path / "teacher"
    here.mkdir()
    (here / "answers.py").write_text("SECRET = 1\n")
    monkeypatch.syspath_prepend(str(here))
    monkeypatch.chdir(here)
    folder = learner(tmp_path, body=f"""
        import os
        if os.path.exists({str(here / "answers.py")!r}):
            return np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True)
    """)
    assert softmax_status(verify(folder)[0]) == {"fail"}


def test_a_file_target_shows_the_file_and_what_it_imports_not_its_folder(tmp_path):
    (tmp_path / "helpers.py").write_text("def shift(a):\n    return a - a.max(axis=-1, "
                                         "keepdims=True)\n")
    (tmp_path / "neighbour.py").write_text("GRADES = 'private'\n")
    target = tmp_path / "mine.py"
    target.write_text(textwrap.dedent(f"""
        import os
        import numpy as np
        from helpers import shift

        def softmax(a):
            if os.path.exists({str(tmp_path / "neighbour.py")!r}):
                return a  # it can see a file it does not import: wrong on purpose
            e = np.exp(shift(a))
            return e / e.sum(axis=-1, keepdims=True)
    """))
    records = run_target("file", str(target), "mine.py", quick=True, timeout=5.0)
    assert softmax_status(records) == {"pass"}


PIDS = "/sys/fs/cgroup/pids"


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(os.path.join(PIDS, "cgroup.procs")),
                    reason="a pids cgroup (v1) is made as root only")
def test_a_cgroup_left_by_an_executor_of_the_same_pid_does_not_cost_the_process_limit():
    """Pids are reused; a cgroup an earlier executor of this pid left behind (its judge was
    killed before removing it) is replaced, not a reason to run without a process limit.
    Run in a child process: the cgroup it joins allows few processes."""
    from gradlab.conformance.executor.sandbox import DEFAULT_LIMITS, _pids_cgroup

    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        code = 3
        try:
            stale = os.path.join(PIDS, f"gradlab-verify-{os.getpid()}")
            os.mkdir(stale)
            made = _pids_cgroup(DEFAULT_LIMITS)
            with open(os.path.join(PIDS, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))  # leave it, so that the parent can remove it
            code = 0 if made == stale else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    path = os.path.join(PIDS, f"gradlab-verify-{child}")
    if os.path.exists(path):
        os.rmdir(path)
    assert os.waitstatus_to_exitcode(status) == 0
