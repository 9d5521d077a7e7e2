"""Plain JSON-like values from whatever pygls hands back for custom methods."""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """Dicts, lists and scalars all the way down (pygls gives attribute objects for unknown types)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: plain(v) for k, v in vars(value).items()}
    return value
