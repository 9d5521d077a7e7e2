"""Synthetic template histories for the self-improvement tests: users who keep editing the output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from server.evolution.analysis import HistoricalGeneration
from server.templates.model import Template
from server.templates.render import render_template
from tests.templates.helpers import load

GREETER_MANIFEST = """
title: Greeter
mode: insert
where: [module]
languages: [python]
questions:
  name:
    type: str
    default: greet
  message:
    type: str
    default: hello
changelog:
  1.0.0: First version
examples:
  - answers: {name: say_hi}
    contains: ["def say_hi():"]
"""

GREETER_SOURCE = """def {{ name }}():
    value = "{{ message }}"
    return value
"""


def greeter(root: Path, source: str = GREETER_SOURCE) -> Template:
    return load(root, GREETER_MANIFEST, {"block.py.jinja": source}, template_id="demo/greeter")


def history(
    template: Template, edits: list[Callable[[str, dict], str] | None], accepted: int | None = None
) -> list[HistoricalGeneration]:
    """One generation per entry of `edits`: rendered with its own answers, then edited (None: kept as is)."""
    generations = []
    for index, edit in enumerate(edits):
        answers = {"name": f"greet_{index}", "message": f"hello {index}"}
        rendered = render_template(template, answers, {}).primary.text
        kept = rendered if edit is None else edit(rendered, answers)
        generations.append(
            HistoricalGeneration(
                id=f"gen-{index:02d}",
                answers=answers,
                features={},
                rendered_text=rendered,
                retained_text=kept,
                accepted=accepted is None or index < accepted,
            )
        )
    return generations


def add_docstring(text: str, answers: dict) -> str:
    head, rest = text.split("\n", 1)
    return f'{head}\n    """Greet from {answers["name"]}."""\n{rest}'


def strip_return(text: str, answers: dict) -> str:
    return text.replace("    return value\n", "    return value.strip()\n")


def add_note(text: str, answers: dict) -> str:
    return text + "# reviewed\n"


def exclaim(text: str, answers: dict) -> str:
    return text.replace(f'"{answers["message"]}"', f'"{answers["message"]}!"')


def both(*edits: Callable[[str, dict], str]) -> Callable[[str, dict], str]:
    def apply(text: str, answers: dict) -> str:
        for edit in edits:
            text = edit(text, answers)
        return text

    return apply
