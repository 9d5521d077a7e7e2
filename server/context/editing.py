"""The editing context: what Scion knows about the place where the user is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tree_sitter import Node, Tree

from server.context.identifiers import identifiers_near
from server.context.indentation import indentation_at, is_blank, leading_whitespace, next_nonblank
from server.context.languages import PYTHON, is_supported, language_for_path, parse
from server.context.paths import PathFeatures, path_features
from server.context.positions import point_for_position, split_lines
from server.context.scopes import CLASS, Enclosing, Scope, enclosing_at

MODULE = "module"
CLASS_BODY = "class_body"
FUNCTION_BODY = "function_body"
EMPTY_FILE = "empty_file"
PLACES = (MODULE, CLASS_BODY, FUNCTION_BODY, EMPTY_FILE)


@dataclass(frozen=True)
class EditingContext(PathFeatures):
    """Where the user is: the path's features plus the language and the place in the code."""

    language: str
    place: str
    enclosing_class: str
    enclosing_function: str
    identifiers: tuple[str, ...]
    indentation: str

    def features(self) -> dict[str, Any]:
        """The context as plain JSON values: the Jinja `ctx` and the input of synthesis."""
        # Every field is text or a tuple of text, so a shallow copy is what
        # asdict() would build by deep-copying, at a fraction of the cost.
        features = dict(self.__dict__)
        features["path_segments"] = list(self.path_segments)
        features["identifiers"] = list(self.identifiers)
        return features


def _path_only(language: str, path: str | Path | None, workspace: Path | None, place: str) -> EditingContext:
    paths = path_features(path, workspace, language or None)
    return EditingContext(
        **vars(paths),
        language=language,
        place=place,
        enclosing_class="",
        enclosing_function="",
        identifiers=(),
        indentation="",
    )


def context_for_path(path: str | Path, workspace: Path | None = None) -> EditingContext:
    """Context of a file that does not exist yet (`scion generate --path`)."""
    return _path_only(language_for_path(path) or "", path, workspace, EMPTY_FILE)


def context_at(
    text: str,
    path: str | Path | None,
    line: int,
    character: int,
    workspace: Path | None = None,
    language: str | None = None,
    tree: Tree | None = None,
) -> EditingContext:
    """The context at an LSP position (0-based line, UTF-16 character).

    A position past the end is clamped. `tree` must be the parse of this
    very text (see DocumentTrees); without it the text is parsed here.
    """
    if language is None and path:
        language = language_for_path(path)
    language = language or ""
    if is_blank(text):
        return _path_only(language, path, workspace, EMPTY_FILE)
    base = _path_only(language, path, workspace, MODULE)
    if not is_supported(language):
        return base
    lines = split_lines(text)
    point = point_for_position(lines, line, character)
    if tree is None:
        tree = parse(language, text)
    enclosing = _enclosing(language, tree.root_node, lines, point)
    place = {CLASS: CLASS_BODY, "": MODULE}.get(enclosing.place_kind, FUNCTION_BODY)
    return replace(
        base,
        place=place,
        enclosing_class=enclosing.class_name,
        enclosing_function=enclosing.function_name,
        identifiers=identifiers_near(language, tree.root_node, point),
        indentation=indentation_at(language, lines, point, enclosing.innermost),
    )


def _enclosing(language: str, root: Node, lines: list[str], point: tuple[int, int]) -> Enclosing:
    row, column = point
    if language == PYTHON and is_blank(lines[row]):
        return _python_blank_line(root, lines, row)
    if language == PYTHON:
        # In the leading whitespace of a Python line, the line's statement is
        # what the cursor is at; the whitespace itself belongs to no block.
        column = max(column, len(leading_whitespace(lines[row]).encode("utf-8")))
        point = (row, column)
    node = root.descendant_for_point_range(point, point) or root
    return enclosing_at(language, node, point)


def _python_blank_line(root: Node, lines: list[str], row: int) -> Enclosing:
    """On a blank Python line, the indentation decides the block, not the tree.

    The tree ends a block at its last statement, so a blank line after a
    method belongs to no block there; what the user means is told by the
    line's whitespace, or else by the next line with code (a blank line before
    `    def g` is in the class body) or, at the end of the file, the last one.
    """
    previous = next_nonblank(lines, row, -1)
    if previous is None:
        return Enclosing()
    width = _python_blank_width(lines, row, previous)
    anchor_column = len(lines[previous].rstrip().encode("utf-8")) - 1
    anchor = root.descendant_for_point_range((previous, anchor_column), (previous, anchor_column)) or root

    def accepts(scope: Scope) -> bool:
        header_row = scope.node.start_point[0]
        body_row = scope.body.start_point[0]
        if body_row > header_row:
            body_width = len(leading_whitespace(lines[body_row]))
        else:
            body_width = len(leading_whitespace(lines[header_row])) + 1
        return width >= body_width

    return enclosing_at(PYTHON, anchor, (row, 0), accepts)


def _python_blank_width(lines: list[str], row: int, previous: int) -> int:
    own = leading_whitespace(lines[row])
    if own:
        return len(own)
    previous_width = len(leading_whitespace(lines[previous]))
    # After `def f():` the line is the (still empty) body, whatever follows.
    opened = previous_width + 1 if lines[previous].rstrip().endswith(":") else 0
    following = next_nonblank(lines, row, 1)
    if following is not None:
        return max(opened, len(leading_whitespace(lines[following])))
    # An empty line at the end of the file, cursor at column 0: the user
    # has left the last block (Enter inside it would have indented the line).
    return opened
