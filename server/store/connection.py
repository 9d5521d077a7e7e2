"""Opening the database file, and turning SQLite failures into StoreErrors.

Every failure here is something the user can fix (a wrong path, a file that is
not a database, a read-only folder), so each message names the path and says
what to do, and the server shows it instead of dying.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.common.errors import StoreError
from server.common.gitignore import ignore_database
from server.store.schema import MIGRATIONS, SCHEMA_VERSION

MEMORY = ":memory:"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_FIX_PATH = "set scion.database.path to another file"


class Database:
    """The SQLite connection with the two calls the store makes: `execute`, and `query` for rows as dicts.

    The store used to wrap its connection in sqlite-utils' Database for just
    these two; importing sqlite-utils cost every CLI command about 60 ms of its
    start-up (a third of `scion generate`'s). The connection runs in autocommit
    mode (isolation_level=None): transactions are the store's explicit BEGIN
    IMMEDIATE ... COMMIT (`transaction` below), so there is nothing else to manage.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # As sqlite-utils set it: a REPLACE that deletes a row fires the DELETE triggers (the totals tables).
        conn.execute("PRAGMA recursive_triggers = on")

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, parameters)
        if cursor.description is None:
            raise ValueError(f"query() is for statements that return rows: {sql}")
        keys = [column[0] for column in cursor.description]
        return (dict(zip(keys, row, strict=True)) for row in cursor)


def open_database(path: Path | str) -> Database:
    """A migrated Database for `path` (":memory:" for a throwaway one)."""
    if str(path) == MEMORY:
        connection = sqlite3.connect(MEMORY, check_same_thread=False, isolation_level=None)
        db = Database(connection)
        migrate(db, MEMORY)
        return db
    url = _URL.match(str(path))
    if url:
        # Path("postgresql://h/db") is a valid file name; it would quietly become a SQLite file there.
        shown = url.group(0) + str(path).split("@")[-1].split("://")[-1]  # never the password
        raise StoreError(
            f"{shown} is a URL, but the local database is a SQLite file: set scion.database.path (or --db) to a file path"
        )
    path = Path(path)
    check_writable(path)
    try:
        # The timeout is SQLite's busy wait: the CLI and the server share the
        # file and wait for each other's write instead of failing at once.
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the database ({error}); {_FIX_PATH}", path=path) from error
    ignore_database(path)  # `.scion/scion.db` never shows in `git status`
    try:
        db = Database(connection)
        # WAL lets the CLI read while the server writes; NORMAL sync is
        # durable enough under WAL (a power cut may lose the last commit only).
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db, path)
    except StoreError:
        connection.close()
        raise
    except sqlite3.DatabaseError as error:
        connection.close()
        raise describe_error(error, path) from error
    return db


def open_reader(path: Path) -> sqlite3.Connection:
    """A second, read-only connection to an open database file (WAL lets it read while the first writes).

    The hub's sync reads its outbox batches here: neither the store's lock nor
    the connection the editor's requests use is held while it does.
    """
    try:
        return sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    except sqlite3.Error as error:
        raise describe_error(error, path) from error


def check_writable(path: Path) -> None:
    if path.is_dir():
        raise StoreError(f"the database path is a folder, not a file; {_FIX_PATH}", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the database folder ({error.strerror}); {_FIX_PATH}", path=path) from error
    # SQLite would open a read-only file silently and fail at the first write,
    # long after startup; the folder must be writable for the WAL files.
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(f"the database file is read-only; make it writable or {_FIX_PATH}", path=path)
    if not os.access(path.parent, os.W_OK):
        raise StoreError(f"the database folder {path.parent} is read-only; make it writable or {_FIX_PATH}", path=path)


def migrate(db: Database, path: Path | str, upto: int = SCHEMA_VERSION) -> None:
    """Run the migrations this database has not seen yet, each in a transaction."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"the database has schema version {current}, written by a newer Scion; this one knows up "
            f"to version {SCHEMA_VERSION}. Upgrade Scion or {_FIX_PATH}",
            path=path,
        )
    for version in range(current, upto):
        with transaction(db):
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE ... COMMIT around the block, rolled back if it raises.

    IMMEDIATE takes the write lock up front, so two processes (CLI and server)
    wait on the busy timeout instead of failing midway with SQLITE_BUSY.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


def describe_error(error: sqlite3.Error, path: Path | str) -> StoreError:
    """A StoreError telling the user what went wrong with the database at `path`."""
    text = str(error)
    if "not a database" in text or "malformed" in text:
        message = f"the file is not a Scion database (not SQLite, or damaged); move it away or {_FIX_PATH}"
    elif "readonly" in text or "read-only" in text:
        message = f"the database is read-only; make the file and its folder writable or {_FIX_PATH}"
    elif "locked" in text or "busy" in text:
        message = "the database is locked by another process; close it (another Scion server?) and retry"
    elif "disk" in text or "full" in text:
        message = f"the database cannot be written ({text}); free some disk space or {_FIX_PATH}"
    else:
        message = f"database error: {text}"
    return StoreError(message, path=path)
