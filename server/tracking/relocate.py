"""Finding a generated block again in a text whose edits were not followed.

Needed when the tracked range can no longer be trusted: the document was
closed (unsaved edits dropped, or the file changed on disk), the server
restarted, or a client sent a full-document change.

The recorded range is tried first; when its text holds every 4-gram of the
rendered text it is the answer. Otherwise the best-matching window of whole
lines is searched, and whichever of the two holds more of the rendered text
wins (the recorded range on a tie, because it is the better-founded guess).

The search scores each line by how many of its 4-grams occur in the rendered
text, slides a window as tall as the rendered text over those scores, and then
adjusts the best window's edges, growing it while that recovers more of the
rendered text (the user may have added lines inside the block) and shrinking
it while that loses nothing. It costs O(size of the text) plus a few survival
evaluations of a block-sized window.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from server.tracking.regions import (
    PositionEncoding,
    Region,
    offset_to_position,
    split_lines,
    text_in_region,
)
from server.tracking.survival import GRAM, gram_share, grams, normalise

# How many lines a window edge may jump at once while growing: lets the window
# cross blank or user-added lines, which add nothing on their own.
GROWTH_STEP = 5


@dataclass(frozen=True)
class Located:
    region: Region
    text: str
    score: float  # 4-gram survival of the rendered text in `text`


def _line_scores(lines: list[str], rendered_grams: Counter[str], rendered_norm: str) -> list[int]:
    if len(rendered_norm) < GRAM:
        return [1 if rendered_norm and rendered_norm in normalise(line) else 0 for line in lines]
    scores = []
    for line in lines:
        norm = normalise(line)
        scores.append(sum(1 for i in range(len(norm) - GRAM + 1) if norm[i : i + GRAM] in rendered_grams))
    return scores


def _best_window_start(scores: list[int], height: int) -> int | None:
    """The first start of the `height`-line window with the highest total score, if any scores."""
    height = min(height, len(scores))
    total = sum(scores[:height])
    best_total, best_start = total, 0
    for start in range(1, len(scores) - height + 1):
        total += scores[start + height - 1] - scores[start - 1]
        if total > best_total:
            best_total, best_start = total, start
    return best_start if best_total > 0 else None


class _Window:
    """A window of whole lines [first, last) and its survival score."""

    def __init__(self, lines: list[str], rendered_grams: Counter[str]):
        self.lines = lines
        self.rendered_grams = rendered_grams

    def score(self, first: int, last: int) -> float:
        return gram_share(self.rendered_grams, normalise("".join(self.lines[first:last])))

    def adjust(self, first: int, last: int) -> tuple[int, int]:
        score = self.score(first, last)
        grown = True
        while grown and score < 1.0:
            grown = False
            for step in range(1, GROWTH_STEP + 1):
                candidates = [(first, min(last + step, len(self.lines))), (max(first - step, 0), last)]
                best_score, best = max((self.score(*window), window) for window in candidates)
                if best_score > score:
                    (first, last), score = best, best_score
                    grown = True
                    break
        while last - first > 1 and self.score(first + 1, last) >= score:
            first += 1
        while last - first > 1 and self.score(first, last - 1) >= score:
            last -= 1
        return first, last


def _window_region(text: str, lines: list[str], first: int, last: int, encoding: PositionEncoding) -> Region:
    if last < len(lines):
        return Region((first, 0), (last, 0))
    return Region((first, 0), offset_to_position(text, len(text), encoding))


def locate(
    rendered: str,
    text: str,
    recorded: Region | None = None,
    encoding: PositionEncoding = "utf-16",
) -> Located:
    """Where `rendered` now is in `text`: the recorded range or the best-matching window."""
    rendered_norm = normalise(rendered)
    rendered_grams = grams(rendered_norm)
    at_recorded = None
    if recorded is not None:
        recorded_text = text_in_region(text, recorded, encoding)
        at_recorded = Located(recorded, recorded_text, gram_share(rendered_grams, normalise(recorded_text)))
        if at_recorded.score == 1.0:
            return at_recorded
    lines = split_lines(text)
    height = max(len(split_lines(rendered)), 1)
    start = _best_window_start(_line_scores(lines, rendered_grams, rendered_norm), height)
    if start is None:
        return at_recorded or Located(Region((0, 0), (0, 0)), "", gram_share(rendered_grams, ""))
    window = _Window(lines, rendered_grams)
    first, last = window.adjust(start, min(start + height, len(lines)))
    found = Located(
        _window_region(text, lines, first, last, encoding),
        "".join(lines[first:last]),
        window.score(first, last),
    )
    if at_recorded is not None and at_recorded.score >= found.score:
        return at_recorded
    return found
