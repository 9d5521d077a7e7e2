"""The builtin template pack: every version loads, and every example renders to code that parses.

Cases are parametrised per (template, version, example) so a failure names the
exact example. Examples give only some answers; the rest are resolved the way
the server resolves them (context inference and template defaults), from a
context built from the example's `context` over an empty editing context.
"""

from __future__ import annotations

import pytest

from server.context import context_for_path, language_for_path, parse_errors
from server.templates.answers import resolve_answers
from server.templates.catalog import BUILTIN_ROOT, Catalog
from server.templates.loader import check_sources
from server.templates.migrations import migrate_answers
from server.templates.model import Example, Template
from server.templates.render import render_template
from server.templates.versions import version_key

CATALOG = Catalog([(BUILTIN_ROOT, "builtin")])
VERSIONS = [template for template_id in CATALOG.ids() for template in CATALOG.all_versions(template_id)]
MULTI_VERSION_IDS = [template_id for template_id in CATALOG.ids() if len(CATALOG.versions(template_id)) >= 2]


def label(template: Template) -> str:
    return f"{template.id}@{template.version}"


EXAMPLE_CASES = [
    pytest.param(template, index, id=f"{label(template)}#{index}")
    for template in VERSIONS
    for index in range(len(template.examples))
]


def example_features(template: Template, example: Example) -> dict:
    """An editing context with nothing known but the language and place, overlaid with the example's."""
    features = context_for_path("").features()
    features["language"] = template.languages[0]
    features["place"] = template.where[0]
    features.update(example.context)
    return features


def resolved_answers(template: Template, explicit: dict, features: dict) -> dict:
    resolution = resolve_answers(template, features, explicit)
    assert not resolution.missing, f"{label(template)}: no answer for {resolution.missing}"
    return resolution.answers


def output_language(template: Template, path: str) -> str:
    language = template.languages[0] if template.mode == "insert" else language_for_path(path)
    assert language, f"{label(template)}: cannot tell the language of {path}"
    return language


def assert_parses(template: Template, rendering) -> None:
    for file in rendering.files:
        errors = parse_errors(output_language(template, file.path), file.text)
        assert not errors, f"{label(template)} {file.path}: tree-sitter errors {errors}\n{file.text}"


def test_every_builtin_version_loads():
    assert CATALOG.errors == []
    assert VERSIONS, f"no templates under {BUILTIN_ROOT}"


def test_pack_is_broad_enough():
    assert len(CATALOG.ids()) >= 12
    languages = {language for template in CATALOG.templates() for language in template.languages}
    assert {"python", "typescript", "typescriptreact", "go", "rust", "elixir"} <= languages
    assert len(MULTI_VERSION_IDS) >= 3


def test_newer_versions_declare_rename_and_default_migrations():
    migrations = [migration for template in VERSIONS for migration in template.migrations]
    assert any(migration.rename for migration in migrations)
    assert any(migration.defaults for migration in migrations)


@pytest.mark.parametrize("template", VERSIONS, ids=label)
def test_version_is_well_formed(template: Template):
    assert check_sources(template) == []
    assert template.languages and template.title and template.description
    assert template.examples, "every template needs at least one example"
    assert all(example.contains for example in template.examples)
    older = [
        version for version in CATALOG.versions(template.id) if version_key(version) <= version_key(template.version)
    ]
    assert set(older) <= set(template.changelog), "the changelog must cover this version and every older one"
    if template.mode == "file" and len(list(template.files_dir.rglob("*.jinja"))) > 1:
        assert template.primary, "a multi-file template names its primary file"


@pytest.mark.parametrize(("template", "index"), EXAMPLE_CASES)
def test_example_renders_and_parses(template: Template, index: int):
    example = template.examples[index]
    features = example_features(template, example)
    rendering = render_template(template, resolved_answers(template, example.answers, features), features)

    text = "\n".join(file.text for file in rendering.files)
    for expected in example.contains:
        assert expected in text, f"{label(template)} example {index}: {expected!r} not in\n{text}"
    if template.primary:
        assert rendering.files[0].source == template.primary
    if example.parses:
        assert_parses(template, rendering)


@pytest.mark.parametrize(
    ("template", "index"),
    [case for case in EXAMPLE_CASES if case.values[0].version != CATALOG.get(case.values[0].id).version],
)
def test_example_upgrades_to_newest_version(template: Template, index: int):
    """An older version's answers, migrated, still render and parse with the newest version."""
    newest = CATALOG.get(template.id)
    example = template.examples[index]
    features = example_features(template, example)
    answers = resolved_answers(template, example.answers, features)

    migrated = migrate_answers(CATALOG.all_versions(template.id), answers, template.version, newest.version, features)
    assert not migrated.dropped, f"answers lost on upgrade: {migrated.dropped}"
    kept = {name: value for name, value in migrated.answers.items() if name not in migrated.reasks}
    assert_parses(newest, render_template(newest, resolved_answers(newest, kept, features), features))
