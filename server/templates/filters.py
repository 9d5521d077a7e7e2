"""Case-conversion filters, shared by Jinja templates and by answer synthesis.

Words are found the same way for every filter, so `snake(pascal(x)) == snake(x)`
for ordinary names: separators (`-`, `_`, spaces, dots) split words, and so do
case changes, with acronyms kept together (`HTTPServer` -> `HTTP`, `Server`).
"""

from __future__ import annotations

import re
from typing import Any

# Anything that is not a letter or a digit separates words (Unicode-aware, so `café` is one word).
_SEPARATORS = re.compile(r"[\W_]+")


def _split_case(chunk: str) -> list[str]:
    """Split at case changes: `orderItem` -> order, Item; `HTTPServer` -> HTTP, Server.

    Digits stay with the word before them (`v2`, `utf8`); after a digit, only a
    capitalised word starts a new one (`OAuth2Client` -> O, Auth2, Client), so
    converted names convert to themselves again (`0A` stays one word).
    """
    found: list[str] = []
    start = 0
    for i in range(1, len(chunk)):
        prev, cur = chunk[i - 1], chunk[i]
        next_is_lower = i + 1 < len(chunk) and chunk[i + 1].islower()
        if cur.isupper() and (prev.islower() or ((prev.isdigit() or prev.isupper()) and next_is_lower)):
            found.append(chunk[start:i])
            start = i
    found.append(chunk[start:])
    return found


def words(value: Any) -> list[str]:
    """The words of an identifier-ish string, in their original case."""
    return [word for chunk in _SEPARATORS.split(str(value)) if chunk for word in _split_case(chunk)]


def snake(value: Any) -> str:
    return "_".join(word.lower() for word in words(value))


def upper_snake(value: Any) -> str:
    return "_".join(word.upper() for word in words(value))


def kebab(value: Any) -> str:
    return "-".join(word.lower() for word in words(value))


def _capitalize(word: str) -> str:
    """Upper-case the first letter, not the first character: `2fa` -> `2Fa`, keeping `0X` stable."""
    first = next((index for index, char in enumerate(word) if char.isalpha()), 0)
    return word[:first] + word[first : first + 1].upper() + word[first + 1 :].lower()


def pascal(value: Any) -> str:
    return "".join(_capitalize(word) for word in words(value))


def camel(value: Any) -> str:
    converted = pascal(value)
    return converted[:1].lower() + converted[1:]


CASE_FILTERS = {
    "snake": snake,
    "camel": camel,
    "pascal": pascal,
    "kebab": kebab,
    "upper_snake": upper_snake,
}
