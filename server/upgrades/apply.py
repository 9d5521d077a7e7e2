"""The disk applier: upgrade plans written behind the batch journal, then recorded in the database.

Each plan that upgrades something is staged as one group (its files and its
answer file's new text), each write expecting the text the plan was made from;
writes.py journals, writes and syncs them together. A plan whose group cannot
be staged or written is left as it was, answer file included, and comes back
failed; the others go on. (The editor applier, the other one, is in
server/features/upgrade_edits.py.)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

from server.common.errors import ScionError
from server.store import Store
from server.templates.secrets import redact, secret_values
from server.upgrades.outcome import FileUpgrade
from server.upgrades.writes import StagedWrites

UPGRADED_EVENT = "upgraded"


def apply_to_disk(plans: Sequence[FileUpgrade], workspace: Path) -> list[FileUpgrade]:
    """Write every plan that upgrades something; the outcomes, in order (the plan itself, or failed)."""
    outcomes = list(plans)
    staged = StagedWrites(workspace)
    index_of: dict[Hashable, int] = {}  # group (answer file) -> index
    try:
        for index, plan in enumerate(plans):
            if not plan.generations or plan.status == "failed":
                continue
            problem = _stage(plan, staged)
            if problem is None:
                index_of[plan.answer_file] = index
            else:
                outcomes[index] = FileUpgrade.failed(plan.answer_file, problem)
        failed = staged.commit()
    except BaseException:
        staged.discard()
        raise
    for group, error in failed.items():
        index = index_of[group]
        outcomes[index] = FileUpgrade.failed(plans[index].answer_file, f"cannot write: {error}")
    return outcomes


def _stage(plan: FileUpgrade, staged: StagedWrites) -> str | None:
    """Stage the plan's files and answer file as one group; why it cannot be, or None."""
    group = plan.answer_file
    try:
        for update in plan.writes:
            if update.new_text is None:
                staged.delete(update.path, group, expected=update.old_text)
            else:
                staged.write(update.path, update.new_text, group, expected=update.old_text)
        change = plan.answer_change
        if change is not None:
            staged.write(change.path, change.new_text, group, expected=change.old_text)
        return None
    except (ScionError, OSError) as error:
        staged.drop(group)
        return str(error)


def record_upgrades(store: Store | None, outcomes: Sequence[FileUpgrade]) -> None:
    """The applied upgrades in the database, in one transaction: a row per generation, and the
    new render (secrets redacted) as the next upgrade's base."""
    if store is None:
        return
    rows, events = [], []
    for outcome in outcomes:
        if outcome.status == "failed":
            continue
        for generation in outcome.generations:
            old, new = generation.old, generation.new
            rows.append((str(outcome.primary), old.template, old.version, new.version, generation.conflicts))
            if old.generation_id:
                data = {
                    "from": old.version,
                    "to": new.version,
                    "conflicts": generation.conflicts,
                    "sha256": new.sha256,
                    # Secrets redacted: the sha above then marks the text as not usable as a merge base.
                    "rendered_text": redact(
                        generation.rendered_text, secret_values(generation.template, generation.answers.answers)
                    ),
                }
                events.append((old.generation_id, UPGRADED_EVENT, data))
    if rows or events:
        store.record_upgrades(rows, events)
