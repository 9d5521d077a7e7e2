"""Which class and function enclose a point, per language.

A definition encloses a point only when the point is inside its body: a
cursor on a method's header line is in the class body, where a new method
would go, not in the method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from server.context.languages import ELIXIR, GO, JAVASCRIPT, PYTHON, RUST, TSX, TYPESCRIPT

CLASS = "class"
FUNCTION = "function"


@dataclass(frozen=True)
class Scope:
    kind: str  # CLASS or FUNCTION
    name: str
    node: Node
    body: Node


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _named(node: Node, kind: str, body_field: str = "body") -> Scope | None:
    body = node.child_by_field_name(body_field)
    if body is None:
        return None
    return Scope(kind, _text(node.child_by_field_name("name")), node, body)


def _python_scope(node: Node) -> Scope | None:
    if node.type == "class_definition":
        return _named(node, CLASS)
    if node.type == "function_definition":
        return _named(node, FUNCTION)
    return None


_TS_CLASSES = {"class_declaration", "abstract_class_declaration", "class", "interface_declaration"}
_TS_NAMED_FUNCTIONS = {
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
    "function_expression",
    "generator_function",
}


def _binding_name(function: Node) -> str:
    """The name an anonymous function is bound to: `const f = () => {}`, `{f: () => {}}`."""
    parent = function.parent
    if parent is None:
        return ""
    if parent.type == "variable_declarator":
        return _text(parent.child_by_field_name("name"))
    if parent.type == "pair":
        return _text(parent.child_by_field_name("key"))
    if parent.type in ("public_field_definition", "field_definition"):
        return _text(parent.child_by_field_name("name"))
    if parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "member_expression":
            return _text(left.child_by_field_name("property"))
        return _text(left)
    return ""


def _typescript_scope(node: Node) -> Scope | None:
    if node.type in _TS_CLASSES:
        return _named(node, CLASS)
    if node.type in _TS_NAMED_FUNCTIONS or node.type == "arrow_function":
        body = node.child_by_field_name("body")
        # An arrow function with an expression body has no block to insert into.
        if body is None or body.type != "statement_block":
            return None
        name = _text(node.child_by_field_name("name")) or _binding_name(node)
        return Scope(FUNCTION, name, node, body)
    return None


def _go_receiver_type(method: Node) -> str:
    receiver = method.child_by_field_name("receiver")
    if receiver is None:
        return ""
    for parameter in receiver.named_children:
        kind = parameter.child_by_field_name("type")
        while kind is not None and kind.type in ("pointer_type", "generic_type"):
            kind = kind.child_by_field_name("type") or (kind.named_children[0] if kind.named_children else None)
        return _text(kind)
    return ""


def _go_scope(node: Node) -> Scope | None:
    if node.type == "function_declaration":
        return _named(node, FUNCTION)
    if node.type == "func_literal":
        body = node.child_by_field_name("body")
        return Scope(FUNCTION, "", node, body) if body is not None else None
    if node.type == "type_spec":
        kind = node.child_by_field_name("type")
        if kind is not None and kind.type in ("struct_type", "interface_type"):
            return Scope(CLASS, _text(node.child_by_field_name("name")), node, kind)
    return None


def _go_method(node: Node) -> tuple[Scope, str] | None:
    """A Go method is a function whose class is its receiver's type."""
    if node.type != "method_declaration":
        return None
    scope = _named(node, FUNCTION)
    return (scope, _go_receiver_type(node)) if scope is not None else None


def _rust_type_name(node: Node | None) -> str:
    while node is not None and node.type in ("generic_type", "reference_type", "scoped_type_identifier"):
        inner = node.child_by_field_name("type") or node.child_by_field_name("name")
        if inner is None:
            break
        node = inner
    return _text(node)


def _rust_scope(node: Node) -> Scope | None:
    if node.type == "impl_item":
        body = node.child_by_field_name("body")
        if body is None:
            return None
        return Scope(CLASS, _rust_type_name(node.child_by_field_name("type")), node, body)
    if node.type in ("struct_item", "trait_item", "enum_item", "union_item"):
        return _named(node, CLASS)
    if node.type == "function_item":
        return _named(node, FUNCTION)
    if node.type == "closure_expression":
        body = node.child_by_field_name("body")
        if body is None or body.type != "block":
            return None
        return Scope(FUNCTION, "", node, body)
    return None


_ELIXIR_MODULES = {"defmodule", "defprotocol", "defimpl"}
_ELIXIR_FUNCTIONS = {"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp"}


def _elixir_function_name(head: Node | None) -> str:
    # `def name(args) when guard do`: the name sits left of `when`, as a call target.
    while head is not None and head.type == "binary_operator":
        head = head.child_by_field_name("left")
    if head is not None and head.type == "call":
        head = head.child_by_field_name("target")
    return _text(head) if head is not None and head.type == "identifier" else ""


def _elixir_scope(node: Node) -> Scope | None:
    if node.type != "call":
        return None
    target = node.child_by_field_name("target")
    keyword = _text(target) if target is not None and target.type == "identifier" else ""
    if keyword not in _ELIXIR_MODULES and keyword not in _ELIXIR_FUNCTIONS:
        return None
    body = next((child for child in node.named_children if child.type == "do_block"), None)
    if body is None:
        return None
    arguments = next((child for child in node.named_children if child.type == "arguments"), None)
    head = arguments.named_children[0] if arguments is not None and arguments.named_children else None
    if keyword in _ELIXIR_MODULES:
        return Scope(CLASS, _text(head), node, body)
    return Scope(FUNCTION, _elixir_function_name(head), node, body)


_CLASSIFIERS = {
    PYTHON: _python_scope,
    TYPESCRIPT: _typescript_scope,
    TSX: _typescript_scope,
    JAVASCRIPT: _typescript_scope,
    GO: _go_scope,
    RUST: _rust_scope,
    ELIXIR: _elixir_scope,
}


@dataclass(frozen=True)
class Enclosing:
    """The definitions around a point, innermost first."""

    scopes: tuple[Scope, ...] = ()
    class_name: str = ""
    function_name: str = ""
    place_kind: str = ""  # kind of the innermost scope, "" at module level

    @property
    def innermost(self) -> Scope | None:
        return self.scopes[0] if self.scopes else None


def _inside(point: tuple[int, int], body: Node, language: str) -> bool:
    start, end = tuple(body.start_point), tuple(body.end_point)
    if language == PYTHON:
        # A Python block starts at its first statement and has no closing token.
        return start <= point <= end
    return start < point < end


def enclosing_at(
    language: str, node: Node, point: tuple[int, int], accepts: Callable[[Scope], bool] | None = None
) -> Enclosing:
    """The scopes around `node` that contain `point` in their body.

    `accepts(scope)` replaces the body test; Python uses it on blank lines,
    where indentation, not the tree, says which block the line belongs to.
    """
    classify = _CLASSIFIERS.get(language)
    if classify is None:
        return Enclosing()
    scopes: list[Scope] = []
    class_name = function_name = place_kind = ""
    current: Node | None = node
    while current is not None:
        scope = classify(current)
        receiver = ""
        if scope is None and language == GO:
            method = _go_method(current)
            if method is not None:
                scope, receiver = method
        if scope is not None and (accepts(scope) if accepts else _inside(point, scope.body, language)):
            scopes.append(scope)
            place_kind = place_kind or scope.kind
            if scope.kind == FUNCTION and not function_name:
                function_name = scope.name
            if scope.kind == CLASS and not class_name:
                class_name = scope.name
            if receiver and not class_name:
                class_name = receiver
        current = current.parent
    return Enclosing(tuple(scopes), class_name, function_name, place_kind)
