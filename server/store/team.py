"""What the team hub taught this instance, kept locally so everything works offline.

- Team executions sit in `task_executions` beside this instance's own, with
  `origin` = the teammate's instance id: the evolution engine counts them,
  and they are never pushed back (the outbox only takes `origin IS NULL`).
- `hub_rates` and `hub_defaults` are replaced wholesale by every pull.
- `team_generations`: teammates' decided generations at the level each
  shared them (`shared`): trial arms count every level, answer verdicts
  `answers` and `code`, edit rates and the improvement's history `code` only.

A row that is this instance's own never counts twice: the hub leaves out
this instance's id, and a row whose generation is in the local
`generations` (pushed under an instance id this database had before) is
skipped when it arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from server.store.core import Row, StoreCore, to_json
from server.store.stats import _ANSWER_AS_JSON, answer_rates, wilson_lower_bound, with_rate

# Kept generations whose users changed the code (as kept_edit_totals counts them locally).
_EDITED = (
    "status = 'accepted' AND retained_text IS NOT NULL"
    " AND rtrim(retained_text, char(10)) IS NOT rtrim(rendered_text, char(10))"
)

# One row per (question, answer) of a decided generation, kept = 1 when the generation was
# accepted and no execution of that question says the answer was not kept (a settled answer
# the user corrected in the code is a rejection of that answer, whatever the generation's verdict).
_ANSWER_VERDICTS = f"""
SELECT answer.key AS question, {_ANSWER_AS_JSON} AS value_json,
       (g.status = 'accepted' AND NOT EXISTS (
           SELECT 1 FROM task_executions AS e
           WHERE e.origin IS {{origin}} AND e.generation_id = g.id
             AND e.task = g.template_id || ':' || answer.key AND e.kept = 0)) AS kept
FROM {{table}} AS g, json_each(g.answers) AS answer
WHERE g.template_id = ? AND g.template_version = ? AND g.status IN ('accepted', 'rejected'){{shared}}
"""


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
        rows = [row for row in rows if not self._is_local_generation(row[5])]
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
        """Add (or replace) teammates' decided generations; returns how many arrived.

        Each is {origin, data: the generation's payload at its share level}; undecided ones are skipped,
        and so are this instance's own (a generation the local table has).
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
                d["rendered_text"] if shared == "code" else "",
                d.get("retained_text") if shared == "code" else None,
                d.get("created_at") or self.now(),
                shared,
            )
            for g in generations
            if (d := g["data"]).get("status") in ("accepted", "rejected") and not self._is_local_generation(d["id"])
            for shared in [share_level_of(d)]
        ]
        if not rows:
            return 0
        with self._writing() as db:
            db.conn.executemany(
                "INSERT OR REPLACE INTO team_generations (origin, id, template_id, template_version, status,"
                " file_path, answers, rendered_text, retained_text, created_at, shared)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def _is_local_generation(self, generation_id: str | None) -> bool:
        return (
            generation_id is not None
            and self._row("SELECT 1 FROM generations WHERE id = ?", (generation_id,)) is not None
        )

    def prune_team_generations(self, before: str, keep_per_version: int) -> int:
        """Forget teammates' generations created before `before`, and all but the newest `keep_per_version`
        of each version: the local copy of the team's evidence stays bounded. Returns how many went."""
        with self._writing() as db:
            old = db.execute("DELETE FROM team_generations WHERE created_at < ?", (before,)).rowcount
            over = db.execute(
                "DELETE FROM team_generations WHERE (origin, id) IN (SELECT origin, id FROM ("
                " SELECT origin, id, row_number() OVER (PARTITION BY template_id, template_version"
                " ORDER BY created_at DESC) AS newest FROM team_generations) WHERE newest > ?)",
                (keep_per_version,),
            ).rowcount
        return int(old) + int(over)

    def team_decided_generations(self, template_id: str, version: str) -> list[Row]:
        """Teammates' decided generations of one version, shaped like `decided_generations` rows."""
        rows = self._rows(
            "SELECT origin || ':' || id AS id, template_id, template_version, status, file_path, answers,"
            " rendered_text, retained_text, created_at FROM team_generations"
            " WHERE template_id = ? AND template_version = ? AND shared = 'code' ORDER BY created_at",
            (template_id, version),
        )
        for row in rows:
            row["answers"] = json.loads(row["answers"])
        return rows

    def team_generation_totals(self) -> dict[tuple[str, str], tuple[int, int, int]]:
        """(template id, version) -> (accepted, rejected, edited) among the teammates' generations pulled with
        their code (`edited`: accepted, and the kept code differs from the render)."""
        rows = self._rows(
            "SELECT template_id, template_version, sum(status = 'accepted') AS accepted,"
            f" sum(status = 'rejected') AS rejected, sum({_EDITED}) AS edited"
            " FROM team_generations WHERE shared = 'code' GROUP BY 1, 2"
        )
        return {
            (r["template_id"], r["template_version"]): (r["accepted"], r["rejected"], r["edited"] or 0) for r in rows
        }

    def team_arm_counts(self, template_id: str, version: str, since: str) -> tuple[int, int]:
        """(accepted, decided) of teammates' generations of one version created at or after `since` (every
        share level carries the verdict)."""
        row = self._totals(
            "SELECT sum(status = 'accepted') AS accepted, count(*) AS decided FROM team_generations"
            " WHERE template_id = ? AND template_version = ? AND created_at >= ?",
            (template_id, version, since),
        )
        return int(row["accepted"] or 0), int(row["decided"] or 0)

    def answer_verdicts(self, template_id: str, version: str) -> list[Row]:
        """Per (question, answer value), this instance's and the teammates' decided generations (those shared
        with their answers): {question, value, decided, accepted, rate}, most decided first.

        An answer counts as rejected when its generation was rejected, or when the user corrected it in
        the code (its execution was not kept): that is what links an answer to rejections.
        """
        local = _ANSWER_VERDICTS.format(origin="NULL", table="generations", shared="")
        team = _ANSWER_VERDICTS.format(
            origin="g.origin", table="team_generations", shared=" AND g.shared IN ('answers', 'code')"
        )
        rows = self._rows(
            f"SELECT question, value_json, count(*) AS decided, sum(kept) AS accepted FROM ({local} UNION ALL {team})"
            " GROUP BY question, value_json ORDER BY question, decided DESC, value_json",
            (template_id, version, template_id, version),
        )
        return answer_rates(rows)


def share_level_of(payload: Mapping[str, Any]) -> str:
    """The share level a generation payload was pushed at (server/store/outbox.py decides what each holds)."""
    if isinstance(payload.get("rendered_text"), str):
        return "code"
    return "answers" if "answers" in payload else "stats"
