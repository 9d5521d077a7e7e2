"""LSP positions (line, UTF-16 character) versus tree-sitter points (row, byte column).

LSP counts characters in UTF-16 code units by default; tree-sitter counts
bytes of the UTF-8 source. Rows are split on "\\n" only, as tree-sitter does
(a "\\r" before it stays part of the line).
"""

from __future__ import annotations


def split_lines(text: str) -> list[str]:
    return text.split("\n")


def utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def line_prefix(line_text: str, character: int) -> str:
    """The part of a line before an LSP character offset, clamped to the line."""
    if character <= 0:
        return ""
    if line_text.isascii():
        return line_text[:character]
    units = 0
    for index, char in enumerate(line_text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > character:
            return line_text[:index]
    return line_text


def clamp_position(lines: list[str], line: int, character: int) -> tuple[int, int]:
    """A position inside the document: past the end goes to the end, negatives to 0."""
    if line < 0:
        return 0, 0
    if line >= len(lines):
        last = len(lines) - 1
        return last, utf16_length(lines[last])
    return line, max(0, min(character, utf16_length(lines[line])))


def point_for_position(lines: list[str], line: int, character: int) -> tuple[int, int]:
    """The tree-sitter point (row, byte column) of a clamped LSP position."""
    row, character = clamp_position(lines, line, character)
    return row, len(line_prefix(lines[row], character).encode("utf-8"))


def byte_offset(lines: list[str], line: int, character: int) -> int:
    """Byte offset in the UTF-8 source of a clamped LSP position."""
    row, column = point_for_position(lines, line, character)
    before = "\n".join(lines[:row])
    return len(before.encode("utf-8")) + (1 if row else 0) + column


def point_after(start: tuple[int, int], inserted: str) -> tuple[int, int]:
    """The point where `inserted` ends when it is written at `start`."""
    newlines = inserted.count("\n")
    if newlines == 0:
        return start[0], start[1] + len(inserted.encode("utf-8"))
    tail = inserted[inserted.rfind("\n") + 1 :]
    return start[0] + newlines, len(tail.encode("utf-8"))
