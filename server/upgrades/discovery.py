"""Finding the generated files of a workspace, and confining what their answer files name."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from server.common.confine import confine_key, relative_key
from server.templates.answerfile import SUFFIX, AnswerRecord, primary_file

# Folders that never hold the user's generated code, and are large.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".scion", ".tox", ".mypy_cache"}
)


def find_answer_files(root: Path) -> list[Path]:
    """Every `*.template-answers.yml` below `root`, sorted, skipping VCS, dependency and cache folders."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS)
        found.extend(Path(folder) / name for name in files if name.endswith(SUFFIX))
    return sorted(found)


def generated_files(root: Path) -> list[Path]:
    """The primary file of every answer file below `root`."""
    return [primary_file(answer_file) for answer_file in find_answer_files(root)]


def with_confined_files(record: AnswerRecord, workspace: str | Path, folder: str | Path) -> AnswerRecord:
    """`record` with every `files:` key checked to stay in the workspace, and absolute keys made relative.

    An answer file is untrusted input (a cloned repository may carry a key such
    as `/home/me/.bashrc` or `../../outside`, which an upgrade would overwrite
    or delete): a key that leaves the workspace raises PathEscapeError. Older
    versions recorded files outside the answer file's folder by absolute path;
    such a key is read relative to the workspace as it is now (its longest tail
    that exists here), so a moved or cloned workspace upgrades as it did in place.
    """
    if not record.files:
        return record
    files = {}
    for key, sha in record.files.items():
        if os.path.isabs(key):
            key = relative_key(_relocated(key, workspace), folder)
        confine_key(workspace, folder, key)
        files[key] = sha
    return record if files.keys() == record.files.keys() else replace(record, files=files)


def _relocated(absolute: str, workspace: str | Path) -> str:
    """Where an absolute key recorded by an older Scion points in this workspace."""
    root = os.path.abspath(workspace)
    if absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep):
        return absolute
    parts = Path(absolute).parts[1:]
    for start in range(len(parts)):
        candidate = os.path.join(workspace, *parts[start:])
        if os.path.lexists(candidate):
            return candidate
    return absolute  # nothing matches: confine_key refuses it, naming the key


class Resolver:
    """Path.resolve() for many paths, each folder resolved once (a batch names a thousand files in a few folders)."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def resolve(self, path: Path) -> Path:
        text = os.fspath(path)
        if not os.path.isabs(text):
            text = os.path.join(os.getcwd(), text)
        folder, name = os.path.split(text)
        if name in ("", ".", ".."):
            return Path(os.path.realpath(text))
        real_folder = self._folders.get(folder)
        if real_folder is None:
            real_folder = self._folders[folder] = os.path.realpath(folder)
        full = os.path.join(real_folder, name)
        try:
            is_link = stat.S_ISLNK(os.lstat(full).st_mode)
        except FileNotFoundError:
            is_link = False  # resolve() keeps a missing last component as it is
        except OSError:
            is_link = True
        return Path(os.path.realpath(full) if is_link else full)


def resolved_paths(paths: Iterable[Path]) -> list[Path]:
    """Each path as Path.resolve() gives it."""
    resolver = Resolver()
    return [resolver.resolve(path) for path in paths]
