"""`scion.upgradeAll`: every generated file of the workspace, planned in a worker, applied by two appliers.

The batch is planned in a worker thread on a snapshot of the open documents
(the same `plan_batch` as `scion upgrade --all`). Plans that touch a document
open in the editor go to the editor as WorkspaceEdits (so its buffers and undo
stay right); the others are written to the disk behind the batch journal.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.errors import ScionError
from server.features.upgrade_edits import apply_in_editor
from server.features.upgrade_threads import DocumentSnapshot, on_loop, take_snapshot
from server.upgrades.batch import BatchCancelled, BatchResult, apply_batch, plan_batch
from server.upgrades.discovery import find_answer_files
from server.upgrades.outcome import FileUpgrade

if TYPE_CHECKING:
    from server.features.upgrades import UpgradeService

PROGRESS_EVERY = 20  # files between progress reports


@on_loop
async def upgrade_all(service: UpgradeService) -> dict[str, int]:
    server = service.server
    await server.ready()
    answer_files = await asyncio.to_thread(find_answer_files, service.root())
    snapshot = take_snapshot(server)
    upgrader = service.upgrader(snapshot, honour_skips=True)
    progress = await service.begin_progress("Scion: upgrading generated files")
    loop = asyncio.get_running_loop()
    cancelled = threading.Event()

    def report(done: int, total: int, plan: FileUpgrade) -> None:  # in the batch's worker thread
        if cancelled.is_set():
            raise BatchCancelled("the upgrade was cancelled; no file was changed")
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            message = types.WorkDoneProgressReport(message=f"{done}/{total}", percentage=100 * done // total)
            loop.call_soon_threadsafe(server.work_done_progress.report, progress, message)

    try:
        planned = await asyncio.to_thread(plan_batch, upgrader, answer_files, progress=report)
    except asyncio.CancelledError:
        cancelled.set()  # the batch stops at its next file and writes nothing
        raise
    in_editor = {index for index, plan in enumerate(planned.files) if _touches_open(plan, snapshot)}
    to_disk = tuple(plan for index, plan in enumerate(planned.files) if index not in in_editor)
    written = await asyncio.to_thread(apply_batch, upgrader, replace(planned, files=to_disk))
    disk_outcomes = iter(written.files)
    outcomes = []
    for index, plan in enumerate(planned.files):
        outcomes.append(await _in_editor(service, plan, snapshot) if index in in_editor else next(disk_outcomes))
    result = replace(written, files=tuple(outcomes))
    await service.after_upgrade([o for o in result.files if o.generations and o.status != "failed"])
    if progress is not None:
        server.work_done_progress.end(progress, types.WorkDoneProgressEnd(message=_counts_text(result)))
    conflicted = result.count("conflicted")
    # The summary is the command's result (the clients show it); only what
    # needs the user's hands is also a message.
    if conflicted or result.count("failed"):
        server.warn_user(
            f"Scion: {_counts_text(result)}"
            + (f"; resolve the conflicts in {conflicted} file(s)" if conflicted else "")
        )
    return result.counts


def _touches_open(plan: FileUpgrade, snapshot: DocumentSnapshot) -> bool:
    return bool(plan.generations) and any(from_fs_path(str(update.path)) in snapshot.versions for update in plan.writes)


async def _in_editor(service: UpgradeService, plan: FileUpgrade, snapshot: DocumentSnapshot) -> FileUpgrade:
    try:
        return await apply_in_editor(service.server, plan, snapshot.versions)
    except (ScionError, OSError) as error:
        return FileUpgrade.failed(plan.answer_file, str(error))


def _counts_text(result: BatchResult) -> str:
    return ", ".join(f"{status} {count}" for status, count in result.counts.items())
