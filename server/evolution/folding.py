"""Edit folding: write the edits most users make back into a copy of the template source.

An edit is folded when it was made in at least `MIN_SUPPORT` generations and
by the users of at least `FOLD_SHARE` of the generations whose output had the
edited text (an edit of a line that only some answers render is judged among
the generations that rendered it), and only when analysis could map it to
literal template text. Edits in several places of one file are folded
together; two that change the same source text (or insert at one point)
cannot both be, and the more common one wins.
"""

from __future__ import annotations

from pathlib import Path

from server.evolution.analysis import EditAnalysis, EditEvidence
from server.evolution.candidates import TemplateCandidate, copy_version
from server.templates.model import Template

FOLD_SHARE = 0.6
MIN_SUPPORT = 3
_QUOTED_LIMIT = 80


def edits_to_fold(analysis: EditAnalysis, share: float = FOLD_SHARE) -> list[EditEvidence]:
    """The common edits that can be folded together, most common first."""
    chosen: list[EditEvidence] = []
    for evidence in analysis.edits:
        if len(evidence.generation_ids) < MIN_SUPPORT or evidence.share < share:
            continue
        if any(_conflict(evidence, other) for other in chosen):
            continue
        chosen.append(evidence)
    return chosen


def _conflict(a: EditEvidence, b: EditEvidence) -> bool:
    """Would applying both be ambiguous? Ranges that merely touch are not: each keeps its side."""
    if a.edit.source != b.edit.source:
        return False
    if a.edit.start == a.edit.end and b.edit.start == b.edit.end:
        return a.edit.start == b.edit.start  # two insertions at one point: which goes first?
    if a.edit.start == a.edit.end:
        return b.edit.start < a.edit.start < b.edit.end
    if b.edit.start == b.edit.end:
        return a.edit.start < b.edit.start < a.edit.end
    return a.edit.start < b.edit.end and b.edit.start < a.edit.end


def fold(template: Template, edits: list[EditEvidence], scratch: Path) -> TemplateCandidate | None:
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
        # From the end backwards, so earlier offsets stay valid; at one offset a replacement
        # goes before an insertion, which so lands in front of the replaced text, as users put it.
        for evidence in sorted(group, key=lambda e: (e.edit.start, e.edit.end), reverse=True):
            text = text[: evidence.edit.start] + evidence.edit.text + text[evidence.edit.end :]
        path.write_text(text, encoding="utf-8", newline="")
    changes = [describe(evidence) for evidence in edits]
    return TemplateCandidate(kind="folding", folder=folder, changes=changes)


def describe(evidence: EditEvidence) -> str:
    """One changelog line: what changed in the output and how many users did it, of how many who could."""
    count, applicable = len(evidence.generation_ids), len(evidence.applicable_ids)
    before, after = _quoted(evidence.before), _quoted(evidence.after)
    if not evidence.before:
        what = f"adds {after}"
    elif not evidence.after:
        what = f"removes {before}"
    else:
        what = f"changes {before} to {after}"
    return f"{what} (made by users in {count} of {applicable} generations whose output had it)"


def _quoted(text: str) -> str:
    shown = text.strip("\n").replace("\n", "\\n")
    if len(shown) > _QUOTED_LIMIT:
        shown = shown[: _QUOTED_LIMIT - 1] + "…"
    return f"`{shown}`"
