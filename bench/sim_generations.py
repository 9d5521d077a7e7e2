"""What the evolution simulations share: a generation made as the editor makes it, and the tracker's verdict.

The simulations (`evolution_edits_sim.py`, `evolution_improve_sim.py`) play users
through the domain APIs the server uses: a real Store, answers resolved and
rendered as the server does, verdicts from the tracker's survival metric.
"""

from __future__ import annotations

from typing import Any

from server.store import Store
from server.templates.answers import resolve_answers
from server.templates.model import Template
from server.templates.render import render_template
from server.tracking.survival import survival


def record_insert(
    store: Store, template: Template, features: dict[str, Any], given: dict[str, Any], path: str
) -> tuple[str, str]:
    """Resolve the answers (`given` over the defaults), render the insert and record it as applied.

    Returns the generation's id and the rendered block.
    """
    answers = resolve_answers(template, features, given).answers
    rendered = render_template(template, answers, features).primary.text.rstrip("\n")
    generation = store.record_generation(
        template.id, template.version, path, "insert", answers, rendered_text=rendered, status="applied"
    )
    return generation, rendered


def decide_by_survival(store: Store, generation: str, rendered: str, kept: str, keep_threshold: float) -> bool:
    """The tracker's verdict on what the user kept of `rendered`: accepted when enough of it survives."""
    score = survival(rendered, kept).score
    accepted = score >= keep_threshold
    store.decide(generation, "accepted" if accepted else "rejected", score, kept)
    return accepted
