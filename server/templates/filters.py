"""Case-conversion filters, shared by Jinja templates and by answer synthesis.

The conversions themselves are in casing.py (learned programs carry that code).
"""

from __future__ import annotations

from server.templates.casing import camel, kebab, pascal, snake, upper_snake, words

__all__ = ["CASE_FILTERS", "camel", "kebab", "pascal", "snake", "upper_snake", "words"]

CASE_FILTERS = {
    "snake": snake,
    "camel": camel,
    "pascal": pascal,
    "kebab": kebab,
    "upper_snake": upper_snake,
}
