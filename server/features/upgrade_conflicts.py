"""Conflict blocks as diagnostics: found by scanning the document text, on the loop.

Scanning is cheap (one pass for `<<<<<<<`), so it runs on the loop, debounced
on change; blocks the user resolves by hand disappear as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from server.features import upgrade_diagnostics as diags
from server.features.upgrade_threads import on_loop

if TYPE_CHECKING:
    from server.features.upgrades import UpgradeService

CONFLICT_DEBOUNCE = 0.15


class ConflictScanner:
    def __init__(self, service: UpgradeService) -> None:
        self.service = service
        self.found: dict[str, list[types.Diagnostic]] = {}  # uri -> conflict diagnostics

    @on_loop
    def scan(self, uri: str, text: str) -> None:
        found = diags.conflict_diagnostics(uri, text) if "<<<<<<<" in text else []
        had = self.found.pop(uri, None)
        if found:
            self.found[uri] = found
        if found or had:
            self.service.publish(uri)

    @on_loop
    def document_changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in self.found and not any("<<<<<<<" in getattr(c, "text", "") for c in params.content_changes):
            return
        server = self.service.server

        async def rescan() -> None:  # on the loop, after the debounce
            document = server.open_document(uri)
            if document is not None:
                self.scan(uri, document.source)

        server.background.debounce(f"conflicts:{uri}", CONFLICT_DEBOUNCE, rescan)
