"""Generations (one row per piece of generated code), their events and survival checkpoints."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from server.common.fsutil import sha256_text
from server.store.core import Row, decode, inserted_id, to_json
from server.store.outbox import OutboxMixin
from server.store.schema import DECIDED_STATUSES, GENERATION_STATUSES

if TYPE_CHECKING:
    from server.store.connection import Database

# A bulk import touches index pages all over the file; with SQLite's default
# 2 MB cache they spill to the WAL again and again (twice as slow at 1M rows).
_IMPORT_CACHE_KIB = 256 * 1024
_JSON_COLUMNS = ("answers", "answer_sources", "region", "checkpoints")
# Where a generation may go from each status. A verdict may be overruled
# (scion.accept / scion.reject after the tracker decided); nothing leaves
# `cancelled`, and nothing goes back to `offered`.
_NEXT_STATUSES = {
    "offered": {"applied", "cancelled"},
    "applied": {"pending", "accepted", "rejected", "cancelled"},
    "pending": {"accepted", "rejected", "cancelled"},
    "accepted": {"rejected"},
    "rejected": {"accepted"},
    "cancelled": set(),
}
_COLUMNS = (
    "id",
    "template_id",
    "template_version",
    "file_path",
    "mode",
    "answers",
    "answer_sources",
    "rendered_text",
    "rendered_sha",
    "region",
    "instance_id",
    "created_at",
    "status",
)

# What update_generation may change: what a generation records later (its verdict and
# what was kept), besides what it was created with; never its id or creation time.
_UPDATABLE = (set(_COLUMNS) - {"id", "created_at"}) | {"checkpoints", "quality_score", "retained_text", "decided_at"}


class GenerationsMixin(OutboxMixin):
    def record_generation(
        self,
        template_id: str,
        template_version: str,
        file_path: str,
        mode: str,
        answers: Mapping[str, Any],
        *,
        answer_sources: Mapping[str, str] | None = None,
        rendered_text: str = "",
        rendered_sha: str | None = None,
        region: Mapping[str, Any] | None = None,
        instance_id: str | None = None,
        status: str = "offered",
        generation_id: str | None = None,
        created_at: datetime | str | None = None,
    ) -> str:
        """Record one generation and return its id (a new uuid4 unless `generation_id` is given).

        `rendered_sha` defaults to the sha256 of `rendered_text`.
        """
        row = generation_values(
            {
                "template_id": template_id,
                "template_version": template_version,
                "file_path": file_path,
                "mode": mode,
                "answers": answers,
                "answer_sources": answer_sources,
                "rendered_text": rendered_text,
                "rendered_sha": rendered_sha,
                "region": region,
                "instance_id": instance_id,
                "status": status,
                "generation_id": generation_id,
            },
            self.now(created_at),
        )
        with self._writing() as db:
            db.execute(INSERT_GENERATION, row)
            self._share_generation(db, row[0])
        inserted: str = row[0]
        return inserted

    def import_generations(self, generations: Iterable[Mapping[str, Any]]) -> int:
        """Insert many generations in one transaction (history import, benchmarks); returns the count.

        Each mapping takes the keyword names of `record_generation`.
        """
        rows = (generation_values(g, self.now(g.get("created_at"))) for g in generations)
        with self._lock, self._larger_page_cache(_IMPORT_CACHE_KIB), self._writing() as db:
            return db.conn.executemany(INSERT_GENERATION, rows).rowcount

    def get_generation(self, generation_id: str) -> Row | None:
        """The generation as a dict (JSON columns parsed), or None."""
        row = self._row("SELECT * FROM generations WHERE id = ?", (generation_id,))
        return decode(row, _JSON_COLUMNS)

    def update_generation(self, generation_id: str, **fields: Any) -> None:
        """Set columns of a generation; JSON columns take Python values.

        Unknown names raise ValueError, and so does a status move set_status would refuse.
        """
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable generation fields: {', '.join(sorted(unknown))}")
        if not fields:
            return
        if "status" in fields:
            _check_status(fields["status"])
        values = [to_json(v) if k in _JSON_COLUMNS and v is not None else v for k, v in fields.items()]
        # Column names come from the allow-list above, never from the caller's text.
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._writing() as db:
            current = self._require(db, generation_id)
            if "status" in fields:
                _check_move(generation_id, current, fields["status"])
            db.execute(f"UPDATE generations SET {assignments} WHERE id = ?", [*values, generation_id])

    def set_status(self, generation_id: str, status: str) -> None:
        """Move a generation to `status`; an impossible move (e.g. out of `cancelled`) raises ValueError."""
        _check_status(status)
        if status in DECIDED_STATUSES:
            self.decide(generation_id, status)
            return
        with self._writing() as db:
            current = self._require(db, generation_id)
            _check_move(generation_id, current, status)
            db.execute("UPDATE generations SET status = ? WHERE id = ?", (status, generation_id))
            self._share_generation(db, generation_id)

    def decide(
        self,
        generation_id: str,
        verdict: str,
        quality_score: float | None = None,
        retained_text: str | None = None,
        *,
        at: datetime | str | None = None,
    ) -> None:
        """Record the verdict (`accepted` or `rejected`), with the survival score and what the user kept."""
        if verdict not in DECIDED_STATUSES:
            raise ValueError(f"a verdict is 'accepted' or 'rejected', not {verdict!r}")
        with self._writing() as db:
            current = self._require(db, generation_id)
            _check_move(generation_id, current, verdict)
            db.execute(
                "UPDATE generations SET status = ?, decided_at = ?,"
                " quality_score = coalesce(?, quality_score), retained_text = coalesce(?, retained_text)"
                " WHERE id = ?",
                (verdict, self.now(at), quality_score, retained_text, generation_id),
            )
            self._share_generation(db, generation_id)

    def record_checkpoint(self, generation_id: str, at: datetime | str | float, survival: float, retained: int) -> None:
        """Append a survival checkpoint {at, survival, retained} to the generation.

        `at` is a time, or the checkpoint window in seconds after applying.
        """
        at_value = at if isinstance(at, (int, float)) else self.now(at)
        checkpoint = to_json({"at": at_value, "survival": survival, "retained": retained})
        with self._writing() as db:
            self._require(db, generation_id)
            db.execute(
                "UPDATE generations SET checkpoints = json_insert(checkpoints, '$[#]', json(?)) WHERE id = ?",
                (checkpoint, generation_id),
            )

    def pending_generations(self) -> list[Row]:
        """Generations still watched by the tracker (status applied or pending), oldest first."""
        rows = self._rows("SELECT * FROM generations WHERE status IN ('applied', 'pending') ORDER BY created_at")
        return [decode(row, _JSON_COLUMNS) for row in rows]

    def generations_for_file(self, file_path: str) -> list[Row]:
        rows = self._rows("SELECT * FROM generations WHERE file_path = ? ORDER BY created_at", (str(file_path),))
        return [decode(row, _JSON_COLUMNS) for row in rows]

    def decided_generations(self, template_id: str, version: str | None = None) -> list[Row]:
        """Accepted and rejected generations of a template (one version, or all): the evolution evidence."""
        version_clause, params = _version_filter(template_id, version)
        rows = self._rows(
            "SELECT * FROM generations WHERE template_id = ? AND status IN ('accepted', 'rejected')"
            f"{version_clause} ORDER BY created_at",
            params,
        )
        return [decode(row, _JSON_COLUMNS) for row in rows]

    def add_event(
        self,
        generation_id: str,
        kind: str,
        data: Mapping[str, Any] | None = None,
        *,
        at: datetime | str | None = None,
    ) -> int:
        """Append an event (e.g. `applied`, `checkpoint`, `undo`, `upgraded`) to a generation's history."""
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO events (generation_id, kind, data, at) VALUES (?, ?, ?, ?)",
                (generation_id, kind, to_json(dict(data or {})), self.now(at)),
            )
            return inserted_id(cursor)

    def events_for(self, generation_id: str) -> list[Row]:
        rows = self._rows("SELECT * FROM events WHERE generation_id = ? ORDER BY id", (generation_id,))
        return [decode(row, ("data",)) for row in rows]

    def note_template_version(
        self, template_id: str, version: str, root_kind: str, *, at: datetime | str | None = None
    ) -> bool:
        """Remember that this template version exists; True the first time it is seen."""
        with self._writing() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO template_versions (template_id, version, root_kind, first_seen)"
                " VALUES (?, ?, ?, ?)",
                (template_id, version, root_kind, self.now(at)),
            )
            return cursor.rowcount == 1

    def template_versions(self, template_id: str | None = None) -> list[Row]:
        if template_id is None:
            return self._rows("SELECT * FROM template_versions ORDER BY template_id, first_seen")
        return self._rows("SELECT * FROM template_versions WHERE template_id = ? ORDER BY first_seen", (template_id,))

    def _require(self, db: Database, generation_id: str) -> str:
        row = db.execute("SELECT status FROM generations WHERE id = ?", (generation_id,)).fetchone()
        if row is None:
            raise KeyError(f"no generation with id {generation_id!r}")
        status: str = row[0]
        return status


def generation_values(generation: Mapping[str, Any], created_at: str) -> tuple[Any, ...]:
    """The INSERT_GENERATION parameters of one generation, given by the keyword names of `record_generation`.

    `created_at` is already an ISO 8601 UTC string (Store.now).
    """
    status = generation.get("status", "offered")
    _check_status(status)
    rendered_text = generation.get("rendered_text", "")
    rendered_sha = generation.get("rendered_sha")
    region = generation.get("region")
    return (
        generation.get("generation_id") or str(uuid.uuid4()),
        generation["template_id"],
        generation["template_version"],
        str(generation["file_path"]),
        generation["mode"],
        to_json(dict(generation["answers"])),
        to_json(dict(generation.get("answer_sources") or {})),
        rendered_text,
        rendered_sha if rendered_sha is not None else sha256_text(rendered_text),
        None if region is None else to_json(region),
        generation.get("instance_id"),
        created_at,
        status,
    )


INSERT_GENERATION = f"INSERT INTO generations ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"


def _version_filter(template_id: str, version: str | None) -> tuple[str, tuple[Any, ...]]:
    if version is None:
        return "", (template_id,)
    return " AND template_version = ?", (template_id, version)


def _check_status(status: str) -> None:
    if status not in GENERATION_STATUSES:
        raise ValueError(f"unknown generation status {status!r}; one of {', '.join(GENERATION_STATUSES)}")


def _check_move(generation_id: str, current: str, new: str) -> None:
    if new != current and new not in _NEXT_STATUSES[current]:
        raise ValueError(f"generation {generation_id} cannot go from {current!r} to {new!r}")
