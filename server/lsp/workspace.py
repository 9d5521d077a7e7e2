"""pygls's Workspace, holding ChunkedTextDocuments (cheap incremental changes)."""

from __future__ import annotations

from server.lsp.pygls_internals import PyglsWorkspace
from server.lsp.text_document import ChunkedTextDocument


class ChunkedWorkspace(PyglsWorkspace):
    document_class = ChunkedTextDocument
