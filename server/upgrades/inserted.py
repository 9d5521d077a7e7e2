"""Insert-mode generations: the block is merged where it is now, then spliced back.

The block was re-indented to its context when inserted, so the old and new
renders get the indentation the block has now before they are merged; the
recorded sha (of the indented block) then tells whether that guess, and so the
base, is right.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.common.fsutil import sha256_text
from server.generation import end_position, indent_block
from server.upgrades.blocks import locate_block, splice
from server.upgrades.lines import lines_with_terminators
from server.upgrades.planner import FileChange, plan_file_upgrades


@dataclass(frozen=True)
class BlockUpgrade:
    change: FileChange  # the block's change (texts are the block alone)
    file_text: str | None  # the whole file after the upgrade
    region: dict[str, list[int]] | None  # where the block is after the upgrade
    new_block: str  # the new version's render, indented: what the new sha covers
    start_line: int = 0


def upgrade_block(
    key: str,
    file_text: str | None,
    recorded_region: dict[str, list[int]] | None,
    recorded_sha: str,
    old_render: str | None,
    stored_block: str | None,
    new_render: str,
    label: str,
) -> BlockUpgrade | None:
    """Merge the new render into the block found in `file_text`; None when the block is gone.

    `old_render` is the old version's render (unindented) when it could be
    rendered; `stored_block` the block as the database recorded it.
    """
    if file_text is None:
        return None
    looked_for = old_render if old_render is not None else stored_block
    region = _line_span(recorded_region)
    found = locate_block(file_text, region, looked_for if looked_for is not None else new_render)
    if found is None:
        return None
    start, end = found
    ours = _without_final_newline("".join(lines_with_terminators(file_text)[start:end]))
    indentation = _indentation(ours, looked_for or new_render)
    base = indent_block(old_render, indentation).rstrip("\n") if old_render is not None else None
    if stored_block is not None and (base is None or sha256_text(base) != recorded_sha):
        base = stored_block  # the caller checked it against the recorded sha
    theirs = indent_block(new_render, indentation).rstrip("\n")
    plan = plan_file_upgrades(
        {key: base} if base is not None else None, {key: theirs}, {key: ours}, {key: recorded_sha}, label
    )
    change = plan.changes[0]
    block = change.new_text if change.new_text is not None else ours
    new_file = splice(file_text, start, end, block) if change.action == "update" else file_text
    end_line, end_character = end_position(start, 0, block)
    new_region = {"start": [start, 0], "end": [end_line, end_character]}
    return BlockUpgrade(change, new_file, new_region, theirs, start)


def _line_span(region: dict[str, list[int]] | None) -> tuple[int, int] | None:
    """The recorded region as a line slice [start, end)."""
    if not region:
        return None
    start, end = region["start"][0], region["end"][0]
    return (start, end + 1) if end >= start else None


def _without_final_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _indentation(block: str, render: str) -> str:
    """The indentation the block was inserted with: its first line's, minus the render's own."""
    block_line = next((line for line in block.splitlines() if line.strip()), "")
    render_line = next((line for line in render.splitlines() if line.strip()), "")
    own = block_line[: len(block_line) - len(block_line.lstrip())]
    rendered = render_line[: len(render_line) - len(render_line.lstrip())]
    return own[: len(own) - len(rendered)] if rendered and own.endswith(rendered) else own
