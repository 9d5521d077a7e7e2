"""textDocument/codeAction: "Generate: <template>" for the templates that fit here.

Listing is cheap: one syntax lookup and a filter over the loaded catalog; the
rendering happens only when the user picks an action (scion.generate).
"""

from __future__ import annotations

import logging

from lsprotocol import types

from server.lsp import ScionServer

log = logging.getLogger("scion.code_actions")

GENERATE = "scion.generate"
LOW_SUCCESS = 0.5
LOW_SUCCESS_MIN_DECIDED = 10


def register(server: ScionServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.RefactorRewrite, types.CodeActionKind.Source, types.CodeActionKind.QuickFix],
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
    return [_action(t, uri, position, ls) for t in templates_here(ls, uri, position.line, position.character)]


def templates_here(ls: ScionServer, uri: str, line: int, character: int) -> list:
    """The templates offered at a position, best success rate first, then by title."""
    if ls.catalog is None:
        return []
    context = ls.context_for(uri, line, character)
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


def _wanted(action: types.CodeAction, only: list[str] | None) -> bool:
    if not only:
        return True
    kind = action.kind or ""
    return any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)
