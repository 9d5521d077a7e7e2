"""Regions of a document, and how one incremental change moves them.

A `Position` is `(line, character)`, both 0-based, as in LSP. Characters are
counted in the position encoding the client and server agreed on, which is
UTF-16 code units unless negotiated otherwise (`positionEncoding`). The edit
positions arrive in that unit already, so the only length measured here is the
last line of the inserted text, in the same unit.

Shifting a region costs O(size of the edit): the inserted text is scanned for
line breaks, the document never is. The offset helpers at the bottom do scan a
text; they serve checkpoints and re-location, which are rare.

How one change `[edit_start, edit_end) -> new_text` moves a region `[start, end]`
(the text the region covers is the generated code, so text a user types next to
it, or over its boundary, is not counted as part of it):

1. The edit ends at or before the region's start (an insertion exactly at the
   start included): the region moves with the text after the edit.
2. The edit starts at or after the region's end (an insertion exactly at the
   end included): the region stays.
3. The edit lies inside the region (an edit replacing exactly the region
   included): the region keeps its start and its end moves, so it grows or
   shrinks with the new text.
4. The edit covers the whole region and more: the region is deleted. It
   collapses to the empty region at the edit's start, so a later checkpoint
   reads "" and scores 0 rather than losing track of the generation.
5. The edit overlaps the region's start: the deleted head is gone and the new
   text is outside; the region starts right after the new text.
6. The edit overlaps the region's end: the deleted tail is gone; the region
   ends where the edit starts.

A full-document change has no range: `shift_region` returns None and the
caller must re-locate the region in the new text (see `relocate.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Position = tuple[int, int]
PositionEncoding = Literal["utf-16", "utf-8", "utf-32"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Region:
    """The span `[start, end)` of a document, positions as `(line, character)`."""

    start: Position
    end: Position

    @property
    def is_empty(self) -> bool:
        return self.start == self.end


def measure(text: str, encoding: PositionEncoding = "utf-16") -> int:
    """Length of `text` in the characters of a position encoding."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    # surrogatepass: a lone surrogate (from a client's broken UTF-16) still counts one unit
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def end_of_insert(start: Position, new_text: str, encoding: PositionEncoding = "utf-16") -> Position:
    """Where `new_text` ends once inserted at `start`. LSP line breaks: \\n, \\r\\n, \\r."""
    breaks = new_text.count("\n") + new_text.count("\r") - new_text.count("\r\n")
    if breaks == 0:
        return (start[0], start[1] + measure(new_text, encoding))
    last_line = new_text[max(new_text.rfind("\n"), new_text.rfind("\r")) + 1 :]
    return (start[0] + breaks, measure(last_line, encoding))


def _moved(position: Position, edit_end: Position, new_end: Position) -> Position:
    """A position at or after the edit's end, carried along with the text after the edit."""
    if position[0] == edit_end[0]:
        return (new_end[0], new_end[1] + position[1] - edit_end[1])
    return (position[0] + new_end[0] - edit_end[0], position[1])


def shift_region(
    region: Region,
    edit_start: Position | None,
    edit_end: Position | None,
    new_text: str,
    encoding: PositionEncoding = "utf-16",
) -> Region | None:
    """The region after one LSP content change; None for a full-document change."""
    if edit_start is None or edit_end is None:
        return None
    start, end = region.start, region.end
    if edit_end <= start:
        new_end = end_of_insert(edit_start, new_text, encoding)
        return Region(_moved(start, edit_end, new_end), _moved(end, edit_end, new_end))
    if edit_start >= end:
        return region
    new_end = end_of_insert(edit_start, new_text, encoding)
    if edit_start >= start and edit_end <= end:
        return Region(start, _moved(end, edit_end, new_end))
    if edit_start <= start and edit_end >= end:
        return Region(edit_start, edit_start)
    if edit_start < start:
        return Region(new_end, _moved(end, edit_end, new_end))
    return Region(start, edit_start)


def split_lines(text: str) -> list[str]:
    """The lines of `text` at LSP line breaks, each with its break (unlike str.splitlines,
    which also breaks at form feeds and Unicode separators that LSP counts as characters)."""
    lines = []
    line_start = 0
    for line_break in _LINE_BREAK.finditer(text):
        lines.append(text[line_start : line_break.end()])
        line_start = line_break.end()
    if line_start < len(text):
        lines.append(text[line_start:])
    return lines


def _line_starts(text: str, up_to_line: int) -> list[int]:
    """Offsets where lines 0..up_to_line begin (fewer when the text is shorter)."""
    starts = [0]
    for line_break in _LINE_BREAK.finditer(text):
        if len(starts) > up_to_line:
            break
        starts.append(line_break.end())
    return starts


def _line_end(text: str, line_start: int) -> int:
    """Offset of the line break (or the end of the text) ending the line at `line_start`."""
    line_break = _LINE_BREAK.search(text, line_start)
    return line_break.start() if line_break else len(text)


def position_to_offset(text: str, position: Position, encoding: PositionEncoding = "utf-16") -> int:
    """The string offset of a position; out-of-range lines/characters clamp as LSP says."""
    line, character = position
    starts = _line_starts(text, line)
    if line >= len(starts):
        return len(text)
    line_start = starts[line]
    line_text = text[line_start : _line_end(text, line_start)]
    if encoding == "utf-32":
        return line_start + min(character, len(line_text))
    units = 0
    for index, char in enumerate(line_text):
        if units >= character:
            return line_start + index
        units += measure(char, encoding)
    return line_start + len(line_text)


def offset_to_position(text: str, offset: int, encoding: PositionEncoding = "utf-16") -> Position:
    """The position of a string offset (clamped to the text)."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    return end_of_insert((0, 0), before, encoding)


def text_in_region(text: str, region: Region, encoding: PositionEncoding = "utf-16") -> str:
    """The part of `text` a region covers."""
    start = position_to_offset(text, region.start, encoding)
    end = position_to_offset(text, region.end, encoding)
    return text[start : max(start, end)]
