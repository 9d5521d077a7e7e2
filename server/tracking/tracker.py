"""Watching applied generations until each one is judged accepted or rejected.

The tracker is plain state driven from outside: the server feeds it document
changes and calls `due`/`checkpoint` from its timers, so tests drive it with a
fake clock and no event loop. Times are seconds on the injected clock (wall
time by default, because pending generations are persisted and resumed after a
restart, where a monotonic clock would be meaningless).

Rules (docs: DESIGN.md, "Tracking"):
- At the first checkpoint, a region whose text is back to the text the
  generation replaced (an undo) is rejected at once.
- At the last checkpoint the verdict is accepted when the 4-gram survival is at
  least the keep threshold, rejected otherwise. Earlier checkpoints only record
  survival.
- A generation judged from disk (document closed, or resumed after a restart)
  gets its verdict immediately from where its text is found; a missing file
  means rejected.
Every verdict carries the region's text at that moment: what the user kept is
the evidence template improvement learns from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from server.common.config import TrackingSettings
from server.tracking.pending import PendingGeneration
from server.tracking.regions import Position, PositionEncoding, Region, shift_region, text_in_region
from server.tracking.relocate import locate
from server.tracking.survival import normalise, survival

_DEFAULTS = TrackingSettings()  # the settings own the defaults


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class CheckpointResult:
    """What one look at a generation found. `verdict` None: still pending."""

    generation_id: str
    checkpoint_index: int | None  # None for an explicit or from-disk judgement
    survival: float | None  # None when nothing could be measured (explicit decision without text)
    retained: int | None  # rendered characters kept unchanged
    verdict: Verdict | None
    retained_text: str | None  # the region's text when it was looked at
    reason: str  # why: "checkpoint", "undo", "threshold", "explicit", "disk", "missing"


class Tracker:
    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        encoding: PositionEncoding = "utf-16",
        checkpoints: Iterable[float] = _DEFAULTS.checkpoints,
        keep_threshold: float = _DEFAULTS.keep_threshold,
    ):
        self.clock = clock
        self.encoding = encoding
        self.checkpoints = _valid_checkpoints(checkpoints)
        self.keep_threshold = keep_threshold
        self._by_uri: dict[str, dict[str, PendingGeneration]] = {}
        self._by_id: dict[str, PendingGeneration] = {}

    def track(
        self,
        generation_id: str,
        uri: str,
        region: Region,
        rendered_text: str,
        pre_edit_text: str = "",
        applied_at: float | None = None,
        checkpoints: Iterable[float] | None = None,
        keep_threshold: float | None = None,
    ) -> PendingGeneration:
        """Start watching a generation whose text now fills `region` of `uri`."""
        if generation_id in self._by_id:
            raise ValueError(f"generation {generation_id} is already tracked")
        pending = PendingGeneration(
            generation_id=generation_id,
            uri=uri,
            region=region,
            rendered_text=rendered_text,
            pre_edit_text=pre_edit_text,
            applied_at=self.clock() if applied_at is None else applied_at,
            checkpoints=self.checkpoints if checkpoints is None else _valid_checkpoints(checkpoints),
            keep_threshold=self.keep_threshold if keep_threshold is None else keep_threshold,
        )
        self._add(pending)
        return pending

    def on_change(self, uri: str, edit_start: Position | None, edit_end: Position | None, new_text: str) -> None:
        """Follow one content change of `uri` (no range: a full-document change)."""
        for pending in self._by_uri.get(uri, {}).values():
            if pending.region is not None:
                pending.region = shift_region(pending.region, edit_start, edit_end, new_text, self.encoding)

    def due(self, now: float | None = None) -> list[tuple[str, int]]:
        """(generation id, checkpoint index) for each generation with a checkpoint reached,
        earliest first. When several of one generation's checkpoints have passed (the
        machine slept), only the latest is due: an old window measured late means nothing."""
        now = self.clock() if now is None else now
        found = []
        for pending in self._by_id.values():
            index = pending.latest_reached(now)
            if index is not None:
                found.append((pending.due_at(index), pending.generation_id, index))
        return [(generation_id, index) for _, generation_id, index in sorted(found)]

    def next_due_time(self) -> float | None:
        """When the earliest pending checkpoint falls due, on the tracker's clock."""
        times = [pending.next_due_at() for pending in self._by_id.values()]
        return min((at for at in times if at is not None), default=None)

    def checkpoint(self, generation_id: str, index: int, current_region_text: str) -> CheckpointResult:
        """Measure a generation at checkpoint `index`, given the text its region covers now."""
        pending = self.get(generation_id)
        if not 0 <= index < len(pending.checkpoints):
            raise ValueError(f"checkpoint {index} out of range for {generation_id}")
        measured = survival(pending.rendered_text, current_region_text)
        pending.record(index, measured.score, measured.retained_chars)
        verdict, reason = None, "checkpoint"
        if index == 0 and self._is_undone(pending, current_region_text):
            verdict, reason = Verdict.REJECTED, "undo"
        elif index == len(pending.checkpoints) - 1:
            verdict, reason = self._by_threshold(pending, measured.score), "threshold"
        if verdict is not None:
            self._remove(generation_id)
        return CheckpointResult(
            generation_id, index, measured.score, measured.retained_chars, verdict, current_region_text, reason
        )

    def decide(self, generation_id: str, verdict: Verdict, current_region_text: str | None = None) -> CheckpointResult:
        """An explicit verdict (the user said so). Measured when the region's text is given,
        else reported with the last checkpoint's measures."""
        pending = self._remove(generation_id)
        if current_region_text is None:
            score, retained = pending.last_survival, pending.last_retained
        else:
            measured = survival(pending.rendered_text, current_region_text)
            score, retained = measured.score, measured.retained_chars
        return CheckpointResult(generation_id, None, score, retained, Verdict(verdict), current_region_text, "explicit")

    def judge_from_disk(self, generation_id: str, file_text: str | None) -> CheckpointResult:
        """The verdict now, from the file's saved text (None: the file is gone)."""
        pending = self._remove(generation_id)
        if file_text is None:
            return CheckpointResult(generation_id, None, 0.0, 0, Verdict.REJECTED, None, "missing")
        found = locate(pending.rendered_text, file_text, pending.region, self.encoding)
        measured = survival(pending.rendered_text, found.text)
        verdict = self._by_threshold(pending, measured.score)
        return CheckpointResult(
            generation_id, None, measured.score, measured.retained_chars, verdict, found.text, "disk"
        )

    def relocate(self, generation_id: str, document_text: str) -> Region:
        """Find the generation's text again in an open document and follow it from there."""
        pending = self.get(generation_id)
        pending.region = locate(pending.rendered_text, document_text, pending.region, self.encoding).region
        return pending.region

    def region_text(self, generation_id: str, document_text: str) -> str:
        """The text the generation's region covers in `document_text`, re-locating it first
        when a full-document change made the tracked range unknown."""
        pending = self.get(generation_id)
        region = pending.region or self.relocate(generation_id, document_text)
        return text_in_region(document_text, region, self.encoding)

    def get(self, generation_id: str) -> PendingGeneration:
        try:
            return self._by_id[generation_id]
        except KeyError:
            raise KeyError(f"generation {generation_id} is not pending") from None

    def pending_for(self, uri: str) -> list[PendingGeneration]:
        return list(self._by_uri.get(uri, {}).values())

    def pending(self) -> list[PendingGeneration]:
        return list(self._by_id.values())

    def forget(self, uri: str) -> list[str]:
        """Stop watching every generation in `uri`, undecided; returns their ids."""
        forgotten = list(self._by_uri.pop(uri, {}))
        for generation_id in forgotten:
            del self._by_id[generation_id]
        return forgotten

    def move(self, old_uri: str, new_uri: str) -> None:
        """Follow a renamed document."""
        for pending in self._by_uri.pop(old_uri, {}).values():
            pending.uri = new_uri
            self._by_uri.setdefault(new_uri, {})[pending.generation_id] = pending

    def snapshot(self) -> list[dict[str, Any]]:
        """Pending state as JSON-ready records, for the database."""
        return [pending.to_record() for pending in self._by_id.values()]

    def restore(self, records: Iterable[dict[str, Any]]) -> list[str]:
        """Resume pending generations saved by `snapshot`; returns their ids. Their
        regions are as last followed; judge them from disk, edits may have been missed."""
        restored = []
        for record in records:
            pending = PendingGeneration.from_record(record)
            if pending.generation_id in self._by_id:
                self._remove(pending.generation_id)
            self._add(pending)
            restored.append(pending.generation_id)
        return restored

    def _is_undone(self, pending: PendingGeneration, current_region_text: str) -> bool:
        before = normalise(pending.pre_edit_text)
        return normalise(current_region_text) == before and normalise(pending.rendered_text) != before

    @staticmethod
    def _by_threshold(pending: PendingGeneration, score: float) -> Verdict:
        return Verdict.ACCEPTED if score >= pending.keep_threshold else Verdict.REJECTED

    def _add(self, pending: PendingGeneration) -> None:
        self._by_id[pending.generation_id] = pending
        self._by_uri.setdefault(pending.uri, {})[pending.generation_id] = pending

    def _remove(self, generation_id: str) -> PendingGeneration:
        pending = self.get(generation_id)
        del self._by_id[generation_id]
        in_uri = self._by_uri[pending.uri]
        del in_uri[generation_id]
        if not in_uri:
            del self._by_uri[pending.uri]
        return pending


def _valid_checkpoints(checkpoints: Iterable[float]) -> tuple[float, ...]:
    ordered = tuple(sorted(float(seconds) for seconds in checkpoints))
    if not ordered or ordered[0] < 0:
        raise ValueError("checkpoints must be a non-empty list of seconds >= 0")
    return ordered
