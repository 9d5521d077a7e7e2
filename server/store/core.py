"""The connection owner every part of the Store builds on: locking, transactions, encoding."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, overload

if TYPE_CHECKING:
    from server.store.connection import Database

from server.store.connection import MEMORY, describe_error, open_database, open_reader, transaction

Clock = Callable[[], datetime]
Row = dict[str, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """`moment` as the ISO 8601 UTC string every time column holds; naive times count as UTC.

    Always UTC with the same shape, so the strings sort in time order and
    their first ten characters are the UTC day.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def to_json(value: Any) -> str:
    # `default=str`: YAML answers can hold dates, which JSON cannot.
    return json.dumps(value, ensure_ascii=False, default=str)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@overload
def decode(row: Row, json_columns: Sequence[str] = (), bool_columns: Sequence[str] = ()) -> Row: ...
@overload
def decode(row: None, json_columns: Sequence[str] = (), bool_columns: Sequence[str] = ()) -> None: ...
@overload
def decode(row: Row | None, json_columns: Sequence[str] = (), bool_columns: Sequence[str] = ()) -> Row | None: ...
def decode(row: Row | None, json_columns: Sequence[str] = (), bool_columns: Sequence[str] = ()) -> Row | None:
    """A row as plain Python values: JSON columns parsed, 0/1 flags as booleans (None stays None)."""
    if row is None:
        return None
    for column in json_columns:
        if column in row:
            row[column] = from_json(row[column])
    for column in bool_columns:
        if column in row and row[column] is not None:
            row[column] = bool(row[column])
    return row


class StoreCore:
    """Owns the one SQLite connection; the Store's feature mixins build on these helpers.

    The language server calls the store from its event loop and from worker
    threads, over one connection (check_same_thread=False). One re-entrant lock
    serialises every statement: it keeps one thread's multi-statement write
    transaction from interleaving with another thread's statements on the same
    connection, and results are materialised inside it.
    """

    def __init__(self, path: str | Path = MEMORY, *, clock: Clock = utc_now):
        self._clock = clock
        self._lock = threading.RLock()
        self._db: Database = open_database(path)  # the raw text: Path() would fold a URL's `//`
        self.path: Path | str = path if str(path) == MEMORY else Path(path)
        # A read-only second connection for a background reader (the hub's sync), opened when
        # first needed; its own lock, so that reader never waits for, nor holds, `_lock`.
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()

    @property
    def schema_version(self) -> int:
        version: int = self._scalar("PRAGMA user_version")
        return version

    def close(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        with self._lock:
            self._db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def now(self, at: datetime | str | None = None) -> str:
        """`at` (or the clock's now) as an ISO 8601 UTC string (`iso_utc`)."""
        if at is None:
            return iso_utc(self._clock())
        return iso_utc(datetime.fromisoformat(at) if isinstance(at, str) else at)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock, self._translated_errors():
            return list(self._db.query(sql, params))

    def _row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _totals(self, sql: str, params: Sequence[Any] = ()) -> Row:
        """The one row of an aggregate query (it always has one)."""
        row = self._row(sql, params)
        if row is None:
            raise RuntimeError(f"an aggregate query gave no row: {sql}")
        return row

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock, self._translated_errors():
            row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _row_apart(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """One row read on the read-only second connection (an in-memory store has none: its own, then)."""
        if not isinstance(self.path, Path):
            with self._lock, self._translated_errors():
                row: tuple[Any, ...] | None = self._db.execute(sql, params).fetchone()
            return row
        with self._reader_lock, self._translated_errors():
            if self._reader is None:
                self._reader = open_reader(self.path)
            row = self._reader.execute(sql, params).fetchone()
        return row

    @contextmanager
    def _writing(self) -> Iterator[Database]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT); rolled back if the block raises.

        Inside `unit()` the writes join the unit's transaction instead: only
        the thread holding the lock can see it open, and the unit commits or
        rolls back everything at once.
        """
        with self._lock, self._translated_errors():
            if self._db.conn.in_transaction:
                yield self._db
                return
            with transaction(self._db) as db:
                yield db

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Several writes as one: all committed when the block ends, none if it raises.

        A generation records its row and its task executions in one unit, and
        writes its files inside it, so a failure anywhere leaves no record of
        code that was not written (and the caller undoes the files). The lock
        is held for the whole block: keep the block short.
        """
        with self._lock, self._translated_errors():
            if self._db.conn.in_transaction:  # nested: the outer unit decides
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.conn.in_transaction:  # a failed COMMIT may leave it open
                    self._db.conn.rollback()
                raise

    @contextmanager
    def _larger_page_cache(self, kibibytes: int) -> Iterator[None]:
        """Raise SQLite's page cache (a maximum, allocated as used) for the block."""
        with self._lock:
            previous = self._scalar("PRAGMA cache_size")
            self._db.execute(f"PRAGMA cache_size = {-int(kibibytes)}")
            try:
                yield
            finally:
                self._db.execute(f"PRAGMA cache_size = {int(previous)}")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._writing() as db:
            return db.execute(sql, params)

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        # Integrity errors are bugs in the caller (a duplicate id, a bad
        # status), not something the user can fix, so they pass through.
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.OperationalError as error:
            raise describe_error(error, self.path) from error
        except sqlite3.DatabaseError as error:
            raise describe_error(error, self.path) from error


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just made (sqlite3 types `lastrowid` as optional for other statements)."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise RuntimeError("the statement inserted no row")
    return rowid
