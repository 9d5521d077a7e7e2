"""Document sync: keeps syntax trees current and tells the other features.

pygls allows one handler per LSP method, so this module owns didOpen/didChange/
didClose/didSave and calls the listeners the other features added to the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from lsprotocol import types

from server.context import MAX_PARSED_CHARS, DocumentTrees, too_large
from server.lsp import ScionServer

log = logging.getLogger("scion.documents")

_Params = TypeVar("_Params")


def register(server: ScionServer) -> None:
    server.trees = DocumentTrees()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ScionServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        # The workspace's copy, not the params': the same string (no copy), with
        # lone surrogates already replaced (see server.text_document.scrub).
        opened = ls.workspace.get_text_document(document.uri)
        if too_large(len(opened.source)):
            log.info(
                "%s is %.1f MB: not parsed (over %d MB)",
                document.uri,
                len(opened.source) / 1e6,
                MAX_PARSED_CHARS // 1_000_000,
            )
        else:
            ls.require_trees().update(document.uri, document.version, opened.source, document.language_id)
        _notify(ls.on_open, params)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ScionServer, params: types.DidChangeTextDocumentParams) -> None:
        # Syntax trees are brought up to date only when a code action needs one
        # (DocumentTrees diffs the texts and re-parses incrementally then): a
        # keystroke must not pay for a parse. Listeners see every change in
        # order; each range is relative to the text after the previous change.
        _notify(ls.on_change, params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ScionServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.require_trees().remove(params.text_document.uri)
        _notify(ls.on_close, params)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ScionServer, params: types.DidSaveTextDocumentParams) -> None:
        _notify(ls.on_save, params)


def _notify(listeners: Sequence[Callable[[_Params], None]], params: _Params) -> None:
    for listener in listeners:
        try:
            listener(params)
        except Exception:
            log.exception("document listener %s failed", getattr(listener, "__name__", listener))
