"""`<file>.template-answers.yml`: the answers each generation in a file used.

The answer file is the source of truth for upgrades and people edit it by hand,
so it is read strictly (every problem names the file and line) and written with
ruamel's round-trip mode: comments, key order and generations we did not touch
stay exactly as they were.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import stat
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from server.errors import AnswerFileError
from server.filelock import exclusive
from server.fsutil import atomic_write
from server.jsonish import plain
from server.templates.loader import item_line, line_of
from server.templates.safe_yaml import read_bounded_text, untrusted, yaml_problem

SUFFIX = ".template-answers.yml"
LOCK_FOLDER = Path(".scion") / "locks"
# What a locks folder holds: nothing anyone should commit.
_LOCKS_GITIGNORE = "# Scion: answer-file locks (empty files; safe to delete when no Scion runs)\n*\n"
HEADER = "Scion answer file: the answers each generation in this file used. Safe to edit; comments are kept."
# Field name -> key in the file, in the order new generations are written.
_KEYS = {
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


def answer_file_for(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


def lock_file_for(answer_file: str | Path) -> Path:
    """The lock every writer of `answer_file` takes, derived from its real path alone.

    In `.scion/locks/` of the nearest folder above it that has a `.scion`
    folder (no clutter beside the user's files), keyed by a hash of the real
    path, so the server, the CLI and a batch agree whatever each takes for its
    workspace. With no `.scion` above it, a hidden `.<name>.lock` beside it:
    the only place every writer still agrees on. A symlinked `.scion` or
    `locks` (a hostile clone) is not followed.
    """
    real = Path(os.path.realpath(answer_file))
    key = hashlib.sha256(os.fsencode(real)).hexdigest()[:32]
    for folder in real.parents:
        if _is_real_folder(folder / ".scion"):
            locks = folder / LOCK_FOLDER
            if _is_real_folder(locks) or _make_locks_folder(locks):
                return locks / f"{key}.lock"
            break
    return real.with_name(f".{real.name}.lock")


def _is_real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _make_locks_folder(locks: Path) -> bool:
    try:
        locks.mkdir(exist_ok=True)
        ignore = locks / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, _LOCKS_GITIGNORE)
    except OSError:
        return False
    return _is_real_folder(locks)


def locked(answer_file: str | Path) -> AbstractContextManager[None]:
    """Hold the answer file's lock (across processes and threads) around a read-modify-write."""
    return exclusive(lock_file_for(answer_file), what=f"the answer file {answer_file}")


@dataclass
class AnswerRecord:
    """One generation recorded in an answer file."""

    template: str
    version: str
    generation_id: str = ""
    generated_at: str = ""
    sha256: str = ""
    files: dict[str, str] = field(default_factory=dict)  # rendered path (relative to the file's folder) -> sha256
    region: dict[str, Any] | None = None  # insert mode: {"start": [line, character], "end": [line, character]}, 0-based
    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    upgraded_from: str | None = None
    upgraded_at: str | None = None
    line: int | None = field(default=None, compare=False)  # where this generation starts in the file


def _yaml() -> YAML:
    yaml = untrusted(YAML(typ="rt"))  # answer files come with the workspace: no aliases (see safe_yaml)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold long answers over lines
    yaml.preserve_quotes = True
    return yaml


def _load(path: Path) -> Any:
    text = read_bounded_text(path, AnswerFileError)
    try:
        return _yaml().load(text)
    except MarkedYAMLError as error:
        message, line = yaml_problem(error)
        raise AnswerFileError(message, path=path, line=line) from None
    except YAMLError as error:
        raise AnswerFileError(f"YAML error: {error}", path=path) from None


def _generations(data: Any, path: Path) -> CommentedSeq | list[Any]:
    if data is None:
        return []
    if not isinstance(data, dict):
        raise AnswerFileError("an answer file must be a mapping with a 'generations' list", path=path, line=1)
    generations = data.get("generations")
    if generations is None:
        raise AnswerFileError("missing 'generations' list", path=path, line=1)
    if not isinstance(generations, list):
        raise AnswerFileError("'generations' must be a list", path=path, line=line_of(data, "generations"))
    return generations


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


def _region(entry: Any, path: Path, line: int | None) -> dict[str, Any] | None:
    value = entry.get("region")
    if value is None:
        return None
    where = line_of(entry, "region") or line
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise AnswerFileError(
            "'region' must be {start: [line, character], end: [line, character]}", path=path, line=where
        )
    region: dict[str, Any] = plain(value)
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


def _record(entry: Any, path: Path, line: int | None) -> AnswerRecord:
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


def read_answer_file(path: str | Path) -> list[AnswerRecord]:
    """Every generation in the file, in file order; [] when there is no file."""
    path = Path(path)
    if not path.exists():
        return []
    generations = _generations(_load(path), path)
    return [_record(entry, path, item_line(generations, index)) for index, entry in enumerate(generations)]


def _flow(values: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _values(record: AnswerRecord) -> dict[str, Any]:
    """The record as file keys; optional fields that are empty are left out."""
    values: dict[str, Any] = {}
    for name, key in _KEYS.items():
        value = getattr(record, name)
        if name in ("template", "version", "answers") or value not in (None, "", {}):
            values[key] = value
    if record.region:
        values["region"] = {"start": _flow(list(record.region["start"])), "end": _flow(list(record.region["end"]))}
    return values


def _update(target: CommentedMap, values: dict[str, Any], keys: list[str] | None = None) -> None:
    """Set values in place: unchanged entries (and their comments) stay untouched."""
    for key in list(target):
        if keys is not None and key in keys and key not in values:
            del target[key]  # an optional field that is now empty
        elif keys is None and key not in values:
            del target[key]
    for key, value in values.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, CommentedMap) and key != "region":
            _update(current, value)
        elif key not in target or plain(current) != plain(value):
            target[key] = value


def write_answer_record(path: str | Path, record: AnswerRecord) -> None:
    """Append a generation, or replace the one with the same generation_id.

    Read, change and write happen under the answer file's lock, and the write
    is atomic: concurrent writers (server, CLI, threads) never drop each other's
    records, and a reader never sees half a file.
    """
    path = Path(path)
    with locked(path):
        data, generations = _load_for_update(path)
        values = _values(record)
        existing = _entry_of(generations, record.generation_id)
        if existing is not None:
            _update(existing, values, keys=list(_KEYS.values()))
        else:
            generations.append(CommentedMap(values))
        _dump(path, data)


def remove_answer_record(path: str | Path, generation_id: str) -> bool:
    """Take the generation out again (undoing a generation that failed); True if it was there.

    Only that record goes: records other writers added meanwhile stay. A file
    left with no generation is deleted (it was created for this one).
    """
    path = Path(path)
    with locked(path):
        if not path.exists():
            return False
        data, generations = _load_for_update(path)
        entry = _entry_of(generations, generation_id)
        if entry is None:
            return False
        generations.remove(entry)
        if generations:
            _dump(path, data)
        else:
            path.unlink()
        return True


def _load_for_update(path: Path) -> tuple[Any, Any]:
    data = _load(path) if path.exists() else None
    generations = _generations(data, path)
    if data is None:
        data = CommentedMap()
        data.yaml_set_start_comment(HEADER)
        generations = CommentedSeq()
        data["generations"] = generations
    return data, generations


def _entry_of(generations: Any, generation_id: str) -> Any:
    if not generation_id:
        return None
    return next(
        (
            entry
            for entry in generations
            if isinstance(entry, dict) and str(entry.get("generation_id", "")) == generation_id
        ),
        None,
    )


def _dump(path: Path, data: Any) -> None:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    atomic_write(path, buffer.getvalue())
