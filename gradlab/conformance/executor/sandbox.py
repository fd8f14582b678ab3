"""The operating system's sandbox around verify's executor, entered before learner code runs.

On Linux, with unprivileged user namespaces (most distributions; no set-up, nothing to
install), the executor process:

* ``unshare(2)``\\ s a user, mount, network, PID, IPC and UTS namespace: a network namespace
  whose only interface (loopback) is down, so nothing can be reached, loopback included;
* forks: the child is PID 1 of the new PID namespace, so everything it starts dies with it,
  and it cannot see, hence cannot signal, verify; the parent only waits and relays the exit
  status, and both die if verify dies (``PR_SET_PDEATHSIG``);
* builds a new root on a tmpfs holding, read-only, only what the executor needs (the system
  and Python's directories, ``sys.path``, the target's folders), a fresh ``/proc``, a minimal
  ``/dev`` and a private size-limited ``/tmp`` (its working directory), then
  ``pivot_root``\\ s into it and detaches the old root;
* drops every capability and sets ``no_new_privs``;
* limits memory, CPU time, processes (``RLIMIT_NPROC``; as root, which that limit does not
  bind, a pids cgroup where one can be made), file size and open files.

Why ``unshare(2)`` and not bubblewrap: it needs no package installed, so ``pip install
gradlab`` is all a user does, and verify can say exactly which step failed. Where a step is
not possible (macOS, Windows, a container without user namespaces, a kernel that refuses),
the executor still runs, with what could be had, and :class:`Protections` says what is
missing and why; ``gradlab verify --require-sandbox`` refuses to run then.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from dataclasses import dataclass, field

from . import syscalls as sc
from .syscalls import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    PR_CAPBSET_DROP,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
)

__all__ = ["SandboxLimits", "DEFAULT_LIMITS", "Protections", "PROTECTIONS", "enter", "cgroup_path"]

PROTECTIONS = {
    "network": "no network (a network namespace with no interface up)",
    "filesystem": "read-only view of the system, Python and the target; private /tmp",
    "processes": "own PID namespace: nothing it starts outlives it, it cannot signal verify",
    "memory": "address-space limit",
    "cpu": "CPU-time limit",
    "process_count": "limit on the number of processes",
    "file_size": "limit on the size of files written",
    "open_files": "limit on open files",
}
"""Each protection verify can put around the code it checks, and what it means."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one executor (the judge's wall clock acts first on time)."""

    memory_bytes: int = 4 * 2**30
    cpu_seconds: int = 3600
    processes: int = 64
    file_bytes: int = 64 * 2**20
    open_files: int = 256
    tmp_bytes: int = 64 * 2**20


DEFAULT_LIMITS = SandboxLimits()


@dataclass
class Protections:
    """Which protections are in force (name -> True) and, for each missing one, why not."""

    active: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)

    def grant(self, name: str) -> None:
        self.active[name] = True
        self.missing.pop(name, None)

    def deny(self, name: str, why: str) -> None:
        self.active.pop(name, None)
        self.missing[name] = why

    def to_json(self) -> dict:
        return {"active": sorted(self.active), "missing": dict(self.missing)}

    @classmethod
    def from_json(cls, data) -> Protections:
        """Validated: only known names, short reasons (it comes from another process)."""
        if not isinstance(data, dict):
            raise ValueError("protections must be an object")
        active, missing = data.get("active", []), data.get("missing", {})
        if not isinstance(active, list) or not isinstance(missing, dict) or not all(
                n in PROTECTIONS for n in [*active, *missing]):
            raise ValueError("unknown protections")
        return cls({n: True for n in active}, {n: str(w)[:300] for n, w in missing.items()})


# -- entering ----------------------------------------------------------------------------

def enter(visible, *, scratch: str | None, limits: SandboxLimits = DEFAULT_LIMITS,
          isolate: bool = True, keep_fds=()) -> Protections:
    """Enter the sandbox; return which protections hold. Call before any learner code.

    Parameters
    ----------
    visible : iterable of str
        Existing paths the executor must read (shown read-only at the same place).
    scratch : str or None
        An empty folder made for this executor, on which the new root is built (in the
        executor's mount namespace only: verify sees it stay empty). None: no new root.
    limits : SandboxLimits
        Resource limits.
    isolate : bool
        False only for verify's hidden debugging switch: no namespaces, limits only.
    keep_fds : iterable of int
        Descriptors the outer process closes after forking (the protocol socket), so that
        the judge sees end-of-file when the executor ends.

    Notes
    -----
    On Linux this forks: the caller's process becomes a waiter that never returns, and the
    function returns in the child (PID 1 of the new PID namespace).
    """
    prot = Protections()
    for name in PROTECTIONS:
        prot.deny(name, "not attempted (isolation turned off)" if not isolate else
                  f"not available on {sys.platform}")
    if isolate and sys.platform.startswith("linux"):
        _namespaces(scratch, [os.path.realpath(p) for p in visible if os.path.exists(p)],
                    limits, prot, keep_fds)
    _limits(limits, prot)
    return prot


def _namespaces(scratch, visible, limits, prot, keep_fds) -> None:
    cgroup = _pids_cgroup(limits) if os.getuid() == 0 else None
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC \
        | CLONE_NEWUTS
    try:
        sc.libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
        sc.check(sc.libc().unshare(flags), "unshare")
        sc.write("/proc/self/setgroups", "deny")
        sc.write("/proc/self/uid_map", f"{uid} {uid} 1")
        sc.write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError as exc:
        why = f"user namespaces are not available here ({exc.strerror or exc})"
        for name in ("network", "filesystem", "processes"):
            prot.deny(name, why)
        return
    _fork_into_namespace(keep_fds)
    prot.grant("network")
    prot.grant("processes")
    if cgroup:
        prot.grant("process_count")
    try:
        if scratch is None:
            raise OSError(errno.ENOENT, "no scratch folder was given")
        _new_root(scratch, visible, limits)
        prot.grant("filesystem")
    except OSError as exc:
        prot.deny("filesystem", f"could not build the read-only root ({exc})")
    _drop_privileges()


def _fork_into_namespace(keep_fds) -> None:
    """Fork; the parent waits for the child (PID 1 inside) and exits with its status."""
    pid = os.fork()
    if pid == 0:
        sc.libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
        os.setsid()  # its own session and group: a kill(0, ...) reaches nothing outside
        return
    for fd in keep_fds:
        os.close(fd)
    os.closerange(3, 256)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def _new_root(scratch: str, visible, limits) -> None:
    """Build the new root on a tmpfs over ``scratch`` (an empty folder verify made), show
    ``visible`` in it read-only, and move into it."""
    sc.mount(None, "/", None, MS_REC | MS_PRIVATE)
    sc.mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    root = os.path.join(scratch, "root")
    os.mkdir(root)
    sc.mount(root, root, None, MS_BIND | MS_REC)
    # the private /tmp first: a target under /tmp is then bound on top of it, not hidden
    os.mkdir(root + "/tmp")
    sc.mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={limits.tmp_bytes},mode=1777")
    shown: list[str] = []
    for path in _system_paths() + sorted(set(visible), key=len):
        if any(path == s or path.startswith(s.rstrip("/") + "/") for s in shown):
            continue  # inside a folder already shown
        if os.path.islink(path) and os.path.dirname(path) == "/":
            os.symlink(os.readlink(path), root + path)  # /bin -> usr/bin
        elif os.path.isdir(path) or os.path.isfile(path):
            _bind_read_only(path, root + path)
        else:
            continue
        shown.append(path)
    _dev(root)
    os.mkdir(root + "/proc")
    sc.mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.mkdir(root + "/.old")
    if sc.syscall("pivot_root", root.encode(), (root + "/.old").encode()) == 0:
        os.chdir("/")
        sc.check(sc.libc().umount2(b"/.old", MNT_DETACH), "umount the old root")
        os.rmdir("/.old")
    else:  # no pivot_root number for this machine: chroot, made safe by dropping caps
        os.chroot(root)
    sc.mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir("/tmp")


def _bind_read_only(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    sc.mount(source, target, None, MS_BIND | MS_REC)
    sc.read_only(target)


_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
           "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
           "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/mime.types")


def _system_paths() -> list[str]:
    """The system's libraries and Python's installation (never home folders or /etc; the
    import path comes in ``visible``, chosen by the judge)."""
    paths = list(_SYSTEM)
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        paths.append(os.path.realpath(prefix))
    return sorted(set(paths), key=len)


def _dev(root: str) -> None:
    os.mkdir(root + "/dev")
    sc.mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists(f"/dev/{name}"):
            open(f"{root}/dev/{name}", "w").close()
            sc.mount(f"/dev/{name}", f"{root}/dev/{name}", None, MS_BIND)
    os.symlink("/proc/self/fd", root + "/dev/fd")


def _drop_privileges() -> None:
    sc.libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        if sc.libc().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    data = (ctypes.c_uint32 * 6)()
    sc.libc().capset(ctypes.byref(Header(0x20080522, 0)), data)


def _pids_cgroup(limits) -> str | None:
    """As root (whom RLIMIT_NPROC does not bind) a pids cgroup holding this process."""
    for parent in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup"):
        if not os.path.exists(os.path.join(parent, "cgroup.procs")):
            continue
        if parent == "/sys/fs/cgroup" and not os.path.exists(
                os.path.join(parent, "cgroup.subtree_control")):
            continue
        path = os.path.join(parent, f"gradlab-verify-{os.getpid()}")
        try:
            try:
                os.mkdir(path)
            except FileExistsError:  # left by an executor whose pid this one now has
                os.rmdir(path)  # empty once that executor's processes are gone
                os.mkdir(path)
            sc.write(os.path.join(path, "pids.max"), str(limits.processes))
            sc.write(os.path.join(path, "cgroup.procs"), str(os.getpid()))
            return path
        except OSError:
            try:
                os.rmdir(path)
            except OSError:
                pass
    return None


def cgroup_path(pid: int) -> list[str]:
    """Where :func:`_pids_cgroup` may have made the cgroup of executor ``pid`` (to remove)."""
    return [os.path.join(p, f"gradlab-verify-{pid}")
            for p in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")]


def _limits(limits: SandboxLimits, prot: Protections) -> None:
    try:
        import resource
    except ImportError:  # Windows
        return
    table = [("memory", resource.RLIMIT_AS, limits.memory_bytes),
             ("cpu", resource.RLIMIT_CPU, limits.cpu_seconds),
             ("file_size", resource.RLIMIT_FSIZE, limits.file_bytes),
             ("open_files", resource.RLIMIT_NOFILE, limits.open_files)]
    if hasattr(resource, "RLIMIT_NPROC") and os.getuid() != 0:
        table.append(("process_count", resource.RLIMIT_NPROC, limits.processes))
    elif "process_count" not in prot.active:
        prot.deny("process_count", "running as root, which RLIMIT_NPROC does not bind, and "
                                   "no pids cgroup could be made")
    for name, which, value in table:
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
            prot.grant(name)
        except (ValueError, OSError) as exc:
            prot.deny(name, f"setrlimit failed ({exc})")
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
