"""Helpers for Python LSP clients (the demo, the benchmarks and the tests play the editor).

lsprotocol structures `Command | CodeAction` by checking for a "command" key,
so a CodeAction that carries a command (ours all do) comes back as a broken
Command. A CodeAction is recognisable by its string `command` being absent
or by the object-typed `command` field; this hook decides on that instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.uris import from_fs_path


def fix_code_action_union(converter) -> None:
    def structure(value: Any, _type: Any):
        if isinstance(value, dict) and isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007 - the hook is keyed by this exact typing.Union


def editor_initialize_params(workspace: Path, options: dict, name: str = "workspace") -> types.InitializeParams:
    """What an editor sends: applyEdit with document changes and file creation, one workspace folder."""
    uri = from_fs_path(str(workspace))
    return types.InitializeParams(
        capabilities=types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                apply_edit=True,
                workspace_edit=types.WorkspaceEditClientCapabilities(
                    document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
                ),
            )
        ),
        root_uri=uri,
        workspace_folders=[types.WorkspaceFolder(uri=uri, name=name)],
        initialization_options=options,
    )


def ignore_notifications(client: Any, *, diagnostics: bool = True) -> None:
    """Accept the server's messages, status and (unless `diagnostics` is False) diagnostics, and drop them."""
    methods = [types.WINDOW_LOG_MESSAGE, types.WINDOW_SHOW_MESSAGE, "scion/status"]
    for method in [*methods, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] if diagnostics else methods:
        client.feature(method)(lambda *args: None)
