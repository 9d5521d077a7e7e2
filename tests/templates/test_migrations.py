import pytest

from server.common.errors import ScionError, TemplateNotFound
from server.templates.migrations import migrate_answers

from .helpers import load

V1 = """\
title: T
questions:
  name: Order
  fields: "id: int; name: str"
  style:
    choices: [plain, frozen]
    default: plain
"""

V11 = """\
title: T
questions:
  class_name: Order
  fields: "id: int"
  slots:
    type: bool
    default: false
  style:
    choices: [plain, frozen]
    default: plain
migrations:
  - version: 1.1.0
    rename: {name: class_name}
    defaults: {slots: "{{ style == 'plain' }}"}
    transform: {fields: "{{ value | replace(';', ',') }}"}
"""

V2 = """\
title: T
questions:
  class_name:
    default: Order
    validator: "{% if class_name[0].islower() %}must start upper-case{% endif %}"
  fields: "id: int"
  slots:
    type: bool
    default: false
  style:
    choices: [plain, slotted]
    default: plain
  docstring:
    type: bool
    default: true
  base:
    default: object
    when: "{{ style == 'plain' }}"
migrations:
  - version: 1.1.0
    rename: {name: class_name}
    defaults: {slots: "{{ style == 'plain' }}"}
    transform: {fields: "{{ value | replace(';', ',') }}"}
  - version: 2.0.0
    transform: {class_name: "{{ value | pascal }}"}
"""


@pytest.fixture
def versions(tmp_path):
    return [
        load(tmp_path, V1, {"a": "x"}, version="1.0.0"),
        load(tmp_path, V11, {"a": "x"}, version="1.1.0"),
        load(tmp_path, V2, {"a": "x"}, version="2.0.0"),
    ]


OLD = {"name": "order_item", "fields": "id: int; name: str", "style": "frozen"}


def test_one_step(versions):
    result = migrate_answers(versions, OLD, "1.0.0", "1.1.0", {})
    assert result.answers == {
        "class_name": "order_item",
        "fields": "id: int, name: str",
        "style": "frozen",
        "slots": False,
    }
    assert result.renamed == [("name", "class_name")]
    assert result.defaulted == ["slots"] and result.transformed == ["fields"]
    assert result.reasks == []


def test_many_steps_in_version_order_with_reasks(versions):
    result = migrate_answers(versions, OLD, "1.0.0", "2.0.0", {})
    assert result.answers["class_name"] == "OrderItem"  # renamed in 1.1.0, then transformed in 2.0.0
    assert result.transformed == ["fields", "class_name"]
    # style 'frozen' is no longer a choice; docstring is new; base's `when` needs style, which is re-asked
    assert result.reasks == ["style", "docstring", "base"]


def test_answers_rejected_by_the_new_validator_are_reasked(versions):
    answers = {
        "class_name": "Order",
        "fields": "x",
        "slots": True,
        "style": "plain",
        "docstring": False,
        "base": "object",
    }
    result = migrate_answers(versions, {**answers, "class_name": "order"}, "2.0.0", "2.0.0", {})
    assert result.reasks == ["class_name"]
    assert migrate_answers(versions, answers, "2.0.0", "2.0.0", {}).reasks == []


def test_skipped_questions_are_not_reasked(versions):
    answers = {"class_name": "Order", "fields": "x", "slots": True, "style": "slotted", "docstring": False}
    assert migrate_answers(versions, answers, "2.0.0", "2.0.0", {}).reasks == []


def test_wrong_types_are_coerced_or_reasked(versions):
    answers = {
        "class_name": "Order",
        "fields": "x",
        "slots": "yes",
        "style": "plain",
        "docstring": "perhaps",
        "base": "object",
    }
    result = migrate_answers(versions, answers, "2.0.0", "2.0.0", {})
    assert result.answers["slots"] is True
    assert result.reasks == ["docstring"]


def test_answers_to_removed_questions_are_dropped(versions):
    result = migrate_answers(versions, {**OLD, "legacy": 1}, "1.0.0", "1.1.0", {})
    assert "legacy" not in result.answers and result.dropped == ["legacy"]


def test_downgrade_is_refused(versions):
    with pytest.raises(ScionError, match="downgrade"):
        migrate_answers(versions, OLD, "2.0.0", "1.0.0", {})


def test_unknown_target_version(versions):
    with pytest.raises(TemplateNotFound, match="versions: 1.0.0, 1.1.0, 2.0.0"):
        migrate_answers(versions, OLD, "1.0.0", "3.0.0", {})


def test_migrations_see_the_context(tmp_path):
    manifest = (
        "title: T\nquestions:\n  module: x\nmigrations:\n  - version: 2.0.0\n    defaults: {module: '{{ ctx.stem }}'}\n"
    )
    versions = [
        load(tmp_path, "title: T\n", {"a": "x"}, version="1.0.0"),
        load(tmp_path, manifest, {"a": "x"}, version="2.0.0"),
    ]
    result = migrate_answers(versions, {}, "1.0.0", "2.0.0", {"stem": "orders"})
    assert result.answers == {"module": "orders"} and result.reasks == []
