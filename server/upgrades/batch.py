"""Upgrading many generated files at once (`scion upgrade --all`, `scion.upgradeAll`).

Two steps, each a value in and a value out: `plan_batch` rolls back an
interrupted batch and plans every file (writing nothing: a dry run stops
here); `apply_batch` writes the plans to the disk behind the journal and
records them. The server applies the plans of files open in the editor as a
WorkspaceEdit instead (see server/features/upgrade_batch.py).

One file's failure never stops the others: it is counted and reported with
its reason, and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from server.common.confine import checked_folders
from server.common.cpu_sample import CpuSample
from server.common.errors import ScionError
from server.templates.answerfile import answer_file_of
from server.upgrades.apply import apply_to_disk, record_upgrades
from server.upgrades.discovery import generated_files, resolved_paths
from server.upgrades.outcome import STATUSES, FileUpgrade
from server.upgrades.parallel import plan_each
from server.upgrades.service import Upgrader
from server.upgrades.writes import recover

__all__ = [
    "BatchCancelled",
    "BatchResult",
    "Progress",
    "apply_batch",
    "generated_files",
    "plan_batch",
    "resolved_paths",
    "upgrade_many",
]


class BatchCancelled(ScionError):
    """Raised by a progress callback to stop a batch before anything is written."""


# Called after each file is planned with (files done, files in all, that file's plan).
# It may raise (BatchCancelled) to stop the batch: nothing is written then.
Progress = Callable[[int, int, FileUpgrade], None]


@dataclass(frozen=True)
class BatchResult:
    files: tuple[FileUpgrade, ...] = ()
    # Files an earlier, interrupted batch had changed, put back before this one began.
    rolled_back: tuple[Path, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for upgrade in self.files if upgrade.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUSES}

    @property
    def exit_code(self) -> int:
        """0 clean, 1 conflicts remain or some file failed (findings: usage errors are the CLI's 2)."""
        return 1 if self.count("failed") or self.count("conflicted") else 0


def plan_batch(
    upgrader: Upgrader,
    paths: Iterable[Path],
    to_version: str | None = None,
    *,
    progress: Progress | None = None,
    workers: int | CpuSample = 1,
) -> BatchResult:
    """Each file's plan (a generated file or its answer file; each answer file once), in order; nothing written.

    An earlier batch that was interrupted is rolled back first, so that even a
    dry run's diffs start from the files as the user had them. `workers` > 1
    plans in that many processes where that is safe; a CpuSample lets the
    cores' sample decide (see parallel.py).
    """
    rolled_back = tuple(recover(upgrader.workspace))
    unique = list(dict.fromkeys(answer_file_of(path) for path in resolved_paths(paths)))
    plans = []
    with checked_folders():
        for done, plan in enumerate(plan_each(upgrader, unique, to_version, workers), 1):
            plans.append(plan)
            if progress is not None:
                progress(done, len(unique), plan)
    return BatchResult(tuple(plans), rolled_back)


def apply_batch(upgrader: Upgrader, batch: BatchResult) -> BatchResult:
    """Write the batch's plans to the disk and record what was written; the outcomes."""
    with checked_folders():  # afresh: the writes check again what planning checked
        outcomes = apply_to_disk(batch.files, upgrader.workspace)
    record_upgrades(upgrader.store, [outcome for outcome in outcomes if outcome.generations])
    return replace(batch, files=tuple(outcomes))


def upgrade_many(
    upgrader: Upgrader,
    paths: Iterable[Path],
    to_version: str | None = None,
    *,
    progress: Progress | None = None,
    workers: int | CpuSample = 1,
) -> BatchResult:
    """Plan every file, then apply the plans to the disk."""
    return apply_batch(upgrader, plan_batch(upgrader, paths, to_version, progress=progress, workers=workers))
