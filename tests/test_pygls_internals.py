"""The pygls internals Scion relies on, pinned: when pygls changes them, this fails first.

Every one of them is used in server/lsp/pygls_internals.py and nowhere else.
The names are read from that module's source, so a new use is pinned as soon
as it is written, and checked against pygls's own classes (not Scion's
subclasses, which define the same names).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pygls
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument, Workspace

from server.lsp import ScionServer
from server.lsp.pygls_internals import PyglsTextDocument, PyglsWorkspace
from server.lsp.text_document import ChunkedTextDocument
from server.lsp.workspace import ChunkedWorkspace

PYGLS = getattr(pygls, "__version__", "(unknown version)")
SERVER = Path(__file__).resolve().parent.parent / "server"
INTERNALS = SERVER / "lsp" / "pygls_internals.py"
# pygls modules that are not its public API: only pygls_internals.py imports them.
PRIVATE_MODULES = ("pygls.protocol.json_rpc", "pygls.protocol.language_server")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names_used() -> tuple[set[str], set[str]]:
    """(private attributes read or written, private methods overridden) in pygls_internals.py."""
    tree = ast.parse(INTERNALS.read_text())
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and _private(node.attr)}
    overridden = {
        item.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef) and _private(item.name)
    }
    own = {"_swap_workspace"}  # a helper of the module itself, not pygls's
    return attributes - overridden - own, overridden - own


def pygls_objects() -> list[object]:
    """Plain pygls objects (no Scion subclass): a protocol, a workspace and a document."""
    return [
        LanguageServer("pinned", "1").protocol,
        Workspace(None, sync_kind=types.TextDocumentSyncKind.Incremental),
        TextDocument("file:///pinned.py", "x = 1\n"),
    ]


def test_every_private_attribute_scion_reads_exists_in_pygls():
    attributes, _ = private_names_used()
    assert {"_request_futures", "_result_types", "_converter", "_shutdown", "_sync_kind", "_source"} <= attributes
    objects = pygls_objects()
    missing = sorted(name for name in attributes if not any(hasattr(obj, name) for obj in objects))
    assert not missing, f"pygls {PYGLS} no longer has {missing}"


def test_every_private_method_scion_overrides_exists_in_pygls():
    _, overridden = private_names_used()
    assert {"_send_response", "_handle_request", "_apply_incremental_change", "_create_text_document"} <= overridden
    classes = (LanguageServerProtocol, Workspace, TextDocument)
    missing = sorted(name for name in overridden if not any(callable(getattr(cls, name, None)) for cls in classes))
    assert not missing, f"pygls {PYGLS} no longer has the methods {missing}"


def test_the_hooks_keep_their_signatures():
    def parameters(function) -> list[str]:
        return list(inspect.signature(function).parameters)

    assert parameters(LanguageServerProtocol._send_response)[:4] == ["self", "msg_id", "result", "error"]
    assert parameters(LanguageServerProtocol._handle_request) == ["self", "msg_id", "method_name", "params"]
    assert parameters(LanguageServerProtocol._send_handler_result) == ["self", "future", "msg_id"]
    assert parameters(LanguageServerProtocol._check_handler_result) == ["self", "future"]
    assert parameters(Workspace._create_text_document)[:5] == ["self", "doc_uri", "source", "version", "language_id"]
    for name in ("sync_kind", "position_codec"):
        assert name in parameters(TextDocument.__init__), f"pygls {PYGLS}: TextDocument takes no {name}"


def test_no_other_module_touches_pygls_internals():
    attributes, overridden = private_names_used()
    names = attributes | overridden
    offenders = []
    for path in sorted(SERVER.rglob("*.py")):
        if path == INTERNALS or "builtin" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in names:
                offenders.append(f"{path.relative_to(SERVER)}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.FunctionDef) and node.name in names:
                offenders.append(f"{path.relative_to(SERVER)}:{node.lineno} def {node.name}")
            elif isinstance(node, ast.ImportFrom) and node.module in PRIVATE_MODULES:
                offenders.append(f"{path.relative_to(SERVER)}:{node.lineno} from {node.module}")
    assert not offenders, "pygls internals outside server/lsp/pygls_internals.py: " + ", ".join(offenders)


def test_pygls_applies_changes_through_the_public_hooks():
    calls = []

    class Recording(PyglsTextDocument):
        def apply_incremental_change(self, change):
            calls.append("incremental")
            super().apply_incremental_change(change)

        def apply_full_change(self, change):
            calls.append("full")
            super().apply_full_change(change)

    document = Recording("file:///a.py", "x = 1\n", sync_kind=types.TextDocumentSyncKind.Incremental)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=0, character=4), end=types.Position(line=0, character=5)),
        text="2",
    )
    document.apply_change(change)
    document.apply_change(types.TextDocumentContentChangeWholeDocument(text="y = 3\n"))
    assert calls == ["incremental", "full"]
    assert document.source == document.cached_source == "y = 3\n"


def test_a_workspace_like_another_makes_its_documents_with_its_sync_kind():
    original = Workspace("file:///w", sync_kind=types.TextDocumentSyncKind.Full)
    workspace = ChunkedWorkspace.like(original)
    assert isinstance(workspace, PyglsWorkspace) and workspace.root_uri == "file:///w"
    workspace.put_text_document(
        types.TextDocumentItem(uri="file:///w/a.py", language_id="python", version=1, text="a\n")
    )
    document = workspace.get_text_document("file:///w/a.py")
    assert isinstance(document, ChunkedTextDocument)
    assert document._is_sync_kind_full  # a full change replaces the text; pygls keeps the kind this way


def test_the_protocol_state_scion_reads_is_there():
    protocol = ScionServer().protocol
    assert protocol.shutdown_requested is False
    assert protocol.pending_requests == {} and protocol.result_types == {}
    assert protocol.structure({"line": 1, "character": 2}, types.Position) == types.Position(line=1, character=2)


def test_scion_still_builds_on_the_public_server_class():
    assert issubclass(ScionServer, LanguageServer)


def test_open_documents_are_found_by_the_uri_the_client_sends():
    # pygls keys open documents by the decoded URI; clients send them percent-encoded.
    server = ScionServer()
    server.protocol._workspace = ChunkedWorkspace(None)  # what initialize sets up
    uri = "file:///work/my%20order.py"
    server.workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=3, text="x = 1\n"))
    assert server.document_text(uri) == "x = 1\n" and server.document_version(uri) == 3
    assert server.open_document(uri) is not None and server.language_of(uri) == "python"
