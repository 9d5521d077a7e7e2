"""`<file>.template-answers.yml`: the answers each generation in a file used.

This package owns the format; everything else (generation, upgrades, hover,
the CLI) goes through the names below and never parses or emits the file
itself. Inside, three readers and two writers trade speed for generality, and
the API picks the fastest one that is exact for the file at hand:

- `fast.py`: a line reader for files in exactly the layout Scion writes
  (proved by emitting them back byte for byte), then libyaml;
- `strict.py`: ruamel, which names the line of every problem when reading and
  keeps comments and hand formatting when writing;
- `emit.py`: an emitter of Scion's own layout, used to write a file only when
  it reproduces that file as it is;
- `record.py`: the record, the checks every reader applies, and where files sit;
- `locks.py`: the lock every writer takes around a read-modify-write.

Reading: `read_records` (fastest exact reading), `read_answer_file` (strict,
each record with its line: hover and error messages), `read_source` (text and
records, to change them). Writing: `AnswerSource.change` computes a new text
without writing (an `AnswerChange`, which a batch puts behind its journal);
`write_change`, `write_answer_record` and `remove_answer_record` write under
the answer file's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.common.errors import AnswerFileError
from server.common.fsutil import atomic_write
from server.templates.safe_yaml import read_bounded_text

from . import strict
from .emit import emit
from .fast import read_own_layout, read_with_libyaml
from .locks import lock_file_for, locked
from .record import (
    HEADER,
    SUFFIX,
    AnswerRecord,
    answer_file_for,
    answer_file_of,
    generation_at_line,
    is_answer_file,
    now_iso,
    primary_file,
)

__all__ = [
    "HEADER",
    "SUFFIX",
    "AnswerChange",
    "AnswerRecord",
    "AnswerSource",
    "answer_file_for",
    "answer_file_of",
    "generation_at_line",
    "is_answer_file",
    "lock_file_for",
    "locked",
    "now_iso",
    "primary_file",
    "read_answer_file",
    "read_records",
    "read_source",
    "remove_answer_record",
    "write_answer_record",
    "write_change",
]


@dataclass(frozen=True)
class AnswerChange:
    """An answer file's text before and after some of its generations are replaced (None: no such file)."""

    path: Path
    old_text: str | None
    new_text: str
    generations: tuple[AnswerRecord, ...]


@dataclass(frozen=True)
class AnswerSource:
    """An answer file as read: its exact text (line endings kept) and its generations."""

    path: Path
    text: str
    records: tuple[AnswerRecord, ...]
    own_layout: bool  # emit(records) == text: the emitter may write it

    def change(self, generations: Sequence[AnswerRecord]) -> AnswerChange:
        """The text with each of `generations` replacing the one with its generation id; nothing written."""
        new = tuple(generations)
        if self.own_layout:
            replaced = {record.generation_id: record for record in new}
            ids = {record.generation_id for record in self.records}
            if all(record.generation_id in ids for record in new):
                text = emit([replaced.get(record.generation_id, record) for record in self.records])
                if text is not None:
                    return AnswerChange(self.path, self.text, text, new)
        return AnswerChange(self.path, self.text, strict.with_generations(self.path, self.text, list(new)), new)


def _read(path: Path, *, universal_newlines: bool = True) -> str | None:
    try:
        return read_bounded_text(path, AnswerFileError, universal_newlines=universal_newlines)
    except FileNotFoundError:
        return None


def _parsed(path: Path, text: str) -> tuple[list[AnswerRecord], bool]:
    own = read_own_layout(path, text)
    if own is not None:
        return own, True
    fast = read_with_libyaml(path, text)
    if fast is not None:
        return fast, False
    return strict.read_strictly(path, text), False  # names the line of the problem


def read_records(path: Path, text: str | None = None) -> list[AnswerRecord]:
    """The generations recorded in `path` ([] when it does not exist); `text`: its text, when read already."""
    if text is None:
        text = _read(path)
        if text is None:
            return []
    return _parsed(path, text)[0]


def read_source(path: Path) -> AnswerSource | None:
    """The answer file's text and generations, to change them; None when it does not exist."""
    text = _read(path, universal_newlines=False)
    if text is None:
        return None
    records, own_layout = _parsed(path, text)
    return AnswerSource(path, text, tuple(records), own_layout)


def read_answer_file(path: str | Path) -> list[AnswerRecord]:
    """Every generation, strictly, each with the line its entry starts on; [] when there is no file."""
    return strict.read_strictly(Path(path))


def write_change(change: AnswerChange) -> None:
    """Write a change under the answer file's lock; made again from the file if it changed since it was computed."""
    with locked(change.path):
        current = _read(change.path, universal_newlines=False)
        if current == change.old_text:
            atomic_write(change.path, change.new_text)
            return
        if current is None:
            text = strict.with_generations(change.path, None, list(change.generations))
        else:
            records, own_layout = _parsed(change.path, current)
            source = AnswerSource(change.path, current, tuple(records), own_layout)
            text = source.change(change.generations).new_text
        atomic_write(change.path, text)


def write_answer_record(path: str | Path, record: AnswerRecord) -> None:
    """Append a generation, or replace the one with the same generation_id.

    Read, change and write happen under the answer file's lock, and the write
    is atomic: concurrent writers (server, CLI, threads) never drop each other's
    records, and a reader never sees half a file.
    """
    path = Path(path)
    with locked(path):
        atomic_write(path, strict.with_generations(path, _read(path), [record]))


def remove_answer_record(path: str | Path, generation_id: str) -> bool:
    """Take the generation out again (undoing a generation that failed); True if it was there.

    Only that record goes: records other writers added meanwhile stay. A file
    left with no generation is deleted (it was created for this one).
    """
    path = Path(path)
    with locked(path):
        text = _read(path)
        if text is None:
            return False
        remaining = strict.without_generation(path, text, generation_id)
        if remaining is None:
            return False
        if remaining:
            atomic_write(path, remaining)
        else:
            path.unlink()
        return True
