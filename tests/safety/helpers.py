"""Workspaces for the generation-safety tests: a template with a secret, a damaged database, leak checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SECRET = "hunter2-Zq8v-secret-value"
MANIFEST = """\
title: Settings
mode: file
where: [empty_file, module]
languages: [python]
questions:
  db_name:
    type: str
    default: app
  db_password:
    type: str
    secret: true
    help: Database password
"""
V1_BODY = 'DB_NAME = "{{ db_name }}"\nDB_PASSWORD = "{{ db_password }}"\n\n\ndef connect():\n    return 1\n'
V2_BODY = V1_BODY.replace("return 1", "return 2") + "\n\nTIMEOUT = 30\n"


def add_settings_template(workspace: Path, version: str = "1.0.0", body: str = V1_BODY) -> None:
    root = workspace / ".scion" / "templates" / "acme" / "settings" / version
    (root / "files").mkdir(parents=True, exist_ok=True)
    changelog = f"changelog:\n  {version}: Timeout\n" if version != "1.0.0" else ""
    (root / "template.yml").write_text(MANIFEST + changelog)
    (root / "files" / "settings.py.jinja").write_text(body)


def damage_table(db: Path, table: str) -> None:
    """Garbage bytes over the table's pages: the file still opens, writing that table fails ("malformed")."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        roots = [
            row[0]
            for row in connection.execute(
                "SELECT rootpage FROM sqlite_master WHERE tbl_name = ? AND rootpage > 0", (table,)
            )
        ]
    finally:
        connection.close()
    with open(db, "r+b") as handle:
        for root in roots:
            handle.seek((root - 1) * page_size)
            handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def tables_holding(db: Path, text: str) -> list[str]:
    """Every table (and column) of the database where `text` occurs."""
    connection = sqlite3.connect(db)
    found = []
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=False):
                    if value is not None and text in (
                        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    ):
                        found.append(f"{table}.{column}")
    finally:
        connection.close()
    return sorted(set(found))


def count(db: Path, table: str) -> int:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        connection.close()


def files_holding(root: Path, text: str, *, besides: tuple[Path, ...] = ()) -> list[Path]:
    """Every file below `root` holding `text`, the `besides` ones (the generated code) left out."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path not in besides and text.encode() in path.read_bytes():
            found.append(path)
    return found
