"""Conflict marker blocks: writing them, finding them again, resolving one.

A block looks like git's:

    <<<<<<< yours
    the user's lines
    =======
    the template's lines
    >>>>>>> template 1.1.0

The server finds blocks by scanning the text (not by remembering the merge),
because the user may edit the file, or resolve some blocks by hand, before
asking for a quick-fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from server.common.errors import ScionError

from .lines import LF, lines_as_text, lines_with_terminators, split_text

MARKER_SIZE = 7
START_MARKER = "<" * MARKER_SIZE + " yours"
SEPARATOR = "=" * MARKER_SIZE
END_PREFIX = ">" * MARKER_SIZE

Choice = Literal["mine", "template", "both"]
CHOICES: tuple[Choice, ...] = ("mine", "template", "both")


@dataclass(frozen=True)
class Conflict:
    """One marker block. Lines are 0-based lines of the merged text."""

    start_line: int  # the `<<<<<<<` line
    separator_line: int  # the `=======` line
    end_line: int  # the line after `>>>>>>>` (exclusive, like a slice)
    mine: str  # the user's lines, each ending with "\n"
    template: str  # the template's lines, each ending with "\n"
    label: str  # what follows `>>>>>>>`, e.g. "template 1.1.0"


def conflict_block(mine: list[str], template: list[str], label: str) -> list[str]:
    return [START_MARKER, *mine, SEPARATOR, *template, f"{END_PREFIX} {label}"]


def _is_marker(line: str, marker: str) -> bool:
    """`marker` alone or followed by a space and a label (`<<<<<<< HEAD` counts too)."""
    return line == marker or line.startswith(marker + " ")


def parse_conflicts(text: str) -> list[Conflict]:
    """Every complete marker block in `text`, in order.

    An unfinished block (a start marker without separator or end) is skipped;
    a start marker inside a block restarts the block there.
    """
    lines = split_text(text).lines
    conflicts: list[Conflict] = []
    start: int | None = None
    separator: int | None = None
    for number, line in enumerate(lines):
        if _is_marker(line, START_MARKER[:MARKER_SIZE]):
            start, separator = number, None
        elif start is not None and separator is None and line == SEPARATOR:
            separator = number
        elif start is not None and separator is not None and _is_marker(line, END_PREFIX):
            conflicts.append(
                Conflict(
                    start_line=start,
                    separator_line=separator,
                    end_line=number + 1,
                    mine=lines_as_text(lines[start + 1 : separator]),
                    template=lines_as_text(lines[separator + 1 : number]),
                    label=line[MARKER_SIZE:].strip(),
                )
            )
            start = separator = None
    return conflicts


def resolve_conflict(text: str, index: int, choice: Choice) -> str:
    """Replace the `index`-th marker block with the user's lines, the template's, or both.

    Everything outside the block, line endings included, is left as it is.
    """
    if choice not in CHOICES:
        raise ScionError(f"unknown conflict choice {choice!r}: use one of {', '.join(CHOICES)}")
    conflicts = parse_conflicts(text)
    if not 0 <= index < len(conflicts):
        raise ScionError(
            f"no conflict #{index + 1} in this file (it has {len(conflicts)}); it may have been resolved already"
        )
    conflict = conflicts[index]
    lines = lines_with_terminators(text)
    mine = lines[conflict.start_line + 1 : conflict.separator_line]
    template = lines[conflict.separator_line + 1 : conflict.end_line - 1]
    replacement = {"mine": mine, "template": template, "both": mine + template}[choice]
    block_ends_text = conflict.end_line == len(lines) and not lines[-1].endswith(LF)
    if block_ends_text and replacement:
        # The file had no final newline after the block; keep it that way.
        replacement = [*replacement[:-1], replacement[-1].rstrip("\r\n")]
    return "".join(lines[: conflict.start_line] + replacement + lines[conflict.end_line :])
