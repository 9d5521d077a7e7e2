"""Two developers, two real servers over stdio (each with its own workspace and SQLite file), one hub.

Ann names her dataclasses pascal(stem) + "Model" whenever she is asked. Bob
never taught his server anything: once Ann's kept answers reach the hub, Bob's
server pulls them (NOTIFY, else polling), its evolution engine learns the
convention from the team's evidence, and Bob's next dataclass is named by it
without a question.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import yaml
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from server.hub.admin import add_member
from server.hub.client import connected
from server.store import Store
from server.templates.catalog import BUILTIN_ROOT
from tests.e2e.conftest import FAST_TRACKING, initialize_params
from tests.e2e.editor import Editor
from tests.e2e.test_evolution import MODULE, TASK, TRAINING, generate_with_convention, status_of
from tests.hub.conftest import member_url
from tests.support.answers import DATACLASS_ANSWERS
from tests.support.client_compat import fix_code_action_union

LEARNING = {"debounce": 0.2, "minExecutions": 4, "minKeptRate": 0.75}


def options(hub_url: str) -> dict:
    return {
        "ask": True,
        "scion": {
            "tracking": FAST_TRACKING,
            "evolution": LEARNING,
            "hub": {"url": hub_url, "pollInterval": 1.0},
        },
    }


async def start_editor(workspace: Path, instance: str, hub_url: str) -> Editor:
    (workspace / ".scion").mkdir(parents=True)
    config = ClientServerConfig(
        server_command=[sys.executable, "-P", "-m", "server"],
        # Each developer has a user data folder of their own (instance id, installed templates).
        server_env={
            **os.environ,
            "SCION_INSTANCE_ID": instance,
            "XDG_DATA_HOME": str(workspace.parent / f"{instance}-data"),
        },
    )
    client = await config.start()
    fix_code_action_union(client.protocol._converter)
    editor = Editor(client, workspace)
    await client.initialize_session(initialize_params("visual_studio_code", workspace, options(hub_url)))
    return editor


@pytest.fixture
async def team(hub, tmp_path) -> AsyncIterator[Callable]:
    add_member(hub, "ann", "shop")
    add_member(hub, "bob", "shop")
    started: list[Editor] = []

    async def developer(name: str) -> Editor:
        editor = await start_editor(tmp_path / name, f"{name}-laptop", member_url(hub, name))
        started.append(editor)
        return editor

    yield developer
    for editor in started:
        await editor.client.shutdown_session()


def hub_state(editor: Editor) -> dict | None:
    return next((s["hub"] for s in reversed(editor.statuses) if "hub" in s), None)


async def task_stage(editor: Editor) -> str | None:
    status = await editor.command("scion.evolveStatus")
    return next((t["stage"] for t in status["tasks"] if t["task"] == TASK and t.get("program")), None)


async def test_a_convention_taught_in_one_workspace_is_answered_in_another(team):
    ann, bob = await team("ann"), await team("bob")
    await ann.wait_for(lambda: (hub_state(ann) or {}).get("state") == "connected", timeout=90)

    for rel in TRAINING[:4]:
        result, asked = await generate_with_convention(ann, rel)
        assert asked, "ann's own server had nothing to go on yet"
        generation_id = result["generationId"]
        await ann.wait_for(lambda gid=generation_id: status_of(ann.workspace, gid) == "accepted", timeout=90)

    deadline = asyncio.get_running_loop().time() + 180
    while await task_stage(bob) != "hybrid":
        assert asyncio.get_running_loop().time() < deadline, "bob's server never learned the team's convention"
        await asyncio.sleep(0.1)

    result, asked = await generate_with_convention(bob, "geo/map_tile.py")
    assert not asked, "bob was asked although the team had taught the answer"
    assert "class MapTileModel:" in bob.text(bob.uri("geo/map_tile.py"))
    with Store(bob.workspace / ".scion" / "scion.db") as store:
        generation = store.get_generation(result["generationId"])
        assert generation["answer_sources"]["class_name"] == "learned_program"
        assert generation["instance_id"] == "bob-laptop"
        team_evidence = [e for e in store.executions(TASK) if e["origin"] == "ann-laptop"]
    assert len(team_evidence) == 4 and all(e["kept"] for e in team_evidence)
    assert (hub_state(bob) or {}).get("teamSize") == 2
    assert bob.asked == []


async def test_an_unreachable_hub_is_a_state_and_never_a_failed_action(tmp_path):
    editor = await start_editor(tmp_path / "carol", "carol-laptop", "postgresql://carol:pw@127.0.0.1:1/hub")
    try:
        await editor.wait_for(lambda: (hub_state(editor) or {}).get("state") == "offline", timeout=90)
        editor.answer = lambda params: {q["name"]: q.get("default") for q in params["questions"]}
        uri = editor.open("shop/order.py", MODULE)
        result = await editor.generate(uri, "python/dataclass", line=2, answers=DATACLASS_ANSWERS)
        assert "class Order" in editor.text(uri) and result["generationId"]
        status = await editor.command("scion.hubStatus")
        assert status["state"] == "offline" and status["backlog"] >= 1
        assert "cannot be reached" in status["message"] and "pw@" not in status["message"]
        assert not [m for m in editor.messages if m.type == types.MessageType.Error]
    finally:
        await editor.client.shutdown_session()


async def test_a_template_version_the_team_deployed_is_offered_as_an_upgrade(team, hub):
    bob = await team("bob")
    uri = bob.open("shop/order.py", MODULE)
    bob.answer = lambda params: {q["name"]: q.get("default") for q in params["questions"]}
    await bob.generate(uri, "python/dataclass", line=2, answers=DATACLASS_ANSWERS)
    assert not upgrade_offers(bob, uri)

    # Ann's server evolved the template and deployed it to the team (what its sync does after `evolve`).
    source = BUILTIN_ROOT / "python" / "dataclass" / "1.1.0"
    files = {path.relative_to(source).as_posix(): path.read_text() for path in source.rglob("*") if path.is_file()}
    files["files/block.py.jinja"] = "# Shaped by the team's edits.\n" + files["files/block.py.jinja"]
    manifest = yaml.safe_load(files["template.yml"])
    manifest["changelog"]["1.2.0"] = "Evolved by Scion from the team's edits"
    files["template.yml"] = yaml.safe_dump(manifest, sort_keys=False)
    with connected(member_url(hub, "ann"), "ann-laptop") as ann:
        assert ann.publish_template("python/dataclass", "1.2.0", "1.1.0", "evolved", files) == "published"

    offers = await bob.wait_for(lambda: upgrade_offers(bob, uri), timeout=120)
    assert "1.2.0" in offers[0].message
    installed = Path(bob.workspace.parent, "bob-laptop-data", "scion", "templates", "python", "dataclass", "1.2.0")
    assert (installed / "template.yml").is_file()


def upgrade_offers(editor: Editor, uri: str) -> list:
    return [d for d in editor.diagnostics(uri) if d.code == "scion.upgrade"]
