"""Drift: a task's convention changed, so its program must be learned again from the new answers only.

Why a change point and not weighting by age: a learned program must agree
with every example it is trained on (synthesis is exact, not a fit), so old
answers cannot count "a little"; either they are evidence or they are not.
A change point says which ones are: the active program was consistent with
every kept answer up to its training, so the first kept answer after its
training that it gets wrong is where the current convention starts (the
change point). Answers from there on are the current convention; older ones
are history. This costs no extra search when nothing changed (the program is
checked on the new answers anyway) and needs only the new answers to learn
again, so re-learning never needs more answers than learning did.

A refuted program is not always drift: new answers can show that the
convention was a branch all along (a new folder with its own suffix), or
that the program guessed too specifically (a literal where a feature was
meant). The engine therefore first searches every kept answer for a program
without a condition; only when none exists does the change point decide
between "the convention changed" (a program without a condition fits the
answers since the change point) and "the convention branches" (a conditional
program fits them all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Kept = tuple[int, dict[str, Any], str]  # (execution id, features, answer)


def change_point(
    kept: Sequence[Kept], answers_of: Callable[[list[dict[str, Any]]], list[str | None]], trained_through: int
) -> int | None:
    """Index in `kept` (oldest first) of the first answer after `trained_through` that the program gets wrong.

    `answers_of` runs the active program on a list of features. None: the
    program agrees with every newer kept answer (no drift).
    """
    recent = [index for index, (row_id, _, _) in enumerate(kept) if row_id > trained_through]
    if not recent:
        return None
    got = answers_of([kept[index][1] for index in recent])
    for index, answer in zip(recent, got, strict=False):
        if answer != kept[index][2]:
            return index
    return None


def evidence_rows(
    rows: Sequence[dict[str, Any]], last_transition: dict[str, Any] | None, convention_from: int | None
) -> list[dict[str, Any]]:
    """The executions that count for the next stage decision.

    Normally those since the last transition. After a demotion for drift, the
    answers given since the change point are the new convention's evidence
    even when they came before the demotion was recorded, so they count too:
    that is what keeps re-learning as cheap as learning.
    """
    if last_transition is None:
        return list(rows)
    since = last_transition["at"]
    if convention_from is not None and last_transition["reason"].startswith(DRIFT_REASON):
        return [row for row in rows if row["id"] >= convention_from or row["at"] > since]
    return [row for row in rows if row["at"] > since]


DRIFT_REASON = "drift:"


def drift_reason(version: int, since_change: int) -> str:
    return (
        f"{DRIFT_REASON} the kept answers changed convention ({since_change} since the change point);"
        f" program v{version} no longer fits them, so the task learns and earns its stages again"
    )
