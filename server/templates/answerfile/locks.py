"""The lock every writer of an answer file takes around its read-modify-write."""

from __future__ import annotations

import hashlib
import os
import stat
from contextlib import AbstractContextManager
from pathlib import Path

from server.common.filelock import exclusive
from server.common.fsutil import atomic_write

LOCK_FOLDER = Path(".scion") / "locks"
# What a locks folder holds: nothing anyone should commit.
_LOCKS_GITIGNORE = "# Scion: answer-file locks (empty files; safe to delete when no Scion runs)\n*\n"


def lock_file_for(answer_file: str | Path) -> Path:
    """The lock every writer of `answer_file` takes, derived from its real path alone.

    In `.scion/locks/` of the nearest folder above it that has a `.scion`
    folder (no clutter beside the user's files), keyed by a hash of the real
    path, so the server, the CLI and a batch agree whatever each takes for its
    workspace. With no `.scion` above it, a hidden `.<name>.lock` beside it:
    the only place every writer still agrees on. A symlinked `.scion` or
    `locks` (a hostile clone) is not followed.
    """
    real = Path(os.path.realpath(answer_file))
    key = hashlib.sha256(os.fsencode(real)).hexdigest()[:32]
    for folder in real.parents:
        if _is_real_folder(folder / ".scion"):
            locks = folder / LOCK_FOLDER
            if _is_real_folder(locks) or _make_locks_folder(locks):
                return locks / f"{key}.lock"
            break
    return real.with_name(f".{real.name}.lock")


def _is_real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _make_locks_folder(locks: Path) -> bool:
    try:
        locks.mkdir(exist_ok=True)
        ignore = locks / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, _LOCKS_GITIGNORE)
    except OSError:
        return False
    return _is_real_folder(locks)


def locked(answer_file: str | Path) -> AbstractContextManager[None]:
    """Hold the answer file's lock (across processes and threads) around a read-modify-write."""
    return exclusive(lock_file_for(answer_file), what=f"the answer file {answer_file}")
