"""Replay: how close a template's renders come to the text users kept. Lower is better.

The replay score of a template version over a history is the mean normalised
edit distance (Levenshtein distance / length of the longer text) between its
render with each generation's answers and what that generation's user kept.
A render that fails counts as the worst distance, 1.

Inserted blocks are stored re-indented to the cursor; the kept text is brought
back to the template's own indentation first, and trailing newlines are not
compared (the editor decides those).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from server.evolution.analysis import HistoricalGeneration

# Above this many cells (len a * len b) the exact distance is too slow in Python;
# a line-by-line bound is used instead (exact on each changed block that is small enough).
EXACT_CELLS = 250_000


def kept_text(generation: HistoricalGeneration) -> str | None:
    """What the user kept, in the template's indentation, or None when nothing was kept."""
    if generation.retained_text is None:
        return None
    rendered = generation.rendered_text
    indentation = rendered[: len(rendered) - len(rendered.lstrip(" \t"))]
    lines = generation.retained_text.splitlines(keepends=True)
    return "".join(line[len(indentation) :] if indentation and line.startswith(indentation) else line for line in lines)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance; an upper bound built from changed line blocks when the texts are large."""
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if not a or not b:
        return len(a) + len(b)
    if len(a) * len(b) <= EXACT_CELLS:
        return _levenshtein(a, b)
    old, new = a.splitlines(keepends=True), b.splitlines(keepends=True)
    if len(old) == 1 and len(new) == 1:
        return max(len(a), len(b))
    total = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            total += edit_distance("".join(old[i1:i2]), "".join(new[j1:j2]))
    return total


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def normalised_distance(rendered: str, kept: str) -> float:
    rendered, kept = rendered.rstrip("\n"), kept.rstrip("\n")
    longest = max(len(rendered), len(kept))
    return edit_distance(rendered, kept) / longest if longest else 0.0


def replay_distances(renders: Sequence[str | None], kept: Sequence[str]) -> list[float]:
    """The normalised distance of each render (None: it failed) to the kept text at the same index."""
    return [
        1.0 if render is None else normalised_distance(render, text)
        for render, text in zip(renders, kept, strict=False)
    ]


def replay_score(renders: Sequence[str | None], kept: Sequence[str]) -> float:
    """Mean normalised distance of each render (None: it failed) to the kept text at the same index."""
    if not kept:
        return 0.0
    return sum(replay_distances(renders, kept)) / len(kept)
