"""The hub's schema on a real PostgreSQL: init, members, row-level security, migrations."""

from __future__ import annotations

import psycopg
import pytest

from server.common.errors import HubError
from server.hub.admin import add_member, init_hub, schema_version
from server.hub.client import connected
from server.hub.schema import SCHEMA_VERSION
from tests.hub.conftest import member_url


def generation_entry(outbox_id: int, generation_id: str, status: str = "accepted") -> dict:
    payload = {"id": generation_id, "template_id": "python/dataclass", "template_version": "1.0.0", "status": status}
    return {"id": outbox_id, "kind": "generation", "key": generation_id, "payload": payload}


def test_init_creates_the_schema_once(hub_db):
    first = init_hub(hub_db)
    assert (first.before, first.after) == (0, SCHEMA_VERSION)
    again = init_hub(hub_db)
    assert again.applied == 0
    with psycopg.connect(hub_db) as conn:
        assert schema_version(conn) == SCHEMA_VERSION


def test_a_forged_row_for_another_instance_is_refused(hub):
    add_member(hub, "ann", "shop")
    add_member(hub, "bob", "shop")
    with connected(member_url(hub, "bob"), "bob-laptop") as bob:
        bob.push([generation_entry(1, "g-bob")])
    with connected(member_url(hub, "ann"), "ann-laptop") as ann, pytest.raises(HubError, match="may not write"):
        _forge(ann)
    # Claiming bob's instance id under ann's login is refused too.
    with pytest.raises(HubError, match="may not write"):
        connected(member_url(hub, "ann"), "bob-laptop")
    with psycopg.connect(hub) as conn:
        rows = conn.execute("SELECT instance_id, generation_id FROM scion_hub.generations").fetchall()
    assert rows == [("bob-laptop", "g-bob")]


def _forge(client) -> None:
    from server.hub.connection import translated

    with translated(client.url), client.conn.transaction():
        client.conn.execute(
            "INSERT INTO scion_hub.generations (team, instance_id, generation_id, revision, template_id,"
            " template_version, status, data) VALUES ('shop', 'bob-laptop', 'forged', 1, 't', '1', 'accepted', '{}')"
        )


def test_a_member_reads_only_its_own_teams_data(hub):
    add_member(hub, "ann", "shop")
    add_member(hub, "eve", "bank")
    with connected(member_url(hub, "ann"), "ann-laptop") as ann:
        ann.push([generation_entry(1, "g-ann"), generation_entry(2, "g-ann-2", "rejected")])
        assert ann.pull(0).rates == [("python/dataclass", "1.0.0", 1, 1, 1)]
    with connected(member_url(hub, "eve"), "eve-laptop") as eve:
        assert eve.conn.execute("SELECT count(*) FROM scion_hub.generations").fetchone() == (0,)
        assert eve.pull(0).rates == []
        assert eve.team_size() == 1  # eve's own instance, not ann's
        # Naming another team in a row does not get it in either.
        with pytest.raises(HubError, match="may not write"):
            _forge_into_team(eve)
    with psycopg.connect(hub) as conn:  # the administrator sees both teams' rows; eve wrote none
        assert conn.execute("SELECT count(*) FROM scion_hub.generations").fetchone() == (2,)


def _forge_into_team(client) -> None:
    from server.hub.connection import translated

    with translated(client.url), client.conn.transaction():
        client.conn.execute(
            "INSERT INTO scion_hub.generations (team, instance_id, generation_id, revision, template_id,"
            " template_version, status, data) VALUES ('shop', 'eve-laptop', 'x', 1, 't', '1', 'accepted', '{}')"
        )


def test_a_login_outside_every_team_is_told_what_to_do(hub, pg_cluster):
    with psycopg.connect(hub, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE stranger LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute("GRANT scion_member TO stranger")
    with pytest.raises(HubError, match="not a member of any team"):
        connected(member_url(hub, "stranger"), "stranger-pc")


def test_migration_from_the_previous_schema_version_keeps_the_data(hub_db):
    assert init_hub(hub_db, upto=SCHEMA_VERSION - 1).after == SCHEMA_VERSION - 1
    add_member(hub_db, "ann", "shop")
    with psycopg.connect(member_url(hub_db, "ann")) as conn:
        conn.execute("INSERT INTO scion_hub.instances (instance_id, team) VALUES ('ann-laptop', 'shop')")
        conn.execute(
            "INSERT INTO scion_hub.generations (team, instance_id, generation_id, revision, template_id,"
            " template_version, status, data) VALUES ('shop', 'ann-laptop', 'old', 1, 't', '1', 'accepted', '{}')"
        )
    with pytest.raises(HubError, match="run `scion hub init URL`"):
        connected(member_url(hub_db, "ann"), "ann-laptop")
    report = init_hub(hub_db)
    assert (report.before, report.after) == (SCHEMA_VERSION - 1, SCHEMA_VERSION)
    with connected(member_url(hub_db, "ann"), "ann-laptop") as ann:
        assert ann.pull(0).rates == [("t", "1", 1, 0, 1)]
        ann.push(
            [
                {
                    "id": 2,
                    "kind": "execution",
                    "key": "old:t:q",
                    "payload": {"generation_id": "old", "task": "t:q", "kept": True, "answer": "X"},
                }
            ]
        )
        assert ann.conn.execute("SELECT count(*) FROM scion_hub.executions").fetchone() == (1,)
        assert ann.pull_programs(0) == []  # the newest version's table is there and readable


def test_add_member_needs_an_initialised_hub(hub_db):
    with pytest.raises(HubError, match="scion hub init"):
        add_member(hub_db, "ann", "shop")


def test_an_unreachable_hub_is_one_line_without_the_password():
    with pytest.raises(HubError) as refused:
        connected("postgresql://ann:s3cret@127.0.0.1:1/hub", "x")
    assert "cannot be reached" in str(refused.value) and "s3cret" not in str(refused.value)
