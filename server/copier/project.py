"""A project made with copier: found by its answers file, which records the template and the answers.

copier's answers file (`.copier-answers.yml` by default; a template may name
another, e.g. `.copier-answers.backend.yml`) holds `_src_path` (the template as
it was given), `_commit` (the version it was generated or last updated from)
and the saved answers. It is the source of truth for an upgrade; Scion adds
nothing beside it. The file comes from the project, so it is read bounded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from server.common.errors import AnswerFileError

ANSWERS_NAME = re.compile(r"^\.copier-answers([.-][\w.-]+)?\.ya?ml$")
MAX_ANSWERS_BYTES = 1024 * 1024
_SKIPPED = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".scion", ".tox"})
MAX_DEPTH = 4  # copier projects sit at the workspace root or in a few subprojects below it


@dataclass(frozen=True)
class CopierProject:
    answers_file: Path
    recorded: dict[str, Any]

    @property
    def root(self) -> Path:
        return self.answers_file.parent

    @property
    def src(self) -> str:
        return str(self.recorded["_src_path"])

    @property
    def commit(self) -> str | None:
        value = self.recorded.get("_commit")
        return None if value is None else str(value)

    @property
    def answers(self) -> dict[str, Any]:
        """The saved answers (copier's `last_answers` without its own keys)."""
        return {key: value for key, value in self.recorded.items() if not str(key).startswith("_")}

    def source_for_open(self) -> str:
        """`_src_path` as a path to open: a relative one is read from the project's folder when it exists there."""
        src = self.src
        if "://" in src or src.startswith(("gh:", "gl:", "git@", "/", "~")):
            return src
        beside = self.root / src
        return str(beside) if beside.exists() else src


def read_project(answers_file: Path) -> CopierProject:
    try:
        data = answers_file.read_bytes()
    except OSError as error:
        raise AnswerFileError(f"cannot read it: {error.strerror}", path=answers_file) from None
    if len(data) > MAX_ANSWERS_BYTES:
        raise AnswerFileError("larger than 1 MB; not a copier answers file", path=answers_file)
    try:
        recorded = yaml.safe_load(data)
    except yaml.YAMLError as error:
        raise AnswerFileError(f"invalid YAML: {error}", path=answers_file) from None
    if not isinstance(recorded, dict) or "_src_path" not in recorded:
        raise AnswerFileError("not a copier answers file (no _src_path)", path=answers_file)
    return CopierProject(answers_file, recorded)


def find_projects(root: Path) -> list[Path]:
    """The copier answers files below `root` (a few levels deep), sorted."""
    found: list[Path] = []
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).parts) - base_depth
        dirs[:] = sorted(name for name in dirs if name not in _SKIPPED) if depth < MAX_DEPTH else []
        found.extend(Path(folder) / name for name in files if ANSWERS_NAME.match(name))
    return sorted(found)
