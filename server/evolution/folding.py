"""Edit folding: write the edits most users make back into a copy of the template source.

An edit is folded when the users of at least `FOLD_SHARE` of the version's
decided generations made it, and only when analysis could map it to literal
template text. Two edits that touch the same source text cannot both be
folded; the more frequent one wins.
"""

from __future__ import annotations

from pathlib import Path

from server.evolution.analysis import EditAnalysis, EditEvidence
from server.evolution.candidates import TemplateCandidate, copy_version
from server.templates.model import Template

FOLD_SHARE = 0.6
_QUOTED_LIMIT = 80


def edits_to_fold(analysis: EditAnalysis, decided: int, share: float = FOLD_SHARE) -> list[EditEvidence]:
    """The frequent edits that can be folded together, most frequent first."""
    if decided <= 0:
        return []
    chosen: list[EditEvidence] = []
    for evidence in analysis.edits:
        if len(evidence.generation_ids) / decided < share:
            continue
        if any(_overlap(evidence, other) for other in chosen):
            continue
        chosen.append(evidence)
    return chosen


def _overlap(a: EditEvidence, b: EditEvidence) -> bool:
    if a.edit.source != b.edit.source:
        return False
    # Two insertions at one point (or a range touching another) would make the order ambiguous.
    return a.edit.start <= b.edit.end and b.edit.start <= a.edit.end


def fold(template: Template, edits: list[EditEvidence], decided: int, scratch: Path) -> TemplateCandidate | None:
    """A copy of the template with `edits` applied to its sources, in `scratch`; None without edits."""
    if not edits:
        return None
    folder = copy_version(template, scratch / "folding")
    by_source: dict[str, list[EditEvidence]] = {}
    for evidence in edits:
        by_source.setdefault(evidence.edit.source, []).append(evidence)
    for source, group in by_source.items():
        path = folder / "files" / source
        text = path.read_text(encoding="utf-8")
        for evidence in sorted(group, key=lambda e: e.edit.start, reverse=True):
            text = text[: evidence.edit.start] + evidence.edit.text + text[evidence.edit.end :]
        path.write_text(text, encoding="utf-8", newline="")
    changes = [describe(evidence, decided) for evidence in edits]
    return TemplateCandidate(kind="folding", folder=folder, changes=changes)


def describe(evidence: EditEvidence, decided: int) -> str:
    """One changelog line: what changed in the output and how many users did it."""
    count = len(evidence.generation_ids)
    before, after = _quoted(evidence.before), _quoted(evidence.after)
    if not evidence.before:
        what = f"adds {after}"
    elif not evidence.after:
        what = f"removes {before}"
    else:
        what = f"changes {before} to {after}"
    return f"{what} (made by users in {count} of {decided} generations)"


def _quoted(text: str) -> str:
    shown = text.strip("\n").replace("\n", "\\n")
    if len(shown) > _QUOTED_LIMIT:
        shown = shown[: _QUOTED_LIMIT - 1] + "…"
    return f"`{shown}`"
