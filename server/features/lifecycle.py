"""initialize / initialized / shutdown and configuration changes.

Opens the one Store and the template Catalog; a database that cannot be opened
is reported and replaced by an in-memory one so the server keeps working.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from server.errors import ScionError
from server.lsp import ScionServer
from server.store import Store
from server.templates.catalog import Catalog, default_roots

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
        open_store(ls)
        load_catalog(ls)
        log.info("Scion initialised for %s (ask=%s)", ls.workspace_root, ls.client_can_ask)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ScionServer, params: types.InitializedParams) -> None:
        await ls.ready()
        ls.send_status("ready", f"{len(ls.catalog.templates())} templates")
        for listener in ls.on_settings:
            _safely(listener)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: ScionServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and "scion" in settings:
            settings = settings["scion"]
        old_database, old_roots = ls.database_path(), ls.settings.templates.roots
        ls.apply_settings(settings)
        if ls.database_path() != old_database:
            open_store(ls)
        if ls.settings.templates.roots != old_roots:
            load_catalog(ls)
        for listener in ls.on_settings:
            _safely(listener)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: ScionServer, params: None) -> None:
        # Long requests (generation, upgrades) run as background tasks, so this
        # cancels them too; their responses go out before pygls tidies up.
        await ls.background.cancel_all()
        await asyncio.sleep(0.05)
        if ls.evolution is not None:
            ls.evolution.close()
        if ls.store is not None:
            ls.store.close()
            ls.store = None


def open_store(ls: ScionServer) -> None:
    if ls.store is not None:
        ls.store.close()
    path = ls.database_path()
    try:
        ls.store = Store(path)
    except ScionError as error:
        ls.show_error(f"Scion: {error} Using a temporary in-memory database until this is fixed.")
        ls.store = Store(":memory:")


def load_catalog(ls: ScionServer) -> None:
    """Load the template catalog in a worker thread; `ls.ready()` waits for it."""
    extra = [Path(root).expanduser() for root in ls.settings.templates.roots]
    if ls.workspace_root is not None:
        extra = [root if root.is_absolute() else ls.workspace_root / root for root in extra]
    roots = default_roots(ls.workspace_root, extra)

    def build() -> Catalog:
        catalog = Catalog(roots)
        catalog.templates()
        return catalog

    async def load() -> None:
        try:
            ls.catalog = await asyncio.to_thread(build)
        except Exception as error:  # an unreadable root must not leave the server without templates
            log.error("loading templates failed: %s", error)
            ls.catalog = Catalog([(root, kind) for root, kind in roots if kind == "builtin"])
        for problem in ls.catalog.errors:
            log.warning("template skipped: %s", problem)

    ls.catalog_loading = ls.background.spawn(load(), name="load-catalog")


def _workspace_root(ls: ScionServer, params: types.InitializeParams) -> Path | None:
    if params.workspace_folders:
        return ls.path_of(params.workspace_folders[0].uri)
    if params.root_uri:
        return ls.path_of(params.root_uri)
    if params.root_path:
        return Path(params.root_path)
    return None


def _safely(listener) -> None:
    try:
        listener()
    except Exception:
        log.exception("settings listener failed")
