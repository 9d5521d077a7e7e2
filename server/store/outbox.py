"""The hub outbox: what this instance shares with its team, written in the same transaction as the local write.

Nothing is written here unless `sharing` is set (a hub is configured). The
share level decides what a payload holds (`stats`: template, version,
verdict, survival; `answers`: also the non-secret answers, their sources, the
editing features and workspace-relative paths; `code`: also the generated and
the kept text). Secret answers never reach the store at all
(generation/__init__.py leaves them out), so they cannot reach a payload.
The sync (server/hub/sync.py) reads batches in order and deletes what the hub
acknowledged; the hub stores an entry pushed twice once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from server.store.core import Row, StoreCore, from_json, to_json

if TYPE_CHECKING:
    from server.store.connection import Database

SHARE_LEVELS = ("stats", "answers", "code")
GENERATION = "generation"
EXECUTION = "execution"
_ABSOLUTE_FEATURES = ("path",)  # the rest of the editing features are relative to the workspace


@dataclass(frozen=True)
class Sharing:
    """Who this instance is, how much it shares, and the workspace its paths are made relative to."""

    instance_id: str
    level: str = "answers"
    workspace: Path | None = None

    def __post_init__(self) -> None:
        if self.level not in SHARE_LEVELS:
            raise ValueError(f"share level is one of {', '.join(SHARE_LEVELS)}, not {self.level!r}")

    @property
    def answers(self) -> bool:
        return self.level in ("answers", "code")

    @property
    def code(self) -> bool:
        return self.level == "code"

    def relative(self, path: str) -> str:
        """A workspace-relative POSIX path; a file outside the workspace is shared by its name only."""
        if self.workspace is not None:
            try:
                return PurePath(path).relative_to(self.workspace).as_posix()
            except ValueError:
                pass
        return PurePath(path).name


@dataclass(frozen=True)
class OutboxSlice:
    """The oldest outbox entries as the JSON array text `[{id, kind, key, payload}, ...]` the hub takes."""

    count: int
    last_id: int  # acknowledging the slice removes every entry up to this id
    entries_json: str


class OutboxMixin(StoreCore):
    sharing: Sharing | None = None  # set by whoever opens the store with a hub configured

    # -- written beside the local writes (callers hold the write transaction) --

    def _share_generation(self, db: Database, generation_id: str) -> None:
        sharing = self.sharing
        if sharing is None:
            return
        row = db.execute("SELECT * FROM generations WHERE id = ?", (generation_id,)).fetchone()
        if row is None:
            return
        names = [d[0] for d in db.execute("SELECT * FROM generations LIMIT 0").description]
        self._enqueue(db, GENERATION, generation_id, generation_payload(dict(zip(names, row, strict=True)), sharing))

    def _share_executions(self, db: Database, generation_id: str) -> None:
        sharing = self.sharing
        if sharing is None or not sharing.answers:
            return
        rows = db.execute(
            "SELECT task, features, answer, producer, kept, at FROM task_executions"
            " WHERE generation_id = ? AND origin IS NULL AND kept IS NOT NULL",
            (generation_id,),
        ).fetchall()
        for task, features, answer, producer, kept, at in rows:
            payload = {
                "generation_id": generation_id,
                "task": task,
                "features": shared_features(from_json(features) or {}),
                "answer": from_json(answer),
                "producer": producer,
                "kept": bool(kept),
                "at": at,
            }
            self._enqueue(db, EXECUTION, f"{generation_id}:{task}", payload)

    def _enqueue(self, db: Database, kind: str, key: str, payload: dict[str, Any]) -> None:
        # An entry not pushed yet is replaced: the hub wants the row as it is now, once.
        db.execute("DELETE FROM hub_outbox WHERE kind = ? AND key = ?", (kind, key))
        db.execute(
            "INSERT INTO hub_outbox (kind, key, payload, at) VALUES (?, ?, ?, ?)",
            (kind, key, to_json(payload), self.now()),
        )

    # -- read and acknowledged by the sync -------------------------------------

    def outbox_slice(self, limit: int = 500) -> OutboxSlice | None:
        """The oldest entries as one JSON array, built by SQLite on the read-only second connection; None when empty.

        The sync hands the text to the hub as it is: no payload is parsed or
        encoded in Python, so the sync's thread holds the interpreter (and the
        store's lock) for no time proportional to the batch.
        """
        row = self._row_apart(
            "SELECT count(*), max(id), json_group_array(json_object('id', id, 'kind', kind, 'key', key,"
            " 'payload', json(payload))) FROM (SELECT id, kind, key, payload FROM hub_outbox ORDER BY id LIMIT ?)",
            (limit,),
        )
        if row is None or not row[0]:
            return None
        return OutboxSlice(count=int(row[0]), last_id=int(row[1]), entries_json=str(row[2]))

    def acknowledge_through(self, last_id: int) -> None:
        """Remove the entries of a slice the hub has stored: every id up to its last one.

        Ids only grow (AUTOINCREMENT), so an entry written after the slice was
        read, even one replacing an entry of it, has a larger id and stays.
        """
        with self._writing() as db:
            db.execute("DELETE FROM hub_outbox WHERE id <= ?", (last_id,))

    def outbox_size(self) -> int:
        size: int = self._scalar("SELECT count(*) FROM hub_outbox")
        return size

    def hub_state(self, key: str) -> str | None:
        value: str | None = self._scalar("SELECT value FROM hub_state WHERE key = ?", (key,))
        return value

    def set_hub_state(self, key: str, value: str) -> None:
        with self._writing() as db:
            db.execute(
                "INSERT INTO hub_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def generation_payload(row: Row, sharing: Sharing) -> dict[str, Any]:
    """A generation row as the share level allows."""
    payload: dict[str, Any] = {
        key: row[key]
        for key in (
            "id",
            "template_id",
            "template_version",
            "mode",
            "status",
            "quality_score",
            "created_at",
            "decided_at",
        )
    }
    if sharing.answers:
        payload["answers"] = from_json(row["answers"]) or {}
        payload["answer_sources"] = from_json(row["answer_sources"]) or {}
        payload["file_path"] = sharing.relative(row["file_path"])
    if sharing.code:
        payload["rendered_text"] = row["rendered_text"]
        payload["retained_text"] = row["retained_text"]
    return payload


def shared_features(features: dict[str, Any]) -> dict[str, Any]:
    """The editing features without the absolute ones (they name this machine's folders)."""
    return {key: value for key, value in features.items() if key not in _ABSOLUTE_FEATURES}
