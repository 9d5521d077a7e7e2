"""scion.generate / scion.listTemplates: answers, questions, rendering and the edit.

Rendering runs in a worker thread; the user is asked through `scion/ask` when the
client supports it. Nothing is written before the edit is applied, and nothing
at all when the user cancels.

A generation is one unit (see generation.py): before the editor changes
anything, the store's half is tried and rolled back (a damaged or read-only
database is found then); once the edit is applied, the record, the task
executions and the answer file are written together, and if that fails the
edit is reverted in the editor and the user is told in one line.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.confine import inside_workspace
from server.common.errors import AnswerError, ScionError
from server.common.jsonish import plain
from server.features.arguments import command_argument, optional, required
from server.features.code_actions import GENERATE, NEEDS_A_FILE, templates_here, title_for
from server.generation import (
    GenerationFailed,
    GenerationPlan,
    char_index,
    check_recordable,
    end_position,
    plan_file_generation,
    plan_insert_generation,
    record_applied,
)
from server.generation.answering import providers_for, record_task_executions
from server.lsp import ScionServer
from server.templates.answers import ask_payload, resolve_answers

log = logging.getLogger("scion.generate")


@dataclass
class GenerateRequest:
    template_id: str
    version: str | None
    uri: str
    line: int
    character: int
    answers: dict[str, Any]

    @classmethod
    def parse(cls, args: tuple) -> GenerateRequest:
        raw = command_argument(
            GENERATE,
            args,
            {
                "templateId": required("str"),
                "version": optional("str"),
                "uri": required("uri"),
                "position": optional("position"),
                "answers": optional("object"),
            },
        )
        position = raw.get("position") or {"line": 0, "character": 0}
        return cls(
            template_id=raw["templateId"],
            version=raw.get("version"),
            uri=raw["uri"],
            line=position["line"],
            character=position["character"],
            answers=dict(raw.get("answers") or {}),
        )


def register(server: ScionServer) -> None:
    @server.command(GENERATE)
    async def generate(ls: ScionServer, *args) -> dict | None:
        request = GenerateRequest.parse(args)
        # A tracked task: shutdown cancels it instead of waiting for a long render.
        return await ls.background.spawn(run_generation(ls, request), name=f"generate:{request.template_id}")

    @server.command("scion.listTemplates")
    async def list_templates(ls: ScionServer, *args) -> list[dict]:
        await ls.ready()
        raw = command_argument("scion.listTemplates", args, {"uri": required("uri"), "position": optional("position")})
        position = raw.get("position") or {"line": 0, "character": 0}
        templates = templates_here(ls, raw["uri"], position["line"], position["character"])
        result = []
        for template in templates:
            rate, decided = ls.success.get(template.id, (None, 0))
            result.append(
                {
                    "id": template.id,
                    "version": template.version,
                    "title": template.title,
                    "label": title_for(ls, template),
                    "description": template.description,
                    "mode": template.mode,
                    "successRate": rate,
                    "decided": decided,
                }
            )
        return result


async def run_generation(ls: ScionServer, request: GenerateRequest) -> dict | None:
    await ls.ready()
    template = ls.require_catalog().get(request.template_id, request.version)
    # Code actions name the newest version they offered; a running A/B trial serves its candidate to a share
    # of those generations (an older version asked for by name is rendered as asked).
    if ls.settings.evolution.enabled and request.version in (None, ls.require_catalog().versions(template.id)[-1]):
        from server.evolution.trials import serve  # evolution loads on first use

        template = await asyncio.to_thread(serve, ls.store, ls.workspace_root, template)
    # None for a document that is not a file (VS Code's `untitled:` buffers).
    path = ls.file_path(request.uri)
    if path is None and template.mode != "insert":
        raise ScionError(NEEDS_A_FILE)
    if path is not None and ls.workspace_root is not None:
        # The client names the document; what is written beside it must stay in the workspace.
        path = Path(inside_workspace(ls.workspace_root, path, what="document"))
    name = path.name if path is not None else ls.document_name(request.uri)
    ls.check_size(request.uri)  # before reading (and copying) a huge text
    text = ls.document_text(request.uri)
    lines = text.split("\n")
    if request.line < 0 or (request.line >= max(len(lines), 1) and text):
        raise ScionError(f"position {request.line + 1}:{request.character + 1} is past the end of {name}")
    context = ls.context_for(request.uri, request.line, request.character)
    features = context.features()

    providers = providers_for(ls.store, template, ls.settings, ls.evolution)
    resolution = await asyncio.to_thread(resolve_answers, template, features, request.answers, providers)
    questions = ask_payload(resolution)
    if questions and ls.client_can_ask:
        reply = await ls.protocol.send_request_async(
            "scion/ask", {"title": f"Generate: {template.title}", "templateId": template.id, "questions": questions}
        )
        reply = plain(reply)
        if reply is None:
            log.info("generation of %s cancelled by the user", template.id)
            return None
        if not isinstance(reply, dict):
            raise AnswerError("the editor's answers were not an object")
        resolution = resolution.with_user_answers(reply)
    if resolution.missing:
        names = ", ".join(resolution.missing)
        ls.alert_user(f"Scion: {template.title} needs an answer for {names}, and none could be inferred.")
        return None

    if template.mode == "insert":
        line_text = lines[request.line] if request.line < len(lines) else ""
        plan = await asyncio.to_thread(
            plan_insert_generation,
            template,
            resolution.answers,
            resolution.sources,
            features,
            path or Path(name),
            request.line,
            line_text,
            context.indentation,
        )
    else:
        assert path is not None  # a file template without a file was refused above
        workspace = ls.workspace_root or path.parent
        plan = await asyncio.to_thread(
            plan_file_generation, template, resolution.answers, resolution.sources, features, path.parent, workspace
        )
    if path is not None:
        _check_answer_file_name(plan.answer_file)
        await asyncio.to_thread(check_recordable, ls.store, plan)  # an untitled buffer records nothing
    edit = workspace_edit(ls, plan, request.uri, text)
    applied = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Generate: {template.title}")
    )
    if not applied.applied:
        reason = applied.failure_reason or "the editor did not apply it"
        ls.warn_user(f"Scion: {template.title} was not generated: {reason}.")
        return None

    if path is None:
        # An untitled buffer: the block is in the editor, and that is all. No
        # answer file (there is no folder to put it in, and nothing on disk to
        # upgrade later) and no record: the tracker judges a generation by
        # reading its file once the editor lets go of it, and an untitled
        # buffer is discarded or saved under a new URI, so any verdict would
        # be a guess that skews the template's success rate.
        log.info("generated %s into %s (not a file: no answer file, not tracked)", template.id, request.uri)
        return {"generationId": plan.generation_id, "files": [request.uri]}

    def executions() -> None:
        record_task_executions(ls.store, plan.generation_id, template.id, resolution, features)

    try:
        await asyncio.to_thread(record_applied, ls.store, plan, executions)
    except GenerationFailed:
        await _revert(ls, plan, request.uri, text)
        raise
    if ls.tracking is not None:
        ls.tracking.track(plan, request.uri)
    files = [from_fs_path(str(p.path)) for p in plan.files] if plan.files else [request.uri]
    return {"generationId": plan.generation_id, "files": files, "answerFile": from_fs_path(str(plan.answer_file))}


def _check_answer_file_name(answer_file: Path) -> None:
    """Refuse before editing anything when the answer file's name is longer than the OS allows.

    `<name>.template-answers.yml` adds 19 characters: a file name near the
    limit can be edited but gets no answer file, and the generation would be
    half done.
    """
    try:
        limit = os.pathconf(answer_file.parent if answer_file.parent.exists() else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(answer_file.name)) > limit:
        raise ScionError(
            f"the file name is too long for an answer file beside it ({len(os.fsencode(answer_file.name))} bytes "
            f"with the answers suffix, the limit is {limit}); rename the file to generate here"
        )


def workspace_edit(ls: ScionServer, plan: GenerationPlan, uri: str, current_text: str) -> types.WorkspaceEdit:
    if plan.insert is not None:
        (sl, sc), (el, ec) = plan.insert.start, plan.insert.end
        edit = types.TextEdit(range=_range(sl, sc, el, ec), new_text=plan.insert.new_text)
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=ls.document_version(uri)
                    ),
                    edits=[edit],
                )
            ]
        )
    if any(from_fs_path(str(p.path)) == uri for p in plan.files) and current_text.strip():
        raise ScionError(f"{ls.path_of(uri).name} is not empty; open an empty or new file to generate it")
    changes: list = []
    for planned in plan.files:
        file_uri = from_fs_path(str(planned.path))
        if file_uri == uri:
            end = _end_of(current_text)
            changes.append(_replace_all(file_uri, ls.document_version(uri), end, planned.text))
            continue
        if planned.path.exists() and planned.path.read_text(encoding="utf-8").strip():
            raise ScionError(f"{planned.path} already exists and is not empty; nothing was generated")
        changes.append(types.CreateFile(uri=file_uri, options=types.CreateFileOptions(overwrite=True)))
        changes.append(_replace_all(file_uri, None, (0, 0), planned.text))
    return types.WorkspaceEdit(document_changes=changes)


async def _revert(ls: ScionServer, plan: GenerationPlan, uri: str, before: str) -> None:
    """Take the generated code out of the editor again (the record could not be written)."""
    try:
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=revert_edit(plan, uri, before), label="Undo: generation failed")
        )
        if not result.applied:
            log.warning("the editor did not take back the generated code: %s", result.failure_reason)
    except Exception as error:  # the failure itself is what the user must hear about
        log.warning("could not take back the generated code: %s", error)


def revert_edit(plan: GenerationPlan, uri: str, before: str) -> types.WorkspaceEdit:
    """The edit that puts the documents back as they were before `plan`'s edit.

    Unversioned: it follows the generation's own edit, whose version the
    server may not have seen yet.
    """
    if plan.insert is not None:
        (sl, sc), (el, ec) = plan.insert.start, plan.insert.end
        old = _slice(before, (sl, sc), (el, ec))
        end = end_position(sl, sc, plan.insert.new_text)
        return types.WorkspaceEdit(document_changes=[_replace_range(uri, (sl, sc), end, old)])
    changes: list = []
    for planned in plan.files:
        file_uri = from_fs_path(str(planned.path))
        if file_uri == uri:
            changes.append(_replace_range(uri, (0, 0), _end_of(planned.text), before))
        else:
            changes.append(types.DeleteFile(uri=file_uri, options=types.DeleteFileOptions(ignore_if_not_exists=True)))
    return types.WorkspaceEdit(document_changes=changes)


def _replace_range(uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> types.TextDocumentEdit:
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
        edits=[types.TextEdit(range=_range(start[0], start[1], end[0], end[1]), new_text=text)],
    )


def _slice(text: str, start: tuple[int, int], end: tuple[int, int]) -> str:
    """The text between two (line, UTF-16 character) positions."""
    return text[_offset(text, *start) : _offset(text, *end)]


def _offset(text: str, line: int, character: int) -> int:
    lines = text.split("\n")
    if line >= len(lines):
        return len(text)
    return sum(len(text) + 1 for text in lines[:line]) + char_index(lines[line], character)


def _replace_all(uri: str, version: int | None, end: tuple[int, int], text: str) -> types.TextDocumentEdit:
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
        edits=[types.TextEdit(range=_range(0, 0, end[0], end[1]), new_text=text)],
    )


def _range(sl: int, sc: int, el: int, ec: int) -> types.Range:
    return types.Range(start=types.Position(line=sl, character=sc), end=types.Position(line=el, character=ec))


def _end_of(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2
