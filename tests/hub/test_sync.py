"""Pushing and pulling against a real PostgreSQL: idempotent pushes, a hub that goes away, what comes back."""

from __future__ import annotations

import json
import os
import sys
import threading

import psycopg
import pytest

from server.common.errors import HubError
from server.hub.client import connected
from server.hub.sync import Backoff, HubLink
from server.store import Store
from server.store.outbox import Sharing
from tests.hub.conftest import member_url
from tests.support.outbox import pending

TASK = "python/dataclass:class_name"


def teach(store: Store, generation_id: str, stem: str, answer: str, verdict: str = "accepted") -> None:
    """One generation whose class name the user answered, decided as `verdict`."""
    store.record_generation(
        "python/dataclass",
        "1.0.0",
        f"/ws/{stem}.py",
        "insert",
        {"class_name": answer},
        answer_sources={"class_name": "user"},
        instance_id=store.sharing.instance_id,
        status="applied",
        generation_id=generation_id,
    )
    store.record_execution(TASK, {"stem": stem}, answer, "user", generation_id=generation_id)
    store.decide(generation_id, verdict)
    store.mark_execution_kept(generation_id, None, verdict == "accepted")


def hub_rows(admin_url: str, table: str) -> int:
    with psycopg.connect(admin_url) as conn:
        return conn.execute(f"SELECT count(*) FROM scion_hub.{table}".encode()).fetchone()[0]


def test_the_same_batch_pushed_twice_is_stored_once(team, tmp_path):
    with Store(tmp_path / "ann.db") as store, connected(member_url(team, "ann"), "ann-laptop") as ann:
        store.sharing = Sharing("ann-laptop")
        teach(store, "g1", "order", "OrderModel")
        teach(store, "g2", "user", "UserModel", "rejected")
        batch = pending(store)
        assert ann.push(batch) == [entry["id"] for entry in batch]
        ann.push(batch)
        assert hub_rows(team, "generations") == 2 and hub_rows(team, "executions") == 2
        # An older state arriving after a newer one changes nothing.
        store.acknowledge_through(batch[-1]["id"])
        store.decide("g2", "accepted")
        newer = pending(store)
        ann.push(newer)
        ann.push(batch)
    with psycopg.connect(team) as conn:
        assert conn.execute("SELECT status FROM scion_hub.generations WHERE generation_id = 'g2'").fetchone() == (
            "accepted",
        )


def test_a_slice_with_several_states_of_a_row_stores_the_newest(team, tmp_path):
    """The sync's path: SQLite's JSON array pushed as it is; one statement may touch a row once."""
    with Store(tmp_path / "ann.db") as store, connected(member_url(team, "ann"), "ann-laptop") as ann:
        store.sharing = Sharing("ann-laptop")
        teach(store, "g1", "order", "OrderModel", "rejected")
        part = store.outbox_slice()
        assert part is not None
        entries = json.loads(part.entries_json)
        newer = [dict(entry, id=entry["id"] + 100) for entry in entries]
        for entry in newer:
            entry["payload"] = dict(entry["payload"], status="accepted", kept=True)
        ann.push_json(json.dumps(newer + entries))  # the newer states first: order does not matter
        store.acknowledge_through(part.last_id)
        assert store.outbox_slice() is None
    with psycopg.connect(team) as conn:
        assert conn.execute("SELECT status, revision FROM scion_hub.generations").fetchall() == [
            ("accepted", newer[0]["id"])
        ]
        assert conn.execute("SELECT kept FROM scion_hub.executions").fetchall() == [(True,)]


def test_a_hub_that_stops_and_starts_again_loses_nothing(team, pg_cluster, tmp_path):
    link = HubLink(member_url(team, "ann"), "ann-laptop")
    with Store(tmp_path / "ann.db") as store:
        store.sharing = Sharing("ann-laptop")
        teach(store, "g1", "order", "OrderModel")
        assert link.sync(store).pushed == 2
        pg_cluster.pause()
        try:
            for number in range(2, 7):  # working offline: the local writes go on
                teach(store, f"g{number}", f"file{number}", f"File{number}Model")
            with pytest.raises(HubError, match="cannot be reached"):
                link.sync(store)
            assert store.outbox_size() == 10  # nothing was lost or half-taken
        finally:
            pg_cluster.resume()
        result = link.sync(store)
        link.close()
        assert (result.pushed, result.backlog) == (10, 0)
    assert hub_rows(team, "generations") == 6 and hub_rows(team, "executions") == 6


def test_teammates_answers_and_the_team_rates_come_back(team, tmp_path):
    with Store(tmp_path / "ann.db") as ann_store, Store(tmp_path / "bob.db") as bob_store:
        ann_store.sharing = Sharing("ann-laptop")
        bob_store.sharing = Sharing("bob-laptop")
        for number, stem in enumerate(["order", "user", "invoice"]):
            teach(ann_store, f"a{number}", stem, stem.title() + "Model")
        teach(bob_store, "b0", "cart", "Cart", "rejected")
        ann, bob = HubLink(member_url(team, "ann"), "ann-laptop"), HubLink(member_url(team, "bob"), "bob-laptop")
        ann.sync(ann_store)
        result = bob.sync(bob_store)
        assert (result.team, result.team_size, result.pulled) == ("shop", 2, 3)
        kept = bob_store.executions(TASK, kept=True)
        assert sorted(e["answer"] for e in kept) == ["InvoiceModel", "OrderModel", "UserModel"]
        assert bob_store.team_rates()[0] == {
            "template_id": "python/dataclass",
            "version": "1.0.0",
            "accepted": 3,
            "rejected": 1,
            "decided": 4,
            "instances": 2,
            "rate": 0.75,
        }
        assert bob_store.team_default("python/dataclass", "class_name")[1:3] == (1, 3)
        assert bob.sync(bob_store).pulled == 0  # pulled again, nothing changes
        assert bob_store.outbox_size() == 0  # teammates' rows are never pushed back
        ann.close()
        bob.close()


def test_backoff_doubles_up_to_its_ceiling_and_resets():
    backoff = Backoff(first=1, most=5)
    assert [backoff.failed() for _ in range(5)] == [1, 2, 4, 5, 5]
    backoff.succeeded()
    assert backoff.failed() == 1


@pytest.mark.skipif(sys.platform != "linux", reason="thread priorities by thread id are Linux's")
def test_the_servers_sync_thread_runs_niced_below_the_editors_requests():
    from server.features.hub import SYNC_NICENESS, _lower_priority

    seen: list[int] = []

    def in_the_sync_thread() -> None:
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        _lower_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) - before)

    thread = threading.Thread(target=in_the_sync_thread)
    thread.start()
    thread.join()
    process = os.getpriority(os.PRIO_PROCESS, 0)
    assert seen == [min(19, process + SYNC_NICENESS) - process]  # niceness stops at 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == os.getpriority(os.PRIO_PROCESS, 0)
