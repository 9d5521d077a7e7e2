"""Files changed outside the editor: templates, answer files and the settings file, watched by the client.

A `git pull` that brings templates or answer files must reach a running server.
The server asks the client to watch them (`client/registerCapability` for
`workspace/didChangeWatchedFiles`, when the client can register it dynamically;
re-registered when the template roots change) and reacts to each batch of
events on the loop: template files reload their templates (and with them
diagnostics and upgrade offers), answer files get their upgrade offers checked
again, and `.scion/config.toml` makes the settings apply again. Clients that
cannot watch still get the save-time reloads (template_diagnostics).
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.config import template_roots
from server.common.config_file import config_path
from server.features.lifecycle import settings_changed
from server.features.template_diagnostics import in_roots, reload_templates
from server.lsp import ScionServer
from server.templates.answerfile import SUFFIX, is_answer_file
from server.templates.catalog import default_roots

log = logging.getLogger("scion.watch")

SETTINGS_FILE = Path(".scion") / "config.toml"  # config_path(workspace), as a pattern from any workspace
_registration_ids = itertools.count(1)


def register(server: ScionServer) -> None:
    registered: dict[str, object] = {}  # "id" -> registration id, "watchers" -> what it watches

    def on_settings() -> None:
        if not can_watch(server):
            return
        watchers = file_watchers(server)
        if registered.get("watchers") == watchers:
            return
        server.background.spawn(reregister(watchers), name="watch-files")

    async def reregister(watchers: list[types.FileSystemWatcher]) -> None:
        previous = registered.get("id")
        registration_id = f"scion-watched-files-{next(_registration_ids)}"
        registered.update(id=registration_id, watchers=watchers)
        method = types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        try:
            if isinstance(previous, str):
                await server.client_unregister_capability_async(
                    types.UnregistrationParams(unregisterations=[types.Unregistration(id=previous, method=method)])
                )
            options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
            await server.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[types.Registration(id=registration_id, method=method, register_options=options)]
                )
            )
        except Exception as error:  # the client said it could and then refused: saves still reload templates
            log.warning("the editor did not watch Scion's files (%s); templates reload when saved", error)
            return
        log.info("watching %d pattern(s) for template, answer-file and settings changes", len(watchers))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: ScionServer, params: types.DidChangeWatchedFilesParams) -> None:
        files_changed(ls, [path for event in params.changes if (path := ls.file_path(event.uri)) is not None])

    server.on_settings.append(on_settings)


def can_watch(ls: ScionServer) -> bool:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    return bool(watched and watched.dynamic_registration)


def file_watchers(ls: ScionServer) -> list[types.FileSystemWatcher]:
    """Answer files and the settings file anywhere in the workspace; every template root a user edits.

    Roots in the workspace are globs from it, so a root that does not exist yet (no
    `.scion/templates` before the first pull) is watched all the same; a root elsewhere is
    watched from its folder when it exists (watchers cannot start in a missing folder).
    """
    # `**/.scion` itself: a watcher that polls folders (Neovim's on Linux) watches only the folders
    # its patterns match, and sees `.scion/templates` appear through it.
    patterns: list[str | types.RelativePattern] = [f"**/*{SUFFIX}", f"**/{SETTINGS_FILE.as_posix()}", "**/.scion"]
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    relative = bool(watched and watched.relative_pattern_support)
    root_of_workspace = ls.workspace_root.absolute() if ls.workspace_root is not None else None
    for root in _edited_roots(ls):
        if root_of_workspace is not None and root_of_workspace in root.parents:
            # The root itself too: a watcher that polls folders (Neovim's on Linux) reports a new
            # folder tree by its top only, and a reload finds every version below it.
            rel = root.relative_to(root_of_workspace).as_posix()
            patterns.extend((f"**/{rel}", f"**/{rel}/**"))
        elif not root.is_dir():
            continue
        elif relative:
            patterns.append(types.RelativePattern(base_uri=from_fs_path(str(root)) or "", pattern="**/*"))
        else:
            patterns.append(f"{root.as_posix()}/**")
    return [types.FileSystemWatcher(glob_pattern=pattern) for pattern in patterns]


def files_changed(ls: ScionServer, paths: list[Path]) -> None:
    """On the loop: one batch of created, changed and deleted files, each sent where it matters."""
    if any(is_settings_file(ls, path) for path in paths):
        log.info("%s changed: applying the settings again", SETTINGS_FILE)
        settings_changed(ls)
    answer_files = [path for path in paths if is_answer_file(path)]
    if answer_files and ls.upgrades is not None:
        ls.upgrades.answer_files_changed(answer_files)
    templates = [path for path in paths if not is_answer_file(path) and in_roots(path, _edited_roots(ls))]
    if templates:
        ls.background.spawn(reload_templates(ls, templates), name="reload-templates")


def is_settings_file(ls: ScionServer, path: Path) -> bool:
    return ls.workspace_root is not None and path == config_path(ls.workspace_root)


def _edited_roots(ls: ScionServer) -> list[Path]:
    roots = default_roots(ls.workspace_root, template_roots(ls.settings, ls.workspace_root))
    return [root.absolute() for root, kind in roots if kind != "builtin"]
