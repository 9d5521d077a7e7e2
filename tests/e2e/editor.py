"""A scripted editor around pytest-lsp's client: it opens files, applies the
server's edits to its buffers (sending didChange like VS Code and Neovim do),
answers `scion/ask`, and remembers messages and diagnostics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from server.common.fsutil import atomic_write
from server.common.jsonish import plain
from tests.support.edits import apply_text_edits

LANGUAGES = {
    ".py": "python",
    ".ts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".ex": "elixir",
    ".yml": "yaml",
}


def position(line: int, character: int = 0) -> types.Position:
    return types.Position(line=line, character=character)


def text_range(sl: int, sc: int, el: int, ec: int) -> types.Range:
    return types.Range(start=position(sl, sc), end=position(el, ec))


class Editor:
    def __init__(self, client, workspace: Path) -> None:
        self.client = client
        self.workspace = workspace
        self.buffers: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.asked: list[dict] = []
        self.answer: Callable[[dict], Any] = lambda params: {q["name"]: q.get("default") for q in params["questions"]}
        self.apply_edits = True
        self.applied: list[types.WorkspaceEdit] = []
        self.statuses: list[dict] = []

        @client.feature("scion/ask")
        def ask(params):
            params = plain(params)
            self.asked.append(params)
            return self.answer(params)

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams):
            if not self.apply_edits:
                return types.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by the test")
            self.applied.append(params.edit)
            self._apply(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

        @client.feature("scion/status")
        def status(params):
            self.statuses.append(plain(params))

        self.watchers: dict[str, list] = {}  # registration id -> watchers, as the server asked

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register_capability(params: types.RegistrationParams):
            for registration in params.registrations:
                if registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES:
                    self.watchers[registration.id] = plain(registration.register_options)["watchers"]

        @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
        def unregister_capability(params: types.UnregistrationParams):
            for unregistration in params.unregisterations:
                self.watchers.pop(unregistration.id, None)

    @property
    def messages(self) -> list[types.ShowMessageParams]:
        return list(self.client.messages)

    # -- files ---------------------------------------------------------------

    def path(self, rel: str) -> Path:
        return self.workspace / rel

    def uri(self, rel: str) -> str:
        return from_fs_path(str(self.path(rel)))

    def write(self, rel: str, text: str) -> Path:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def open(self, rel: str, text: str | None = None, language: str | None = None) -> str:
        path = self.path(rel)
        if text is None:
            text = path.read_text() if path.exists() else ""
        uri = self.uri(rel)
        self.buffers[uri] = text
        self.versions[uri] = 1
        language = language or LANGUAGES.get(path.suffix, "plaintext")
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
            )
        )
        return uri

    def text(self, rel_or_uri: str) -> str:
        uri = rel_or_uri if rel_or_uri.startswith("file:") else self.uri(rel_or_uri)
        return self.buffers[uri] if uri in self.buffers else Path(to_fs_path(uri)).read_text()

    def change(self, uri: str, sl: int, sc: int, el: int, ec: int, new_text: str) -> None:
        """Type: replace a range in an open buffer and tell the server."""
        edit = types.TextEdit(range=text_range(sl, sc, el, ec), new_text=new_text)
        self.buffers[uri] = apply_text_edits(self.buffers[uri], [edit])
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangePartial(range=edit.range, text=new_text)],
            )
        )

    def save(self, uri: str) -> None:
        atomic_write(Path(to_fs_path(uri)), self.buffers[uri])
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def files_changed(self, *changes: tuple[str, types.FileChangeType]) -> None:
        """What an editor's file watcher reports: (relative path, created | changed | deleted)."""
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=self.uri(rel), type=kind) for rel, kind in changes]
            )
        )

    def close(self, uri: str) -> None:
        self.buffers.pop(uri, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def _apply(self, edit: types.WorkspaceEdit) -> None:
        for change in edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                path = Path(to_fs_path(change.uri))
                if not path.exists() or (change.options and change.options.overwrite):
                    atomic_write(path, "")
            elif isinstance(change, types.DeleteFile):
                Path(to_fs_path(change.uri)).unlink(missing_ok=True)
            elif isinstance(change, types.TextDocumentEdit):
                self._edit(change.text_document.uri, [e for e in change.edits if isinstance(e, types.TextEdit)])
        for uri, edits in (edit.changes or {}).items():
            self._edit(uri, list(edits))

    def _edit(self, uri: str, edits: list[types.TextEdit]) -> None:
        if uri not in self.buffers:
            path = Path(to_fs_path(uri))
            current = path.read_text() if path.exists() else ""
            atomic_write(path, apply_text_edits(current, edits))
            return
        # Send the edits last-first so each range is still valid when applied in order.
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        for edit in ordered:
            r = edit.range
            self.change(uri, r.start.line, r.start.character, r.end.line, r.end.character, edit.new_text)

    # -- requests ------------------------------------------------------------

    async def code_actions(
        self, uri: str, line: int = 0, character: int = 0, diagnostics=None, only=None
    ) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=text_range(line, character, line, character),
                context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
            )
        )
        return list(result or [])

    async def run(self, action_or_command) -> Any:
        command = action_or_command.command if isinstance(action_or_command, types.CodeAction) else action_or_command
        if isinstance(action_or_command, types.CodeAction) and action_or_command.edit is not None:
            self._apply(action_or_command.edit)
            if command is None:
                return None
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
        )
        return plain(result)

    async def command(self, name: str, argument: dict | None = None) -> Any:
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[argument or {}])
        )
        return plain(result)

    async def generate(self, uri: str, template_id: str, line: int = 0, character: int = 0, **extra) -> Any:
        argument = {"templateId": template_id, "uri": uri, "position": {"line": line, "character": character}} | extra
        return await self.command("scion.generate", argument)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the server")
            await asyncio.sleep(0.02)

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get(uri, []))
