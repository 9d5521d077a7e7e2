"""The evidence for improving a template version: which answers go with rejections, which edits users keep making.

Edits are found line by line (rendered text against the text the user kept)
and mapped back to the template source through provenance: an edit of lines
that came entirely from literal template text becomes a `SourceEdit`, a change
of the source file that would have produced what the user kept. Edits of lines
that an expression produced are still reported (the LLM sees them) but never
become source edits.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.context import context_for_path
from server.evolution.provenance import TracedRender, traced_render
from server.templates.model import Template

# Answers shorter than this are too likely to match unrelated text to be generalised.
MIN_GENERALISED_ANSWER = 3
# An answer value "goes with rejections" when its success rate is this far below the version's.
REJECTION_MARGIN = 0.2
MIN_ANSWER_DECIDED = 3
# Two lines this alike (difflib ratio) count as one line edited rather than one removed and one added.
SIMILAR_LINE = 0.6


@dataclass(frozen=True)
class HistoricalGeneration:
    """One decided generation as evolution sees it."""

    id: str
    answers: dict[str, Any]
    features: dict[str, Any]
    rendered_text: str
    retained_text: str | None
    accepted: bool


@dataclass(frozen=True)
class SourceEdit:
    """Replace source[start:end] of one template file by `text` (Jinja source)."""

    source: str
    start: int
    end: int
    text: str


@dataclass
class EditEvidence:
    """A source edit, the generations whose users made it and those whose output had the edited text.

    `applicable_ids` are the traced generations whose render contained the
    source text the edit changes (for an insertion: a literal character next to
    the insertion point): only their users could have made it.
    """

    edit: SourceEdit
    generation_ids: set[str] = field(default_factory=set)
    applicable_ids: set[str] = field(default_factory=set)
    before: str = ""
    after: str = ""

    @property
    def share(self) -> float:
        """Of the generations whose output had the edited text, the share whose users made the edit."""
        return len(self.generation_ids) / len(self.applicable_ids) if self.applicable_ids else 0.0


@dataclass(frozen=True)
class LineChange:
    before: str
    after: str


@dataclass
class EditAnalysis:
    edits: list[EditEvidence]  # foldable, most frequent first
    line_changes: list[tuple[LineChange, int]]  # every line change with its count, literal or not
    traced: int  # generations whose render could be traced and compared


def history_from_rows(rows: Iterable[dict[str, Any]], workspace: Path | None) -> list[HistoricalGeneration]:
    """Store rows of decided generations, with the editing features rebuilt from each file's path."""
    features_by_path: dict[str, dict[str, Any]] = {}
    history = []
    for row in rows:
        path = row.get("file_path") or ""
        if path not in features_by_path:
            features_by_path[path] = context_for_path(path, workspace).features() if path else {}
        history.append(
            HistoricalGeneration(
                id=row["id"],
                answers=dict(row.get("answers") or {}),
                features=features_by_path[path],
                rendered_text=row.get("rendered_text") or "",
                retained_text=row.get("retained_text"),
                accepted=row.get("status") == "accepted",
            )
        )
    return history


def rejection_answers(by_answer: list[dict[str, Any]], overall_rate: float | None) -> list[dict[str, Any]]:
    """Answer values whose success rate is clearly below the version's (rows of store.success_by_answer)."""
    if overall_rate is None:
        return []
    return [
        {"question": row["question"], "value": row["value"], "decided": row["decided"], "rate": row["rate"]}
        for row in by_answer
        if row["decided"] >= MIN_ANSWER_DECIDED
        and row["rate"] is not None
        and row["rate"] <= overall_rate - REJECTION_MARGIN
    ]


def analyse_edits(
    template: Template,
    history: list[HistoricalGeneration],
    trace: Callable[[Template, dict[str, Any], dict[str, Any]], TracedRender | None] = traced_render,
) -> EditAnalysis:
    """Every edit users made to this version's output; the foldable ones mapped to source edits."""
    evidence: dict[SourceEdit, EditEvidence] = {}
    line_changes: Counter[LineChange] = Counter()
    covered: dict[str, tuple[str, frozenset[int]]] = {}  # generation id -> (source, literal offsets rendered once)
    traced = 0
    for generation in history:
        if not (generation.retained_text or "").strip():
            continue  # nothing was kept (an undo): no evidence of which edit its user would make
        render = trace(template, generation.answers, generation.features)
        aligned = _align(render, generation) if render is not None else None
        if render is None or aligned is None:
            continue
        traced += 1
        base_length, kept = aligned
        covered[generation.id] = (render.source, _rendered_once(render))
        for edit, before, after in _edits_of(render, base_length, kept, generation.answers, line_changes):
            entry = evidence.setdefault(edit, EditEvidence(edit, before=before, after=after))
            entry.generation_ids.add(generation.id)
    for entry in evidence.values():
        entry.applicable_ids = {
            generation_id
            for generation_id, (source, offsets) in covered.items()
            if _applies(entry.edit, source, offsets)
        } | entry.generation_ids
    edits = sorted(evidence.values(), key=lambda entry: (-entry.share, -len(entry.generation_ids), entry.edit.start))
    return EditAnalysis(edits, line_changes.most_common(), traced)


def _rendered_once(render: TracedRender) -> frozenset[int]:
    return frozenset(render.source_offset(origin) for origin in render.origins if render.once(origin))


def _applies(edit: SourceEdit, source: str, offsets: frozenset[int]) -> bool:
    """Did a render that output the literal source offsets `offsets` contain what `edit` changes?"""
    if source != edit.source:
        return False
    if edit.end > edit.start:
        return all(offset in offsets for offset in range(edit.start, edit.end))
    return edit.start - 1 in offsets or edit.start in offsets


def _align(render: TracedRender, generation: HistoricalGeneration) -> tuple[int, str] | None:
    """(length of the render prefix the stored text covers, kept text in the template's indentation).

    Inserted blocks are stored re-indented to the cursor and without the final
    newline; the kept text is brought back to the template's own indentation.
    """
    stored, kept = generation.rendered_text, generation.retained_text or ""
    if stored == render.text:
        return len(render.text), kept
    indentation = stored[: len(stored) - len(stored.lstrip(" \t"))]
    reindented = "".join(indentation + line if line.strip() else line for line in render.text.splitlines(keepends=True))
    if reindented.rstrip("\n") != stored:
        return None
    dedented = "".join(
        line[len(indentation) :] if line.startswith(indentation) else line for line in kept.splitlines(keepends=True)
    )
    return len(render.text.rstrip("\n")), dedented


def _edits_of(
    render: TracedRender, length: int, kept: str, answers: dict[str, Any], line_changes: Counter[LineChange]
) -> list[tuple[SourceEdit, str, str]]:
    base = render.text[:length]
    old_lines, new_lines = base.splitlines(keepends=True), kept.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    found = []
    for i1, i2, after in _hunks(old_lines, new_lines):
        before = "".join(old_lines[i1:i2])
        line_changes[LineChange(_generalised(before, answers), _generalised(after, answers))] += 1
        edit = _source_edit(render, starts[i1], before, after, answers)
        if edit is None or (
            edit.start == edit.end and not all(render.once(render.origins[i]) for i in range(starts[i1], starts[i2]))
        ):
            continue  # an insertion into lines an expression or a loop produced
        found.append((edit, before, after))
    return found


def _hunks(old_lines: list[str], new_lines: list[str]) -> list[tuple[int, int, str]]:
    """(first old line, end old line, new text) of every change, one line at a time where possible.

    A changed block is split by pairing each old line with the next similar new
    line, so that "edit a line and add one after it" reads as two edits, each
    the same as when a user makes only one of them. The old lines between two
    pairs are replaced, together, by the new lines between them: replacing two
    lines by two unlike ones is one edit, not two deletions and an insertion
    that would overlap.
    """
    hunks = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace":
            hunks.append((i1, i2, "".join(new_lines[j1:j2])))
            continue
        cursor, unpaired_from = j1, i1
        for i in range(i1, i2):
            pair = next((j for j in range(cursor, j2) if _similar(old_lines[i], new_lines[j])), None)
            if pair is None:
                continue
            if unpaired_from < i or pair > cursor:
                hunks.append((unpaired_from, i, "".join(new_lines[cursor:pair])))
            if new_lines[pair] != old_lines[i]:
                hunks.append((i, i + 1, new_lines[pair]))
            cursor, unpaired_from = pair + 1, i + 1
        if unpaired_from < i2 or cursor < j2:
            hunks.append((unpaired_from, i2, "".join(new_lines[cursor:j2])))
    return hunks


def _similar(old: str, new: str) -> bool:
    # Indentation is left out: two unlike lines at one depth share it, and it would make them look alike.
    return difflib.SequenceMatcher(None, old.strip(), new.strip(), autojunk=False).ratio() >= SIMILAR_LINE


def _source_edit(
    render: TracedRender, offset: int, before: str, after: str, answers: dict[str, Any]
) -> SourceEdit | None:
    """The source change that turns `before` (at `offset` in the render) into `after`, or None."""
    prefix = len(_common_prefix(before, after))
    suffix = len(_common_prefix(before[prefix:][::-1], after[prefix:][::-1]))
    start, end = offset + prefix, offset + len(before) - suffix
    inserted = after[prefix : len(after) - suffix]
    if end > start:
        return _replacement(render, start, end, inserted, answers)
    return _insertion(render, start, inserted, answers)


def _replacement(
    render: TracedRender, start: int, end: int, inserted: str, answers: dict[str, Any]
) -> SourceEdit | None:
    origins = render.origins[start:end]
    first = origins[0]
    if not render.once(first) or any(
        o is None or o.piece != first.piece or o.offset != first.offset + i for i, o in enumerate(origins)
    ):
        return None  # the change spans a tag or a loop's output: writing it back would change template logic
    source_start = render.source_offset(first)
    source_end = source_start + len(origins)
    return SourceEdit(
        render.source, source_start, source_end, _as_source(render, source_start, source_end, inserted, answers)
    )


def _insertion(render: TracedRender, at: int, inserted: str, answers: dict[str, Any]) -> SourceEdit | None:
    """Anchor an insertion to a literal character next to it; a line inserted after a line
    that ends in an expression may also go before that line's newline instead."""
    choices = [(at, inserted)]
    if at > 0 and inserted and inserted[-1] == render.text[at - 1]:
        choices.append((at - 1, render.text[at - 1] + inserted[:-1]))
    for position, text in choices:
        before = render.origins[position - 1] if position > 0 else None
        after = render.origins[position] if position < len(render.origins) else None
        if render.once(before):
            source_at = render.source_offset(before) + 1
        elif render.once(after):
            source_at = render.source_offset(after)
        else:
            continue
        return SourceEdit(render.source, source_at, source_at, _as_source(render, source_at, source_at, text, answers))
    return None


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def _as_source(render: TracedRender, start: int, end: int, text: str, answers: dict[str, Any]) -> str:
    """Jinja source that outputs `text`: answer values become expressions, Jinja syntax stays literal,
    and whitespace next to a whitespace-stripping tag is kept by emitting it from an expression."""
    source = _generalised(text, answers)
    if not text:
        return source
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip())
    if trail and source.endswith(text[len(text) - trail :]) and re.match(r"\s*\{[{%#]-", render.source_text[end:]):
        source = source[: len(source) - trail] + _expression(text[len(text) - trail :])
    if lead and source.startswith(text[:lead]) and re.search(r"-[}%#]\}\s*$", render.source_text[:start]):
        source = _expression(text[:lead]) + source[lead:]
    return source


def _generalised(text: str, answers: dict[str, Any]) -> str:
    """`text` as Jinja source, with every whole-word occurrence of a string answer as `{{ name }}`."""
    values = sorted(
        (
            (str(value), name)
            for name, value in answers.items()
            if isinstance(value, str) and len(value) >= MIN_GENERALISED_ANSWER and re.fullmatch(r"[\w.]+", value)
        ),
        key=lambda item: -len(item[0]),
    )
    if not values:
        return _literal(text)
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(value)}(?!\w)" for value, _ in values))
    by_value = dict(values)
    parts, position = [], 0
    for match in pattern.finditer(text):
        parts.append(_literal(text[position : match.start()]))
        parts.append("{{ " + by_value[match.group()] + " }}")
        position = match.end()
    parts.append(_literal(text[position:]))
    return "".join(parts)


def _literal(text: str) -> str:
    if "{{" in text or "{%" in text or "{#" in text:
        return "{% raw %}" + text + "{% endraw %}"
    return text


def _expression(whitespace: str) -> str:
    return "{{ " + json.dumps(whitespace) + " }}"
