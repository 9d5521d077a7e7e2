"""Upgrade offers and conflict blocks as diagnostics, and the quick-fixes built from them.

Everything a quick-fix needs travels in `Diagnostic.data`, so code actions are
built from the diagnostics the editor sends back, with no lookup.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.uris import from_fs_path

from server.upgrades.conflicts import parse_conflicts
from server.upgrades.detect import UpgradeOffer

SOURCE = "scion"
UPGRADE_CODE = "scion.upgrade"
CONFLICT_CODE = "scion.conflict"
UPGRADE = "scion.upgrade"
SKIP = "scion.skipVersion"
RESOLVE = "scion.resolveConflict"
CHOICE_TITLES = {"mine": "Keep mine", "template": "Take template", "both": "Keep both"}


def offer_diagnostic(offer: UpgradeOffer, line_text: str) -> types.Diagnostic:
    uri = from_fs_path(str(offer.primary))
    width = len(line_text.rstrip("\r\n").encode("utf-16-le")) // 2
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=offer.line, character=0), end=types.Position(line=offer.line, character=width)
        ),
        message=offer.message,
        severity=types.DiagnosticSeverity.Information,
        code=UPGRADE_CODE,
        source=SOURCE,
        data={
            "uri": uri,
            "templateId": offer.template_id,
            "from": offer.from_version,
            "to": offer.to_version,
            "generationId": offer.generation_id,
        },
    )


def conflict_diagnostics(uri: str, text: str) -> list[types.Diagnostic]:
    diagnostics = []
    lines = text.split("\n")
    for index, conflict in enumerate(parse_conflicts(text)):
        last = conflict.end_line - 1
        width = len(lines[last].rstrip("\r").encode("utf-16-le")) // 2 if last < len(lines) else 0
        label = conflict.label or "template"
        diagnostics.append(
            types.Diagnostic(
                range=types.Range(
                    start=types.Position(line=conflict.start_line, character=0),
                    end=types.Position(line=last, character=width),
                ),
                message=f"Conflict between your edits and {label}: keep mine, take the template's, or keep both",
                severity=types.DiagnosticSeverity.Error,
                code=CONFLICT_CODE,
                source=SOURCE,
                data={"uri": uri, "index": index},
            )
        )
    return diagnostics


def quick_fixes(diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    if diagnostic.code == UPGRADE_CODE and data.get("uri"):
        return _upgrade_fixes(diagnostic, data)
    if diagnostic.code == CONFLICT_CODE and data.get("uri") is not None:
        return _conflict_fixes(diagnostic, data)
    return []


def _upgrade_fixes(diagnostic: types.Diagnostic, data: dict) -> list[types.CodeAction]:
    template, to = data.get("templateId", "template"), data.get("to")
    upgrade = {"uri": data["uri"], "toVersion": to}
    skip = {"uri": data["uri"], "templateId": template, "version": to}
    return [
        _action(f"Upgrade {template} to {to}", UPGRADE, upgrade, diagnostic, preferred=True),
        _action("Preview upgrade", UPGRADE, upgrade | {"preview": True}, diagnostic),
        _action(f"Skip {to} for this file", SKIP, skip, diagnostic),
    ]


def _conflict_fixes(diagnostic: types.Diagnostic, data: dict) -> list[types.CodeAction]:
    return [
        _action(title, RESOLVE, {"uri": data["uri"], "index": data.get("index", 0), "choice": choice}, diagnostic)
        for choice, title in CHOICE_TITLES.items()
    ]


def _action(
    title: str, command: str, argument: dict, diagnostic: types.Diagnostic, preferred: bool = False
) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=preferred or None,
        command=types.Command(title=title, command=command, arguments=[argument]),
    )
