"""Generation as a plan: answers -> rendered files (or a block) -> answer record.

The CLI writes a plan to disk; the language server turns the same plan into a
WorkspaceEdit. Both record it in the store the same way.

A generation is one unit: its code, its answer-file record and its database
record are all there, or none is. The store's transaction is opened first (it
is the cheapest to undo and the likeliest to fail: a damaged or read-only
database), the files are written inside it, and the transaction commits last;
any failure rolls the transaction back and puts every file back as it was.
Secret answers are used to render and never recorded (templates/secrets.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.common.confine import confine_relative, relative_key
from server.common.errors import ScionError
from server.common.fsutil import atomic_write, sha256_text
from server.templates.answerfile import (
    AnswerRecord,
    answer_file_for,
    now_iso,
    remove_answer_record,
    write_answer_record,
)
from server.templates.model import Template
from server.templates.render import render_template
from server.templates.secrets import redact, secret_values, without_secrets

log = logging.getLogger("scion.generation")


class GenerationFailed(ScionError):
    """A generation that could not be completed; everything it had written was undone."""


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

    @property
    def secrets(self) -> list[str]:
        """The secret answers' texts: kept in memory to redact what is stored, never written."""
        return secret_values(self.template, self.answers)


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
    return GenerationPlan(
        template, answers, sources, features, record.generation_id, answer_file, record, files=planned
    )


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
    return GenerationPlan(
        template, answers, sources, features, record.generation_id, answer_file, record, insert=insert
    )


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
    """The answer-file record: the answers without secrets (the file is committed to git)."""
    return AnswerRecord(
        template=template.id,
        version=template.version,
        generation_id=uuid.uuid4().hex,
        generated_at=now_iso(),
        sha256=sha,
        files=shas,
        region=region,
        answers=without_secrets(template, answers),
        sources=without_secrets(template, sources),
    )


def write_files(plan: GenerationPlan, *, overwrite: bool = False) -> list[Path]:
    """Write a file-mode plan's files alone (no record). Refuses to overwrite a non-empty file unless asked."""
    check_files_free(plan, overwrite=overwrite)
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
    before = "\n".join([*lines[:start_line], lines[start_line][: char_index(lines[start_line], start_char)]])
    after = lines[end_line][char_index(lines[end_line], end_char) :] + "".join(
        "\n" + text for text in lines[end_line + 1 :]
    )
    result = before + plan.insert.new_text + after
    atomic_write(path, result if result.endswith("\n") else result + "\n")


def char_index(line: str, utf16_character: int) -> int:
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
    """Store the generation; returns its id.

    Secret answers are left out and their values redacted from the stored
    text; the sha stays that of the real render (upgrades compare against it).
    """
    store.record_generation(
        plan.template.id,
        plan.template.version,
        str(plan.primary_path),
        plan.template.mode,
        without_secrets(plan.template, plan.answers),
        generation_id=plan.generation_id,
        answer_sources=without_secrets(plan.template, plan.sources),
        rendered_text=redact(plan.rendered_text, plan.secrets),
        rendered_sha=sha256_text(plan.rendered_text),
        region=plan.insert.region if plan.insert else None,
        instance_id=plan.generation_id,
        status=status,
    )
    return plan.generation_id


# -- one unit: record, files, answer file ---------------------------------------


class Undo:
    """What a generation changed on disk, and how to put it back (last change first)."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def file(self, path: Path) -> None:
        """Remember `path` as it is now, before it is written."""
        created_folders = _missing_folders(path.parent)
        try:
            before: str | None = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            before = None

        def restore() -> None:
            if before is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write(path, before)
            for folder in created_folders:  # innermost first; only folders this generation made
                try:
                    folder.rmdir()
                except OSError:
                    break

        self._steps.append((str(path), restore))

    def answer_record(self, plan: GenerationPlan) -> None:
        # Only this generation's record goes: records others added meanwhile stay.
        def remove_record() -> None:
            remove_answer_record(plan.answer_file, plan.generation_id)

        self._steps.append((str(plan.answer_file), remove_record))

    def run(self) -> list[str]:
        """Undo everything; returns what could not be put back (also logged)."""
        failed = []
        for what, step in reversed(self._steps):
            try:
                step()
            except Exception as error:  # go on: put back as much as possible
                log.info("could not undo the change to %s: %s", what, error)  # the caller reports it
                failed.append(f"{what} ({error})")
        self._steps.clear()
        return failed


def _missing_folders(folder: Path) -> list[Path]:
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


@contextmanager
def generation_unit(store, plan: GenerationPlan) -> Iterator[Undo]:
    """Record `plan` in an open transaction; the block writes files through the Undo it gets.

    Commits when the block ends. On any failure (the block's, the store's or
    the commit's) the transaction rolls back, every change the block
    registered is undone, and GenerationFailed says why in one line.
    """
    undo = Undo()
    try:
        with _store_unit(store):
            if store is not None:
                record_generation(store, plan, status="applied")
            yield undo
    except BaseException as error:
        left = undo.run()
        if not isinstance(error, Exception):
            raise  # Ctrl-C, cancellation: undone, and passed on as they are
        raise _failure(plan, error, left) from error


def _store_unit(store):
    if store is None:
        from contextlib import nullcontext

        return nullcontext()
    return store.unit()


def _failure(plan: GenerationPlan, error: Exception, left: list[str]) -> GenerationFailed:
    reason = str(error) if isinstance(error, ScionError) else _reason(error)
    what = f"{plan.template.id} {plan.template.version} was not generated"
    if left:
        return GenerationFailed(f"{what}: {reason}; could not put back {', '.join(left)}")
    return GenerationFailed(f"{what}, nothing was changed: {reason}")


def _reason(error: Exception) -> str:
    """A one-line reason for an unexpected failure (its traceback goes to the log)."""
    log.debug("generation failed", exc_info=error)  # the log file keeps the traceback; the user gets one line
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    text = " ".join(str(error).split()) or type(error).__name__
    return f"database error: {text}" if type(error).__module__ == "sqlite3" else text


def check_files_free(plan: GenerationPlan, *, overwrite: bool = False) -> None:
    """Refuse, before anything is written, to overwrite a non-empty file unless asked."""
    for planned in plan.files:
        if planned.path.exists() and planned.path.read_text(encoding="utf-8").strip() and not overwrite:
            raise ScionError(f"{planned.path} already exists and is not empty; pass --force to overwrite it")


def generate_on_disk(
    store, plan: GenerationPlan, *, overwrite: bool = False, also: Callable[[], None] | None = None
) -> list[Path]:
    """The CLI's generation as one unit: record, code, answer file; `also` records more in the same transaction.

    Returns the files written. Raises GenerationFailed (nothing left behind) on any failure.
    """
    if plan.files:
        check_files_free(plan, overwrite=overwrite)
    with generation_unit(store, plan) as undo:
        if also is not None:
            also()
        written = _write_code(plan, undo)
        write_answer_file(plan)  # atomic: when it fails, there is no record to take out
        undo.answer_record(plan)
    return written


def _write_code(plan: GenerationPlan, undo: Undo) -> list[Path]:
    if plan.insert is not None:
        undo.file(plan.insert.path)
        write_insert(plan)
        return [plan.insert.path]
    for planned in plan.files:
        undo.file(planned.path)
        atomic_write(planned.path, planned.text)
    return [p.path for p in plan.files]


def record_applied(store, plan: GenerationPlan, also: Callable[[], None] | None = None) -> None:
    """The server's half of the unit, once the editor applied the code: record and answer file together."""
    with generation_unit(store, plan) as undo:
        if also is not None:
            also()
        write_answer_file(plan)
        undo.answer_record(plan)


class _Probe(Exception):
    pass


def check_recordable(store, plan: GenerationPlan) -> None:
    """Try the store's half of the unit and roll it back: a damaged or read-only database
    is found before the editor changes anything. Raises GenerationFailed."""
    if store is None:
        return
    try:
        with store.unit():
            record_generation(store, plan, status="applied")
            raise _Probe
    except _Probe:
        return
    except Exception as error:
        raise _failure(plan, error, []) from error
