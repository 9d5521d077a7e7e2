"""Editing context: languages, places, enclosing names, paths, identifiers, indentation, parsing."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.context import (
    CLASS_BODY,
    EMPTY_FILE,
    FUNCTION_BODY,
    MODULE,
    DocumentTrees,
    EditingContext,
    context_at,
    context_for_path,
    get_parser,
    language_for_path,
    module_path,
    parse,
    parse_errors,
)

WORKSPACE = Path("/ws")

PYTHON_SOURCE = """\
import os


class Order:
    def total(self, items):
        def price(item):
            return item.price

        return sum(price(i) for i in items)

    def tax(self):
        rate = 0.2
        return rate

def helper():
    pass
"""

TYPESCRIPT_SOURCE = """\
export class Cart {
  add(item: Item): void {
    const check = (x: Item) => {
      return x.ok;
    };

  }

}

interface Item {
  ok: boolean;
}

export const handler = async (req: Request) => {

};
"""

GO_SOURCE = """\
package shop

type Order struct {
\tID int
}

func (o *Order) Total() int {
\tadd := func() {

\t}
\treturn o.ID
}

func helper() {}
"""

RUST_SOURCE = """\
struct Order {
    id: u32,
}

impl<T> Repository for Store<T> {
    fn find(&self, id: u32) {
        let check = |x: u32| {
            x
        };

    }
}

trait Repository {
    fn find(&self, id: u32);
}

fn main() {}
"""

ELIXIR_SOURCE = """\
defmodule MyApp.Accounts.User do
  def greet(name) when is_binary(name) do
    name

  end

  defp helper(value) do
    value
  end
end
"""


def at(language: str, source: str, line: int, character: int, path: str | None = None) -> EditingContext:
    return context_at(source, path, line, character, workspace=WORKSPACE, language=language)


# -- languages and parsing --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a.py", "python"),
        ("a.pyi", "python"),
        ("a.ts", "typescript"),
        ("a.mts", "typescript"),
        ("a.cts", "typescript"),
        ("a.tsx", "typescriptreact"),
        ("a.js", "javascript"),
        ("a.jsx", "javascript"),
        ("a.mjs", "javascript"),
        ("a.go", "go"),
        ("a.rs", "rust"),
        ("a.ex", "elixir"),
        ("a.exs", "elixir"),
        ("README.md", None),
        ("Makefile", None),
    ],
)
def test_language_for_path(path, language):
    assert language_for_path(path) == language


def test_parser_is_cached():
    assert get_parser("python") is get_parser("python")


@pytest.mark.parametrize(
    ("language", "valid", "broken"),
    [
        ("python", "def f(x):\n    return x\n", "def f(x:\n    return x\n"),
        ("typescript", "function f(x: number) { return x; }\n", "function f(x: number { return x; }\n"),
        ("typescriptreact", "const a = <div>{x}</div>;\n", "const a = <div>{x</div>;\n"),
        ("javascript", "const a = <b>{x}</b>;\nfunction f() {}\n", "function f( {}\n"),
        ("go", "package a\n\nfunc f() int { return 1 }\n", "package a\n\nfunc f() int { return 1\n"),
        ("rust", "fn f() -> u32 { 1 }\n", "fn f() -> u32 { 1 \n"),
        ("elixir", "defmodule A do\n  def f, do: 1\nend\n", "defmodule A do\n  def f(, do: 1\nend\n"),
    ],
)
def test_parse_errors(language, valid, broken):
    assert parse_errors(language, valid) == []
    errors = parse_errors(language, broken)
    assert errors
    for line, column, snippet in errors:
        assert 0 <= line < len(broken.split("\n"))
        assert column >= 0
        assert isinstance(snippet, str)


def test_parse_errors_positions_are_characters():
    errors = parse_errors("python", "s = 'é'\nx = (1,\n")
    assert errors
    assert errors[0][0] in (1, 2)


def test_parse_errors_reports_missing_node():
    assert any("missing" in snippet for _, _, snippet in parse_errors("python", "def f(:\n  pass\n"))


# -- places and enclosing names ---------------------------------------------

PLACE_CASES = [
    # language, source, (line, character), place, enclosing class, enclosing function
    ("python", PYTHON_SOURCE, (0, 0), MODULE, "", ""),
    ("python", PYTHON_SOURCE, (1, 0), MODULE, "", ""),
    ("python", PYTHON_SOURCE, (4, 4), CLASS_BODY, "Order", ""),
    ("python", PYTHON_SOURCE, (6, 12), FUNCTION_BODY, "Order", "price"),  # nested function in a method
    ("python", PYTHON_SOURCE, (7, 0), FUNCTION_BODY, "Order", "total"),  # blank line before `return`
    ("python", PYTHON_SOURCE, (8, 20), FUNCTION_BODY, "Order", "total"),
    ("python", PYTHON_SOURCE, (9, 0), CLASS_BODY, "Order", ""),  # blank line between methods
    ("python", PYTHON_SOURCE, (12, 8), FUNCTION_BODY, "Order", "tax"),
    ("python", PYTHON_SOURCE, (13, 0), MODULE, "", ""),  # blank line before a module-level def
    ("python", PYTHON_SOURCE, (15, 4), FUNCTION_BODY, "", "helper"),
    ("python", PYTHON_SOURCE, (16, 0), MODULE, "", ""),  # end of file, column 0
    ("python", "class A:\n    x = 1\n    \n", (2, 4), CLASS_BODY, "A", ""),  # whitespace-only line
    ("python", "def f():\n\n", (1, 0), FUNCTION_BODY, "", "f"),  # body still empty
    ("typescript", TYPESCRIPT_SOURCE, (0, 0), MODULE, "", ""),
    ("typescript", TYPESCRIPT_SOURCE, (3, 6), FUNCTION_BODY, "Cart", "check"),  # arrow in a method
    ("typescript", TYPESCRIPT_SOURCE, (5, 0), FUNCTION_BODY, "Cart", "add"),
    ("typescript", TYPESCRIPT_SOURCE, (7, 0), CLASS_BODY, "Cart", ""),
    ("typescript", TYPESCRIPT_SOURCE, (11, 2), CLASS_BODY, "Item", ""),
    ("typescript", TYPESCRIPT_SOURCE, (15, 0), FUNCTION_BODY, "", "handler"),
    ("typescriptreact", "function App() {\n  return <div/>;\n}\n", (1, 2), FUNCTION_BODY, "", "App"),
    ("javascript", "class A {\n  m() {\n\n  }\n}\n", (2, 0), FUNCTION_BODY, "A", "m"),
    ("go", GO_SOURCE, (0, 0), MODULE, "", ""),
    ("go", GO_SOURCE, (3, 1), CLASS_BODY, "Order", ""),
    ("go", GO_SOURCE, (10, 1), FUNCTION_BODY, "Order", "Total"),  # receiver type is the class
    ("go", GO_SOURCE, (7, 0), FUNCTION_BODY, "Order", "Total"),  # func literal in a method
    ("go", GO_SOURCE, (12, 0), MODULE, "", ""),
    ("go", GO_SOURCE, (13, 15), FUNCTION_BODY, "", "helper"),
    ("go", GO_SOURCE, (6, 4), MODULE, "", ""),  # on the header, before the body
    ("rust", RUST_SOURCE, (1, 4), CLASS_BODY, "Order", ""),
    ("rust", RUST_SOURCE, (5, 4), CLASS_BODY, "Store", ""),  # generic trait impl: the implementing type
    ("rust", RUST_SOURCE, (7, 12), FUNCTION_BODY, "Store", "find"),  # closure in a method
    ("rust", RUST_SOURCE, (9, 0), FUNCTION_BODY, "Store", "find"),
    ("rust", RUST_SOURCE, (14, 4), CLASS_BODY, "Repository", ""),
    ("rust", RUST_SOURCE, (13, 0), MODULE, "", ""),
    ("rust", RUST_SOURCE, (17, 11), FUNCTION_BODY, "", "main"),
    ("elixir", ELIXIR_SOURCE, (0, 0), MODULE, "", ""),
    ("elixir", ELIXIR_SOURCE, (2, 4), FUNCTION_BODY, "MyApp.Accounts.User", "greet"),  # guard clause
    ("elixir", ELIXIR_SOURCE, (3, 0), FUNCTION_BODY, "MyApp.Accounts.User", "greet"),
    ("elixir", ELIXIR_SOURCE, (5, 0), CLASS_BODY, "MyApp.Accounts.User", ""),
    ("elixir", ELIXIR_SOURCE, (7, 4), FUNCTION_BODY, "MyApp.Accounts.User", "helper"),
    ("elixir", ELIXIR_SOURCE, (10, 0), MODULE, "", ""),
]


@pytest.mark.parametrize(("language", "source", "position", "place", "klass", "function"), PLACE_CASES)
def test_place_and_enclosing_names(language, source, position, place, klass, function):
    context = at(language, source, *position)
    assert (context.place, context.enclosing_class, context.enclosing_function) == (place, klass, function)


@pytest.mark.parametrize("language", ["python", "typescript", "typescriptreact", "javascript", "go", "rust", "elixir"])
@pytest.mark.parametrize("text", ["", "\n", "   \n\t\n"])
def test_blank_document_is_empty_file(language, text):
    assert at(language, text, 0, 0).place == EMPTY_FILE


def test_header_line_is_in_the_outer_scope():
    # A cursor on `def tax` is where a sibling method would go: the class body.
    assert at("python", PYTHON_SOURCE, 10, 8).place == CLASS_BODY


def test_position_past_the_end_is_clamped():
    context = at("python", PYTHON_SOURCE, 999, 999)
    assert context.place == MODULE
    assert at("python", PYTHON_SOURCE, 4, 999).place == CLASS_BODY
    assert at("python", PYTHON_SOURCE, -3, -1).place == MODULE


def test_unknown_language_gets_path_features_only():
    context = context_at("some text\n", "/ws/docs/notes.txt", 0, 3, workspace=WORKSPACE)
    assert context.language == ""
    assert context.place == MODULE
    assert context.stem == "notes"
    assert context.rel_path == "docs/notes.txt"
    assert context.identifiers == ()
    assert context_at("", "/ws/notes.txt", 0, 0, workspace=WORKSPACE).place == EMPTY_FILE


def test_utf16_columns():
    # "𝒳" is two UTF-16 units and four UTF-8 bytes: the column must be converted.
    source = "class A:\n    s = '𝒳𝒳'; t = 1\n"
    context = at("python", source, 1, 14)
    assert context.place == CLASS_BODY
    assert context.identifiers[0] in ("t", "s")


# -- path features and module paths -----------------------------------------


def test_path_features():
    context = context_at("x = 1\n", "/ws/src/shop/models/order.py", 0, 0, workspace=WORKSPACE)
    assert context.language == "python"
    assert context.path == "/ws/src/shop/models/order.py"
    assert context.rel_path == "src/shop/models/order.py"
    assert context.stem == "order"
    assert context.extension == ".py"
    assert context.folder == "models"
    assert context.path_segments == ("src", "shop", "models")
    assert context.module_path == "shop.models.order"


def test_relative_path_is_resolved_against_the_workspace():
    context = context_for_path("lib/my_app/accounts/user.ex", WORKSPACE)
    assert context.path == "/ws/lib/my_app/accounts/user.ex"
    assert context.rel_path == "lib/my_app/accounts/user.ex"
    assert context.module_path == "MyApp.Accounts.User"
    assert context.place == EMPTY_FILE
    assert context.language == "elixir"


def test_untitled_document_has_empty_path_features():
    context = context_at("x = 1\n", None, 0, 0, language="python")
    assert (context.path, context.rel_path, context.stem, context.module_path) == ("", "", "", "")
    assert context.path_segments == ()


@pytest.mark.parametrize(
    ("language", "rel_path", "expected"),
    [
        ("python", "src/shop/models/order.py", "shop.models.order"),
        ("python", "shop/models/__init__.py", "shop.models"),
        ("python", "tests/test_order.py", "tests.test_order"),
        ("python", "packages/core/src/core/api.py", "core.api"),
        ("python", "setup.py", "setup"),
        ("elixir", "lib/my_app/accounts/user.ex", "MyApp.Accounts.User"),
        ("elixir", "apps/web/lib/web_app/router.ex", "WebApp.Router"),
        ("elixir", "test/my_app/user_test.exs", "MyApp.UserTest"),
        ("go", "internal/billing/invoice.go", "billing"),
        ("go", "main.go", "main"),
        ("go", "cmd/server/run.go", "main"),
        ("go", "pkg/http-client/client.go", "http_client"),
        ("typescript", "src/components/Button.ts", "components/Button"),
        ("typescriptreact", "src/components/Button.tsx", "components/Button"),
        ("typescript", "src/components/index.ts", "components"),
        ("javascript", "lib/util.js", "lib/util"),
        ("rust", "src/net/http.rs", "crate::net::http"),
        ("rust", "src/net/mod.rs", "crate::net"),
        ("rust", "src/lib.rs", "crate"),
        ("rust", "src/main.rs", "crate"),
        ("rust", "crates/core/src/db/pool.rs", "crate::db::pool"),
        ("rust", "src/bin/tool.rs", "crate"),
        ("rust", "tests/integration.rs", "crate"),
        (None, "docs/readme.md", ""),
    ],
)
def test_module_path(language, rel_path, expected):
    assert module_path(language, rel_path) == expected


@pytest.mark.parametrize(
    ("rel_path", "expected"),
    [
        ("src/shop/cart.py", "cart"),
        ("tests/test_cart.py", "cart"),
        ("internal/size/size_test.go", "size"),
        ("src/lib/pricing.test.ts", "pricing"),
        ("src/lib/pricing.spec.ts", "pricing"),
        ("test/my_app/accounts_test.exs", "accounts"),
        ("src/shop/__init__.py", "shop"),
        ("src/latest_price.py", "latest_price"),
        ("tests/test_.py", "test_"),
        ("src/contest.py", "contest"),
    ],
)
def test_subject_is_what_a_test_file_tests(rel_path, expected):
    assert context_for_path(rel_path, WORKSPACE).subject == expected


# -- identifiers -------------------------------------------------------------


def test_identifiers_nearest_first():
    context = at("python", PYTHON_SOURCE, 12, 8)
    assert context.identifiers[:2] == ("rate", "tax")
    assert "self" not in context.identifiers
    assert len(set(context.identifiers)) == len(context.identifiers)


def test_identifiers_are_limited_and_found_far_away():
    lines = [f"name_{index} = {index}" for index in range(100)]
    context = at("python", "\n".join(lines) + "\n", 50, 0)
    assert len(context.identifiers) == 20
    assert context.identifiers[0] == "name_50"
    assert set(context.identifiers) == {f"name_{index}" for index in range(40, 60)}
    sparse = "alpha = 1\n" + "\n" * 300 + "beta = 2\n"
    assert at("python", sparse, 150, 0).identifiers == ("alpha", "beta")


@pytest.mark.parametrize(
    ("language", "source", "position", "expected"),
    [
        ("typescript", TYPESCRIPT_SOURCE, (3, 6), "x"),
        ("go", GO_SOURCE, (10, 1), "o"),
        ("rust", RUST_SOURCE, (7, 12), "x"),
        ("elixir", ELIXIR_SOURCE, (2, 4), "name"),
    ],
)
def test_identifiers_per_language(language, source, position, expected):
    identifiers = at(language, source, *position).identifiers
    assert identifiers[0] == expected
    assert "def" not in identifiers and "defmodule" not in identifiers


# -- indentation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "source", "position", "indentation"),
    [
        ("python", PYTHON_SOURCE, (9, 0), "    "),  # empty line in the class body
        ("python", PYTHON_SOURCE, (7, 0), "        "),  # empty line in a method body
        ("python", PYTHON_SOURCE, (13, 0), ""),
        ("python", PYTHON_SOURCE, (10, 4), "    "),  # a line with code: its own level
        ("python", "class A:\n      \n", (1, 2), "      "),  # whitespace-only line keeps its own
        ("python", "def f():\n\n", (1, 0), "    "),
        ("python", "def f():\n\tx = 1\n\n\ty = 2\n", (2, 0), "\t"),
        ("typescript", TYPESCRIPT_SOURCE, (5, 0), "    "),
        ("typescript", TYPESCRIPT_SOURCE, (7, 0), "  "),
        ("typescript", TYPESCRIPT_SOURCE, (6, 2), "    "),  # before the closing brace: inside
        ("typescript", TYPESCRIPT_SOURCE, (15, 0), "  "),
        ("go", GO_SOURCE, (8, 0), "\t\t"),
        ("go", GO_SOURCE, (12, 0), ""),
        ("rust", RUST_SOURCE, (9, 0), "        "),
        ("elixir", ELIXIR_SOURCE, (3, 0), "    "),
        ("elixir", ELIXIR_SOURCE, (5, 0), "  "),
    ],
)
def test_indentation(language, source, position, indentation):
    assert at(language, source, *position).indentation == indentation


# -- features ------------------------------------------------------------------

FEATURE_KEYS = {
    "language",
    "path",
    "rel_path",
    "stem",
    "extension",
    "folder",
    "path_segments",
    "module_path",
    "subject",
    "place",
    "enclosing_class",
    "enclosing_function",
    "identifiers",
    "indentation",
}


def test_features_are_json_friendly():
    features = at("python", PYTHON_SOURCE, 6, 12, path="/ws/src/shop/order.py").features()
    assert set(features) == FEATURE_KEYS
    assert json.loads(json.dumps(features)) == features
    assert features["path_segments"] == ["src", "shop"]
    assert isinstance(features["identifiers"], list)


# -- document trees -------------------------------------------------------------


def sexp(tree) -> str:
    return str(tree.root_node)


def test_full_update_and_lookup():
    trees = DocumentTrees()
    document = trees.update("file:///a.py", 1, "x = 1\n", "python")
    assert document.version == 1
    assert trees.get("file:///a.py") is document
    assert "file:///a.py" in trees
    trees.remove("file:///a.py")
    assert trees.get("file:///a.py") is None


def test_unknown_document_change_raises_key_error():
    with pytest.raises(KeyError):
        DocumentTrees().apply_change("file:///nope.py", 2, (0, 0), (0, 0), "x")


def test_capacity_drops_least_recently_used():
    trees = DocumentTrees(capacity=2)
    trees.update("a", 1, "a = 1\n", "python")
    trees.update("b", 1, "b = 1\n", "python")
    trees.get("a")
    trees.update("c", 1, "c = 1\n", "python")
    assert "a" in trees and "c" in trees and "b" not in trees


def test_language_without_grammar_keeps_text():
    trees = DocumentTrees()
    trees.update("n", 1, "hello\n", "markdown")
    document = trees.apply_change("n", 2, (0, 5), (0, 5), " world")
    assert document.text == "hello world\n"
    assert document.tree is None


@pytest.mark.parametrize(
    ("language", "source", "start", "end", "new_text", "expected"),
    [
        ("python", PYTHON_SOURCE, (12, 15), (12, 18), "0.25", None),
        ("python", PYTHON_SOURCE, (9, 0), (9, 0), "    def extra(self):\n        return 'é𝒳'\n", None),
        ("python", PYTHON_SOURCE, (4, 0), (9, 0), "", None),
        ("python", "s = '𝒳'\nt = 1\n", (0, 7), (1, 1), "x'\nu", "s = '𝒳x'\nu = 1\n"),
        ("typescript", TYPESCRIPT_SOURCE, (4, 6), (4, 6), "\n      console.log(x);", None),
        ("go", GO_SOURCE, (6, 17), (6, 22), "Sum", None),
        ("rust", RUST_SOURCE, (0, 7), (0, 12), "Invoice", None),
        ("elixir", ELIXIR_SOURCE, (2, 6), (2, 11), "hello", None),
    ],
)
def test_incremental_change_equals_full_parse(language, source, start, end, new_text, expected):
    trees = DocumentTrees()
    trees.update("doc", 1, source, language)
    document = trees.apply_change("doc", 2, start, end, new_text)
    assert document.version == 2
    if expected is not None:
        assert document.text == expected
    assert sexp(document.tree) == sexp(parse(language, document.text))
    assert document.tree.root_node.end_byte == len(document.text.encode("utf-8"))


_ALPHABET = st.sampled_from([*list("abcxyz_ =:()\n    é𝒳#'\""), "def ", "class ", "return ", "pass"])


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_same_tree(tree, text: str) -> None:
    """An incremental tree equals a fresh parse for valid code.

    For broken code tree-sitter's error recovery may legitimately take another
    path when it re-uses old nodes, so there the tree must still span the text
    and report the error.
    """
    full = parse("python", text)
    assert tree.root_node.end_byte == len(text.encode("utf-8"))
    assert tree.root_node.has_error == full.root_node.has_error
    if not full.root_node.has_error:
        assert sexp(tree) == sexp(full)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_edits_match_full_parse(data):
    trees = DocumentTrees()
    text = PYTHON_SOURCE
    trees.update("doc", 0, text, "python")
    for version in range(1, 6):
        lines = text.split("\n")
        start_line = data.draw(st.integers(0, len(lines) - 1))
        end_line = data.draw(st.integers(start_line, min(len(lines) - 1, start_line + 3)))
        start_char = data.draw(st.integers(0, len(lines[start_line])))
        end_char = data.draw(st.integers(0, len(lines[end_line])))
        if end_line == start_line:
            end_char = max(start_char, end_char)
        inserted = "".join(data.draw(st.lists(_ALPHABET, max_size=6)))
        start = (start_line, utf16_units(lines[start_line][:start_char]))
        end = (end_line, utf16_units(lines[end_line][:end_char]))
        document = trees.apply_change("doc", version, start, end, inserted)
        prefix = "\n".join([*lines[:start_line], lines[start_line][:start_char]])
        suffix = "\n".join([lines[end_line][end_char:], *lines[end_line + 1 :]])
        text = prefix + inserted + suffix
        assert document.text == text
        assert_same_tree(document.tree, text)


def test_context_at_accepts_a_tree():
    trees = DocumentTrees()
    document = trees.update("doc", 1, PYTHON_SOURCE, "python")
    with_tree = context_at(PYTHON_SOURCE, "/ws/a.py", 6, 12, WORKSPACE, tree=document.tree)
    assert with_tree == context_at(PYTHON_SOURCE, "/ws/a.py", 6, 12, WORKSPACE)


def test_context_never_raises_on_random_positions():
    rng = random.Random(7)
    for language, source in [
        ("python", PYTHON_SOURCE),
        ("typescript", TYPESCRIPT_SOURCE),
        ("go", GO_SOURCE),
        ("rust", RUST_SOURCE),
        ("elixir", ELIXIR_SOURCE),
    ]:
        for _ in range(50):
            context = at(language, source, rng.randint(-2, 30), rng.randint(-2, 60))
            assert context.place in (MODULE, CLASS_BODY, FUNCTION_BODY)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_full_updates_reuse_the_old_tree_correctly(data):
    trees = DocumentTrees()
    text = PYTHON_SOURCE
    trees.update("doc", 0, text, "python")
    for version in range(1, 4):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 40)))
        inserted = "".join(data.draw(st.lists(_ALPHABET, max_size=6)))
        text = text[:start] + inserted + text[end:]
        document = trees.update("doc", version, text, "python")
        assert_same_tree(document.tree, text)


def test_full_update_with_same_text_keeps_the_tree():
    trees = DocumentTrees()
    first = trees.update("doc", 1, PYTHON_SOURCE, "python")
    second = trees.update("doc", 2, PYTHON_SOURCE, "python")
    assert second.tree is first.tree and second.version == 2


def test_language_change_reparses():
    trees = DocumentTrees()
    trees.update("doc", 1, "x = 1\n", "python")
    document = trees.update("doc", 2, "fn main() {}\n", "rust")
    assert document.tree.root_node.type == "source_file"


def test_full_update_diff_never_splits_a_character():
    trees = DocumentTrees()
    trees.update("doc", 1, "s = 'aé'\n", "python")
    document = trees.update("doc", 2, "s = 'aè'\n", "python")
    assert sexp(document.tree) == sexp(parse("python", "s = 'aè'\n"))
