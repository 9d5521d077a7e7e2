"""Insert-mode upgrades: finding a generated block in its file, and replacing it.

An inserted block has no file of its own: to upgrade it, Scion must first find
where the old render ended up. The recorded region is the first guess, but
edits above it shift it and the user may have edited the block itself, so the
file is searched for the window that looks most like the old render, and the
recorded region is kept only if none looks more like it. Lines are compared
without their indentation, because the caller re-indents a block to the
cursor's column.
"""

from __future__ import annotations

import difflib

from .lines import LF, lines_with_terminators, newline_style, split_text

# Below this, the best window shares too little with the old render to be the
# block (it was rewritten or deleted), and the upgrade has nowhere to go.
ANY_MATCH = 0.5

# How many windows the whole-line comparison hands on to the finer one: enough
# for a few near-identical copies of a block, few enough to stay fast.
LINE_CANDIDATES = 5
# A block with no line left as rendered is searched for by characters, which is
# slow: through the whole file only when it has at most this many lines, else
# only near its recorded region.
SHORT_BLOCK_LINES = 3

Region = tuple[int, int]  # 0-based start line, exclusive end line


def locate_block(file_text: str, recorded_region: Region | None, old_render: str) -> Region | None:
    """Where the block rendered as `old_render` is in `file_text` now, or None if it is gone.

    The recorded region wins unless another window is more like the old render:
    a region shifted by a line or two still looks much like the block, so
    "looks like it" alone would keep a stale region.
    """
    file_keys = _keys(file_text)
    render_keys = _keys(old_render)
    if not file_keys or not render_keys:
        return None
    candidates: list[Region] = []
    if recorded_region is not None and _inside(recorded_region, len(file_keys)):
        candidates.append(recorded_region)  # first, so that it wins ties
    near = recorded_region[0] if recorded_region is not None else 0
    start = _best_window_start(file_keys, render_keys, near)
    if start is not None:
        candidates.append(_fit_edges(file_keys, render_keys, start))
        candidates.append((start, min(len(file_keys), start + len(render_keys))))
    if not candidates:
        return None
    scores = [similarity(file_keys[slice(*region)], render_keys) for region in candidates]
    best = max(range(len(candidates)), key=lambda index: (scores[index], -index))
    return candidates[best] if scores[best] >= ANY_MATCH else None


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


def _inside(region: Region, line_count: int) -> bool:
    start, end = region
    return 0 <= start < end <= line_count


def _keys(text: str) -> list[str]:
    return [line.strip() for line in split_text(text).lines]


def _best_window_start(file_keys: list[str], render_keys: list[str], near: int) -> int | None:
    """Start of the render-sized window most like the render; ties go to the one nearest `near`.

    Comparing whole lines first picks a few candidates cheaply; the character
    comparison, slow on long files, only ranks those. When no line is left as
    rendered (a reformatted block), characters are compared over the windows
    near `near` only, or over the whole file for a short block.
    """
    size = len(render_keys)
    starts = range(max(1, len(file_keys) - size + 1))
    candidates = _best_by_lines(file_keys, render_keys, starts, near)
    if not candidates:
        reach = len(starts) if size <= SHORT_BLOCK_LINES else 2 * size
        candidates = list(starts[max(0, near - reach) : near + reach + 1])
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(LF.join(render_keys))
    best_start, best_rank = None, (-1.0, 0)
    for start in candidates:
        matcher.set_seq1(LF.join(file_keys[start : start + size]))
        if matcher.real_quick_ratio() < best_rank[0] or matcher.quick_ratio() < best_rank[0]:
            continue
        rank = (matcher.ratio(), -abs(start - near))
        if rank > best_rank:
            best_start, best_rank = start, rank
    return best_start


def _best_by_lines(file_keys: list[str], render_keys: list[str], starts: range, near: int) -> list[int]:
    """The few window starts sharing the most whole lines with the render, if any share one."""
    size = len(render_keys)
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(render_keys)
    ranked: list[tuple[float, int, int]] = []
    floor = 0.0  # the score a window must beat to enter the shortlist
    for start in starts:
        matcher.set_seq1(file_keys[start : start + size])
        if matcher.real_quick_ratio() <= floor or matcher.quick_ratio() <= floor:
            continue
        ranked.append((matcher.ratio(), -abs(start - near), start))
        ranked.sort(reverse=True)
        del ranked[LINE_CANDIDATES:]
        if len(ranked) == LINE_CANDIDATES:
            floor = ranked[-1][0]
    return [start for score, _, start in ranked if score > 0]


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
