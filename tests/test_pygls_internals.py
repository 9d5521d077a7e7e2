"""The pygls internals Scion relies on, pinned: when pygls changes them, this fails first.

server/lsp/protocol.py subclasses pygls's protocol and uses its request bookkeeping
and response senders; server/lsp/workspace.py reads the workspace's sync kind;
server/lsp/serve.py reads whether a shutdown request came. None of these are public.
"""

from __future__ import annotations

import inspect

import pygls
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import Workspace

from server.lsp import ScionServer

PYGLS = getattr(pygls, "__version__", "(unknown version)")


def test_the_protocol_methods_scion_overrides_or_calls_exist():
    for name in ("_send_handler_result", "_send_response", "_handle_request", "handle_message", "get_message_type"):
        assert callable(getattr(LanguageServerProtocol, name, None)), f"pygls {PYGLS} has no {name}"
    assert list(inspect.signature(LanguageServerProtocol._send_response).parameters)[:4] == [
        "self",
        "msg_id",
        "result",
        "error",
    ]


def test_the_protocol_state_scion_reads_exists():
    server = ScionServer()
    protocol = server.protocol
    for name in ("_request_futures", "_result_types", "_converter", "_shutdown"):
        assert hasattr(protocol, name), f"pygls {PYGLS}: the protocol has no {name}"
    assert isinstance(protocol._request_futures, dict) and isinstance(protocol._shutdown, bool)


def test_the_workspace_keeps_its_sync_kind():
    workspace = Workspace(None, sync_kind=1)
    assert workspace._sync_kind == 1


def test_scion_still_builds_on_the_public_server_class():
    assert issubclass(ScionServer, LanguageServer)


def test_open_documents_are_found_by_the_uri_the_client_sends():
    # pygls keys open documents by the decoded URI; clients send them percent-encoded.
    from lsprotocol import types

    server = ScionServer()
    server.protocol._workspace = Workspace(None)  # what initialize sets up
    uri = "file:///work/my%20order.py"
    server.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=3, text="x = 1\n"))
    assert server.document_text(uri) == "x = 1\n" and server.document_version(uri) == 3
    assert server.open_document(uri) is not None and server.language_of(uri) == "python"
