"""Candidate templates: copies of a version with changed sources, and the one an LLM proposes.

A candidate lives in a scratch folder outside every catalog root, so nothing
offers it before it has been validated and deployed. What an LLM writes is
untrusted: it is only ever rendered in the isolated render process.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.evolution.analysis import EditAnalysis
from server.evolution.llm import FENCED_BLOCK, LlmConfig, LlmUnavailable, complete
from server.templates.model import Template

MAX_TEMPLATE_CHARS = 100_000
MAX_SHOWN_CHANGES = 12
MAX_SHOWN_CHANGE_CHARS = 600


@dataclass
class TemplateCandidate:
    """A new version of a template to validate (an answer's proposal is `templates.answers.Candidate`)."""

    kind: str  # "folding" or "llm"
    folder: Path  # a version folder: template.yml + files/
    changes: list[str] = field(default_factory=list)  # what changed, for the changelog


def copy_version(template: Template, destination: Path) -> Path:
    """A copy of the version folder at `destination/<version>` (the folder name is the version)."""
    folder = destination / template.version
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(template.path, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def propose_with_llm(
    config: LlmConfig,
    template: Template,
    source: str,
    evidence: dict[str, Any],
    analysis: EditAnalysis,
    scratch: Path,
    ask: Callable[[LlmConfig, list[dict[str, str]]], str] | None = None,
) -> TemplateCandidate:
    """Ask the LLM (`ask`, default `llm.complete`) for an improved version of the template's main file.

    Raises LlmUnavailable when there is no usable proposal.
    """
    current = (template.files_dir / source).read_text(encoding="utf-8")
    reply = (ask or complete)(config, _messages(template, source, current, evidence, analysis))
    blocks = FENCED_BLOCK.findall(reply)
    proposed = max(blocks, key=len) if blocks else ""
    if not proposed.strip():
        raise LlmUnavailable("the LLM's reply holds no fenced template file")
    if len(proposed) > MAX_TEMPLATE_CHARS:
        raise LlmUnavailable(f"the LLM's template is longer than {MAX_TEMPLATE_CHARS} characters")
    if proposed == current:
        raise LlmUnavailable("the LLM proposed the template unchanged")
    folder = copy_version(template, scratch / "llm")
    (folder / "files" / source).write_text(proposed, encoding="utf-8", newline="")
    return TemplateCandidate(
        kind="llm", folder=folder, changes=[f"rewrites {source} as proposed by {config.model} from the evidence"]
    )


def _messages(
    template: Template, source: str, current: str, evidence: dict[str, Any], analysis: EditAnalysis
) -> list[dict[str, str]]:
    changes = [
        {
            "count": count,
            "rendered": change.before[:MAX_SHOWN_CHANGE_CHARS],
            "kept": change.after[:MAX_SHOWN_CHANGE_CHARS],
        }
        for change, count in analysis.line_changes[:MAX_SHOWN_CHANGES]
    ]
    questions = {question.name: question.help for question in template.questions}
    return [
        {
            "role": "system",
            "content": "You improve code templates written in Jinja2. Reply with one fenced code block that holds "
            "the complete new template file, and nothing else. Keep every variable and filter it uses; "
            "change only what the evidence supports; the output must stay valid code.",
        },
        {
            "role": "user",
            "content": f"Template: {template.title} ({template.id} {template.version}), file {source}\n"
            f"Questions (variables): {json.dumps(questions, sort_keys=True)}\n"
            f"Success: {json.dumps(evidence, sort_keys=True, default=str)}\n"
            f"Edits users made to the output, most frequent first (rendered -> kept):\n"
            f"{json.dumps(changes, indent=1)}\n"
            f"Current template file:\n```jinja\n{current}```",
        },
    ]
