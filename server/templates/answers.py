"""Where each answer comes from, and which questions still need the user.

For every question, in the template's order, the first usable candidate wins:
explicit > learned_program > learned_default > context > llm > default (a
template default that reads `ctx` counts as `context`). A learned default for
a question whose kept answers vary from file to file is a literal that fits
some files only: it comes after the per-file sources (`learned_fallback`). Walking in order lets a
later default see earlier answers. A candidate the question rejects (wrong
type, a choice that no longer exists, a validator failure) is dropped, so a
stale learned answer never pre-fills a question.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from server.common.errors import AnswerError, ScionError, TemplateError
from server.common.jsonish import to_json
from server.templates.model import Question, Template
from server.templates.questions import applies, coerce, default_for, reads_context, validate

log = logging.getLogger(__name__)

USER = "user"


@dataclass(frozen=True)
class Candidate:
    """A proposed answer; `settled` ones are used without asking."""

    value: Any
    source: str
    confidence: float = 1.0
    settled: bool = False


Provider = Callable[[Template, Question, dict[str, Any], dict[str, Any]], "Candidate | None"]


@dataclass(frozen=True)
class AnswerProviders:
    """Optional answer sources from the evolution engine and the LLM."""

    learned_program: Provider | None = None
    learned_default: Provider | None = None
    llm: Provider | None = None
    learned_fallback: Provider | None = None  # the learned default of a question answered per file


@dataclass(frozen=True)
class PendingQuestion:
    """A question to ask, pre-filled with its best candidate when there is one."""

    question: Question
    candidate: Candidate | None


@dataclass
class Resolution:
    template: Template
    features: dict[str, Any]
    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    pending: list[PendingQuestion] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # `when` was false
    explicit: dict[str, Any] = field(default_factory=dict)
    providers: AnswerProviders | None = None
    # The answers each question saw when its candidates were gathered; reused when unchanged.
    seen: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        return not self.missing

    def with_user_answers(self, user: dict[str, Any]) -> Resolution:
        """Apply what the user answered when asked: coerce, validate, re-evaluate later questions."""
        return _walk(self.template, self.features, self.explicit, self.providers, user=user, previous=self)


def _usable(
    template: Template,
    question: Question,
    candidate: Candidate | None,
    answers: dict[str, Any],
    features: dict[str, Any],
) -> Candidate | None:
    if candidate is None:
        return None
    try:
        value = coerce(question, candidate.value)
        if validate(question, value, answers, features, template) is not None:
            return None
    except (AnswerError, TemplateError):
        return None
    return replace(candidate, value=value)


def _template_default(
    template: Template, question: Question, answers: dict[str, Any], features: dict[str, Any]
) -> Candidate | None:
    try:
        value = default_for(question, answers, features, template)
    except TemplateError as error:
        # Usually a context feature that is absent here (no file open): ask instead.
        log.info("no default for %s.%s: %s", template.id, question.name, error)
        return None
    if value is None:
        return None
    return Candidate(value, "context" if reads_context(question) else "default")


def _ask_provider(
    provider: Provider | None, template: Template, question: Question, answers: dict[str, Any], features: dict[str, Any]
) -> Candidate | None:
    if provider is None:
        return None
    try:
        return provider(template, question, dict(answers), features)
    except ScionError as error:
        # A known failure (a damaged database): the next source answers, and
        # whatever needs the failing part reports it once, not once per question.
        log.info("answer provider unavailable for %s.%s: %s", template.id, question.name, error)
        return None
    except Exception:  # a broken provider must fall back to the next source, never fail a generation
        log.exception("answer provider failed for %s.%s", template.id, question.name)
        return None


def _gather(
    template: Template,
    question: Question,
    answers: dict[str, Any],
    features: dict[str, Any],
    providers: AnswerProviders | None,
) -> list[Candidate]:
    """Candidates in priority order, stopping at the first usable one (an LLM call costs seconds)."""
    providers = providers or AnswerProviders()
    default = _template_default(template, question, answers, features)
    steps: list[Callable[[], Candidate | None]] = [
        lambda: _ask_provider(providers.learned_program, template, question, answers, features),
        lambda: _ask_provider(providers.learned_default, template, question, answers, features),
        lambda: default if default is not None and default.source == "context" else None,
        lambda: _ask_provider(providers.llm, template, question, answers, features),
        lambda: _ask_provider(providers.learned_fallback, template, question, answers, features),
        lambda: default if default is not None and default.source == "default" else None,
    ]
    found: list[Candidate] = []
    for step in steps:
        candidate = _usable(template, question, step(), answers, features)
        if candidate is not None:
            found.append(candidate)
            break
    return found


def _checked(
    template: Template, question: Question, raw: Any, answers: dict[str, Any], features: dict[str, Any]
) -> Any:
    value = coerce(question, raw)
    message = validate(question, value, answers, features, template)
    if message is not None:
        raise AnswerError(f"question {question.name!r}: {message}", question=question.name)
    return value


def _applies(
    template: Template, question: Question, visible: dict[str, Any], features: dict[str, Any], missing: list[str]
) -> bool:
    try:
        return applies(question, visible, features, template)
    except TemplateError:
        if missing:
            # `when` needs an earlier answer nobody could give yet: ask, and decide after the user answered.
            return True
        raise


def _walk(
    template: Template,
    features: dict[str, Any],
    explicit: dict[str, Any],
    providers: AnswerProviders | None,
    user: dict[str, Any] | None = None,
    previous: Resolution | None = None,
) -> Resolution:
    result = Resolution(template=template, features=features, explicit=dict(explicit), providers=providers)
    user = user or {}
    shown = {pending.question.name: pending.candidate for pending in previous.pending} if previous else {}
    # What Jinja sees: the answers so far, and None for questions `when` skipped.
    visible: dict[str, Any] = {}
    for question in template.questions:
        name = question.name
        if not _applies(template, question, visible, features, result.missing):
            result.skipped.append(name)
            visible[name] = None
            continue
        if name in explicit:
            value = _checked(template, question, explicit[name], visible, features)
            result.candidates[name] = [Candidate(value, "explicit", settled=True)]
            _answer(result, visible, name, value, "explicit")
            continue
        if previous is not None and name in previous.seen and previous.seen[name] == visible:
            candidates = previous.candidates.get(name, [])
        else:
            candidates = _gather(template, question, visible, features, providers)
        result.candidates[name] = candidates
        result.seen[name] = dict(visible)
        best = candidates[0] if candidates else None
        if name in user:
            value = _checked(template, question, user[name], visible, features)
            prefilled = shown.get(name, best)
            _answer(
                result,
                visible,
                name,
                value,
                prefilled.source if prefilled is not None and prefilled.value == value else USER,
            )
        elif best is not None and best.settled:
            _answer(result, visible, name, best.value, best.source)
        else:
            if best is not None:
                _answer(result, visible, name, best.value, best.source)
            else:
                result.missing.append(name)
            result.pending.append(PendingQuestion(question, best))
    return result


def _answer(result: Resolution, visible: dict[str, Any], name: str, value: Any, source: str) -> None:
    result.answers[name] = value
    result.sources[name] = source
    visible[name] = value


def resolve_answers(
    template: Template,
    features: dict[str, Any],
    explicit: dict[str, Any],
    providers: AnswerProviders | None = None,
) -> Resolution:
    """Answer every question as far as possible without asking; see `Resolution.pending`."""
    known = {question.name for question in template.questions}
    for name in explicit:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise AnswerError(f"template {template.id!r} has no question {name!r} (questions: {listed})", question=name)
    return _walk(template, features, explicit, providers)


def ask_payload(resolution: Resolution) -> list[dict[str, Any]]:
    """The `questions` list of a `scion/ask` request (docs/internals.md)."""
    payload = []
    for pending in resolution.pending:
        question = pending.question
        choices = question.choice_items()
        payload.append(
            {
                "name": question.name,
                "type": question.type,
                "help": question.help or question.name,
                "choices": [{"label": label, "value": to_json(value)} for label, value in choices] or None,
                "default": to_json(pending.candidate.value) if pending.candidate is not None else None,
                "secret": question.secret,
                "multiselect": question.multiselect,
                "placeholder": question.placeholder,
            }
        )
    return payload


def ask_params(resolution: Resolution, title: str | None = None) -> dict[str, Any]:
    """The whole `scion/ask` params object."""
    template = resolution.template
    return {"title": title or template.title, "templateId": template.id, "questions": ask_payload(resolution)}
