"""One generation as an answer file records it, and where answer files sit.

The checks here are the format's rules for an entry, shared by every reader
(the strict ruamel reader, libyaml and the line reader), so all three accept
and refuse the same files; only the line numbers in messages differ.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.common.errors import AnswerFileError
from server.common.jsonish import plain
from server.templates.loader import line_of


def now_iso() -> str:
    """The time a record is stamped with (`generated_at`, `_upgraded_at`): UTC, to the second."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


SUFFIX = ".template-answers.yml"
HEADER = "Scion answer file: the answers each generation in this file used. Safe to edit; comments are kept."
# Field name -> key in the file, in the order new generations are written.
KEYS = {
    "template": "template",
    "version": "version",
    "generation_id": "generation_id",
    "generated_at": "generated_at",
    "sha256": "sha256",
    "files": "files",
    "region": "region",
    "answers": "answers",
    "sources": "sources",
    "upgraded_from": "_upgraded_from",
    "upgraded_at": "_upgraded_at",
}


@dataclass
class AnswerRecord:
    """One generation recorded in an answer file."""

    template: str
    version: str
    generation_id: str = ""
    generated_at: str = ""
    sha256: str = ""
    files: dict[str, str] = field(default_factory=dict)  # rendered path (relative to the file's folder) -> sha256
    region: dict[str, list[int]] | None = None  # insert mode: {"start": [line, character], "end": [...]}, 0-based
    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    upgraded_from: str | None = None
    upgraded_at: str | None = None
    line: int | None = field(default=None, compare=False)  # where this generation starts in the file

    def covers(self, path: Path, line: int) -> bool:
        """Whether this generation produced `line` of `path` (a file of its folder)."""
        if self.region:
            return self.region["start"][0] <= line <= self.region["end"][0]
        return path.name in self.files or not self.files


def answer_file_for(path: str | Path) -> Path:
    """The answer file beside a generated file (`order.py.template-answers.yml` for `order.py`)."""
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


def is_answer_file(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


def primary_file(answer_file: Path) -> Path:
    """The file an answer file sits beside (`order.py` for `order.py.template-answers.yml`)."""
    return answer_file.with_name(answer_file.name[: -len(SUFFIX)])


def answer_file_of(path: Path) -> Path:
    """The answer file for a generated file, or the path itself when it is one."""
    return path if is_answer_file(path) else answer_file_for(path)


def generation_at_line(records: list[AnswerRecord], line: int) -> AnswerRecord | None:
    """The generation whose entry starts at or before 0-based `line` of the answer file (records read strictly)."""
    before = [record for record in records if (record.line or 0) <= line + 1]
    return before[-1] if before else (records[0] if records else None)


def _text(entry: Any, key: str, path: Path, line: int | None, required: bool = False) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise AnswerFileError(f"a generation needs {key!r}", path=path, line=line)
        return ""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (dict, list, bool)):
        raise AnswerFileError(f"{key!r} must be text", path=path, line=line_of(entry, key) or line)
    return str(value)


def _mapping(entry: Any, key: str, path: Path, line: int | None) -> dict[str, Any]:
    value = entry.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AnswerFileError(f"{key!r} must be a mapping", path=path, line=line_of(entry, key) or line)
    mapping: dict[str, Any] = plain(value)
    return mapping


def _region(entry: Any, path: Path, line: int | None) -> dict[str, list[int]] | None:
    value = entry.get("region")
    if value is None:
        return None
    where = line_of(entry, "region") or line
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise AnswerFileError(
            "'region' must be {start: [line, character], end: [line, character]}", path=path, line=where
        )
    region: dict[str, list[int]] = plain(value)
    for key in ("start", "end"):
        position = region[key]
        if not (
            isinstance(position, list)
            and len(position) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in position)
        ):
            raise AnswerFileError(
                f"'region.{key}' must be [line, character] with two non-negative integers", path=path, line=where
            )
    return region


def record_from(entry: Any, path: Path, line: int | None) -> AnswerRecord:
    """A generation's entry (as any reader parsed it) checked and turned into a record."""
    if not isinstance(entry, dict):
        raise AnswerFileError(
            "each generation must be a mapping (template, version, answers, ...)", path=path, line=line
        )
    if "answers" not in entry:
        raise AnswerFileError("a generation needs 'answers'", path=path, line=line)
    files = _mapping(entry, "files", path, line)
    sources = _mapping(entry, "sources", path, line)
    return AnswerRecord(
        template=_text(entry, "template", path, line, required=True),
        version=_text(entry, "version", path, line, required=True),
        generation_id=_text(entry, "generation_id", path, line),
        generated_at=_text(entry, "generated_at", path, line),
        sha256=_text(entry, "sha256", path, line),
        files={str(name): str(sha) for name, sha in files.items()},
        region=_region(entry, path, line),
        answers=_mapping(entry, "answers", path, line),
        sources={str(name): str(source) for name, source in sources.items()},
        upgraded_from=_text(entry, "_upgraded_from", path, line) or None,
        upgraded_at=_text(entry, "_upgraded_at", path, line) or None,
        line=line,
    )


def record_values(record: AnswerRecord) -> dict[str, Any]:
    """The record as file keys, in file order; optional fields that are empty are left out."""
    values: dict[str, Any] = {}
    for name, key in KEYS.items():
        value = getattr(record, name)
        if name in ("template", "version", "answers") or value not in (None, "", {}):
            values[key] = value
    return values
