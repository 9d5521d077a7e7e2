"""Every pygls internal Scion relies on, in this one module, under public names.

pygls has no public API for what Scion changes in it: the workspace's
document class, a document's change hooks and cached text, the protocol's
request bookkeeping, its response senders and the generator protocol of its
built-in handlers. Everything that reads or overrides such a private name is
here, and the rest of the server uses only the classes and names below, so a
pygls upgrade is checked in one place. `tests/test_pygls_internals.py` fails
when pygls renames or removes any of them.

- `PyglsTextDocument`: the change hooks (`_apply_full_change`,
  `_apply_incremental_change`) as `apply_full_change`/`apply_incremental_change`,
  and the text pygls holds (`_source`) as `cached_source`.
- `PyglsWorkspace`: makes its documents of `document_class` (pygls's
  `_create_text_document`), and `like()` copies another's `_sync_kind`.
- `PyglsProtocol`: the workspace of `workspace_class` swapped in during
  initialize; a didChange for a document that is not open ignored (pygls
  raised KeyError); a shutdown that tolerates running requests (pygls iterated
  its live dict of request futures, which their callbacks change: "dictionary
  changed size during iteration", and the shutdown was never answered); the
  request bookkeeping, the converter and the response senders as
  `pending_requests`, `result_types`, `structure`, `answer`, `on_request`,
  `on_handler_result`, `on_notification_result`; `shutdown_requested`.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from concurrent.futures import Future
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage
from pygls.protocol.language_server import lsp_method
from pygls.workspace import TextDocument, Workspace

from server.common.errors import one_line

__all__ = [
    "JsonRPCNotification",
    "JsonRPCRequestMessage",
    "JsonRPCResponseMessage",
    "PyglsProtocol",
    "PyglsTextDocument",
    "PyglsWorkspace",
]

log = logging.getLogger("scion.protocol")


class PyglsTextDocument(TextDocument):
    """pygls's TextDocument with its change hooks and cached text under public names."""

    # pygls's apply_change dispatches to these two.
    def _apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self.apply_full_change(change)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        self.apply_incremental_change(change)

    def apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        super()._apply_full_change(change)

    def apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        super()._apply_incremental_change(change)

    @property
    def cached_source(self) -> str | None:
        """The text pygls holds; None while the document is read from the file on disk at each access."""
        return self._source

    @cached_source.setter
    def cached_source(self, text: str | None) -> None:
        self._source = text


class PyglsWorkspace(Workspace):
    """pygls's Workspace, making its documents of `document_class`."""

    document_class: type[TextDocument] = TextDocument

    @classmethod
    def like(cls, workspace: Workspace) -> PyglsWorkspace:
        """A new, empty workspace with `workspace`'s root, sync kind, folders and position encoding."""
        return cls(
            workspace.root_uri,
            workspace._sync_kind,
            list(workspace.folders.values()),
            workspace.position_encoding,
        )

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return self.document_class(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )


class PyglsProtocol(LanguageServerProtocol):
    """pygls's protocol with its internals under public names, and three of its handlers mended."""

    workspace_class: type[PyglsWorkspace] | None = None

    # -- the state Scion reads ---------------------------------------------

    @property
    def pending_requests(self) -> dict[Any, Future[Any]]:
        """Futures of the requests sent to the client (and of running handlers), by message id."""
        return self._request_futures

    @property
    def result_types(self) -> dict[Any, Any]:
        """The expected result type of each request sent to the client, by message id."""
        return self._result_types

    @property
    def shutdown_requested(self) -> bool:
        return self._shutdown

    def structure(self, data: Any, message_type: Any) -> Any:
        """`data` as `message_type`, with pygls's converter (lsprotocol's cattrs hooks)."""
        return self._converter.structure(data, message_type)

    # -- hooks: pygls calls the private names, subclasses override the public ones

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        self.answer(msg_id, result, error)

    def answer(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        """Send the response to request `msg_id`: every response goes through here."""
        super()._send_response(msg_id, result, error)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        self.on_request(msg_id, method_name, params)

    def on_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        super()._handle_request(msg_id, method_name, params)

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        self.on_handler_result(future, msg_id)

    def on_handler_result(self, future: Future[Any], msg_id: Any) -> None:
        """A request handler finished (or failed): answer it."""
        super()._send_handler_result(future, msg_id=msg_id)

    def _check_handler_result(self, future: Future[Any]) -> None:
        self.on_notification_result(future)

    def on_notification_result(self, future: Future[Any]) -> None:
        """A notification handler finished (or failed); there is nobody to answer."""
        super()._check_handler_result(future)

    # -- pygls's built-in handlers, mended ----------------------------------

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, types.InitializeResult]:
        # pygls builds its Workspace in the first step of its generator, then
        # yields to the server's initialize handler (or returns when there is
        # none). Running that first step here and swapping the workspace before
        # passing anything on means no handler ever sees pygls's workspace, and
        # it is still empty: documents only arrive after initialize.
        steps = super().lsp_initialize(params)
        try:
            step = next(steps)
        except StopIteration as finished:
            self._swap_workspace()
            return finished.value
        self._swap_workspace()
        while True:
            value = yield step
            try:
                step = steps.send(value)
            except StopIteration as finished:
                return finished.value

    def _swap_workspace(self) -> None:
        if self.workspace_class is not None:
            self._workspace = self.workspace_class.like(self.workspace)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        # pygls raises KeyError for a change to a document that is not open (a
        # client bug, or a change racing a close); there is nothing to apply it to.
        # pygls keys documents by the decoded URI.
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            log.warning("didChange for %s, which is not open: ignored", one_line(params.text_document.uri, 200))
            return None
        return (yield from super().lsp_text_document__did_change(params))

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):  # a copy: callbacks change the dict
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None
