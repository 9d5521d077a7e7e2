"""Asking questions on a terminal with questionary (as copier does), pre-filled with the best candidate.

Enter accepts what is shown: the text is pre-filled and editable, a yes/no
question starts on its default, a choice list on the default's entry, a
multiselect with the defaults checked. The prompts are drawn on stderr, so a
result printed on stdout (`--json`) stays clean. Ctrl-C or Ctrl-D cancels
and nothing is written.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from server.common.errors import Cancelled


def can_ask() -> bool:
    """A person is there: input from a terminal, and a terminal to draw the prompts on."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def ask_on_tty(questions: list[dict]) -> dict[str, Any]:
    """`questions` is the `scion/ask` payload; returns raw answers to be coerced."""
    from prompt_toolkit.output import create_output

    output = create_output(stdout=sys.stderr)
    answers: dict[str, Any] = {}
    for question in questions:
        try:
            answers[question["name"]] = _ask_one(question, output)
        except (KeyboardInterrupt, EOFError):
            raise Cancelled("cancelled before every question was answered; nothing was written") from None
    return answers


def _ask_one(question: dict, output: Any) -> Any:
    import questionary
    from questionary import Choice

    name, default = question["name"], question.get("default")
    message = f"{name}" + (f" ({question['help']})" if question.get("help") else "")
    choices = question.get("choices") or []
    if choices:
        if question.get("multiselect"):
            picked = default if isinstance(default, list) else []
            boxes = [Choice(str(c["label"]), c["value"], checked=c["value"] in picked) for c in choices]
            return questionary.checkbox(message, choices=boxes, output=output).unsafe_ask()
        options = [Choice(str(c["label"]), c["value"]) for c in choices]
        start = next((option for option in options if option.value == default), None)
        return questionary.select(message, choices=options, default=start, output=output).unsafe_ask()
    if question.get("type") == "bool":
        return questionary.confirm(
            message, default=bool(default) if default is not None else True, output=output
        ).unsafe_ask()
    shown = _as_text(default)
    required = _required if default is None else None
    if question.get("secret"):
        answer = questionary.password(message, default=shown, validate=required, output=output).unsafe_ask()
    else:
        answer = questionary.text(message, default=shown, validate=required, output=output).unsafe_ask()
    return default if default is not None and answer == shown else answer  # untouched: the typed default itself


def _as_text(default: Any) -> str:
    """The default as editable text: YAML/JSON values as JSON (which both types read back)."""
    if default is None:
        return ""
    if isinstance(default, str):
        return default
    if isinstance(default, (int, float)):
        return str(default)
    return json.dumps(default)


def _required(text: str) -> bool | str:
    return True if text.strip() else "an answer is required"
