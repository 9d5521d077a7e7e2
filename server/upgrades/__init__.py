"""Template upgrades: a generated file merged with a new template version.

Planning (service.py, over planner.py, merge.py, blocks.py) renders and reads
but writes nothing: it returns a FileUpgrade value (outcome.py). The disk
applier (apply.py, writes.py) writes plans behind a rollback journal; the
editor applier lives in the LSP layer (server/features/upgrade_edits.py).
"""

from server.common.fsutil import sha256_text

from .blocks import locate_block, splice
from .conflicts import Conflict, parse_conflicts, resolve_conflict
from .merge import MergeResult, three_way_merge
from .planner import FileChange, GenerationPlan, plan_file_upgrades

__all__ = [
    "Conflict",
    "FileChange",
    "GenerationPlan",
    "MergeResult",
    "locate_block",
    "parse_conflicts",
    "plan_file_upgrades",
    "resolve_conflict",
    "sha256_text",
    "splice",
    "three_way_merge",
]
