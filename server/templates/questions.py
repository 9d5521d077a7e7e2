"""One question at a time: turning raw answers into typed values, validating, `when`, defaults.

Raw answers arrive as strings from the CLI (`--answer frozen=yes`) and as JSON
values from editors (`scion/ask`); both go through `coerce`, so a question
accepts the same spellings wherever it is answered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from server.common.errors import AnswerError, TemplateError
from server.templates.model import Question, Template
from server.templates.render import EXPRESSION_ENV, looks_like_jinja, render_expression
from server.templates.safe_yaml import untrusted

TRUE_WORDS = frozenset({"y", "yes", "true", "on", "1"})
FALSE_WORDS = frozenset({"n", "no", "false", "off", "0", "", "none", "null"})
TYPE_NAMES = {
    "str": "text",
    "int": "an integer",
    "float": "a number",
    "bool": "yes/no (true, false, yes, no, 1, 0)",
    "yaml": "a YAML value",
    "json": "a JSON value",
}


def _wrong(question: Question, raw: Any, expected: str | None = None) -> AnswerError:
    expected = expected or TYPE_NAMES.get(question.type, question.type)
    return AnswerError(f"question {question.name!r} expects {expected}, got {raw!r}", question=question.name)


def _to_bool(question: Question, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise _wrong(question, raw)


def _to_int(question: Question, raw: Any) -> int:
    if isinstance(raw, bool):
        raise _wrong(question, raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip().replace("_", ""), 10)
        except ValueError:
            pass
    raise _wrong(question, raw)


def _to_float(question: Question, raw: Any) -> float:
    if isinstance(raw, bool):
        raise _wrong(question, raw)
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            pass
    raise _wrong(question, raw)


def _to_str(question: Question, raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise _wrong(question, raw)


def _answer_yaml() -> YAML:
    # An answer may come from a teammate's answer file or manifest: aliases refused, like there.
    return untrusted(YAML(typ="safe", pure=True))


def _to_yaml(question: Question, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return _answer_yaml().load(raw)
    except YAMLError as error:
        raise AnswerError(f"question {question.name!r} expects a YAML value: {error}", question=question.name) from None


def _to_json(question: Question, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise AnswerError(f"question {question.name!r} expects a JSON value: {error}", question=question.name) from None


_CONVERTERS = {"str": _to_str, "int": _to_int, "float": _to_float, "bool": _to_bool, "yaml": _to_yaml, "json": _to_json}


def _one_value(question: Question, raw: Any) -> Any:
    choices = question.choice_items()
    if choices and isinstance(raw, str):
        # Accept a choice's label as well as its value: what a CLI user reads is the label.
        for label, value in choices:
            if raw == label and value != raw:
                return value
    value = _CONVERTERS[question.type](question, raw)
    if choices and value not in [choice for _, choice in choices]:
        listed = ", ".join(repr(choice) for _, choice in choices)
        raise AnswerError(
            f"question {question.name!r}: {value!r} is not one of the choices {listed}", question=question.name
        )
    return value


def _split_multi(raw: Any) -> list[Any]:
    if isinstance(raw, (list, tuple, set)):
        return list(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                loaded = _answer_yaml().load(text)
            except YAMLError:
                loaded = None
            if isinstance(loaded, list):
                return loaded
        return [part.strip() for part in text.split(",") if part.strip()]
    return [raw]


def coerce(question: Question, raw: Any) -> Any:
    """Turn a raw answer (CLI text or client JSON) into the question's type; AnswerError when it does not fit."""
    if raw is None:
        if question.type in ("yaml", "json"):
            return None
        raise AnswerError(
            f"question {question.name!r} needs an answer ({TYPE_NAMES[question.type]})", question=question.name
        )
    if question.multiselect:
        return [_one_value(question, item) for item in _split_multi(raw)]
    return _one_value(question, raw)


def _variables(answers: dict[str, Any], features: dict[str, Any]) -> dict[str, Any]:
    # Unanswered questions stay undefined here (StrictUndefined): a default built on a
    # missing answer fails and the question is asked, instead of rendering "None".
    return {**answers, "ctx": features}


def _manifest(template: Template | None) -> Path | None:
    return template.manifest_path if template is not None else None


def validate(
    question: Question,
    value: Any,
    answers: dict[str, Any],
    features: dict[str, Any],
    template: Template | None = None,
) -> str | None:
    """The validator's message when `value` is invalid, else None (copier: a non-empty render is an error)."""
    if not question.validator:
        return None
    variables = _variables({**answers, question.name: value}, features)
    rendered = render_expression(question.validator, variables, path=_manifest(template), line=question.line)
    message = str(rendered).strip() if rendered is not None else ""
    return message or None


def truthy(value: Any) -> bool:
    """copier's cast to bool: "false", "no", "0", "" and friends are False."""
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def applies(
    question: Question, answers: dict[str, Any], features: dict[str, Any], template: Template | None = None
) -> bool:
    """Whether the question is asked at all (`when`)."""
    if isinstance(question.when, bool):
        return question.when
    variables = _variables(answers, features)
    return truthy(render_expression(question.when, variables, path=_manifest(template), line=question.line))


def default_for(
    question: Question, answers: dict[str, Any], features: dict[str, Any], template: Template | None = None
) -> Any:
    """The template's default, rendered against earlier answers and ctx, in the question's type."""
    if question.default is None:
        return None
    variables = _variables(answers, features)
    value = render_expression(question.default, variables, path=_manifest(template), line=question.line)
    try:
        return coerce(question, value)
    except AnswerError as error:
        raise TemplateError(
            f"the default of question {question.name!r} does not fit: {error.message}",
            path=_manifest(template),
            line=question.line,
        ) from None


def reads_context(question: Question) -> bool:
    """A default that uses `ctx` is context inference, not a fixed default."""
    if not isinstance(question.default, str) or not looks_like_jinja(question.default):
        return False
    try:
        return "ctx" in meta.find_undeclared_variables(EXPRESSION_ENV.parse(question.default))
    except jinja2.TemplateSyntaxError:
        return False
