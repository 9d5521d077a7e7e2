"""Insert-mode upgrades: finding a generated block in its file, and replacing it.

An inserted block has no file of its own: to upgrade it, Scion must first find
where the old render ended up. The recorded region is the first guess, but
edits above it shift it and the user may have edited the block itself, so
when the region no longer holds the block, the file is searched for the window
that looks most like the old render. Lines are compared without their
indentation, because the caller re-indents a block to the cursor's column.
"""

from __future__ import annotations

import difflib

from .lines import LF, lines_with_terminators, newline_style, split_text

# The recorded region still holds the block if it is this similar to the old
# render: small edits inside the block keep it, a shifted region does not.
WELL_MATCHED = 0.8
# Below this, the best window shares too little with the old render to be the
# block (it was rewritten or deleted), and the upgrade has nowhere to go.
ANY_MATCH = 0.5

Region = tuple[int, int]  # 0-based start line, exclusive end line


def locate_block(file_text: str, recorded_region: Region | None, old_render: str) -> Region | None:
    """Where the block rendered as `old_render` is in `file_text` now, or None if it is gone."""
    file_keys = _keys(file_text)
    render_keys = _keys(old_render)
    if not file_keys or not render_keys:
        return None
    if recorded_region is not None:
        start, end = recorded_region
        if 0 <= start < end <= len(file_keys):
            if similarity(file_keys[start:end], render_keys) >= WELL_MATCHED:
                return recorded_region
    near = recorded_region[0] if recorded_region is not None else 0
    start = _best_window_start(file_keys, render_keys, near)
    plain = (start, min(len(file_keys), start + len(render_keys)))
    fitted = _fit_edges(file_keys, render_keys, start)
    region = max(
        (fitted, plain), key=lambda candidate: similarity(file_keys[slice(*candidate)], render_keys)
    )
    if similarity(file_keys[slice(*region)], render_keys) < ANY_MATCH:
        return None
    return region


def splice(file_text: str, start_line: int, end_line: int, new_block: str) -> str:
    """`file_text` with lines [start_line, end_line) replaced by `new_block`.

    The block takes the file's line endings; a file without a final newline
    keeps going without one when the block is its last part.
    """
    lines = lines_with_terminators(file_text)
    if not 0 <= start_line <= end_line <= len(lines):
        raise ValueError(f"lines {start_line}-{end_line} are outside a {len(lines)}-line text")
    newline = newline_style(file_text) or newline_style(new_block) or LF
    replacement = [line + newline for line in split_text(new_block).lines]
    before, after = lines[:start_line], lines[end_line:]
    last_line_unterminated = bool(lines) and not lines[-1].endswith(LF)
    if before and not before[-1].endswith(LF):
        before[-1] += newline  # appending after a last line that had no newline
    elif not after and replacement and last_line_unterminated:
        replacement[-1] = replacement[-1].removesuffix(newline)
    return "".join(before + replacement + after)


def similarity(window: list[str], render: list[str]) -> float:
    """difflib's ratio of the two texts, character by character."""
    return difflib.SequenceMatcher(None, LF.join(window), LF.join(render), autojunk=False).ratio()


def _keys(text: str) -> list[str]:
    return [line.strip() for line in split_text(text).lines]


def _best_window_start(file_keys: list[str], render_keys: list[str], near: int) -> int:
    """Start of the render-sized window most like the render; ties go to the one nearest `near`.

    difflib's cheap upper bounds skip most windows before the full ratio is
    computed, which keeps a search through a long file fast.
    """
    size = len(render_keys)
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(LF.join(render_keys))
    best_start, best_score = 0, -1.0
    for start in range(max(1, len(file_keys) - size + 1)):
        matcher.set_seq1(LF.join(file_keys[start : start + size]))
        if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
            continue
        score = matcher.ratio()
        closer = abs(start - near) < abs(best_start - near)
        if score > best_score or (score == best_score and closer):
            best_start, best_score = start, score
    return best_start


def _fit_edges(file_keys: list[str], render_keys: list[str], start: int) -> Region:
    """Stretch or shrink the window to the lines that match the render.

    The user may have added or removed lines inside the block: the block runs
    from the file line matching the render's first matched line to the one
    matching its last, widened by the render lines left unmatched at either
    end (edited first or last lines).
    """
    size = len(render_keys)
    slack = max(3, size // 2)
    low, high = max(0, start - slack), min(len(file_keys), start + size + slack)
    matcher = difflib.SequenceMatcher(None, file_keys[low:high], render_keys, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return start, min(len(file_keys), start + size)
    first, last = blocks[0], blocks[-1]
    begin = low + first.a - first.b
    finish = low + last.a + last.size + (size - last.b - last.size)
    return max(low, begin), min(high, finish)
