"""The server reads the user's own settings file too: there it may trust a copier template (a workspace's file may
not)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.copier.support import git_template
from tests.e2e.conftest import initialize_params
from tests.e2e.editor import Editor

# The server's home for this module: its user settings file lives there (the server reads it at initialize).
HOME = Path(tempfile.mkdtemp(prefix="scion-user-home-"))
ENV = {
    **os.environ,
    "HOME": str(HOME),
    "XDG_CONFIG_HOME": str(HOME / ".config"),
    "COPIER_SETTINGS_PATH": str(HOME / "no-copier-settings.yml"),
}
WITH_TASKS = {
    "copier.yml": "name: tasks\n_tasks:\n  - touch task-ran.txt\n",
    "a.txt": "a\n",
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-P", "-m", "server"], server_env=ENV))
async def client(lsp_client: LanguageClient, workspace: Path):
    templates = workspace / ".scion/templates"
    git_template(templates / "with-tasks", [("v1.0.0", WITH_TASKS)])
    user = HOME / ".config/scion/config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(f'[templates]\ntrusted = ["{templates}/"]\n')
    lsp_client.scripted = Editor(lsp_client, workspace)
    options = {"ask": True, "scion": {}}
    await lsp_client.initialize_session(initialize_params("neovim", workspace, options))
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(HOME, ignore_errors=True)


async def test_the_users_file_trusts_a_template_in_the_editor(client) -> None:
    editor = client.scripted
    confirmations: list[str] = []

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def confirm(params: types.ShowMessageRequestParams):
        confirmations.append(params.message)
        return types.MessageActionItem(title="Run the tasks")

    uri = editor.open("notes.py", "")
    result = await editor.command("scion.generateCopier", {"templateId": "with-tasks", "uri": uri, "destination": "p"})
    assert result["tasksRan"] is True and confirmations
    assert editor.path("p/task-ran.txt").exists()
    assert not [m for m in editor.messages if m.type <= types.MessageType.Warning]
