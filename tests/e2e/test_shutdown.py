"""Shutdown while a generation is still rendering: the server exits promptly."""

from __future__ import annotations

import asyncio
import sys

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from tests.support.client_compat import ignore_notifications
from tests.templates.helpers import name_template

# Within the render limits (templates/limits.py) but slow: each step copies a megabyte, so the
# render runs until the limits' wall-clock deadline (seconds), well past the shutdown below.
ENDLESS_BODY = "{% for i in range(9999) %}{{ ('x' * 1000000).replace('x', 'y') | length }}{% endfor %}done\n"

# A liveness bound, not a speed target: without the prompt exit the process waits for the render forever.
EXIT_BOUND_S = 20


async def test_shutdown_while_rendering_exits_promptly(workspace):
    name_template(workspace / ".scion" / "templates", "acme/endless", "1.0.0", ENDLESS_BODY, default="slow")
    target = workspace / "src" / "slow.py"
    target.parent.mkdir(parents=True)
    target.write_text("")

    client = LanguageClient("shutdown-test", "1")
    client.feature(types.WORKSPACE_APPLY_EDIT)(lambda params: types.ApplyWorkspaceEditResult(applied=True))
    ignore_notifications(client)
    await client.start_io(sys.executable, "-P", "-m", "server")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=from_fs_path(str(workspace)),
            initialization_options={"ask": False},
        )
    )
    client.initialized(types.InitializedParams())
    generation = asyncio.ensure_future(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="scion.generate",
                arguments=[
                    {
                        "templateId": "acme/endless",
                        "uri": from_fs_path(str(target)),
                        "position": {"line": 0, "character": 0},
                    }
                ],
            )
        )
    )
    await asyncio.sleep(1.0)
    assert not generation.done(), "the render should still be running"
    await asyncio.wait_for(client.shutdown_async(None), EXIT_BOUND_S)
    client.exit(None)
    returncode = await asyncio.wait_for(client._server.wait(), EXIT_BOUND_S)
    assert returncode == 0
    assert target.read_text() == ""
    generation.cancel()
    await client.stop()
