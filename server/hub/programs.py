"""Learned programs across a team: published once under an advisory lock, adopted by each instance after its own checks.

Publishing: after a sync pushed this instance's evidence, every task whose
active program is past the first stage and not yet on the hub is offered.
The instance that gets the task's advisory lock (`pg_try_advisory_xact_lock`)
decides: it publishes a new immutable version unless the hub's newest one
already has this source at this stage or later; an instance that finds the
lock taken leaves the decision to its holder and pulls the result.

Adopting: a program from the hub is a stranger's code. It is checked as a
pattern-library import is (server/evolution/programs.py `validate_entry`:
digest, sandbox rules, its DSL, its examples run in this instance's sandbox,
and this workspace's kept answers), saved as a new local version with its
provenance, and only then answers; the task moves up to the published stage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.evolution.programs import library_entry, source_digest, validate_entry, write_program_file
from server.store.schema import LLM_ONLY, STAGES

if TYPE_CHECKING:
    from server.hub.client import HubClient
    from server.store import Store

log = logging.getLogger("scion.hub")

PUBLISHED = "published:"  # hub_state key prefix: the sha last published or adopted, per task
ADOPTED = "adopted:"  # hub_state key prefix: the hub version last considered, per task
PROGRAMS_CURSOR = "programs_cursor"


@dataclass
class ProgramExchange:
    published: list[str] = field(default_factory=list)  # tasks
    adopted: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {task, reason}


def publish_programs(client: HubClient, store: Store) -> list[str]:
    """Offer every promoted program the hub has not seen from us; returns the tasks published."""
    published = []
    for task in store.tasks():
        stage = store.get_stage(task)
        entry = library_entry(store, task) if stage != LLM_ONLY else None
        if entry is None or store.hub_state(PUBLISHED + task) == entry["sha256"]:
            continue
        outcome = client.publish_program(entry, stage)
        if outcome == "busy":
            continue  # another instance holds the task's lock: its decision arrives by the next pull
        if outcome == "published":
            published.append(task)
        store.set_hub_state(PUBLISHED + task, entry["sha256"])
    return published


def adopt_programs(
    client: HubClient, store: Store, workspace: Path | None, min_accuracy: float, exchange: ProgramExchange
) -> None:
    """Check and take the teammates' programs published since the last pull."""
    cursor = int(store.hub_state(PROGRAMS_CURSOR) or 0)
    for row in client.pull_programs(cursor):
        cursor = max(cursor, row["seq"])
        task, version = row["task"], row["version"]
        if version <= int(store.hub_state(ADOPTED + task) or 0):
            continue
        store.set_hub_state(ADOPTED + task, str(version))
        if row["instance_id"] == client.instance_id:
            continue
        problem = _adopt(store, workspace, row, min_accuracy)
        if problem is None:
            exchange.adopted.append(task)
        else:
            log.warning("program for %s from the hub (v%s) not used: %s", task, version, problem)
            exchange.rejected.append({"task": task, "reason": problem})
    store.set_hub_state(PROGRAMS_CURSOR, str(cursor))


def _adopt(store: Store, workspace: Path | None, row: dict[str, Any], min_accuracy: float) -> str | None:
    task, entry = row["task"], row["entry"]
    active = store.active_program(task)
    if active is None or source_digest(active["source"]) != entry.get("sha256"):
        problem = validate_entry(entry, store.executions(task, limit=200, kept=True), min_accuracy)
        if problem is not None:
            return problem
        provenance = {
            **(entry.get("provenance") or {}),
            "hub": {"version": row["version"], "published_by": row["instance_id"], "stage": row["stage"]},
        }
        local = store.save_program(task, entry["source"], provenance, entry.get("held_out_accuracy"))
        write_program_file(workspace, task, local, entry["source"])
    store.set_hub_state(PUBLISHED + task, str(entry.get("sha256")))
    stage = row["stage"]
    if stage in STAGES and STAGES.index(stage) > STAGES.index(store.get_stage(task)):
        store.set_stage(
            task, stage, f"promoted by the team: hub version {row['version']} from instance {row['instance_id']}"
        )
    return None
