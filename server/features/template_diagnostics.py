"""Templates are live: a saved or changed template file reloads its template; errors become diagnostics.

A broken template is skipped by the catalog; the others keep working. Whatever
changed the templates (a save, a watched file, a `git pull`), `reload_templates`
is the one way from the changed files to a refreshed editor: the catalog
reloaded, the templates' diagnostics published, upgrade offers detected again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from server.common.errors import ScionError
from server.lsp import ScionServer
from server.templates.catalog import Catalog
from server.templates.loader import MANIFEST_NAME

log = logging.getLogger("scion.templates")


def register(server: ScionServer) -> None:
    def on_save(params: types.DidSaveTextDocumentParams) -> None:
        path = server.file_path(params.text_document.uri)
        if path is not None:
            server.background.spawn(reload_templates(server, [path]), name="reload-template")

    def on_ready() -> None:
        # Templates already broken at startup get their diagnostics too.
        if server.catalog is not None:
            publish(server, list(server.catalog.errors))

    server.on_save.append(on_save)
    server.on_settings.append(on_ready)


def editable_roots(catalog: Catalog) -> list[Path]:
    """The roots a user edits (workspace, extra, user); the builtin pack ships with Scion."""
    return [root for root, kind in catalog.roots if kind != "builtin"]


def in_roots(path: Path, roots: Iterable[Path]) -> bool:
    return any(root == path or root in path.parents for root in roots)


async def reload_templates(ls: ScionServer, paths: Sequence[Path]) -> None:
    """Files under the template roots changed (created, edited, deleted): reload and refresh."""
    await ls.ready()
    catalog = ls.catalog
    if catalog is None:
        return
    roots = editable_roots(catalog)
    changed = [path for path in (Path(p).absolute() for p in paths) if in_roots(path, roots)]
    if not changed:
        return
    async with ls.template_reloads:
        errors = await asyncio.to_thread(_reload, catalog, changed)
        publish(ls, errors)
    log.info("templates reloaded after %d changed file(s): %d problem(s)", len(changed), len(errors))
    if ls.upgrades is not None:
        ls.upgrades.templates_changed()


def _reload(catalog: Catalog, changed: list[Path]) -> list[ScionError]:
    """In a worker: new and deleted versions found again, every changed version parsed again."""
    catalog.reload()  # finds new roots and versions, forgets deleted ones; unchanged manifests are not re-parsed
    problems: dict[tuple[str, int | None, str], ScionError] = {}
    for error in catalog.errors:
        problems[(str(error.path), error.line, error.message)] = error
    for version_dir in sorted({folder for path in changed if (folder := _version_dir(path)) is not None}):
        for error in catalog.reload_path(version_dir / MANIFEST_NAME):  # its files changed, maybe not its manifest
            problems[(str(error.path), error.line, error.message)] = error
    return list(problems.values())


def _version_dir(path: Path) -> Path | None:
    for folder in (path, *path.parents):
        if (folder / MANIFEST_NAME).is_file():
            return folder
    return None


def publish(ls: ScionServer, errors: Sequence[ScionError]) -> None:
    """The templates' problems as diagnostics; files that had some and have none now are cleared."""
    by_uri: dict[str, list[types.Diagnostic]] = {}
    for error in errors:
        if error.path is None:
            continue
        uri = from_fs_path(str(error.path))
        by_uri.setdefault(uri, []).append(_diagnostic(error))
    for uri in ls.template_problem_uris - set(by_uri):
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    for uri, diagnostics in by_uri.items():
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
    ls.template_problem_uris = set(by_uri)


def _diagnostic(error: ScionError) -> types.Diagnostic:
    line = max((error.line or 1) - 1, 0)
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line + 1, character=0)),
        message=error.message,
        severity=types.DiagnosticSeverity.Error,
        source="scion",
        code="scion.template",
    )
