"""How much of a generated text survives in what the user has now.

Whitespace is not content here: both texts are compared with every whitespace
character removed. Re-indenting a block, a formatter adding spaces around
operators, trailing spaces, blank lines and line-ending changes are not edits
the user made to the generated code, so they must not read as rejection. The
cost is that a change that only splits or joins tokens ("ab" -> "a b") is
invisible, which is rare in code and harmless for a keep/reject signal.

`score` is the share of the rendered text's character 4-grams still present in
the current text, counted as a multiset: a rendered block that repeats a line
ten times and keeps one copy scores about 0.1, not 1.0. Text the user adds
does not lower the score (the region may grow); text they delete or change
does. A rendered text shorter than four characters is its own single gram,
present when it occurs in the current text.

`retained_chars` counts the rendered text's non-whitespace characters that are
still there unchanged, in order (difflib, autojunk off). Lines are matched
first, which is cheap; only the blocks of lines that changed are compared
character by character, because that comparison is quadratic in the worst
case. A changed block larger than `CHAR_DIFF_LIMIT` (product of the two
lengths) counts as not retained rather than stalling the server.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

GRAM = 4
CHAR_DIFF_LIMIT = 1_000_000  # len(rendered part) * len(current part): about 20 ms


@dataclass(frozen=True)
class Survival:
    score: float  # in [0, 1]
    retained_chars: int


def normalise(text: str) -> str:
    """The text without whitespace: what survival compares."""
    return "".join(text.split())


def _normalised_lines(text: str) -> list[str]:
    return [line for line in ("".join(raw.split()) for raw in text.splitlines()) if line]


def grams(normalised: str) -> Counter[str]:
    """The multiset of character 4-grams (the whole text when shorter than that)."""
    if len(normalised) < GRAM:
        return Counter([normalised])
    return Counter(normalised[i : i + GRAM] for i in range(len(normalised) - GRAM + 1))


def gram_share(rendered_grams: Counter[str], current: str) -> float:
    """The share of `rendered_grams` found in `current` (already normalised)."""
    total = sum(rendered_grams.values())
    short = [gram for gram in rendered_grams if len(gram) < GRAM]
    if short:
        return 1.0 if short[0] in current else 0.0
    present = grams(current)
    kept = sum(min(count, present[gram]) for gram, count in rendered_grams.items())
    return kept / total


def _matched_chars(rendered: str, current: str) -> int:
    matcher = difflib.SequenceMatcher(None, rendered, current, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def retained_chars(rendered: str, current: str) -> int:
    """Non-whitespace characters of `rendered` kept unchanged, in order, in `current`."""
    rendered_lines, current_lines = _normalised_lines(rendered), _normalised_lines(current)
    matcher = difflib.SequenceMatcher(None, rendered_lines, current_lines, autojunk=False)
    retained = 0
    for tag, r_from, r_to, c_from, c_to in matcher.get_opcodes():
        rendered_part = "".join(rendered_lines[r_from:r_to])
        if tag == "equal":
            retained += len(rendered_part)
        elif tag == "replace":
            current_part = "".join(current_lines[c_from:c_to])
            if len(rendered_part) * len(current_part) <= CHAR_DIFF_LIMIT:
                retained += _matched_chars(rendered_part, current_part)
    return retained


def survival(rendered: str, current: str) -> Survival:
    """How much of `rendered` survives in `current`: 4-gram share and retained characters."""
    score = gram_share(grams(normalise(rendered)), normalise(current))
    return Survival(score=score, retained_chars=retained_chars(rendered, current))
