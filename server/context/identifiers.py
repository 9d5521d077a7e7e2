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
        "def",
        "defp",
        "defmodule",
        "defmacro",
        "defmacrop",
        "defstruct",
        "defprotocol",
        "defimpl",
        "defguard",
        "defguardp",
        "defdelegate",
        "defexception",
        "defoverridable",
        "alias",
        "import",
        "require",
        "use",
        "if",
        "unless",
        "case",
        "cond",
        "with",
        "for",
        "try",
        "receive",
        "quote",
        "unquote",
        "raise",
        "_",
    },
    GO: {"_"},
    RUST: {"_"},
}

DEFAULT_LIMIT = 20
_FIRST_WINDOW = 16  # rows each side; doubled until enough identifiers are found


@cache
def _query(language: str) -> Query | None:
    kinds = _IDENTIFIER_KINDS.get(language)
    if kinds is None:
        return None
    return Query(get_language(language), " ".join(f"({kind}) @id" for kind in kinds))


def _captured(query: Query, root: Node, first_row: int, last_row: int) -> list[Node]:
    cursor = QueryCursor(query)
    cursor.set_point_range((first_row, 0), (last_row + 1, 0))
    return cursor.captures(root).get("id", [])


def identifiers_near(language: str, root: Node, point: tuple[int, int], limit: int = DEFAULT_LIMIT) -> tuple[str, ...]:
    """Up to `limit` distinct identifiers, nearest to `point` first.

    Distance is the row distance, then rows above before rows below (what the
    user just wrote), then the column distance. Only a band of rows around
    the point is searched, widened until it holds enough, so a big file costs
    little more than a small one.
    """
    query = _query(language)
    if query is None:
        return ()
    noise = _NOISE.get(language, set())
    row, column = point
    last_row = root.end_point[0]
    found: dict[str, tuple[int, bool, int]] = {}
    window = _FIRST_WINDOW
    first, last = max(0, row - window), min(last_row, row + window)
    nodes = _captured(query, root, first, last)
    while True:
        for node in nodes:
            name = node.text.decode("utf-8", "replace") if node.text else ""
            if not name or name in noise:
                continue
            node_row, node_column = node.start_point
            distance = (abs(node_row - row), node_row > row, abs(node_column - column))
            if name not in found or distance < found[name]:
                found[name] = distance
        if len(found) >= limit or (first == 0 and last >= last_row):
            return tuple(sorted(found, key=found.__getitem__)[:limit])
        # Widen the band, querying only the rows not seen yet.
        window *= 2
        wider_first, wider_last = max(0, row - window), min(last_row, row + window)
        nodes = []
        if wider_first < first:
            nodes += _captured(query, root, wider_first, first - 1)
        if wider_last > last:
            nodes += _captured(query, root, last + 1, wider_last)
        first, last = wider_first, wider_last
