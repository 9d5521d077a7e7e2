"""Upgrade history: skipped versions, upgrades applied to files, and template deployments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from server.store.core import Row, StoreCore, decode, inserted_id, to_json


class UpgradesMixin(StoreCore):
    def add_dismissal(
        self, file_path: str, template_id: str, version: str, *, at: datetime | str | None = None
    ) -> None:
        """Remember "skip this version" for a file; upgrades to that version are no longer offered."""
        self._execute(
            "INSERT OR IGNORE INTO dismissals (file_path, template_id, version, at) VALUES (?, ?, ?, ?)",
            (str(file_path), template_id, version, self.now(at)),
        )

    def is_dismissed(self, file_path: str, template_id: str, version: str) -> bool:
        return (
            self._scalar(
                "SELECT 1 FROM dismissals WHERE file_path = ? AND template_id = ? AND version = ?",
                (str(file_path), template_id, version),
            )
            is not None
        )

    def dismissals(self, file_path: str | None = None) -> list[Row]:
        if file_path is None:
            return self._rows("SELECT * FROM dismissals ORDER BY at")
        return self._rows("SELECT * FROM dismissals WHERE file_path = ? ORDER BY at", (str(file_path),))

    def record_upgrade(
        self,
        file_path: str,
        template_id: str,
        from_version: str,
        to_version: str,
        conflicts: int = 0,
        *,
        at: datetime | str | None = None,
    ) -> int:
        """Record an upgrade of a file (with how many conflicts it left); returns its id."""
        return inserted_id(
            self._execute(
                "INSERT INTO upgrades (file_path, template_id, from_version, to_version, conflicts, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (str(file_path), template_id, from_version, to_version, conflicts, self.now(at)),
            )
        )

    def record_upgrades(
        self,
        upgrades: Iterable[tuple[str, str, str, str, int]],
        events: Iterable[tuple[str, str, Mapping[str, Any]]] = (),
        *,
        at: datetime | str | None = None,
    ) -> None:
        """Record many upgrades in one transaction (a batch upgrade): all are recorded, or none.

        upgrades: (file_path, template_id, from_version, to_version, conflicts);
        events: (generation_id, kind, data), appended to those generations' histories.
        """
        moment = self.now(at)
        upgrade_rows = [
            (str(path), template, old, new, conflicts, moment) for path, template, old, new, conflicts in upgrades
        ]
        event_rows = [(generation_id, kind, to_json(dict(data or {})), moment) for generation_id, kind, data in events]
        if not upgrade_rows and not event_rows:
            return
        with self._writing() as db:
            db.conn.executemany(
                "INSERT INTO upgrades (file_path, template_id, from_version, to_version, conflicts, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                upgrade_rows,
            )
            db.conn.executemany("INSERT INTO events (generation_id, kind, data, at) VALUES (?, ?, ?, ?)", event_rows)

    def upgrades(self, file_path: str | None = None, template_id: str | None = None) -> list[Row]:
        """Upgrades, oldest first, optionally of one file and/or one template."""
        clauses, params = [], []
        if file_path is not None:
            clauses.append("file_path = ?")
            params.append(str(file_path))
        if template_id is not None:
            clauses.append("template_id = ?")
            params.append(template_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._rows(f"SELECT * FROM upgrades{where} ORDER BY id", params)

    def record_deployment(
        self,
        template_id: str,
        version: str,
        parent_version: str | None,
        changelog: str,
        evidence: Mapping[str, Any],
        *,
        at: datetime | str | None = None,
    ) -> None:
        """Record that evolution deployed `version` of a template (derived from `parent_version`)."""
        self._execute(
            "INSERT INTO template_deployments (template_id, version, parent_version, changelog, evidence, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (template_id, version, parent_version, changelog, to_json(dict(evidence)), self.now(at)),
        )

    def deployments(self, template_id: str | None = None) -> list[Row]:
        """Deployments {template_id, version, parent_version, changelog, evidence, at, rolled_back}, oldest first."""
        if template_id is None:
            rows = self._rows("SELECT * FROM template_deployments ORDER BY at")
        else:
            rows = self._rows("SELECT * FROM template_deployments WHERE template_id = ? ORDER BY at", (template_id,))
        return [decode(row, ("evidence",), ("rolled_back",)) for row in rows]

    def mark_rolled_back(self, template_id: str, version: str) -> None:
        """Flag a deployed version as rolled back; an unknown deployment raises KeyError."""
        cursor = self._execute(
            "UPDATE template_deployments SET rolled_back = 1 WHERE template_id = ? AND version = ?",
            (template_id, version),
        )
        if cursor.rowcount == 0:
            raise KeyError(f"no deployment of {template_id} {version}")
