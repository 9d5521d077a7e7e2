"""Tree-sitter editing context: the language, the syntactic place and the features of a position."""

from server.context.documents import MAX_PARSED_CHARS, DocumentTrees, ParsedDocument, too_large
from server.context.editing import (
    CLASS_BODY,
    EMPTY_FILE,
    FUNCTION_BODY,
    MODULE,
    PLACES,
    EditingContext,
    context_at,
    context_for_path,
)
from server.context.languages import LANGUAGES, get_parser, language_for_path, parse, parse_errors
from server.context.paths import module_path

__all__ = [
    "CLASS_BODY",
    "EMPTY_FILE",
    "FUNCTION_BODY",
    "LANGUAGES",
    "MAX_PARSED_CHARS",
    "MODULE",
    "PLACES",
    "DocumentTrees",
    "EditingContext",
    "ParsedDocument",
    "context_at",
    "context_for_path",
    "get_parser",
    "language_for_path",
    "module_path",
    "parse",
    "parse_errors",
    "too_large",
]
