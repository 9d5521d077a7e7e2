"""An upgrade is a value: what upgrading one answer file's generations will do.

`plan.py` builds a FileUpgrade and writes nothing; appliers take it: the disk
(apply.py, behind the batch journal) or the editor (a WorkspaceEdit, in the
feature layer). Every value here is frozen: the status and message are decided
once, when the plan is made, and an applier that cannot apply a plan returns
a new value saying so (`not_applied`, `failed`) rather than changing it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from server.templates.answerfile import AnswerChange, AnswerRecord, primary_file
from server.templates.model import Template
from server.upgrades.answers import MigratedAnswers
from server.upgrades.conflicts import Conflict
from server.upgrades.planner import WRITING_ACTIONS, Action, FileChange

Status = Literal["upgraded", "unchanged", "conflicted", "skipped", "failed"]
STATUSES: tuple[Status, ...] = ("upgraded", "unchanged", "conflicted", "skipped", "failed")


@dataclass(frozen=True)
class FileUpdate:
    """One file's fate over all the generations upgraded. Texts are whole files; None: the file does not exist.

    `old_text` is ours (the file as the user has it), `new_text` the result.
    """

    path: Path
    action: Action
    old_text: str | None
    new_text: str | None
    conflicts: tuple[Conflict, ...] = ()

    @property
    def writes(self) -> bool:
        return self.action in WRITING_ACTIONS and self.new_text != self.old_text

    def diff(self, root: Path | None = None) -> str:
        """A unified diff of the change, paths relative to `root` when possible."""
        name = _shown(self.path, root)
        old = (self.old_text or "").splitlines(keepends=True)
        new = (self.new_text or "").splitlines(keepends=True)
        before = f"a/{name}" if self.old_text is not None else "/dev/null"
        after = f"b/{name}" if self.new_text is not None else "/dev/null"
        lines = difflib.unified_diff(old, new, before, after)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass(frozen=True)
class GenerationUpgrade:
    """One recorded generation moved from `old.version` to `new.version`.

    `changes`: each of its files with base (the old render), theirs (the new
    render), ours (the file before this generation's step) and the result.
    """

    old: AnswerRecord
    new: AnswerRecord
    template: Template
    answers: MigratedAnswers
    changes: tuple[FileChange, ...]
    conflicts: int = 0
    rendered_text: str = ""  # the new version's render of the primary file (or block)


@dataclass(frozen=True)
class FileUpgrade:
    """The plan for one answer file: its generations' upgrades, every file's update and the answer file's new text."""

    answer_file: Path
    primary: Path
    status: Status
    message: str = ""
    generations: tuple[GenerationUpgrade, ...] = ()
    files: tuple[FileUpdate, ...] = ()
    answer_change: AnswerChange | None = field(default=None, repr=False, compare=False)

    @classmethod
    def planned(
        cls,
        answer_file: Path,
        generations: tuple[GenerationUpgrade, ...],
        files: tuple[FileUpdate, ...],
        answer_change: AnswerChange | None,
        message: str = "",
    ) -> FileUpgrade:
        """A plan, its status decided from what it does."""
        status: Status
        if any(update.conflicts for update in files):
            status = "conflicted"
        elif any(update.writes for update in files):
            status = "upgraded"
        elif generations or not message:
            status = "unchanged"  # moved on without changing a file, or nothing to upgrade
        else:
            status = "skipped"  # the message says why
        return cls(answer_file, primary_file(answer_file), status, message, generations, files, answer_change)

    @classmethod
    def skipped(cls, answer_file: Path, message: str) -> FileUpgrade:
        return cls(answer_file, primary_file(answer_file), "skipped", message)

    @classmethod
    def failed(cls, answer_file: Path, message: str) -> FileUpgrade:
        return cls(answer_file, primary_file(answer_file), "failed", message)

    def not_applied(self, reason: str) -> FileUpgrade:
        """The outcome of this plan when its applier declined it (the editor did not apply the edit)."""
        return FileUpgrade.skipped(self.answer_file, reason)

    @property
    def updates(self) -> dict[Path, FileUpdate]:
        return {update.path: update for update in self.files}

    @property
    def conflicts(self) -> int:
        return sum(len(update.conflicts) for update in self.files)

    @property
    def writes(self) -> list[FileUpdate]:
        return [update for update in self.files if update.writes]

    def diff(self, root: Path | None = None) -> str:
        return "".join(update.diff(root) for update in self.writes)

    def summary(self) -> str:
        steps = ", ".join(f"{g.old.template} {g.old.version} → {g.new.version}" for g in self.generations)
        text = f"{self.status}: {self.primary.name}"
        if steps:
            text += f" ({steps})"
        if self.conflicts:
            text += f", {self.conflicts} conflict{'s' if self.conflicts != 1 else ''}"
        if self.message:
            text += f": {self.message}"
        return text

    def as_json(self, root: Path | None = None) -> dict[str, Any]:
        return {
            "file": _shown(self.primary, root),
            "answerFile": _shown(self.answer_file, root),
            "status": self.status,
            "message": self.message,
            "conflicts": self.conflicts,
            "generations": [
                {
                    "template": g.old.template,
                    "from": g.old.version,
                    "to": g.new.version,
                    "asked": g.answers.asked,
                    "renamed": [list(pair) for pair in g.answers.migration.renamed],
                    "defaulted": g.answers.migration.defaulted,
                    "dropped": g.answers.migration.dropped,
                }
                for g in self.generations
            ],
            "files": [
                {"path": _shown(update.path, root), "action": update.action, "conflicts": len(update.conflicts)}
                for update in self.files
            ],
        }


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)
