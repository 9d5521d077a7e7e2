import pytest

from server.common.errors import AnswerError, TemplateError
from server.templates.model import Question
from server.templates.questions import applies, coerce, default_for, reads_context, truthy, validate


@pytest.mark.parametrize(
    "qtype, raw, expected",
    [
        ("str", "hello", "hello"),
        ("str", 42, "42"),
        ("int", "42", 42),
        ("int", " 1_000 ", 1000),
        ("int", 7, 7),
        ("int", 3.0, 3),
        ("float", "2.5", 2.5),
        ("float", 2, 2.0),
        ("bool", "yes", True),
        ("bool", "True", True),
        ("bool", "1", True),
        ("bool", "on", True),
        ("bool", "no", False),
        ("bool", "false", False),
        ("bool", "0", False),
        ("bool", True, True),
        ("bool", 0, False),
        ("yaml", "[1, two]", [1, "two"]),
        ("yaml", "{a: 1}", {"a": 1}),
        ("yaml", {"a": 1}, {"a": 1}),
        ("json", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("json", [1, 2], [1, 2]),
    ],
)
def test_coerce(qtype, raw, expected):
    assert coerce(Question("q", type=qtype), raw) == expected


@pytest.mark.parametrize(
    "qtype, raw, fragment",
    [
        ("int", "forty", "expects an integer"),
        ("int", "4.5", "expects an integer"),
        ("int", True, "expects an integer"),
        ("float", "fast", "expects a number"),
        ("bool", "maybe", "expects yes/no"),
        ("bool", 2, "expects yes/no"),
        ("str", ["a"], "expects text"),
        ("json", "{not json", "expects a JSON value"),
        ("yaml", "a: [", "expects a YAML value"),
        ("str", None, "needs an answer"),
    ],
)
def test_coerce_wrong_types_name_the_question(qtype, raw, fragment):
    with pytest.raises(AnswerError) as caught:
        coerce(Question("port", type=qtype), raw)
    assert fragment in caught.value.message
    assert "'port'" in caught.value.message and caught.value.question == "port"


def test_choices_are_enforced_and_labels_accepted():
    question = Question("kind", choices={"Plain class": "plain", "Frozen": "frozen"})
    assert coerce(question, "plain") == "plain"
    assert coerce(question, "Plain class") == "plain"
    with pytest.raises(AnswerError, match="not one of the choices 'plain', 'frozen'"):
        coerce(question, "other")


def test_typed_choices():
    question = Question("level", type="int", choices=[1, 2, 3])
    assert coerce(question, "2") == 2
    with pytest.raises(AnswerError):
        coerce(question, "4")


def test_multiselect():
    question = Question("extras", choices=["a", "b", "c"], multiselect=True)
    assert coerce(question, ["a", "c"]) == ["a", "c"]
    assert coerce(question, "a, b") == ["a", "b"]
    assert coerce(question, "[b, c]") == ["b", "c"]
    assert coerce(question, "") == []
    with pytest.raises(AnswerError):
        coerce(question, "a, z")


def test_validate_copier_semantics():
    question = Question("name", validator="{% if not name.isidentifier() %}not an identifier{% endif %}")
    assert validate(question, "Order", {}, {}) is None
    assert validate(question, "9 lives", {}, {}) == "not an identifier"
    assert validate(Question("free"), "anything", {}, {}) is None


def test_validator_sees_other_answers_and_ctx():
    question = Question("b", validator="{% if b == a %}b must differ from a{% endif %}{{ ctx.suffix }}")
    assert validate(question, "x", {"a": "x"}, {"suffix": ""}) == "b must differ from a"
    assert validate(question, "y", {"a": "x"}, {"suffix": ""}) is None


def test_applies():
    assert applies(Question("q"), {}, {})
    assert not applies(Question("q", when=False), {}, {})
    question = Question("fields", when="{{ not frozen }}")
    assert applies(question, {"frozen": False}, {})
    assert not applies(question, {"frozen": True}, {})
    assert not applies(Question("q", when="{{ 'false' }}"), {}, {})
    assert applies(Question("q", when="{{ ctx.language == 'python' }}"), {}, {"language": "python"})


def test_truthy():
    assert not truthy("no") and not truthy("") and not truthy(0) and truthy("yes") and truthy([1])


def test_default_for_renders_and_coerces():
    assert default_for(Question("n", type="int", default="{{ count + 1 }}"), {"count": 2}, {}) == 3
    assert default_for(Question("n", type="int", default="{{ '5' }}"), {}, {}) == 5
    assert default_for(Question("cls", default="{{ ctx.stem | pascal }}"), {}, {"stem": "order_item"}) == "OrderItem"
    assert default_for(Question("flag", type="bool", default=False), {}, {}) is False
    assert default_for(Question("free"), {}, {}) is None


def test_default_that_does_not_fit_is_a_template_error():
    with pytest.raises(TemplateError, match="default of question 'n' does not fit"):
        default_for(Question("n", type="int", default="{{ 'abc' }}", line=4), {}, {})


def test_default_with_missing_context_is_a_template_error():
    with pytest.raises(TemplateError):
        default_for(Question("cls", default="{{ ctx.stem | pascal }}"), {}, {})


def test_reads_context():
    assert reads_context(Question("a", default="{{ ctx.stem }}"))
    assert not reads_context(Question("a", default="{{ other }}"))
    assert not reads_context(Question("a", default="ctx"))
