"""Is there an upgrade worth offering for a generated file?

Only when the newest version, rendered with the migrated answers, differs from
what the recorded version rendered: a new version that changes nothing for
these answers is not worth the user's attention. Nothing is asked here: open
questions take their pre-filled candidate, and a question with no candidate at
all makes the offer (the upgrade will ask it).

Results are cached per answer file under the hash of its content and the
newest versions of its templates, so re-checking an unchanged workspace costs
one file read and one hash per file.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from server.common.errors import AnswerFileError, ScionError, TemplateNotFound
from server.common.fsutil import sha256_text
from server.context import context_for_path
from server.templates.answerfile import AnswerRecord, primary_file, read_records
from server.templates.catalog import Catalog
from server.templates.model import Template
from server.templates.safe_yaml import read_bounded_text
from server.templates.versions import version_key
from server.templates.withdrawn import withdrawn_template
from server.upgrades.answers import merging_from, migrate_record
from server.upgrades.discovery import with_confined_files
from server.upgrades.inserted import upgrade_block
from server.upgrades.planner import WRITING_ACTIONS, plan_file_upgrades
from server.upgrades.renders import Renderer

# What a secret answer (never recorded) renders as when detection compares two versions.
SECRET_STAND_IN = "secret"

log = logging.getLogger("scion.upgrades")

SUMMARY_WIDTH = 160
# (template id, its newest version) of each template an answer file names
Newest = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class UpgradeOffer:
    answer_file: Path
    primary: Path
    generation_id: str
    template_id: str
    from_version: str
    to_version: str
    summary: str
    line: int  # 0-based line where the generated code starts (insert mode: its region)

    @property
    def message(self) -> str:
        text = f"{self.template_id} {self.from_version} → {self.to_version}"
        return f"{text}: {self.summary}" if self.summary else text


class Detector:
    def __init__(self, catalog: Catalog, workspace: Path, renderer: Renderer | None = None) -> None:
        self.catalog = catalog
        self.workspace = Path(workspace).resolve()
        self.renderer = renderer or Renderer()
        self._cache: dict[Path, tuple[tuple[str, Newest], list[UpgradeOffer]]] = {}

    def offers(self, answer_file: Path) -> list[UpgradeOffer]:
        """The upgrades worth offering for the generations of one answer file (cached)."""
        answer_file = Path(answer_file)
        try:
            text = read_bounded_text(answer_file, AnswerFileError)
        except FileNotFoundError:
            self._cache.pop(answer_file, None)
            return []
        except AnswerFileError:
            self._cache.pop(answer_file, None)
            raise
        records = read_records(answer_file, text)
        key = (sha256_text(text), self._newest(records))
        cached = self._cache.get(answer_file)
        if cached is not None and cached[0] == key:
            return cached[1]
        primary = primary_file(answer_file)
        features = context_for_path(primary, self.workspace).features()
        offers = [offer for record in records if (offer := self._offer(answer_file, primary, record, features))]
        self._cache[answer_file] = (key, offers)
        return offers

    def forget(self, answer_file: Path) -> None:
        self._cache.pop(Path(answer_file), None)

    def _newest(self, records: list[AnswerRecord]) -> Newest:
        newest = []
        for template_id in sorted({record.template for record in records}):
            try:  # not `in catalog.ids()`: that parses every template of a lazy catalog
                versions = self.catalog.versions(template_id)
            except TemplateNotFound:
                versions = []
            newest.append((template_id, versions[-1] if versions else None))
        return tuple(newest)

    def _offer(
        self, answer_file: Path, primary: Path, record: AnswerRecord, features: dict[str, Any]
    ) -> UpgradeOffer | None:
        try:
            record = with_confined_files(record, self.workspace, os.path.realpath(answer_file.parent))
            target = self.catalog.get(record.template)
            back = version_key(target.version) < version_key(record.version)
            if version_key(target.version) == version_key(record.version) or (
                back and withdrawn_template(self.workspace, record.template, record.version) is None
            ):
                return None
            if not self._render_changes(answer_file, record, target, features):
                return None
        except ScionError as error:
            log.info("no upgrade offered for %s (%s %s): %s", primary, record.template, record.version, error)
            return None
        summary = (
            merge_back_summary(record.version, target.version)
            if back
            else changelog_summary(self.catalog.all_versions(record.template), record.version, target.version)
        )
        line = record.region["start"][0] if record.region else 0
        return UpgradeOffer(
            answer_file, primary, record.generation_id, record.template, record.version, target.version, summary, line
        )

    def _render_changes(
        self, answer_file: Path, record: AnswerRecord, target: Template, features: dict[str, Any]
    ) -> bool:
        versions = self.catalog.all_versions(record.template)
        answers = migrate_record(versions, target, merging_from(record, target), features)
        if set(answers.missing) - set(answers.withheld):
            return True  # a new question only the user can answer: the upgrade will ask it
        # Secrets are never recorded: one stand-in on both sides shows what the template changed.
        stand_ins = dict.fromkeys(answers.withheld, SECRET_STAND_IN)
        theirs = self.renderer.files(target, {**answers.answers, **stand_ins}, features, answer_file, self.workspace)
        new = {key: sha256_text(text) for key, text in theirs.items()}
        record = replace(record, answers={**stand_ins, **record.answers})
        old_render = self._old_render(answer_file, record, features)
        if old_render is None:
            # The recorded version is gone: its shas stand for its render (an
            # inserted block's sha covers its indentation, so it cannot be compared).
            return target.mode == "insert" or new != record.files
        if new == {key: sha256_text(text) for key, text in old_render.items()}:
            return False
        return not already_merged(answer_file, record, target, old_render, theirs)

    def _old_render(self, answer_file: Path, record: AnswerRecord, features: dict[str, Any]) -> dict[str, str] | None:
        try:
            template = self.catalog.get(record.template, record.version)
        except ScionError:
            withdrawn = withdrawn_template(self.workspace, record.template, record.version)
            if withdrawn is None:
                return None
            template = withdrawn
        return self.renderer.files(template, record.answers, features, answer_file, self.workspace)


def merge_back_summary(withdrawn: str, to_version: str) -> str:
    return f"{withdrawn} was withdrawn (rolled back); merge back to {to_version}, keeping your edits"


def changelog_summary(versions: list[Template], from_version: str, to_version: str) -> str:
    """The changelog entries of the versions after `from_version` up to `to_version`, newest first, shortened."""
    newest = next((t for t in versions if t.version == to_version), None)
    changelog = dict(newest.changelog) if newest is not None else {}
    entries = [
        " ".join(str(text).split())
        for version, text in sorted(changelog.items(), key=lambda item: version_key(str(item[0])), reverse=True)
        if version_key(from_version) < version_key(str(version)) <= version_key(to_version)
    ]
    summary = "; ".join(entries)
    return summary if len(summary) <= SUMMARY_WIDTH else summary[: SUMMARY_WIDTH - 1].rstrip() + "…"


def already_merged(
    answer_file: Path, record: AnswerRecord, target: Template, old_render: dict[str, str], theirs: dict[str, str]
) -> bool:
    """Would the three-way merge leave every file as it is? Then the user already made the template's change
    (or its part that applies here), and an upgrade would only report "unchanged": nothing to offer."""
    folder = answer_file.parent
    label = f"template {target.version}"
    if target.mode == "insert":
        key = primary_file(answer_file).name
        if key not in theirs:
            return False
        block = upgrade_block(
            key, _read(folder / key), record.region, record.sha256, old_render.get(key), None, theirs[key], label
        )
        return block is not None and block.change.action not in WRITING_ACTIONS
    keys = dict.fromkeys([*theirs, *old_render, *record.files])
    now = {key: _read(folder / key) for key in keys}
    plan = plan_file_upgrades(old_render, theirs, now, record.files, label)
    return all(change.action not in WRITING_ACTIONS for change in plan.changes)


def _read(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None
