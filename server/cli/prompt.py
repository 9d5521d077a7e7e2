"""Asking questions on a terminal, pre-filled with the best candidate (Enter confirms)."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from server.common.errors import AnswerError, Cancelled


def ask_on_tty(questions: list[dict]) -> dict[str, Any]:
    """`questions` is the `scion/ask` payload; returns raw answers to be coerced."""
    answers: dict[str, Any] = {}
    for question in questions:
        answers[question["name"]] = _ask_one(question)
    return answers


def _ask_one(question: dict) -> Any:
    name, default, help_text = question["name"], question.get("default"), question.get("help") or ""
    choices = question.get("choices") or []
    label = f"{name}" + (f" ({help_text})" if help_text else "")
    while True:
        if choices:
            print(f"{label}:", file=sys.stderr)
            for index, choice in enumerate(choices, 1):
                print(f"  {index}. {choice['label']}", file=sys.stderr)
        shown = _show(default, question)
        prompt = f"{'' if choices else label}{' ' if not choices else ''}[{shown}]: " if shown else f"{label}: "
        try:
            raw = getpass.getpass(prompt, stream=sys.stderr) if question.get("secret") else input(prompt)
        except EOFError:
            raise Cancelled("input ended before every question was answered") from None
        if not raw.strip():
            if default is not None:
                return default
            print("  an answer is required", file=sys.stderr)
            continue
        try:
            return _parse(raw.strip(), question, choices)
        except AnswerError as error:
            print(f"  {error.message}", file=sys.stderr)


def _show(default: Any, question: dict) -> str:
    if default is None:
        return ""
    if question.get("secret"):
        return "****"
    if isinstance(default, bool):
        return "Y/n" if default else "y/N"
    if isinstance(default, list):
        return ", ".join(map(str, default))
    return str(default)


def _parse(raw: str, question: dict, choices: list[dict]) -> Any:
    if choices:
        picked = []
        for part in raw.split(",") if question.get("multiselect") else [raw]:
            part = part.strip()
            if part.isdigit() and 1 <= int(part) <= len(choices):
                picked.append(choices[int(part) - 1]["value"])
            else:
                match = [c["value"] for c in choices if str(c["label"]) == part or str(c["value"]) == part]
                if not match:
                    raise AnswerError(f"pick one of 1-{len(choices)}", question=question["name"])
                picked.append(match[0])
        return picked if question.get("multiselect") else picked[0]
    if question.get("type") == "bool":
        lowered = raw.lower()
        if lowered in ("y", "yes", "true", "1"):
            return True
        if lowered in ("n", "no", "false", "0"):
            return False
        raise AnswerError("answer y or n", question=question["name"])
    return raw
