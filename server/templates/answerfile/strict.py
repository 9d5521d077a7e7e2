"""The strict reader and the round-trip writer (ruamel).

People edit answer files by hand, so the strict reader names the file and
line of every problem, and the writer keeps comments, key order and the
generations it did not touch exactly as they were.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from server.common.errors import AnswerFileError
from server.common.jsonish import plain
from server.templates.loader import item_line, line_of
from server.templates.safe_yaml import read_bounded_text, untrusted, yaml_problem

from .record import HEADER, KEYS, AnswerRecord, record_from, record_values


def _yaml() -> YAML:
    yaml = untrusted(YAML(typ="rt"))  # answer files come with the workspace: no aliases (see safe_yaml)
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold long answers over lines
    yaml.preserve_quotes = True
    return yaml


def _parse(text: str, path: Path) -> Any:
    try:
        return _yaml().load(text)
    except MarkedYAMLError as error:
        message, line = yaml_problem(error)
        raise AnswerFileError(message, path=path, line=line) from None
    except YAMLError as error:
        raise AnswerFileError(f"YAML error: {error}", path=path) from None


def _generations(data: Any, path: Path) -> Any:
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


def read_strictly(path: Path, text: str | None = None) -> list[AnswerRecord]:
    """Every generation, each with the line its entry starts on; [] when there is no file."""
    if text is None:
        if not path.exists():
            return []
        text = read_bounded_text(path, AnswerFileError)
    generations = _generations(_parse(text, path), path)
    return [record_from(entry, path, item_line(generations, index)) for index, entry in enumerate(generations)]


def _flow(values: list[int]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _file_values(record: AnswerRecord) -> dict[str, Any]:
    values = record_values(record)
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


def _document(text: str | None, path: Path) -> tuple[Any, Any]:
    """The parsed document and its generations list; a new document for a file that does not exist yet."""
    data = _parse(text, path) if text is not None else None
    generations = _generations(data, path)
    if data is None:
        data = CommentedMap()
        data.yaml_set_start_comment(HEADER)
        generations = CommentedSeq()
        data["generations"] = generations
    return data, generations


def _dumped(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def with_generations(path: Path, text: str | None, records: list[AnswerRecord]) -> str:
    """`text` with each record replacing the generation of the same id (appended when it has none there)."""
    data, generations = _document(text, path)
    for record in records:
        entry = _entry_of(generations, record.generation_id)
        if entry is None:
            generations.append(CommentedMap(_file_values(record)))
        else:
            _update(entry, _file_values(record), keys=list(KEYS.values()))
    return _dumped(data)


def without_generation(path: Path, text: str, generation_id: str) -> str | None:
    """`text` without the generation `generation_id`: None when it was not there, "" when none is left."""
    data, generations = _document(text, path)
    entry = _entry_of(generations, generation_id)
    if entry is None:
        return None
    generations.remove(entry)
    return _dumped(data) if generations else ""
