"""Learned tasks: executions of each (template, question) inference, stages, and learned programs.

A task is named "<template_id>:<question>". Every answer the server infers or
asks for is an execution; whether it was kept is filled in once the generation
is decided. The evolution engine reads these to promote tasks and synthesise
programs, and records every decision here so it can be explained and undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.store.core import Row, StoreCore, decode, inserted_id, to_json
from server.store.schema import LLM_ONLY, PRODUCERS, STAGES

_KEPT_COUNTS = """
    count(*) AS executions,
    count(kept) AS known,
    coalesce(sum(kept), 0) AS kept,
    sum(producer = 'code') AS code_executions,
    count(CASE WHEN producer = 'code' THEN kept END) AS code_known,
    coalesce(sum(CASE WHEN producer = 'code' THEN kept END), 0) AS code_kept
"""


def task_name(template_id: str, question: str) -> str:
    return f"{template_id}:{question}"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class LearningMixin(StoreCore):
    def record_execution(
        self,
        task: str,
        features: Mapping[str, Any],
        answer: Any,
        producer: str,
        *,
        program_version: int | None = None,
        confidence: float | None = None,
        kept: bool | None = None,
        generation_id: str | None = None,
        at: datetime | str | None = None,
    ) -> int:
        """Record one answer to a task and who produced it; returns the execution id.

        `producer` is one of user, llm, code, default, context, learned_default;
        `kept` stays None until the generation is decided (see mark_execution_kept).
        """
        if producer not in PRODUCERS:
            raise ValueError(f"unknown producer {producer!r}; one of {', '.join(PRODUCERS)}")
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO task_executions (task, features, answer, producer, program_version,"
                " confidence, kept, generation_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    task,
                    to_json(dict(features)),
                    to_json(answer),
                    producer,
                    program_version,
                    confidence,
                    None if kept is None else int(kept),
                    generation_id,
                    self.now(at),
                ),
            )
            return inserted_id(cursor)

    def mark_execution_kept(self, generation_id: str, task: str | None, kept: bool) -> int:
        """Set whether the executions of a generation were kept (all its tasks when `task` is None).

        Returns how many executions were marked.
        """
        task_clause = "" if task is None else " AND task = ?"
        params = (int(kept), generation_id) if task is None else (int(kept), generation_id, task)
        with self._writing() as db:
            return db.execute(
                f"UPDATE task_executions SET kept = ? WHERE generation_id = ?{task_clause}", params
            ).rowcount

    def executions(self, task: str, limit: int | None = None, *, kept: bool | None = None) -> list[Row]:
        """Executions of a task, oldest first; with `limit`, only the most recent ones.

        `kept=True` gives the examples to learn from, `kept=False` the counter-examples.
        """
        kept_clause = "" if kept is None else " AND kept = ?"
        params: tuple[Any, ...] = (task,) if kept is None else (task, int(kept))
        rows = self._rows(
            f"SELECT * FROM task_executions WHERE task = ?{kept_clause} ORDER BY id DESC LIMIT ?",
            (*params, -1 if limit is None else limit),
        )
        rows.reverse()
        return [decode(row, ("features", "answer"), ("kept",)) for row in rows]

    def tasks(self) -> list[str]:
        """Every task with at least one execution or a stage, sorted."""
        rows = self._rows("SELECT task FROM tasks UNION SELECT DISTINCT task FROM task_executions ORDER BY task")
        return [row["task"] for row in rows]

    def task_stats(self, task: str, window: int | None = None) -> Row:
        """Counts behind stage decisions, over all executions or the last `window` of them.

        {task, stage, executions, known, kept, kept_rate, code_executions, code_kept, code_kept_rate};
        rates are over executions whose outcome is known, None when there is none.
        """
        row = self._totals(
            f"SELECT {_KEPT_COUNTS} FROM (SELECT producer, kept FROM task_executions"
            " WHERE task = ? ORDER BY id DESC LIMIT ?)",
            (task, -1 if window is None else window),
        )
        counts = {key: value or 0 for key, value in row.items()}
        return {
            "task": task,
            "stage": self.get_stage(task),
            "executions": counts["executions"],
            "known": counts["known"],
            "kept": counts["kept"],
            "kept_rate": _share(counts["kept"], counts["known"]),
            "code_executions": counts["code_executions"],
            "code_kept": counts["code_kept"],
            "code_kept_rate": _share(counts["code_kept"], counts["code_known"]),
        }

    def get_stage(self, task: str) -> str:
        """The task's stage; a task never staged is in the first one (llm_only)."""
        stage = self._scalar("SELECT stage FROM tasks WHERE task = ?", (task,))
        return stage or LLM_ONLY

    def set_stage(self, task: str, stage: str, reason: str, *, at: datetime | str | None = None) -> bool:
        """Move the task to `stage`, recording the transition and why; False when already there."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
        with self._writing() as db:
            row = db.execute("SELECT stage FROM tasks WHERE task = ?", (task,)).fetchone()
            current = row[0] if row else LLM_ONLY
            if current == stage:
                return False
            db.execute(
                "INSERT INTO tasks (task, stage) VALUES (?, ?) ON CONFLICT (task) DO UPDATE SET stage = excluded.stage",
                (task, stage),
            )
            db.execute(
                "INSERT INTO stage_transitions (task, from_stage, to_stage, reason, at) VALUES (?, ?, ?, ?, ?)",
                (task, current, stage, reason, self.now(at)),
            )
            return True

    def transitions(self, task: str | None = None) -> list[Row]:
        """Stage transitions {task, from_stage, to_stage, reason, at}, oldest first (of one task or all)."""
        if task is None:
            return self._rows("SELECT * FROM stage_transitions ORDER BY id")
        return self._rows("SELECT * FROM stage_transitions WHERE task = ? ORDER BY id", (task,))

    def save_program(
        self,
        task: str,
        source: str,
        provenance: Mapping[str, Any],
        accuracy: float | None,
        *,
        activate: bool = True,
        at: datetime | str | None = None,
    ) -> int:
        """Store a new version of the task's program (1, 2, ...) and return it.

        With `activate` (the default) it becomes the only active version.
        """
        with self._writing() as db:
            version: int = db.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM learned_programs WHERE task = ?", (task,)
            ).fetchone()[0]
            if activate:
                db.execute("UPDATE learned_programs SET active = 0 WHERE task = ?", (task,))
            db.execute(
                "INSERT INTO learned_programs (task, version, source, provenance, held_out_accuracy,"
                " created_at, active) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (task, version, source, to_json(dict(provenance)), accuracy, self.now(at), int(activate)),
            )
            return version

    def activate_program(self, task: str, version: int | None) -> None:
        """Make `version` the task's only active program (a rollback), or none when `version` is None."""
        with self._writing() as db:
            if (
                version is not None
                and db.execute(
                    "SELECT 1 FROM learned_programs WHERE task = ? AND version = ?", (task, version)
                ).fetchone()
                is None
            ):
                raise KeyError(f"task {task!r} has no program version {version}")
            db.execute("UPDATE learned_programs SET active = (version IS ?) WHERE task = ?", (version, task))

    def set_program_provenance(self, task: str, version: int, provenance: Mapping[str, Any]) -> None:
        """Replace a program version's provenance (a rollback records itself there); its source never changes."""
        with self._writing() as db:
            changed = db.execute(
                "UPDATE learned_programs SET provenance = ? WHERE task = ? AND version = ?",
                (to_json(dict(provenance)), task, version),
            ).rowcount
            if not changed:
                raise KeyError(f"task {task!r} has no program version {version}")

    def code_answers_by_version(self, task: str) -> dict[int, Row]:
        """The answers each program version gave: {version: {answered, kept, rejected}} (undecided ones count
        as answered only)."""
        rows = self._rows(
            "SELECT program_version AS version, count(*) AS answered, coalesce(sum(kept = 1), 0) AS kept,"
            " coalesce(sum(kept = 0), 0) AS rejected FROM task_executions"
            " WHERE task = ? AND producer = 'code' AND program_version IS NOT NULL GROUP BY program_version",
            (task,),
        )
        return {row["version"]: row for row in rows}

    def last_execution_id(self, task: str) -> int:
        """The id of the task's newest execution, 0 when it has none."""
        return int(self._scalar("SELECT coalesce(max(id), 0) FROM task_executions WHERE task = ?", (task,)))

    def active_program(self, task: str) -> Row | None:
        """{task, version, source, provenance, held_out_accuracy, created_at, active} or None."""
        row = self._row("SELECT * FROM learned_programs WHERE task = ? AND active = 1", (task,))
        return decode(row, ("provenance",), ("active",))

    def programs(self, task: str | None = None) -> list[Row]:
        """Every saved program version (of one task or all), oldest first."""
        if task is None:
            rows = self._rows("SELECT * FROM learned_programs ORDER BY task, version")
        else:
            rows = self._rows("SELECT * FROM learned_programs WHERE task = ? ORDER BY version", (task,))
        return [decode(row, ("provenance",), ("active",)) for row in rows]
