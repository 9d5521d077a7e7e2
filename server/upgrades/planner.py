"""What upgrading one generation does to each of its files, decided over texts alone.

The caller renders the recorded version (base) and the new one (theirs) and
reads the files as they are now; this module only decides, so the CLI can show
a dry run and the server a preview before anything is written.

The rules, per path:
- in the new version and the old one: three-way merge (two-way when the old
  render cannot be trusted), unless the user deleted the file: a deleted file
  stays deleted;
- new in the new version: created, or merged two-way with a file the user
  already has at that path;
- dropped by the new version: deleted if the user never changed it, else kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from server.common.fsutil import sha256_text

from .conflicts import Conflict
from .merge import three_way_merge

Action = Literal["update", "create", "delete", "unchanged", "keep_deleted", "keep_user_file"]
WRITING_ACTIONS: frozenset[Action] = frozenset({"update", "create", "delete"})


@dataclass(frozen=True)
class FileChange:
    """One file's fate. `new_text` is the file after the upgrade (None: it does not exist).

    base: the old render the merge trusted (None: none could be); theirs: the
    new render (None: the new version dropped the file); ours: the file before.
    """

    path: str
    action: Action
    new_text: str | None
    conflicts: list[Conflict] = field(default_factory=list)
    # True when the old render was missing or did not match the recorded sha,
    # so ours and theirs were compared directly and every difference conflicts.
    two_way: bool = False
    base: str | None = field(default=None, repr=False)
    theirs: str | None = field(default=None, repr=False)
    ours: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class GenerationPlan:
    changes: list[FileChange]

    @property
    def conflict_count(self) -> int:
        return sum(len(change.conflicts) for change in self.changes)

    @property
    def writes(self) -> list[FileChange]:
        """The changes that touch the disk (update, create, delete)."""
        return [change for change in self.changes if change.action in WRITING_ACTIONS]

    @property
    def is_noop(self) -> bool:
        return not self.writes


def plan_file_upgrades(
    base_files: dict[str, str] | None,
    theirs_files: dict[str, str],
    current_files: dict[str, str | None],
    recorded_shas: dict[str, str],
    theirs_label: str = "template",
) -> GenerationPlan:
    """Plan an upgrade of one generation's files.

    base_files: the recorded version rendered with the recorded answers (None
    when it cannot be rendered); theirs_files: the new version rendered with
    the migrated answers; current_files: each path's text now (None or absent:
    no such file); recorded_shas: the shas recorded at generation time.
    Paths are relative, as in the answer file.
    """
    old_paths = list(dict.fromkeys([*(base_files or {}), *recorded_shas]))
    changes: list[FileChange] = []
    for path, theirs in theirs_files.items():
        current = current_files.get(path)
        if path in old_paths:
            if current is None:
                changes.append(FileChange(path, "keep_deleted", None, theirs=theirs))
            else:
                base = _trusted_base(path, base_files, current, recorded_shas)
                changes.append(_merged(path, base, current, theirs, theirs_label))
        elif current is None:
            changes.append(FileChange(path, "create", theirs, theirs=theirs))
        else:
            changes.append(_merged(path, None, current, theirs, theirs_label))
    for path in old_paths:
        if path not in theirs_files:
            changes.append(_dropped(path, current_files.get(path), (base_files or {}).get(path), recorded_shas))
    return GenerationPlan(changes)


def _trusted_base(
    path: str, base_files: dict[str, str] | None, current: str, recorded_shas: dict[str, str]
) -> str | None:
    """The text generated back then, if we can be sure of it.

    The old render counts only when it matches the recorded sha: a render that
    differs (a changed filter, a template edited in place) would make the merge
    take its differences for the template's change and undo the user's edits.
    Failing that, a file the user never touched is itself the old render.
    """
    recorded = recorded_shas.get(path)
    base = (base_files or {}).get(path)
    if base is not None and sha256_text(base) == recorded:
        return base
    if sha256_text(current) == recorded:
        return current
    return None


def _merged(path: str, base: str | None, current: str, theirs: str, label: str) -> FileChange:
    result = three_way_merge(base, current, theirs, label)
    action: Action = "unchanged" if result.text == current else "update"
    return FileChange(
        path, action, result.text, result.conflicts, two_way=base is None, base=base, theirs=theirs, ours=current
    )


def _dropped(path: str, current: str | None, base: str | None, recorded_shas: dict[str, str]) -> FileChange:
    if current is None:
        return FileChange(path, "keep_deleted", None, base=base)
    if sha256_text(current) == recorded_shas.get(path):
        return FileChange(path, "delete", None, base=base, ours=current)
    return FileChange(path, "keep_user_file", current, base=base, ours=current)
