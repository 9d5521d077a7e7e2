"""`scion hub ...` as users run it: a real process, a real hub."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from server.hub.admin import add_member
from server.hub.schema import SCHEMA_VERSION
from server.hub.sync import HubLink
from server.store import Store
from server.store.outbox import Sharing
from tests.conftest import scion_process
from tests.hub.conftest import member_url
from tests.hub.test_sync import teach


def scion(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return scion_process(*args, cwd=cwd, env={"SCION_INSTANCE_ID": "cli-ann", **(env or {})}, timeout=120)


def test_init_add_member_generate_status_and_sync(hub_db, workspace):
    init = scion("hub", "init", hub_db, cwd=workspace)
    assert (
        init.returncode == 0
        and f"hub schema at version {SCHEMA_VERSION} ({SCHEMA_VERSION} migration(s) applied)" in init.stdout
    )
    member = scion("hub", "add-member", "ann", "--team", "shop", "--hub", hub_db, cwd=workspace)
    assert member.returncode == 0, member.stderr
    ann = {"SCION_HUB_URL": member_url(hub_db, "ann")}

    made = scion("generate", "python/dataclass", "--path", "order.py", "--defaults", cwd=workspace, env=ann)
    assert made.returncode == 0, made.stderr
    before = json.loads(scion("hub", "status", "--json", cwd=workspace, env=ann).stdout)
    assert before["reachable"] and before["team"] == "shop" and before["backlog"] == 1
    assert before["lastSync"] is None

    synced = scion("hub", "sync", cwd=workspace, env=ann)
    assert synced.returncode == 0, synced.stderr
    assert "pushed 1" in synced.stdout and not synced.stderr  # progress only on a terminal
    after = json.loads(scion("hub", "status", "--json", cwd=workspace, env=ann).stdout)
    assert after["backlog"] == 0 and after["lastSync"] and after["teamSize"] == 1


def test_an_unreachable_hub_is_an_answer_not_a_traceback(workspace):
    down = scion("hub", "status", "--hub", "postgresql://ann:pw@127.0.0.1:1/hub", cwd=workspace)
    assert down.returncode == 1 and "reachable  no: the hub cannot be reached" in down.stdout
    assert "pw@" not in down.stdout
    unset = scion("hub", "sync", cwd=workspace, env={"SCION_HUB_URL": ""})
    assert unset.returncode == 2 and unset.stderr.startswith("error: no hub configured")
    assert "Traceback" not in unset.stderr + down.stderr


def test_stats_show_the_team_beside_this_workspace(hub, workspace, tmp_path):
    add_member(hub, "ann", "shop")
    add_member(hub, "bob", "shop")
    with Store(tmp_path / "bob.db") as bob:
        bob.sharing = Sharing("bob-laptop")
        for number, verdict in enumerate(["accepted", "accepted", "accepted", "rejected"]):
            teach(bob, f"b{number}", f"file{number}", "Name", verdict)
        HubLink(member_url(hub, "bob"), "bob-laptop").sync(bob)
    with Store(workspace / ".scion" / "scion.db") as mine:
        mine.sharing = Sharing("cli-ann")
        teach(mine, "a0", "order", "OrderModel")
    assert "No team numbers yet" in scion("stats", "--hub", cwd=workspace).stdout
    assert scion("hub", "sync", cwd=workspace, env={"SCION_HUB_URL": member_url(hub, "ann")}).returncode == 0

    shown = scion("stats", "--hub", cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    side_by_side = shown.stdout.split("Here and in team shop (last sync ")[1].splitlines()
    assert side_by_side[3].split() == ["python/dataclass", "1.0.0", "1", "100%", "5", "80%", "2"]
    team = json.loads(scion("stats", "--hub", "--json", cwd=workspace).stdout)["team"]
    assert team["team"] == "shop" and team["versions"][0]["teamDecided"] == 5
    assert scion("stats", "--hub", "--html", str(tmp_path / "report.html"), cwd=workspace).returncode == 0
    report = (tmp_path / "report.html").read_text()
    assert "<h2>Here and in team shop</h2>" in report and "Decided by the team" in report
