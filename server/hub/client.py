"""One instance's conversation with the hub: join, push outbox batches, pull what the team learned.

Pushes are idempotent: a row is keyed by (instance, generation[, task]) and
carries the outbox id it was written under as its revision, so the same
batch pushed twice is stored once, and an older state pushed after a newer
one changes nothing. Every statement runs under the caller's login, so
row-level security decides what it may write and read (server/hub/schema.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.common.errors import HubError
from server.hub.admin import schema_version
from server.hub.connection import connect, translated
from server.hub.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import psycopg

# Rows pulled again below the cursor: sequence values commit out of order under
# concurrent pushes, so a row may appear below a cursor already passed. The
# local side ignores what it already has.
PULL_OVERLAP = 1000
PULL_LIMIT = 5000  # rows per page
GENERATIONS_OVERLAP = "10 seconds"  # generations are pulled by push time: commits land out of order
# Bounds of what one sync pulls (docs/hub.md has the numbers at 10,000 members): nothing pushed longer
# ago than the window, and at most this many rows per sync. When more are waiting (the first sync of a
# new member, one back after a long time offline), the newest are taken and the older ones skipped.
GENERATIONS_WINDOW = "30 days"
MAX_ROWS_PER_SYNC = 10_000

# A position in the teammates' generations: (push time ISO, instance id, generation id).
Keyset = tuple[str, str, str]

# One statement per batch, and the batch is one parameter: the outbox's JSON array as SQLite
# made it (store/outbox.py), taken apart by PostgreSQL. A row at a time costs a round of parse,
# plan and execute each (half the ingest rate); arrays of columns built in Python cost the
# sync's thread a JSON decode and encode per entry, and psycopg's text array quoting ran a
# regular expression per double quote of every payload (80% of a push's client time). Now the
# client's work per batch does not grow with the batch (bench/hub_ingest.py, hub_codeaction.py).
# One parse of the array serves both tables (a data-modifying WITH runs exactly once). A
# statement may touch a row once: DISTINCT ON keeps the newest state of each key.
_UPSERT = """
WITH batch AS MATERIALIZED (
    SELECT e ->> 'kind' AS kind, (e ->> 'id')::bigint AS revision, e -> 'payload' AS p
    FROM jsonb_array_elements(%(entries)s::jsonb) AS e
), generation_rows AS (
    INSERT INTO scion_hub.generations
        (team, instance_id, generation_id, revision, template_id, template_version, status, data)
    SELECT DISTINCT ON (p ->> 'id') %(team)s::text, %(instance)s::text, p ->> 'id', revision,
           p ->> 'template_id', p ->> 'template_version', p ->> 'status', p
    FROM batch WHERE kind = 'generation'
    ORDER BY p ->> 'id', revision DESC
    ON CONFLICT (instance_id, generation_id) DO UPDATE SET
        revision = excluded.revision, template_id = excluded.template_id,
        template_version = excluded.template_version, status = excluded.status,
        data = excluded.data, pushed_at = now()
    WHERE scion_hub.generations.revision < excluded.revision
)
INSERT INTO scion_hub.executions (team, instance_id, generation_id, task, revision, kept, data)
SELECT DISTINCT ON (p ->> 'generation_id', p ->> 'task') %(team)s::text, %(instance)s::text,
       p ->> 'generation_id', p ->> 'task', revision, (p ->> 'kept')::boolean, p
FROM batch WHERE kind = 'execution'
ORDER BY p ->> 'generation_id', p ->> 'task', revision DESC
ON CONFLICT (instance_id, generation_id, task) DO UPDATE SET
    revision = excluded.revision, kept = excluded.kept, data = excluded.data,
    seq = nextval('scion_hub.executions_seq_seq')
WHERE scion_hub.executions.revision < excluded.revision
"""

_TEAM_RATES = """
SELECT template_id, template_version,
       count(*) FILTER (WHERE status = 'accepted') AS accepted,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(DISTINCT instance_id) AS instances
FROM scion_hub.generations
WHERE team = (SELECT scion_hub.my_team()) AND pushed_at > now() - %(window)s::interval
  AND status IN ('accepted', 'rejected')
GROUP BY template_id, template_version
"""

# The answer the team kept most often per (template, question); ties go to the most recent.
_TEAM_DEFAULTS = """
SELECT template_id, question, value_json, kept, total FROM (
    SELECT template_id, answer.key AS question, answer.value::text AS value_json, count(*) AS kept,
           (sum(count(*)) OVER (PARTITION BY template_id, answer.key))::bigint AS total,
           row_number() OVER (PARTITION BY template_id, answer.key
                              ORDER BY count(*) DESC, max(pushed_at) DESC) AS rank
    FROM scion_hub.generations, jsonb_each(data -> 'answers') AS answer
    WHERE team = (SELECT scion_hub.my_team()) AND pushed_at > now() - %(window)s::interval AND status = 'accepted'
    GROUP BY template_id, answer.key, answer.value::text
) AS ranked WHERE rank = 1
"""


@dataclass
class Pulled:
    """What the team learned, as of one pull."""

    rates: list[tuple[str, str, int, int, int]] = field(default_factory=list)
    defaults: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    executions: list[dict[str, Any]] = field(default_factory=list)
    cursor: int = 0
    last: int = 0  # the sequence value of the page's last execution (0: none)


class HubClient:
    """A connection to the hub as one instance; `join()` first."""

    def __init__(self, url: str, instance_id: str) -> None:
        self.url = url
        self.instance_id = instance_id
        self.team = ""
        self.conn: psycopg.Connection[Any] = connect(url)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def join(self) -> str:
        """Check the schema, find this login's team, and claim (or touch) this instance id; returns the team."""
        with translated(self.url), self.conn.transaction():
            version = schema_version(self.conn)
            if version != SCHEMA_VERSION:
                raise HubError(
                    f"the hub has schema version {version}, this Scion needs {SCHEMA_VERSION}: "
                    "run `scion hub init URL` with an administrator's URL"
                    if version < SCHEMA_VERSION
                    else f"the hub has schema version {version}, made by a newer Scion: upgrade Scion"
                )
            row = self.conn.execute("SELECT scion_hub.my_team()").fetchone()
            if row is None or row[0] is None:
                raise HubError("this login is not a member of any team on the hub; run `scion hub add-member NAME`")
            self.team = str(row[0])
            self.conn.execute(
                "INSERT INTO scion_hub.instances (instance_id, team) VALUES (%s, %s)"
                " ON CONFLICT (instance_id) DO UPDATE SET last_seen = now()",
                (self.instance_id, self.team),
            )
        return self.team

    def push(self, entries: Sequence[dict[str, Any]]) -> list[int]:
        """Store outbox entries {id, kind, key, payload} given as objects; returns the ids stored."""
        self.push_json(json.dumps(list(entries), ensure_ascii=False, default=str))
        return [entry["id"] for entry in entries]

    def push_json(self, entries_json: str) -> None:
        """Store outbox entries given as the JSON array text `[{id, kind, key, payload}, ...]`, in one transaction.

        Kinds other than generations and executions are left out; of several
        states of one row, the newest (largest id) is stored.
        """
        params = {"entries": entries_json, "team": self.team, "instance": self.instance_id}
        with translated(self.url), self.conn.transaction():
            self.conn.execute(_UPSERT, params)

    def executions_start(self, cursor: int, most: int = MAX_ROWS_PER_SYNC) -> int:
        """Where this sync's pull of teammates' executions begins: `cursor` less the overlap, or later when
        more than `most` are waiting (then the newest `most` are pulled; the evolution engine reads recent
        evidence)."""
        start = max(0, cursor - PULL_OVERLAP)
        with translated(self.url), self.conn.transaction():
            row = self.conn.execute(
                "SELECT seq FROM scion_hub.executions WHERE team = (SELECT scion_hub.my_team())"
                " AND seq > %s AND instance_id <> %s ORDER BY seq DESC OFFSET %s LIMIT 1",
                (start, self.instance_id, most),
            ).fetchone()
        return int(row[0]) if row is not None else start

    def pull(self, cursor: int, after: int | None = None, limit: int = PULL_LIMIT, *, stats: bool = True) -> Pulled:
        """A page of teammates' executions changed since `cursor` (less the overlap; strictly after `after`
        when given), and (`stats`) the team's rates and defaults over the window: aggregates over the team's
        generations, asked once per sync."""
        pulled = Pulled(cursor=cursor)
        window = {"window": GENERATIONS_WINDOW}
        with translated(self.url), self.conn.transaction():
            if stats:
                pulled.rates = [tuple(row) for row in self.conn.execute(_TEAM_RATES, window)]
                pulled.defaults = [tuple(row) for row in self.conn.execute(_TEAM_DEFAULTS, window)]
            rows = self.conn.execute(
                "SELECT instance_id, generation_id, task, kept, data, seq FROM scion_hub.executions"
                " WHERE seq > %s AND instance_id <> %s ORDER BY seq LIMIT %s",
                (max(0, cursor - PULL_OVERLAP) if after is None else after, self.instance_id, limit),
            ).fetchall()
        for instance, generation_id, task, kept, data, seq in rows:
            pulled.executions.append(
                {"origin": instance, "generation_id": generation_id, "task": task, "kept": kept, "data": data}
            )
            pulled.cursor = max(pulled.cursor, int(seq))
            pulled.last = int(seq)
        return pulled

    def generations_start(self, cursor: Keyset | None, most: int = MAX_ROWS_PER_SYNC) -> Keyset:
        """Where this sync's pull of teammates' decided generations begins: just after `cursor`, less the
        overlap, but never before the window, and no earlier than the `most`-th newest row waiting."""
        since = cursor[0] if cursor else None
        with translated(self.url), self.conn.transaction():
            row = self.conn.execute(
                "SELECT greatest(coalesce(%s::timestamptz - %s::interval, '-infinity'), now() - %s::interval)",
                (since, GENERATIONS_OVERLAP, GENERATIONS_WINDOW),
            ).fetchone()
            start = row[0] if row else None
            newest = self.conn.execute(
                "SELECT pushed_at, instance_id, generation_id FROM scion_hub.generations"
                " WHERE team = (SELECT scion_hub.my_team()) AND pushed_at > %s AND instance_id <> %s"
                " ORDER BY pushed_at DESC, instance_id DESC, generation_id DESC OFFSET %s LIMIT 1",
                (start, self.instance_id, most),
            ).fetchone()
        if newest is not None:  # more than `most` waiting: begin after the one just older than the `most` newest
            return (newest[0].isoformat(), newest[1], newest[2])
        return (start.isoformat() if start is not None else "", "", "")

    def pull_generations(self, after: Keyset, limit: int = PULL_LIMIT) -> tuple[list[dict[str, Any]], Keyset]:
        """One page of teammates' decided generations pushed after `after`, oldest first (every share level:
        the payload says what was shared). Returns them ({origin, data}) and the position of the last one."""
        with translated(self.url), self.conn.transaction():
            rows = self.conn.execute(
                "SELECT instance_id, generation_id, data, pushed_at FROM scion_hub.generations"
                " WHERE team = (SELECT scion_hub.my_team()) AND instance_id <> %s"
                " AND (pushed_at, instance_id, generation_id) > (%s::timestamptz, %s, %s)"
                " AND status IN ('accepted', 'rejected')"
                " ORDER BY pushed_at, instance_id, generation_id LIMIT %s",
                (self.instance_id, after[0] or "-infinity", after[1], after[2], limit),
            ).fetchall()
        found = [{"origin": instance, "data": data} for instance, _, data, _ in rows]
        if not rows:
            return found, after
        instance, generation, _, pushed_at = rows[-1]
        return found, (pushed_at.isoformat(), instance, generation)

    def publish_program(self, entry: dict[str, Any], stage: str) -> str:
        """Publish a promoted program as the task's next immutable version, if this instance gets to decide.

        "busy": another instance holds the task's advisory lock; "present": the
        hub's newest version already has this source at this stage or a later
        one; "published": a new version was added.
        """
        from server.store.schema import STAGES

        task = entry["task"]
        with translated(self.url), self.conn.transaction():
            locked = self.conn.execute(
                "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", (f"scion:{self.team}:program:{task}",)
            ).fetchone()
            if not locked or not locked[0]:
                return "busy"
            newest = self.conn.execute(
                "SELECT version, sha256, stage FROM scion_hub.programs WHERE team = %s AND task = %s"
                " ORDER BY version DESC LIMIT 1",
                (self.team, task),
            ).fetchone()
            if newest is not None and newest[1] == entry["sha256"] and STAGES.index(newest[2]) >= STAGES.index(stage):
                return "present"
            self.conn.execute(
                "INSERT INTO scion_hub.programs (team, task, version, instance_id, stage, sha256, entry)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    self.team,
                    task,
                    (newest[0] if newest else 0) + 1,
                    self.instance_id,
                    stage,
                    entry["sha256"],
                    json.dumps(entry, default=str),
                ),
            )
        return "published"

    def pull_programs(self, cursor: int) -> list[dict[str, Any]]:
        """Programs published since `cursor` (with an overlap; the caller skips versions it has seen)."""
        return self._published_since("programs", "task, version, instance_id, stage, entry", cursor)

    def publish_template(
        self, template_id: str, version: str, parent: str | None, changelog: str, files: dict[str, str]
    ) -> str:
        """Deploy an evolved version to the team once: "busy", "present" (the hub has that version) or "published"."""
        with translated(self.url), self.conn.transaction():
            locked = self.conn.execute(
                "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
                (f"scion:{self.team}:template:{template_id}",),
            ).fetchone()
            if not locked or not locked[0]:
                return "busy"
            present = self.conn.execute(
                "SELECT 1 FROM scion_hub.template_versions WHERE team = %s AND template_id = %s AND version = %s",
                (self.team, template_id, version),
            ).fetchone()
            if present is not None:
                return "present"
            self.conn.execute(
                "INSERT INTO scion_hub.template_versions"
                " (team, template_id, version, parent_version, instance_id, changelog, files)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (self.team, template_id, version, parent, self.instance_id, changelog, json.dumps(files)),
            )
        return "published"

    def pull_templates(self, cursor: int) -> list[dict[str, Any]]:
        """Template versions deployed since `cursor` (with an overlap)."""
        return self._published_since("template_versions", "template_id, version, instance_id, files", cursor)

    def _published_since(self, table: str, columns: str, cursor: int) -> list[dict[str, Any]]:
        """The rows of a team-wide table (`columns` and `seq`, by name) above `cursor` less the overlap, by seq."""
        from psycopg.rows import dict_row

        with translated(self.url), self.conn.transaction():
            return (
                self.conn.cursor(row_factory=dict_row)
                .execute(
                    f"SELECT {columns}, seq FROM scion_hub.{table} WHERE seq > %s ORDER BY seq",  # our own names
                    (max(0, cursor - PULL_OVERLAP),),
                )
                .fetchall()
            )

    def team_size(self) -> int:
        with translated(self.url), self.conn.transaction():
            row = self.conn.execute("SELECT count(*) FROM scion_hub.instances").fetchone()
        return int(row[0]) if row else 0


def connected(url: str, instance_id: str) -> HubClient:
    """A joined client; the connection is closed again if joining fails."""
    client = HubClient(url, instance_id)
    try:
        client.join()
    except BaseException:
        client.close()
        raise
    return client
