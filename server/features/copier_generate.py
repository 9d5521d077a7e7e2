"""New projects from copier templates in the editor: a code action and the `scion.generateCopier` command.

The copier templates of the template roots (`.scion/templates/`, the user's
folder, `scion.templates.roots`) are found in a worker and kept; listing code
actions only reads that list (refreshed in the background when it is a few
seconds old), so the list stays fast. Any file of the workspace offers
"Scion: new project from copier template <id>…" (kind `source.scion.copier`),
one per template, or a single action that asks which template when there are
more than a few.

The command asks the destination (default: the folder of the current file,
else the workspace; it must stay in the workspace), then the template's
questions one at a time through `scion/ask` (copier's defaults may read the
answers before them), renders in a worker and applies the result:

- text files as one WorkspaceEdit (CreateFile + the content), so the editor
  sees and can undo them;
- what a WorkspaceEdit cannot carry is written to disk as `scion generate`
  writes it: binary files, executable files (their mode), files with CRLF
  line ends or a byte order mark (editors normalise those), folders, and
  paths where a symlink stands;
- copier's answers file is one of the rendered files (the template renders
  it, as with copier).

Trust is copier's (`scion.templates.trusted` and the `trust` list of copier's
own settings file; its `defaults` are answer defaults): an untrusted template needing extensions or tasks is
refused with a message naming `scion.templates.trusted`, before anything is
written. A trusted template's tasks run only after the user confirms (the
same showMessageRequest as upgrades), after the edit; the generated text files
are written to disk first when the editor has not saved them yet, since tasks
read the disk. `_message_before_copy` / `_message_after_copy` are shown as
notifications, the generation is recorded in the database (one row per file,
as the CLI records it). Threading: code actions and the edit on the loop;
scanning, rendering, disk writes, tasks and the record in workers (a worker
asks the user through `run_coroutine_threadsafe`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.confine import inside_workspace
from server.common.errors import AnswerError, Cancelled, ScionError
from server.common.jsonish import plain
from server.copier.config import load_config
from server.copier.copy import CopyResult, WritePlan, check_destination, plan_writes, write_file
from server.copier.questions import Question, ask_payload
from server.copier.record import generation_rows
from server.copier.render import ProjectRender, RenderedFile
from server.copier.roots import copier_templates
from server.copier.session import RunOptions, Session
from server.copier.source import Checkout, open_source
from server.copier.tasks import run_tasks
from server.copier.trust import check_trust, features_needing_trust, is_trusted
from server.copier.user_settings import load_copier_settings
from server.features.arguments import command_argument, optional
from server.features.copier_projects import confirm_tasks
from server.features.upgrades import ASK_TIMEOUT
from server.lsp import ScionServer

log = logging.getLogger("scion.copier")
COMMAND = "scion.generateCopier"
KIND = "source.scion.copier"
LISTED = 3  # more templates than this: one action that asks which
STALE_AFTER = 5.0  # seconds before the next code action request scans the roots again (in the background)
ASK_AGAIN = 3  # an answer the template rejects is asked again this often, with the reason


@dataclass(frozen=True)
class CopierRequest:
    template_id: str | None
    uri: str | None
    destination: str | None
    answers: dict[str, Any]
    vcs_ref: str | None

    @classmethod
    def parse(cls, args: tuple) -> CopierRequest:
        raw = command_argument(
            COMMAND,
            args,
            {
                "templateId": optional("str"),
                "uri": optional("uri"),
                "destination": optional("str"),
                "answers": optional("object"),
                "vcsRef": optional("str"),
            },
            may_be_absent=True,  # the palette sends none: the user picks the template and the folder
        )
        return cls(
            raw.get("templateId"),
            raw.get("uri"),
            raw.get("destination"),
            dict(raw.get("answers") or {}),
            raw.get("vcsRef"),
        )


class CopierTemplates:
    """The copier templates of the roots, by id: scanned in a worker, read on the loop."""

    def __init__(self, server: ScionServer) -> None:
        self.server = server
        self.found: dict[str, Path] = {}
        self.scanned_at = float("-inf")
        self.scanning = False

    def roots(self) -> list[Path]:
        from server.common.config import template_roots
        from server.templates.catalog import default_roots

        workspace = self.server.workspace_root
        return [root for root, _ in default_roots(workspace, template_roots(self.server.settings, workspace))]

    def listed(self) -> dict[str, Path]:
        """The last list found (on the loop; never waits): a stale one starts a scan for the next request."""
        if not self.scanning and time.monotonic() - self.scanned_at > STALE_AFTER:
            self.refresh()
        return self.found

    def refresh(self) -> None:
        self.scanning = True
        self.server.background.spawn(self.scan(), name="copier-templates")

    async def scan(self) -> dict[str, Path]:
        try:
            self.found = await asyncio.to_thread(copier_templates, self.roots())
        finally:
            self.scanned_at = time.monotonic()
            self.scanning = False
        return self.found


def register(server: ScionServer) -> None:
    templates = CopierTemplates(server)

    def code_actions(ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if ls.workspace_root is None or ls.file_path(uri) is None:
            return []
        found = templates.listed()
        if len(found) > LISTED:
            return [_action("Scion: new project from a copier template…", {"uri": uri})]
        return [
            _action(f"Scion: new project from copier template {template_id}…", {"templateId": template_id, "uri": uri})
            for template_id in sorted(found)
        ]

    @server.command(COMMAND)
    async def generate_copier(ls: ScionServer, *args: Any) -> dict[str, Any] | None:
        request = CopierRequest.parse(args)
        # Tracked: shutdown cancels a generation waiting on the user instead of hanging on it.
        return await ls.background.spawn(run(ls, request, templates), name=f"generate-copier:{request.template_id}")

    server.on_settings.append(templates.refresh)
    server.code_action_providers.append(code_actions)


def _action(title: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title, kind=KIND, command=types.Command(title=title, command=COMMAND, arguments=[argument])
    )


async def run(ls: ScionServer, request: CopierRequest, templates: CopierTemplates) -> dict[str, Any] | None:
    await ls.ready()
    workspace = ls.workspace_root
    if workspace is None:
        raise ScionError("open a folder first: a copier project is generated into the workspace")
    ask = _Asker(ls, asyncio.get_running_loop()) if ls.client_can_ask else None
    try:
        return await _generate(ls, request, await templates.scan(), workspace, ask)
    except Cancelled:
        log.info("copier generation cancelled by the user; nothing was written")
        return None


async def _generate(
    ls: ScionServer, request: CopierRequest, found: dict[str, Path], workspace: Path, ask: _Asker | None
) -> dict[str, Any] | None:
    template_id = request.template_id
    if not template_id:
        template_id = await asyncio.to_thread(_choose_template, found, ask)
    folder = found.get(template_id)
    if folder is None:
        known = ", ".join(sorted(found)) or "none"
        raise ScionError(f"no copier template {template_id!r} in the template roots (found: {known})")
    source = str(folder)
    user = await asyncio.to_thread(load_copier_settings)  # copier's own settings.yml: trust and answer defaults
    trusted = is_trusted(source, (*ls.settings.templates.trusted, *user.trust))
    # Refused before anything is asked or written: an untrusted template that needs code of its own to run.
    checkout = await asyncio.to_thread(_checkout, source, request.vcs_ref, trusted)
    destination = _destination(ls, request, workspace)
    if request.destination is None and ask is not None:
        chosen = await asyncio.to_thread(ask.destination, template_id, _shown(destination, workspace))
        destination = _confined(workspace, workspace / chosen)
    await asyncio.to_thread(check_destination, destination)  # a file there: said before the questions
    options = RunOptions(
        data=request.answers, defaults=ask is None, trusted=trusted, settings_defaults=dict(user.defaults)
    )
    session = await asyncio.to_thread(Session, checkout, destination, options)
    _show(ls, await asyncio.to_thread(session.message, "message_before_copy"))
    answers = await asyncio.to_thread(session.ask, ask.question if ask is not None else None)
    render = await asyncio.to_thread(session.render)
    plan, by_edit, on_disk = await asyncio.to_thread(_plan, render, destination)
    run_template_tasks = trusted and bool(session.config.setting("tasks")) and await confirm_tasks(ls, source)

    title = f"New project from {template_id}"
    await asyncio.to_thread(_make_folders, plan, destination)
    if by_edit:
        applied = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=creation_edit(by_edit), label=title)
        )
        if not applied.applied:
            reason = applied.failure_reason or "the editor did not apply it"
            ls.warn_user(f"Scion: {title} was not generated: {reason}.")
            return None
    await asyncio.to_thread(_write_files, on_disk)
    if run_template_tasks:
        await asyncio.to_thread(_write_unsaved, by_edit)  # tasks read the disk
        lines: list[str] = []
        await asyncio.to_thread(run_tasks, session, lines.append)
        for line in lines:
            log.info("%s: %s", template_id, line)
    _show(ls, await asyncio.to_thread(session.message, "message_after_copy"))
    secrets = tuple(
        str(answers[name]) for name in session.config.secret_questions if name in answers and str(answers[name])
    )
    result = CopyResult(session.checkout, render, plan.written, plan.skipped, answers, session.remembered, secrets)
    await asyncio.to_thread(ls.require_store().import_generations, generation_rows(destination, result))
    return {
        "templateId": template_id,
        "version": session.checkout.commit,
        "destination": from_fs_path(str(destination)),
        "files": [from_fs_path(str(path)) for _, path in plan.targets],
        "skipped": [from_fs_path(str(destination / path)) for path in plan.skipped],
        "answersFile": from_fs_path(str(destination / render.answers_file)),
        "tasksRan": run_template_tasks,
    }


def _destination(ls: ScionServer, request: CopierRequest, workspace: Path) -> Path:
    """The named destination (relative to the workspace), else the current file's folder, else the workspace."""
    if request.destination is not None:
        return _confined(workspace, workspace / request.destination)
    path = ls.file_path(request.uri) if request.uri else None
    return _confined(workspace, path.parent if path is not None else workspace)


def _confined(workspace: Path, path: Path) -> Path:
    return Path(inside_workspace(workspace, path, what="project folder"))


def _shown(destination: Path, workspace: Path) -> str:
    try:
        return destination.relative_to(workspace).as_posix() or "."
    except ValueError:
        return "."


def _checkout(source: str, vcs_ref: str | None, trusted: bool) -> Checkout:
    checkout = open_source(source).checkout(vcs_ref)
    check_trust(source, features_needing_trust(load_config(checkout.root), skip_tasks=False), trusted=trusted)
    return checkout


Targets = list[tuple[RenderedFile, Path]]


def _plan(render: ProjectRender, destination: Path) -> tuple[WritePlan, Targets, Targets]:
    """What to write, split into what goes through the editor's edit and what is written on disk."""
    plan = plan_writes(render, destination, overwrite=False)
    by_edit: Targets = []
    on_disk: Targets = []
    for target in plan.targets:
        (by_edit if _fits_an_edit(*target) else on_disk).append(target)
    return plan, by_edit, on_disk


def _fits_an_edit(file: RenderedFile, path: Path) -> bool:
    """Text an editor keeps byte for byte: UTF-8, LF line ends, no BOM, not executable, nothing in its place.

    A preserved symlink (`_preserve_symlinks`) is never an edit: its content is the link's target.
    """
    if file.is_link or file.executable or path.is_symlink() or b"\r" in file.content or b"\0" in file.content:
        return False
    if file.content.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        file.content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def creation_edit(files: list[tuple[RenderedFile, Path]]) -> types.WorkspaceEdit:
    changes: list[Any] = []
    for file, path in files:
        uri = from_fs_path(str(path))
        changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=True)))
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[
                    types.TextEdit(
                        range=types.Range(
                            start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
                        ),
                        new_text=file.content.decode("utf-8"),
                    )
                ],
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


def _make_folders(plan: WritePlan, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for folder in plan.folders:
        folder.mkdir(parents=True, exist_ok=True)


def _write_files(files: list[tuple[RenderedFile, Path]]) -> None:
    for file, path in files:
        write_file(path, file)


def _write_unsaved(files: list[tuple[RenderedFile, Path]]) -> None:
    for file, path in files:
        if not path.is_file() or path.read_bytes() != file.content:
            write_file(path, file)


def _show(ls: ScionServer, message: str) -> None:
    if message.strip():
        ls.inform_user(message.strip(), types.MessageType.Info)


def _choose_template(found: dict[str, Path], ask: _Asker | None) -> str:
    if not found:
        raise ScionError("no copier template in the template roots (.scion/templates/, scion.templates.roots)")
    if len(found) == 1 or ask is None:
        if len(found) > 1:
            raise ScionError("name the copier template: templateId is one of " + ", ".join(sorted(found)))
        return next(iter(found))
    return ask.template(sorted(found))


class _Asker:
    """`scion/ask` from a worker thread: one question at a time, each answer checked by the template."""

    def __init__(self, ls: ScionServer, loop: asyncio.AbstractEventLoop) -> None:
        self.ls = ls
        self.loop = loop
        self.template_id = ""  # named in each request, once chosen

    def send(self, title: str, question: dict[str, Any], template_id: str = "") -> Any:
        async def ask() -> Any:
            params = {"title": title, "templateId": template_id, "questions": [question]}
            return plain(await self.ls.protocol.send_request_async("scion/ask", params))

        reply = asyncio.run_coroutine_threadsafe(ask(), self.loop).result(ASK_TIMEOUT)
        if reply is None:
            raise Cancelled("cancelled; nothing was written")
        if not isinstance(reply, dict) or question["name"] not in reply:
            raise AnswerError("the editor's answers were not an object with the question's answer")
        return reply[question["name"]]

    def template(self, ids: list[str]) -> str:
        choices = [{"label": template_id, "value": template_id} for template_id in ids]
        question = {"name": "template", "type": "str", "help": "The copier template", "default": ids[0]}
        return str(self.send("New project from a copier template", {**question, "choices": choices}))

    def destination(self, template_id: str, default: str) -> str:
        question = {
            "name": "destination",
            "type": "str",
            "help": "The project folder, relative to the workspace",
            "default": default,
        }
        self.template_id = template_id
        return str(self.send(f"New project from {template_id}", question, template_id))

    def question(self, question: Question, default: Any) -> Any:
        title = f"New project: {question.name}"
        for _ in range(ASK_AGAIN):
            raw = self.send(title, ask_payload(question, default), self.template_id)
            try:
                answer = question.parse(raw)
                question.validate(answer)
                return answer
            except AnswerError as error:
                title = f"New project: {error.message}"
        raise AnswerError(f"{question.name}: no valid answer after {ASK_AGAIN} tries", question=question.name)
