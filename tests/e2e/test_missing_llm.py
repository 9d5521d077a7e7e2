"""A configured LLM without litellm installed is told to the user, once, with the command that installs it."""

from __future__ import annotations

import sys

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import initialize_params
from tests.e2e.editor import Editor

# The real server, in a Python where `import litellm` fails as it does without the extra.
WITHOUT_LITELLM = "import sys; sys.modules['litellm'] = None; from server.cli import main; sys.exit(main(['serve']))"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-P", "-c", WITHOUT_LITELLM]))
async def client(lsp_client: LanguageClient, workspace):
    lsp_client.scripted = Editor(lsp_client, workspace)
    options = {"ask": True, "scion": {"llm": {"model": "hosted_vllm/tiny", "apiBase": "http://127.0.0.1:9"}}}
    await lsp_client.initialize_session(initialize_params("visual_studio_code", workspace, options))
    yield
    await lsp_client.shutdown_session()


async def test_a_configured_model_without_litellm_is_a_warning_with_the_fix(client):
    editor = client.scripted
    warning = await editor.wait_for(lambda: [m for m in editor.messages if "litellm is not installed" in m.message])
    assert "hosted_vllm/tiny" in warning[0].message and "pip install -e" in warning[0].message
    uri = editor.open("src/order.py", "")
    assert await editor.generate(uri, "python/dataclass")  # answers still come from context and defaults
    assert len([m for m in editor.messages if "litellm" in m.message]) == 1
