"""textDocument/codeAction: "Generate: <template>" for the templates that fit here.

Listing is cheap: one syntax lookup and a filter over the loaded catalog; the
rendering happens only when the user picks an action (scion.generate).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lsprotocol import types

from server.common.errors import DocumentTooLarge
from server.lsp import ScionServer

log = logging.getLogger("scion.code_actions")

GENERATE = "scion.generate"
NEEDS_A_FILE = "save the file first: file templates need a file on disk"
LOW_SUCCESS = 0.5
LOW_SUCCESS_MIN_DECIDED = 10


def register(server: ScionServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.RefactorRewrite,
                types.CodeActionKind.Source,
                types.CodeActionKind.QuickFix,
            ],
            resolve_provider=False,
        ),
    )
    async def code_actions(ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        await ls.ready()
        actions: list[types.CodeAction] = []
        for provider in ls.code_action_providers:
            try:
                actions.extend(provider(ls, params))
            except Exception:
                log.exception("code action provider %s failed", getattr(provider, "__name__", provider))
        actions.extend(generate_actions(ls, params))
        return [a for a in actions if _wanted(a, params.context.only)]


def generate_actions(ls: ScionServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri, position = params.text_document.uri, params.range.start
    templates = templates_here(ls, uri, position.line, position.character)
    actions = []
    is_file = ls.file_path(uri) is not None
    for template in templates:
        action = _action(template, uri, position, ls)
        if not is_file and template.mode != "insert":
            # A file template writes files beside the document, and an untitled
            # buffer has no folder. Clients that show disabled actions tell the
            # user why it cannot run here; others simply do not list it (and the
            # command refuses with the same reason if called anyway).
            if not _shows_disabled(ls):
                continue
            action.disabled = types.CodeActionDisabled(reason=NEEDS_A_FILE)
            action.command = None
        actions.append(action)
    return actions


def _shows_disabled(ls: ScionServer) -> bool:
    capabilities = ls.client_capabilities
    document = capabilities.text_document if capabilities is not None else None
    code_action = document.code_action if document is not None else None
    return bool(code_action is not None and code_action.disabled_support)


def templates_here(ls: ScionServer, uri: str, line: int, character: int) -> list:
    """The templates offered at a position, best success rate first, then by title."""
    if ls.catalog is None:
        return []
    try:
        context = ls.context_for(uri, line, character)
    except DocumentTooLarge as error:
        log.info("no template actions: %s", error)
        return []
    if context.language is None:
        return []
    templates = ls.catalog.applicable(context.language, context.place)
    return sorted(templates, key=lambda t: (-_rate(ls, t.id), t.title.lower()))


def title_for(ls: ScionServer, template) -> str:
    title = f"Generate: {template.title}"
    rate, decided = ls.success.get(template.id, (None, 0))
    if rate is not None and decided >= LOW_SUCCESS_MIN_DECIDED and rate < LOW_SUCCESS:
        title += f" (kept {rate:.0%} of {decided})"
    return title


def _rate(ls: ScionServer, template_id: str) -> float:
    rate, decided = ls.success.get(template_id, (None, 0))
    # Unknown templates sit between proven good and proven poor ones.
    return rate if rate is not None and decided else 0.5


def _action(template, uri: str, position: types.Position, ls: ScionServer) -> types.CodeAction:
    kind = types.CodeActionKind.RefactorRewrite if template.mode == "insert" else types.CodeActionKind.Source
    argument = {
        "templateId": template.id,
        "version": template.version,
        "uri": uri,
        "position": {"line": position.line, "character": position.character},
    }
    return types.CodeAction(
        title=title_for(ls, template),
        kind=kind,
        command=types.Command(title=title_for(ls, template), command=GENERATE, arguments=[argument]),
    )


def _wanted(action: types.CodeAction, only: Sequence[str] | None) -> bool:
    if not only:
        return True
    kind = action.kind or ""
    return any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)
