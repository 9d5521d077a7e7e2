"""Ordering of template versions.

Versions are folder names, normally PEP 440 or semver-like (`1.2.0`). Anything
else still sorts deterministically: after every valid version, by its natural
(number-aware) order, so a stray folder never breaks the catalog.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from packaging.version import InvalidVersion, Version

_CHUNK = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=4096)
def _key(text: str) -> tuple[Any, ...]:
    # A batch upgrade compares the same few versions thousands of times; parsing is the cost.
    try:
        return (0, Version(text), ())
    except InvalidVersion:
        natural = tuple(
            (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in _CHUNK.split(text) if chunk
        )
        return (1, Version("0"), natural)


def version_key(version: str) -> tuple[Any, ...]:
    """A key for `sorted()`: valid versions by PEP 440 order, then the others by natural order."""
    return _key(str(version).strip())


def is_newer(candidate: str, than: str) -> bool:
    return version_key(candidate) > version_key(than)


def latest(versions: list[str]) -> str | None:
    return max(versions, key=version_key, default=None)
