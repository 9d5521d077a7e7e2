"""Administering a hub: `scion hub init URL` (schema, roles, policies) and `scion hub add-member NAME`.

Both run with an administrator's URL (a role that may create schemas and
roles); team members then connect with the logins made here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.common.errors import HubError
from server.hub.connection import connect, translated
from server.hub.schema import MEMBER_ROLE, MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import psycopg

# Any constant: two `scion hub init` at once take turns instead of racing.
_INIT_LOCK = 0x5C1011


@dataclass(frozen=True)
class InitReport:
    before: int
    after: int

    @property
    def applied(self) -> int:
        return self.after - self.before


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """The hub schema's version; 0 when it has none yet."""
    row = conn.execute("SELECT to_regclass('scion_hub.schema_version') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute("SELECT version FROM scion_hub.schema_version").fetchone()
    return int(found[0]) if found else 0


def init_hub(url: str, *, upto: int = SCHEMA_VERSION) -> InitReport:
    """Create or migrate the hub's schema at `url` to version `upto` (the newest by default)."""
    with connect(url) as conn, translated(url):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_INIT_LOCK,))
            conn.execute("CREATE SCHEMA IF NOT EXISTS scion_hub")
            conn.execute("CREATE TABLE IF NOT EXISTS scion_hub.schema_version (version integer NOT NULL)")
            before = schema_version(conn)
        if before > SCHEMA_VERSION:
            raise HubError(
                f"the hub has schema version {before}, made by a newer Scion; this one knows up to {SCHEMA_VERSION}"
            )
        for version in range(before, upto):
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_INIT_LOCK,))
                if schema_version(conn) != version:  # another init got here first
                    continue
                for statement in MIGRATIONS[version]:
                    conn.execute(statement.encode("utf-8"))
                conn.execute("DELETE FROM scion_hub.schema_version")
                conn.execute("INSERT INTO scion_hub.schema_version (version) VALUES (%s)", (version + 1,))
        return InitReport(before, schema_version(conn))


def add_member(url: str, name: str, team: str, password: str | None = None) -> None:
    """A login `name` in `team` (made a member of the group role; its password set when given)."""
    from psycopg import sql

    if not name.replace("_", "").replace("-", "").isalnum():
        raise HubError(f"a member name is letters, digits, '-' and '_', not {name!r}")
    with connect(url) as conn, translated(url), conn.transaction():
        if schema_version(conn) == 0:
            raise HubError("the hub has no Scion schema yet; run `scion hub init URL` first")
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        role = sql.Identifier(name)
        if exists is None:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(MEMBER_ROLE), role))
        if password is not None:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password)))
        conn.execute(
            "INSERT INTO scion_hub.members (role_name, team) VALUES (%s, %s)"
            " ON CONFLICT (role_name) DO UPDATE SET team = excluded.team",
            (name, team),
        )
