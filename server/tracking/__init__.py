"""Acceptance tracking: follow generated regions through edits, measure what survives,
and judge each generation accepted or rejected. Plain Python, no LSP types."""

from server.tracking.pending import PendingGeneration
from server.tracking.regions import Position, PositionEncoding, Region, end_of_insert, shift_region, text_in_region
from server.tracking.relocate import Located, locate
from server.tracking.survival import Survival, normalise, survival
from server.tracking.tracker import CheckpointResult, Tracker, Verdict

__all__ = [
    "CheckpointResult",
    "Located",
    "PendingGeneration",
    "Position",
    "PositionEncoding",
    "Region",
    "Survival",
    "Tracker",
    "Verdict",
    "end_of_insert",
    "locate",
    "normalise",
    "shift_region",
    "survival",
    "text_in_region",
]
