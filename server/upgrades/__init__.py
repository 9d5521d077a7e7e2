"""Template upgrades: merging a generated file with a new template version.

Pure text in, text out; nothing here renders templates or touches the disk.
"""

from server.fsutil import sha256_text

from .blocks import locate_block, splice
from .conflicts import Conflict, parse_conflicts, resolve_conflict
from .merge import MergeResult, three_way_merge
from .planner import FileChange, UpgradePlan, plan_file_upgrades

__all__ = [
    "Conflict",
    "FileChange",
    "MergeResult",
    "UpgradePlan",
    "locate_block",
    "parse_conflicts",
    "plan_file_upgrades",
    "resolve_conflict",
    "sha256_text",
    "splice",
    "three_way_merge",
]
