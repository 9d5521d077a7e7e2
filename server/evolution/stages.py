"""Who answers a learned task, and when a task moves between stages.

A task starts with the teacher (the LLM, else the user) answering and earns its
way towards code: llm_only -> hybrid -> code_first -> code_only, one step at a
time, and falls back one step when the code's answers stop being kept. Pure
functions over counts; the engine reads the counts from the store and records
every transition with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from server.common.config import EvolutionSettings

# The stages are defined once, beside the database constraint that checks them.
from server.store.schema import CODE_FIRST as CODE_FIRST
from server.store.schema import CODE_ONLY as CODE_ONLY
from server.store.schema import HYBRID as HYBRID
from server.store.schema import LLM_ONLY as LLM_ONLY
from server.store.schema import STAGES as STAGES

Answerer = Literal["code", "teacher"]
_DEFAULTS = EvolutionSettings()  # the settings own the defaults (`scion.evolution.*`)


@dataclass(frozen=True)
class StageThresholds:
    min_executions: int = _DEFAULTS.min_executions
    min_kept_rate: float = _DEFAULTS.min_kept_rate
    hybrid_confidence: float = _DEFAULTS.hybrid_confidence
    code_first_confidence: float = _DEFAULTS.code_first_confidence
    # Code answers needed before their kept rate may demote a task: a few early
    # rejections are noise, not evidence.
    min_code_answers: int = 20


@dataclass(frozen=True)
class StageStats:
    """The evidence for one decision, over the window the engine chooses (e.g. since the last transition).

    `kept_rate` covers every answer (teacher and code); `code_*` only the answers
    the program gave. A rate is None while no outcome is known. `has_program`
    says whether the task has an active program.
    """

    executions: int
    kept_rate: float | None
    code_executions: int = 0
    code_kept_rate: float | None = None
    has_program: bool = False

    @classmethod
    def from_counts(cls, counts: Mapping[str, Any], has_program: bool) -> StageStats:
        """From a row shaped like `Store.task_stats()` (extra keys are ignored)."""
        return cls(
            executions=counts.get("executions") or 0,
            kept_rate=counts.get("kept_rate"),
            code_executions=counts.get("code_executions") or 0,
            code_kept_rate=counts.get("code_kept_rate"),
            has_program=has_program,
        )


def next_stage(
    current: str, stats: StageStats, thresholds: StageThresholds = StageThresholds()
) -> tuple[str, str] | None:
    """The stage to move to and why, or None to stay."""
    position = STAGES.index(current)
    bar = thresholds.min_kept_rate
    if current != LLM_ONLY and not stats.has_program:
        return LLM_ONLY, "the task has no active program, so the teacher answers again"
    code_below_bar = stats.code_kept_rate is not None and stats.code_kept_rate < bar
    if current != LLM_ONLY and code_below_bar and stats.code_executions >= thresholds.min_code_answers:
        return STAGES[position - 1], (
            f"code answers kept {stats.code_kept_rate:.0%} of {stats.code_executions} (below {bar:.0%})"
        )
    kept_enough = stats.kept_rate is not None and stats.kept_rate >= bar
    if current == CODE_ONLY or stats.executions < thresholds.min_executions or not kept_enough:
        return None
    if not stats.has_program or code_below_bar:
        return None
    reason = f"{stats.executions} executions, {stats.kept_rate:.0%} kept (at least {bar:.0%})"
    if stats.code_kept_rate is not None:
        reason += f"; code answers kept {stats.code_kept_rate:.0%} of {stats.code_executions}"
    return STAGES[position + 1], reason


def who_answers(stage: str, code_confidence: float | None, thresholds: StageThresholds = StageThresholds()) -> Answerer:
    """Whether the program or the teacher answers; a confidence of None means the program abstains."""
    if stage == LLM_ONLY or code_confidence is None:
        return "teacher"
    if stage == HYBRID:
        return "code" if code_confidence >= thresholds.hybrid_confidence else "teacher"
    if stage == CODE_FIRST:
        return "code" if code_confidence >= thresholds.code_first_confidence else "teacher"
    if stage == CODE_ONLY:
        return "code"
    raise ValueError(f"unknown stage {stage!r}")
