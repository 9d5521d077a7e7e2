"""The LLM as teacher: a pre-filled answer for a template question, when an LLM is configured.

The answer pre-fills the question (the user still confirms it); what the user
keeps is what the learned program is synthesised from. Every call has the
configured timeout. A failure falls back to the next answer source and is
remembered: for a while afterwards the teacher is not asked at all, so an
unreachable model costs one timeout, not one per question.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.evolution.llm import LlmConfig, LlmUnavailable, ask_answer
from server.evolution.programs import trimmed_features

if TYPE_CHECKING:
    from server.common.config import LlmSettings
    from server.templates.model import Question, Template

log = logging.getLogger("scion.teacher")

# Question types an LLM can answer from the editing context; booleans and
# structured values are better left to the template's default.
TEACHABLE_TYPES = ("str", "int", "float")
BACKOFF_S = 60.0
CACHE_SIZE = 256

Ask = Callable[[LlmConfig, str, str, dict[str, Any]], "str | None"]


def llm_config_from(settings_llm: LlmSettings) -> LlmConfig | None:
    """The LLM configuration from `scion.llm.*`, or None when no model is set."""
    if not settings_llm.model:
        return None
    return LlmConfig(
        model=settings_llm.model,
        api_base=settings_llm.api_base or None,
        api_key=settings_llm.api_key or None,
        timeout_s=settings_llm.timeout,
    )


@dataclass
class TeacherHealth:
    answered: int = 0
    failed: int = 0
    last_error: str | None = None
    paused_until: float = 0.0
    recent_failures: list[str] = field(default_factory=list)


class LlmTeacher:
    """`answer(template, question, answers, features)` -> (value) or None; never raises."""

    def __init__(self, config: LlmConfig, ask: Ask = ask_answer, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._ask = ask
        self._clock = clock
        self._cache: OrderedDict[str, str | None] = OrderedDict()
        self._lock = threading.Lock()
        self.health = TeacherHealth()

    def teaches(self, question: Question) -> bool:
        if question.secret or question.multiselect:
            return False
        return question.type in TEACHABLE_TYPES or bool(question.choices)

    def answer(
        self, template: Template, question: Question, answers: dict[str, Any], features: dict[str, Any]
    ) -> str | None:
        if not self.teaches(question):
            return None
        if self._clock() < self.health.paused_until:
            return None
        key = json.dumps([template.id, question.name, trimmed_features(features), answers], sort_keys=True, default=str)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        prompt = question.help or question.name
        if question.choices:
            values = [str(value) for _, value in question.choice_items()]
            prompt += f" (one of: {', '.join(values)})"
        try:
            value = self._ask(self.config, template.title, prompt, features)
        except LlmUnavailable as error:
            self._failed(str(error))
            return None
        except Exception as error:  # the teacher must never break answering
            log.exception("LLM teacher failed unexpectedly")
            self._failed(f"{type(error).__name__}: {error}")
            return None
        with self._lock:
            self.health.answered += 1
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def _failed(self, message: str) -> None:
        with self._lock:
            self.health.failed += 1
            self.health.last_error = message
            self.health.paused_until = self._clock() + BACKOFF_S
            self.health.recent_failures = ([*self.health.recent_failures, message])[-5:]
        log.warning(
            "LLM teacher unavailable, falling back to the next answer source for %.0f s: %s", BACKOFF_S, message
        )
