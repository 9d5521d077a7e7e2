"""Template upgrades: merging a generated file with a new template version.

Pure text in, text out; nothing here renders templates or touches the disk.
"""

from .conflicts import Conflict, parse_conflicts, resolve_conflict
from .merge import MergeResult, three_way_merge

__all__ = [
    "Conflict",
    "MergeResult",
    "parse_conflicts",
    "resolve_conflict",
    "three_way_merge",
]
