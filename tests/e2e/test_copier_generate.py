"""A new project from a copier template in the editor: the code action, the questions, the edit, the record.

The real server offers the copier templates of `.scion/templates/` as code
actions; the scripted editor picks one, answers the destination and the
template's questions (each asked on its own, with copier's default), and
applies the edit. The tree is compared with what the real `copier copy
--defaults` writes from the same template. Untrusted templates with tasks are
refused with a message naming the setting; a trusted one's tasks run only after
the user confirms.
"""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest
from lsprotocol import types

from tests.copier.support import copier, differences, git_template, git_template_from_folders, tree

ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
SITE = {
    "copier.yml": (
        "project:\n  type: str\n  default: demo\n  help: The project's name\n"
        "package:\n  type: str\n  default: \"{{ project | replace('-', '_') }}\"\n"
        "licence:\n  type: str\n  choices: [MIT, Apache-2.0]\n  default: MIT\n"
        "_message_before_copy: Making {{ _folder_name }}\n"
        "_message_after_copy: Done with {{ project }}\n"
    ),
    "README.md.jinja": "# {{ project }}\n\nLicence: {{ licence }}\n",
    "{{ package }}/__init__.py.jinja": '"""{{ project }}."""\n',
    "scripts/run.sh": "#!/bin/sh\necho run\n",
    "windows.bat": "@echo off\r\necho hi\r\n",
    "logo.png": PNG,
    "docs/{{ 'empty' }}/.keep": "",
    **ANSWERS,
}
WITH_TASKS = {"copier.yml": "name: tasks\n_tasks:\n  - touch task-ran.txt\n", "a.txt": "a\n", **ANSWERS}
TEMPLATES = ".scion/templates"


def make_templates(workspace: Path) -> None:
    git_template(workspace / TEMPLATES / "web/site", [("v1.0.0", SITE)], executable=("scripts/run.sh",))
    (workspace / "src").mkdir(parents=True)
    (workspace / "src/main.py").write_text("print('hello')\n")


def make_task_template(workspace: Path) -> None:
    git_template(workspace / TEMPLATES / "with-tasks", [("v1.0.0", WITH_TASKS)])
    (workspace / "notes.txt").write_text("notes\n")


async def offered(editor, uri: str, title: str) -> types.CodeAction:
    """The action, once the server's background scan of the template roots has found it."""
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        actions = await editor.code_actions(uri, only=[types.CodeActionKind.Source])
        found = next((action for action in actions if action.title == title), None)
        if found is not None:
            return found
        assert asyncio.get_running_loop().time() < deadline, f"no action {title!r} in {[a.title for a in actions]}"
        await asyncio.sleep(0.1)


@pytest.mark.setup.with_args(make_templates)
async def test_the_code_action_makes_the_project_copier_would(editor, workspace: Path) -> None:
    uri = editor.open("src/main.py")
    action = await offered(editor, uri, "Scion: new project from copier template web/site…")
    assert action.kind == "source.scion.copier"
    editor.answer = lambda params: {
        q["name"]: ("apps/site" if q["name"] == "destination" else q.get("default")) for q in params["questions"]
    }
    result = await editor.run(action)

    asked = [q for params in editor.asked for q in params["questions"]]
    assert [q["name"] for q in asked] == ["destination", "project", "package", "licence"]
    assert asked[0]["default"] == "src"  # the folder of the current file
    assert asked[2]["default"] == "demo"  # copier's default, rendered with the answer before it
    assert [c["value"] for c in asked[3]["choices"]] == ["MIT", "Apache-2.0"]

    project = workspace / "apps/site"
    expected = workspace.parent / "copier-made/site"
    made = copier(
        "copy",
        "--defaults",
        str(workspace / TEMPLATES / "web/site"),
        str(expected),
        cwd=workspace.parent,
        home=workspace.parent,
    )
    assert made.returncode == 0, made.stderr
    assert differences(tree(expected), tree(project)) == []
    assert project.joinpath("scripts/run.sh").stat().st_mode & stat.S_IXUSR
    assert result["answersFile"] == editor.uri("apps/site/.copier-answers.yml")
    assert "_commit: v1.0.0" in project.joinpath(".copier-answers.yml").read_text()

    # Text files came as one WorkspaceEdit; binary, executable and CRLF files went to disk.
    created = {
        change.uri
        for edit in editor.applied
        for change in edit.document_changes
        if isinstance(change, types.CreateFile)
    }
    assert editor.uri("apps/site/README.md") in created and editor.uri("apps/site/.copier-answers.yml") in created
    assert not created & {editor.uri(f"apps/site/{name}") for name in ("logo.png", "scripts/run.sh", "windows.bat")}

    shown = [message.message for message in editor.messages]
    assert "Making site" in shown and "Done with demo" in shown
    with sqlite3.connect(workspace / ".scion/scion.db") as db:
        rows = db.execute(
            "SELECT template_version FROM generations WHERE template_id = ?", (str(workspace / TEMPLATES / "web/site"),)
        ).fetchall()
    assert len(rows) == len([path for path, kind in tree(project).items() if kind != "folder"])
    assert {version for (version,) in rows} == {"v1.0.0"}


@pytest.mark.setup.with_args(make_templates)
async def test_cancelling_a_question_writes_nothing(editor, workspace: Path) -> None:
    uri = editor.open("src/main.py")
    editor.answer = lambda params: (
        None
        if params["questions"][0]["name"] == "licence"
        else {q["name"]: q.get("default") for q in params["questions"]}
    )
    result = await editor.command("scion.generateCopier", {"templateId": "web/site", "uri": uri, "destination": "new"})
    assert result is None
    assert not (workspace / "new").exists()
    assert not [m for m in editor.messages if m.type == types.MessageType.Error]


@pytest.mark.setup.with_args(make_templates)
async def test_a_destination_that_is_a_file_is_refused_before_any_question(editor, workspace: Path) -> None:
    uri = editor.open("src/main.py")
    with pytest.raises(Exception, match="is not a folder"):
        await editor.command(
            "scion.generateCopier", {"templateId": "web/site", "uri": uri, "destination": "src/main.py"}
        )
    assert (workspace / "src/main.py").read_text() == "print('hello')\n"
    assert any("is not a folder" in m.message for m in editor.messages if m.type == types.MessageType.Error)
    assert editor.asked == []


@pytest.mark.setup.with_args(make_task_template)
async def test_an_untrusted_template_with_tasks_is_refused_naming_the_setting(editor, workspace: Path) -> None:
    uri = editor.open("notes.txt")
    with pytest.raises(Exception, match="scion.templates.trusted"):
        await editor.command("scion.generateCopier", {"templateId": "with-tasks", "uri": uri, "destination": "made"})
    assert not (workspace / "made").exists()
    assert any("scion.templates.trusted" in m.message for m in editor.messages if m.type == types.MessageType.Error)
    assert editor.asked == []  # refused before asking anything


@pytest.mark.setup.with_args(make_task_template)
@pytest.mark.options({"ask": True, "scion": {"templates": {"trusted": ["/"]}}})
async def test_a_trusted_template_runs_its_tasks_after_the_user_confirms(client, editor, workspace: Path) -> None:
    confirmations: list[str] = []

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def confirm(params: types.ShowMessageRequestParams):
        confirmations.append(params.message)
        return types.MessageActionItem(title="Run the tasks")

    uri = editor.open("notes.txt")
    result = await editor.command(
        "scion.generateCopier", {"templateId": "with-tasks", "uri": uri, "destination": "made"}
    )
    assert result["tasksRan"] is True
    assert confirmations and "tasks" in confirmations[0]
    assert (workspace / "made/task-ran.txt").exists() and (workspace / "made/a.txt").read_text() == "a\n"


def make_link_template(workspace: Path) -> None:
    folder = workspace.parent / "link-template"
    folder.mkdir()
    (folder / "copier.yml").write_text("_preserve_symlinks: true\nname:\n  type: str\n  default: linked\n")
    (folder / "README.md.jinja").write_text("# {{ name }}\n")
    (folder / "docs.md").symlink_to("README.md")
    git_template_from_folders(workspace / TEMPLATES / "links", [("v1.0.0", folder)])
    (workspace / "notes.txt").write_text("notes\n")


@pytest.mark.setup.with_args(make_link_template)
async def test_a_preserved_symlink_is_made_on_disk_not_as_an_edit(editor, workspace: Path) -> None:
    uri = editor.open("notes.txt")
    editor.answer = lambda params: {q["name"]: q.get("default") for q in params["questions"]}
    await editor.command("scion.generateCopier", {"templateId": "links", "uri": uri, "destination": "made"})

    link = workspace / "made/docs.md"
    assert link.is_symlink() and link.readlink() == Path("README.md")
    created = {
        change.uri
        for edit in editor.applied
        for change in edit.document_changes
        if isinstance(change, types.CreateFile)
    }
    assert editor.uri("made/docs.md") not in created and editor.uri("made/README.md") in created
