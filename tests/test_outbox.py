"""The local half of the team hub: migration 3, the instance id, and the outbox written with each local write."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from server.common.instance import ENV, instance_id
from server.store import Store
from server.store.outbox import Sharing
from tests.conftest import old_database
from tests.support.outbox import pending


def record(store: Store, generation_id: str = "g1", path: str = "/ws/src/shop/order.py") -> str:
    return store.record_generation(
        "python/dataclass",
        "1.0.0",
        path,
        "insert",
        {"class_name": "Order"},
        answer_sources={"class_name": "user"},
        rendered_text="class Order: ...\n",
        instance_id="laptop-of-ann",
        status="applied",
        generation_id=generation_id,
    )


def test_migration_3_forgets_the_instance_ids_that_were_generation_ids(tmp_path):
    path = tmp_path / "scion.db"
    old_database(
        path,
        2,
        "INSERT INTO generations (id, template_id, template_version, file_path, mode, created_at, status, instance_id)"
        " VALUES ('g1', 't', '1.0', 'a.py', 'file', '2026-11-01T09:00:00+00:00', 'accepted', 'g1')",
    )
    with Store(path) as store:
        row = store.get_generation("g1")
        assert row["instance_id"] is None and row["status"] == "accepted"
        assert store.outbox_size() == 0


def test_nothing_is_queued_without_a_hub(tmp_path):
    with Store(tmp_path / "scion.db") as store:
        record(store)
        store.decide("g1", "accepted", 0.9, "class Order: ...\n")
        assert store.outbox_size() == 0


@pytest.mark.parametrize(
    ("level", "has_answers", "has_code"), [("stats", False, False), ("answers", True, False), ("code", True, True)]
)
def test_the_share_level_decides_what_a_payload_holds(tmp_path, level, has_answers, has_code):
    with Store(tmp_path / "scion.db") as store:
        store.sharing = Sharing("laptop-of-ann", level, Path("/ws"))
        record(store)
        store.record_execution(
            "python/dataclass:class_name",
            {"path": "/ws/src/shop/order.py", "stem": "order"},
            "Order",
            "user",
            generation_id="g1",
        )
        store.decide("g1", "accepted", 0.9, "class Order: ...\n")
        store.mark_execution_kept("g1", None, True)
        entries = pending(store)
    kinds = [entry["kind"] for entry in entries]
    assert kinds == (
        ["generation", "execution"] if has_answers else ["generation"]
    )  # the generation once: its latest state
    generation = entries[0]["payload"]
    assert generation["status"] == "accepted" and generation["quality_score"] == 0.9
    assert ("answers" in generation) is has_answers and ("rendered_text" in generation) is has_code
    if has_answers:
        assert generation["file_path"] == "src/shop/order.py"  # relative to the workspace
        execution = entries[1]["payload"]
        assert execution["features"] == {"stem": "order"}  # the absolute path stays here
        assert execution["answer"] == "Order" and execution["kept"] is True


def test_a_failed_local_write_queues_nothing(tmp_path):
    with Store(tmp_path / "scion.db") as store:
        store.sharing = Sharing("laptop-of-ann")
        with pytest.raises(RuntimeError), store.unit():
            record(store)
            raise RuntimeError("the generation's files could not be written")
        assert store.outbox_size() == 0 and store.get_generation("g1") is None


def test_acknowledged_entries_leave_and_ids_never_repeat(tmp_path):
    with Store(tmp_path / "scion.db") as store:
        store.sharing = Sharing("laptop-of-ann")
        record(store, "g1")
        (first,) = pending(store)
        store.acknowledge_through(first["id"])
        record(store, "g2")
        (second,) = pending(store)
        assert second["id"] > first["id"]


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_slice_is_the_oldest_entries_as_one_json_array_read_apart(tmp_path, on_disk):
    """What the sync pushes: the oldest entries, payloads as objects, as text SQLite made (on disk: on its second
    connection)."""
    with Store(tmp_path / "scion.db" if on_disk else ":memory:") as store:
        store.sharing = Sharing("laptop-of-ann")
        for number in range(5):
            record(store, f"g{number}")
        part = store.outbox_slice(limit=3)
        assert part is not None and part.count == 3
        entries = json.loads(part.entries_json)
        assert [entry["key"] for entry in entries] == ["g0", "g1", "g2"] and part.last_id == entries[-1]["id"]
        assert all(entry["kind"] == "generation" and entry["payload"]["id"] == entry["key"] for entry in entries)
        if on_disk:  # another thread holds the store's lock (a long write): the slice is read all the same
            held, release, read = threading.Event(), threading.Event(), []

            def writer() -> None:
                with store._lock:
                    held.set()
                    release.wait(30)

            holder = threading.Thread(target=writer)
            holder.start()
            held.wait()
            reader = threading.Thread(target=lambda: read.append(store.outbox_slice(limit=1)))
            reader.start()
            reader.join(10)
            finished_while_held = not reader.is_alive()
            release.set()
            holder.join()
            reader.join()
            assert finished_while_held and read[0] is not None and read[0].count == 1


def test_acknowledging_a_slice_keeps_what_was_written_after_it(tmp_path):
    with Store(tmp_path / "scion.db") as store:
        store.sharing = Sharing("laptop-of-ann")
        record(store, "g1")
        record(store, "g2")
        part = store.outbox_slice()
        assert part is not None and part.count == 2
        store.decide("g1", "accepted")  # g1's next state, written while the slice was on its way
        store.acknowledge_through(part.last_id)
        left = pending(store)
        assert [(entry["key"], entry["payload"]["status"]) for entry in left] == [("g1", "accepted")]
        store.acknowledge_through(left[0]["id"])
        assert store.outbox_slice() is None and store.outbox_size() == 0


def test_the_instance_id_is_stable_and_can_be_set(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv(ENV, raising=False)
    instance_id.cache_clear()
    try:
        made = instance_id()
        instance_id.cache_clear()
        assert instance_id() == made and len(made) == 32
        assert (tmp_path / "scion" / "instance-id").read_text().strip() == made
        monkeypatch.setenv(ENV, "ci-runner-7")
        instance_id.cache_clear()
        assert instance_id() == "ci-runner-7"
    finally:
        instance_id.cache_clear()


def test_the_team_default_wins_when_more_generations_stand_behind_it(tmp_path):
    from types import SimpleNamespace

    from server.generation.answering import providers_for

    template = SimpleNamespace(id="python/dataclass")
    question = SimpleNamespace(name="class_name", secret=False)
    with Store(tmp_path / "scion.db") as store:
        record(store)
        store.decide("g1", "accepted")
        provide = providers_for(store, template).learned_default
        assert provide(template, question, {}, {}).value == "Order"  # only local evidence
        store.replace_team_stats([], [("python/dataclass", "class_name", '"OrderModel"', 8, 10)])
        provide = providers_for(store, template).learned_default  # one per generation: it caches what it found
        team = provide(template, question, {}, {})
        assert (team.value, team.source) == ("OrderModel", "learned_default")
        assert provide(template, SimpleNamespace(name="secret", secret=True), {}, {}) is None
