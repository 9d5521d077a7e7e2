"""The editor applier: upgrade plans (and conflict resolutions) as LSP WorkspaceEdits.

Each changed file gets one TextEdit covering only the lines that differ, so
the editor keeps the cursor and folds outside them; a preview marks every
change with an annotation that needs confirmation, which makes VS Code show
its refactor preview before anything is applied. Once the editor has applied
a plan's edit, the answer file is written (under its lock) and the upgrade
recorded; the disk applier is server/upgrades/apply.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from server.features.upgrade_threads import on_loop
from server.templates.answerfile import write_change
from server.upgrades.apply import record_upgrades
from server.upgrades.lines import common_ends, lines_with_terminators
from server.upgrades.outcome import FileUpgrade

if TYPE_CHECKING:
    from server.lsp import ScionServer

PREVIEW_ANNOTATION = "scion.upgrade"


@on_loop
async def apply_in_editor(
    server: ScionServer,
    plan: FileUpgrade,
    versions: Mapping[str, int | None],
    *,
    preview: bool = False,
    label: str = "Upgrade",
) -> FileUpgrade:
    """Have the editor apply the plan's files, then write its answer file and record it; the outcome."""
    if plan.writes:
        edit = upgrade_edit(plan, versions, preview=preview)
        applied = await server.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
        if not applied.applied:
            return plan.not_applied(applied.failure_reason or "the editor did not apply the edit")
    if plan.answer_change is not None:
        await asyncio.to_thread(write_change, plan.answer_change)
    await asyncio.to_thread(record_upgrades, server.store, [plan])
    return plan


def upgrade_edit(
    upgrade: FileUpgrade, versions: Mapping[str, int | None], preview: bool = False
) -> types.WorkspaceEdit:
    """The WorkspaceEdit of a plan; `versions` holds open documents' versions by uri."""
    annotation = PREVIEW_ANNOTATION if preview else None
    changes: list[types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile] = []
    for update in upgrade.writes:
        uri = from_fs_path(str(update.path))
        if update.new_text is None:
            changes.append(
                types.DeleteFile(
                    uri=uri, options=types.DeleteFileOptions(ignore_if_not_exists=True), annotation_id=annotation
                )
            )
            continue
        old = update.old_text
        if old is None:
            changes.append(
                types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=True), annotation_id=annotation)
            )
            old = ""
        text_edit = minimal_edit(old, update.new_text, annotation)
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions.get(uri))
        changes.append(types.TextDocumentEdit(text_document=document, edits=[text_edit]))
    edit = types.WorkspaceEdit(document_changes=changes)
    if preview:
        steps = ", ".join(f"{g.old.template} {g.old.version} → {g.new.version}" for g in upgrade.generations)
        edit.change_annotations = {
            PREVIEW_ANNOTATION: types.ChangeAnnotation(
                label=f"Upgrade {upgrade.primary.name}",
                needs_confirmation=True,
                description=steps + (f" ({upgrade.conflicts} conflicts)" if upgrade.conflicts else ""),
            )
        }
    return edit


def minimal_edit(old: str, new: str, annotation: str | None = None) -> types.TextEdit | types.AnnotatedTextEdit:
    """One edit replacing only the lines between the common first and last lines of `old` and `new`."""
    old_lines, new_lines = lines_with_terminators(old), lines_with_terminators(new)
    prefix, suffix = common_ends(old_lines, new_lines, suffix_line=lambda line: line.endswith("\n"))
    start = types.Position(line=prefix, character=0)
    end = _position_after(old_lines[: len(old_lines) - suffix])
    text = "".join(new_lines[prefix : len(new_lines) - suffix])
    text_range = types.Range(start=start, end=end)
    if annotation is not None:
        return types.AnnotatedTextEdit(range=text_range, new_text=text, annotation_id=annotation)
    return types.TextEdit(range=text_range, new_text=text)


def _position_after(lines: list[str]) -> types.Position:
    """Where the text made of `lines` ends."""
    if not lines:
        return types.Position(line=0, character=0)
    if lines[-1].endswith("\n"):
        return types.Position(line=len(lines), character=0)
    return types.Position(line=len(lines) - 1, character=_utf16_len(lines[-1]))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def replace_lines_edit(uri: str, version: int | None, old: str, new: str) -> types.WorkspaceEdit:
    """A WorkspaceEdit turning document `uri` from `old` into `new` (e.g. one conflict resolved)."""
    document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=document, edits=[minimal_edit(old, new)])]
    )
