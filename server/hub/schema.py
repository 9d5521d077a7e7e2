"""The hub's schema as an ordered list of versioned migrations (PostgreSQL).

`scion hub init URL` applies the missing ones, each in its own transaction,
under an advisory lock so two inits never race. The version lives in
`scion_hub.schema_version`. A migration is never edited once released: a
change is a new entry at the end.

Who may do what is in the schema itself (row-level security):
- `scion_member` is the group role of every team member's login
  (`scion hub add-member NAME`); it may read and write the hub's tables, no more.
- `members` maps a login to its team; a member sees only its own row, and
  `my_team()` reads it, so every policy knows the caller's team.
- `instances`: a login claims instance ids for itself (first claim wins, the
  id is the primary key). A row an instance pushes must carry an instance id
  its login claimed: a forged row for another instance is refused.
- Everything is read by team: a member never sees another team's rows.
"""

from __future__ import annotations

SCHEMA = "scion_hub"
MEMBER_ROLE = "scion_member"
NOTIFY_CHANNEL_PREFIX = "scion_team_"

# `(SELECT my_team())` is an InitPlan: evaluated once per statement, where a bare call runs the
# function's query for every row (it was most of an ingest's time, bench/hub_ingest.py).
_OWN_INSTANCE = (
    "team = (SELECT scion_hub.my_team()) AND EXISTS (SELECT 1 FROM scion_hub.instances AS i"
    " WHERE i.instance_id = {table}.instance_id AND i.role_name = current_user)"
)


def _rls(table: str, *, writable: bool = True) -> list[str]:
    """Row-level security for a table whose rows carry (team, instance_id)."""
    own = _OWN_INSTANCE.format(table=f"scion_hub.{table}")
    statements = [
        f"ALTER TABLE scion_hub.{table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON scion_hub.{table} FOR SELECT USING (team = (SELECT scion_hub.my_team()))",
    ]
    if writable:
        statements += [
            f"CREATE POLICY {table}_insert ON scion_hub.{table} FOR INSERT WITH CHECK ({own})",
            f"CREATE POLICY {table}_update ON scion_hub.{table} FOR UPDATE USING ({own}) WITH CHECK ({own})",
        ]
    return statements


V1_CORE = [
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{MEMBER_ROLE}') THEN
            CREATE ROLE {MEMBER_ROLE} NOLOGIN;
        END IF;
    END $$""",
    f"GRANT USAGE ON SCHEMA scion_hub TO {MEMBER_ROLE}",
    """CREATE TABLE scion_hub.members (
        role_name text PRIMARY KEY,
        team text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )""",
    "ALTER TABLE scion_hub.members ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY members_self ON scion_hub.members FOR SELECT USING (role_name = current_user)",
    """CREATE FUNCTION scion_hub.my_team() RETURNS text LANGUAGE sql STABLE
        AS $$ SELECT team FROM scion_hub.members WHERE role_name = current_user $$""",
    """CREATE TABLE scion_hub.instances (
        instance_id text PRIMARY KEY,
        team text NOT NULL,
        role_name text NOT NULL DEFAULT current_user,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now()
    )""",
    "ALTER TABLE scion_hub.instances ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY instances_read ON scion_hub.instances FOR SELECT USING (team = (SELECT scion_hub.my_team()))",
    """CREATE POLICY instances_claim ON scion_hub.instances FOR INSERT
        WITH CHECK (role_name = current_user AND team = (SELECT scion_hub.my_team()))""",
    """CREATE POLICY instances_touch ON scion_hub.instances FOR UPDATE
        USING (role_name = current_user) WITH CHECK (role_name = current_user AND team = (SELECT scion_hub.my_team()))""",
    # One row per generation of an instance; `revision` orders the states an
    # instance pushed, so an old state pushed again never overwrites a newer one.
    """CREATE TABLE scion_hub.generations (
        team text NOT NULL,
        instance_id text NOT NULL,
        generation_id text NOT NULL,
        revision bigint NOT NULL,
        template_id text NOT NULL,
        template_version text NOT NULL,
        status text NOT NULL,
        data jsonb NOT NULL,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (instance_id, generation_id)
    )""",
    "CREATE INDEX generations_by_version ON scion_hub.generations (team, template_id, template_version, status)",
    *_rls("generations"),
    f"GRANT SELECT ON scion_hub.members, scion_hub.schema_version TO {MEMBER_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE ON scion_hub.instances, scion_hub.generations TO {MEMBER_ROLE}",
    f"GRANT EXECUTE ON FUNCTION scion_hub.my_team() TO {MEMBER_ROLE}",
]

V2_LEARNING = [
    # Task executions: what the evolution engine learns from, the team's together.
    # `seq` is the pull cursor (a new value on every change).
    """CREATE TABLE scion_hub.executions (
        team text NOT NULL,
        instance_id text NOT NULL,
        generation_id text NOT NULL,
        task text NOT NULL,
        revision bigint NOT NULL,
        kept boolean NOT NULL,
        data jsonb NOT NULL,
        seq bigserial NOT NULL,
        PRIMARY KEY (instance_id, generation_id, task)
    )""",
    "CREATE INDEX executions_by_seq ON scion_hub.executions (team, seq)",
    *_rls("executions"),
    f"GRANT SELECT, INSERT, UPDATE ON scion_hub.executions TO {MEMBER_ROLE}",
    f"GRANT USAGE ON SEQUENCE scion_hub.executions_seq_seq TO {MEMBER_ROLE}",
    # A change a connected instance should pull at once reaches it by NOTIFY on
    # its team's channel; polling catches whatever a lost connection missed.
    f"""CREATE FUNCTION scion_hub.notify_team() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{NOTIFY_CHANNEL_PREFIX}' || md5(NEW.team), TG_TABLE_NAME);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER executions_notify AFTER INSERT OR UPDATE ON scion_hub.executions
        FOR EACH ROW WHEN (NEW.kept) EXECUTE FUNCTION scion_hub.notify_team()""",
]

V3_PROGRAMS = [
    # Learned programs the team promoted: immutable versions (no update policy),
    # each published once by the instance that held the task's advisory lock,
    # and checked again by every instance in its own sandbox before it answers.
    """CREATE TABLE scion_hub.programs (
        team text NOT NULL,
        task text NOT NULL,
        version integer NOT NULL,
        instance_id text NOT NULL,
        stage text NOT NULL,
        sha256 text NOT NULL,
        entry jsonb NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL,
        PRIMARY KEY (team, task, version)
    )""",
    "CREATE INDEX programs_by_seq ON scion_hub.programs (team, seq)",
    *_rls("programs", writable=False),
    "CREATE POLICY programs_publish ON scion_hub.programs FOR INSERT WITH CHECK ("
    + _OWN_INSTANCE.format(table="scion_hub.programs")
    + ")",
    f"GRANT SELECT, INSERT ON scion_hub.programs TO {MEMBER_ROLE}",
    f"GRANT USAGE ON SEQUENCE scion_hub.programs_seq_seq TO {MEMBER_ROLE}",
    """CREATE TRIGGER programs_notify AFTER INSERT ON scion_hub.programs
        FOR EACH ROW EXECUTE FUNCTION scion_hub.notify_team()""",
]

V4_TEMPLATES = [
    # Evolved template versions: immutable (insert only), one per (team, template, version),
    # deployed by whichever instance held the template's advisory lock.
    """CREATE TABLE scion_hub.template_versions (
        team text NOT NULL,
        template_id text NOT NULL,
        version text NOT NULL,
        parent_version text,
        instance_id text NOT NULL,
        changelog text NOT NULL DEFAULT '',
        files jsonb NOT NULL,
        deployed_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL,
        PRIMARY KEY (team, template_id, version)
    )""",
    "CREATE INDEX template_versions_by_seq ON scion_hub.template_versions (team, seq)",
    *_rls("template_versions", writable=False),
    "CREATE POLICY template_versions_deploy ON scion_hub.template_versions FOR INSERT WITH CHECK ("
    + _OWN_INSTANCE.format(table="scion_hub.template_versions")
    + ")",
    f"GRANT SELECT, INSERT ON scion_hub.template_versions TO {MEMBER_ROLE}",
    f"GRANT USAGE ON SEQUENCE scion_hub.template_versions_seq_seq TO {MEMBER_ROLE}",
    """CREATE TRIGGER template_versions_notify AFTER INSERT ON scion_hub.template_versions
        FOR EACH ROW EXECUTE FUNCTION scion_hub.notify_team()""",
]

V5_BOUNDED_PULLS = [
    # Teammates' decided generations are pulled by push time in pages (keyset on push time, instance,
    # generation) from a bounded start: the newest rows of a window, found by walking this index backwards.
    "CREATE INDEX generations_by_push ON scion_hub.generations (team, pushed_at, instance_id, generation_id)",
]

# Index i holds the migration from version i to i + 1. Append only.
MIGRATIONS: list[list[str]] = [V1_CORE, V2_LEARNING, V3_PROGRAMS, V4_TEMPLATES, V5_BOUNDED_PULLS]
SCHEMA_VERSION = len(MIGRATIONS)


def channel_for(team: str) -> str:
    """The NOTIFY channel of a team (md5 of its name, as the trigger makes it)."""
    import hashlib

    return NOTIFY_CHANNEL_PREFIX + hashlib.md5(team.encode("utf-8"), usedforsecurity=False).hexdigest()
