"""initialize / initialized / shutdown and configuration changes.

Opens the one Store and the template Catalog; a database that cannot be opened
is reported and replaced by an in-memory one so the server keeps working.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from server.common.config import template_roots
from server.common.config_file import config_path
from server.common.errors import ScionError
from server.common.logs import open_log_file
from server.lsp import ScionServer
from server.templates.catalog import Catalog, default_roots

if TYPE_CHECKING:  # the store loads in the start-up worker, not at import
    from server.store import Store

log = logging.getLogger("scion.lifecycle")


def register(server: ScionServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: ScionServer, params: types.InitializeParams) -> None:
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        ls.client_can_ask = bool(options.get("ask", False))
        ls.workspace_root = _workspace_root(ls, params)
        if ls.forward_log is not None:
            ls.forward_log.sender = ls.send_log
        ls.apply_settings(options.get("scion", {}), replace=True)
        load_catalog(ls, with_store=True)
        log.info("Scion initialised for %s (ask=%s)", ls.workspace_root, ls.client_can_ask)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ScionServer, params: types.InitializedParams) -> None:
        await ls.ready()
        ls.send_status("ready", f"{len(ls.require_catalog().templates())} templates")
        for listener in ls.on_settings:
            _safely(listener)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: ScionServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and "scion" in settings:
            settings = settings["scion"]
        settings_changed(ls, settings)

    def config_file_saved(params: types.DidSaveTextDocumentParams) -> None:
        path = server.file_path(params.text_document.uri)
        if path is not None and server.workspace_root is not None and path == config_path(server.workspace_root):
            settings_changed(server)

    server.on_save.append(config_file_saved)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: ScionServer, params: None) -> None:
        # Long requests (generation, upgrades) run as background tasks, so this
        # cancels them too; their responses go out before pygls tidies up.
        await ls.background.cancel_all()
        await asyncio.sleep(0.05)
        if ls.evolution is not None:
            ls.evolution.close()
        if ls.hub is not None:
            ls.hub.close()
        if ls.store is not None:
            ls.store.close()
            ls.store = None


def settings_changed(ls: ScionServer, editor_settings: object = None) -> None:
    """Apply new editor settings (None: the same ones, after `.scion/config.toml` changed) and follow them."""
    old_database, old_roots = ls.database_path(), ls.settings.templates.roots
    ls.apply_settings({} if editor_settings is None else editor_settings)
    if ls.database_path() != old_database:
        open_store(ls)
    if ls.settings.templates.roots != old_roots:
        load_catalog(ls)
    for listener in ls.on_settings:
        _safely(listener)


def open_store(ls: ScionServer) -> None:
    """(Re)open the database; problems are shown and an in-memory database stands in."""
    if ls.store is not None:
        ls.store.close()
    ls.store, problem = _open_store(ls.database_path())
    if problem:
        ls.alert_user(problem)


def _open_store(path: str) -> tuple[Store, str | None]:
    from server.store import Store

    try:
        return Store(path), None
    except ScionError as error:
        return Store(":memory:"), f"Scion: {error} Using a temporary in-memory database until this is fixed."


def load_catalog(ls: ScionServer, *, with_store: bool = False) -> None:
    """Load the templates (and at start-up open the database) in a worker thread.

    `initialize` answers at once; `ls.ready()` waits for this. Importing
    the store, reading every manifest and opening SQLite cost more than
    the whole handshake.
    """
    roots = default_roots(ls.workspace_root, template_roots(ls.settings, ls.workspace_root))
    database = ls.database_path()
    workspace = ls.workspace_root

    def builtin_only() -> Catalog:
        return Catalog([(root, kind) for root, kind in roots if kind == "builtin"])

    def build() -> tuple[Catalog, Store | None, list[str], list[Path]]:
        open_log_file(ls.log_file)
        rolled_back = _roll_back_interrupted_upgrade(workspace) if with_store else []
        # The database first and on its own: a template that breaks the catalog must not cost the history.
        store, store_problem = _open_store(database) if with_store else (None, None)
        problems = [store_problem] if store_problem else []
        try:
            catalog = Catalog(roots)
            catalog.templates()
        except Exception as error:  # an unreadable root must not leave the server without templates
            log.exception("loading templates failed")
            catalog = builtin_only()
            problems.append(f"Scion: loading the templates failed ({error}); only the builtin templates are available.")
        # Warm what the first generation needs, while the editor is still idle.
        import server.evolution.engine
        import server.generation  # noqa: F401

        return catalog, store, problems, rolled_back

    async def load() -> None:
        try:
            catalog, store, problems, rolled_back = await asyncio.to_thread(build)
        except Exception as error:
            log.exception("starting up failed")
            catalog, store, rolled_back = builtin_only(), None, []
            problems = [f"Scion: starting up failed ({error}); only the builtin templates are available."]
        if rolled_back:
            ls.warn_user(
                f"Scion: an upgrade of this workspace was interrupted; {len(rolled_back)} file(s) were put back as they were. "
                "Run the upgrade again."
            )
        ls.catalog = catalog
        if with_store:
            ls.store = store if store is not None else _open_store(":memory:")[0]
        for problem in problems:
            ls.alert_user(problem)

    ls.catalog_loading = ls.background.spawn(load(), name="load-catalog")


def _roll_back_interrupted_upgrade(workspace: Path | None) -> list[Path]:
    """Before anything reads the workspace: undo a batch upgrade that was killed half way (see upgrades/writes.py)."""
    if workspace is None:
        return []
    from server.upgrades.writes import recover

    return recover(workspace)


def _workspace_root(ls: ScionServer, params: types.InitializeParams) -> Path | None:
    if params.workspace_folders:
        return ls.path_of(params.workspace_folders[0].uri)
    if params.root_uri:
        return ls.path_of(params.root_uri)
    if params.root_path:
        return Path(params.root_path)
    return None


def _safely(listener: Callable[[], None]) -> None:
    try:
        listener()
    except Exception:
        log.exception("settings listener failed")
