"""Upgrading a generated file: read its answer file, render, migrate, merge, then write.

`Upgrader.prepare` decides everything without writing, so the CLI can print a
dry run and the server can send the result as a WorkspaceEdit (a preview, or
an edit the editor applies to its open buffers). `Upgrader.write_files` puts a
prepared upgrade on disk; `Upgrader.commit` updates the answer file and the
database once the files hold the new text, whoever wrote them.

Per generation: base = the recorded version rendered with the recorded answers
(trusted only when it matches the recorded sha; else the text the database
stored; else a two-way merge), theirs = the target version rendered with the
migrated answers, ours = the file now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from server.confine import inside_workspace
from server.context import context_for_path
from server.errors import AnswerError, ScionError, TemplateError, TemplateNotFound
from server.fsutil import atomic_write, sha256_text
from server.generation import now_iso
from server.templates.answerfile import AnswerRecord, locked
from server.templates.model import Template
from server.templates.secrets import redact, secret_values, without_secrets
from server.templates.versions import version_key
from server.upgrades.answer_text import upgraded_answer_text
from server.upgrades.answers import Ask, MigratedAnswers, migrate_record
from server.upgrades.conflicts import parse_conflicts
from server.upgrades.inserted import upgrade_block
from server.upgrades.outcome import FileUpdate, FileUpgrade, GenerationUpgrade, Status
from server.upgrades.planner import plan_file_upgrades
from server.upgrades.records import answer_file_of, primary_file, read_answer_source, read_records, with_confined_files
from server.upgrades.renders import Renderer
from server.upgrades.writes import UNCHECKED, StagedWrites

log = logging.getLogger("scion.upgrades")

UPGRADED_EVENT = "upgraded"
# Reads a file as the user has it now (an editor's open buffer, else the disk); None: no such file.
ReadText = Callable[[Path], "str | None"]


def read_from_disk(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


class Upgrader:
    def __init__(
        self,
        catalog,
        workspace: Path,
        store=None,
        *,
        ask: Ask | None = None,
        read_text: ReadText = read_from_disk,
        renderer: Renderer | None = None,
        honour_skips: bool = False,
        answers: dict[str, Any] | None = None,
    ) -> None:
        self.catalog = catalog
        self.workspace = Path(workspace).resolve()
        self.store = store
        self.ask = ask
        self.read_text = read_text
        self.renderer = renderer or Renderer()
        # Batch upgrades leave alone the versions a user chose to skip for a file.
        self.honour_skips = honour_skips
        # Answers given for the upgrade (`--answer`): how a secret is given again without a prompt.
        self.explicit = dict(answers or {})

    # -- deciding --------------------------------------------------------------

    def prepare(
        self, path: Path, to_version: str | None = None, *, resolved: bool = False, answer_text: bool = False
    ) -> FileUpgrade:
        """What upgrading `path` (a generated file or its answer file) would do; writes nothing.

        `resolved`: the caller has resolved `path` already (a batch resolves all its paths at once).
        `answer_text`: also compute the answer file's new text (`answer_change`), for a batch.
        """
        path = path if isinstance(path, Path) else Path(path)
        answer_file = answer_file_of(path if resolved else path.resolve())
        # The answer file names what an upgrade writes and deletes: it must be in the workspace.
        inside_workspace(self.workspace, answer_file, what="answer file")
        primary = primary_file(answer_file)
        result = FileUpgrade(answer_file, primary)
        text, records, own_layout = read_answer_source(answer_file)
        records = [with_confined_files(record, self.workspace, answer_file.parent) for record in records]
        if not records:
            result.status, result.message = "skipped", "no generation is recorded for this file"
            return result
        features = context_for_path(primary, self.workspace).features()
        texts: dict[Path, str | None] = {}  # files as earlier generations of this file left them
        originals: dict[Path, str | None] = {}
        for record in records:
            target = self.target_version(record, to_version)
            if target is None:
                continue
            if self._skipped(primary, record, target):
                result.message = f"{record.template} {target.version} is skipped for this file"
                continue
            upgrade = self._upgrade_generation(answer_file, primary, record, target, features, texts, originals)
            if upgrade is None:
                result.status, result.message = "skipped", "cancelled: the questions were not answered"
                result.generations, result.updates = [], {}
                return result
            if isinstance(upgrade, str):
                result.message = upgrade
                continue
            result.generations.append(upgrade)
        result.updates = {path: _final_update(path, originals[path], texts[path]) for path in texts}
        result.status = _status(result)
        if answer_text and result.generations and text is not None:
            new_text = upgraded_answer_text(
                answer_file, text, records, [g.new for g in result.generations], own_layout=own_layout
            )
            result.answer_change = (text, new_text)
        return result

    def target_version(self, record: AnswerRecord, to_version: str | None = None) -> Template | None:
        """The version to upgrade `record` to, or None when it is already there.

        Raises TemplateNotFound for an unknown template or version, and
        ScionError for a downgrade.
        """
        versions = self.catalog.versions(record.template)
        wanted = to_version or versions[-1]
        if version_key(wanted) < version_key(record.version):
            raise ScionError(
                f"refusing to downgrade {record.template} from {record.version} to {wanted}: "
                "upgrades only go forward (regenerate the file to go back)"
            )
        if version_key(wanted) == version_key(record.version):
            return None
        return self.catalog.get(record.template, wanted)

    def _skipped(self, primary: Path, record: AnswerRecord, target: Template) -> bool:
        return (
            self.honour_skips
            and self.store is not None
            and self.store.is_dismissed(str(primary), record.template, target.version)
        )

    def _upgrade_generation(
        self,
        answer_file: Path,
        primary: Path,
        record: AnswerRecord,
        target: Template,
        features: dict[str, Any],
        texts: dict[Path, str | None],
        originals: dict[Path, str | None],
    ) -> GenerationUpgrade | str | None:
        """The generation's upgrade; None when the user cancelled; a message when there is nothing to upgrade."""
        versions = self.catalog.all_versions(record.template)
        answers = migrate_record(versions, target, record, features, self.ask, self.explicit)
        if answers.cancelled:
            return None
        if answers.missing:
            raise _missing_answers(record, target, answers)
        # Secrets are not recorded: the recorded version is rendered with the ones given again.
        record_for_base = replace(record, answers={**record.answers, **answers.secrets(target)})
        theirs = self.renderer.files(
            target, answers.answers, features, answer_file, self.workspace, answer_file_resolved=True
        )
        label = f"template {target.version}"
        folder = answer_file.parent

        def current(path: Path) -> str | None:
            if path not in texts:
                originals[path] = texts[path] = self.read_text(path)
            return texts[path]

        if target.mode != "insert" and _untouched(record, folder, current):
            # Every file is as generated (its recorded sha): the files themselves
            # are the old render, so the recorded version need not be rendered.
            base: dict[str, str] | None = {key: current(folder / key) for key in record.files}
            stored = None
        else:
            base = self._base_files(record_for_base, features, answer_file)
            stored = self._stored_render(record)

        if target.mode == "insert":
            key = primary.name
            block = upgrade_block(
                key,
                current(primary),
                record.region,
                record.sha256,
                base.get(key) if base else None,
                stored,
                theirs[key],
                label,
            )
            if block is None:
                return f"the {record.template} block was not found in {primary.name}; it was left as it is"
            texts[primary] = block.file_text
            new = _new_record(
                record, answers, target, {key: sha256_text(block.new_block)}, sha256_text(block.new_block), block.region
            )
            return GenerationUpgrade(record, new, target, answers, len(block.change.conflicts), block.new_block)

        if stored is not None:
            primary_key = next(iter(record.files), primary.name)
            base = dict(base or {})
            if sha256_text(base.get(primary_key, "")) != record.files.get(primary_key, record.sha256):
                base[primary_key] = stored
        keys = dict.fromkeys([*theirs, *(base or {}), *record.files])
        now = {key: current(folder / key) for key in keys}
        plan = plan_file_upgrades(base, theirs, now, record.files, label)
        for change in plan.changes:
            if change.action in ("update", "create", "delete"):
                texts[folder / change.path] = change.new_text
        shas = {key: sha256_text(text) for key, text in theirs.items()}
        primary_text = next(iter(theirs.values()), "")
        new = _new_record(record, answers, target, shas, sha256_text(primary_text), None)
        return GenerationUpgrade(record, new, target, answers, plan.conflict_count, primary_text)

    def _base_files(self, record: AnswerRecord, features: dict[str, Any], answer_file: Path) -> dict[str, str] | None:
        """The recorded version's render, or None when that version is gone or no longer renders."""
        try:
            template = self.catalog.get(record.template, record.version)
            return self.renderer.files(
                template, record.answers, features, answer_file, self.workspace, answer_file_resolved=True
            )
        except (TemplateNotFound, TemplateError) as error:
            log.info("no base render for %s %s: %s", record.template, record.version, error)
            return None

    def _stored_render(self, record: AnswerRecord) -> str | None:
        """The text the database recorded for this generation at its recorded version, if it matches the sha."""
        if self.store is None or not record.generation_id:
            return None
        row = self.store.get_generation(record.generation_id)
        if (
            row is not None
            and row.get("rendered_sha") == record.sha256
            and _intact(row.get("rendered_text"), record.sha256)
        ):
            return row.get("rendered_text")
        for event in reversed(self.store.events_for(record.generation_id)):
            data = event.get("data") or {}
            if (
                event.get("kind") == UPGRADED_EVENT
                and data.get("sha256") == record.sha256
                and _intact(data.get("rendered_text"), record.sha256)
            ):
                return data.get("rendered_text")
        return None

    # -- writing ---------------------------------------------------------------

    def write_files(self, upgrade: FileUpgrade, staged: StagedWrites | None = None) -> None:
        """Put the upgraded files on disk (or stage them in `staged`, for a batch, grouped by answer file)."""
        for update in upgrade.writes:
            if update.new_text is None and staged is not None:
                staged.delete(update.path, upgrade.answer_file, expected=update.old_text)
            elif update.new_text is None:
                update.path.unlink(missing_ok=True)
            elif staged is not None:
                staged.write(update.path, update.new_text, upgrade.answer_file, expected=update.old_text)
            else:
                atomic_write(update.path, update.new_text)

    def commit(self, upgrade: FileUpgrade, staged: StagedWrites | None = None) -> None:
        """Record the upgrade: the answer file's generations, then the database."""
        self.write_answer_file(upgrade, staged)
        self.record(upgrade)

    def write_answer_file(
        self, upgrade: FileUpgrade, staged: StagedWrites | None = None, *, reread: bool = True
    ) -> None:
        """Write the upgraded generations into the answer file.

        `reread=False` (a batch, writing right after prepare) writes the text
        prepare computed, provided the file still holds what prepare read.
        """
        if not upgrade.generations:
            return
        if not reread and upgrade.answer_change is not None:
            expected, text = upgrade.answer_change
        elif staged is None:
            # Read, change and write under the answer file's lock: a generation
            # appending to it meanwhile (server or CLI) keeps its record.
            with locked(upgrade.answer_file):
                atomic_write(upgrade.answer_file, self._upgraded_answer_text(upgrade))
            return
        else:
            expected, text = UNCHECKED, self._upgraded_answer_text(upgrade)
        if staged is not None:
            staged.write(upgrade.answer_file, text, upgrade.answer_file, expected=expected)
        else:
            atomic_write(upgrade.answer_file, text)

    @staticmethod
    def _upgraded_answer_text(upgrade: FileUpgrade) -> str:
        old_text = read_from_disk(upgrade.answer_file) or ""
        records = read_records(upgrade.answer_file, old_text)
        return upgraded_answer_text(upgrade.answer_file, old_text, records, [g.new for g in upgrade.generations])

    def record(self, upgrade: FileUpgrade) -> None:
        """The upgrade in the database: one row per generation, and the new render for the next upgrade's base."""
        self.record_many([upgrade])

    def record_many(self, upgrades: list[FileUpgrade]) -> None:
        """Several upgrades in the database, in one transaction."""
        if self.store is None:
            return
        rows, events = [], []
        for upgrade in upgrades:
            for generation in upgrade.generations:
                old, new = generation.old, generation.new
                rows.append((str(upgrade.primary), old.template, old.version, new.version, generation.conflicts))
                if old.generation_id:
                    data = {
                        "from": old.version,
                        "to": new.version,
                        "conflicts": generation.conflicts,
                        "sha256": new.sha256,
                        # Secrets redacted: the sha above then marks the text as not usable as a merge base.
                        "rendered_text": redact(
                            generation.rendered_text, secret_values(generation.template, generation.answers.answers)
                        ),
                    }
                    events.append((old.generation_id, UPGRADED_EVENT, data))
        self.store.record_upgrades(rows, events)

    def upgrade(self, path: Path, to_version: str | None = None, *, dry_run: bool = False) -> FileUpgrade:
        """Prepare, and unless `dry_run`, write and record."""
        upgrade = self.prepare(path, to_version)
        if not dry_run and upgrade.generations:
            self.write_files(upgrade)
            self.commit(upgrade)
        return upgrade


def _new_record(
    record: AnswerRecord,
    answers: MigratedAnswers,
    target: Template,
    shas: dict[str, str],
    sha: str,
    region: dict | None,
) -> AnswerRecord:
    return replace(
        record,
        version=target.version,
        sha256=sha,
        files=shas,
        region=region,
        answers=without_secrets(target, answers.answers),  # the answer file never holds a secret
        sources=without_secrets(target, answers.sources),
        upgraded_from=record.version,
        upgraded_at=now_iso(),
    )


def _intact(text: str | None, sha: str) -> bool:
    """Whether a stored render is the real one (a render with secrets redacted is not)."""
    return text is not None and sha256_text(text) == sha


def _missing_answers(record: AnswerRecord, target: Template, answers: MigratedAnswers) -> AnswerError:
    if answers.withheld:
        names = ", ".join(answers.withheld)
        first = answers.withheld[0]
        return AnswerError(
            f"{record.template} {target.version} needs the secret answer {names} again (secrets are never saved); "
            f"upgrade on a terminal or in an editor to be asked, or pass --answer {first}=VALUE",
            question=first,
        )
    names = ", ".join(answers.missing)
    return AnswerError(
        f"{record.template} {target.version} needs an answer for {names} and has no default; "
        "upgrade in an editor or on a terminal to answer it"
    )


def _untouched(record: AnswerRecord, folder: Path, current: Callable[[Path], str | None]) -> bool:
    """Whether every file the generation recorded still has its recorded sha."""
    if not record.files:
        return False
    for key, sha in record.files.items():
        text = current(folder / key)
        if text is None or sha256_text(text) != sha:
            return False
    return True


def _final_update(path: Path, old: str | None, new: str | None) -> FileUpdate:
    if old == new:
        action = "unchanged"
    elif new is None:
        action = "delete"
    elif old is None:
        action = "create"
    else:
        action = "update"
    conflicts = parse_conflicts(new) if new is not None and new != old and "<<<<<<<" in new else []
    return FileUpdate(path, action, old, new, conflicts)


def _status(upgrade: FileUpgrade) -> Status:
    if upgrade.conflicts:
        return "conflicted"
    if upgrade.writes:
        return "upgraded"
    if upgrade.generations:
        return "unchanged"
    return "skipped" if upgrade.message else "unchanged"
