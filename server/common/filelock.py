"""An exclusive lock across processes and threads, held on a lock file.

Answer files are read, changed and written by the server, the CLI and batch
upgrades at the same time; without one lock around the read-modify-write, a
writer that read before another's write drops that record when it writes.

Processes are excluded with `flock` (POSIX) or `msvcrt.locking` (Windows).
Threads of one process are excluded by a `threading.Lock` per lock file first:
it costs nothing, it is what Windows needs (byte-range locks are per process),
and a waiting thread then sleeps in Python instead of polling the kernel.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt
else:
    import fcntl

from server.common.errors import ScionError

DEFAULT_TIMEOUT_S = 30.0
_POLL_S = 0.005
_MAX_POLL_S = 0.05
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)

_guard = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


class LockTimeout(ScionError):
    """Another process held the lock for longer than the timeout."""


def _thread_lock(key: str) -> threading.Lock:
    # Never removed: one small lock per answer file a process has written.
    with _guard:
        return _thread_locks.setdefault(key, threading.Lock())


@contextmanager
def exclusive(lock_path: Path, *, timeout: float = DEFAULT_TIMEOUT_S, what: str = "the file") -> Iterator[None]:
    """Hold `lock_path` exclusively for the block (created if missing; never deleted).

    The file is never deleted: removing a lock file while another process waits
    on its (now unlinked) inode would let a third process lock a new one.
    """
    lock_path = Path(lock_path)
    deadline = time.monotonic() + timeout
    thread_lock = _thread_lock(os.path.abspath(lock_path))
    if not thread_lock.acquire(timeout=max(timeout, 0.001)):
        raise LockTimeout(f"{what} is being written by another task; try again", path=lock_path)
    try:
        fd = _open(lock_path, what)
        try:
            _lock_fd(fd, deadline, lock_path, what)
            try:
                yield
            finally:
                _unlock_fd(fd)
        finally:
            os.close(fd)
    finally:
        thread_lock.release()


def _open(lock_path: Path, what: str) -> int:
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a lock path planted as a symlink (a hostile clone) must not create files elsewhere.
        return os.open(lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o666)
    except OSError as error:
        raise ScionError(f"cannot lock {what}: {error.strerror or error} ({lock_path})", path=lock_path) from error


def _lock_fd(fd: int, deadline: float, lock_path: Path, what: str) -> None:
    pause = _POLL_S
    while True:
        if _try_lock(fd):
            return
        if time.monotonic() >= deadline:
            raise LockTimeout(f"{what} is locked by another process (lock file {lock_path}); try again", path=lock_path)
        time.sleep(pause)
        pause = min(pause * 2, _MAX_POLL_S)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock_fd(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
