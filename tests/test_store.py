"""The Store: schema and migrations, failures users can act on, and every query's contract."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from server.common.errors import StoreError
from server.store import SCHEMA_VERSION, Store
from tests.conftest import old_database

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


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
        template,
        version,
        kw.pop("file_path", "order.py"),
        kw.pop("mode", "insert"),
        answers if answers is not None else {"class_name": "Order"},
        **kw,
    )


# -- schema, migrations, opening -------------------------------------------------------------


def test_new_database_has_every_table_and_the_current_version(tmp_path):
    path = tmp_path / "nested" / "folder" / "scion.db"
    with Store(path) as opened:
        assert opened.schema_version == SCHEMA_VERSION
    db = Database(path)
    assert {
        "generations",
        "events",
        "template_versions",
        "task_executions",
        "learned_programs",
        "stage_transitions",
        "tasks",
        "dismissals",
        "upgrades",
        "template_deployments",
        "generation_totals",
    } <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexed = {tuple(index.columns) for index in db["generations"].indexes}
    assert ("template_id", "template_version", "status", "created_at") in indexed
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
    old_database(
        path,
        1,
        "INSERT INTO generations (id, template_id, template_version, file_path, mode, created_at, status)"
        " VALUES ('g1', 't', '1.0', 'a.py', 'file', '2026-11-01T09:00:00+00:00', 'accepted'),"
        " ('g2', 't', '1.0', 'b.py', 'file', '2026-11-01T10:00:00+00:00', 'rejected')",
    )
    with Store(path) as migrated:
        assert migrated.schema_version == SCHEMA_VERSION
        assert migrated.success_rates() == [
            {
                "template_id": "t",
                "version": "1.0",
                "decided": 2,
                "accepted": 1,
                "rejected": 1,
                "undecided": 0,
                "rate": 0.5,
                "edited": 0,
                "edit_rate": 0.0,
            },
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
    path = shared_folder / "scion.db"
    Store(path).close()
    for leftover in shared_folder.glob("scion.db-*"):
        leftover.unlink()
    path.chmod(0o444 if locked == "file" else 0o644)
    shared_folder.chmod(0o555 if locked == "folder" else 0o755)
    try:
        if os.geteuid() == 0:
            assert _refused_as_unprivileged_user(path)
            return
        with pytest.raises(StoreError, match="read-only") as raised:
            Store(path)
        assert str(path) in str(raised.value)
    finally:
        shared_folder.chmod(0o755)
        path.chmod(0o644)


# -- generations ---------------------------------------------------------------------------


def test_generation_round_trip(store):
    generation_id = generate(
        store,
        answers={"class_name": "Order", "frozen": True, "fields": ["id", "name"]},
        answer_sources={"class_name": "context", "frozen": "user"},
        rendered_text="class Order: ...\n",
        region={"start": [3, 0], "end": [9, 0]},
        instance_id="laptop-of-ann",
    )
    row = store.get_generation(generation_id)
    assert row["answers"] == {"class_name": "Order", "frozen": True, "fields": ["id", "name"]}
    assert row["answer_sources"] == {"class_name": "context", "frozen": "user"}
    assert row["region"] == {"start": [3, 0], "end": [9, 0]}
    assert row["rendered_sha"] == hashlib.sha256(b"class Order: ...\n").hexdigest()
    assert row["created_at"] == "2026-11-01T09:00:00.000000+00:00"
    assert row["status"] == "applied" and row["checkpoints"] == []
    assert store.generations_for_file("order.py")[0]["id"] == generation_id
    assert row["instance_id"] == "laptop-of-ann"
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
    with pytest.raises(ValueError, match="cannot go from"):
        store.update_generation(generation_id, status="offered")
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


# -- success statistics -------------------------------------------------------------------


def decided(store: Store, verdict: str, **kw) -> str:
    generation_id = generate(store, **kw)
    store.decide(generation_id, verdict)
    return generation_id


def test_success_rates_per_version_and_per_template(store):
    for verdict in ["accepted", "accepted", "accepted", "rejected"]:
        decided(store, verdict, version="1.0.0")
    decided(store, "rejected", version="1.1.0")
    generate(store, version="1.1.0")  # applied, not decided yet
    generate(store, template="python/pytest-module", version="1.0.0", status="offered")
    assert store.success_rates() == [
        {
            "template_id": "python/dataclass",
            "version": "1.0.0",
            "decided": 4,
            "accepted": 3,
            "rejected": 1,
            "undecided": 0,
            "rate": 0.75,
            "edited": 0,
            "edit_rate": 0.0,
        },
        {
            "template_id": "python/dataclass",
            "version": "1.1.0",
            "decided": 1,
            "accepted": 0,
            "rejected": 1,
            "undecided": 1,
            "rate": 0.0,
            "edited": 0,
            "edit_rate": None,
        },
        {
            "template_id": "python/pytest-module",
            "version": "1.0.0",
            "decided": 0,
            "accepted": 0,
            "rejected": 0,
            "undecided": 0,
            "rate": None,
            "edited": 0,
            "edit_rate": None,
        },
    ]
    assert store.success_by_template()[0] == {
        "template_id": "python/dataclass",
        "decided": 5,
        "accepted": 3,
        "rejected": 2,
        "undecided": 1,
        "rate": 0.6,
    }
    assert store.success_of("python/dataclass", "1.0.0")["rate"] == 0.75
    assert store.success_of("unknown/template") == {
        "decided": 0,
        "accepted": 0,
        "rejected": 0,
        "undecided": 0,
        "rate": None,
    }


def test_overruled_verdicts_and_edited_rows_move_their_counts(store):
    generation_id = decided(store, "accepted")
    store.set_status(generation_id, "rejected")
    assert store.success_of("python/dataclass")["accepted"] == 0
    store.update_generation(generation_id, template_version="2.0.0")
    assert [(r["version"], r["rejected"]) for r in store.success_rates()] == [("2.0.0", 1)]


def test_bulk_import_counts_like_single_records(store):
    rows = [
        {
            "template_id": "t",
            "template_version": "1",
            "file_path": f"f{i}.py",
            "mode": "file",
            "answers": {"i": i},
            "status": "accepted" if i % 4 else "rejected",
            "created_at": START,
        }
        for i in range(100)
    ]
    assert store.import_generations(rows) == 100
    assert store.success_of("t") == {"decided": 100, "accepted": 75, "rejected": 25, "undecided": 0, "rate": 0.75}
    assert store.generations_for_file("f7.py")[0]["answers"] == {"i": 7}


# Every way a generation's counted fields can change, as (status moves, version edits).
_histories = st.lists(
    st.tuples(
        st.sampled_from(["offered", "applied"]),
        st.lists(st.sampled_from(["applied", "pending", "accepted", "rejected", "cancelled"]), max_size=4),
        st.sampled_from(["1.0", "1.1", None]),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=_histories)
def test_totals_always_match_a_recount(histories):
    with Store() as fresh:
        for start, moves, new_version in histories:
            generation_id = fresh.record_generation("t", "1.0", "a.py", "file", {}, status=start)
            for move in moves:
                try:
                    fresh.set_status(generation_id, move)
                except ValueError:
                    pass  # an impossible move changes nothing
            if new_version:
                fresh.update_generation(generation_id, template_version=new_version)
        rows = [fresh.get_generation(g["id"]) for g in fresh.generations_for_file("a.py")]
        expected = {}
        for row in rows:
            counts = expected.setdefault(row["template_version"], {"accepted": 0, "rejected": 0, "undecided": 0})
            if row["status"] in ("accepted", "rejected"):
                counts[row["status"]] += 1
            elif row["status"] in ("applied", "pending"):
                counts["undecided"] += 1
        assert {
            r["version"]: {"accepted": r["accepted"], "rejected": r["rejected"], "undecided": r["undecided"]}
            for r in fresh.success_rates()
        } == expected


def test_success_over_time_by_day_week_and_month(store):
    days = ["2026-11-02", "2026-11-02", "2026-11-03", "2026-11-10", "2026-12-01"]
    for day, verdict in zip(days, ["accepted", "rejected", "accepted", "accepted", "rejected"], strict=False):
        decided(store, verdict, created_at=f"{day}T12:00:00+00:00")
    by_day = store.success_over_time("python/dataclass")
    assert [(r["period"], r["decided"], r["rate"]) for r in by_day] == [
        ("2026-11-02", 2, 0.5),
        ("2026-11-03", 1, 1.0),
        ("2026-11-10", 1, 1.0),
        ("2026-12-01", 1, 0.0),
    ]
    by_week = store.success_over_time("python/dataclass", "1.0.0", bucket="week")
    assert [(r["period"], r["decided"]) for r in by_week] == [
        ("2026-11-02", 3),
        ("2026-11-09", 1),
        ("2026-11-30", 1),
    ]
    by_month = store.success_over_time("python/dataclass", bucket="month")
    assert [(r["period"], r["accepted"]) for r in by_month] == [("2026-11", 3), ("2026-12", 0)]
    with pytest.raises(ValueError):
        store.success_over_time("python/dataclass", bucket="hour")


def test_success_by_answer_value_keeps_json_types_apart(store):
    decided(store, "accepted", answers={"frozen": True, "slots": 1})
    decided(store, "accepted", answers={"frozen": True, "slots": "1"})
    decided(store, "rejected", answers={"frozen": False, "slots": 1})
    decided(store, "rejected", answers={"frozen": False, "fields": ["id", "name"]})
    generate(store, answers={"frozen": False})  # undecided: not evidence
    rows = store.success_by_answer("python/dataclass")
    assert rows == [
        {"question": "fields", "value": ["id", "name"], "decided": 1, "accepted": 0, "rate": 0.0},
        {"question": "frozen", "value": False, "decided": 2, "accepted": 0, "rate": 0.0},
        {"question": "frozen", "value": True, "decided": 2, "accepted": 2, "rate": 1.0},
        {"question": "slots", "value": 1, "decided": 2, "accepted": 1, "rate": 0.5},
        {"question": "slots", "value": "1", "decided": 1, "accepted": 1, "rate": 1.0},
    ]
    assert store.success_by_answer("python/dataclass", version="9.9.9") == []


def test_learned_default_is_the_most_kept_answer_with_a_count_based_confidence(store):
    assert store.learned_default("python/dataclass", "base") is None
    for base in ["BaseModel", "BaseModel", "object"]:
        decided(store, "accepted", answers={"base": base})
    for _ in range(5):
        decided(store, "rejected", answers={"base": "object"})  # rejected answers are not kept
    value, kept, total, few = store.learned_default("python/dataclass", "base")
    assert (value, kept, total) == ("BaseModel", 2, 3)
    assert 0.0 < few < 2 / 3
    for _ in range(60):
        decided(store, "accepted", answers={"base": "BaseModel"})
    value, kept, total, many = store.learned_default("python/dataclass", "base")
    assert (value, kept, total) == ("BaseModel", 62, 63)
    assert few < many < 62 / 63 and many > 0.9


def test_wilson_lower_bound_grows_with_evidence():
    from server.store.stats import wilson_lower_bound

    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(90, 100) < 0.9
    assert wilson_lower_bound(0, 10) == 0.0
    assert abs(wilson_lower_bound(50, 100) - 0.4038) < 1e-3


# -- learned tasks -------------------------------------------------------------------------

TASK = "python/dataclass:class_name"


def test_executions_and_kept_rates(store):
    for index, producer in enumerate(["llm", "user", "code", "code", "learned_default"]):
        store.record_execution(
            TASK,
            {"stem": f"file{index}"},
            f"File{index}",
            producer,
            generation_id=f"g{index}",
            confidence=0.5 if producer == "code" else None,
        )
    store.record_execution("other:task", {}, "x", "default", generation_id="g0")
    assert store.mark_execution_kept("g0", TASK, True) == 1
    assert store.mark_execution_kept("g2", None, True) == 1
    store.mark_execution_kept("g3", TASK, False)
    stats = store.task_stats(TASK)
    assert stats == {
        "task": TASK,
        "stage": "llm_only",
        "executions": 5,
        "known": 3,
        "kept": 2,
        "kept_rate": 2 / 3,
        "code_executions": 2,
        "code_kept": 1,
        "code_kept_rate": 0.5,
    }
    assert store.task_stats(TASK, window=2)["executions"] == 2
    assert store.task_stats("never:seen")["kept_rate"] is None
    recent = store.executions(TASK, limit=2)
    assert [e["answer"] for e in recent] == ["File3", "File4"]
    assert recent[0]["kept"] is False and recent[1]["kept"] is None
    assert [e["features"] for e in store.executions(TASK, kept=True)] == [{"stem": "file0"}, {"stem": "file2"}]
    assert store.tasks() == ["other:task", TASK]
    with pytest.raises(ValueError, match="producer"):
        store.record_execution(TASK, {}, "x", "oracle")


def test_stages_record_their_transitions(store):
    assert store.get_stage(TASK) == "llm_only"
    assert store.set_stage(TASK, "hybrid", "120 executions, 94% kept") is True
    assert store.set_stage(TASK, "hybrid", "again") is False
    store.set_stage(TASK, "llm_only", "kept rate fell to 70%")
    assert store.get_stage(TASK) == "llm_only"
    assert [(t["from_stage"], t["to_stage"], t["reason"]) for t in store.transitions(TASK)] == [
        ("llm_only", "hybrid", "120 executions, 94% kept"),
        ("hybrid", "llm_only", "kept rate fell to 70%"),
    ]
    assert store.task_stats(TASK)["stage"] == "llm_only"
    with pytest.raises(ValueError, match="stage"):
        store.set_stage(TASK, "expert", "")


def test_programs_are_versioned_and_one_is_active(store):
    assert store.active_program(TASK) is None
    first = store.save_program(
        TASK, "def answer(ctx):\n    return pascal(ctx['stem'])\n", {"method": "synthesis", "examples": 12}, 0.95
    )
    second = store.save_program(TASK, "def answer(ctx):\n    return ctx['stem']\n", {"method": "llm"}, 0.9)
    assert (first, second) == (1, 2)
    assert store.active_program(TASK)["version"] == 2
    assert store.active_program(TASK)["provenance"] == {"method": "llm"}
    store.activate_program(TASK, 1)
    assert [(p["version"], p["active"]) for p in store.programs(TASK)] == [(1, True), (2, False)]
    store.save_program(TASK, "candidate", {}, 0.5, activate=False)
    assert store.active_program(TASK)["version"] == 1
    store.activate_program(TASK, None)
    assert store.active_program(TASK) is None
    with pytest.raises(KeyError):
        store.activate_program(TASK, 7)
    assert store.save_program("other:task", "x", {}, None) == 1


# -- upgrades ------------------------------------------------------------------------------


def test_dismissals(store):
    assert not store.is_dismissed("src/order.py", "python/dataclass", "1.1.0")
    store.add_dismissal("src/order.py", "python/dataclass", "1.1.0")
    store.add_dismissal("src/order.py", "python/dataclass", "1.1.0")
    assert store.is_dismissed("src/order.py", "python/dataclass", "1.1.0")
    assert not store.is_dismissed("src/order.py", "python/dataclass", "1.2.0")
    assert not store.is_dismissed("src/user.py", "python/dataclass", "1.1.0")
    assert len(store.dismissals("src/order.py")) == 1


def test_upgrades_and_deployments(store):
    store.record_upgrade("src/order.py", "python/dataclass", "1.0.0", "1.1.0", conflicts=2)
    store.record_upgrade("src/user.py", "python/dataclass", "1.0.0", "1.1.0")
    assert [u["conflicts"] for u in store.upgrades(file_path="src/order.py")] == [2]
    assert len(store.upgrades(template_id="python/dataclass")) == 2
    store.record_deployment(
        "python/dataclass", "1.2.0", "1.1.0", "Folds in the common edit: slots=True", {"decided": 40, "rate": 0.55}
    )
    store.mark_rolled_back("python/dataclass", "1.2.0")
    (deployment,) = store.deployments("python/dataclass")
    assert deployment["evidence"] == {"decided": 40, "rate": 0.55} and deployment["rolled_back"] is True
    with pytest.raises(KeyError):
        store.mark_rolled_back("python/dataclass", "9.9.9")


# -- threads -------------------------------------------------------------------------------


def test_concurrent_writes_from_threads(tmp_path):
    with Store(tmp_path / "scion.db") as shared:
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for index in range(50):
                    generation_id = generate(shared, answers={"n": index}, file_path=f"w{worker}.py")
                    shared.add_event(generation_id, "applied")
                    shared.decide(generation_id, "accepted" if index % 2 else "rejected")
                    shared.record_execution(TASK, {"worker": worker}, index, "user", generation_id=generation_id)
                    shared.success_rates()
            except BaseException as error:  # collected, so the test fails with the cause
                errors.append(error)

        threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert shared.success_of("python/dataclass") == {
            "decided": 400,
            "accepted": 200,
            "rejected": 200,
            "undecided": 0,
            "rate": 0.5,
        }
        assert shared.task_stats(TASK)["executions"] == 400
        assert len(shared.generations_for_file("w3.py")) == 50


def test_a_url_is_refused_instead_of_becoming_a_file_named_after_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError) as refused:
        Store("postgresql://bob:secret@db.example/scion")
    assert "postgresql://db.example/scion is a URL" in str(refused.value)
    assert "secret" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_the_edit_rate_counts_kept_generations_whose_users_changed_the_code(store):
    kept_as_is = generate(store, version="1.0.0", rendered_text="rendered text")
    store.decide(kept_as_is, "accepted", 1.0, "rendered text\n")
    edited = generate(store, version="1.0.0", rendered_text="rendered text")
    store.decide(edited, "accepted", 0.8, "rendered text, edited")
    rejected = generate(store, version="1.0.0")
    store.decide(rejected, "rejected", 0.0, "")
    [row] = store.success_rates()
    assert (row["accepted"], row["edited"], row["edit_rate"]) == (2, 1, 0.5)

    store.decide(edited, "rejected", 0.1, "")  # a verdict overruled moves the count
    [row] = store.success_rates()
    assert (row["accepted"], row["edited"], row["edit_rate"]) == (1, 0, 0.0)


def test_a_database_at_version_3_gets_the_hub_tables_and_keeps_its_edit_totals(tmp_path):
    path = tmp_path / "scion.db"
    old_database(  # version 3: edit totals and trials, before the team hub
        path,
        3,
        "INSERT INTO generations (id, template_id, template_version, file_path, mode, created_at, status,"
        " rendered_text, retained_text, instance_id)"
        " VALUES ('g1', 't', '1.0', 'a.py', 'file', '2026-11-01T09:00:00+00:00', 'accepted', 'x = 1\n', 'x = 2\n',"
        " 'g1')",
    )
    with Store(path) as migrated:
        assert migrated.schema_version == SCHEMA_VERSION == 5
        assert migrated._scalar("SELECT n FROM kept_edit_totals WHERE template_id = 't'") == 1
        assert migrated.get_generation("g1")["instance_id"] is None  # it held the generation's own id
        assert migrated.outbox_size() == 0 and migrated.hub_state("team") is None


def test_a_database_at_version_4_keeps_its_teammates_generations_as_shared_with_their_code(tmp_path):
    path = tmp_path / "scion.db"
    old_database(  # version 4: the team hub, before every decision counted the team's evidence
        path,
        4,
        "INSERT INTO team_generations (origin, id, template_id, template_version, status, rendered_text,"
        " retained_text, created_at) VALUES ('bob', 'g1', 't', '1.0', 'accepted', 'x = 1\n', 'x = 2\n',"
        " '2026-11-01T09:00:00+00:00')",
    )
    with Store(path) as migrated:
        assert migrated.team_generation_totals() == {("t", "1.0"): (1, 0, 1)}  # pulled with code: edited counts
        assert migrated.team_arm_counts("t", "1.0", "2026-11-01") == (1, 1)
