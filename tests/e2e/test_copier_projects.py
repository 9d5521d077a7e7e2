"""A copier project in the editor: the upgrade diagnostic on its answers file, and the quick-fix that upgrades.

The project is made by the real copier; the real server offers the newer tag
and upgrades it (keeping the user's edit). Tasks of a trusted template run
only after the user confirms.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from tests.copier.support import git_template, isolated_env

ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}
V1 = {"copier.yml": "name: demo\n", "README.md.jinja": "# {{ name }}\n\nv1 text\n\nsome\nlines\nbetween\n", **ANSWERS}
V2 = {
    "copier.yml": "name: demo\n_tasks:\n  - touch task-ran.txt\n",
    "README.md.jinja": "# {{ name }}\n\nv2 text\n\nsome\nlines\nbetween\n",
    **ANSWERS,
}


def make_project(workspace: Path) -> None:
    template = workspace.parent / "template"
    git_template(template, [("v1.0.0", V1), ("v2.0.0", V2)])
    project = workspace / "project"
    done = subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--defaults", "--vcs-ref", "v1.0.0", str(template), str(project)],
        capture_output=True,
        text=True,
        env=isolated_env(workspace.parent),
    )
    assert done.returncode == 0, done.stderr
    with (project / "README.md").open("a") as readme:
        readme.write("the user's line\n")


@pytest.mark.setup.with_args(make_project)
async def test_the_answers_file_offers_the_newer_tag_and_the_fix_upgrades(editor) -> None:
    uri = editor.open("project/.copier-answers.yml", language="yaml")
    found = await editor.wait_for(lambda: [d for d in editor.diagnostics(uri) if d.code == "scion.copierUpgrade"], 30)
    assert "v2.0.0" in found[0].message
    actions = await editor.code_actions(uri, diagnostics=found)
    fix = next(action for action in actions if action.title == "Upgrade the copier project to v2.0.0")
    result = await editor.run(fix)
    assert result["status"] == "upgraded" and result["conflicts"] == 0
    readme = editor.path("project/README.md").read_text()
    assert "v2 text" in readme and "the user's line" in readme
    assert "_commit: v2.0.0" in editor.path("project/.copier-answers.yml").read_text()
    assert not editor.path("project/task-ran.txt").exists()  # not trusted: tasks never run
    await editor.wait_for(lambda: not [d for d in editor.diagnostics(uri) if d.code == "scion.copierUpgrade"], 30)


@pytest.mark.setup.with_args(make_project)
@pytest.mark.options({"ask": True, "scion": {"templates": {"trusted": ["/"]}}})
async def test_tasks_of_a_trusted_template_run_only_after_the_user_confirms(client, editor) -> None:
    asked: list[str] = []

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def confirm(params: types.ShowMessageRequestParams):
        asked.append(params.message)
        return types.MessageActionItem(title="Run the tasks")

    uri = editor.open("project/.copier-answers.yml", language="yaml")
    await editor.wait_for(lambda: [d for d in editor.diagnostics(uri) if d.code == "scion.copierUpgrade"], 30)
    result = await editor.command("scion.copierUpgrade", {"uri": uri, "to": "v2.0.0"})
    assert result["status"] == "upgraded"
    assert asked and "tasks" in asked[0]
    assert editor.path("project/task-ran.txt").exists()
    assert not editor.path("project/.git").exists()  # no git needed in the project
