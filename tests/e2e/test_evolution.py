"""Learned tasks through the real server: a user who always names the class by one convention.

The scripted user answers `class_name` as pascal(file stem) + "Model" (the
template's default is pascal(stem)). Every other question is answered
explicitly, so a generation asks only when `class_name` is not settled. With
minExecutions 4 the server learns the convention from the kept answers, promotes
the task, and stops asking; new files then get the right name on their own.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.store import Store
from server.templates.filters import pascal
from tests.e2e.conftest import FAST_TRACKING
from tests.e2e.editor import Editor
from tests.support.answers import generate_dataclass

TASK = "python/dataclass:class_name"
LEARNING = {
    "ask": True,
    "scion": {
        "tracking": FAST_TRACKING,
        "evolution": {"debounce": 0.2, "minExecutions": 4, "minKeptRate": 0.75},
    },
}
TRAINING = [
    "shop/order_item.py",
    "accounts/user.py",
    "net/http_client.py",
    "billing/invoice_line.py",
    "jobs/email_sender.py",
    "core/retry_policy.py",
    "web/session_store.py",
    "db/connection_pool.py",
]
NEW_FILES = ["geo/map_tile.py", "cli/arg_parser.py", "auth/token_cache.py"]


def status_of(workspace: Path, generation_id: str) -> str:
    with Store(workspace / ".scion" / "scion.db") as store:
        return store.get_generation(generation_id)["status"]


async def generate_with_convention(editor: Editor, rel: str, suffix: str = "Model") -> tuple[dict, bool]:
    """Generate a dataclass in a new module; return its result and whether the user was asked.

    When the server named the class itself and got it wrong, the user renames it in the code.
    """
    wanted = pascal(Path(rel).stem) + suffix
    uri, result, asked = await generate_dataclass(editor, rel, wanted)
    text = editor.text(uri)
    if f"class {wanted}:" not in text:
        line = next(i for i, row in enumerate(text.splitlines()) if row.startswith("class "))
        row = text.splitlines()[line]
        editor.change(uri, line, 0, line, len(row), f"class {wanted}:")
        editor.save(uri)
    return result, asked


async def decided_and_learned(editor: Editor, generation_id: str) -> None:
    """Wait for the verdict, then for the evolution run it schedules."""
    runs = (await editor.command("scion.evolveStatus"))["runs"]
    await editor.wait_for(lambda: status_of(editor.workspace, generation_id) == "accepted")
    deadline = asyncio.get_running_loop().time() + 15
    while (await editor.command("scion.evolveStatus"))["runs"] <= runs:
        assert asyncio.get_running_loop().time() < deadline, "no evolution run after the verdict"
        await asyncio.sleep(0.05)


@pytest.mark.options(LEARNING)
async def test_server_stops_asking_once_the_convention_is_learned(editor):
    asks = 0
    for rel in TRAINING:
        result, asked = await generate_with_convention(editor, rel)
        if not asked:
            break
        asks += 1
        await decided_and_learned(editor, result["generationId"])
    assert 3 <= asks <= 5, f"asked {asks} times"

    for rel in NEW_FILES:
        result, asked = await generate_with_convention(editor, rel)
        assert not asked
        expected = pascal(Path(rel).stem) + "Model"
        assert f"class {expected}:" in editor.text(editor.uri(rel))
        with Store(editor.workspace / ".scion" / "scion.db") as store:
            generation = store.get_generation(result["generationId"])
        assert generation["answer_sources"]["class_name"] == "learned_program"

    status = await editor.command("scion.evolveStatus")
    (task,) = [t for t in status["tasks"] if t["task"] == TASK]
    assert task["stage"] == "hybrid" and task["program"]["summary"] == "pascal(stem) + 'Model'"
    assert (
        Path(task["program"]["path"]).read_text().startswith('"""Learned program for task: python/dataclass:class_name')
    )
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        (transition,) = store.transitions(TASK)
        assert transition["to_stage"] == "hybrid" and "4 executions, 100% kept" in transition["reason"]
        code = [e for e in store.executions(TASK) if e["producer"] == "code"]
        assert code and all(e["program_version"] == 1 and e["confidence"] for e in code)


@pytest.mark.options(LEARNING)
async def test_evolve_command_dry_run_and_progress(editor):
    for rel in TRAINING[:3]:
        result, _ = await generate_with_convention(editor, rel)
        generation_id = result["generationId"]
        await editor.wait_for(lambda gid=generation_id: status_of(editor.workspace, gid) == "accepted")
    summary = await editor.command("scion.evolve", {"dryRun": True})
    assert summary["dryRun"] is True
    (task,) = [t for t in summary["tasks"] if t["task"] == TASK]
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        active = store.active_program(TASK)
    if active is None:  # the background run may not have happened yet; a dry run saves nothing either way
        assert task["new_program"]["program"] == "pascal(stem) + 'Model'"
    summary = await editor.command("scion.evolve", {})
    assert summary["dryRun"] is False
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        assert store.active_program(TASK)["version"] == 1
    reports = [values for values in editor.client.progress_reports.values() if values]
    if reports:  # clients that declare window.workDoneProgress get begin ... end
        assert all(type(values[-1]).__name__ == "WorkDoneProgressEnd" for values in reports)


async def asks_until_quiet(editor: Editor, paths: list[str], suffix_of) -> tuple[int, list[str]]:
    """Generate in each path until two generations in a row ask nothing; the asks and the paths left."""
    asks = quiet = 0
    for index, rel in enumerate(paths):
        result, asked = await generate_with_convention(editor, rel, suffix_of(rel))
        asks += asked
        quiet = 0 if asked else quiet + 1
        await decided_and_learned(editor, result["generationId"])
        if quiet == 2:
            return asks, paths[index + 1 :]
    raise AssertionError(f"still asking after {len(paths)} generations ({asks} asks)")


@pytest.mark.options(LEARNING)
async def test_a_changed_convention_is_learned_again_with_no_more_asks_than_the_first_time(editor):
    folders = ["shop", "billing", "accounts", "net", "jobs", "core", "web", "db", "geo", "cli", "auth", "ui"]
    words = ["order", "item", "user", "invoice", "client", "policy", "session", "token", "cache", "sender"]
    paths = [f"{folder}/{word}_{n}.py" for n, (folder, word) in enumerate(zip(folders * 3, words * 4, strict=False))]
    first, rest = await asks_until_quiet(editor, paths, lambda rel: "Model")
    again, rest = await asks_until_quiet(editor, rest, lambda rel: "Record")
    assert again <= first, f"learning asked {first} times, re-learning {again}"

    _, asked = await generate_with_convention(editor, rest[0], "Record")
    assert not asked and f"class {pascal(Path(rest[0]).stem)}Record:" in editor.text(editor.uri(rest[0]))
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        reasons = [t["reason"] for t in store.transitions(TASK)]
        assert any(reason.startswith("drift:") for reason in reasons)
        active = store.active_program(TASK)
    assert active["provenance"]["program"] == "pascal(stem) + 'Record'" and active["provenance"]["convention_from"]


@pytest.mark.options(LEARNING)
async def test_a_convention_that_branches_on_the_folder_is_learned(editor):
    def suffix_of(rel: str) -> str:
        return "Repository" if "/repos/" in rel else "Service"

    words = ["order", "user", "invoice", "client", "policy", "session", "token", "cache", "sender", "price"]
    paths = [f"app/{'repos' if n % 2 else 'services'}/{word}.py" for n, word in enumerate(words)]
    asks, _ = await asks_until_quiet(editor, paths, suffix_of)
    assert asks <= 6, f"asked {asks} times"
    for rel in ["billing/repos/ledger.py", "billing/services/ledger.py"]:
        _, asked = await generate_with_convention(editor, rel, suffix_of(rel))
        assert not asked
        assert f"class Ledger{suffix_of(rel)}:" in editor.text(editor.uri(rel))
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        program = store.active_program(TASK)["provenance"]["program"]
    assert program.startswith("if ") and ("'repos'" in program or "'services'" in program)
