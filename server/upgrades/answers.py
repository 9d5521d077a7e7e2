"""The answers a generation gets at a newer template version.

Recorded answers are carried over by the declarative migrations; only the
questions the migrations leave open (new ones, and old answers the new
version's validator rejects) are asked, each pre-filled with its best
candidate, so the user confirms with Enter. Without anyone to ask (detection,
`--defaults`), the candidates are taken as they are.

Secret answers are never recorded (templates/secrets.py), so a secret question
of the new version is open too: it is asked again, or taken from the explicit
answers (`scion upgrade --answer`); its default is never taken silently, since
that would replace the user's secret in the code. With neither, it is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from server.common.errors import AnswerError
from server.templates.answerfile import AnswerRecord
from server.templates.answers import Resolution, ask_params, resolve_answers
from server.templates.migrations import MigrationResult, migrate_answers
from server.templates.model import Template
from server.templates.secrets import secret_names
from server.templates.versions import version_key

# Given `scion/ask` params, the user's raw answers, or None when they cancelled.
Ask = Callable[[dict[str, Any]], "dict[str, Any] | None"]
MIGRATION_DEFAULT = "default"


@dataclass
class MigratedAnswers:
    answers: dict[str, Any]
    sources: dict[str, str]
    migration: MigrationResult
    asked: list[str] = field(default_factory=list)  # the questions put to the user
    missing: list[str] = field(default_factory=list)  # required questions nobody could answer
    cancelled: bool = False
    withheld: list[str] = field(default_factory=list)  # secrets neither recorded (never are) nor given

    def secrets(self, template: Template) -> dict[str, Any]:
        """The secret answers given again (asked or explicit), for rendering the recorded version too."""
        return {name: value for name, value in self.answers.items() if name in secret_names(template)}


def merging_from(record: AnswerRecord, target: Template) -> AnswerRecord:
    """The record as answer migration sees it: going back from a withdrawn version, no migration applies
    (an evolved version shares its parent's questions), so its answers are taken as the target's."""
    if version_key(target.version) < version_key(record.version):
        return replace(record, version=target.version)
    return record


def migrate_record(
    versions: list[Template],
    target: Template,
    record: AnswerRecord,
    features: dict[str, Any],
    ask: Ask | None = None,
    explicit: dict[str, Any] | None = None,
) -> MigratedAnswers:
    """Carry `record`'s answers to `target`, asking (when `ask` is given) only what is open.

    `explicit`: answers given for the upgrade (by name; names `target` does not ask are ignored).
    """
    migration = migrate_answers(versions, record.answers, record.version, target.version, features)
    kept = {name: value for name, value in migration.answers.items() if name not in migration.reasks}
    kept |= {name: value for name, value in (explicit or {}).items() if target.question(name) is not None}
    resolution = resolve_answers(target, features, kept)
    asked: list[str] = []
    if resolution.pending and ask is not None:
        params = ask_params(resolution, title=f"Upgrade {target.title} to {target.version}")
        reply = ask(params)
        if reply is None:
            return MigratedAnswers({}, {}, migration, cancelled=True)
        if not isinstance(reply, dict):
            raise AnswerError("the answers to the upgrade questions were not an object")
        asked = [question["name"] for question in params["questions"]]
        resolution = resolution.with_user_answers(reply)
    withheld = [] if ask is not None else _withheld_secrets(resolution)
    answers = {name: value for name, value in resolution.answers.items() if name not in withheld}
    sources = _sources(record, migration, kept, resolution.sources)
    missing = list(dict.fromkeys([*resolution.missing, *withheld]))
    return MigratedAnswers(answers, sources, migration, asked, missing, withheld=withheld)


def _withheld_secrets(resolution: Resolution) -> list[str]:
    """Secret questions still open with nobody to ask: only their defaults would answer them."""
    return [pending.question.name for pending in resolution.pending if pending.question.secret]


def _sources(
    record: AnswerRecord, migration: MigrationResult, kept: dict[str, Any], resolved: dict[str, str]
) -> dict[str, str]:
    """A carried-over answer keeps where it first came from; the rest say how they were settled now."""
    old_name = {new: old for old, new in migration.renamed}
    sources: dict[str, str] = {}
    for name, source in resolved.items():
        if name in migration.defaulted and name in kept:
            sources[name] = MIGRATION_DEFAULT
        elif name in kept:
            sources[name] = record.sources.get(old_name.get(name, name), source)
        else:
            sources[name] = source
    return sources
