"""Learned program versions: the evidence behind each one, and rolling a task back to an earlier one.

Versions are never deleted or edited (the source of each stays as it was
saved); what each one learned from and how its answers fared stays readable:
its provenance (origin, examples, held-out accuracy, the change point after
drift) and the answers it gave, kept and rejected.

A rollback makes an earlier version active again and records itself in that
version's provenance (`rolled_back`: when, from which version, and the last
execution at that moment). The answers between that version's training and
the rollback are then set aside for it: they are what the abandoned version
learned from, so they neither refute it (which would re-learn the abandoned
program at once) nor count for its stage. New answers judge it as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from server.common.errors import ScionError

if TYPE_CHECKING:
    from server.store import Store


class RollbackError(ScionError):
    """A rollback that cannot be done (no such task or version, nothing older)."""


@dataclass(frozen=True)
class VersionEvidence:
    version: int
    active: bool
    created_at: str
    origin: str
    program: str
    examples: int | None
    held_out_accuracy: float | None
    convention_from: int | None
    answered: int
    kept: int
    rejected: int
    rolled_back: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "active": self.active,
            "createdAt": self.created_at,
            "origin": self.origin,
            "program": self.program,
            "examples": self.examples,
            "heldOutAccuracy": self.held_out_accuracy,
            "conventionFrom": self.convention_from,
            "codeAnswers": self.answered,
            "kept": self.kept,
            "rejected": self.rejected,
            "rolledBack": self.rolled_back,
        }


def version_evidence(store: Store, task: str) -> list[VersionEvidence]:
    """Every version of a task's program, oldest first, with its evidence."""
    answers = store.code_answers_by_version(task)
    found = []
    for row in store.programs(task):
        provenance = row.get("provenance") or {}
        counts = answers.get(row["version"]) or {}
        found.append(
            VersionEvidence(
                version=row["version"],
                active=bool(row["active"]),
                created_at=row["created_at"],
                origin=provenance.get("origin", "synthesis"),
                program=provenance.get("program") or "",
                examples=provenance.get("examples"),
                held_out_accuracy=row["held_out_accuracy"],
                convention_from=provenance.get("convention_from"),
                answered=counts.get("answered", 0),
                kept=counts.get("kept", 0),
                rejected=counts.get("rejected", 0),
                rolled_back=provenance.get("rolled_back"),
            )
        )
    if not found:
        raise RollbackError(f"task {task!r} has no learned program (see `scion evolve status` for the tasks)")
    return found


def rollback_program(store: Store, task: str, to_version: int | None = None) -> tuple[int, int]:
    """Make an earlier version of the task's program active; (from version, to version).

    Without `to_version`, the newest version older than the active one.
    """
    versions = version_evidence(store, task)
    active = next((v for v in versions if v.active), None)
    if active is None:
        raise RollbackError(f"task {task!r} has no active program to roll back")
    if to_version is None:
        older = [v for v in versions if v.version < active.version]
        if not older:
            raise RollbackError(f"task {task!r} has no version older than the active v{active.version}")
        to_version = older[-1].version
    if to_version == active.version:
        raise RollbackError(f"v{to_version} of {task!r} is already the active version")
    target = next((row for row in store.programs(task) if row["version"] == to_version), None)
    if target is None:
        listed = ", ".join(f"v{v.version}" for v in versions)
        raise RollbackError(f"task {task!r} has no program v{to_version} (versions: {listed})")
    provenance = dict(target.get("provenance") or {})
    provenance["rolled_back"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "from_version": active.version,
        "through_execution": store.last_execution_id(task),
    }
    store.set_program_provenance(task, to_version, provenance)
    store.activate_program(task, to_version)
    return active.version, to_version


def set_aside(provenance: dict[str, Any] | None) -> tuple[int, int] | None:
    """The execution ids (after, through] a rollback set aside for this version, or None."""
    provenance = provenance or {}
    rolled_back = provenance.get("rolled_back")
    if not isinstance(rolled_back, dict):
        return None
    return int(provenance.get("trained_through") or 0), int(rolled_back.get("through_execution") or 0)


def judged_after(provenance: dict[str, Any] | None) -> int:
    """Answers after this execution id judge the version: its training, or its rollback when later."""
    provenance = provenance or {}
    aside = set_aside(provenance)
    return max(int(provenance.get("trained_through") or 0), aside[1] if aside else 0)
