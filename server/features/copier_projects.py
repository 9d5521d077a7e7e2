"""copier projects in the editor: an upgrade offer on copier's answers file, and the quick-fix that upgrades.

Opening or saving a copier answers file (`.copier-answers.yml` and the like)
checks, in a worker, whether the template has a newer tag; if so the file gets
an Information diagnostic (code `scion.copierUpgrade`) and a quick-fix that
runs `scion.copierUpgrade`: the same plan and merge as `scion upgrade`
(server/copier/update.py), written to disk in a worker. The template's tasks
run only for a trusted source (`scion.templates.trusted`), and only after the
user confirms (a showMessageRequest); their output goes to the log.
Threading: listeners, code actions and publishing on the loop; checks,
planning and writing in a worker on plain values (a path, the settings).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from lsprotocol import types

from server.common.errors import ScionError
from server.copier.project import ANSWERS_NAME, read_project
from server.copier.trust import is_trusted
from server.copier.update import UpgradeRequest, apply_upgrade, newer_version, plan_upgrade, template_has_tasks
from server.copier.user_settings import load_copier_settings
from server.lsp import ScionServer

log = logging.getLogger("scion.copier")
COMMAND = "scion.copierUpgrade"
DIAGNOSTIC_CODE = "scion.copierUpgrade"
RUN_TASKS, SKIP_TASKS = "Run the tasks", "Skip them"


def register(server: ScionServer) -> None:
    offers: dict[str, str] = {}  # uri -> the newer tag offered

    async def check(ls: ScionServer, uri: str) -> None:
        await ls.ready()
        path = ls.file_path(uri)
        if path is None or not ANSWERS_NAME.match(path.name):
            return
        try:
            newest = await asyncio.to_thread(_newer, path)
        except ScionError as error:
            log.info("copier project %s not checked: %s", path, error)
            newest = None
        publish(ls, uri, newest)

    def publish(ls: ScionServer, uri: str, newest: str | None) -> None:
        diagnostics = []
        if newest is None:
            offers.pop(uri, None)
        else:
            offers[uri] = newest
            diagnostics.append(
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=0, character=0), end=types.Position(line=1, character=0)
                    ),
                    message=f"copier template upgrade available: {newest}",
                    severity=types.DiagnosticSeverity.Information,
                    source="scion",
                    code=DIAGNOSTIC_CODE,
                    data={"uri": uri, "to": newest},
                )
            )
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def on_open(params: types.DidOpenTextDocumentParams) -> None:
        server.background.spawn(check(server, params.text_document.uri), name="copier-check")

    def on_save(params: types.DidSaveTextDocumentParams) -> None:
        server.background.spawn(check(server, params.text_document.uri), name="copier-check")

    def code_actions(ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        newest = offers.get(params.text_document.uri)
        if newest is None:
            return []
        ours = [d for d in params.context.diagnostics if d.code == DIAGNOSTIC_CODE]
        return [
            types.CodeAction(
                title=f"Upgrade the copier project to {newest}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=ours or None,
                command=types.Command(
                    title="Upgrade", command=COMMAND, arguments=[{"uri": params.text_document.uri, "to": newest}]
                ),
            )
        ]

    @server.command(COMMAND)
    async def upgrade(ls: ScionServer, *args: Any) -> dict[str, Any]:
        argument = args[0] if args and isinstance(args[0], dict) else {}
        uri = str(argument.get("uri", ""))
        path = ls.path_of(uri)
        if not ANSWERS_NAME.match(path.name):
            raise ScionError(f"{path.name} is not a copier answers file")
        project = await asyncio.to_thread(read_project, path)
        user = await asyncio.to_thread(load_copier_settings)  # copier's own settings.yml: trust and answer defaults
        trusted = is_trusted(project.src, (*ls.settings.templates.trusted, *user.trust))
        request = UpgradeRequest(
            to_ref=argument.get("to"),
            defaults=True,
            trusted=trusted,
            skip_tasks=True,
            settings_defaults=user.defaults,
        )
        plan = await asyncio.to_thread(plan_upgrade, project, request)
        if trusted and await asyncio.to_thread(template_has_tasks, plan.checkout):
            request = replace(request, skip_tasks=not await confirm_tasks(ls, project.src))
        lines: list[str] = []
        await asyncio.to_thread(apply_upgrade, plan, request, lines.append)
        for line in lines:
            log.info("%s: %s", path.name, line)
        for message in (plan.messages_before, plan.messages_after):  # the template's _message_*_update
            if message.strip():
                ls.inform_user(message.strip(), types.MessageType.Info)
        await check(ls, uri)
        return {"status": plan.status, "conflicts": plan.conflicted, "files": [change.path for change in plan.changes]}

    server.on_open.append(on_open)
    server.on_save.append(on_save)
    server.code_action_providers.append(code_actions)


def _newer(path: Path) -> str | None:
    return newer_version(read_project(path))


async def confirm_tasks(ls: ScionServer, source: str) -> bool:
    answer = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=f"The copier template {source} has tasks (commands it runs in the project). Run them?",
            actions=[types.MessageActionItem(title=RUN_TASKS), types.MessageActionItem(title=SKIP_TASKS)],
        )
    )
    return answer is not None and answer.title == RUN_TASKS
