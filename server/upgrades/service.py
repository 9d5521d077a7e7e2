"""Planning the upgrade of a generated file: read its answer file, render, migrate, merge; write nothing.

`Upgrader.plan` returns a FileUpgrade (outcome.py): an immutable value the
CLI prints as a dry run, the server sends as a WorkspaceEdit, and apply.py
writes to the disk. `Upgrader.upgrade` plans one file and applies it to the
disk, for callers that want both.

Per generation: base = the recorded version rendered with the recorded answers
(trusted only when it matches the recorded sha; else the text the database
stored; else a two-way merge), theirs = the target version rendered with the
migrated answers, ours = the file now (as earlier generations of the same
answer file left it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from server.common.confine import inside_workspace
from server.common.errors import AnswerError, ScionError, TemplateError, TemplateNotFound
from server.common.fsutil import read_all, sha256_text
from server.context import context_for_path
from server.store import Store
from server.templates.answerfile import AnswerRecord, answer_file_of, now_iso, primary_file, read_source
from server.templates.catalog import Catalog
from server.templates.model import Template
from server.templates.secrets import without_secrets
from server.templates.versions import version_key
from server.templates.withdrawn import withdrawn_template
from server.upgrades.answers import Ask, MigratedAnswers, merging_from, migrate_record
from server.upgrades.apply import UPGRADED_EVENT, apply_to_disk, record_upgrades
from server.upgrades.conflicts import parse_conflicts
from server.upgrades.discovery import Resolver, with_confined_files
from server.upgrades.inserted import upgrade_block
from server.upgrades.outcome import FileUpdate, FileUpgrade, GenerationUpgrade
from server.upgrades.planner import Action, plan_file_upgrades
from server.upgrades.renders import Renderer

log = logging.getLogger("scion.upgrades")

# Reads a file as the user has it now (an editor's open buffer, else the disk); None: no such file.
ReadText = Callable[[Path], "str | None"]


def read_from_disk(path: Path) -> str | None:
    try:
        return read_all(path).decode("utf-8")  # line endings as they are (newline="")
    except FileNotFoundError:
        return None


class UpgradeCancelled(ScionError):
    """The user cancelled the questions of an upgrade."""


@dataclass(frozen=True)
class _Step:
    """One generation's upgrade over the files as the earlier generations left them.

    `upgrade` None: nothing to upgrade, `message` says why. `texts`: the files it changes, as it leaves them.
    """

    upgrade: GenerationUpgrade | None
    texts: Mapping[Path, str | None]
    message: str = ""


class _Files:
    """The files of one answer file's upgrade: read once each, then as each generation's step left them."""

    def __init__(self, read_text: ReadText) -> None:
        self._read_text = read_text
        self.originals: dict[Path, str | None] = {}
        self.texts: dict[Path, str | None] = {}

    def current(self, path: Path) -> str | None:
        if path not in self.texts:
            self.originals[path] = self.texts[path] = self._read_text(path)
        return self.texts[path]

    def after(self, step: _Step) -> None:
        self.texts.update(step.texts)

    def updates(self) -> tuple[FileUpdate, ...]:
        return tuple(_final_update(path, self.originals[path], self.texts[path]) for path in self.texts)


class Upgrader:
    def __init__(
        self,
        catalog: Catalog,
        workspace: Path,
        store: Store | None = None,
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
        # Folders are resolved once: a batch plans a thousand files in a few folders.
        self._resolver = Resolver()
        self._dismissed: set[tuple[str, str, str]] | None = None  # the versions users skipped, read at first need

    def plan(self, path: Path, to_version: str | None = None) -> FileUpgrade:
        """What upgrading `path` (a generated file or its answer file, resolved or not) would do; writes nothing.

        Raises ScionError when the answer file cannot be read or an answer is missing.
        """
        answer_file = answer_file_of(self._resolver.resolve(Path(path)))
        # The answer file names what an upgrade writes and deletes: it must be in the workspace.
        inside_workspace(self.workspace, answer_file, what="answer file")
        source = read_source(answer_file)
        if source is None or not source.records:
            return FileUpgrade.skipped(answer_file, "no generation is recorded for this file")
        records = [with_confined_files(record, self.workspace, answer_file.parent) for record in source.records]
        primary = primary_file(answer_file)
        features = context_for_path(primary, self.workspace).features()
        files = _Files(self.read_text)
        generations: list[GenerationUpgrade] = []
        message = ""
        for record in records:
            target = self.target_version(record, to_version)
            if target is None:
                continue
            if self._skipped(primary, record, target):
                message = f"{record.template} {target.version} is skipped for this file"
                continue
            try:
                step = self._step(answer_file, primary, record, target, features, files)
            except UpgradeCancelled:
                return FileUpgrade.skipped(answer_file, "cancelled: the questions were not answered")
            files.after(step)
            if step.upgrade is None:
                message = step.message
            else:
                generations.append(step.upgrade)
        change = source.change([g.new for g in generations]) if generations else None
        return FileUpgrade.planned(answer_file, tuple(generations), files.updates(), change, message)

    def upgrade(self, path: Path, to_version: str | None = None) -> FileUpgrade:
        """Plan, apply to the disk (behind the journal) and record; the outcome."""
        [outcome] = apply_to_disk([self.plan(path, to_version)], self.workspace)
        record_upgrades(self.store, [outcome])
        return outcome

    def target_version(self, record: AnswerRecord, to_version: str | None = None) -> Template | None:
        """The version to upgrade `record` to, or None when it is already there.

        Raises TemplateNotFound for an unknown template or version, and
        ScionError for a downgrade.
        """
        versions = self.catalog.versions(record.template)
        wanted = to_version or versions[-1]
        if version_key(wanted) < version_key(record.version):
            if wanted == versions[-1] and withdrawn_template(self.workspace, record.template, record.version):
                return self.catalog.get(record.template, wanted)  # merge back from a withdrawn version
            raise ScionError(
                f"refusing to downgrade {record.template} from {record.version} to {wanted}: "
                "upgrades only go forward (regenerate the file to go back)"
            )
        if version_key(wanted) == version_key(record.version):
            return None
        return self.catalog.get(record.template, wanted)

    def _skipped(self, primary: Path, record: AnswerRecord, target: Template) -> bool:
        if not self.honour_skips or self.store is None:
            return False
        if self._dismissed is None:  # read once: a batch asks for every file
            rows = self.store.dismissals()
            self._dismissed = {(row["file_path"], row["template_id"], row["version"]) for row in rows}
        return (str(primary), record.template, target.version) in self._dismissed

    def _step(
        self,
        answer_file: Path,
        primary: Path,
        record: AnswerRecord,
        target: Template,
        features: dict[str, Any],
        files: _Files,
    ) -> _Step:
        """One generation's upgrade; raises UpgradeCancelled when the user cancelled its questions."""
        versions = self.catalog.all_versions(record.template)
        answers = migrate_record(versions, target, merging_from(record, target), features, self.ask, self.explicit)
        if answers.cancelled:
            raise UpgradeCancelled("the questions were not answered")
        if answers.missing:
            raise _missing_answers(record, target, answers)
        # Secrets are not recorded: the recorded version is rendered with the ones given again.
        record_for_base = replace(record, answers={**record.answers, **answers.secrets(target)})
        theirs = self.renderer.files(
            target, answers.answers, features, answer_file, self.workspace, answer_file_resolved=True
        )
        label = f"template {target.version}"
        folder = answer_file.parent

        base: dict[str, str] | None
        if target.mode != "insert" and _untouched(record, folder, files.current):
            # Every file is as generated (its recorded sha): the files themselves
            # are the old render, so the recorded version need not be rendered.
            base = {key: text for key in record.files if (text := files.current(folder / key)) is not None}
            stored = None
        else:
            base = self._base_files(record_for_base, features, answer_file)
            # The stored render stands in for a base that no longer renders as recorded (read only then).
            stored = (
                self._stored_render(record)
                if target.mode == "insert" or not _renders_as_recorded(base, record, primary)
                else None
            )

        if target.mode == "insert":
            key = primary.name
            block = upgrade_block(
                key,
                files.current(primary),
                record.region,
                record.sha256,
                base.get(key) if base else None,
                stored,
                theirs[key],
                label,
            )
            if block is None:
                return _Step(
                    None, {}, f"the {record.template} block was not found in {primary.name}; it was left as it is"
                )
            sha = sha256_text(block.new_block)
            new = _new_record(record, answers, target, {key: sha}, sha, block.region)
            upgrade = GenerationUpgrade(
                record, new, target, answers, (block.change,), len(block.change.conflicts), block.new_block
            )
            return _Step(upgrade, {primary: block.file_text})

        if stored is not None:
            base = {**(base or {}), _primary_key(record, primary): stored}
        keys = dict.fromkeys([*theirs, *(base or {}), *record.files])
        now = {key: files.current(folder / key) for key in keys}
        plan = plan_file_upgrades(base, theirs, now, record.files, label)
        texts = {
            folder / change.path: change.new_text
            for change in plan.changes
            if change.action in ("update", "create", "delete")
        }
        shas = {key: sha256_text(text) for key, text in theirs.items()}
        primary_text = next(iter(theirs.values()), "")
        new = _new_record(record, answers, target, shas, sha256_text(primary_text), None)
        upgrade = GenerationUpgrade(
            record, new, target, answers, tuple(plan.changes), plan.conflict_count, primary_text
        )
        return _Step(upgrade, texts)

    def _base_files(self, record: AnswerRecord, features: dict[str, Any], answer_file: Path) -> dict[str, str] | None:
        """The recorded version's render, or None when that version is gone or no longer renders."""
        try:
            try:
                template = self.catalog.get(record.template, record.version)
            except TemplateNotFound:
                withdrawn = withdrawn_template(self.workspace, record.template, record.version)
                if withdrawn is None:
                    raise
                template = withdrawn
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
            text: str | None = row.get("rendered_text")
            return text
        for event in reversed(self.store.events_for(record.generation_id)):
            data = event.get("data") or {}
            if (
                event.get("kind") == UPGRADED_EVENT
                and data.get("sha256") == record.sha256
                and _intact(data.get("rendered_text"), record.sha256)
            ):
                text = data.get("rendered_text")
                return text
        return None


def _new_record(
    record: AnswerRecord,
    answers: MigratedAnswers,
    target: Template,
    shas: dict[str, str],
    sha: str,
    region: dict[str, list[int]] | None,
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


def _primary_key(record: AnswerRecord, primary: Path) -> str:
    return next(iter(record.files), primary.name)


def _renders_as_recorded(base: dict[str, str] | None, record: AnswerRecord, primary: Path) -> bool:
    """Whether the base render's primary file has the sha recorded for it."""
    key = _primary_key(record, primary)
    return sha256_text((base or {}).get(key, "")) == record.files.get(key, record.sha256)


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
    action: Action
    if old == new:
        action = "unchanged"
    elif new is None:
        action = "delete"
    elif old is None:
        action = "create"
    else:
        action = "update"
    conflicts = parse_conflicts(new) if new is not None and new != old and "<<<<<<<" in new else []
    return FileUpdate(path, action, old, new, tuple(conflicts))
