"""Acceptance tracking through the real server, with checkpoint windows of a fraction of a second.

The editor fixture's default options set the windows to [0.3, 0.6] s. Verdicts
are read from the workspace database, as the server recorded them.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from server.store import Store
from tests.e2e.conftest import CLIENTS, initialize_params
from tests.e2e.editor import Editor
from tests.support.client_compat import fix_code_action_union

MODULE = "import os\n\n\n"
SLOW = {"ask": True, "scion": {"tracking": {"checkpoints": [30, 60]}}}


def database(workspace: Path) -> Path:
    return workspace / ".scion" / "scion.db"


def generation(workspace: Path, generation_id: str) -> dict:
    with Store(database(workspace)) as store:
        row = store.get_generation(generation_id)
        row["events"] = store.events_for(generation_id)
        return row


async def verdict_of(workspace: Path, generation_id: str, timeout: float = 10.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = generation(workspace, generation_id)
        if row["status"] in ("accepted", "rejected"):
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"generation {generation_id} still {row['status']}")
        await asyncio.sleep(0.05)


def reason(row: dict) -> str:
    return next(e["data"]["reason"] for e in row["events"] if e["kind"] == "verdict")


async def generate_point(editor: Editor, rel: str = "src/models.py") -> tuple[str, str]:
    editor.write(rel, MODULE)
    uri = editor.open(rel)
    result = await editor.generate(
        uri, "python/dataclass", line=2, answers={"class_name": "Point", "fields": "x: int, y: int"}
    )
    return uri, result["generationId"]


def block_lines(editor: Editor, uri: str) -> tuple[int, int]:
    """First and last line of the generated block (it starts at line 2 of MODULE)."""
    lines = editor.text(uri).split("\n")
    last = max(i for i, line in enumerate(lines) if line.strip())
    return 2, last


async def test_kept_code_is_accepted_with_what_the_user_kept(editor):
    uri, generation_id = await generate_point(editor)
    assert generation(editor.workspace, generation_id)["status"] == "pending"
    _, last = block_lines(editor, uri)
    editor.change(uri, last, 0, last, 0, "    z: int\n")  # a field added inside the block
    editor.change(uri, 0, 0, 0, 0, "import sys\n")  # above the block: moves it
    row = await verdict_of(editor.workspace, generation_id)
    assert row["status"] == "accepted" and reason(row) == "threshold"
    assert row["quality_score"] >= 0.9
    assert "class Point" in row["retained_text"] and "z: int" in row["retained_text"]
    assert "import sys" not in row["retained_text"]
    assert [c["at"] for c in row["checkpoints"]] == [0.3, 0.6]


async def test_undo_before_the_first_checkpoint_is_rejected(editor):
    uri, generation_id = await generate_point(editor)
    first, last = block_lines(editor, uri)
    end = len(editor.text(uri).split("\n")[last])
    editor.change(uri, first, 0, last, end, "")
    row = await verdict_of(editor.workspace, generation_id)
    assert row["status"] == "rejected" and reason(row) == "undo"


async def test_rewritten_code_is_rejected(editor):
    uri, generation_id = await generate_point(editor)
    first, last = block_lines(editor, uri)
    end = len(editor.text(uri).split("\n")[last])
    editor.change(uri, first + 1, 0, last, end, "Point = collections.namedtuple('P', 'a b')")
    row = await verdict_of(editor.workspace, generation_id)
    assert row["status"] == "rejected" and reason(row) == "threshold"
    assert row["quality_score"] < 0.5


async def test_closed_and_saved_is_judged_from_disk(editor):
    uri, generation_id = await generate_point(editor)
    editor.save(uri)
    editor.close(uri)
    row = await verdict_of(editor.workspace, generation_id)
    assert row["status"] == "accepted" and reason(row) == "disk"
    assert "class Point" in row["retained_text"]


async def test_closed_without_saving_is_rejected_from_disk(editor):
    uri, generation_id = await generate_point(editor)
    editor.close(uri)
    row = await verdict_of(editor.workspace, generation_id)
    assert row["status"] == "rejected" and reason(row) == "disk"


async def test_deleted_file_is_rejected(editor):
    source = editor.open("src/pricing.py", "")
    result = await editor.generate(source, "python/pytest-module", answers={"functions": "total"})
    created = Path(editor.path("src/test_pricing.py"))
    assert created.exists()
    created.unlink()
    row = await verdict_of(editor.workspace, result["generationId"])
    assert row["status"] == "rejected" and reason(row) == "missing"


@pytest.mark.options(SLOW)
async def test_keep_and_reject_from_code_actions(editor):
    uri, generation_id = await generate_point(editor)
    assert not [a for a in await editor.code_actions(uri, 0) if a.title.startswith("Scion:")]
    actions = {a.title: a for a in await editor.code_actions(uri, 3, 2)}
    assert "Scion: keep this generated code" in actions and "Scion: reject this generated code" in actions
    result = await editor.run(actions["Scion: reject this generated code"])
    assert result["verdict"] == "rejected"
    assert generation(editor.workspace, generation_id)["status"] == "rejected"
    assert not [a for a in await editor.code_actions(uri, 3, 2) if a.title.startswith("Scion:")]
    overruled = await editor.command("scion.accept", {"generationId": generation_id})
    assert overruled["verdict"] == "accepted"
    assert generation(editor.workspace, generation_id)["status"] == "accepted"


@pytest.mark.options(SLOW)
async def test_changed_windows_apply_to_new_generations(editor):
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"scion": {"tracking": {"checkpoints": [0.2, 0.4], "keepThreshold": 0.99}}}
        )
    )
    uri, generation_id = await generate_point(editor)
    first, _ = block_lines(editor, uri)
    editor.change(uri, first + 1, 0, first + 1, 0, "# a comment the user added\n")
    row = await verdict_of(editor.workspace, generation_id, timeout=5.0)
    assert [c["at"] for c in row["checkpoints"]] == [0.2, 0.4]
    # Most of the code survives, which the default threshold (0.5) would accept.
    assert row["status"] == "rejected" and 0.5 < row["quality_score"] < 0.99


def seed_success(workspace: Path) -> None:
    """Before the server starts: dataclass kept 3 of 12 times, pydantic 9 of 10."""
    with Store(database(workspace)) as store:
        for template_id, accepted, rejected in (("python/dataclass", 3, 9), ("python/pydantic-model", 9, 1)):
            for n in range(accepted + rejected):
                store.record_generation(
                    template_id,
                    "1.0.0",
                    "src/x.py",
                    "insert",
                    {"n": n},
                    status="accepted" if n < accepted else "rejected",
                )


@pytest.mark.setup.with_args(seed_success)
async def test_code_actions_follow_success_rates(editor):
    uri = editor.open("src/shop/order.py", "")
    titles = [a.title for a in await editor.code_actions(uri) if a.title.startswith("Generate:")]
    assert titles[0].startswith("Generate: Pydantic")
    assert titles[-1] == "Generate: Python dataclass (kept 25% of 12)"


async def test_learned_default_is_offered_after_kept_answers(editor):
    def frozen_yes(params):
        return {q["name"]: (True if q["name"] == "frozen" else q.get("default")) for q in params["questions"]}

    editor.answer = frozen_yes
    for n in range(2):
        uri = editor.open(f"src/model_{n}.py", MODULE)
        result = await editor.generate(uri, "python/dataclass", line=2)
        assert (await verdict_of(editor.workspace, result["generationId"]))["status"] == "accepted"
    assert next(q for q in editor.asked[0]["questions"] if q["name"] == "frozen")["default"] is False
    editor.answer = lambda params: {q["name"]: q.get("default") for q in params["questions"]}
    uri = editor.open("src/model_last.py", MODULE)
    result = await editor.generate(uri, "python/dataclass", line=2)
    frozen = next(q for q in editor.asked[-1]["questions"] if q["name"] == "frozen")
    assert frozen["default"] is True
    assert generation(editor.workspace, result["generationId"])["answer_sources"]["frozen"] == "learned_default"


async def test_stats_command_gives_json_and_html(editor):
    _, generation_id = await generate_point(editor)
    await verdict_of(editor.workspace, generation_id)
    stats = await editor.command("scion.stats", {})
    versions = stats["json"]["versions"]
    assert any(v["template_id"] == "python/dataclass" and v["accepted"] == 1 for v in versions)
    assert stats["html"].startswith("<!DOCTYPE html>") and "<svg" in stats["html"]


# -- a restart in the middle of the windows: two sessions on one workspace --------


async def start_session(profile: str, workspace: Path, options: dict) -> tuple[LanguageClient, Editor]:
    client = LanguageClient("scion-test", "1")
    fix_code_action_union(client.protocol._converter)
    client.messages = []
    scripted = Editor(client, workspace)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show_message(params):
        client.messages.append(params)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params):
        return None

    await client.start_io(sys.executable, "-P", "-m", "server")
    await client.initialize_async(initialize_params(profile, workspace, options))
    client.initialized(types.InitializedParams())
    return client, scripted


async def stop_session(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await asyncio.sleep(0.1)
    await client.stop()


@pytest.mark.parametrize("profile", CLIENTS)
async def test_restart_mid_window_resumes_and_judges(profile, workspace):
    options = {"ask": True, "scion": {"tracking": {"checkpoints": [1.5, 3.0]}}}
    first, editor = await start_session(profile, workspace, options)
    try:
        uri, generation_id = await generate_point(editor)
        editor.save(uri)
    finally:
        await stop_session(first)
    assert generation(workspace, generation_id)["status"] == "pending"

    second, _ = await start_session(profile, workspace, {"ask": True, "scion": {}})
    try:
        row = await verdict_of(workspace, generation_id)
    finally:
        await stop_session(second)
    assert row["status"] == "accepted" and reason(row) == "disk"
    assert "class Point" in row["retained_text"]
