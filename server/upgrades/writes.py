"""Writing the files of a batch upgrade: each file atomically, one disk sync for them all.

atomic_write syncs every file before renaming it into place, which costs
several milliseconds a file: most of a thousand-file upgrade. Here every new
text is first written to a temporary file beside its target, the disk is
synced once, and only then are the temporary files renamed over the targets.
A crash before the renames leaves every file as it was; after the sync, each
rename puts a complete file in place.

Creating a file is the slow part on some disks (an inode costs up to a
millisecond), and it does not need the interpreter: the temporary files are
written by one background thread while the caller prepares the next upgrade.
Writes are grouped (one group per upgraded answer file): when any write of a
group fails, none of that group's files is replaced, and commit() reports it.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import count
from pathlib import Path

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class StagedWrites:
    def __init__(self, *, background: bool = True) -> None:
        # Per group: (temporary, target) pairs in the order written, then the deletes.
        self._renames: dict[Hashable, list[tuple[str, Path]]] = {}
        self._deletes: dict[Hashable, list[Path]] = {}
        self._pending: list[tuple[Hashable, Path, Future]] = []
        self._failed: dict[Hashable, Exception] = {}
        self._lock = threading.Lock()
        self._token = secrets.token_hex(4)
        self._numbers = count()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scion-writes") if background else None

    def write(self, path: Path, text: str, group: Hashable = None) -> None:
        """Stage `text` for `path`. Without a background thread, an OSError is raised here."""
        data = text.encode("utf-8")
        if self._pool is None:
            self._staged(group, path, self._stage(path, data))
        else:
            self._pending.append((group, path, self._pool.submit(self._stage, path, data)))

    def delete(self, path: Path, group: Hashable = None) -> None:
        self._deletes.setdefault(group, []).append(path)

    def drop(self, group: Hashable) -> None:
        """Forget a group's writes and deletes (its upgrade failed before it was staged whole)."""
        self._wait()
        _unlink_all(temporary for temporary, _ in self._renames.pop(group, []))
        self._deletes.pop(group, None)
        self._failed.pop(group, None)

    def commit(self) -> dict[Hashable, Exception]:
        """Sync once, then put every file of every whole group in place; returns the groups that failed."""
        self._wait()
        failed, self._failed = self._failed, {}
        for group in failed:
            _unlink_all(temporary for temporary, _ in self._renames.pop(group, []))
            self._deletes.pop(group, None)
        renames = [pair for pairs in self._renames.values() for pair in pairs]
        if renames:
            _sync([temporary for temporary, _ in renames])
        for temporary, path in renames:
            os.replace(temporary, path)
        for paths in self._deletes.values():
            for path in paths:
                path.unlink(missing_ok=True)
        self._renames, self._deletes = {}, {}
        self._close()
        return failed

    def discard(self) -> None:
        self._wait()
        _unlink_all(temporary for pairs in self._renames.values() for temporary, _ in pairs)
        self._renames, self._deletes, self._failed = {}, {}, {}
        self._close()

    # -- staging -----------------------------------------------------------------

    def _wait(self) -> None:
        pending, self._pending = self._pending, []
        for group, path, future in pending:
            try:
                self._staged(group, path, future.result())
            except Exception as error:  # every pending write is accounted for, whatever failed
                self._failed.setdefault(group, error)

    def _staged(self, group: Hashable, path: Path, temporary: str) -> None:
        self._renames.setdefault(group, []).append((temporary, path))

    def _stage(self, path: Path, data: bytes) -> str:
        """Write `data` to a new temporary file beside `path`, with `path`'s permissions; its name."""
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = None
        folder = os.fspath(path.parent)
        made_folder = False
        while True:
            with self._lock:
                number = next(self._numbers)
            temporary = os.path.join(folder, f".{path.name}.{self._token}{number}.tmp")
            try:
                # A new file gets what open() would give it (0666 less the umask).
                fd = os.open(temporary, _FLAGS, 0o666 if mode is None else 0o600)
            except FileExistsError:
                continue
            except FileNotFoundError:
                if made_folder:
                    raise
                os.makedirs(folder, exist_ok=True)
                made_folder = True
                continue
            break
        try:
            if mode is not None:  # an executable script stays executable
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
                else:  # pragma: no cover - Windows
                    os.chmod(temporary, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except BaseException:
            os.close(fd)
            os.unlink(temporary)
            raise
        os.close(fd)
        return temporary

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _unlink_all(paths) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _sync(paths: list[str]) -> None:
    """Flush the written files to disk: one system-wide sync where there is one, else each file."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        with open(path, "rb+") as handle:
            os.fsync(handle.fileno())
