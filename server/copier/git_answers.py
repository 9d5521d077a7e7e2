"""What git says about a template repository's refs, kept until the refs change.

Every `scion generate` and `scion upgrade` of a git template asks the same
questions (the tags, which commit a tag names, its `git describe`); each
answer costs a git process. The answers are kept per repository in the user's
cache folder, stamped with the state of its refs (`HEAD`, `packed-refs`, every
loose ref and folder under `refs/` and `reftable/`: size, modification time
and inode, which every ref update changes, as git writes refs through a lock
file renamed into place). A later run whose stamp matches reuses the answers
and spawns no git at all; any other stamp, an unreadable entry or a
repository that is not a plain `.git` folder (a worktree, a file) asks git.
The commands asked through here must depend only on refs and on objects
(which refs reach, and which never change).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FORMAT = 1
_REF_STATE = ("HEAD", "packed-refs", "refs", "reftable")
MAX_STAMPED_ENTRIES = 5_000  # a repository with more loose refs is asked every time


RunGit = Callable[..., bytes]


def ask_git(cache_folder: Path, run_git: RunGit, git_dir: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    """`run_git("--git-dir", git_dir, *args, env=env)`, answered from `cache_folder` when the refs are as they were."""
    stamp = _stamp(git_dir)
    if stamp is None:
        return run_git("--git-dir", str(git_dir), *args, env=env)
    entry = cache_folder / (hashlib.sha256(os.fsencode(git_dir.absolute())).hexdigest() + ".json")
    answers = _load(entry, stamp)
    key = json.dumps([list(args), sorted((env or {}).items())])
    if isinstance(answers.get(key), str):
        return str(answers[key]).encode("utf-8", "surrogateescape")
    output = run_git("--git-dir", str(git_dir), *args, env=env)  # a failure is not kept: objects may arrive
    answers[key] = output.decode("utf-8", "surrogateescape")
    _save(entry, stamp, answers)
    return output


def _stamp(git_dir: Path) -> list[Any] | None:
    if not git_dir.is_dir() or git_dir.is_symlink():
        return None
    found: list[Any] = [_FORMAT]
    pending = [git_dir / name for name in _REF_STATE]
    while pending:
        path = pending.pop()
        try:
            status = path.lstat()
        except FileNotFoundError:
            found.append([path.name, None])
            continue
        except OSError:
            return None
        found.append([str(path.relative_to(git_dir)), status.st_size, status.st_mtime_ns, status.st_ino])
        if os.path.isdir(path) and not path.is_symlink():
            try:
                pending.extend(sorted(path.iterdir(), reverse=True))
            except OSError:
                return None
        if len(found) > MAX_STAMPED_ENTRIES:
            return None
    return found


def _load(entry: Path, stamp: list[Any]) -> dict[str, Any]:
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("stamp") != stamp or not isinstance(stored.get("answers"), dict):
        return {}
    answers: dict[str, Any] = stored["answers"]
    return answers


def _save(entry: Path, stamp: list[Any], answers: dict[str, Any]) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        staged = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        staged.write_text(json.dumps({"stamp": stamp, "answers": answers}), encoding="utf-8")
        staged.replace(entry)
    except OSError:
        pass  # a read-only cache: git is asked again next time
