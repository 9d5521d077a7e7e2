"""What upgrading one answer file's generations will do (or did): the values the CLI,
the server and the tests read. Nothing here renders or writes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from server.templates.answerfile import AnswerRecord
from server.templates.model import Template
from server.upgrades.answers import MigratedAnswers
from server.upgrades.conflicts import Conflict
from server.upgrades.planner import WRITING_ACTIONS, Action

Status = Literal["upgraded", "unchanged", "conflicted", "skipped", "failed"]
STATUSES: tuple[Status, ...] = ("upgraded", "unchanged", "conflicted", "skipped", "failed")


@dataclass
class FileUpdate:
    """One file's fate. Texts are whole files; None means the file does not exist."""

    path: Path
    action: Action
    old_text: str | None
    new_text: str | None
    conflicts: list[Conflict] = field(default_factory=list)
    two_way: bool = False

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


@dataclass
class GenerationUpgrade:
    """One recorded generation moved from `old.version` to `new.version`."""

    old: AnswerRecord
    new: AnswerRecord
    template: Template
    answers: MigratedAnswers
    conflicts: int = 0
    rendered_text: str = ""  # the new version's render of the primary file (or block)


@dataclass
class FileUpgrade:
    answer_file: Path
    primary: Path
    status: Status = "unchanged"
    message: str = ""
    generations: list[GenerationUpgrade] = field(default_factory=list)
    updates: dict[Path, FileUpdate] = field(default_factory=dict)
    # The answer file as prepare read it and as the upgrade leaves it (None: nothing to write),
    # so a batch writes it without reading and parsing it again.
    answer_change: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def conflicts(self) -> int:
        return sum(len(update.conflicts) for update in self.updates.values())

    @property
    def writes(self) -> list[FileUpdate]:
        return [update for update in self.updates.values() if update.writes]

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

    def as_json(self, root: Path | None = None) -> dict:
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
                for update in self.updates.values()
            ],
        }


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)
