"""Which characters of a render came from literal template text, and where that text is in the source.

Edit folding may only write back edits made to literal template text: a line
that a Jinja expression produced depends on the answers, so an edit there is
not an edit of the template. To know which is which, each literal piece of a
template file (a Jinja `TemplateData` node) is wrapped in invisible markers,
the marked template is rendered with the generation's answers, and the markers
are read back: every output character is either literal (piece, offset) or
produced by code.

The source offset of every piece is found by scanning the file for tags with
Jinja's default syntax and whitespace control; the result is checked against
Jinja's own lexer, and a file where the two disagree gets no provenance (and
so no folding) rather than a wrong one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

import jinja2
from jinja2 import nodes

from server.common.errors import TemplateError
from server.templates.model import Template
from server.templates.render import environment_for, render_template, template_variables

# One private-use code point per piece opens it (the piece index is the offset
# from PIECE_BASE); CLOSE ends it. Answers practically never contain these.
PIECE_BASE = 0xF0000
PIECE_LIMIT = 0xFFFFD
CLOSE = "\ue001"

_OPENERS = re.compile(r"\{\{|\{%|\{#")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_RAW_TAG = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}")
_ENDRAW_TAG = re.compile(r"\{%(?P<strip>-)?\+?\s*endraw\s*[-+]?%\}")


@dataclass(frozen=True)
class LiteralPiece:
    """One run of literal text as Jinja outputs it, and where it starts in the source file."""

    text: str
    start: int


@dataclass(frozen=True)
class Origin:
    """A literal output character: piece index and offset inside the piece."""

    piece: int
    offset: int


@dataclass(frozen=True)
class TracedRender:
    """A render of one template file with the origin of every character (None: produced by code)."""

    source: str  # the files/ path
    source_text: str
    pieces: tuple[LiteralPiece, ...]
    text: str
    origins: tuple[Origin | None, ...]
    emissions: dict[int, int]  # piece index -> how many times the render output it

    def source_offset(self, origin: Origin) -> int:
        return self.pieces[origin.piece].start + origin.offset

    def once(self, origin: Origin | None) -> TypeGuard[Origin]:
        """Literal, from a piece output exactly once (not repeated by a loop)."""
        return origin is not None and self.emissions.get(origin.piece) == 1


def _tag_end(text: str, start: int, opener: str) -> int | None:
    """The offset just after the tag opened at `start`; quotes inside expressions are skipped."""
    closer = _CLOSERS[opener]
    if opener == "{#":
        end = text.find(closer, start + 2)
        return None if end < 0 else end + 2
    position = start + 2
    while position < len(text):
        char = text[position]
        if char in "'\"":
            close_quote = text.find(char, position + 1)
            while close_quote > 0 and text[close_quote - 1] == "\\":
                close_quote = text.find(char, close_quote + 1)
            if close_quote < 0:
                return None
            position = close_quote + 1
            continue
        if text.startswith(closer, position):
            return position + 2
        position += 1
    return None


def _data_regions(text: str) -> list[tuple[int, int]] | None:
    """(start, end) of every literal region after whitespace control, in source order."""
    regions: list[tuple[int, int]] = []
    position = 0
    strip_next = False  # the previous tag ended with `-%}`: leading whitespace goes
    while True:
        match = _OPENERS.search(text, position)
        tag_start = match.start() if match else len(text)
        start, end = position, tag_start
        if strip_next:
            while start < end and text[start].isspace():
                start += 1
        if match and text.startswith("-", match.end()):
            while end > start and text[end - 1].isspace():
                end -= 1
        if end > start:
            regions.append((start, end))
        if match is None:
            return regions
        tag_end = _tag_end(text, tag_start, match.group())
        if tag_end is None:
            return None
        strip_next = text[tag_end - 3] == "-"
        position = tag_end
        raw = _RAW_TAG.match(text, tag_start)
        if raw and raw.end() == tag_end:
            closing = _ENDRAW_TAG.search(text, tag_end)
            if closing is None:
                return None
            start, end = tag_end, closing.start()
            if strip_next:
                while start < end and text[start].isspace():
                    start += 1
            if closing.group("strip"):
                while end > start and text[end - 1].isspace():
                    end -= 1
            if end > start:
                regions.append((start, end))
            strip_next = text[closing.end() - 3] == "-"
            position = closing.end()


def literal_pieces(environment: jinja2.Environment, text: str) -> tuple[LiteralPiece, ...] | None:
    """The literal pieces of a template file with their source offsets, or None when unsure."""
    try:
        tokens = [value for _, kind, value in environment.lex(text) if kind == "data" and value]
    except jinja2.TemplateSyntaxError:
        return None
    regions = _data_regions(text)
    if regions is None or len(regions) != len(tokens) or len(tokens) > PIECE_LIMIT - PIECE_BASE:
        return None
    pieces = tuple(LiteralPiece(text[start:end], start) for start, end in regions)
    if any(piece.text != token for piece, token in zip(pieces, tokens, strict=False)):
        return None
    return pieces


def _marked_tree(environment: jinja2.Environment, text: str, pieces: tuple[LiteralPiece, ...]) -> nodes.Template | None:
    tree = environment.parse(text)
    data_nodes = list(tree.find_all(nodes.TemplateData))
    if [node.data for node in data_nodes] != [piece.text for piece in pieces]:
        return None
    for index, node in enumerate(data_nodes):
        node.data = f"{chr(PIECE_BASE + index)}{node.data}{CLOSE}"
    return tree


def _read_marks(marked: str) -> tuple[str, list[Origin | None], dict[int, int]] | None:
    text: list[str] = []
    origins: list[Origin | None] = []
    emissions: dict[int, int] = {}
    piece, offset = None, 0
    for char in marked:
        code = ord(char)
        if PIECE_BASE <= code <= PIECE_LIMIT:
            if piece is not None:
                return None
            piece, offset = code - PIECE_BASE, 0
            emissions[piece] = emissions.get(piece, 0) + 1
        elif char == CLOSE:
            if piece is None:
                return None
            piece = None
        else:
            text.append(char)
            origins.append(None if piece is None else Origin(piece, offset))
            offset += piece is not None
    return "".join(text), origins, emissions


@functools.lru_cache(maxsize=64)
def _marked_template(files_dir: str, source_text: str) -> tuple[tuple[LiteralPiece, ...], jinja2.Template] | None:
    """The marked template compiled once per source text: analysis traces every generation of a version."""
    environment = environment_for(files_dir)
    pieces = literal_pieces(environment, source_text)
    if pieces is None:
        return None
    try:
        tree = _marked_tree(environment, source_text, pieces)
        return None if tree is None else (pieces, environment.from_string(tree))
    except jinja2.TemplateError:
        return None


def traced_render(template: Template, answers: dict[str, Any], features: dict[str, Any]) -> TracedRender | None:
    """The primary file's render with character origins; None when it cannot be traced faithfully.

    The template is one already in the catalog (trusted as much as a normal
    render); candidate templates are never traced here.
    """
    try:
        plain = render_template(template, answers, features).primary
    except TemplateError:
        return None
    source_path = template.files_dir / plain.source
    try:
        source_text = source_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    marked_template = _marked_template(str(template.files_dir), source_text)
    if marked_template is None:
        return None
    pieces, compiled = marked_template
    try:
        marked = compiled.render(**template_variables(template, answers, features))
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError):
        return None
    read = _read_marks(marked)
    if read is None or read[0] != plain.text:
        return None
    text, origins, emissions = read
    return TracedRender(plain.source, source_text, pieces, text, tuple(origins), emissions)
