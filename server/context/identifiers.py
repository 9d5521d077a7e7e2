"""Identifiers near the cursor, nearest first: evidence for answer inference."""

from __future__ import annotations

from functools import cache

from tree_sitter import Node, Query, QueryCursor

from server.context.languages import ELIXIR, GO, JAVASCRIPT, PYTHON, RUST, TSX, TYPESCRIPT, get_language

_TS_KINDS = ("identifier", "type_identifier", "property_identifier", "shorthand_property_identifier")
_IDENTIFIER_KINDS = {
    PYTHON: ("identifier",),
    TYPESCRIPT: _TS_KINDS,
    TSX: _TS_KINDS,
    JAVASCRIPT: _TS_KINDS,
    GO: ("identifier", "type_identifier", "field_identifier", "package_identifier"),
    RUST: ("identifier", "type_identifier", "field_identifier"),
    ELIXIR: ("identifier", "alias"),
}

# Words the grammar calls identifiers that say nothing about the user's code:
# Elixir's special forms are plain calls, Python's receivers are conventions.
_NOISE = {
    PYTHON: {"self", "cls", "_"},
    ELIXIR: {
        "def", "defp", "defmodule", "defmacro", "defmacrop", "defstruct", "defprotocol", "defimpl",
        "defguard", "defguardp", "defdelegate", "defexception", "defoverridable", "alias", "import",
        "require", "use", "if", "unless", "case", "cond", "with", "for", "try", "receive", "quote",
        "unquote", "raise", "_",
    },
    GO: {"_"},
    RUST: {"_"},
}

DEFAULT_LIMIT = 20
_FIRST_WINDOW = 40  # rows each side; doubled until enough identifiers are found


@cache
def _query(language: str) -> Query | None:
    kinds = _IDENTIFIER_KINDS.get(language)
    if kinds is None:
        return None
    return Query(get_language(language), " ".join(f"({kind}) @id" for kind in kinds))


def identifiers_near(
    language: str, root: Node, point: tuple[int, int], limit: int = DEFAULT_LIMIT
) -> tuple[str, ...]:
    """Up to `limit` distinct identifiers, nearest to `point` first.

    Distance is the row distance, then rows above before rows below (what the
    user just wrote), then the column distance. Only a window of rows around
    the point is searched, grown until it holds enough, so a big file costs
    no more than a small one.
    """
    query = _query(language)
    if query is None:
        return ()
    noise = _NOISE.get(language, set())
    row, column = point
    last_row = root.end_point[0]
    window = _FIRST_WINDOW
    while True:
        cursor = QueryCursor(query)
        start, end = max(0, row - window), min(last_row, row + window)
        cursor.set_point_range((start, 0), (end + 1, 0))
        found: list[tuple[tuple[int, bool, int], str]] = []
        for node in cursor.captures(root).get("id", ()):
            name = node.text.decode("utf-8", "replace") if node.text else ""
            if not name or name in noise:
                continue
            node_row, node_column = node.start_point
            distance = (abs(node_row - row), node_row > row, abs(node_column - column))
            found.append((distance, name))
        found.sort()
        nearest = list(dict.fromkeys(name for _, name in found))
        if len(nearest) >= limit or (start == 0 and end >= last_row):
            return tuple(nearest[:limit])
        window *= 2
