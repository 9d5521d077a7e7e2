"""Languages Scion understands: LSP language ids, file extensions, cached parsers."""

from __future__ import annotations

import os
from functools import cache
from pathlib import PurePath

import tree_sitter

PYTHON = "python"
TYPESCRIPT = "typescript"
TSX = "typescriptreact"
JAVASCRIPT = "javascript"
GO = "go"
RUST = "rust"
ELIXIR = "elixir"

LANGUAGES = (PYTHON, TYPESCRIPT, TSX, JAVASCRIPT, GO, RUST, ELIXIR)

_EXTENSIONS = {
    ".py": PYTHON,
    ".pyi": PYTHON,
    ".ts": TYPESCRIPT,
    ".mts": TYPESCRIPT,
    ".cts": TYPESCRIPT,
    ".tsx": TSX,
    ".js": JAVASCRIPT,
    ".jsx": JAVASCRIPT,
    ".mjs": JAVASCRIPT,
    ".cjs": JAVASCRIPT,
    ".go": GO,
    ".rs": RUST,
    ".ex": ELIXIR,
    ".exs": ELIXIR,
}


def language_for_path(path: str | PurePath) -> str | None:
    """The LSP language id of a file, from its extension; None when unknown."""
    return _EXTENSIONS.get(os.path.splitext(os.fspath(path))[1].lower())


def _grammar(language: str) -> object:
    # Grammar packages are imported on first use so that a server which only
    # sees Python files never pays for loading the other four.
    if language == PYTHON:
        import tree_sitter_python

        return tree_sitter_python.language()
    if language == TYPESCRIPT:
        import tree_sitter_typescript

        return tree_sitter_typescript.language_typescript()
    if language in (TSX, JAVASCRIPT):
        # The tsx grammar rather than the plain typescript one: JavaScript
        # files routinely hold JSX, and the tsx grammar accepts plain JS too.
        import tree_sitter_typescript

        return tree_sitter_typescript.language_tsx()
    if language == GO:
        import tree_sitter_go

        return tree_sitter_go.language()
    if language == RUST:
        import tree_sitter_rust

        return tree_sitter_rust.language()
    if language == ELIXIR:
        import tree_sitter_elixir

        return tree_sitter_elixir.language()
    raise ValueError(f"no tree-sitter grammar for language {language!r}")


def is_supported(language: str | None) -> bool:
    return language in LANGUAGES


@cache
def get_language(language: str) -> tree_sitter.Language:
    return tree_sitter.Language(_grammar(language))


@cache
def get_parser(language: str) -> tree_sitter.Parser:
    """One parser per language, reused: building one costs more than a small parse.

    Parsers are not thread-safe; callers on other threads use `new_parser`.
    """
    return tree_sitter.Parser(get_language(language))


def new_parser(language: str) -> tree_sitter.Parser:
    return tree_sitter.Parser(get_language(language))


def parse(language: str, text: str, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
    source = text.encode("utf-8")
    parser = get_parser(language)
    if old_tree is None:
        return parser.parse(source)
    return parser.parse(source, old_tree)


_SNIPPET_LENGTH = 40


def parse_errors(language: str, text: str) -> list[tuple[int, int, str]]:
    """(line, column, snippet) of every ERROR or MISSING node, 0-based, in document order.

    The column counts characters (not bytes) so the result reads like an
    editor position; the snippet is the erroneous source, cut short.
    """
    tree = parse(language, text)
    if not tree.root_node.has_error:
        return []
    source = text.encode("utf-8")
    errors: list[tuple[int, int, str]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if not node.has_error and not node.is_missing:
            continue
        if node.is_error or node.is_missing:
            row, byte_column = node.start_point
            line_start = node.start_byte - byte_column
            column = len(source[line_start : node.start_byte].decode("utf-8", "replace"))
            if node.is_missing:
                snippet = f"missing {node.type}"
            else:
                snippet = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
                snippet = " ".join(snippet.split())[:_SNIPPET_LENGTH]
            errors.append((row, column, snippet))
        stack.extend(reversed(node.children))
    return errors
