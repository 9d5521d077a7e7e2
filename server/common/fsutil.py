"""Small helpers for files and their text, shared by the domain packages."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` so that readers see either the old file or the new one, never half.

    The temporary file lives in the destination folder because `os.replace` is only
    atomic within one file system. `newline=""` keeps the caller's line endings
    exactly (a CRLF file stays CRLF).
    """
    import tempfile  # not at module level: it pulls in `random`, which start-up does not need

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            # Keep the permissions of the file being replaced (an executable script stays one).
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        else:
            # mkstemp makes 0600 files; a new file gets what open() would give it.
            os.chmod(tmp_name, 0o666 & ~_umask())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def sha256_text(text: str) -> str:
    """The hex sha256 of the UTF-8 text: how answer files, the store and upgrades fingerprint renders."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to the file descriptor (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_all(path: str | Path, *, limit: int | None = None, flags: int = 0) -> bytes:
    """The file's bytes through the bare file descriptor, sized by fstat; at most `limit` + 1 bytes when given.

    A buffered `open()` costs about 15 µs more a file, which a batch of a
    thousand files pays several times over. `flags` are added to O_RDONLY
    (O_NOFOLLOW: the journal never reads through a link). FileNotFoundError passes.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | flags)
    try:
        cap = sys.maxsize if limit is None else limit + 1
        expected = os.fstat(fd).st_size
        chunks: list[bytes] = []
        size = 0
        while size < cap:
            # One byte more than fstat said: a file that grew since shows it, and is read on.
            wanted = min(expected + 1 - size if size <= expected else 64 * 1024, cap - size)
            chunk = os.read(fd, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size == expected and len(chunk) < wanted:
                break  # the whole file as fstat sized it (no extra read to find the end)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as error:  # reading a folder fails here, not at open: name the path as open() would
        if error.filename is None:
            error.filename = os.fspath(path)
        raise
    finally:
        os.close(fd)
