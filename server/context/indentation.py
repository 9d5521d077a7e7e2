"""The indentation a block inserted at the cursor should get."""

from __future__ import annotations

from server.context.languages import ELIXIR, GO, JAVASCRIPT, PYTHON, RUST, TSX, TYPESCRIPT
from server.context.scopes import Scope

_DEFAULT_UNITS = {
    PYTHON: "    ",
    RUST: "    ",
    GO: "\t",
    TYPESCRIPT: "  ",
    TSX: "  ",
    JAVASCRIPT: "  ",
    ELIXIR: "  ",
}
_CLOSERS = ("}", ")", "]")
_SCAN_FOR_UNIT = 200  # lines looked at to learn the file's indentation unit


def leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def is_blank(line: str) -> bool:
    return not line.strip()


def next_nonblank(lines: list[str], row: int, step: int) -> int | None:
    row += step
    while 0 <= row < len(lines):
        if not is_blank(lines[row]):
            return row
        row += step
    return None


def opens_block(language: str | None, line: str) -> bool:
    code = line.rstrip()
    if language == PYTHON:
        return code.endswith(":")
    if language == ELIXIR:
        return code.endswith((" do", "->", "fn")) or code == "do"
    return code.endswith(("{", "(", "["))


def closes_block(language: str | None, line: str) -> bool:
    code = line.lstrip()
    if language == ELIXIR and (code == "end" or code.startswith(("end ", "end)", "end,"))):
        return True
    return code.startswith(_CLOSERS)


def indent_unit(language: str | None, lines: list[str]) -> str:
    """The file's own indentation step, learnt from its first indented line."""
    for line in lines[:_SCAN_FOR_UNIT]:
        if is_blank(line):
            continue
        indent = leading_whitespace(line)
        if indent.startswith("\t"):
            return "\t"
        if indent:
            return indent if len(indent) <= 8 else _DEFAULT_UNITS.get(language or "", "    ")
    return _DEFAULT_UNITS.get(language or "", "    ")


def blank_line_indentation(language: str | None, lines: list[str], row: int) -> str:
    """Indentation for an empty line: it belongs to the block the next line belongs to."""
    following = next_nonblank(lines, row, 1)
    if following is not None:
        indent = leading_whitespace(lines[following])
        if closes_block(language, lines[following]):
            return indent + indent_unit(language, lines)
        return indent
    previous = next_nonblank(lines, row, -1)
    if previous is None:
        return ""
    indent = leading_whitespace(lines[previous])
    if opens_block(language, lines[previous]):
        return indent + indent_unit(language, lines)
    # Python has no closing token: an empty last line at column 0 has left
    # every block (the place detection reads it the same way).
    return "" if language == PYTHON else indent


def body_indentation(language: str | None, lines: list[str], scope: Scope) -> str:
    """The indentation of the statements in a scope's body."""
    header_row = scope.node.start_point[0]
    first = next_nonblank(lines, header_row, 1)
    if first is not None and first <= scope.body.end_point[0] and not closes_block(language, lines[first]):
        indent = leading_whitespace(lines[first])
        if len(indent) > len(leading_whitespace(lines[header_row])):
            return indent
    return leading_whitespace(lines[header_row]) + indent_unit(language, lines)


def indentation_at(language: str | None, lines: list[str], point: tuple[int, int], innermost: Scope | None) -> str:
    """Leading whitespace for a block inserted at the cursor.

    A blank line keeps its own whitespace, or when it has none takes the
    level of the block it sits in (never shallower than the enclosing body).
    A line with code gives its own level, the level of the place the cursor
    is in, except before a closing `}` or `end`, which is inside the block.
    """
    row, column = point
    line = lines[row]
    if is_blank(line):
        if leading_whitespace(line):
            return leading_whitespace(line)
        indent = blank_line_indentation(language, lines, row)
        if innermost is not None:
            body = body_indentation(language, lines, innermost)
            if len(indent) < len(body):
                return body
        return indent
    indent = leading_whitespace(line)
    if closes_block(language, line) and column <= len(indent.encode("utf-8")):
        return indent + indent_unit(language, lines)
    return indent
