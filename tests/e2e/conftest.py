"""End-to-end fixtures: the real server (`python -m server`) over stdio, per client profile."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.e2e.editor import Editor
from tests.support.client_compat import fix_code_action_union

CLIENTS = ["visual_studio_code", "neovim"]
FAST_TRACKING = {"checkpoints": [0.3, 0.6], "keepThreshold": 0.5}


def initialize_params(profile: str, workspace: Path, options: dict) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=client_capabilities(profile),
        root_uri=from_fs_path(str(workspace)),
        workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(workspace)), name="ws")],
        initialization_options=options,
    )


def default_options(workspace: Path) -> dict:
    return {"ask": True, "scion": {"tracking": FAST_TRACKING, "evolution": {"debounce": 0.2}}}


@pytest_lsp.fixture(
    params=CLIENTS,
    config=ClientServerConfig(server_command=[sys.executable, "-P", "-m", "server"]),
)
async def client(request, lsp_client: LanguageClient, workspace: Path):
    """An initialised session. Markers: `options(dict)` = initializationOptions, `setup(fn)` prepares the workspace."""
    marker = request.node.get_closest_marker("options")
    await start_session(request, lsp_client, workspace, marker.args[0] if marker else default_options(workspace))
    yield
    await lsp_client.shutdown_session()


async def start_session(request, lsp_client: LanguageClient, workspace: Path, options: dict) -> None:
    """Initialise the session of a client fixture, its scripted editor, and the workspace (marker `setup(fn)`)."""
    fix_code_action_union(lsp_client.protocol._converter)
    lsp_client.scripted = Editor(lsp_client, workspace)
    setup = request.node.get_closest_marker("setup")
    if setup:
        setup.args[0](workspace)
    await lsp_client.initialize_session(initialize_params(request.param, workspace, options))


@pytest.fixture
def editor(client) -> Editor:
    """The scripted editor driving the session (pytest-lsp fixtures always give the client)."""
    return client.scripted
