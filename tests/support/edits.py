"""Apply an LSP WorkspaceEdit to files on disk, as an editor would.

Used by the scripted demo client and by the end-to-end tests, which play the
editor's part; the server itself never applies its own edits.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from server.common.fsutil import atomic_write


def offset_of(text: str, line: int, character: int) -> int:
    """Offset in `text` of an LSP position (UTF-16 character); clamped to the text."""
    lines = text.split("\n")
    if line >= len(lines):
        return len(text)
    offset = sum(len(text) + 1 for text in lines[:line])
    units = 0
    for index, char in enumerate(lines[line]):
        if units >= character:
            return offset + index
        units += 2 if ord(char) > 0xFFFF else 1
    return offset + len(lines[line])


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    # Later edits first, so earlier offsets stay valid (LSP edits never overlap).
    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    for edit in ordered:
        start = offset_of(text, edit.range.start.line, edit.range.start.character)
        end = offset_of(text, edit.range.end.line, edit.range.end.character)
        text = text[:start] + edit.new_text + text[end:]
    return text


def apply_workspace_edit(edit: types.WorkspaceEdit, open_texts: dict[str, str] | None = None) -> dict[str, str]:
    """Apply to disk (and to `open_texts`, the editor's buffers by uri); returns the new texts by uri."""
    open_texts = open_texts if open_texts is not None else {}
    changed: dict[str, str] = {}

    def current(uri: str) -> str:
        if uri in changed:
            return changed[uri]
        if uri in open_texts:
            return open_texts[uri]
        path = _path_of(uri)
        return path.read_text(encoding="utf-8") if path.exists() else ""

    for change in edit.document_changes or []:
        if isinstance(change, types.CreateFile):
            path = _path_of(change.uri)
            if not path.exists() or (change.options and change.options.overwrite):
                changed[change.uri] = ""
        elif isinstance(change, types.DeleteFile):
            _path_of(change.uri).unlink(missing_ok=True)
            changed.pop(change.uri, None)
        elif isinstance(change, types.TextDocumentEdit):
            text_edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
            changed[change.text_document.uri] = apply_text_edits(current(change.text_document.uri), text_edits)
    for uri, edits in (edit.changes or {}).items():
        changed[uri] = apply_text_edits(current(uri), list(edits))
    for uri, text in changed.items():
        atomic_write(_path_of(uri), text)
        open_texts[uri] = text
    return changed


def _path_of(uri: str) -> Path:
    path = to_fs_path(uri)
    if path is None:
        raise ValueError(f"{uri} is not a file")
    return Path(path)
