"""pygls's Workspace, holding ChunkedTextDocuments (cheap incremental changes)."""

from __future__ import annotations

from pygls.workspace import Workspace

from server.lsp.text_document import ChunkedTextDocument


class ChunkedWorkspace(Workspace):
    @classmethod
    def like(cls, workspace: Workspace) -> ChunkedWorkspace:
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
    ) -> ChunkedTextDocument:
        return ChunkedTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )
