"""Template upgrades in the editor: the state, and the one list of handlers with where each runs.

The concerns live in their own modules: upgrade_detection (offers as
diagnostics), upgrade_conflicts (conflict blocks), upgrade_commands (upgrade,
skip, resolve), upgrade_batch (upgradeAll), upgrade_edits (the editor
applier) and upgrade_diagnostics (diagnostics and quick-fixes). Threading
follows upgrade_threads: every handler below runs on the loop; what blocks
runs in a worker on a snapshot of the documents and hands a value back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.errors import ScionError
from server.common.jsonish import plain
from server.features import upgrade_batch, upgrade_commands
from server.features import upgrade_diagnostics as diags
from server.features.arguments import command_argument, optional, required
from server.features.upgrade_conflicts import ConflictScanner
from server.features.upgrade_detection import Detected, UpgradeDetection, offer_diagnostics
from server.features.upgrade_threads import DocumentSnapshot, on_loop, take_snapshot
from server.lsp import ScionServer
from server.templates.answerfile import answer_file_of, is_answer_file, primary_file
from server.templates.catalog import Catalog
from server.upgrades.answers import Ask
from server.upgrades.detect import Detector, UpgradeOffer
from server.upgrades.outcome import FileUpgrade
from server.upgrades.renders import Renderer
from server.upgrades.service import Upgrader

UPGRADE_ALL = "scion.upgradeAll"
ASK_TIMEOUT = 600.0  # a person is answering
TEMPLATES_CHANGED_DEBOUNCE = 0.2  # s: a deployment reaches the editor well within 2 s


def register(server: ScionServer) -> None:
    service = UpgradeService(server)
    # lsp.py declares the attribute as None until the server state is typed (issue 18, the other half).
    server.upgrades = service  # type: ignore[assignment, unused-ignore]
    # Listeners: on the loop; each spawns its blocking part (detection) as a background task.
    server.on_open.append(service.document_opened)
    server.on_change.append(service.conflicts.document_changed)
    server.on_save.append(service.document_saved)
    server.on_settings.append(service.settings_changed)
    # Code actions: on the loop, built from the diagnostics' data alone.
    server.code_action_providers.append(service.code_actions)

    # Commands: on the loop; planning and writing go to workers on a snapshot.
    @server.command(diags.UPGRADE)
    async def upgrade(ls: ScionServer, *args: Any) -> dict[str, Any]:
        fields = {"uri": required("uri"), "toVersion": optional("str"), "preview": optional("bool")}
        raw = command_argument(diags.UPGRADE, args, fields)
        return await upgrade_commands.upgrade(service, raw["uri"], raw.get("toVersion"), raw.get("preview", False))

    @server.command(diags.SKIP)
    async def skip(ls: ScionServer, *args: Any) -> dict[str, Any]:
        fields = {"uri": required("uri"), "templateId": required("str"), "version": required("str")}
        raw = command_argument(diags.SKIP, args, fields)
        return await upgrade_commands.skip(service, raw["uri"], raw["templateId"], raw["version"])

    @server.command(diags.RESOLVE)
    async def resolve(ls: ScionServer, *args: Any) -> dict[str, Any]:
        fields = {"uri": required("uri"), "index": required("int"), "choice": required("str")}
        raw = command_argument(diags.RESOLVE, args, fields)
        return await upgrade_commands.resolve(service, raw["uri"], raw["index"], raw["choice"])

    @server.command(UPGRADE_ALL)
    async def upgrade_all(ls: ScionServer, *args: Any) -> dict[str, int]:
        return await upgrade_batch.upgrade_all(service)


class UpgradeService:
    """The upgrade state the handlers share; changed on the loop only."""

    def __init__(self, server: ScionServer) -> None:
        self.server = server
        self.renderer = Renderer()
        self._detector: Detector | None = None
        self.offers: dict[Path, tuple[UpgradeOffer, ...]] = {}  # answer file -> offers not skipped
        self.detection = UpgradeDetection(self)
        self.conflicts = ConflictScanner(self)
        self._scanned_catalog: Catalog | None = None

    @property
    def last_scan_seconds(self) -> float | None:
        return self.detection.last_scan_seconds

    def available_count(self) -> int:
        return sum(len(offers) for offers in self.offers.values())

    def catalog(self) -> Catalog:
        catalog = self.server.catalog
        if catalog is None:
            raise ScionError("the templates are not loaded yet; try again in a moment")
        return catalog

    def detector(self) -> Detector:
        catalog = self.catalog()
        if self._detector is None or self._detector.catalog is not catalog:
            self._detector = Detector(catalog, self.root(), self.renderer)
        return self._detector

    def root(self) -> Path:
        return (self.server.workspace_root or Path.cwd()).resolve()

    def upgrader(self, snapshot: DocumentSnapshot, *, honour_skips: bool = False) -> Upgrader:
        """A planner reading open documents from `snapshot`, asking through the editor when it can."""
        ask = self._ask_from_thread(asyncio.get_running_loop()) if self.server.client_can_ask else None
        return Upgrader(
            self.catalog(),
            self.root(),
            self.server.store,
            ask=ask,
            read_text=snapshot.read_text,
            renderer=self.renderer,
            honour_skips=honour_skips,
        )

    def _ask_from_thread(self, loop: asyncio.AbstractEventLoop) -> Ask:
        async def ask(params: dict[str, Any]) -> Any:
            return plain(await self.server.protocol.send_request_async("scion/ask", params))

        def ask_blocking(params: dict[str, Any]) -> dict[str, Any] | None:  # in the planning worker
            reply: dict[str, Any] | None = asyncio.run_coroutine_threadsafe(ask(params), loop).result(ASK_TIMEOUT)
            return reply

        return ask_blocking

    # -- listeners (on the loop) -------------------------------------------------

    @on_loop
    def settings_changed(self) -> None:
        """After `initialized` (and when the templates change): check the whole workspace once."""
        if self.server.catalog is None or self.server.catalog is self._scanned_catalog:
            return
        self._scanned_catalog = self.server.catalog
        self.server.background.spawn(self.detection.scan_workspace(), name="upgrades:scan")

    @on_loop
    def templates_changed(self) -> None:
        """The catalog's versions changed (evolution deployed or dropped one, a template was added, edited or
        deleted on disk, or pulled from the hub): detect every generated file again, republish their offers and
        the status count.

        The one refresh path for every source of new versions. Renders are cached by template folder and offers
        by answer-file text, and an edited template keeps both: start afresh. Bursts cost one scan.
        """
        self.renderer = Renderer()
        self._detector = None
        self.server.background.debounce(
            "upgrades:templates-changed", TEMPLATES_CHANGED_DEBOUNCE, self.detection.scan_workspace
        )

    @on_loop
    def answer_files_changed(self, answer_files: list[Path]) -> None:
        """Answer files were created, changed or deleted outside the editor (a `git pull`)."""

        async def refresh() -> None:
            await self.server.ready()
            await self.detection.refresh(answer_files)
            self.server.send_status("ready", f"{self.available_count()} template upgrades available")

        self.server.background.spawn(refresh(), name="upgrades:answer-files-changed")

    @on_loop
    def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        self.conflicts.scan(uri, params.text_document.text)
        path = self._path(uri)
        if path is None:
            return
        if is_answer_file(path) or answer_file_of(path).exists():
            self.server.background.spawn(self.detection.check(answer_file_of(path)), name=f"upgrades:check:{uri}")

    @on_loop
    def document_saved(self, params: types.DidSaveTextDocumentParams) -> None:
        path = self._path(params.text_document.uri)
        if path is not None and is_answer_file(path):
            self.server.background.spawn(self.detection.check(path), name="upgrades:answer-file-saved")

    @on_loop
    def code_actions(self, ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source == diags.SOURCE:
                actions.extend(diags.quick_fixes(diagnostic))
        return actions

    # -- state changes (on the loop) ---------------------------------------------

    @on_loop
    def set_offers(self, detected: Detected) -> None:
        previous = self.offers.pop(detected.answer_file, None)
        if detected.offers:
            self.offers[detected.answer_file] = detected.offers
        if detected.offers or previous:
            self._publish(from_fs_path(str(primary_file(detected.answer_file))) or "", list(detected.diagnostics))

    @on_loop
    def publish(self, uri: str) -> None:
        """The uri's diagnostics again: its offers (lines read now, on the loop) and its conflicts."""
        path = self._path(uri)
        offers = self.offers.get(answer_file_of(path), ()) if path is not None else ()
        self._publish(uri, offer_diagnostics(offers, take_snapshot(self.server)) if offers else [])

    def _publish(self, uri: str, upgrade_diagnostics: list[types.Diagnostic]) -> None:
        diagnostics = upgrade_diagnostics + self.conflicts.found.get(uri, [])
        self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    @on_loop
    async def after_upgrade(self, outcomes: list[FileUpgrade]) -> None:
        """The upgraded files' conflicts scanned and their offers detected again."""
        detector = self.detector()
        for outcome in outcomes:
            detector.forget(outcome.answer_file)
            for update in outcome.writes:
                if update.new_text is not None:
                    self.conflicts.scan(from_fs_path(str(update.path)) or "", update.new_text)
        await self.detection.refresh([outcome.answer_file for outcome in outcomes])
        self.server.send_status("ready", f"{self.available_count()} template upgrades available")

    async def begin_progress(self, title: str) -> str | None:
        token: str | None = await self.server.create_progress("upgrade")
        if token is None:
            return None
        self.server.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, percentage=0))
        return token

    def _path(self, uri: str) -> Path | None:
        path = self.server.file_path(uri)
        try:
            return path.resolve() if path is not None else None
        except (OSError, ValueError):
            return None
