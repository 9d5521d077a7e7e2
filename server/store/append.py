"""Appending generations to a database whose schema is current, with the standard library's sqlite3 alone.

A CLI process that only records what it generated (`scion generate` of a
copier template) would spend more CPU importing the whole Store (its mixins
and migrations) than on the generation itself. When the file exists at this
Scion's schema version, the rows go in with the Store's own INSERT, in one
`BEGIN IMMEDIATE` transaction on a connection with the Store's busy timeout;
a new or older database is opened by the Store, which creates or migrates it.

`BackgroundAppend` does the same in a thread while the caller writes the
files the rows describe: the rows are built and inserted meanwhile, and the
transaction commits only once the files are written (or rolls back when
writing them failed). On a disk where creating a file is slow the record
then costs nothing in wall time.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from server.store.connection import check_writable, describe_error
from server.store.core import iso_utc, utc_now
from server.store.generations import INSERT_GENERATION, generation_values
from server.store.schema import SCHEMA_VERSION

BUSY_TIMEOUT = 5.0  # seconds, as the Store waits for another process's write

Generations = Sequence[Mapping[str, Any]]


def append_generations(path: Path, generations: Generations) -> int:
    """Insert the generations (keyword names of `Store.record_generation`) into the database at `path`."""
    connection = _open_current(path)
    if connection is None:
        return _through_store(path, generations)
    try:
        count = _insert(connection, generations)
        connection.execute("COMMIT")
        return count
    except sqlite3.Error as error:
        raise describe_error(error, path) from error
    finally:
        connection.close()


class BackgroundAppend:
    """`append_generations` in a thread of its own, committed by `commit()` once the caller's files are written.

    The thread holds the database's write lock from its INSERT to the commit:
    only as long as the caller takes to write its files (the CLI commits
    before a template's tasks run). Either `commit()` or `abandon()` must be
    called; a process that exits without either leaves the database as it was.

    `commit()` returns once the rows are committed; the thread then closes the
    connection, which on the last one checkpoints the WAL into the database
    and syncs it (about 3 ms on a disk). It is not a daemon: the interpreter
    waits for it at exit, and a warm child joins it once its client has the
    exit code (server/warm/zygote.py).
    """

    def __init__(self, path: Path, make_rows: Callable[[], Generations]) -> None:
        self.path = path
        self._make_rows = make_rows
        self._decided = threading.Event()
        self._settled = threading.Event()  # committed, rolled back, or failed: the caller may go on
        self._keep = False
        self._count = 0
        self._error: BaseException | None = None
        self._for_the_store: Generations | None = None  # a new or older database: the Store writes them at commit
        self._thread = threading.Thread(target=self._run, name="scion-record")
        self._thread.start()

    def commit(self) -> int:
        """Wait for the rows and keep them; the number of generations recorded. StoreError when that failed."""
        self._keep = True
        self._decided.set()
        self._settled.wait()
        if self._error is not None:
            raise self._error
        if self._for_the_store is not None:
            return _through_store(self.path, self._for_the_store)
        return self._count

    def abandon(self) -> None:
        """Roll the rows back (what they describe was not written); never raises: the caller's error matters."""
        self._decided.set()
        self._settled.wait()

    def _run(self) -> None:
        connection = None
        try:
            rows = self._make_rows()
            connection = _open_current(self.path)
            if connection is None:
                self._for_the_store = rows
                return
            self._count = _insert(connection, rows)
            self._decided.wait()
            connection.execute("COMMIT" if self._keep else "ROLLBACK")
        except sqlite3.Error as error:
            self._error = describe_error(error, self.path)
            self._error.__cause__ = error
        except BaseException as error:  # handed to commit(), in the caller's thread
            self._error = error
        finally:
            self._settled.set()  # the caller goes on; the closing checkpoint happens meanwhile
            if connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    connection.close()


def _open_current(path: Path) -> sqlite3.Connection | None:
    """A connection to the database at `path` if it exists at this schema version, else None (the Store's job)."""
    check_writable(path)
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as error:
        raise describe_error(error, path) from error
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            connection.close()
            return None
        connection.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as error:
        connection.close()
        raise describe_error(error, path) from error
    return connection


def _insert(connection: sqlite3.Connection, generations: Generations) -> int:
    """The rows, inserted inside a `BEGIN IMMEDIATE` the caller commits; rolled back here if inserting failed."""
    created_at = iso_utc(utc_now())
    rows = [generation_values(generation, created_at) for generation in generations]
    connection.execute("BEGIN IMMEDIATE")
    try:
        return connection.executemany(INSERT_GENERATION, rows).rowcount
    except BaseException:
        connection.rollback()
        raise


def _through_store(path: Path, generations: Generations) -> int:
    from server.store.store import Store

    with Store(path) as store:
        return store.import_generations(generations)
