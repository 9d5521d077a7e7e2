"""copier's questions: types, defaults, choices, validators, `when`, as copier 9 answers them.

Every attribute of a question may be templated, and is rendered with the
answers given so far. A question whose `when` is false is not asked; when it
has a default, that default becomes its answer anyway (a computed value) but
is left out of the answers file. A secret question needs a default and is
never saved. Answers come, first found: given (`--answer`, or the recorded
answers an update replays), then recorded last time, then the default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jinja2
import yaml

from server.common.errors import AnswerError, TemplateError

from .jinja import TemplateStrings


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class UnsetError(jinja2.UndefinedError):
    """A default that renders `UNSET`: the question has no default after all."""


def cast_to_bool(value: Any) -> bool:
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        lower = value.strip().lower()
        if not lower:
            return False
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
        if lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
    return bool(value)


def cast_to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (float, int, Decimal)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode()
    raise ValueError(f"could not convert {value!r} to text")


def parse_yaml(text: Any) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


CASTS: Mapping[str, Callable[[Any], Any]] = {
    "bool": cast_to_bool,
    "float": float,
    "int": int,
    "json": json.loads,
    "str": cast_to_str,
    "yaml": parse_yaml,
    "path": str,
}


def parse_yaml_list(text: str) -> list[str]:
    """The items of a YAML list, each kept as its raw text (copier parses them by the question's type)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.SequenceNode):
        raise ValueError(f"not a YAML list: {text!r}")
    items = []
    for item in node.value:
        raw = text[item.start_mark.index : item.end_mark.index].strip()
        quoted = len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'"
        if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str" and quoted:
            raw = raw[1:-1]
        items.append(raw)
    return items


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any
    disabled: str = ""  # why it cannot be chosen (its validator's message)


class Question:
    """One question of copier.yml, rendered against `context` (the answers so far and copier's variables)."""

    def __init__(
        self,
        name: str,
        details: dict[str, Any],
        strings: TemplateStrings,
        context: dict[str, Any],
        given: Mapping[str, Any],
        last: Mapping[str, Any],
    ) -> None:
        self.name = name
        self.details = details
        self.strings = strings
        self.context = context
        self.given = given
        self.last = last
        self.default = details.get("default", MISSING)
        self.secret = bool(details.get("secret", False))
        self.multiselect = bool(details.get("multiselect", False))
        if self.secret and self.default is MISSING:
            raise TemplateError(f"secret question {name!r} needs a default")
        kind = details.get("type", "")
        if kind == "":
            kind = type(self.default).__name__
            kind = kind if kind in CASTS else "yaml"
        self._type = kind
        self._choices: list[Choice] | None = None

    def render(self, value: Any, extra: dict[str, Any] | None = None) -> Any:
        if isinstance(value, list):
            return [self.render(item) for item in value]
        if not isinstance(value, str):
            return value
        try:
            return self.strings.render(value, {**self.context, **extra} if extra else self.context)
        except UnsetError:
            raise
        except jinja2.TemplateError as error:
            raise TemplateError(f"question {self.name!r}: {error}") from None

    @property
    def type_name(self) -> str:
        name = self.render(self._type)
        if name not in CASTS:
            raise TemplateError(f"question {self.name!r} has an unknown type {name!r}")
        return str(name)

    def cast(self, answer: Any) -> Any:
        kind = self.type_name
        if answer is None and kind not in {"json", "yaml"}:
            raise AnswerError(f"{self.name}: an answer is required (type {kind})", question=self.name)
        try:
            if self.multiselect and isinstance(answer, list):
                return [CASTS[kind](item) for item in answer]
            return CASTS[kind](answer)
        except (TypeError, AttributeError):
            if kind in {"json", "yaml"}:
                return answer
            raise AnswerError(f"{self.name}: {answer!r} is not a {kind}", question=self.name) from None
        except ValueError as error:
            raise AnswerError(f"{self.name}: {answer!r} is not a {kind} ({error})", question=self.name) from None

    @property
    def choices(self) -> list[Choice]:
        if self._choices is None:
            self._choices = self._formatted_choices()
        return self._choices

    def _formatted_choices(self) -> list[Choice]:
        raw = self.details.get("choices") or []
        if isinstance(raw, str):
            raw = parse_yaml(self.render(raw)) or []
        if isinstance(raw, dict):
            raw = list(raw.items())
        result = []
        for choice in raw:
            if isinstance(choice, (tuple, list)):
                label, value = choice
            else:
                label = value = choice
            disabled = ""
            if isinstance(choice, (tuple, list)) and isinstance(value, dict):
                if "value" not in value:
                    raise TemplateError(f"question {self.name!r}: a choice needs a `value`")
                disabled = str(self.render(value.get("validator", "")))
                value = value["value"]
            made = Choice(str(self.render(label)), self.render(value), disabled.strip())
            self.cast(made.value)
            result.append(made)
        return result

    @property
    def when(self) -> bool:
        return cast_to_bool(self.render(self.details.get("when", True)))

    def default_answer(self) -> Any:
        """The default as copier computes it: given, else last recorded, else the rendered default."""
        if self.name in self.given:
            result = self.given[self.name]
        elif self.name in self.last:
            result = self.last[self.name]
        else:
            try:
                result = self.render(self.default, {"UNSET": jinja2.StrictUndefined("UNSET", exc=UnsetError)})
            except UnsetError:
                return MISSING
            if result is MISSING:
                return MISSING
        result = self.parse(result)
        # copier does not validate computed values (`when: false`) nor secrets' defaults.
        if self.when and not self.secret:
            self.validate(result)
        return result

    def parse(self, answer: Any) -> Any:
        if self.multiselect:
            if isinstance(answer, str):
                answer = parse_yaml_list(answer)
            wanted = [self._parse_one(item) for item in answer]
            return [value for value in (self.cast(choice.value) for choice in self.choices) if value in wanted]
        return self._parse_one(answer)

    def _parse_one(self, answer: Any) -> Any:
        value = self.cast(answer)
        if not self.choices:
            return value
        reason = ""
        valid = []
        for choice in self.choices:
            candidate = self.cast(choice.value)
            if not choice.disabled:
                valid.append(candidate)
            if value == candidate:
                if not choice.disabled:
                    return value
                reason = reason or choice.disabled
        raise AnswerError(f"{self.name}: {reason or f'{value!r} is not one of {valid}'}", question=self.name)

    def validate(self, answer: Any) -> None:
        validator = self.details.get("validator", "")
        try:
            message = str(self.render(validator, {self.name: answer})).strip()
        except TemplateError as error:
            message = str(error)
        if message:
            raise AnswerError(f"{self.name}: {message}", question=self.name)

    def help_text(self) -> str:
        return str(self.render(self.details.get("help", "")) or "")


def ask_payload(question: Question, default: Any) -> dict[str, Any]:
    """One question as a `scion/ask` question (docs/internals.md): what a terminal or an editor shows."""
    return {
        "name": question.name,
        "type": question.type_name,
        "help": question.help_text().strip(),
        "default": None if default is MISSING else default,
        "choices": [{"label": choice.label, "value": choice.value} for choice in question.choices] or None,
        "secret": question.secret,
        "multiselect": question.multiselect,
    }
