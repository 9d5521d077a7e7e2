"""Parsed open documents, kept up to date incrementally so code actions never re-parse."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from tree_sitter import Parser, Tree

from server.context.edits import TreeEdit, edit_between, replace_range
from server.context.languages import is_supported, new_parser

# Above this many characters a document is not parsed: tree-sitter's tree takes
# about 30 times the text (a 50 MB file took the server to 1.8 GB at didOpen),
# and the features that need a tree (code actions' context, tracking's scans)
# are not worth that. Such documents get no template actions; see
# ScionServer.context_for.
MAX_PARSED_CHARS = 5_000_000


def too_large(characters: int) -> bool:
    return characters > MAX_PARSED_CHARS


@dataclass(frozen=True)
class ParsedDocument:
    version: int
    text: str
    language: str
    tree: Tree | None  # None for a language without a grammar


class DocumentTrees:
    """A small cache of (version, text, tree) per document uri.

    Every change re-parses with the previous tree, so tree-sitter only
    re-reads what changed. The cache holds at most `capacity` documents,
    dropping the least recently used. Not thread-safe: use it from the
    server's event loop. Stored trees are never mutated, so a
    ParsedDocument handed out earlier stays valid.
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
        """The whole new text (didOpen, full-sync didChange).

        When the document is known in the same language, the difference with
        the old text becomes one edit and the old tree is reused.
        """
        if too_large(len(text)):
            # Neither parsed nor kept (the cache would hold the text and a tree).
            self._documents.pop(uri, None)
            return ParsedDocument(version, "", language, None)
        previous = self._documents.get(uri)
        if previous is None or previous.tree is None or previous.language != language:
            return self._store(uri, ParsedDocument(version, text, language, self._parse(language, text)))
        if previous.text == text:
            return self._store(uri, ParsedDocument(version, text, language, previous.tree))
        edit = edit_between(previous.text.encode("utf-8"), text.encode("utf-8"))
        return self._store(uri, ParsedDocument(version, text, language, self._reparse(previous, text, edit)))

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
        previous = self._documents[uri]
        text, edit = replace_range(previous.text, start, old_end, new_text)
        if too_large(len(text)):
            self._documents.pop(uri, None)
            return ParsedDocument(version, "", previous.language, None)
        tree = self._reparse(previous, text, edit)
        return self._store(uri, ParsedDocument(version, text, previous.language, tree))

    def _reparse(self, previous: ParsedDocument, text: str, edit: TreeEdit) -> Tree | None:
        if previous.tree is None:
            return None
        old_tree = previous.tree.copy()
        edit.apply_to(old_tree)
        return self._parse(previous.language, text, old_tree)

    def _parse(self, language: str, text: str, old_tree: Tree | None = None) -> Tree | None:
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
