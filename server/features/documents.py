"""Document sync: keeps syntax trees current and tells the other features.

pygls allows one handler per LSP method, so this module owns didOpen/didChange/
didClose/didSave and calls the listeners the other features added to the server.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from server.context import DocumentTrees
from server.lsp import ScionServer

log = logging.getLogger("scion.documents")


def register(server: ScionServer) -> None:
    server.trees = DocumentTrees()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ScionServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.trees.update(document.uri, document.version, document.text, document.language_id)
        _notify(ls.on_open, params)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ScionServer, params: types.DidChangeTextDocumentParams) -> None:
        # Each change's range is relative to the text after the previous change,
        # so trees (and the tracked regions of the listeners) follow them in order.
        _update_tree(ls, params)
        _notify(ls.on_change, params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ScionServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.trees.remove(params.text_document.uri)
        _notify(ls.on_close, params)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ScionServer, params: types.DidSaveTextDocumentParams) -> None:
        _notify(ls.on_save, params)


def _update_tree(ls: ScionServer, params: types.DidChangeTextDocumentParams) -> None:
    uri, version = params.text_document.uri, params.text_document.version
    parsed = ls.trees.get(uri)
    if parsed is None:
        return  # parsed lazily at the next code action
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            ls.trees.apply_change(uri, version, (start.line, start.character), (end.line, end.character), change.text)
        else:
            # A whole-document change: the trees diff it against the old text and reuse the old tree.
            ls.trees.update(uri, version, change.text, parsed.language)


def _notify(listeners: list, params) -> None:
    for listener in listeners:
        try:
            listener(params)
        except Exception:
            log.exception("document listener %s failed", getattr(listener, "__name__", listener))
