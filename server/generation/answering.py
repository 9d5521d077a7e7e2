"""Answer sources that need the store or the evolution engine, and recording what was answered.

The template package defines the order of sources; this module plugs in the
learned ones (learned programs, learned defaults) and records one task
execution per answered question, which is what the evolution engine learns from.
"""

from __future__ import annotations

import logging
from typing import Any

from server.common.errors import AnswerError
from server.store import task_name
from server.templates.answers import AnswerProviders, Candidate, Resolution

log = logging.getLogger("scion.answering")

# How a source maps onto the producer of a task execution.
PRODUCERS = {
    "user": "user",
    "explicit": "user",
    "learned_program": "code",
    "learned_default": "learned_default",
    "context": "context",
    "llm": "llm",
    "default": "default",
}


# Below this share of the kept answers, the most kept value is not the question's
# default but one file's answer among many: per-file sources go first.
PER_FILE_BELOW = 0.8


def providers_for(store, template, settings=None, engine=None) -> AnswerProviders:
    """Answer providers backed by the store (learned defaults) and the engine (programs, LLM)."""
    found_defaults: dict[tuple[str, str], Any] = {}

    def most_kept(tmpl, question) -> tuple[Candidate, bool] | None:
        """The learned default, and whether the question's kept answers vary from file to file."""
        if store is None or question.secret:
            return None
        key = (tmpl.id, question.name)
        if key not in found_defaults:
            found_defaults[key] = store.learned_default(tmpl.id, question.name)
        found = found_defaults[key]
        if not found:
            return None
        value, kept, total, confidence = found
        return Candidate(value, "learned_default", confidence=confidence), kept < PER_FILE_BELOW * total

    def learned_default(tmpl, question, answers, features) -> Candidate | None:
        found = most_kept(tmpl, question)
        return found[0] if found and not found[1] else None

    def learned_fallback(tmpl, question, answers, features) -> Candidate | None:
        found = most_kept(tmpl, question)
        return found[0] if found and found[1] else None

    program = engine.program_provider if engine is not None else None
    llm = engine.llm_provider if engine is not None else None
    return AnswerProviders(
        learned_program=program, learned_default=learned_default, llm=llm, learned_fallback=learned_fallback
    )


def finish_resolution(resolution: Resolution, user_answers: dict[str, Any] | None) -> Resolution:
    """Apply the answers a user typed; fail naming any required question still unanswered."""
    if user_answers:
        resolution = resolution.with_user_answers(user_answers)
    if resolution.missing:
        names = ", ".join(resolution.missing)
        raise AnswerError(f"no answer for required question(s) {names}; pass --answer NAME=VALUE")
    return resolution


def record_task_executions(store, generation_id: str, template_id: str, resolution: Resolution, features: dict) -> None:
    """One execution per answered question: the teaching signal of the evolution engine."""
    if store is None:
        return
    for name, value in resolution.answers.items():
        question = resolution.template.question(name)
        if question is None or question.secret:
            continue
        source = resolution.sources.get(name, "default")
        candidates = resolution.candidates.get(name) or []
        best = candidates[0] if candidates else None
        task, producer = task_name(template_id, name), PRODUCERS.get(source, source)
        store.record_execution(
            task=task,
            features=features,
            answer=value,
            producer=producer,
            program_version=(store.active_program(task) or {}).get("version") if producer == "code" else None,
            confidence=best.confidence if best is not None and best.source == source else None,
            generation_id=generation_id,
        )
