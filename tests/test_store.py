"""The Store: schema and migrations, failures users can act on, and every query's contract."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlite_utils import Database

from server.errors import StoreError
from server.store import SCHEMA_VERSION, Store
from server.store.connection import migrate

START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store():
    with Store(clock=FakeClock()) as opened:
        yield opened


def generate(store: Store, template="python/dataclass", version="1.0.0", answers=None, **kw) -> str:
    kw.setdefault("status", "applied")
    return store.record_generation(
        template, version, kw.pop("file_path", "order.py"), kw.pop("mode", "insert"),
        answers if answers is not None else {"class_name": "Order"}, **kw,
    )


# -- schema, migrations, opening -------------------------------------------------------------

def test_new_database_has_every_table_and_the_current_version(tmp_path):
    path = tmp_path / "nested" / "folder" / "scion.db"
    with Store(path) as opened:
        assert opened.schema_version == SCHEMA_VERSION
    db = Database(path)
    assert {
        "generations", "events", "template_versions", "task_executions", "learned_programs",
        "stage_transitions", "tasks", "dismissals", "upgrades", "template_deployments", "generation_counts",
    } <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexed = {tuple(index.columns) for index in db["generations"].indexes}
    assert ("template_id", "template_version", "status") in indexed
    assert ("instance_id",) in indexed and ("created_at",) in indexed
    assert ("task", "id") in {tuple(index.columns) for index in db["task_executions"].indexes}


def test_reopening_keeps_the_data(tmp_path):
    path = tmp_path / "scion.db"
    with Store(path) as first:
        generation_id = generate(first)
    with Store(path) as second:
        assert second.get_generation(generation_id)["answers"] == {"class_name": "Order"}


def test_an_old_database_is_migrated_and_its_history_counted(tmp_path):
    path = tmp_path / "scion.db"
    old = Database(sqlite3.connect(path, isolation_level=None))
    migrate(old, path, upto=1)
    old.execute(
        "INSERT INTO generations (id, template_id, template_version, file_path, mode, created_at, status)"
        " VALUES ('g1', 't', '1.0', 'a.py', 'file', '2026-11-01T09:00:00+00:00', 'accepted'),"
        " ('g2', 't', '1.0', 'b.py', 'file', '2026-11-01T10:00:00+00:00', 'rejected')"
    )
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.conn.close()
    with Store(path) as migrated:
        assert migrated.schema_version == SCHEMA_VERSION
        assert migrated.success_rates() == [
            {"template_id": "t", "version": "1.0", "decided": 2, "accepted": 1, "rejected": 1,
             "undecided": 0, "rate": 0.5},
        ]


def test_a_database_from_a_newer_scion_is_refused(tmp_path):
    path = tmp_path / "scion.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StoreError, match="newer Scion") as raised:
        Store(path)
    assert raised.value.path == path and str(path) in str(raised.value)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a Scion database") as raised:
        Store(path)
    assert str(path) in str(raised.value)
    assert path.read_text().startswith("these are my notes")


def test_a_folder_as_database_path_is_refused(tmp_path):
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)


def _refused_as_unprivileged_user(path: Path) -> bool:
    """Open `path` in a forked child running as `nobody` (root writes anyway); True when refused."""
    child = os.fork()
    if child == 0:
        refused = False
        try:
            os.setuid(65534)
            Store(path)
        except StoreError as error:
            refused = "read-only" in str(error) and str(path) in str(error)
        except BaseException:
            pass
        os._exit(0 if refused else 1)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0


@pytest.fixture
def shared_folder():
    """A folder an unprivileged user can reach (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="scion-store-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


@pytest.mark.parametrize("locked", ["file", "folder"])
def test_a_read_only_database_is_refused(shared_folder, locked):
    tmp_path = shared_folder
    path = tmp_path / "scion.db"
    Store(path).close()
    for leftover in tmp_path.glob("scion.db-*"):
        leftover.unlink()
    path.chmod(0o444 if locked == "file" else 0o644)
    tmp_path.chmod(0o555 if locked == "folder" else 0o755)
    try:
        if os.geteuid() == 0:
            assert _refused_as_unprivileged_user(path)
            return
        with pytest.raises(StoreError, match="read-only") as raised:
            Store(path)
        assert str(path) in str(raised.value)
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)


# -- generations ---------------------------------------------------------------------------

def test_generation_round_trip(store):
    generation_id = generate(
        store, answers={"class_name": "Order", "frozen": True, "fields": ["id", "name"]},
        answer_sources={"class_name": "context", "frozen": "user"}, rendered_text="class Order: ...\n",
        region={"start": [3, 0], "end": [9, 0]}, instance_id="answer-file-id",
    )
    row = store.get_generation(generation_id)
    assert row["answers"] == {"class_name": "Order", "frozen": True, "fields": ["id", "name"]}
    assert row["answer_sources"] == {"class_name": "context", "frozen": "user"}
    assert row["region"] == {"start": [3, 0], "end": [9, 0]}
    assert row["rendered_sha"] == hashlib.sha256(b"class Order: ...\n").hexdigest()
    assert row["created_at"] == "2026-11-01T09:00:00.000000+00:00"
    assert row["status"] == "applied" and row["checkpoints"] == []
    assert store.generations_for_file("order.py")[0]["id"] == generation_id
    assert [g["id"] for g in store.generations_for_instance("answer-file-id")] == [generation_id]
    assert store.get_generation("missing") is None


def test_given_ids_and_times_are_kept(store):
    generation_id = generate(store, generation_id="fixed", created_at="2026-11-02T12:00:00+02:00")
    assert generation_id == "fixed"
    assert store.get_generation("fixed")["created_at"] == "2026-11-02T10:00:00.000000+00:00"


def test_update_generation_encodes_json_and_refuses_unknown_fields(store):
    generation_id = generate(store)
    store.update_generation(generation_id, region={"start": [1, 0], "end": [2, 0]}, rendered_text="x")
    row = store.get_generation(generation_id)
    assert row["region"] == {"start": [1, 0], "end": [2, 0]} and row["rendered_text"] == "x"
    with pytest.raises(ValueError, match="created_at"):
        store.update_generation(generation_id, created_at="2020-01-01")
    with pytest.raises(KeyError):
        store.update_generation("missing", rendered_text="x")


def test_status_transitions(store):
    generation_id = generate(store, status="offered")
    store.set_status(generation_id, "applied")
    store.set_status(generation_id, "pending")
    assert [g["id"] for g in store.pending_generations()] == [generation_id]
    store.record_checkpoint(generation_id, 30, 0.95, 120)
    store.record_checkpoint(generation_id, START + timedelta(minutes=2), 0.9, 110)
    store.decide(generation_id, "accepted", 0.9, "class Order: ...", at=START + timedelta(minutes=10))
    row = store.get_generation(generation_id)
    assert row["status"] == "accepted" and row["quality_score"] == 0.9
    assert row["retained_text"] == "class Order: ..."
    assert row["decided_at"] == "2026-11-01T09:10:00.000000+00:00"
    assert row["checkpoints"] == [
        {"at": 30, "survival": 0.95, "retained": 120},
        {"at": "2026-11-01T09:02:00.000000+00:00", "survival": 0.9, "retained": 110},
    ]
    assert store.pending_generations() == []
    store.set_status(generation_id, "rejected")  # the user overrules the tracker
    assert store.get_generation(generation_id)["status"] == "rejected"
    with pytest.raises(ValueError, match="cannot go from"):
        store.set_status(generation_id, "offered")
    cancelled = generate(store, status="offered")
    store.set_status(cancelled, "cancelled")
    with pytest.raises(ValueError, match="cannot go from"):
        store.set_status(cancelled, "applied")
    with pytest.raises(ValueError, match="unknown generation status"):
        store.set_status(cancelled, "kept")
    with pytest.raises(ValueError, match="verdict"):
        store.decide(generation_id, "maybe")


def test_events_are_kept_in_order(store):
    generation_id = generate(store)
    store.add_event(generation_id, "applied", {"version": 3})
    store.add_event(generation_id, "undo")
    events = store.events_for(generation_id)
    assert [(e["kind"], e["data"]) for e in events] == [("applied", {"version": 3}), ("undo", {})]


def test_template_versions_are_noted_once(store):
    assert store.note_template_version("python/dataclass", "1.0.0", "builtin") is True
    assert store.note_template_version("python/dataclass", "1.0.0", "workspace") is False
    assert [(v["version"], v["root_kind"]) for v in store.template_versions("python/dataclass")] == [
        ("1.0.0", "builtin")
    ]
