"""The Linux system calls the sandbox needs, through ctypes (no compiled code, no package).

``unshare``, ``mount``, ``umount2``, ``prctl`` and ``capset`` have libc wrappers;
``pivot_root`` and ``mount_setattr`` do not, so they go through ``syscall(2)`` with the
numbers of the machines listed in ``_SYSCALLS`` (elsewhere :func:`syscall` fails with
ENOSYS and the sandbox falls back: ``chroot`` with every capability dropped, and a
read-only remount of each mount).
"""

from __future__ import annotations

import ctypes
import errno
import os

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE = 16384, 1 << 18
MNT_DETACH, PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 2, 1, 38, 24
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 1
_SYSCALLS = {"x86_64": {"pivot_root": 155, "mount_setattr": 442},
             "aarch64": {"pivot_root": 41, "mount_setattr": 442}}
"""Syscall numbers without a libc wrapper, per machine (others fall back, see below)."""

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source, target, fstype, flags, data=None) -> None:
    def enc(s):
        return s.encode() if s is not None else None

    check(libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                      enc(data)), f"mount {target}")


def syscall(name: str, *args) -> int:
    number = _SYSCALLS.get(os.uname().machine, {}).get(name)
    if number is None:
        ctypes.set_errno(errno.ENOSYS)
        return -1
    return libc().syscall(number, *args)


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def read_only(path: str) -> None:
    """Make the mount at ``path`` and every mount below it read-only."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    if syscall("mount_setattr", AT_FDCWD, path.encode(), AT_RECURSIVE, ctypes.byref(attr),
                ctypes.sizeof(attr)) == 0:
        return
    # an older kernel: remount each mount read-only, keeping the flags it is locked with
    for mount_point, flags in _mounts_below(path):
        mount(None, mount_point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)


def _mounts_below(path: str):
    names = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            if point == path or point.startswith(path.rstrip("/") + "/"):
                flags = sum(names.get(o, 0) for o in fields[5].split(","))
                yield point, flags


def write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)
