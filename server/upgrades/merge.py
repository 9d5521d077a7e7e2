"""Three-way merge of a generated file: the user's text, the old render, the new render.

base = what the recorded template version rendered, ours = the file as it is
now, theirs = what the new version renders. Lines are compared without their
terminators (see lines.py) and the result keeps the user's line endings.
Conflicts are written as git-style marker blocks, so any editor and any merge
tool understands them, and are also returned with their positions so the
server can turn each one into a diagnostic with quick-fixes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cydifflib import SequenceMatcher
from merge3 import Merge3

from .conflicts import Conflict, conflict_block
from .lines import LF, SplitText, common_ends, join_lines, lines_as_text, newline_style, split_text

Hunk = tuple[list[str], list[str]]  # (mine, template); equal sides mean no conflict


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _exact_line_matcher(
    isjunk: Callable[[str], bool] | None = None, a: Sequence[str] = (), b: Sequence[str] = ()
) -> Any:
    """difflib's matching (cydifflib: the same algorithm and results, compiled), without the "popular line" heuristic.

    With autojunk, a line repeated often in a file of 200+ lines (a blank line,
    a closing brace) is ignored when aligning, which misplaces hunks. Compiled,
    because matching lines was most of a batch upgrade's merge time.
    """
    return SequenceMatcher(isjunk, a, b, autojunk=False)


def three_way_merge(base: str | None, ours: str, theirs: str, theirs_label: str = "template") -> MergeResult:
    """Merge the template's change (base -> theirs) into the user's file (ours).

    `base` None means the old render could not be reproduced: every place where
    ours and theirs differ is then a conflict. `theirs_label` follows the
    `>>>>>>>` marker, e.g. "template 1.1.0".
    """
    if base is not None and base == ours and "\r" not in ours and "\r" not in theirs:
        # The user's file is the old render (LF only): the result is the new render, as split and joined below.
        return MergeResult(theirs)
    mine, template = split_text(ours), split_text(theirs)
    original = split_text(base) if base is not None else None
    if template == original or mine == template:
        # Nothing of the template's to bring in: the user's file stays byte for byte.
        return MergeResult(ours)

    newline = newline_style(ours) or newline_style(theirs) or LF
    ends_with_newline = _result_ends_with_newline(original, mine, template)
    if original is not None and mine.lines == original.lines:
        return MergeResult(join_lines(template.lines, ends_with_newline, newline))

    if original is None:
        hunks = _two_way_hunks(mine.lines, template.lines)
    else:
        hunks = _three_way_hunks(original.lines, mine.lines, template.lines)
    lines: list[str] = []
    conflicts: list[Conflict] = []
    for mine_lines, template_lines in hunks:
        if mine_lines == template_lines:
            lines.extend(mine_lines)
        else:
            _append_conflict(lines, conflicts, mine_lines, template_lines, theirs_label)
    return MergeResult(join_lines(lines, ends_with_newline, newline), conflicts)


def _result_ends_with_newline(original: SplitText | None, mine: SplitText, template: SplitText) -> bool:
    """The user's choice, unless the template itself changed it (or the user's file is empty)."""
    if not mine.lines:
        return template.ends_with_newline
    if original is not None and template.ends_with_newline != original.ends_with_newline:
        return template.ends_with_newline
    return mine.ends_with_newline


def _three_way_hunks(base: list[str], mine: list[str], template: list[str]) -> Iterator[Hunk]:
    merger = Merge3(base, mine, template, sequence_matcher=_exact_line_matcher)  # type: ignore[arg-type]
    for group in merger.merge_groups():
        if group[0] == "conflict":
            _, _, mine_lines, template_lines = group
            yield list(mine_lines), list(template_lines)
        else:
            kept = list(group[1])
            yield kept, kept


def _two_way_hunks(mine: list[str], template: list[str]) -> Iterator[Hunk]:
    matcher = _exact_line_matcher(None, mine, template)
    for _, mine_start, mine_end, template_start, template_end in matcher.get_opcodes():
        yield mine[mine_start:mine_end], template[template_start:template_end]


def _append_conflict(
    lines: list[str],
    conflicts: list[Conflict],
    mine: list[str],
    template: list[str],
    label: str,
) -> None:
    """Write a marker block for the lines the sides disagree on.

    Lines both sides share at the start or end of the hunk are kept outside the
    markers (as git's "zealous" merge does), so the block shows only the real
    disagreement.
    """
    prefix, suffix = common_ends(mine, template)
    lines.extend(mine[:prefix])
    mine_rest = mine[prefix : len(mine) - suffix]
    template_rest = template[prefix : len(template) - suffix]
    start = len(lines)
    lines.extend(conflict_block(mine_rest, template_rest, label))
    conflicts.append(
        Conflict(
            start_line=start,
            separator_line=start + 1 + len(mine_rest),
            end_line=len(lines),
            mine=lines_as_text(mine_rest),
            template=lines_as_text(template_rest),
            label=label,
        )
    )
    lines.extend(mine[len(mine) - suffix :])
