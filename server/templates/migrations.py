"""Carry recorded answers from one template version to a newer one.

Migrations are declared in manifests (`rename`, `defaults`, `transform`) and
applied in version order when `old < migration.version <= new`. What remains
uncertain afterwards is listed in `reasks`: only those questions are asked
again on upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.common.errors import AnswerError, ScionError, TemplateError, TemplateNotFound
from server.templates.model import Migration, Template
from server.templates.questions import applies, coerce, validate
from server.templates.render import render_expression
from server.templates.versions import version_key


@dataclass
class MigrationResult:
    answers: dict[str, Any]
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old name, new name)
    defaulted: list[str] = field(default_factory=list)
    transformed: list[str] = field(default_factory=list)
    reasks: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # answers to questions the new version no longer has


def _migrations_between(versions: list[Template], old: str, new: str) -> list[tuple[Template, Migration]]:
    """Migrations with old < version <= new, once each; a newer manifest's copy of a step wins."""
    if not any(template.migrations for template in versions):
        return []  # most templates have none: a batch need not sort and compare versions per file
    chosen: dict[str, tuple[Template, Migration]] = {}
    for template in sorted(versions, key=lambda t: version_key(t.version)):
        if version_key(template.version) > version_key(new):
            continue
        for migration in template.migrations:
            if version_key(old) < version_key(migration.version) <= version_key(new):
                chosen[migration.version] = (template, migration)
    return [chosen[version] for version in sorted(chosen, key=version_key)]


def _apply(
    template: Template, migration: Migration, answers: dict[str, Any], features: dict[str, Any], result: MigrationResult
) -> None:
    for old_name, new_name in migration.rename.items():
        if old_name in answers and new_name not in answers:
            answers[new_name] = answers.pop(old_name)
            result.renamed.append((old_name, new_name))
    for name, value in migration.defaults.items():
        if name not in answers:
            answers[name] = render_expression(value, {**answers, "ctx": features}, path=template.manifest_path)
            result.defaulted.append(name)
    for name, expression in migration.transform.items():
        if name in answers:
            answers[name] = render_expression(
                expression, {**answers, "value": answers[name], "ctx": features}, path=template.manifest_path
            )
            result.transformed.append(name)


def migrate_answers(
    versions: list[Template], answers: dict[str, Any], old: str, new: str, features: dict[str, Any]
) -> MigrationResult:
    """Apply the migrations from `old` to `new`, then list the questions to ask again."""
    if version_key(new) < version_key(old):
        raise ScionError(f"cannot migrate answers from {old} down to {new}; downgrades are not supported")
    target = next((template for template in versions if template.version == new), None)
    if target is None:
        known = ", ".join(sorted((t.version for t in versions), key=version_key)) or "none"
        raise TemplateNotFound(f"no version {new!r} to migrate to (versions: {known})")

    migrated = dict(answers)
    result = MigrationResult(answers=migrated)
    for template, migration in _migrations_between(versions, old, new):
        _apply(template, migration, migrated, features, result)

    visible: dict[str, Any] = {}
    for question in target.questions:
        try:
            asked = applies(question, visible, features, target)
        except TemplateError:
            asked = True  # cannot tell without an answer that is itself re-asked
        if not asked:
            visible[question.name] = None
            continue
        if question.name not in migrated:
            result.reasks.append(question.name)
            continue
        try:
            value = coerce(question, migrated[question.name])
            rejected = validate(question, value, visible, features, target) is not None
        except (AnswerError, TemplateError):
            rejected = True
        if rejected:
            result.reasks.append(question.name)
        else:
            migrated[question.name] = visible[question.name] = value

    names = {question.name for question in target.questions}
    for name in [name for name in migrated if name not in names]:
        del migrated[name]
        result.dropped.append(name)
    return result
