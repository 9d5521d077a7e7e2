"""Writing the files of a batch upgrade: each file atomically, one disk sync for them all.

atomic_write syncs every file before renaming it into place, which costs
several milliseconds a file: most of a thousand-file upgrade. Here every new
text is first written to a temporary file beside its target, the disk is
synced once, and only then are the temporary files renamed over the targets.
A crash before the renames leaves every file as it was; after the sync, each
rename puts a complete file in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class StagedWrites:
    def __init__(self) -> None:
        self._renames: list[tuple[str, Path]] = []
        self._deletes: list[Path] = []

    def write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with open(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            if path.exists():
                # An executable script stays executable.
                os.chmod(temporary, path.stat().st_mode & 0o7777)
        except BaseException:
            os.unlink(temporary)
            raise
        self._renames.append((temporary, path))

    def delete(self, path: Path) -> None:
        self._deletes.append(path)

    def commit(self) -> None:
        if self._renames:
            _sync([temporary for temporary, _ in self._renames])
        for temporary, path in self._renames:
            os.replace(temporary, path)
        for path in self._deletes:
            path.unlink(missing_ok=True)
        self._renames, self._deletes = [], []

    def discard(self) -> None:
        for temporary, _ in self._renames:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
        self._renames, self._deletes = [], []


def _sync(paths: list[str]) -> None:
    """Flush the written files to disk: one system-wide sync where there is one, else each file."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        with open(path, "rb+") as handle:
            os.fsync(handle.fileno())
