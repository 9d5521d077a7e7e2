"""Appending generations with the standard library's sqlite3 (store/append.py): the same rows the Store writes."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from server.common.errors import StoreError
from server.store import SCHEMA_VERSION, Store
from server.store.append import BackgroundAppend, append_generations
from server.store.connection import migrate


def rows(count: int, status: str = "applied") -> list[dict]:
    return [
        {
            "template_id": "gh:acme/template",
            "template_version": "v1.2.0",
            "file_path": f"/project/f{i}.txt",
            "mode": "file",
            "answers": {"name": "demo", "i": i},
            "rendered_text": f"file {i}\n",
            "status": status,
        }
        for i in range(count)
    ]


def test_a_current_database_gets_the_rows_the_store_reads_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    with Store(path) as store:
        store.import_generations(rows(1, status="accepted"))
    assert append_generations(path, rows(3, status="accepted")) == 3
    with Store(path) as store:
        assert store.success_of("gh:acme/template")["accepted"] == 4  # the totals' triggers ran
        found = store.generations_for_file("/project/f2.txt")
        assert [row["answers"] for row in found] == [{"name": "demo", "i": 2}]
        assert found[0]["rendered_sha"] == hashlib.sha256(b"file 2\n").hexdigest()
        assert found[0]["created_at"].endswith("+00:00")


def test_it_does_not_import_sqlite_utils_or_the_store(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    Store(path).close()
    script = (
        "import sys; from pathlib import Path; from server.store.append import append_generations;"
        f"append_generations(Path({str(path)!r}), [{rows(1)[0]!r}]);"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlite_utils', 'server.store.store'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert sqlite3.connect(path).execute("SELECT count(*) FROM generations").fetchone() == (1,)


def test_a_new_database_is_created_by_the_store(tmp_path: Path) -> None:
    path = tmp_path / "new" / "scion.db"
    assert append_generations(path, rows(2)) == 2
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert len(store.generations_for_file("/project/f1.txt")) == 1


def test_an_older_database_is_migrated_first(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    old = Database(sqlite3.connect(path, isolation_level=None))
    migrate(old, path, upto=1)
    old.conn.close()
    assert append_generations(path, rows(1)) == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    path.write_bytes(b"not sqlite at all, " * 100)
    with pytest.raises(StoreError, match="not a Scion database"):
        append_generations(path, rows(1))


def count(path: Path) -> int:
    return sqlite3.connect(path).execute("SELECT count(*) FROM generations").fetchone()[0]


def test_a_background_append_is_seen_only_once_committed(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    Store(path).close()
    pending = BackgroundAppend(path, lambda: rows(3))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        assert holds_the_write_lock(other)  # the rows are in: the thread's transaction is open
        # ...but not visible: the files they describe are being written.
        assert other.execute("SELECT count(*) FROM generations").fetchone() == (0,)
    finally:
        other.close()
    assert pending.commit() == 3
    assert count(path) == 3


def test_an_abandoned_background_append_leaves_nothing_and_releases_the_database(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    Store(path).close()
    BackgroundAppend(path, lambda: rows(2)).abandon()
    assert count(path) == 0
    assert append_generations(path, rows(1)) == 1  # the write lock was released


def test_a_background_append_to_a_new_database_goes_through_the_store_at_commit(tmp_path: Path) -> None:
    path = tmp_path / "new" / "scion.db"
    assert BackgroundAppend(path, lambda: rows(2)).commit() == 2
    assert count(path) == 2


def test_a_failure_in_the_background_is_raised_by_commit(tmp_path: Path) -> None:
    path = tmp_path / "scion.db"
    path.write_bytes(b"not sqlite at all, " * 100)
    with pytest.raises(StoreError, match="not a Scion database"):
        BackgroundAppend(path, lambda: rows(1)).commit()

    def broken() -> list[dict]:
        raise ValueError("no rows")

    Store(tmp_path / "ok.db").close()
    with pytest.raises(ValueError, match="no rows"):
        BackgroundAppend(tmp_path / "ok.db", broken).commit()
    BackgroundAppend(tmp_path / "ok.db", broken).abandon()  # never raises


def test_a_process_that_commits_and_exits_leaves_the_database_closed(tmp_path: Path) -> None:
    # commit() returns before the connection's closing checkpoint; the interpreter waits for it at exit.
    path = tmp_path / "scion.db"
    Store(path).close()
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2])\n"
        "from server.store.append import BackgroundAppend\n"
        "rows = [dict(template_id='t', template_version='v', file_path=f'/p/{i}', mode='file', answers={}, "
        "rendered_text='x', status='applied') for i in range(3)]\n"
        "print(BackgroundAppend(Path(sys.argv[1]), lambda: rows).commit())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), str(Path(__file__).resolve().parent.parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "3\n"
    assert not Path(f"{path}-wal").exists()  # checkpointed and removed by the last connection's close
    assert count(path) == 3


def holds_the_write_lock(connection: sqlite3.Connection, seconds: float = 10.0) -> bool:
    """Whether another connection holds the database's write lock within `seconds` (BEGIN IMMEDIATE is refused)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        connection.execute("ROLLBACK")
        time.sleep(0.01)
    return False
