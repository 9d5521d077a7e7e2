"""`scion generate SRC --path DEST` for a copier template: the same tree `copier copy` writes.

Plan, then write: every path is checked against the destination (the trust
boundary, server/common/confine.py) and every conflict is found before the
first byte is written. A file that exists with other content is a conflict
unless it matches `_skip_if_exists` (kept as it is) or is the answers file
(always rewritten, as copier does); `overwrite` rewrites conflicts. Nothing
of Scion's is added to the project: the answers file is copier's own, rendered
by the template.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from server.common.confine import checked_folders, inside_workspace
from server.common.errors import ScionError
from server.common.fsutil import write_all

from .answers import AskFunction
from .render import ProjectRender, RenderedFile
from .session import RunOptions, Session
from .source import Checkout, open_source
from .tasks import run_tasks


class DestinationConflict(ScionError):
    """Files in the destination that the template would overwrite."""


@dataclass(frozen=True)
class CopyResult:
    checkout: Checkout
    render: ProjectRender
    written: tuple[str, ...]  # relative paths
    skipped: tuple[str, ...]
    answers: dict[str, Any]
    remembered: dict[str, Any]
    secret_values: tuple[str, ...] = field(default=())  # to redact from anything stored


Say = Callable[[str], None]


class Recording(Protocol):
    """A record of the generation being made while its files are written (server/store/append.py)."""

    def commit(self) -> object: ...

    def abandon(self) -> None: ...


# Given the render (nothing written yet), starts recording it; kept once the files are written.
Record = Callable[[CopyResult], Recording]


def copy_template(
    src: str,
    destination: Path,
    options: RunOptions,
    *,
    vcs_ref: str | None = None,
    ask: AskFunction | None = None,
    say: Say = lambda _text: None,
    record: Record | None = None,
) -> CopyResult:
    """Render and write the template; `record` (if given) records the generation beside the writing, and keeps
    it once every file is written, before the template's tasks run (their failure does not unwrite the files)."""
    check_destination(destination)  # before any question is asked
    checkout = open_source(src).checkout(vcs_ref)
    session = Session(checkout, destination, options)
    _say_message(say, session.message("message_before_copy"))
    answers = session.ask(ask)
    render = session.render()
    secrets = tuple(
        str(answers[name]) for name in session.config.secret_questions if name in answers and str(answers[name])
    )
    rendered = CopyResult(checkout, render, (), (), answers, session.remembered, secrets)
    recording = record(rendered) if record else None
    try:
        written, skipped = write_render(render, session.destination, overwrite=options.overwrite)
    except BaseException:
        if recording:
            recording.abandon()
        raise
    if recording:
        recording.commit()
    if not options.skip_tasks:
        run_tasks(session, say)
    _say_message(say, session.message("message_after_copy"))
    return replace(rendered, written=written, skipped=skipped)


def _say_message(say: Say, text: str) -> None:
    if text:
        say(text)


@dataclass(frozen=True)
class WritePlan:
    """What writing a render into a destination changes, decided before anything is written."""

    targets: tuple[tuple[RenderedFile, Path], ...]  # the files to write, with their confined paths
    skipped: tuple[str, ...]  # kept as they are (`_skip_if_exists`)
    folders: tuple[Path, ...]  # confined

    @property
    def written(self) -> tuple[str, ...]:
        return tuple(file.path for file, _ in self.targets)


def check_destination(destination: Path) -> None:
    """Refuse a destination that is a file, or below one: the project goes in a folder (made when missing)."""
    for folder in (destination, *destination.parents):
        if os.path.isdir(folder):
            return
        if os.path.lexists(folder):
            raise DestinationConflict(f"{folder} is not a folder: the project needs a folder there")


def plan_writes(render: ProjectRender, destination: Path, *, overwrite: bool) -> WritePlan:
    """The files that differ from the destination's; conflicts fail here, before anything is written.
    `destination` passed `check_destination` (its callers check it before asking any question)."""
    root = destination.resolve()
    empty = _is_empty(root)  # a new project: nothing there to compare (nor read), every file is written
    targets: list[tuple[RenderedFile, Path]] = []
    skipped: list[str] = []
    conflicts: list[str] = []
    for file in render.files:
        path = entry_path(root, file.path)
        existing = None if empty else _existing(path)
        if existing is None:
            targets.append((file, path))
        elif existing == (file.content, file.executable, file.is_link):
            continue
        elif render.skipped_if_exists(file.path):
            skipped.append(file.path)
        elif overwrite or file.path == render.answers_file:
            targets.append((file, path))
        else:
            conflicts.append(file.path)
    if conflicts:
        shown = ", ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        raise DestinationConflict(f"would overwrite {shown} in {destination}: pass --force to overwrite")
    folders = tuple(
        Path(inside_workspace(root, os.path.join(root, folder), what="rendered folder")) for folder in render.folders
    )
    return WritePlan(tuple(targets), tuple(skipped), folders)


def _is_empty(folder: Path) -> bool:
    """Whether `folder` has no entry (or is not there yet)."""
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True


def write_render(
    render: ProjectRender, destination: Path, *, overwrite: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Write the files that differ; returns (written, skipped). Conflicts fail before anything is written."""
    destination.mkdir(parents=True, exist_ok=True)
    with checked_folders():  # each folder checked once for the plan (not once per file in it)...
        plan = plan_writes(render, destination, overwrite=overwrite)
    with checked_folders():  # ...and once again for the writes
        for folder in plan.folders:
            folder.mkdir(parents=True, exist_ok=True)
        for file, path in plan.targets:
            write_file(path, file)
    return plan.written, plan.skipped


def entry_path(root: Path, relative: str) -> Path:
    """Where the project entry `relative` is: its folder confined (server/common/confine.py), its own name
    not resolved, so a symlink there is the entry itself (replaced, as copier does, never written through)."""
    full = os.path.join(root, relative)
    inside_workspace(root, full, what="rendered path")  # refuses a symlink there that leads out
    folder, name = os.path.split(os.path.normpath(full))
    return Path(inside_workspace(root, folder, what="rendered path"), name)


# A file is opened without following a symlink at its own name: a link there is replaced, never written through.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def write_file(path: Path, file: RenderedFile) -> None:
    """Write one rendered entry with the template file's mode, as copier does (its folder made when missing).

    The common case, a new file in an existing folder, costs four system
    calls: open, write, fstat, close; a missing folder or a symlink in the
    way is found by the open failing, not looked for before every file.
    """
    if file.is_link:  # a preserved symlink (render.py checked that it points inside the project)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            path.unlink()
        os.symlink(file.content.decode(), path)
        return
    if not _NOFOLLOW and path.is_symlink():  # no O_NOFOLLOW on this system: the link is looked for
        path.unlink()
    fd = _open_for_writing(path, file.mode)
    try:
        write_all(fd, file.content)
        if stat.S_IMODE(os.fstat(fd).st_mode) != file.mode:  # the umask, or an older file's mode
            os.fchmod(fd, file.mode)
    finally:
        os.close(fd)


def _open_for_writing(path: Path, mode: int) -> int:
    try:
        return os.open(path, _WRITE_FLAGS, mode)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        if not path.is_symlink():  # ELOOP on Linux and macOS, EMLINK on FreeBSD: a link at the name
            raise
        path.unlink()  # the file replaces the link; writing through it would write elsewhere
    return os.open(path, _WRITE_FLAGS, mode)


def _existing(path: Path) -> tuple[bytes, bool, bool] | None:
    """(content, executable, is a symlink) of what is at `path`; a symlink's content is its target."""
    if path.is_symlink():
        return os.readlink(path).encode(), False, True
    if not path.exists():
        return None
    if path.is_dir():
        raise DestinationConflict(f"{path} is a folder; the template writes a file there")
    return path.read_bytes(), bool(path.stat().st_mode & 0o111), False
