"""Every builtin template, generated with its pre-filled answers where it is offered, as a user
pressing Enter on each question gets it: the defaults must make sense in that place.

One test per template, through the real server: the file is opened, the template's code action
is taken from the list the editor shows, the questions are answered with what they propose, and
the written code is checked (names, imports, where the file went) and parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pygls.uris import to_fs_path

from server.context import language_for_path, parse_errors
from server.templates.catalog import BUILTIN_ROOT, Catalog
from tests.e2e.editor import Editor


@dataclass(frozen=True)
class Place:
    """A file the user is in, and what the template's defaults must produce there."""

    file: str
    proposed: dict[str, object]
    written: str
    contains: tuple[str, ...]
    text: str = ""
    line: int = 0
    absent: tuple[str, ...] = field(default=())


PYTHON_MODULE = "import os\n\n\n"

PLACES: dict[str, list[Place]] = {
    "python/pytest-module": [
        Place(
            "tests/test_cart.py",
            {"subject": "cart", "module": "cart"},
            "tests/test_cart.py",
            ('"""Tests for cart."""', "import cart\n", "def test_cart() -> None:\n    assert cart\n"),
            absent=("test_cart.", "tests."),
        ),
        Place(
            "tests/shop/test_cart.py",
            {"subject": "cart", "module": "shop.cart"},
            "tests/shop/test_cart.py",
            ("import shop.cart\n",),
        ),
        Place(
            "src/shop/pricing.py",
            {"subject": "pricing", "module": "shop.pricing"},
            "src/shop/test_pricing.py",
            ('"""Tests for shop.pricing."""', "import shop.pricing\n"),
        ),
    ],
    "python/dataclass": [
        Place("src/shop/order_item.py", {"class_name": "OrderItem"}, "src/shop/order_item.py", ("class OrderItem:",)),
        Place("src/shop/__init__.py", {"class_name": "Shop"}, "src/shop/__init__.py", ("class Shop:",)),
        Place(
            "src/shop/cart.py",
            {"class_name": "Cart", "add_import": True},
            "src/shop/cart.py",
            ("import os\n\n\nfrom dataclasses import dataclass\n", "@dataclass(slots=True)\nclass Cart:"),
            text=PYTHON_MODULE,
            line=3,
        ),
    ],
    "python/pydantic-model": [
        Place("tests/test_cart.py", {"class_name": "Cart"}, "tests/test_cart.py", ("class Cart(BaseModel):",)),
    ],
    "python/click-command": [
        Place(
            "src/tools/csv_export.py",
            {"command_name": "csv-export", "module_name": "csv_export"},
            "src/tools/csv_export.py",
            ('"""Csv export."""', "def main(path: Path, verbose: bool) -> None:"),
        ),
    ],
    "python/fastapi-router": [
        Place(
            "app/routers/users.py",
            {"resource": "users", "model_name": "User"},
            "app/routers/users.py",
            ('router = APIRouter(prefix="/users", tags=["users"])', "async def get_user(user_id: int"),
        ),
    ],
    "typescript/vitest-test": [
        Place(
            "src/lib/pricing.test.ts",
            {"subject": "pricing", "import_path": "./pricing", "functions": "pricing"},
            "src/lib/pricing.test.ts",
            ('import { pricing } from "./pricing";',),
            absent=("pricing.test",),
        ),
    ],
    "typescript/express-route": [
        Place(
            "src/routes/orders.ts",
            {"resource": "orders", "model_name": "Order"},
            "src/routes/orders.routes.ts",
            ("export const ordersRouter = Router();", "export interface Order {"),
        ),
    ],
    "typescript/react-component": [
        Place(
            "src/components/user-card.tsx",
            {"component_name": "UserCard"},
            "src/components/UserCard.tsx",
            ("export function UserCard({ title }: UserCardProps) {",),
        ),
        Place(
            "src/components/Button/index.tsx",
            {"component_name": "Button"},
            "src/components/Button/Button.tsx",
            ("export function Button(",),
        ),
    ],
    "go/http-handler": [
        Place(
            "internal/catalog/items_test.go",
            {"package": "catalog", "resource": "item", "route": "/items"},
            "internal/catalog/item_handler.go",
            ("package catalog", "type ItemHandler struct {"),
        ),
    ],
    "go/table-test": [
        Place(
            "internal/size/size_test.go",
            {"function": "Size"},
            "internal/size/size_test.go",
            ("func TestSize(t *testing.T) {", "got, err := Size(tt.input)"),
            text='package size\n\nimport "testing"\n\n',
            line=4,
        ),
    ],
    "rust/error-enum": [
        Place("src/lib.rs", {"enum_name": "Error", "result_alias": True}, "src/lib.rs", ("pub enum Error {",)),
        Place(
            "src/config.rs",
            {"enum_name": "ConfigError", "result_alias": False},
            "src/config.rs",
            ("pub enum ConfigError {", "/// Errors returned by this module."),
        ),
    ],
    "rust/module-with-tests": [
        Place(
            "src/byte_size.rs",
            {"module": "byte_size", "type_name": "ByteSize"},
            "src/byte_size.rs",
            ("pub struct ByteSize {", "#[cfg(test)]\nmod tests {"),
        ),
    ],
    "elixir/phoenix-context": [
        Place(
            "test/my_app/accounts_test.exs",
            {"context_module": "MyApp.Accounts", "schema_name": "Account", "repo": "MyApp.Repo"},
            "test/my_app/accounts.ex",
            ("defmodule MyApp.Accounts do",),
        ),
    ],
    "elixir/genserver-ets-cache": [
        Place(
            "lib/my_app/cache.ex",
            {"module_name": "MyApp.Cache", "table_name": "my_app_cache"},
            "lib/my_app/cache.ex",
            ("defmodule MyApp.Cache do", "@table :my_app_cache"),
        ),
    ],
}


def test_every_builtin_template_is_pinned():
    assert set(PLACES) == set(Catalog([(BUILTIN_ROOT, "builtin")]).ids())


async def generate_with_defaults(editor: Editor, template_id: str, place: Place) -> str:
    """Open the file, take the template's action as offered, press Enter on every question."""
    editor.write(place.file, place.text)
    uri = editor.open(place.file, place.text, language=language_for_path(place.file))
    actions = await editor.code_actions(uri, place.line)
    chosen = [a for a in actions if a.command and a.command.arguments[0].get("templateId") == template_id]
    assert chosen, f"{template_id} is not offered in {place.file}: {[a.title for a in actions]}"
    asked_before = len(editor.asked)
    result = await editor.run(chosen[0])
    assert result, f"{template_id} in {place.file}: nothing generated ({editor.messages})"
    proposed = {q["name"]: q["default"] for ask in editor.asked[asked_before:] for q in ask["questions"]}
    assert {name: proposed.get(name) for name in place.proposed} == place.proposed
    written = {to_fs_path(uri) for uri in result["files"]}
    assert str(editor.path(place.written)) in written, f"{template_id} wrote {sorted(written)}"
    text = editor.text(place.written)
    editor.close(uri)
    return text


@pytest.mark.parametrize("template_id", sorted(PLACES))
async def test_defaults_make_sense_where_offered(editor: Editor, template_id: str):
    for place in PLACES[template_id]:
        text = await generate_with_defaults(editor, template_id, place)
        for expected in place.contains:
            assert expected in text, f"{template_id} in {place.file}: {expected!r} not in\n{text}"
        for unexpected in place.absent:
            assert unexpected not in text, f"{template_id} in {place.file}: {unexpected!r} in\n{text}"
        assert not parse_errors(language_for_path(place.written), text), text
