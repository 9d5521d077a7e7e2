"""The answers of one copier run, layered as copier layers them, and the questionnaire that fills them.

Layers, first found wins: answered now (`user`), given up front (`init`:
`--answer`, or the recorded answers an update replays), the template's
metadata (`_src_path`, `_commit`), the project's last answers. `hidden` are the
questions skipped by `when` (their computed values render but are not saved).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from server.common.errors import AnswerError

from .config import CopierConfig
from .questions import MISSING, Question

JSON_TYPES = (dict, list, str, int, float, bool, type(None))
# copier's deprecated globals, still in the render context of every template.
DEFAULT_DATA: dict[str, Any] = {"now": lambda: datetime.now(tz=UTC)}

# ask(question, default) -> the user's answer (already parsed), or raise Cancelled.
AskFunction = Callable[[Question, Any], Any]


@dataclass
class AnswerLayers:
    init: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)

    def combined(self) -> dict[str, Any]:
        return dict(ChainMap(self.user, self.init, self.metadata, self.last, DEFAULT_DATA))

    def remembered(self, config: CopierConfig) -> dict[str, Any]:
        """What the answers file keeps: `_commit`, `_src_path`, then the saved answers (copier's order)."""
        result: dict[str, Any] = {}
        for key in ("_commit", "_src_path"):
            if self.metadata.get(key) is not None:
                result[key] = self.metadata[key]
        secrets = config.secret_questions
        for key, value in self.combined().items():
            if (
                isinstance(key, str)
                and not key.startswith("_")
                and key not in self.hidden
                and key not in secrets
                and key in config.questions
                and isinstance(value, JSON_TYPES)
            ):
                result[key] = value
        return result


def ask_questions(
    config: CopierConfig,
    layers: AnswerLayers,
    make_question: Callable[[str, dict[str, Any]], Question],
    *,
    defaults: bool,
    ask: AskFunction | None,
    skip_answered: bool = False,
) -> None:
    """Fill `layers.user` question by question, as copier's `_ask` does (each sees the answers before it)."""
    for name, details in config.questions.items():
        question = make_question(name, details)
        if name in layers.last:
            try:
                question.validate(question.parse(layers.last[name]))
            except AnswerError:
                del layers.last[name]  # a recorded answer the template no longer takes is asked again
        if not question.when:
            layers.hidden.add(name)
            layers.last.pop(name, None)
            if question.default_answer() is MISSING:
                continue
            layers.user[name] = question.default_answer()
            continue
        if name in layers.init:
            answer = question.parse(layers.init[name])
            question.validate(answer)
            layers.user[name] = answer
            continue
        if skip_answered and name in layers.last:
            layers.user[name] = question.default_answer()  # the recorded answer, cast to the question's type now
            continue
        default = question.default_answer()
        if defaults or ask is None:
            if default is MISSING:
                raise AnswerError(f"question {name!r} is required and has no default", question=name)
            layers.user[name] = default
            continue
        layers.user[name] = ask(question, default)
