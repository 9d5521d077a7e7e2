"""Appending generations to a database whose schema is current, with the standard library's sqlite3 alone.

A CLI process that only records what it generated (`scion generate` of a
copier template) would spend more CPU importing the whole Store (its mixins
and migrations) than on the generation itself. When the file exists at this
Scion's schema version, the rows go in with the Store's own INSERT, in one
`BEGIN IMMEDIATE` transaction on a connection with the Store's busy timeout;
a new or older database is opened by the Store, which creates or migrates it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from server.store.connection import check_writable, describe_error
from server.store.core import iso_utc, utc_now
from server.store.generations import INSERT_GENERATION, generation_values
from server.store.schema import SCHEMA_VERSION

BUSY_TIMEOUT = 5.0  # seconds, as the Store waits for another process's write


def append_generations(path: Path, generations: Sequence[Mapping[str, Any]]) -> int:
    """Insert the generations (keyword names of `Store.record_generation`) into the database at `path`."""
    check_writable(path)
    if not path.is_file():
        return _through_store(path, generations)
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as error:
        raise describe_error(error, path) from error
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            connection.close()
            return _through_store(path, generations)
        connection.execute("PRAGMA synchronous = NORMAL")
        created_at = iso_utc(utc_now())
        rows = [generation_values(generation, created_at) for generation in generations]
        connection.execute("BEGIN IMMEDIATE")
        try:
            count = connection.executemany(INSERT_GENERATION, rows).rowcount
        except BaseException:
            connection.rollback()
            raise
        connection.execute("COMMIT")
        return count
    except sqlite3.Error as error:
        raise describe_error(error, path) from error
    finally:
        connection.close()


def _through_store(path: Path, generations: Sequence[Mapping[str, Any]]) -> int:
    from server.store.store import Store

    with Store(path) as store:
        return store.import_generations(generations)
