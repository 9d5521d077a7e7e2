"""A template version that evolution deploys reaches the editor: open files get the upgrade offer and the
status counts it, without reopening anything or restarting the server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.evolution.trials import start_trial
from server.store import Store
from server.templates.catalog import BUILTIN_ROOT
from tests.e2e.conftest import FAST_TRACKING
from tests.e2e.test_upgrades import generate, upgrade_diagnostics
from tests.evolution.test_improve import TEMPLATE, catalog_of, seed

OPTIONS = {"ask": True, "scion": {"tracking": FAST_TRACKING, "evolution": {"debounce": 30, "minDecided": 10}}}


def team_that_always_adds_the_future_import(workspace: Path) -> None:
    """1.1.0 pinned in the workspace, twelve kept generations all edited the same way, one generated file."""
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", workspace / ".scion" / "templates" / TEMPLATE / "1.1.0")
    with Store(workspace / ".scion" / "scion.db") as store:
        seed(store, catalog_of(workspace), edited=12, accepted=12)
    generate(workspace, TEMPLATE, "src/order.py", "1.1.0")


@pytest.mark.options(OPTIONS)
@pytest.mark.setup.with_args(team_that_always_adds_the_future_import)
async def test_a_deployed_version_refreshes_open_files_and_the_status(editor):
    order = editor.open("src/order.py")
    await editor.wait_for(lambda: any(s["message"].endswith("upgrades available") for s in editor.statuses))
    assert upgrade_diagnostics(editor, order) == []
    assert editor.statuses[-1]["upgradesAvailable"] == 0

    summary = await editor.command("scion.evolve")

    assert [d["version"] for d in summary["improvement"]["deployed"]] == ["1.2.0"]
    [offer] = await editor.wait_for(lambda: upgrade_diagnostics(editor, order))
    assert offer.data["to"] == "1.2.0"
    await editor.wait_for(lambda: editor.statuses[-1]["upgradesAvailable"] == 1)


def candidate_on_trial(workspace: Path) -> None:
    """1.1.0 pinned in the workspace, and a candidate 1.2.0 on trial that adds a comment above the class."""
    pinned = workspace / ".scion" / "templates" / TEMPLATE / "1.1.0"
    shutil.copytree(BUILTIN_ROOT / TEMPLATE / "1.1.0", pinned)
    candidate = workspace / "candidate" / "1.1.0"
    shutil.copytree(pinned, candidate)
    [source] = (candidate / "files").iterdir()
    source.write_text(source.read_text().replace("@dataclass{%", "# reviewed by the team\n@dataclass{%", 1))
    with Store(workspace / ".scion" / "scion.db") as store:
        start_trial(workspace, store, catalog_of(workspace).get(TEMPLATE), candidate, "1.2.0", 1.0, ["a comment"], {})
    shutil.rmtree(workspace / "candidate")


@pytest.mark.options({"ask": True, "scion": {"tracking": FAST_TRACKING, "evolution": {"debounce": 30}}})
@pytest.mark.setup.with_args(candidate_on_trial)
async def test_a_code_action_generation_gets_the_candidate_on_trial(editor):
    uri = editor.open("src/order.py", "import os\n\n\n")
    [action] = [a for a in await editor.code_actions(uri, 2) if a.title.startswith("Generate: Python dataclass")]
    assert action.command.arguments[0]["version"] == "1.1.0"  # the code action names the newest version

    result = await editor.run(action)

    assert "# reviewed by the team\n@dataclass" in editor.text(uri)
    answers = editor.path("src/order.py.template-answers.yml").read_text()
    assert "version: 1.2.0" in answers
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        assert store.get_generation(result["generationId"])["template_version"] == "1.2.0"
