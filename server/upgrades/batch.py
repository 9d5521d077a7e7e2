"""Upgrading many generated files at once (`scion upgrade --all`, `scion.upgradeAll`).

One file's failure never stops the others: it is counted and reported with
its reason, and the batch goes on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from server.errors import ScionError
from server.upgrades.outcome import STATUSES, FileUpgrade
from server.upgrades.parallel import prepare_all
from server.upgrades.records import answer_file_of, find_answer_files, primary_file
from server.upgrades.service import Upgrader
from server.upgrades.writes import StagedWrites, recover


class BatchCancelled(ScionError):
    """Raised by a progress callback to stop a batch before anything is written."""


# Called after each file with (files done, files in all, that file's upgrade).
# It may raise (BatchCancelled) to stop the batch: nothing is written then.
Progress = Callable[[int, int, FileUpgrade], None]


@dataclass
class BatchResult:
    files: list[FileUpgrade] = field(default_factory=list)
    # Files an earlier, interrupted batch had changed, put back before this one began.
    rolled_back: list[Path] = field(default_factory=list)
    # Indexes in `files` of upgrades left for the editor to apply (see upgrade_many's `in_editor`).
    in_editor: list[int] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for upgrade in self.files if upgrade.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUSES}

    @property
    def exit_code(self) -> int:
        """0 clean, 1 conflicts remain, 2 some file failed."""
        if self.count("failed"):
            return 2
        return 1 if self.count("conflicted") else 0


def generated_files(root: Path) -> list[Path]:
    """The primary file of every answer file below `root`."""
    return [primary_file(answer_file) for answer_file in find_answer_files(root)]


def upgrade_many(
    upgrader: Upgrader,
    paths: Iterable[Path],
    to_version: str | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    workers: int = 1,
    in_editor: Callable[[FileUpgrade], bool] | None = None,
) -> BatchResult:
    """Upgrade each file (a generated file or its answer file), in order.

    Files and answer files are staged and written together behind a rollback
    journal (see writes.py); the database records the upgrades once they are
    on disk. A file whose new text could not be staged or written is left as
    it was, with its answer file, and reported failed (progress has already
    seen it prepared). An earlier batch that was interrupted is rolled back
    first. `workers` > 1 prepares in that many processes where that is safe
    (see parallel.py; default_workers() picks a number). Upgrades for which
    `in_editor` is true (files open in an editor) are prepared but neither
    written nor recorded: their indexes are in `result.in_editor`.
    """
    # Even before a dry run: its diffs must start from the files as the user had them.
    result = BatchResult(rolled_back=recover(upgrader.workspace))
    unique = list(dict.fromkeys(answer_file_of(path) for path in resolved_paths(paths)))
    staged = StagedWrites(upgrader.workspace)
    written: dict[Path, int] = {}  # answer file -> index in result.files
    try:
        for done, upgrade in enumerate(prepare_all(upgrader, unique, to_version, workers), 1):
            if dry_run or not upgrade.generations or upgrade.status == "failed":
                pass
            elif in_editor is not None and in_editor(upgrade):
                result.in_editor.append(len(result.files))
            elif (problem := _stage(upgrader, upgrade, staged)) is None:
                written[upgrade.answer_file] = len(result.files)
            else:
                upgrade = FileUpgrade(upgrade.answer_file, upgrade.primary, "failed", problem)
            result.files.append(upgrade)
            if progress is not None:
                progress(done, len(unique), upgrade)
        failed = staged.commit()
    except BaseException:
        staged.discard()
        raise
    for answer_file, error in failed.items():
        index = written.pop(answer_file)
        result.files[index] = FileUpgrade(answer_file, primary_file(answer_file), "failed", f"cannot write: {error}")
    upgrader.record_many([result.files[index] for index in written.values()])
    return result


def _stage(upgrader: Upgrader, upgrade: FileUpgrade, staged: StagedWrites) -> str | None:
    """Stage the upgrade's files and answer file; why it cannot be, or None."""
    try:
        upgrader.write_files(upgrade, staged)
        upgrader.write_answer_file(upgrade, staged, reread=False)
        return None
    except (ScionError, OSError) as error:
        staged.drop(upgrade.answer_file)
        return str(error)


def resolved_paths(paths: Iterable[Path]) -> list[Path]:
    """Each path as Path.resolve() gives it; a folder many paths share is resolved once."""
    folders: dict[str, str] = {}
    resolved: list[Path] = []
    for path in paths:
        text = os.fspath(path)
        if not os.path.isabs(text):
            text = os.path.join(os.getcwd(), text)
        folder, name = os.path.split(text)
        if name in ("", ".", ".."):
            resolved.append(Path(os.path.realpath(text)))
            continue
        real_folder = folders.get(folder)
        if real_folder is None:
            real_folder = folders[folder] = os.path.realpath(folder)
        full = os.path.join(real_folder, name)
        try:
            is_link = stat.S_ISLNK(os.lstat(full).st_mode)
        except FileNotFoundError:
            is_link = False  # resolve() keeps a missing last component as it is
        except OSError:
            is_link = True
        resolved.append(Path(os.path.realpath(full) if is_link else full))
    return resolved
