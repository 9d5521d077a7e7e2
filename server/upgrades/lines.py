"""Texts as line lists, so merges compare content and not line terminators.

A file's line ending style (LF or CRLF) and whether it ends with a newline are
kept apart from its lines: an editor that saved with CRLF, or dropped the final
newline, must not make every line look changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LF = "\n"
CRLF = "\r\n"


@dataclass(frozen=True)
class SplitText:
    lines: list[str]
    ends_with_newline: bool


def split_text(text: str) -> SplitText:
    """Lines of `text` without terminators; CRLF and LF both end a line."""
    normalised = text.replace(CRLF, LF)
    if not normalised:
        return SplitText([], False)
    ends_with_newline = normalised.endswith(LF)
    if ends_with_newline:
        normalised = normalised[:-1]
    return SplitText(normalised.split(LF), ends_with_newline)


def newline_style(text: str) -> str | None:
    """CRLF when most of the text's line breaks are CRLF, LF otherwise; None without any."""
    breaks = text.count(LF)
    if breaks == 0:
        return None
    return CRLF if text.count(CRLF) * 2 > breaks else LF


def join_lines(lines: list[str], ends_with_newline: bool, newline: str = LF) -> str:
    if not lines:
        return ""
    text = newline.join(lines)
    return text + newline if ends_with_newline else text


def lines_as_text(lines: list[str]) -> str:
    """Each line with its own "\\n", so an empty list is "" and one empty line is "\\n"."""
    return "".join(line + LF for line in lines)


def lines_with_terminators(text: str) -> list[str]:
    """Lines split on "\\n" only, numbered as split_text numbers them.

    Each line keeps its own terminator ("\\r\\n" or "\\n"), so a text can be
    rebuilt with its line endings untouched.
    """
    parts = text.split(LF)
    lines = [part + LF for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def common_ends(a: list[str], b: list[str], *, suffix_line: Callable[[str], bool] | None = None) -> tuple[int, int]:
    """How many lines `a` and `b` share at their start, and then at their end (never overlapping).

    `suffix_line`: a test every shared end line must pass too (a line without
    its terminator cannot end an edit).
    """
    shortest = min(len(a), len(b))
    prefix = 0
    while prefix < shortest and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < shortest - prefix
        and a[-1 - suffix] == b[-1 - suffix]
        and (suffix_line is None or suffix_line(a[-1 - suffix]))
    ):
        suffix += 1
    return prefix, suffix
