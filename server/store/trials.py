"""A/B trials of candidate template versions: the experiments and the verdicts of each arm."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.store.core import Row, StoreCore, decode, to_json

_JSON = ("changes", "evidence", "decision")


class TrialsMixin(StoreCore):
    def start_trial(
        self,
        template_id: str,
        version: str,
        parent_version: str,
        share: float,
        changes: list[str],
        evidence: Mapping[str, Any],
        *,
        at: datetime | str | None = None,
    ) -> None:
        """Record that `version` (a candidate derived from `parent_version`) is served to `share` of new generations."""
        self._execute(
            "INSERT INTO template_trials (template_id, version, parent_version, share, changes, evidence, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (template_id, version, parent_version, share, to_json(changes), to_json(dict(evidence)), self.now(at)),
        )

    def running_trial(self, template_id: str) -> Row | None:
        """The trial running for a template, or None (at most one runs per template)."""
        row = self._row(
            "SELECT * FROM template_trials WHERE template_id = ? AND state = 'running' ORDER BY id DESC LIMIT 1",
            (template_id,),
        )
        return decode(row, _JSON)

    def trials(self, template_id: str | None = None) -> list[Row]:
        """Every trial {id, template_id, version, parent_version, share, state, changes, evidence, decision,
        started_at, ended_at}, oldest first."""
        where, params = ("", ()) if template_id is None else (" WHERE template_id = ?", (template_id,))
        return [decode(row, _JSON) for row in self._rows(f"SELECT * FROM template_trials{where} ORDER BY id", params)]

    def end_trial(
        self,
        template_id: str,
        version: str,
        state: str,
        decision: Mapping[str, Any],
        *,
        at: datetime | str | None = None,
    ) -> None:
        """Close a running trial as `deployed` or `dropped`, with the numbers behind the decision."""
        if state not in ("deployed", "dropped"):
            raise ValueError(f"a trial ends deployed or dropped, not {state!r}")
        cursor = self._execute(
            "UPDATE template_trials SET state = ?, decision = ?, ended_at = ?"
            " WHERE template_id = ? AND version = ? AND state = 'running'",
            (state, to_json(dict(decision)), self.now(at), template_id, version),
        )
        if cursor.rowcount == 0:
            raise KeyError(f"no running trial of {template_id} {version}")

    def arm_counts(self, template_id: str, version: str, since: str) -> tuple[int, int]:
        """(accepted, decided) of the generations of one version created at or after `since`."""
        row = self._totals(
            "SELECT sum(status = 'accepted') AS accepted, sum(status IN ('accepted', 'rejected')) AS decided"
            " FROM generations WHERE template_id = ? AND template_version = ? AND created_at >= ?",
            (template_id, version, since),
        )
        return int(row["accepted"] or 0), int(row["decided"] or 0)
