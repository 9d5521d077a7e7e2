"""The trust boundary for paths: everything a workspace carries is untrusted.

A cloned repository can hold hostile answer files, journals, template sources
and symlinks; a client can send any URI. Every path built from such input goes
through `inside_workspace`, the one confinement check, before anything reads,
writes or deletes there:

- the path, normalised lexically, lies inside the workspace root;
- no existing component between the root and the path is a symlink that
  leads outside the root (each component checked with `lstat`; a link that
  stays inside is fine, since editors and monorepos use them).

Callers with a narrower rule call the helpers built on it: `confine_relative`
for paths that must be plain relative paths below a folder (rendered template
output, journal entries: no absolute path, no `..`), `confine_key` for
answer-file keys (relative to the answer file's folder; `..` allowed as long as
the result stays in the workspace, so a template may write `../tests/x.py`).
A refusal is a `PathEscapeError` whose message names the path and the rule.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePosixPath

from server.common.errors import PathEscapeError

_DRIVE = re.compile(r"^[A-Za-z]:")

# The folders and files found inside a `checked_folders()` block to be real (no symlink), and every
# component on the way to them too.
_CHECKED: ContextVar[set[str] | None] = ContextVar("scion_checked_folders", default=None)


@contextmanager
def checked_folders() -> Iterator[None]:
    """Inside this block a folder or file found to be no symlink (nor any folder above it) is not checked again.

    A batch confines thousands of paths in a few folders, and each generated
    file several times (its answer file's key, its render's output path):
    without this, every path would `lstat` the same folders and files again.
    Each block starts afresh, so the writes of a batch check again what its
    planning checked.
    """
    token = _CHECKED.set(set())
    try:
        yield
    finally:
        _CHECKED.reset(token)


def inside_workspace(root: str | Path, path: str | Path, *, what: str = "path") -> str:
    """`path` (absolute, or relative to the working folder), when it stays in the workspace `root`.

    The result is `path` normalised; resolved when it passes through a symlink
    (one that stays inside), so callers compare it with resolved folders.
    """
    root_text = os.fspath(root)
    real_root = _realpath(root_text)
    candidate = os.path.abspath(path)  # normalised too
    # Both spellings of the root: the caller's (which may pass through a symlink the
    # user chose, e.g. /home -> /data/home) and its resolved form.
    spellings = _spellings(root_text) if os.path.isabs(root_text) else _spelled(os.path.abspath(root_text), real_root)
    for spelling in spellings:
        relative = _below(spelling, candidate)
        if relative is not None:
            crossed_link = _check_links(spelling, relative, real_root, path, what)
            return os.path.realpath(candidate) if crossed_link else candidate
    raise PathEscapeError(f"refusing {what} {os.fspath(path)!r}: it is outside the workspace {real_root}")


@functools.lru_cache(maxsize=64)
def _spellings(root: str) -> tuple[str, ...]:
    """An absolute root's spellings (see inside_workspace); cached like `_realpath`, a batch asks for every path."""
    return _spelled(os.path.normpath(root), _realpath(root))


def _spelled(given: str, real: str) -> tuple[str, ...]:
    return (given,) if given == real else (given, real)


@functools.lru_cache(maxsize=64)
def _realpath(root: str) -> str:
    # A batch confines every file against the same root; the user's root does not move under a run.
    return os.path.realpath(root)


def confine_relative(root: str | Path, base: str | Path, rel: str, *, what: str = "path") -> str:
    """`base/rel` for a plain relative `rel` (no absolute path, no `..`), inside the workspace `root`."""
    safe = safe_relative_path(rel, what=what)
    return inside_workspace(root, os.path.join(base, safe), what=what)


def confine_key(root: str | Path, folder: str | Path, key: str) -> str:
    """Where an answer file's `files:` key points: relative to the answer file's `folder`, inside `root`."""
    text = key.replace("\\", "/")
    if not text or PurePosixPath(text).is_absolute() or _DRIVE.match(text):
        raise PathEscapeError(f"refusing answer-file entry {key!r}: file paths in answer files must be relative")
    return inside_workspace(root, os.path.join(folder, text), what="answer-file entry")


def relative_key(path: str | Path, folder: str | Path) -> str:
    """How an answer file in `folder` names `path`: relative to `folder`, POSIX, `..` where needed.

    Never absolute, so an answer file keeps working when the workspace is moved
    or cloned elsewhere (confine_key reads it back).
    """
    text, base = os.fspath(path), os.fspath(folder)
    prefix = base if base.endswith(os.sep) else base + os.sep
    # Below `folder`, both normalised and absolute (what the confinement returns): a slice, as relpath would give.
    if text.startswith(prefix) and _normal_absolute(text) and _normal_absolute(base):
        return text[len(prefix) :].replace(os.sep, "/")
    return os.path.relpath(path, folder).replace(os.sep, "/")


def _normal_absolute(path: str) -> bool:
    return os.path.isabs(path) and os.path.normpath(path) == path


def safe_relative_path(rel: str, *, what: str = "output path", origin: Path | None = None) -> str:
    """`rel` as a normalised POSIX relative path; refuses absolute paths, `..` and empty paths."""
    if already_safe(rel):
        return rel
    text = rel.replace("\\", "/")
    pure = PurePosixPath(text)
    if pure.is_absolute() or _DRIVE.match(text):
        raise PathEscapeError(f"{what} {rel!r} is absolute; it must be relative", path=origin)
    if ".." in pure.parts:
        raise PathEscapeError(f"{what} {rel!r} contains '..'; it must stay in its folder", path=origin)
    parts = [part for part in pure.parts if part != "."]
    if not parts:
        raise PathEscapeError(f"{what} {rel!r} is empty", path=origin)
    return "/".join(parts)


def already_safe(rel: str) -> bool:
    """A plain relative POSIX path that safe_relative_path returns unchanged (checked without building a Path)."""
    if not rel or "\\" in rel or rel[0] == "/" or rel[1:2] == ":":
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def _below(root: str, candidate: str) -> str | None:
    """`candidate` relative to `root` when it is `root` or below it (both normalised), else None."""
    if candidate == root:
        return ""
    prefix = root if root.endswith(os.sep) else root + os.sep
    return candidate[len(prefix) :] if candidate.startswith(prefix) else None


def _check_links(root: str, relative: str, real_root: str, original: str | Path, what: str) -> bool:
    """Refuse when an existing component below `root` is a symlink that resolves outside `real_root`.

    Returns whether the path passes through a symlink (one that stays inside).
    """
    current, crossed = root, False
    checked = _CHECKED.get()
    if checked is not None and relative and os.path.join(root, relative) in checked:
        return False  # checked in this block, and every component on the way: none was a link
    for part in relative.split(os.sep) if relative else ():
        current = os.path.join(current, part)
        if checked is not None and current in checked:
            continue
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return crossed  # nothing below exists, so nothing below is a link
        except OSError as error:
            raise PathEscapeError(f"refusing {what} {os.fspath(original)!r}: cannot check {current}: {error}") from None
        if stat.S_ISLNK(mode):
            target = os.path.realpath(current)
            if _below(real_root, target) is None:
                raise PathEscapeError(
                    f"refusing {what} {os.fspath(original)!r}: {current} is a symlink to {target}, outside the workspace"
                )
            crossed = True
        elif checked is not None and not crossed and (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            checked.add(current)  # below a link it is not: the next path must cross the link again
    return crossed
