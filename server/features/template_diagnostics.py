"""Workspace templates are live: saving one reloads it; its errors become diagnostics.

A broken template is skipped by the catalog; the others keep working.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.errors import ScionError
from server.lsp import ScionServer

log = logging.getLogger("scion.templates")


def register(server: ScionServer) -> None:
    published: set[str] = set()

    def templates_root(ls: ScionServer) -> Path | None:
        return ls.workspace_root / ".scion" / "templates" if ls.workspace_root else None

    async def reload(ls: ScionServer, uri: str) -> None:
        await ls.ready()
        root = templates_root(ls)
        path = ls.path_of(uri)
        if root is None or ls.catalog is None or root not in path.parents:
            return
        errors = await asyncio.to_thread(ls.catalog.reload_path, path)
        publish(ls, errors)
        summary = f"{len(errors)} problem(s)" if errors else "loaded"
        log.info("template reloaded after saving %s: %s", path, summary)

    def publish(ls: ScionServer, errors: Sequence[ScionError]) -> None:
        by_uri: dict[str, list[types.Diagnostic]] = {}
        for error in errors:
            if error.path is None:
                continue
            uri = from_fs_path(str(error.path))
            by_uri.setdefault(uri, []).append(_diagnostic(error))
        for uri in published - set(by_uri):
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        for uri, diagnostics in by_uri.items():
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
        published.clear()
        published.update(by_uri)

    def on_save(params: types.DidSaveTextDocumentParams) -> None:
        server.background.spawn(reload(server, params.text_document.uri), name="reload-template")

    def on_ready() -> None:
        # Templates already broken at startup get their diagnostics too.
        if server.catalog is not None:
            publish(server, list(server.catalog.errors))

    server.on_save.append(on_save)
    server.on_settings.append(on_ready)


def _diagnostic(error: ScionError) -> types.Diagnostic:
    line = max((error.line or 1) - 1, 0)
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line + 1, character=0)),
        message=error.message,
        severity=types.DiagnosticSeverity.Error,
        source="scion",
        code="scion.template",
    )
