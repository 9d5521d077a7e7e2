"""Stage transitions up and down, with reasons, and who answers in each stage."""

from __future__ import annotations

import pytest

from server.evolution.stages import (
    CODE_FIRST,
    CODE_ONLY,
    HYBRID,
    LLM_ONLY,
    StageStats,
    StageThresholds,
    next_stage,
    who_answers,
)

SMALL = StageThresholds(min_executions=10, min_kept_rate=0.9, min_code_answers=5)


def stats(executions=12, kept=0.95, code=0, code_kept=None, program=True) -> StageStats:
    return StageStats(executions, kept, code, code_kept, program)


def test_promotes_one_step_at_a_time_with_a_reason():
    stage, reason = next_stage(LLM_ONLY, stats(), SMALL)
    assert stage == HYBRID
    assert reason == "12 executions, 95% kept (at least 90%)"
    assert next_stage(HYBRID, stats(code=8, code_kept=1.0), SMALL)[0] == CODE_FIRST
    stage, reason = next_stage(CODE_FIRST, stats(code=8, code_kept=0.92), SMALL)
    assert stage == CODE_ONLY
    assert "code answers kept 92% of 8" in reason
    assert next_stage(CODE_ONLY, stats(code=8, code_kept=1.0), SMALL) is None


@pytest.mark.parametrize(
    "evidence",
    [
        stats(executions=9),  # too few executions
        stats(kept=0.85),  # kept rate below the bar
        stats(kept=None),  # no known outcome yet
        stats(program=False),  # nothing to hand over to
    ],
)
def test_stays_without_enough_evidence(evidence):
    assert next_stage(LLM_ONLY, evidence, SMALL) is None


def test_code_must_meet_the_bar_once_it_has_answered():
    # Too few code answers to demote, but enough doubt not to promote.
    assert next_stage(HYBRID, stats(code=3, code_kept=0.6), SMALL) is None


def test_demotes_one_step_when_code_answers_fall_below_the_bar():
    stage, reason = next_stage(CODE_ONLY, stats(kept=0.95, code=6, code_kept=0.5), SMALL)
    assert stage == CODE_FIRST
    assert reason == "code answers kept 50% of 6 (below 90%)"
    assert next_stage(HYBRID, stats(code=5, code_kept=0.8), SMALL)[0] == LLM_ONLY
    assert next_stage(LLM_ONLY, stats(kept=0.5, code=50, code_kept=0.1), SMALL) is None


def test_losing_the_program_returns_the_task_to_the_teacher():
    stage, reason = next_stage(CODE_FIRST, stats(program=False), SMALL)
    assert stage == LLM_ONLY
    assert "no active program" in reason


def test_default_thresholds_are_the_seeds():
    assert next_stage(LLM_ONLY, stats(executions=99, kept=1.0)) is None
    assert next_stage(LLM_ONLY, stats(executions=100, kept=0.9))[0] == HYBRID


def test_from_store_counts():
    row = {
        "task": "t",
        "stage": "hybrid",
        "executions": 30,
        "known": 20,
        "kept": 19,
        "kept_rate": 0.95,
        "code_executions": 0,
        "code_kept": 0,
        "code_kept_rate": None,
    }
    assert StageStats.from_counts(row, has_program=True) == StageStats(30, 0.95, 0, None, True)


@pytest.mark.parametrize(
    ("stage", "confidence", "expected"),
    [
        (LLM_ONLY, 1.0, "teacher"),
        (HYBRID, 0.8, "code"),
        (HYBRID, 0.79, "teacher"),
        (CODE_FIRST, 0.7, "code"),
        (CODE_FIRST, 0.69, "teacher"),
        (CODE_ONLY, 0.1, "code"),
        (CODE_ONLY, None, "teacher"),
        (HYBRID, None, "teacher"),
    ],
)
def test_who_answers(stage, confidence, expected):
    assert who_answers(stage, confidence) == expected


def test_who_answers_rejects_unknown_stages():
    with pytest.raises(ValueError):
        who_answers("sometimes", 0.9)
