"""The upgrade commands one file at a time: upgrade (or preview), skip a version, resolve a conflict.

Each command runs on the loop; planning runs in a worker on a snapshot of the
open documents (asking new questions through `scion/ask` from there), and the
editor applies the plan (upgrade_edits.apply_in_editor).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.errors import ScionError
from server.features import upgrade_diagnostics as diags
from server.features.upgrade_edits import apply_in_editor, replace_lines_edit
from server.features.upgrade_threads import on_loop, take_snapshot
from server.templates.answerfile import answer_file_of
from server.upgrades.conflicts import resolve_conflict
from server.upgrades.outcome import FileUpgrade

if TYPE_CHECKING:
    from server.features.upgrades import UpgradeService


@on_loop
async def upgrade(
    service: UpgradeService, uri: str, to_version: str | None = None, preview: bool = False
) -> dict[str, Any]:
    server = service.server
    await server.ready()
    path = server.path_of(uri)
    snapshot = take_snapshot(server)
    upgrader = service.upgrader(snapshot)
    plan = await asyncio.to_thread(upgrader.plan, path, to_version)
    if not plan.generations:
        server.inform_user(f"Scion: {plan.primary.name} is up to date" + (f" ({plan.message})" if plan.message else ""))
        return result_of(plan, applied=False)
    outcome = await apply_in_editor(
        server, plan, snapshot.versions, preview=preview, label=f"Upgrade {plan.primary.name}"
    )
    if not outcome.generations:
        server.warn_user(f"Scion: {plan.primary.name} was not upgraded: {outcome.message}.")
        return result_of(outcome, applied=False)
    await service.after_upgrade([outcome])
    tell(service, outcome)
    return result_of(outcome, applied=True)


def tell(service: UpgradeService, upgrade: FileUpgrade) -> None:
    steps = ", ".join(f"{g.old.template} {g.new.version}" for g in upgrade.generations)
    if upgrade.conflicts:
        count = f"{upgrade.conflicts} conflict{'s' if upgrade.conflicts != 1 else ''}"
        service.server.warn_user(
            f"Scion: upgraded {upgrade.primary.name} to {steps} with {count} to resolve "
            "(quick-fixes: keep mine, take template, keep both)."
        )
    else:
        service.server.inform_user(f"Scion: upgraded {upgrade.primary.name} to {steps}.")


@on_loop
async def skip(service: UpgradeService, uri: str, template_id: str, version: str) -> dict[str, Any]:
    server = service.server
    path = server.path_of(uri).resolve()
    store = server.store
    if store is None:
        raise ScionError("the database is not open yet; try again in a moment")
    await asyncio.to_thread(store.add_dismissal, str(path), template_id, version)
    await service.detection.check(answer_file_of(path))
    server.send_status("ready", f"{service.available_count()} template upgrades available")
    return {"skipped": True, "templateId": template_id, "version": version}


@on_loop
async def resolve(service: UpgradeService, uri: str, index: int, choice: str) -> dict[str, Any]:
    server = service.server
    text = server.document_text(uri)
    resolved = resolve_conflict(text, index, choice)  # type: ignore[arg-type]
    document = server.open_document(uri)
    edit = replace_lines_edit(uri, document.version if document is not None else None, text, resolved)
    applied = await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Resolve conflict: {diags.CHOICE_TITLES.get(choice, choice)}")
    )
    if applied.applied:
        service.conflicts.scan(uri, resolved)
    remaining = len(service.conflicts.found.get(uri, []))
    return {"applied": bool(applied.applied), "remaining": remaining}


def result_of(upgrade: FileUpgrade, applied: bool) -> dict[str, Any]:
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
