"""Parsed open documents, kept up to date incrementally so code actions never re-parse."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tree_sitter import Parser, Point, Tree

from server.context.languages import is_supported, new_parser
from server.context.positions import byte_offset, point_after, point_for_position, split_lines


@dataclass(frozen=True)
class ParsedDocument:
    version: int
    text: str
    language: str
    tree: Tree | None  # None for a language without a grammar


class DocumentTrees:
    """A small cache of (version, text, tree) per document uri.

    Editors send many small changes; `apply_change` edits the old tree and
    lets tree-sitter re-parse only what changed. The cache holds at most
    `capacity` documents, dropping the least recently used. Not thread-safe:
    use it from the server's event loop.
    """

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = capacity
        self._documents: OrderedDict[str, ParsedDocument] = OrderedDict()
        self._parsers: dict[str, Parser] = {}

    def __contains__(self, uri: str) -> bool:
        return uri in self._documents

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, uri: str) -> ParsedDocument | None:
        document = self._documents.get(uri)
        if document is not None:
            self._documents.move_to_end(uri)
        return document

    def remove(self, uri: str) -> None:
        self._documents.pop(uri, None)

    def update(self, uri: str, version: int, text: str, language: str) -> ParsedDocument:
        """The whole new text (didOpen, full-sync didChange); re-parses from scratch.

        A full text is not diffed against the old one: reusing the old tree
        would need the edit's exact extent, and a wrong one corrupts the tree.
        """
        tree = self._parse(language, text, None)
        return self._store(uri, ParsedDocument(version, text, language, tree))

    def apply_change(
        self,
        uri: str,
        version: int,
        start: tuple[int, int],
        old_end: tuple[int, int],
        new_text: str,
    ) -> ParsedDocument:
        """One incremental change: LSP positions (line, UTF-16 character) of the replaced range.

        Raises KeyError when the document is unknown (the caller then sends
        the full text to `update`).
        """
        document = self._documents[uri]
        lines = split_lines(document.text)
        start_byte = byte_offset(lines, *start)
        old_end_byte = byte_offset(lines, *old_end)
        if old_end_byte < start_byte:
            start_byte, old_end_byte = old_end_byte, start_byte
        source = document.text.encode("utf-8")
        text = (source[:start_byte] + new_text.encode("utf-8") + source[old_end_byte:]).decode("utf-8")
        if document.tree is None:
            return self._store(uri, ParsedDocument(version, text, document.language, None))
        start_point = point_for_position(lines, *start)
        old_end_point = point_for_position(lines, *old_end)
        if old_end_point < start_point:
            start_point, old_end_point = old_end_point, start_point
        new_end_point = point_after(start_point, new_text)
        tree = document.tree.copy()
        tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=start_byte + len(new_text.encode("utf-8")),
            start_point=Point(*start_point),
            old_end_point=Point(*old_end_point),
            new_end_point=Point(*new_end_point),
        )
        tree = self._parse(document.language, text, tree)
        return self._store(uri, ParsedDocument(version, text, document.language, tree))

    def _parse(self, language: str, text: str, old_tree: Tree | None) -> Tree | None:
        if not is_supported(language):
            return None
        parser = self._parsers.get(language)
        if parser is None:
            parser = self._parsers[language] = new_parser(language)
        source = text.encode("utf-8")
        return parser.parse(source, old_tree) if old_tree is not None else parser.parse(source)

    def _store(self, uri: str, document: ParsedDocument) -> ParsedDocument:
        self._documents[uri] = document
        self._documents.move_to_end(uri)
        while len(self._documents) > self._capacity:
            self._documents.popitem(last=False)
        return document
