"""One applied generation being watched, and its persisted form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.tracking.regions import Region


@dataclass
class PendingGeneration:
    generation_id: str
    uri: str
    region: Region | None  # None: lost by a full-document change, re-locate before reading
    rendered_text: str
    pre_edit_text: str  # what the generation replaced; "" for a plain insert
    applied_at: float  # on the tracker's clock
    checkpoints: tuple[float, ...]  # seconds after applied_at, ascending
    keep_threshold: float
    next_checkpoint: int = 0  # index of the first checkpoint not taken yet
    last_survival: float | None = None
    last_retained: int | None = None

    def due_at(self, index: int) -> float:
        return self.applied_at + self.checkpoints[index]

    def next_due_at(self) -> float | None:
        if self.next_checkpoint >= len(self.checkpoints):
            return None
        return self.due_at(self.next_checkpoint)

    def latest_reached(self, now: float) -> int | None:
        """The last checkpoint index not taken yet whose time has come, if any."""
        reached = None
        for index in range(self.next_checkpoint, len(self.checkpoints)):
            if self.due_at(index) > now:
                break
            reached = index
        return reached

    def record(self, index: int, score: float, retained: int) -> None:
        self.next_checkpoint = max(self.next_checkpoint, index + 1)
        self.last_survival = score
        self.last_retained = retained

    def to_record(self) -> dict[str, Any]:
        record = dict(vars(self))
        record["region"] = None if self.region is None else [list(self.region.start), list(self.region.end)]
        record["checkpoints"] = list(self.checkpoints)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> PendingGeneration:
        fields = dict(record)
        region = fields.get("region")
        fields["region"] = None if region is None else Region(tuple(region[0]), tuple(region[1]))
        fields["checkpoints"] = tuple(float(seconds) for seconds in fields["checkpoints"])
        return cls(**fields)
