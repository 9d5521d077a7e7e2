"""Finding generated files and reading their answer files quickly.

An upgrade scan reads every answer file of a workspace, so reading must be
cheap: ruamel's pure-Python round-trip parser costs about 5 ms a file, which is
5 s for a thousand files. Reading only needs values, not comments, so a file
is parsed with libyaml when PyYAML has it, and the strict ruamel reader (which
names the line of every problem) is used whenever that fast parse fails.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from server.errors import AnswerFileError
from server.templates import answerfile
from server.templates.answerfile import SUFFIX, AnswerRecord, read_answer_file

try:  # PyYAML with libyaml is optional: it only makes reading faster.
    import yaml as _pyyaml

    _FAST_LOADER = getattr(_pyyaml, "CSafeLoader", None)
except ImportError:  # pragma: no cover - depends on the environment
    _pyyaml, _FAST_LOADER = None, None

# Folders that never hold the user's generated code, and are large.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".scion", ".tox", ".mypy_cache"})


def find_answer_files(root: Path) -> list[Path]:
    """Every `*.template-answers.yml` below `root`, sorted, skipping VCS, dependency and cache folders."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS)
        found.extend(Path(folder) / name for name in files if name.endswith(SUFFIX))
    return sorted(found)


def is_answer_file(path: Path) -> bool:
    return path.name.endswith(SUFFIX)


def primary_file(answer_file: Path) -> Path:
    """The file an answer file sits beside (`order.py` for `order.py.template-answers.yml`)."""
    return answer_file.with_name(answer_file.name[: -len(SUFFIX)])


def answer_file_of(path: Path) -> Path:
    """The answer file for a generated file, or the path itself when it is one."""
    return path if is_answer_file(path) else answerfile.answer_file_for(path)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_records(answer_file: Path, text: str | None = None) -> list[AnswerRecord]:
    """The generations recorded in `answer_file` ([] when it does not exist)."""
    if text is None:
        try:
            text = answer_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError:
            raise AnswerFileError("not UTF-8 text", path=answer_file) from None
    records = _read_fast(answer_file, text)
    return records if records is not None else read_answer_file(answer_file)


def _read_fast(answer_file: Path, text: str) -> list[AnswerRecord] | None:
    """The records via libyaml, or None to let the strict reader explain the problem."""
    if _FAST_LOADER is None:
        return None
    try:
        data = _pyyaml.load(text, Loader=_FAST_LOADER)
        generations = data["generations"] if isinstance(data, dict) else None
        if not isinstance(generations, list):
            return None
        # The same checks as the strict reader; only the line numbers are missing.
        return [answerfile._record(entry, answer_file, None) for entry in generations]
    except (AnswerFileError, _pyyaml.YAMLError, KeyError, TypeError, ValueError):
        return None
