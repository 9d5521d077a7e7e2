"""Files changed outside the editor (a `git pull`) reach the running server through the client's watcher."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e.test_upgrades import NOTE_V1, NOTE_V2, generate, upgrade_diagnostics, write_template

CREATED, CHANGED, DELETED = types.FileChangeType.Created, types.FileChangeType.Changed, types.FileChangeType.Deleted
NOTE = ".scion/templates/demo/note"


def note_generated(workspace: Path) -> None:
    write_template(workspace, "demo/note", "1.0.0", NOTE_V1)
    generate(workspace, "demo/note", "docs/notes.py", "1.0.0")


async def generate_titles(editor, uri: str) -> set[str]:
    return {action.title for action in await editor.code_actions(uri) if action.command}


async def offered_eventually(editor, uri: str, title: str) -> None:
    """Code actions asked again until `title` is among them: the reload runs in the background."""
    deadline = asyncio.get_running_loop().time() + 30
    while asyncio.get_running_loop().time() < deadline:
        if title in await generate_titles(editor, uri):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{title} never offered")


def settled(editor, predicate):
    """The server's reaction to a file event, with time for a loaded machine (reloads run in workers)."""
    return editor.wait_for(predicate, timeout=30)


def template_diagnostics(editor, rel: str) -> list[types.Diagnostic]:
    return [d for d in editor.diagnostics(editor.uri(rel)) if d.code == "scion.template"]


async def test_the_server_asks_to_watch_templates_answer_files_and_settings(client, editor):
    capabilities = client.capabilities.workspace.did_change_watched_files
    if not (capabilities and capabilities.dynamic_registration):
        await editor.code_actions(editor.open("a.py", ""))  # a round trip: a registration would be in by now
        assert editor.watchers == {}
        return
    [watchers] = (await settled(editor, lambda: editor.watchers)).values()
    patterns = [watcher["globPattern"] for watcher in watchers]
    assert "**/*.template-answers.yml" in patterns and "**/.scion/config.toml" in patterns
    assert "**/.scion/templates/**" in patterns


@pytest.mark.setup.with_args(note_generated)
async def test_templates_created_changed_and_deleted_on_disk_are_reloaded(editor):
    uri = editor.open("src/empty.py", "")
    assert "Generate: Note" in await generate_titles(editor, uri)

    write_template(
        editor.workspace,
        "demo/memo",
        "1.0.0",
        {**NOTE_V1, "template.yml": NOTE_V1["template.yml"].replace("Note", "Memo")},
    )
    editor.files_changed((".scion/templates/demo/memo/1.0.0/template.yml", CREATED))
    await offered_eventually(editor, uri, "Generate: Memo")

    editor.write(".scion/templates/demo/memo/1.0.0/template.yml", "title: Memo\nmode: sideways\n")
    editor.files_changed((".scion/templates/demo/memo/1.0.0/template.yml", CHANGED))
    [problem] = await settled(
        editor, lambda: template_diagnostics(editor, ".scion/templates/demo/memo/1.0.0/template.yml")
    )
    assert "mode" in problem.message
    assert "Generate: Memo" not in await generate_titles(editor, uri)

    shutil.rmtree(editor.path(".scion/templates/demo/memo"))
    editor.files_changed((".scion/templates/demo/memo/1.0.0/template.yml", DELETED))
    await settled(editor, lambda: not template_diagnostics(editor, ".scion/templates/demo/memo/1.0.0/template.yml"))
    assert "Generate: Note" in await generate_titles(editor, uri)


@pytest.mark.setup.with_args(note_generated)
async def test_a_pulled_template_version_offers_its_upgrade_and_a_deleted_answer_file_withdraws_it(editor):
    notes = editor.uri("docs/notes.py")
    editor.open("docs/notes.py")
    await editor.code_actions(notes)
    assert upgrade_diagnostics(editor, notes) == []

    write_template(editor.workspace, "demo/note", "2.0.0", NOTE_V2)
    editor.files_changed(
        (f"{NOTE}/2.0.0/template.yml", CREATED), (f"{NOTE}/2.0.0/files/{{{{ topic }}}}.py.jinja", CREATED)
    )
    [offer] = await settled(editor, lambda: upgrade_diagnostics(editor, notes))
    assert offer.data["to"] == "2.0.0"
    await settled(editor, lambda: editor.statuses[-1]["message"] == "1 template upgrades available")

    editor.path("docs/notes.py.template-answers.yml").unlink()
    editor.files_changed(("docs/notes.py.template-answers.yml", DELETED))
    await settled(editor, lambda: not upgrade_diagnostics(editor, notes))
    await settled(editor, lambda: editor.statuses[-1]["message"] == "0 template upgrades available")


async def test_a_changed_settings_file_applies_the_settings_again(editor):
    """A pulled `.scion/config.toml` naming another template root: its templates are offered."""
    uri = editor.open("src/empty.py", "")
    memo = NOTE_V1["template.yml"].replace("Note", "Shared memo")
    for rel, text in {**NOTE_V1, "template.yml": memo}.items():
        editor.write(f"shared-templates/team/memo/1.0.0/{rel}", text)
    assert "Generate: Shared memo" not in await generate_titles(editor, uri)
    editor.write(".scion/config.toml", '[templates]\nroots = ["shared-templates"]\n')
    editor.files_changed((".scion/config.toml", CREATED))
    await offered_eventually(editor, uri, "Generate: Shared memo")
