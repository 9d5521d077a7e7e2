"""Upgrading a copier project to a newer tag: a three-way merge per file, planned as a value, without git.

base = the recorded `_commit` rendered with the recorded answers, theirs = the
new tag rendered with the answers (new questions asked, or their defaults),
ours = the project as it is. Per path, as `copier update` decides it:

- only in theirs: created; when the user made a file there too, merged with an
  empty base (both added);
- in both renders: merged (server/upgrades/merge.py; conflicts are marker
  blocks, `<<<<<<< yours` / `>>>>>>> template REF`); a file the user deleted
  stays deleted, unless it matches `_skip_if_exists`; a file that matches
  `_skip_if_exists` and exists is kept as it is; the executable bit follows
  the template unless the user changed it;
- only in base (the template dropped it): deleted when the user did not edit
  it; an edited one is kept (copier deletes it: Scion keeps every edit);
- the answers file: the new render.

No git is needed in the project and the tree need not be clean: nothing is
written until the whole plan is made. Binary files merge only when one side
did not change.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from server.common.confine import inside_workspace
from server.common.errors import ScionError
from server.upgrades.merge import three_way_merge

from .answers import AskFunction
from .cached import checkout_config
from .copy import entry_path, write_file
from .project import CopierProject
from .render import LINK_MODE, ProjectRender, RenderedFile
from .session import RunOptions, Session
from .source import Checkout, open_source
from .tasks import migration_tasks, run_tasks
from .versions import VersionCrossing

CREATE, UPDATE, DELETE, CONFLICT, KEPT = "create", "update", "delete", "conflict", "kept"


class DowngradeRefused(ScionError):
    """An upgrade to an older version than the project's."""


@dataclass(frozen=True)
class PathChange:
    path: str
    action: str  # create | update | delete | conflict | kept (an edit kept where the template changed or dropped it)
    content: bytes | None = None
    mode: int | None = None
    conflicts: int = 0
    note: str = ""


@dataclass(frozen=True)
class ProjectUpgrade:
    """What upgrading one copier project does; `changes` lists only paths whose content or mode changes."""

    project: CopierProject
    from_commit: str | None
    to_commit: str | None
    changes: tuple[PathChange, ...]
    folders: tuple[str, ...]
    checkout: Checkout
    answers: dict[str, Any]  # the answers the new version was rendered with (secrets included: never saved)
    messages_before: str = ""
    messages_after: str = ""
    # copier's versions of both commits (versions.py): they choose the `_migrations` that run.
    from_version: Version | None = None
    to_version: Version | None = None

    @property
    def crossing(self) -> VersionCrossing:
        return VersionCrossing(self.from_commit, self.to_commit, self.from_version, self.to_version)

    @property
    def conflicted(self) -> int:
        return sum(change.conflicts for change in self.changes if change.action == CONFLICT)

    @property
    def status(self) -> str:
        if self.from_commit == self.to_commit and not self.changes:
            return "unchanged"
        return "conflicted" if self.conflicted else "upgraded"


@dataclass(frozen=True)
class UpgradeRequest:
    to_ref: str | None = None
    data: dict[str, Any] | None = None
    defaults: bool = False
    trusted: bool = False
    skip_tasks: bool = False
    # copier's user settings `defaults` (user_settings.py): the defaults of the questions they name, in every
    # render of the upgrade, as `copier update` uses them (recorded and given answers still win).
    settings_defaults: Mapping[str, Any] = field(default_factory=dict)


def newer_version(project: CopierProject) -> str | None:
    """The template's newest tag when it is newer than the project's `_commit` (what `scion check` reports).

    Newer as copier decides it: by copier's versions of both commits (versions.py)."""
    source = open_source(project.source_for_open())
    newest = source.latest_ref()
    old = source.ref_version(project.commit) if project.commit else None
    new = source.ref_version(newest)
    if new is not None and (old is None or new > old):
        return newest
    return None


def template_has_tasks(checkout: Checkout) -> bool:
    return bool(checkout_config(checkout).setting("tasks"))


def plan_upgrade(project: CopierProject, request: UpgradeRequest, ask: AskFunction | None = None) -> ProjectUpgrade:
    if project.commit is None:
        raise ScionError(f"{project.answers_file}: no _commit recorded; this project cannot be upgraded")
    source = open_source(project.source_for_open())
    new_checkout = source.checkout(request.to_ref or source.latest_ref())
    old_checkout = source.checkout(project.commit)
    old_version, new_version = source.version(old_checkout), source.version(new_checkout)
    if old_version is not None and new_version is not None and new_version < old_version:
        raise DowngradeRefused(
            f"{project.answers_file}: the project is at {project.commit} ({old_version}), "
            f"newer than {new_checkout.commit} ({new_version})"
        )
    crossing = VersionCrossing(project.commit, new_checkout.commit, old_version, new_version)
    config = checkout_config(new_checkout)
    migrations = any(migration_tasks(config, stage, crossing) for stage in ("before", "after"))
    options = RunOptions(
        data=dict(request.data or {}),
        defaults=request.defaults or ask is None,
        trusted=request.trusted,
        skip_tasks=request.skip_tasks,
        overwrite=True,
        operation="update",
        migrations=migrations,
        settings_defaults=dict(request.settings_defaults),
    )
    session = Session(new_checkout, project.root, options, last=project.answers)
    base = _render_base(project, old_checkout, request, session.exclusions())
    before = session.message("message_before_update")
    session.ask(ask, new_only=True)
    theirs = session.render()
    changes = tuple(_changes(project.root, base, theirs, label=f"template {new_checkout.commit}"))
    return ProjectUpgrade(
        project,
        project.commit,
        new_checkout.commit,
        changes,
        theirs.folders,
        new_checkout,
        session.layers.combined(),
        before,
        session.message("message_after_update"),
        old_version,
        new_version,
    )


def _render_base(
    project: CopierProject, checkout: Checkout, request: UpgradeRequest, new_exclude: tuple[str, ...]
) -> ProjectRender:
    """The recorded version with the recorded answers, leaving out what the new version excludes (as copier)."""
    options = RunOptions(
        data=project.answers,
        defaults=True,
        trusted=request.trusted,
        skip_tasks=True,
        operation="update",
        exclude=new_exclude,
        settings_defaults=dict(request.settings_defaults),
    )
    session = Session(checkout, project.root, options)
    session.ask()
    return session.render()


def _changes(root: Path, base: ProjectRender, theirs: ProjectRender, *, label: str) -> list[PathChange]:
    old, new = base.by_path(), theirs.by_path()
    changes: list[PathChange] = []
    for path in sorted(set(old) | set(new)):
        target = entry_path(root, path)
        ours = _read(target)
        before, after = old.get(path), new.get(path)
        change = _decide(path, ours, before, after, theirs, label)
        if change is not None:
            changes.append(change)
    return changes


def _read(path: Path) -> tuple[bytes, int] | None:
    """(content, mode) of the project's file; a symlink is (its target, LINK_MODE)."""
    if path.is_symlink():
        return os.readlink(path).encode(), LINK_MODE
    if not path.is_file():
        return None
    return path.read_bytes(), path.stat().st_mode & 0o777


def _same(ours: tuple[bytes, int], file: RenderedFile) -> bool:
    return ours[0] == file.content and stat.S_ISLNK(ours[1]) == file.is_link


def _decide(
    path: str,
    ours: tuple[bytes, int] | None,
    before: RenderedFile | None,
    after: RenderedFile | None,
    theirs: ProjectRender,
    label: str,
) -> PathChange | None:
    if after is None:
        assert before is not None
        if ours is None:
            return None
        if _same(ours, before):
            return PathChange(path, DELETE)
        return PathChange(path, KEPT, note="the template dropped it; your edited copy is kept")
    if path == theirs.answers_file:
        return _write(path, ours, after.content, after.mode)
    if ours is None:
        if before is not None and not theirs.skipped_if_exists(path):
            return None  # the user deleted it: it stays deleted
        return PathChange(path, CREATE, after.content, after.mode)
    if theirs.skipped_if_exists(path):
        return None
    if after.is_link or stat.S_ISLNK(ours[1]) or (before is not None and before.is_link):
        return _link_change(path, ours, before, after)
    mode = after.mode if before is None or ours[1] & 0o111 == before.mode & 0o111 else ours[1]
    base_content = before.content if before is not None else b""
    return _merged(path, ours, base_content, after, mode, label)


def _link_change(
    path: str, ours: tuple[bytes, int], before: RenderedFile | None, after: RenderedFile
) -> PathChange | None:
    """A symlink on some side: no merging; the template's when the user left it as it was."""
    if _same(ours, after):
        return None
    if before is None or _same(ours, before):
        return PathChange(path, UPDATE, after.content, after.mode)
    return PathChange(path, KEPT, note="you changed it and so did the template (a symlink on one side); yours is kept")


def _merged(
    path: str, ours: tuple[bytes, int], base: bytes, after: RenderedFile, mode: int, label: str
) -> PathChange | None:
    mine = ours[0]
    if mine == after.content or base == after.content:
        return _write(path, ours, mine, mode)
    if mine == base:
        return _write(path, ours, after.content, mode)
    try:
        texts = [content.decode("utf-8") for content in (base, mine, after.content)]
    except UnicodeDecodeError:
        return PathChange(path, KEPT, note="a binary file both you and the template changed; yours is kept")
    result = three_way_merge(texts[0], texts[1], texts[2], theirs_label=label)
    content = result.text.encode("utf-8")
    if result.conflicts:
        return PathChange(path, CONFLICT, content, mode, conflicts=len(result.conflicts))
    return _write(path, ours, content, mode)


def _write(path: str, ours: tuple[bytes, int] | None, content: bytes, mode: int) -> PathChange | None:
    if ours is not None and ours[0] == content and ours[1] & 0o111 == mode & 0o111:
        return None
    return PathChange(path, UPDATE if ours is not None else CREATE, content, mode)


def apply_upgrade(upgrade: ProjectUpgrade, request: UpgradeRequest, say: Callable[[str], None]) -> None:
    """Migrations before, the plan written, the new version's tasks, migrations after (trusted ones only)."""
    root = upgrade.project.root.resolve()
    if upgrade.messages_before:
        say(upgrade.messages_before)
    config = checkout_config(upgrade.checkout)
    runs_tasks = not request.skip_tasks and bool(config.setting("tasks"))
    # The plan refused untrusted migrations; never run them without trust.
    runs_migrations = request.trusted and bool(config.setting("migrations"))
    stages: dict[str, list[Any]] = {"before": [], "after": []}
    session = _tasks_session(upgrade, request) if runs_tasks or runs_migrations else None
    if session is not None and runs_migrations:
        stages = {stage: migration_tasks(config, stage, upgrade.crossing) for stage in ("before", "after")}
    if session is not None and stages["before"]:
        run_tasks(session, say, stages["before"], phase="migrate")
    for folder in upgrade.folders:
        Path(inside_workspace(root, root / folder, what="rendered folder")).mkdir(parents=True, exist_ok=True)
    for change in upgrade.changes:
        target = entry_path(root, change.path)
        if change.action == DELETE:
            target.unlink(missing_ok=True)
            _remove_empty_parents(target.parent, root)
        elif change.content is not None and change.mode is not None:
            write_file(target, RenderedFile(change.path, change.content, change.mode))
    if session is not None and runs_tasks:
        run_tasks(session, say)
    if session is not None and stages["after"]:
        run_tasks(session, say, stages["after"], phase="migrate")
    if upgrade.messages_after:
        say(upgrade.messages_after)


def _tasks_session(upgrade: ProjectUpgrade, request: UpgradeRequest) -> Session:
    """The new version with the upgrade's answers, for its tasks and migrations (only made when it has some)."""
    options = RunOptions(
        data=_plain(upgrade.answers),
        defaults=True,
        trusted=request.trusted,
        skip_tasks=request.skip_tasks,
        operation="update",
        settings_defaults=dict(request.settings_defaults),
    )
    session = Session(upgrade.checkout, upgrade.project.root, options)
    session.ask()
    return session


def _plain(answers: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in answers.items()
        if isinstance(key, str) and not key.startswith("_") and key != "now"
    }


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
