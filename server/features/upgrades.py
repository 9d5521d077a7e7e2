"""Template upgrades in the editor: offers as diagnostics, quick-fixes, merges as edits, conflicts.

- Detection runs in worker threads: once over the whole workspace after
  `initialized`, then for a file when it is opened or its answer file saved.
  The detector caches by answer-file content, so re-checks are cheap.
- scion.upgrade prepares the merge in a worker thread (asking new questions
  through `scion/ask` from there), sends it as a WorkspaceEdit so the editor
  applies it to its buffers (a preview asks for confirmation first), and only
  once it is applied writes the answer file and records the upgrade.
- Conflict blocks are found by scanning the document text (debounced on
  change), so blocks the user resolves by hand disappear as well.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from server.errors import ScionError
from server.features import upgrade_diagnostics as diags
from server.features.arguments import command_argument, optional, required
from server.features.upgrade_edits import replace_lines_edit, upgrade_edit
from server.jsonish import plain
from server.lsp import ScionServer
from server.upgrades.batch import BatchCancelled, BatchResult, upgrade_many
from server.upgrades.conflicts import resolve_conflict
from server.upgrades.detect import Detector, UpgradeOffer
from server.upgrades.outcome import FileUpgrade
from server.upgrades.records import answer_file_of, find_answer_files, is_answer_file, primary_file
from server.upgrades.renders import Renderer
from server.upgrades.service import Upgrader, read_from_disk

log = logging.getLogger("scion.upgrades")

UPGRADE_ALL = "scion.upgradeAll"
CONFLICT_DEBOUNCE = 0.15
ASK_TIMEOUT = 600.0  # a person is answering


def register(server: ScionServer) -> None:
    service = UpgradeService(server)
    server.upgrades = service
    server.on_open.append(service.document_opened)
    server.on_change.append(service.document_changed)
    server.on_save.append(service.document_saved)
    server.on_settings.append(service.settings_changed)
    server.code_action_providers.append(service.code_actions)

    @server.command(diags.UPGRADE)
    async def upgrade(ls: ScionServer, *args) -> dict:
        raw = await _reporting(
            ls,
            _argument(
                diags.UPGRADE, args, {"uri": required("uri"), "toVersion": optional("str"), "preview": optional("bool")}
            ),
        )
        return await _reporting(ls, ls.upgrades.upgrade(raw["uri"], raw.get("toVersion"), raw.get("preview", False)))

    @server.command(diags.SKIP)
    async def skip(ls: ScionServer, *args) -> dict:
        raw = await _reporting(
            ls,
            _argument(
                diags.SKIP, args, {"uri": required("uri"), "templateId": required("str"), "version": required("str")}
            ),
        )
        return await _reporting(ls, ls.upgrades.skip(raw["uri"], raw["templateId"], raw["version"]))

    @server.command(diags.RESOLVE)
    async def resolve(ls: ScionServer, *args) -> dict:
        raw = await _reporting(
            ls,
            _argument(
                diags.RESOLVE, args, {"uri": required("uri"), "index": required("int"), "choice": required("str")}
            ),
        )
        return await _reporting(ls, ls.upgrades.resolve(raw["uri"], raw["index"], raw["choice"]))

    @server.command(UPGRADE_ALL)
    async def upgrade_all(ls: ScionServer, *args) -> dict:
        return await _reporting(ls, ls.upgrades.upgrade_all())


async def _reporting(ls: ScionServer, work) -> dict:
    try:
        return await work
    except ScionError as error:
        ls.alert_user(f"Scion: {error}")
        raise


async def _argument(command: str, args: tuple, fields: dict) -> dict:
    # A coroutine so that _reporting tells the user about a bad argument too.
    return command_argument(command, args, fields)


class UpgradeService:
    def __init__(self, server: ScionServer) -> None:
        self.server = server
        self.renderer = Renderer()
        self._detector: Detector | None = None
        self.offers: dict[Path, list[UpgradeOffer]] = {}  # answer file -> offers not skipped
        self.conflicts: dict[str, list[types.Diagnostic]] = {}  # uri -> conflict diagnostics
        self._scanned_catalog = None
        self.last_scan_seconds: float | None = None
        # The detector's cache is not shared between threads: one detection at a time.
        self._detect_lock = threading.Lock()

    def available_count(self) -> int:
        return sum(len(offers) for offers in self.offers.values())

    def detector(self) -> Detector:
        catalog = self.server.catalog
        if self._detector is None or self._detector.catalog is not catalog:
            self._detector = Detector(catalog, self._root(), self.renderer)
        return self._detector

    def _root(self) -> Path:
        return (self.server.workspace_root or Path.cwd()).resolve()

    # -- listeners ---------------------------------------------------------------

    def settings_changed(self) -> None:
        """After `initialized` (and when the templates change): check the whole workspace once."""
        if self.server.catalog is None or self.server.catalog is self._scanned_catalog:
            return
        self._scanned_catalog = self.server.catalog
        self.server.background.spawn(self.scan_workspace(), name="upgrades:scan")

    def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        self._scan_conflicts(uri, params.text_document.text)
        path = self._path(uri)
        if path is None:
            return
        if is_answer_file(path) or answer_file_of(path).exists():
            self.server.background.spawn(self.check(answer_file_of(path)), name=f"upgrades:check:{uri}")

    def document_changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in self.conflicts and not any("<<<<<<<" in getattr(c, "text", "") for c in params.content_changes):
            return

        async def rescan() -> None:
            document = self.server.workspace.text_documents.get(uri)
            if document is not None:
                self._scan_conflicts(uri, document.source)

        self.server.background.debounce(f"conflicts:{uri}", CONFLICT_DEBOUNCE, rescan)

    def document_saved(self, params: types.DidSaveTextDocumentParams) -> None:
        path = self._path(params.text_document.uri)
        if path is not None and is_answer_file(path):
            self.server.background.spawn(self.check(path), name="upgrades:answer-file-saved")

    def _path(self, uri: str) -> Path | None:
        try:
            return self.server.path_of(uri).resolve()
        except ValueError:
            return None

    # -- detection ---------------------------------------------------------------

    async def scan_workspace(self) -> None:
        await self.server.ready()
        if self.server.workspace_root is None:
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer_files = await asyncio.to_thread(find_answer_files, self._root())
        found = await asyncio.to_thread(self._detect_many, answer_files)
        for answer_file, offers, diagnostics in found:
            self._set_offers(answer_file, offers, diagnostics)
        self.last_scan_seconds = loop.time() - started
        log.info(
            "upgrade scan: %d generated files, %d upgrades available, %.2f s",
            len(answer_files),
            self.available_count(),
            self.last_scan_seconds,
        )
        self.server.send_status("ready", f"{self.available_count()} template upgrades available")

    async def check(self, answer_file: Path) -> list[UpgradeOffer]:
        await self.server.ready()
        [(answer_file, offers, diagnostics)] = await asyncio.to_thread(self._detect_many, [answer_file])
        self._set_offers(answer_file, offers, diagnostics)
        return offers

    def _detect_many(self, answer_files: list[Path]) -> list[tuple[Path, list[UpgradeOffer], list[types.Diagnostic]]]:
        """Worker thread: the offers of each answer file (skipped versions left out) and their diagnostics."""
        with self._detect_lock:
            return self._detect_locked(answer_files)

    def _detect_locked(self, answer_files: list[Path]) -> list[tuple[Path, list[UpgradeOffer], list[types.Diagnostic]]]:
        detector, store = self.detector(), self.server.store
        results = []
        for answer_file in answer_files:
            try:
                offers = detector.offers(answer_file)
            except ScionError as error:
                log.warning("cannot check %s for upgrades: %s", answer_file, error)
                offers = []
            offers = [
                offer
                for offer in offers
                if store is None or not store.is_dismissed(str(offer.primary), offer.template_id, offer.to_version)
            ]
            diagnostics = [diags.offer_diagnostic(offer, self._line(offer)) for offer in offers]
            results.append((answer_file, offers, diagnostics))
        return results

    def _line(self, offer: UpgradeOffer) -> str:
        uri = from_fs_path(str(offer.primary))
        document = self.server.workspace.text_documents.get(uri)
        text = document.source if document is not None else read_from_disk(offer.primary) or ""
        lines = text.split("\n", offer.line + 1)
        return lines[offer.line] if offer.line < len(lines) else ""

    def _set_offers(self, answer_file: Path, offers: list[UpgradeOffer], diagnostics: list[types.Diagnostic]) -> None:
        previous = self.offers.pop(answer_file, None)
        if offers:
            self.offers[answer_file] = offers
        if offers or previous:
            self._publish(from_fs_path(str(primary_file(answer_file))), diagnostics)

    def _publish(self, uri: str, upgrade_diagnostics: list[types.Diagnostic] | None = None) -> None:
        if upgrade_diagnostics is None:
            path = self._path(uri)
            answer_file = answer_file_of(path) if path is not None else None
            offers = self.offers.get(answer_file, []) if answer_file is not None else []
            upgrade_diagnostics = [diags.offer_diagnostic(offer, self._line(offer)) for offer in offers]
        diagnostics = upgrade_diagnostics + self.conflicts.get(uri, [])
        self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def _scan_conflicts(self, uri: str, text: str) -> None:
        found = diags.conflict_diagnostics(uri, text) if "<<<<<<<" in text else []
        had = self.conflicts.pop(uri, None)
        if found:
            self.conflicts[uri] = found
        if found or had:
            self._publish(uri)

    # -- code actions ------------------------------------------------------------

    def code_actions(self, ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source == diags.SOURCE:
                actions.extend(diags.quick_fixes(diagnostic))
        return actions

    # -- commands ----------------------------------------------------------------

    def _upgrader(self, *, honour_skips: bool = False) -> tuple[Upgrader, dict[str, int]]:
        """An Upgrader reading open documents as the editor has them (a snapshot taken now)."""
        ls = self.server
        snapshot, versions = {}, {}
        for uri, document in ls.workspace.text_documents.items():
            path = self._path(uri)
            if path is not None:
                snapshot[path] = document.source
                versions[uri] = document.version
        ask = self._ask_from_thread(asyncio.get_running_loop()) if ls.client_can_ask else None

        def read_text(path: Path) -> str | None:
            return snapshot[path] if path in snapshot else read_from_disk(path)

        upgrader = Upgrader(
            ls.catalog,
            self._root(),
            ls.store,
            ask=ask,
            read_text=read_text,
            renderer=self.renderer,
            honour_skips=honour_skips,
        )
        return upgrader, versions

    def _ask_from_thread(self, loop: asyncio.AbstractEventLoop):
        async def ask(params: dict):
            return plain(await self.server.protocol.send_request_async("scion/ask", params))

        def ask_blocking(params: dict):
            return asyncio.run_coroutine_threadsafe(ask(params), loop).result(ASK_TIMEOUT)

        return ask_blocking

    async def upgrade(self, uri: str, to_version: str | None = None, preview: bool = False) -> dict:
        await self.server.ready()
        path = self.server.path_of(uri)
        upgrader, versions = self._upgrader()
        upgrade = await asyncio.to_thread(upgrader.prepare, path, to_version)
        if not upgrade.generations:
            self.server.inform_user(
                f"Scion: {upgrade.primary.name} is up to date" + (f" ({upgrade.message})" if upgrade.message else "")
            )
            return _result(upgrade, applied=False)
        if upgrade.writes:
            edit = upgrade_edit(upgrade, versions, preview=preview)
            label = f"Upgrade {upgrade.primary.name}"
            applied = await self.server.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=label)
            )
            if not applied.applied:
                reason = applied.failure_reason or "the editor did not apply it"
                self.server.warn_user(f"Scion: {upgrade.primary.name} was not upgraded: {reason}.")
                upgrade.status = "skipped"
                return _result(upgrade, applied=False)
        await asyncio.to_thread(upgrader.commit, upgrade)
        await self._after_upgrade([upgrade])
        self._tell(upgrade)
        return _result(upgrade, applied=True)

    async def _after_upgrade(self, upgrades: list[FileUpgrade]) -> None:
        for upgrade in upgrades:
            self.detector().forget(upgrade.answer_file)
            for update in upgrade.updates.values():
                if update.new_text is not None and update.writes:
                    self._scan_conflicts(from_fs_path(str(update.path)), update.new_text)
        found = await asyncio.to_thread(self._detect_many, [upgrade.answer_file for upgrade in upgrades])
        for answer_file, offers, diagnostics in found:
            self._set_offers(answer_file, offers, diagnostics)
        self.server.send_status("ready", f"{self.available_count()} template upgrades available")

    def _tell(self, upgrade: FileUpgrade) -> None:
        steps = ", ".join(f"{g.old.template} {g.new.version}" for g in upgrade.generations)
        if upgrade.conflicts:
            count = f"{upgrade.conflicts} conflict{'s' if upgrade.conflicts != 1 else ''}"
            self.server.warn_user(
                f"Scion: upgraded {upgrade.primary.name} to {steps} with {count} to resolve "
                "(quick-fixes: keep mine, take template, keep both)."
            )
        else:
            self.server.inform_user(f"Scion: upgraded {upgrade.primary.name} to {steps}.")

    async def skip(self, uri: str, template_id: str, version: str) -> dict:
        path = self.server.path_of(uri).resolve()
        await asyncio.to_thread(self.server.store.add_dismissal, str(path), template_id, version)
        await self.check(answer_file_of(path))
        self.server.send_status("ready", f"{self.available_count()} template upgrades available")
        return {"skipped": True, "templateId": template_id, "version": version}

    async def resolve(self, uri: str, index: int, choice: str) -> dict:
        text = self.server.document_text(uri)
        resolved = resolve_conflict(text, index, choice)  # type: ignore[arg-type]
        document = self.server.workspace.text_documents.get(uri)
        edit = replace_lines_edit(uri, document.version if document is not None else None, text, resolved)
        applied = await self.server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=edit, label=f"Resolve conflict: {diags.CHOICE_TITLES.get(choice, choice)}"
            )
        )
        if applied.applied:
            self._scan_conflicts(uri, resolved)
        remaining = len(self.conflicts.get(uri, []))
        return {"applied": bool(applied.applied), "remaining": remaining}

    async def upgrade_all(self) -> dict:
        """Every generated file: the batch path (journaled disk writes) in a thread; files open in the editor through it."""
        await self.server.ready()
        answer_files = await asyncio.to_thread(find_answer_files, self._root())
        upgrader, versions = self._upgrader(honour_skips=True)
        progress = await self._progress("Scion: upgrading generated files")
        loop = asyncio.get_running_loop()
        cancelled = threading.Event()

        def report(done: int, total: int, upgrade: FileUpgrade) -> None:  # in the batch's thread
            if cancelled.is_set():
                raise BatchCancelled("the upgrade was cancelled; no file was changed")
            if progress is not None and (done % 20 == 0 or done == total):
                message = types.WorkDoneProgressReport(message=f"{done}/{total}", percentage=100 * done // total)
                loop.call_soon_threadsafe(self.server.work_done_progress.report, progress, message)

        def in_editor(upgrade: FileUpgrade) -> bool:
            return any(from_fs_path(str(update.path)) in versions for update in upgrade.writes)

        try:
            result = await asyncio.to_thread(upgrade_many, upgrader, answer_files, progress=report, in_editor=in_editor)
        except asyncio.CancelledError:
            cancelled.set()  # the batch stops at its next file and writes nothing
            raise
        for index in result.in_editor:
            result.files[index] = await self._upgrade_in_editor(upgrader, versions, result.files[index])
        await self._after_upgrade(
            [upgrade for upgrade in result.files if upgrade.generations and upgrade.status != "failed"]
        )
        if progress is not None:
            self.server.work_done_progress.end(progress, types.WorkDoneProgressEnd(message=_counts_text(result)))
        conflicted = result.count("conflicted")
        # The summary is the command's result (the clients show it); only what
        # needs the user's hands is also a message.
        if conflicted or result.count("failed"):
            self.server.warn_user(
                f"Scion: {_counts_text(result)}"
                + (f"; resolve the conflicts in {conflicted} file(s)" if conflicted else "")
            )
        return result.counts

    async def _upgrade_in_editor(
        self, upgrader: Upgrader, versions: dict[str, int], upgrade: FileUpgrade
    ) -> FileUpgrade:
        """One prepared upgrade that touches open documents: the editor applies it, then the answer file and the store follow."""
        try:
            edit = upgrade_edit(upgrade, versions)
            applied = await self.server.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label="Upgrade")
            )
            if not applied.applied:
                upgrade.status, upgrade.message = (
                    "skipped",
                    applied.failure_reason or "the editor did not apply the edit",
                )
                upgrade.generations = []
                return upgrade
            await asyncio.to_thread(upgrader.commit, upgrade)
            return upgrade
        except (ScionError, OSError) as error:
            return FileUpgrade(upgrade.answer_file, upgrade.primary, "failed", str(error))

    async def _progress(self, title: str) -> str | None:
        token = await self.server.create_progress("upgrade")
        if token is None:
            return None
        self.server.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, percentage=0))
        return token


def _result(upgrade: FileUpgrade, applied: bool) -> dict:
    return {
        "status": upgrade.status,
        "applied": applied,
        "conflicts": upgrade.conflicts,
        "message": upgrade.message,
        "generations": [
            {"templateId": g.old.template, "from": g.old.version, "to": g.new.version} for g in upgrade.generations
        ],
        "files": [from_fs_path(str(update.path)) for update in upgrade.writes],
    }


def _counts_text(result: BatchResult) -> str:
    return ", ".join(f"{status} {count}" for status, count in result.counts.items())
