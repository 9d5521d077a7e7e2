"""The database schema as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a database has seen. Opening a
database runs the missing ones in order, each in its own transaction, so a
crash halfway leaves the database at the last complete version. A migration is
never edited once released: a schema change is a new function at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.store.connection import Database

GENERATION_STATUSES = ("offered", "applied", "pending", "accepted", "rejected", "cancelled")
DECIDED_STATUSES = ("accepted", "rejected")
PRODUCERS = ("user", "llm", "code", "default", "context", "learned_default")
# A learned task's stages, in order (server/evolution/stages.py moves tasks between them).
LLM_ONLY = "llm_only"
HYBRID = "hybrid"
CODE_FIRST = "code_first"
CODE_ONLY = "code_only"
STAGES = (LLM_ONLY, HYBRID, CODE_FIRST, CODE_ONLY)


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _run(db: Database, statements: list[str]) -> None:
    for statement in statements:
        db.execute(statement)


def create_base_tables(db: Database) -> None:
    """Version 1: history of generations, learning and upgrades."""
    _run(
        db,
        [
            f"""CREATE TABLE generations (
            id TEXT PRIMARY KEY,
            template_id TEXT NOT NULL,
            template_version TEXT NOT NULL,
            file_path TEXT NOT NULL,
            mode TEXT NOT NULL,
            answers TEXT NOT NULL DEFAULT '{{}}',
            answer_sources TEXT NOT NULL DEFAULT '{{}}',
            rendered_text TEXT NOT NULL DEFAULT '',
            rendered_sha TEXT NOT NULL DEFAULT '',
            region TEXT,
            instance_id TEXT,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'offered'
                CHECK (status IN ({_quoted(GENERATION_STATUSES)})),
            checkpoints TEXT NOT NULL DEFAULT '[]',
            quality_score REAL,
            retained_text TEXT,
            decided_at TEXT
        )""",
            # Serves lookups by template_id, by (template_id, template_version), by
            # status within those, and covers the per-day series (created_at) so
            # success_over_time never reads the wide rows.
            "CREATE INDEX generations_by_version ON generations (template_id, template_version, status, created_at)",
            "CREATE INDEX generations_by_instance ON generations (instance_id)",
            "CREATE INDEX generations_by_created ON generations (created_at)",
            "CREATE INDEX generations_by_file ON generations (file_path)",
            # Partial: the tracker asks for the few undecided rows among millions of decided ones.
            "CREATE INDEX generations_undecided ON generations (status) WHERE status IN ('applied', 'pending')",
            """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            generation_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL
        )""",
            "CREATE INDEX events_by_generation ON events (generation_id, id)",
            """CREATE TABLE template_versions (
            template_id TEXT NOT NULL,
            version TEXT NOT NULL,
            root_kind TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            PRIMARY KEY (template_id, version)
        )""",
            f"""CREATE TABLE task_executions (
            id INTEGER PRIMARY KEY,
            task TEXT NOT NULL,
            features TEXT NOT NULL DEFAULT '{{}}',
            answer TEXT NOT NULL,
            producer TEXT NOT NULL CHECK (producer IN ({_quoted(PRODUCERS)})),
            program_version INTEGER,
            confidence REAL,
            kept INTEGER,
            generation_id TEXT,
            at TEXT NOT NULL
        )""",
            "CREATE INDEX task_executions_by_task ON task_executions (task, id)",
            "CREATE INDEX task_executions_by_generation ON task_executions (generation_id)",
            """CREATE TABLE learned_programs (
            task TEXT NOT NULL,
            version INTEGER NOT NULL,
            source TEXT NOT NULL,
            provenance TEXT NOT NULL DEFAULT '{}',
            held_out_accuracy REAL,
            created_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (task, version)
        )""",
            f"""CREATE TABLE tasks (
            task TEXT PRIMARY KEY,
            stage TEXT NOT NULL CHECK (stage IN ({_quoted(STAGES)}))
        )""",
            """CREATE TABLE stage_transitions (
            id INTEGER PRIMARY KEY,
            task TEXT NOT NULL,
            from_stage TEXT NOT NULL,
            to_stage TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        )""",
            "CREATE INDEX stage_transitions_by_task ON stage_transitions (task, id)",
            """CREATE TABLE dismissals (
            file_path TEXT NOT NULL,
            template_id TEXT NOT NULL,
            version TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (file_path, template_id, version)
        )""",
            """CREATE TABLE upgrades (
            id INTEGER PRIMARY KEY,
            file_path TEXT NOT NULL,
            template_id TEXT NOT NULL,
            from_version TEXT NOT NULL,
            to_version TEXT NOT NULL,
            conflicts INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL
        )""",
            "CREATE INDEX upgrades_by_file ON upgrades (file_path)",
            "CREATE INDEX upgrades_by_template ON upgrades (template_id)",
            """CREATE TABLE template_deployments (
            template_id TEXT NOT NULL,
            version TEXT NOT NULL,
            parent_version TEXT,
            changelog TEXT NOT NULL DEFAULT '',
            evidence TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL,
            rolled_back INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (template_id, version)
        )""",
        ],
    )


def add_generation_totals(db: Database) -> None:
    """Version 2: status counts per template version, kept by triggers.

    The stats page must answer in well under 100 ms over a million generations.
    Even a covering index on (template_id, template_version, status) makes
    SQLite walk a million index entries per query (well over 100 ms), so the
    counts are kept up to date as rows change instead: one row per (template,
    version, status), a table of a few hundred rows. Triggers (not the Python
    methods) maintain it, so no write path can forget to, and a verdict that is
    later overruled moves its count. Counts per day were considered and left
    out: with every template used every day they grow to hundreds of thousands
    of rows, which slows both the stats query and every insert; the per-day
    series reads the covering index instead, one template at a time.
    """
    key = "template_id = OLD.template_id AND template_version = OLD.template_version AND status = OLD.status"
    add_new = (
        "INSERT INTO generation_totals (template_id, template_version, status, n)"
        " VALUES (NEW.template_id, NEW.template_version, NEW.status, 1)"
        " ON CONFLICT DO UPDATE SET n = n + 1;"
    )
    remove_old = (
        f"UPDATE generation_totals SET n = n - 1 WHERE {key}; DELETE FROM generation_totals WHERE {key} AND n <= 0;"
    )
    _run(
        db,
        [
            """CREATE TABLE generation_totals (
            template_id TEXT NOT NULL,
            template_version TEXT NOT NULL,
            status TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (template_id, template_version, status)
        ) WITHOUT ROWID""",
            """INSERT INTO generation_totals (template_id, template_version, status, n)
           SELECT template_id, template_version, status, count(*) FROM generations GROUP BY 1, 2, 3""",
            f"CREATE TRIGGER generation_totals_on_insert AFTER INSERT ON generations BEGIN {add_new} END",
            f"CREATE TRIGGER generation_totals_on_delete AFTER DELETE ON generations BEGIN {remove_old} END",
            f"""CREATE TRIGGER generation_totals_on_update
            AFTER UPDATE OF status, template_id, template_version ON generations
            WHEN OLD.status IS NOT NEW.status OR OLD.template_id IS NOT NEW.template_id
              OR OLD.template_version IS NOT NEW.template_version
            BEGIN {remove_old} {add_new} END""",
        ],
    )


def add_edit_totals_and_trials(db: Database) -> None:
    """Version 3: kept generations whose users edited the code, per version; template trials.

    `kept_edit_totals` counts accepted generations whose retained text differs
    from the render (trailing newlines aside), kept by triggers like
    generation_totals, so the stats show an edit rate beside the success rate
    at the same cost. `template_trials` records the A/B experiments of
    candidate template versions (server/evolution/trials.py).
    """
    edited = (
        "{row}.status = 'accepted' AND {row}.retained_text IS NOT NULL"
        " AND rtrim({row}.retained_text, char(10)) IS NOT rtrim({row}.rendered_text, char(10))"
    )
    old_edited, new_edited = edited.format(row="OLD"), edited.format(row="NEW")
    key = "template_id = OLD.template_id AND template_version = OLD.template_version"
    add_new = (
        "INSERT INTO kept_edit_totals (template_id, template_version, n)"
        f" SELECT NEW.template_id, NEW.template_version, 1 WHERE {new_edited}"
        " ON CONFLICT DO UPDATE SET n = n + 1;"
    )
    remove_old = f"UPDATE kept_edit_totals SET n = n - 1 WHERE {key} AND ({old_edited});"
    _run(
        db,
        [
            """CREATE TABLE kept_edit_totals (
            template_id TEXT NOT NULL,
            template_version TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (template_id, template_version)
        ) WITHOUT ROWID""",
            f"""INSERT INTO kept_edit_totals (template_id, template_version, n)
           SELECT template_id, template_version, count(*) FROM generations WHERE {edited.format(row="generations")}
           GROUP BY 1, 2""",
            f"CREATE TRIGGER kept_edit_totals_on_insert AFTER INSERT ON generations BEGIN {add_new} END",
            f"CREATE TRIGGER kept_edit_totals_on_delete AFTER DELETE ON generations BEGIN {remove_old} END",
            f"""CREATE TRIGGER kept_edit_totals_on_update
            AFTER UPDATE OF status, retained_text, rendered_text, template_id, template_version ON generations
            BEGIN {remove_old} {add_new} END""",
            """CREATE TABLE template_trials (
            id INTEGER PRIMARY KEY,
            template_id TEXT NOT NULL,
            version TEXT NOT NULL,
            parent_version TEXT NOT NULL,
            share REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'deployed', 'dropped')),
            changes TEXT NOT NULL DEFAULT '[]',
            evidence TEXT NOT NULL DEFAULT '{}',
            decision TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            UNIQUE (template_id, version)
        )""",
            "CREATE INDEX template_trials_running ON template_trials (template_id) WHERE state = 'running'",
        ],
    )


def add_team_hub(db: Database) -> None:
    """Version 4: what the team hub needs locally (server/hub/ pushes and pulls; SQLite stays the truth).

    - `generations.instance_id` held the generation's own id, which identified
      nothing; from now on it is the instance that recorded it
      (server/common/instance.py). Old rows get NULL: their instance is unknown.
    - `hub_outbox`: what is to be shared, written in the same transaction as
      the local write it mirrors, removed once the hub has it. `key` is the
      row it describes; pushing an entry twice stores it once on the hub. Its
      ids never repeat (AUTOINCREMENT): the hub orders an instance's states by them.
    - `task_executions.origin`: executions pulled from teammates
      (origin = their instance id) sit beside this instance's own (origin
      NULL), so the evolution engine counts the team's evidence.
    - `hub_rates`, `hub_defaults`: the team's success rates per template
      version and the answers it kept most, as last pulled.
    - `hub_state`: cursors and the last sync, as small key/value pairs.
    - `team_generations`: teammates' decided generations shared with their code
      (share level `code`), pulled so template improvement counts the team's
      rejections and edits beside this instance's own.
    """
    _run(
        db,
        [
            "UPDATE generations SET instance_id = NULL",
            """CREATE TABLE hub_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            payload TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
            # An entry is replaced by the next state of its row: found by key, not by a scan.
            "CREATE INDEX hub_outbox_by_key ON hub_outbox (kind, key)",
            "ALTER TABLE task_executions ADD COLUMN origin TEXT",
            "CREATE UNIQUE INDEX task_executions_pulled ON task_executions (origin, generation_id, task)"
            " WHERE origin IS NOT NULL",
            """CREATE TABLE hub_rates (
            template_id TEXT NOT NULL,
            version TEXT NOT NULL,
            accepted INTEGER NOT NULL,
            rejected INTEGER NOT NULL,
            instances INTEGER NOT NULL,
            PRIMARY KEY (template_id, version)
        ) WITHOUT ROWID""",
            """CREATE TABLE hub_defaults (
            template_id TEXT NOT NULL,
            question TEXT NOT NULL,
            value_json TEXT NOT NULL,
            kept INTEGER NOT NULL,
            total INTEGER NOT NULL,
            PRIMARY KEY (template_id, question)
        ) WITHOUT ROWID""",
            "CREATE TABLE hub_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
            """CREATE TABLE team_generations (
            origin TEXT NOT NULL,
            id TEXT NOT NULL,
            template_id TEXT NOT NULL,
            template_version TEXT NOT NULL,
            status TEXT NOT NULL,
            file_path TEXT NOT NULL DEFAULT '',
            answers TEXT NOT NULL DEFAULT '{}',
            rendered_text TEXT NOT NULL,
            retained_text TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (origin, id)
        ) WITHOUT ROWID""",
            "CREATE INDEX team_generations_by_version ON team_generations (template_id, template_version)",
        ],
    )


def add_team_evidence(db: Database) -> None:
    """Version 5: teammates' decided generations at every share level, so every decision counts the team.

    - `team_generations.shared`: the share level a teammate's row came at
      (`stats`, `answers` or `code`; the rows pulled before had their code).
      What is not shared is not counted: trial verdicts count every level,
      answer verdicts `answers` and `code`, edit rates and the improvement's
      history `code` only. Below `code`, `rendered_text` is ''.
    - An index by creation time within a version: a trial's arms count the
      verdicts since the trial began.
    """
    _run(
        db,
        [
            "ALTER TABLE team_generations ADD COLUMN shared TEXT NOT NULL DEFAULT 'code'",
            "CREATE INDEX team_generations_by_time ON team_generations (template_id, template_version, created_at)",
        ],
    )


Migration = Callable[["Database"], None]

# Index i holds the migration from version i to i + 1. Append only.
MIGRATIONS: list[Migration] = [
    create_base_tables,
    add_generation_totals,
    add_edit_totals_and_trials,
    add_team_hub,
    add_team_evidence,
]
SCHEMA_VERSION = len(MIGRATIONS)
