"""Hover on generated code or in an answer file: template, version, answers and their sources."""

from __future__ import annotations

import logging

from lsprotocol import types

from server.common.errors import ScionError
from server.lsp import ScionServer
from server.templates.answerfile import (
    AnswerRecord,
    answer_file_for,
    generation_at_line,
    is_answer_file,
    read_answer_file,
    read_records,
)

log = logging.getLogger("scion.hover")


def register(server: ScionServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: ScionServer, params: types.HoverParams) -> types.Hover | None:
        path = ls.file_path(params.text_document.uri)
        if path is None:
            return None  # an untitled document has no answer file, so nothing generated to describe
        line = params.position.line
        try:
            if is_answer_file(path):
                # Read strictly: each generation with the line its entry starts on.
                found = generation_at_line(read_answer_file(path), line)
                records = [found] if found is not None else []
            else:
                records = [r for r in read_records(answer_file_for(path)) if r.covers(path, line)]
        except OSError as error:
            # A name the OS refuses (too long, ...): there is no answer file to read.
            log.debug("no hover for %s: %s", path, error)
            return None
        except ScionError as error:
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"**Scion**: {error}")
            )
        if not records:
            return None
        text = "\n\n---\n\n".join(describe(ls, r) for r in records)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def describe(ls: ScionServer, record: AnswerRecord) -> str:
    title = record.template
    if ls.catalog is not None:
        try:
            title = f"{ls.catalog.get(record.template).title} (`{record.template}`)"
        except ScionError:
            pass
    lines = [f"**{title}** version {record.version}"]
    if record.upgraded_from:
        lines.append(f"upgraded from {record.upgraded_from} on {record.upgraded_at}")
    rate, decided = ls.success.get(record.template, (None, 0))
    if rate is not None and decided:
        lines.append(f"kept in {rate:.0%} of {decided} decided generations")
    lines.append("")
    lines.append("| question | answer | source |")
    lines.append("|---|---|---|")
    for name, value in record.answers.items():
        lines.append(f"| {name} | `{value!r}` | {record.sources.get(name, '?')} |")
    return "\n".join(lines)
