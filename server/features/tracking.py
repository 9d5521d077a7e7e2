"""Acceptance tracking in the server: follow each applied generation, take its
survival checkpoints, record the verdict, and feed it back (success rates that
order the code actions, kept answers that the evolution engine learns from).

- Edits: every didChange shifts the regions of the changed document only
  (O(size of the edit)). A full-document change loses the range; the region is
  found again lazily, at the next checkpoint, in the text of that moment.
- Timers: one background task sleeps until the earliest checkpoint
  (`Tracker.next_due_time`) and is re-armed when an earlier one appears.
  Measuring (4-gram survival, re-location, reading files) runs in a worker
  thread on a copy of the generation, so the loop keeps serving edits.
- Closed documents: closing does not decide early. The remaining checkpoints
  read the saved file (re-locating the block there), and the last one judges
  from disk; a file that is gone is rejected at its next checkpoint, or at once
  when the editor reports the deletion (workspace/didDeleteFiles).
- Restarts: the pending state is in the store (status 'pending' plus
  `tracking`/`checkpoint` events). On `initialized` the pending generations
  are resumed with their own windows; those whose last window has passed are
  judged from disk right away, the others continue as above.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.errors import ScionError
from server.context import MAX_PARSED_CHARS, too_large
from server.features import tracking_records as records
from server.features.arguments import command_argument, required
from server.lsp import ScionServer
from server.store import task_name
from server.templates.secrets import redact
from server.tracking import (
    CheckpointResult,
    PositionEncoding,
    Region,
    Tracker,
    Verdict,
    end_of_insert,
    normalise,
    text_in_region,
)

if TYPE_CHECKING:
    from server.generation import GenerationPlan
    from server.store import Store
    from server.tracking import PendingGeneration

log = logging.getLogger("scion.tracking")

ACCEPT = "scion.accept"
REJECT = "scion.reject"


def register(server: ScionServer) -> None:
    service = TrackingService(server)
    server.tracking = service
    server.on_open.append(service.document_opened)
    server.on_change.append(service.document_changed)
    server.on_settings.append(service.settings_changed)
    server.code_action_providers.append(service.code_actions)

    @server.command(ACCEPT)
    async def accept(ls: ScionServer, *args: Any) -> dict[str, Any]:
        return await ls.require_tracking().decide(_generation_id(ACCEPT, args), Verdict.ACCEPTED)

    @server.command(REJECT)
    async def reject(ls: ScionServer, *args: Any) -> dict[str, Any]:
        return await ls.require_tracking().decide(_generation_id(REJECT, args), Verdict.REJECTED)

    @server.feature(
        types.WORKSPACE_DID_DELETE_FILES,
        types.FileOperationRegistrationOptions(
            filters=[types.FileOperationFilter(pattern=types.FileOperationPattern(glob="**/*"))]
        ),
    )
    async def did_delete_files(ls: ScionServer, params: types.DeleteFilesParams) -> None:
        await ls.require_tracking().files_deleted([deleted.uri for deleted in params.files])


def _generation_id(command: str, args: tuple[Any, ...]) -> str:
    generation_id: str = command_argument(command, args, {"generationId": required("str")})["generationId"]
    return generation_id


def _position_encoding(negotiated: str | None) -> PositionEncoding:
    """The encoding the client and server agreed on; LSP's default is UTF-16."""
    if negotiated == "utf-8":
        return "utf-8"
    if negotiated == "utf-32":
        return "utf-32"
    return "utf-16"


class TrackingService:
    def __init__(self, server: ScionServer) -> None:
        self.server = server
        tracking = server.settings.tracking
        self.tracker = Tracker(checkpoints=tracking.checkpoints, keep_threshold=tracking.keep_threshold)
        self._resumed_store: Store | None = None
        # Secret answers of watched generations, in memory only: to redact the
        # retained text stored with the verdict (see templates/secrets.py).
        self._secrets: dict[str, list[str]] = {}
        self._timer: asyncio.Task[None] | None = None
        self._timer_at: float | None = None
        self._running = False

    # -- starting to watch ----------------------------------------------------

    def track(self, plan: GenerationPlan, uri: str) -> None:
        """Watch a generation whose edit the editor just applied."""
        if plan.insert is not None:
            region = records.region_of(plan.insert.region)
        else:
            uri = from_fs_path(str(plan.files[0].path))
            region = Region((0, 0), end_of_insert((0, 0), plan.files[0].text, self.tracker.encoding))
        if not self._holds(uri, region, plan.rendered_text):
            # The editor has not sent the change yet (clients may debounce didChange):
            # find the block when it is first measured instead of following a wrong range.
            region = None
        pending = self.tracker.track(plan.generation_id, uri, region or Region((0, 0), (0, 0)), plan.rendered_text)
        if plan.secrets:
            self._secrets[plan.generation_id] = plan.secrets
        pending.region = region
        try:
            store = self.server.require_store()
            store.set_status(plan.generation_id, "pending")
            store.add_event(plan.generation_id, records.TRACKING_EVENT, records.tracking_event(pending))
        except (KeyError, ValueError, ScionError) as error:
            log.warning("generation %s is watched but its pending state was not stored: %s", plan.generation_id, error)
        self._reschedule()

    def _holds(self, uri: str, region: Region | None, rendered: str) -> bool:
        document = self.server.open_document(uri)
        if document is None or region is None:
            return region is not None
        return normalise(text_in_region(document.source, region, self.tracker.encoding)) == normalise(rendered)

    def resume(self) -> list[str]:
        """Watch again what the store says is still pending (after a restart)."""
        store = self.server.require_store()
        self._resumed_store = store
        tracking = self.server.settings.tracking
        restored = []
        for row in store.pending_generations():
            if row["id"] in {p.generation_id for p in self.tracker.pending()}:
                continue
            try:
                record = records.resumable_record(
                    row, store.events_for(row["id"]), tracking.checkpoints, tracking.keep_threshold
                )
                restored += self.tracker.restore([record])
            except (KeyError, TypeError, ValueError) as error:
                log.warning("pending generation %s cannot be resumed: %s", row["id"], error)
        if restored:
            log.info("resumed %d pending generation(s)", len(restored))
        self._reschedule()
        return restored

    # -- listeners ------------------------------------------------------------

    def settings_changed(self) -> None:
        self.tracker.encoding = _position_encoding(self.server.workspace.position_encoding)
        tracking = self.server.settings.tracking
        # New windows and threshold apply to new generations; watched ones keep theirs.
        self.tracker.checkpoints = tuple(tracking.checkpoints)
        self.tracker.keep_threshold = tracking.keep_threshold
        if self.server.store is not self._resumed_store:
            for pending in self.tracker.pending():
                self.tracker.forget(pending.uri)
            self.resume()
            self.refresh_success()

    def document_changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if not self.tracker.pending_for(uri):
            return
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start, end = change.range.start, change.range.end
                self.tracker.on_change(uri, (start.line, start.character), (end.line, end.character), change.text)
            else:
                self.tracker.on_change(uri, None, None, change.text)

    def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        # The file may have changed while it was closed: find the block again when measuring.
        for pending in self.tracker.pending_for(params.text_document.uri):
            pending.region = None

    async def files_deleted(self, uris: list[str]) -> None:
        await self.server.ready()
        for pending in self.tracker.pending():
            if any(pending.uri == uri or pending.uri.startswith(uri.rstrip("/") + "/") for uri in uris):
                result = self.tracker.judge_from_disk(pending.generation_id, None)
                self._conclude(result)
        self._reschedule()

    # -- checkpoints ----------------------------------------------------------

    def _reschedule(self) -> None:
        if self._running:
            return  # the run in progress re-arms the timer when it ends
        at = self.tracker.next_due_time()
        if self._timer is not None and not self._timer.done():
            if at is not None and self._timer_at is not None and self._timer_at <= at:
                return
            self._timer.cancel()
        self._timer = None
        if at is None:
            return
        self._timer_at = at
        self._timer = self.server.background.spawn(self._wake_at(at), name="tracking:checkpoints")

    async def _wake_at(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - self.tracker.clock()))
        self._running = True
        try:
            for generation_id, index in self.tracker.due():
                try:
                    await self._take_checkpoint(generation_id, index)
                except ScionError as error:
                    log.warning("verdict not recorded: %s", error)
        finally:
            self._running = False
            self._timer = None
        self._reschedule()

    async def _take_checkpoint(self, generation_id: str, index: int) -> None:
        try:
            pending = self.tracker.get(generation_id)
        except KeyError:
            return
        record = pending.to_record()
        document = self.server.open_document(pending.uri)
        version = document.version if document is not None else None
        if too_large(self.server.document_size(pending.uri)):
            # Re-locating the block scans the whole text (and joins it first):
            # skipped like a failed checkpoint, so the store keeps it pending.
            log.info(
                "checkpoint %d of generation %s skipped: %s is over %d MB",
                index,
                generation_id,
                pending.uri,
                MAX_PARSED_CHARS // 1_000_000,
            )
            pending.record(index, pending.last_survival or 0.0, pending.last_retained or 0)
            return
        try:
            if document is not None:
                look = await asyncio.to_thread(
                    records.look_in_document, record, index, document.source, self.tracker.encoding
                )
            else:
                path = self.server.path_of(pending.uri)
                look = await asyncio.to_thread(records.look_on_disk, record, index, path, self.tracker.encoding)
        except Exception:
            # Skip this checkpoint rather than retry it in a tight loop; after a
            # failed last one the store still says pending, so the next start
            # judges it again from disk.
            log.exception("checkpoint %d of generation %s failed; skipped", index, generation_id)
            pending.record(index, pending.last_survival or 0.0, pending.last_retained or 0)
            return
        if not self._watching(generation_id):
            return  # decided explicitly while it was being measured
        if look.result.verdict is not None:
            self.tracker.decide(generation_id, look.result.verdict)
            self._conclude(look.result, window=pending.checkpoints[index])
            return
        survival, retained = look.result.survival, look.result.retained
        # A checkpoint that gives no verdict always measured the block.
        assert survival is not None and retained is not None
        pending.record(index, survival, retained)
        # Where the block was found is only true of the text it was measured in.
        if look.region is not None and self.server.document_version(pending.uri) == version:
            pending.region = look.region
        self._store_checkpoint(pending, index, survival, retained)

    def _watching(self, generation_id: str) -> bool:
        try:
            self.tracker.get(generation_id)
        except KeyError:
            return False
        return True

    def _store_checkpoint(self, pending: PendingGeneration, index: int, survival: float, retained: int) -> None:
        store = self.server.require_store()
        try:
            store.record_checkpoint(pending.generation_id, pending.checkpoints[index], survival, retained)
            store.add_event(
                pending.generation_id,
                records.CHECKPOINT_EVENT,
                {
                    "index": index,
                    "region": records.region_json(pending.region),
                    "survival": survival,
                    "retained": retained,
                },
            )
        except (KeyError, ScionError) as error:
            log.warning("checkpoint of %s not stored: %s", pending.generation_id, error)

    # -- verdicts -------------------------------------------------------------

    async def decide(self, generation_id: str, verdict: Verdict) -> dict[str, Any]:
        """scion.accept / scion.reject: measured now when still watched, else overruling the stored verdict."""
        await self.server.ready()
        try:
            pending = self.tracker.get(generation_id)
        except KeyError:
            pending = None
        if pending is not None:
            document = self.server.open_document(pending.uri)
            look = await asyncio.to_thread(
                records.look_for_decision,
                pending.to_record(),
                verdict,
                document.source if document is not None else None,
                self.server.path_of(pending.uri),
                self.tracker.encoding,
            )
            if self._watching(generation_id):
                self.tracker.decide(generation_id, verdict)
            result = look.result
        else:
            if self.server.require_store().get_generation(generation_id) is None:
                raise ScionError(f"no generation {generation_id}")
            result = CheckpointResult(generation_id, None, None, None, verdict, None, "explicit")
        self._conclude(result)
        self._reschedule()
        return {"generationId": generation_id, "verdict": str(verdict), "survival": result.survival}

    def _conclude(self, result: CheckpointResult, window: float | None = None) -> None:
        """Store a verdict and tell everyone who learns from it."""
        store = self.server.require_store()
        generation_id, verdict = result.generation_id, str(result.verdict)
        try:
            if window is not None and result.survival is not None:
                store.record_checkpoint(generation_id, window, result.survival, result.retained or 0)
            retained = self._storable_retained(generation_id, result.retained_text)
            store.decide(generation_id, verdict, quality_score=result.survival, retained_text=retained)
            store.add_event(
                generation_id,
                records.VERDICT_EVENT,
                {"verdict": verdict, "reason": result.reason, "survival": result.survival, "retained": result.retained},
            )
            row = store.get_generation(generation_id)
        except (KeyError, ValueError) as error:
            raise ScionError(f"generation {generation_id}: {error}") from error
        if row is None:
            raise ScionError(f"no generation {generation_id}")
        self._mark_answers(row, verdict == Verdict.ACCEPTED)
        self.refresh_success(row["template_id"])
        log.info("generation %s (%s) %s: %s", generation_id, row["template_id"], verdict, result.reason)
        for listener in self.server.on_verdict:
            try:
                listener(generation_id, verdict)
            except Exception:
                log.exception("verdict listener failed")

    def _storable_retained(self, generation_id: str, retained: str | None) -> str | None:
        """The retained text with the generation's secrets redacted; None when they are no longer known.

        After a restart the secret values are gone (they are never stored); a
        generation whose stored render was redacted then keeps no retained text.
        """
        secrets = self._secrets.pop(generation_id, None)
        if secrets:
            return redact(retained, secrets)
        row = self.server.require_store().get_generation(generation_id) if retained else None
        if row is not None and records.was_redacted(row):
            return None
        return retained

    def _mark_answers(self, row: dict[str, Any], accepted: bool) -> None:
        store = self.server.require_store()
        kept = records.kept_answers(row["answers"] or {}, row["rendered_text"], row.get("retained_text"), accepted)
        for question, was_kept in kept.items():
            store.mark_execution_kept(row["id"], task_name(row["template_id"], question), was_kept)

    def refresh_success(self, template_id: str | None = None) -> None:
        """Update `server.success` (template id -> (rate, decided)), which orders the code actions."""
        store = self.server.store
        if store is None:
            return
        if template_id is None:
            self.server.success = {
                row["template_id"]: (row["rate"], row["decided"]) for row in store.success_by_template()
            }
            return
        counts = store.success_of(template_id)
        self.server.success[template_id] = (counts["rate"], counts["decided"])

    # -- code actions ---------------------------------------------------------

    def code_actions(self, ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Keep / reject actions when the cursor is inside a watched generated block."""
        cursor = (params.range.start.line, params.range.start.character)
        actions = []
        for pending in self.tracker.pending_for(params.text_document.uri):
            region = pending.region
            if region is None or not region.start <= cursor <= region.end:
                continue
            argument = {"generationId": pending.generation_id}
            for title, command in (
                ("Scion: keep this generated code", ACCEPT),
                ("Scion: reject this generated code", REJECT),
            ):
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        command=types.Command(title=title, command=command, arguments=[argument]),
                    )
                )
        return actions
