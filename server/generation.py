"""Generation as a plan: answers -> rendered files (or a block) -> answer record.

The CLI writes a plan to disk; the language server turns the same plan into a
WorkspaceEdit. Both record it in the store the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from server.confine import confine_relative, relative_key
from server.errors import ScionError
from server.fsutil import atomic_write, sha256_text
from server.templates.answerfile import AnswerRecord, answer_file_for, write_answer_record
from server.templates.model import Template
from server.templates.render import render_template


@dataclass
class PlannedFile:
    path: Path  # absolute
    text: str


@dataclass
class InsertPlan:
    """Replace `start`..`end` (0-based line, UTF-16 character) of `path` with `new_text`."""

    path: Path
    start: tuple[int, int]
    end: tuple[int, int]
    new_text: str
    block: str  # the inserted block alone: what the region holds right after the edit
    region: dict  # {"start": [line, character], "end": [line, character]}


@dataclass
class GenerationPlan:
    template: Template
    answers: dict[str, Any]
    sources: dict[str, str]
    features: dict[str, Any]
    generation_id: str
    answer_file: Path
    record: AnswerRecord
    files: list[PlannedFile] = field(default_factory=list)
    insert: InsertPlan | None = None

    @property
    def primary_path(self) -> Path:
        return self.insert.path if self.insert else self.files[0].path

    @property
    def rendered_text(self) -> str:
        return self.insert.block if self.insert else self.files[0].text


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def plan_file_generation(
    template: Template,
    answers: dict[str, Any],
    sources: dict[str, str],
    features: dict[str, Any],
    target_dir: Path,
    workspace: Path,
) -> GenerationPlan:
    """Render a file-mode template into `target_dir` (paths confined to the workspace)."""
    rendering = render_template(template, answers, features)
    if not rendering.files:
        raise ScionError(f"template {template.id} {template.version} rendered no files for these answers")
    planned = [PlannedFile(Path(confine_relative(workspace, target_dir, f.path)), f.text) for f in rendering.files]
    answer_file = answer_file_for(planned[0].path)
    shas = {relative_key(p.path, answer_file.parent): sha256_text(p.text) for p in planned}
    record = _record(template, answers, sources, sha256_text(planned[0].text), shas, None)
    return GenerationPlan(template, answers, sources, features, record.generation_id, answer_file, record, files=planned)


def plan_insert_generation(
    template: Template,
    answers: dict[str, Any],
    sources: dict[str, str],
    features: dict[str, Any],
    path: Path,
    line: int,
    line_text: str,
    indentation: str,
) -> GenerationPlan:
    """Render an insert-mode block for the cursor line, re-indented to its context.

    On a blank line the block replaces the line's whitespace; otherwise it goes on
    a new line after the cursor's line. The region covers exactly the block.
    """
    rendering = render_template(template, answers, features)
    block = indent_block(rendering.primary.text, indentation).rstrip("\n")
    width = utf16_len(line_text)
    if line_text.strip():
        start, end, new_text = (line, width), (line, width), "\n" + block
        region_start = (line + 1, 0)
    else:
        start, end, new_text = (line, 0), (line, width), block
        region_start = (line, 0)
    region = {"start": list(region_start), "end": list(end_position(region_start[0], region_start[1], block))}
    insert = InsertPlan(path, start, end, new_text, block, region)
    answer_file = answer_file_for(path)
    record = _record(template, answers, sources, sha256_text(block), {path.name: sha256_text(block)}, region)
    return GenerationPlan(template, answers, sources, features, record.generation_id, answer_file, record, insert=insert)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def indent_block(text: str, indentation: str) -> str:
    if not indentation:
        return text
    return "".join(indentation + line if line.strip() else line for line in text.splitlines(keepends=True))


def end_position(line: int, character: int, inserted: str) -> tuple[int, int]:
    """Where `inserted`, put at (line, character), ends (character in UTF-16 units)."""
    breaks = inserted.count("\n")
    width = utf16_len(inserted.rsplit("\n", 1)[-1])
    return (line + breaks, width) if breaks else (line, character + width)


def _record(template, answers, sources, sha, shas, region) -> AnswerRecord:
    return AnswerRecord(
        template=template.id,
        version=template.version,
        generation_id=uuid.uuid4().hex,
        generated_at=now_iso(),
        sha256=sha,
        files=shas,
        region=region,
        answers=dict(answers),
        sources=dict(sources),
    )


def write_files(plan: GenerationPlan, *, overwrite: bool = False) -> list[Path]:
    """Write a file-mode plan (CLI). Refuses to overwrite a non-empty file unless asked."""
    for planned in plan.files:
        if planned.path.exists() and planned.path.read_text(encoding="utf-8").strip() and not overwrite:
            raise ScionError(f"{planned.path} already exists and is not empty; pass --force to overwrite it")
    for planned in plan.files:
        atomic_write(planned.path, planned.text)
    return [p.path for p in plan.files]


def write_insert(plan: GenerationPlan) -> None:
    """Apply an insert plan to the file on disk (CLI insert mode)."""
    assert plan.insert is not None
    path = plan.insert.path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.split("\n")
    (start_line, start_char), (end_line, end_char) = plan.insert.start, plan.insert.end
    while len(lines) <= end_line:
        lines.append("")
    before = "\n".join(lines[:start_line] + [lines[start_line][: _char_index(lines[start_line], start_char)]])
    after = lines[end_line][_char_index(lines[end_line], end_char) :] + "".join("\n" + l for l in lines[end_line + 1 :])
    result = before + plan.insert.new_text + after
    atomic_write(path, result if result.endswith("\n") else result + "\n")


def _char_index(line: str, utf16_character: int) -> int:
    units = 0
    for index, char in enumerate(line):
        if units >= utf16_character:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def write_answer_file(plan: GenerationPlan) -> Path:
    write_answer_record(plan.answer_file, plan.record)
    return plan.answer_file


def record_generation(store, plan: GenerationPlan, status: str = "applied") -> str:
    """Store the generation and its first events; returns the generation id."""
    store.record_generation(
        plan.template.id,
        plan.template.version,
        str(plan.primary_path),
        plan.template.mode,
        plan.answers,
        generation_id=plan.generation_id,
        answer_sources=plan.sources,
        rendered_text=plan.rendered_text,
        region=plan.insert.region if plan.insert else None,
        instance_id=plan.generation_id,
        status=status,
    )
    return plan.generation_id

