"""`scion serve --tcp HOST:PORT` speaks the same LSP over a socket."""

from __future__ import annotations

import asyncio
import socket
import sys

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from tests.support.client_compat import fix_code_action_union, ignore_notifications


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def connect(port: int, client: LanguageClient, attempts: int = 100) -> None:
    for _ in range(attempts):
        try:
            await client.start_tcp("127.0.0.1", port)
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError("the server never listened")


async def test_code_actions_over_tcp(workspace):
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-P", "-m", "server", "serve", "--tcp", f"127.0.0.1:{port}"
    )
    client = LanguageClient("tcp-test", "1")
    fix_code_action_union(client.protocol._converter)
    ignore_notifications(client)
    try:
        await connect(port, client)
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(workspace)))
        )
        client.initialized(types.InitializedParams())
        uri = from_fs_path(str(workspace / "order.py"))
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text="")
            )
        )
        position = types.Position(line=0, character=0)
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=position, end=position),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert "Generate: Python dataclass" in [a.title for a in actions]
        await client.shutdown_async(None)
        client.exit(None)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
