"""`.scion/.gitignore`: Scion's local state stays out of git, what a team shares stays committable.

Local state: the database (`scion.db` and SQLite's `-wal`, `-shm` and
`-journal` files beside it) and the upgrade journals (`journal/`). Shared:
templates, learned programs, `config.toml`, so nothing else is listed.

The lines are added to the file as it is (the user's own lines are kept,
each of ours is added once), opened without following a symlink: a link
planted there by a repository is never written through.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from server.common.fsutil import write_all

log = logging.getLogger(__name__)

SCION_FOLDER = ".scion"
HEADER = b"# Scion's local state (the database, upgrade journals): never commit it.\n"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
MAX_READ = 64 * 1024
JOURNALS = "journal/"  # upgrades/writes.py keeps its journals in .scion/journal/


def database_lines(database: Path) -> list[str]:
    """The ignore lines for a database file: itself and SQLite's files beside it."""
    return [database.name, f"{database.name}-*"]


def ignore_database(database: Path) -> None:
    """Keep a database that lives directly in a `.scion` folder, and the journals, out of git.

    A database elsewhere is the user's choice and its folder is left alone.
    """
    if database.parent.name == SCION_FOLDER:
        ignore_in_scion_folder(database.parent, [*database_lines(database), JOURNALS])


def ignore_in_scion_folder(scion_folder: Path, lines: Iterable[str]) -> None:
    """Add each of `lines` that is missing to `scion_folder/.gitignore`, creating it if needed."""
    ignore = scion_folder / ".gitignore"
    try:
        fd = os.open(ignore, os.O_RDWR | os.O_CREAT | os.O_APPEND | _NOFOLLOW, 0o666)
    except OSError as error:  # a link planted there, or a read-only folder: Scion works on without it
        log.info("cannot keep Scion's local state out of git in %s: %s", ignore, error)
        return
    try:
        existing = os.read(fd, MAX_READ)  # from the start: an append-mode file opens at offset 0
        present = {line.strip() for line in existing.splitlines()}
        missing = [line.encode() for line in dict.fromkeys(lines) if line.encode() not in present]
        if not missing:
            return
        prefix = b"" if not existing or existing.endswith(b"\n") else b"\n"
        header = b"" if existing else HEADER
        write_all(fd, prefix + header + b"".join(line + b"\n" for line in missing))
    except OSError as error:
        log.info("cannot keep Scion's local state out of git in %s: %s", ignore, error)
    finally:
        os.close(fd)
