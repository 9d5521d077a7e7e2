"""Validate a candidate template against the history and the template's own examples.

A candidate passes when, rendered in the isolated render process, every
historical answer set renders, every output parses with tree-sitter without
ERROR or MISSING nodes, every example renders its expected text and parses,
and its replay score is lower (closer to what users kept) than the current
version's. Example answers are completed with the manifest's defaults here,
from the current version's manifest, which the candidate shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.common.errors import ScionError
from server.context import context_for_path, language_for_path, parse_errors
from server.evolution.analysis import HistoricalGeneration
from server.evolution.isolated_render import RenderOutcome, render_isolated
from server.evolution.replay import kept_text, replay_distances
from server.templates.answers import resolve_answers
from server.templates.model import Example, Template

MAX_REASONS = 5


@dataclass
class Validation:
    ok: bool
    score: float | None  # replay score; None when the candidate did not get that far
    reasons: list[str] = field(default_factory=list)  # why it failed
    distances: list[float] = field(default_factory=list)  # per generation with kept text, in history order


def history_distances(history: list[HistoricalGeneration], outcomes: list[RenderOutcome]) -> list[float]:
    """Replay distance of each render (outcomes[i] rendered with history[i]'s answers), over the generations whose
    users kept some text (an undo says the output was unwanted, not what would have been kept: every version is
    equally far from nothing, so it would only dilute the comparison)."""
    pairs = [
        (outcome, kept)
        for generation, outcome in zip(history, outcomes, strict=False)
        if (kept := kept_text(generation)) is not None and kept.strip()
    ]
    return replay_distances(
        [outcome.primary if outcome.ok else None for outcome, _ in pairs], [kept for _, kept in pairs]
    )


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def current_distances(template: Template, history: list[HistoricalGeneration]) -> list[float]:
    """The replay distances of the version itself, rendered the same isolated way as candidates."""
    return history_distances(
        history, render_isolated(template.path, template.id, [(g.answers, g.features) for g in history])
    )


def current_score(template: Template, history: list[HistoricalGeneration]) -> float:
    """The replay score (mean distance) of the version itself."""
    return mean(current_distances(template, history))


def validate_candidate(
    folder: Path, template: Template, history: list[HistoricalGeneration], baseline: float
) -> Validation:
    """Check the candidate in `folder` (a copy of `template` with changed sources)."""
    examples = [_example_answers(template, example) for example in template.examples]
    answer_sets = [(g.answers, g.features) for g in history] + [pair for pair in examples if pair is not None]
    outcomes = render_isolated(folder, template.id, answer_sets)
    reasons: list[str] = []
    for generation, outcome in zip(history, outcomes, strict=False):
        reasons += _render_problems(template, outcome, f"generation {generation.id[:8]}")
    example_outcomes = iter(outcomes[len(history) :])
    for index, (example, answers) in enumerate(zip(template.examples, examples, strict=False)):
        if answers is None:
            reasons.append(f"example {index + 1}: its answers do not resolve")
            continue
        reasons += _example_problems(template, example, next(example_outcomes), index)
    if reasons:
        return Validation(False, None, _shortened(reasons))
    distances = history_distances(history, outcomes)
    score = mean(distances)
    if score >= baseline:
        return Validation(
            False, score, [f"replay score {score:.3f} does not beat the current version's {baseline:.3f}"], distances
        )
    return Validation(True, score, distances=distances)


def _example_answers(template: Template, example: Example) -> tuple[dict[str, Any], dict[str, Any]] | None:
    features = context_for_path("").features()
    features["language"] = template.languages[0] if template.languages else ""
    features["place"] = template.where[0] if template.where else ""
    features.update(example.context)
    try:
        resolution = resolve_answers(template, features, dict(example.answers))
    except ScionError:
        return None
    return (resolution.answers, features) if not resolution.missing else None


def _render_problems(template: Template, outcome: RenderOutcome, what: str) -> list[str]:
    if not outcome.ok:
        return [f"{what} does not render: {outcome.error}"]
    return _parse_problems(template, outcome, what)


def _parse_problems(template: Template, outcome: RenderOutcome, what: str) -> list[str]:
    problems = []
    for path, text in outcome.files:
        language = (
            template.languages[0] if template.mode == "insert" and template.languages else language_for_path(path)
        )
        if not language:
            continue
        errors = parse_errors(language, text)
        if errors:
            line, column, snippet = errors[0]
            problems.append(f"{what}: {path} does not parse ({line + 1}:{column + 1} near {snippet!r})")
    return problems


def _example_problems(template: Template, example: Example, outcome: RenderOutcome, index: int) -> list[str]:
    what = f"example {index + 1}"
    if not outcome.ok:
        return [f"{what} does not render: {outcome.error}"]
    text = "\n".join(content for _, content in outcome.files)
    problems = [f"{what}: the output lacks {expected!r}" for expected in example.contains if expected not in text]
    if example.parses:
        problems += _parse_problems(template, outcome, what)
    return problems


def _shortened(reasons: list[str]) -> list[str]:
    if len(reasons) <= MAX_REASONS:
        return reasons
    return [*reasons[:MAX_REASONS], f"and {len(reasons) - MAX_REASONS} more problems"]
