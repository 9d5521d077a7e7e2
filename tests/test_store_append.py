"""Appending generations with the standard library's sqlite3 (store/append.py): the same rows the Store writes."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from server.common.errors import StoreError
from server.store import SCHEMA_VERSION, Store
from server.store.append import append_generations
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
