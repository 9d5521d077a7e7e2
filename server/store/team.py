"""What the team hub taught this instance, kept locally so everything works offline.

- Team executions sit in `task_executions` beside this instance's own, with
  `origin` = the teammate's instance id: the evolution engine counts them,
  and they are never pushed back (the outbox only takes `origin IS NULL`).
- `hub_rates` and `hub_defaults` are replaced wholesale by every pull.
- `team_generations`: teammates' decided generations with their code (share
  level `code`), which template improvement reads beside this instance's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from server.store.core import Row, StoreCore, to_json
from server.store.stats import wilson_lower_bound, with_rate


class TeamMixin(StoreCore):
    def merge_team_executions(self, executions: Iterable[Mapping[str, Any]]) -> int:
        """Add (or update) teammates' executions; returns how many rows changed.

        Each is {origin, generation_id, task, kept, data: {features, answer, producer, at}}.
        """
        rows = [
            (
                e["task"],
                to_json(e["data"].get("features") or {}),
                to_json(e["data"].get("answer")),
                e["data"].get("producer", "user"),
                int(bool(e["kept"])),
                e["generation_id"],
                e["data"].get("at") or self.now(),
                e["origin"],
            )
            for e in executions
        ]
        if not rows:
            return 0
        with self._writing() as db:
            return db.conn.executemany(
                "INSERT INTO task_executions (task, features, answer, producer, kept, generation_id, at, origin)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (origin, generation_id, task) WHERE origin IS NOT NULL"
                " DO UPDATE SET kept = excluded.kept, answer = excluded.answer, features = excluded.features"
                " WHERE kept IS NOT excluded.kept OR answer IS NOT excluded.answer",
                rows,
            ).rowcount

    def replace_team_stats(self, rates: Iterable[Sequence[Any]], defaults: Iterable[Sequence[Any]]) -> None:
        """The team's success rates per version and its most kept answers, as just pulled."""
        with self._writing() as db:
            db.execute("DELETE FROM hub_rates")
            db.conn.executemany(
                "INSERT INTO hub_rates (template_id, version, accepted, rejected, instances) VALUES (?, ?, ?, ?, ?)",
                [tuple(rate) for rate in rates],
            )
            db.execute("DELETE FROM hub_defaults")
            db.conn.executemany(
                "INSERT INTO hub_defaults (template_id, question, value_json, kept, total) VALUES (?, ?, ?, ?, ?)",
                [tuple(default) for default in defaults],
            )

    def team_rates(self) -> list[Row]:
        """Per template version, as the team decided it: {template_id, version, accepted, rejected, decided, instances, rate}."""
        rows = self._rows(
            "SELECT template_id, version, accepted, rejected, accepted + rejected AS decided, instances"
            " FROM hub_rates ORDER BY template_id, version"
        )
        return [with_rate(row) for row in rows]

    def team_success_by_template(self) -> dict[str, tuple[float | None, int]]:
        """template id -> (team success rate, decided), all versions together."""
        rows = self._rows(
            "SELECT template_id, sum(accepted) AS accepted, sum(accepted + rejected) AS decided"
            " FROM hub_rates GROUP BY template_id"
        )
        return {
            row["template_id"]: (row["accepted"] / row["decided"] if row["decided"] else None, row["decided"])
            for row in rows
        }

    def team_default(self, template_id: str, question: str) -> tuple[Any, int, int, float] | None:
        """The answer the team kept most often: (value, kept, total, confidence), as `learned_default` gives it."""
        row = self._row(
            "SELECT value_json, kept, total FROM hub_defaults WHERE template_id = ? AND question = ?",
            (template_id, question),
        )
        if row is None:
            return None
        return json.loads(row["value_json"]), row["kept"], row["total"], wilson_lower_bound(row["kept"], row["total"])

    def team_execution_count(self) -> int:
        count: int = self._scalar("SELECT count(*) FROM task_executions WHERE origin IS NOT NULL")
        return count

    def merge_team_generations(self, generations: Iterable[Mapping[str, Any]]) -> int:
        """Add (or replace) teammates' decided generations with code; returns how many arrived.

        Each is {origin, data: the generation's payload at share level `code`}; others are skipped.
        """
        rows = [
            (
                g["origin"],
                d["id"],
                d["template_id"],
                d["template_version"],
                d["status"],
                d.get("file_path") or "",
                to_json(d.get("answers") or {}),
                d["rendered_text"],
                d.get("retained_text"),
                d.get("created_at") or self.now(),
            )
            for g in generations
            if (d := g["data"]).get("status") in ("accepted", "rejected") and isinstance(d.get("rendered_text"), str)
        ]
        if not rows:
            return 0
        with self._writing() as db:
            db.conn.executemany(
                "INSERT OR REPLACE INTO team_generations (origin, id, template_id, template_version, status,"
                " file_path, answers, rendered_text, retained_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def team_decided_generations(self, template_id: str, version: str) -> list[Row]:
        """Teammates' decided generations of one version, shaped like `decided_generations` rows."""
        rows = self._rows(
            "SELECT origin || ':' || id AS id, template_id, template_version, status, file_path, answers,"
            " rendered_text, retained_text, created_at FROM team_generations"
            " WHERE template_id = ? AND template_version = ? ORDER BY created_at",
            (template_id, version),
        )
        for row in rows:
            row["answers"] = json.loads(row["answers"])
        return rows

    def team_generation_totals(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(template id, version) -> (accepted, rejected) among the teammates' generations pulled with code."""
        rows = self._rows(
            "SELECT template_id, template_version, sum(status = 'accepted') AS accepted,"
            " sum(status = 'rejected') AS rejected FROM team_generations GROUP BY 1, 2"
        )
        return {(r["template_id"], r["template_version"]): (r["accepted"], r["rejected"]) for r in rows}
