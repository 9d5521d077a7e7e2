"""Secret answers (`secret: true`): used to render, never persisted.

Like copier, Scion never saves a secret: not in the answer file (it is
committed), not in the database, the logs or an LLM prompt. What is kept
instead:

- answers and sources: without the secret questions;
- the rendered text (evidence for tracking and self-improvement): with every
  secret value replaced by `REDACTED`. Its recorded sha stays the sha of what
  was really rendered, so a stored text whose sha does not match is known to
  be redacted and is never used as an upgrade's merge base;
- upgrades ask a secret again (or take it from `--answer`) when the new
  version needs it; see upgrades/answers.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.templates.model import Template

REDACTED = "«secret»"


def secret_names(template: Template) -> set[str]:
    return {question.name for question in template.questions if question.secret}


def without_secrets(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` (answers, or their sources) without the template's secret questions."""
    secret = secret_names(template)
    return {name: value for name, value in values.items() if name not in secret}


def secret_values(template: Template, answers: Mapping[str, Any]) -> list[str]:
    """The texts of the secret answers given, as they may appear in rendered code."""
    values: list[str] = []
    for name in secret_names(template):
        value = answers.get(name)
        if value is None or isinstance(value, bool):
            continue  # a yes/no secret is not text that could leak from the render
        text = str(value)
        if text.strip():
            values.append(text)
    return values


def redact(text: str | None, values: Iterable[str]) -> str | None:
    """`text` with each secret value replaced, longest first (a value inside another is not half-replaced)."""
    if not text:
        return text
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text
