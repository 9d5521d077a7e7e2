"""What the tracking feature keeps in the store, and the measuring it does off the event loop.

Plain Python (no LSP types): the pending state that lets a restarted server
resume, the look at a generation's text at a checkpoint, and which answers of
a decided generation count as kept.

Persistence: the generation row holds the status ('pending' while watched), the
survival checkpoints and, at the end, the verdict. The rest of a watched
generation's state (its uri, checkpoint windows, threshold, when it was applied,
the region as last followed) goes into `tracking` and `checkpoint` events, so
nothing in the schema is specific to this server's bookkeeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path

from server.common.fsutil import sha256_text
from server.tracking import (
    CheckpointResult,
    PendingGeneration,
    PositionEncoding,
    Region,
    Tracker,
    Verdict,
    locate,
    normalise,
)

TRACKING_EVENT = "tracking"
CHECKPOINT_EVENT = "checkpoint"
VERDICT_EVENT = "verdict"

# An answer shorter than this may occur anywhere by chance ("id", "x"), so its
# absence or presence in the kept code says nothing about whether it was kept.
MIN_TRACEABLE_ANSWER = 3


def region_of(value: Any) -> Region | None:
    """A region from its JSON forms: {"start": [l, c], "end": [l, c]} or [[l, c], [l, c]]."""
    if isinstance(value, dict) and "start" in value and "end" in value:
        return Region(tuple(value["start"]), tuple(value["end"]))
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return Region(tuple(value[0]), tuple(value[1]))
    return None


def was_redacted(row: dict) -> bool:
    """Whether the stored render had secret answers taken out: it no longer matches its sha."""
    text, sha = row.get("rendered_text"), row.get("rendered_sha")
    return bool(text is not None and sha and sha256_text(text) != sha)


def region_json(region: Region | None) -> dict | None:
    return None if region is None else {"start": list(region.start), "end": list(region.end)}


def tracking_event(pending: PendingGeneration) -> dict:
    """The pending state to persist; the rendered text is already on the generation row."""
    record = pending.to_record()
    record.pop("rendered_text")
    return record


def resumable_record(row: dict, events: list[dict], checkpoints: tuple[float, ...], keep_threshold: float) -> dict:
    """A `Tracker.restore` record for a generation the store says is still watched.

    Built from its last `tracking` event and the checkpoints taken since; a
    generation applied without one (by the CLI, or a server that stopped before
    it began watching) is watched from its creation time with today's settings.
    """
    record: dict[str, Any] = {
        "generation_id": row["id"],
        "uri": from_fs_path(row["file_path"]),
        "region": row.get("region"),
        "pre_edit_text": "",
        "applied_at": _timestamp(row["created_at"]),
        "checkpoints": list(checkpoints),
        "keep_threshold": keep_threshold,
    }
    for event in events:
        if event["kind"] == TRACKING_EVENT:
            record.update(event["data"])
        elif event["kind"] == CHECKPOINT_EVENT:
            data = event["data"]
            record["next_checkpoint"] = max(record.get("next_checkpoint", 0), int(data["index"]) + 1)
            record["region"] = data.get("region", record["region"])
            record["last_survival"] = data.get("survival")
            record["last_retained"] = data.get("retained")
    region = region_of(record["region"])
    record["region"] = None if region is None else [list(region.start), list(region.end)]
    record["rendered_text"] = row["rendered_text"]
    return record


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return time.time()


@dataclass(frozen=True)
class Look:
    """One measurement of a generation, and where its region was found (None: not re-located)."""

    result: CheckpointResult
    region: Region | None


def _probe(record: dict[str, Any], encoding: PositionEncoding) -> Tracker:
    # A private tracker holding a copy of one generation: the measuring runs in a
    # worker thread while the server's tracker keeps following edits on the loop.
    probe = Tracker(encoding=encoding)
    probe.restore([record])
    return probe


def read_text(path: Path) -> str | None:
    """The saved text of a file; None when it is gone or can no longer be read as text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def look_in_document(record: dict[str, Any], index: int, document_text: str, encoding: PositionEncoding) -> Look:
    """Checkpoint `index` of a generation in an open document (re-locating a lost region)."""
    probe = _probe(record, encoding)
    generation_id = record["generation_id"]
    current = probe.region_text(generation_id, document_text)
    region = probe.get(generation_id).region
    return Look(probe.checkpoint(generation_id, index, current), region)


def look_on_disk(record: dict[str, Any], index: int, path: Path, encoding: PositionEncoding) -> Look:
    """Checkpoint `index` of a generation whose document is not open: from the saved file.
    The last checkpoint, or a missing file, gives the verdict now."""
    probe = _probe(record, encoding)
    generation_id = record["generation_id"]
    text = read_text(path)
    if text is None or index == len(record["checkpoints"]) - 1:
        return Look(probe.judge_from_disk(generation_id, text), None)
    found = locate(record["rendered_text"], text, region_of(record["region"]), encoding)
    return Look(probe.checkpoint(generation_id, index, found.text), found.region)


def look_for_decision(
    record: dict[str, Any], verdict: Verdict, document_text: str | None, path: Path, encoding: PositionEncoding
) -> Look:
    """An explicit verdict, measured on the open document, else on the saved file."""
    probe = _probe(record, encoding)
    generation_id = record["generation_id"]
    current: str | None
    if document_text is not None:
        current = probe.region_text(generation_id, document_text)
    else:
        text = read_text(path)
        current = (
            None if text is None else locate(record["rendered_text"], text, region_of(record["region"]), encoding).text
        )
    return Look(probe.decide(generation_id, verdict, current), None)


def kept_answers(answers: dict[str, Any], rendered: str, retained: str | None, accepted: bool) -> dict[str, bool]:
    """Which answers of a decided generation were kept.

    Kept = the generation was accepted and the user did not change that answer
    afterwards. An answer the user corrected when asked is recorded with source
    `user`, so what is checked here is the code: a text answer that appeared in
    the rendered code and no longer appears in what the user kept was changed
    (a renamed class, say). Answers that leave no trace (booleans, short text)
    are kept with their generation.
    """
    kept = {}
    kept_code = normalise(retained) if retained is not None else None
    rendered_code = normalise(rendered)
    for name, value in answers.items():
        if not accepted:
            kept[name] = False
            continue
        trace = normalise(value) if isinstance(value, str) else ""
        traceable = len(trace) >= MIN_TRACEABLE_ANSWER and trace in rendered_code
        kept[name] = not traceable or kept_code is None or trace in kept_code
    return kept
