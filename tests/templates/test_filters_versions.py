import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.templates.filters import camel, kebab, pascal, snake, upper_snake, words
from server.templates.versions import is_newer, latest, version_key


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTPServer", ("http_server", "httpServer", "HttpServer", "http-server", "HTTP_SERVER")),
        ("my-module", ("my_module", "myModule", "MyModule", "my-module", "MY_MODULE")),
        ("order_item", ("order_item", "orderItem", "OrderItem", "order-item", "ORDER_ITEM")),
        ("OrderItem", ("order_item", "orderItem", "OrderItem", "order-item", "ORDER_ITEM")),
        ("orderItem", ("order_item", "orderItem", "OrderItem", "order-item", "ORDER_ITEM")),
        ("  hello world ", ("hello_world", "helloWorld", "HelloWorld", "hello-world", "HELLO_WORLD")),
        ("v2_api", ("v2_api", "v2Api", "V2Api", "v2-api", "V2_API")),
        ("café_order", ("café_order", "caféOrder", "CaféOrder", "café-order", "CAFÉ_ORDER")),
        ("", ("", "", "", "", "")),
    ],
)
def test_case_filters(raw, expected):
    assert (snake(raw), camel(raw), pascal(raw), kebab(raw), upper_snake(raw)) == expected


def test_words_keep_acronyms_together():
    assert words("XMLHttpRequest") == ["XML", "Http", "Request"]


def test_filters_accept_non_strings():
    assert snake(42) == "42"


@pytest.mark.parametrize("name", ["HTTPServer", "order_item", "my-module", "OrderItem"])
def test_conversions_round_trip(name):
    assert snake(pascal(name)) == snake(name)
    assert pascal(snake(name)) == pascal(name)


def test_version_key_orders_pep440_numerically():
    assert sorted(["1.10.0", "1.2.0", "1.0.0", "1.0.0rc1"], key=version_key) == ["1.0.0rc1", "1.0.0", "1.2.0", "1.10.0"]


def test_version_key_falls_back_for_non_pep440():
    ordered = sorted(["x10", "1.0.0", "x2", "banana"], key=version_key)
    assert ordered[0] == "1.0.0"
    assert ordered.index("x2") < ordered.index("x10")


def test_latest_and_is_newer():
    assert latest(["1.2.0", "1.10.0", "1.9.9"]) == "1.10.0"
    assert latest([]) is None
    assert is_newer("2.0.0", "1.9.9") and not is_newer("1.0.0", "1.0.0")


ascii_names = st.text(alphabet="abcXYZ019_- .", max_size=20)


@given(ascii_names)
def test_separated_conversions_are_idempotent(name):
    for convert in (snake, kebab, upper_snake):
        assert convert(convert(name)) == convert(name)


@given(ascii_names)
def test_joined_conversions_depend_only_on_the_words(name):
    # Not idempotent in general: "X.X" -> "XX" reads back as one word.
    for convert in (pascal, camel):
        assert convert(snake(name)) == convert(name) == convert(kebab(name))


@given(ascii_names)
def test_snake_output_is_an_identifier_or_empty(name):
    converted = snake(name)
    assert converted == "" or converted.replace("_", "a").isalnum()
