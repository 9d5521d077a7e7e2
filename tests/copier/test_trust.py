"""Trust as copier has it, and hostile templates: refused with a message, nothing written outside DEST."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.copier.support import copier, differences, git_template, scion, tree

ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}
WITH_EXTENSION = {
    "copier.yml": "_jinja_extensions: [jinja2.ext.do]\nname: n\n",
    "out.txt.jinja": "{% set items = [] %}{% do items.append(name) %}{{ items }}\n",
    **ANSWERS,
}
WITH_TASKS = {
    "copier.yml": '_tasks:\n  - "echo {{ name }} > from-task.txt"\n  - [touch, second.txt]\n  - command: touch never.txt\n    when: "{{ false }}"\nname: n\n',
    "a.txt": "a\n",
    **ANSWERS,
}


def listing(folder: Path) -> list[str]:
    """Everything below `folder` but the HOME the tools run with (their caches and database go there)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not {".git", "home"} & set(p.parts))


@pytest.mark.parametrize(
    ("files", "feature"), [(WITH_EXTENSION, "_jinja_extensions"), (WITH_TASKS, "_tasks")], ids=["extension", "tasks"]
)
def test_untrusted_code_is_refused_naming_the_setting_and_writes_nothing(tmp_path: Path, files, feature) -> None:
    git_template(tmp_path / "template", [("v1.0.0", files)])
    before = listing(tmp_path)
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 2
    assert feature in done.stderr and "scion.templates.trusted" in done.stderr and "--trust" in done.stderr
    assert "Traceback" not in done.stderr
    assert listing(tmp_path) == before


def test_the_workspace_settings_file_cannot_trust_a_template(tmp_path: Path) -> None:
    git_template(tmp_path / "template", [("v1.0.0", WITH_TASKS)])
    (tmp_path / ".scion").mkdir()
    (tmp_path / ".scion" / "config.toml").write_text(f'[templates]\ntrusted = ["{tmp_path}/"]\n')
    before = listing(tmp_path)
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 2, done.stderr
    assert "templates.trusted" in done.stderr and "may not set it" in done.stderr  # the refusal is said
    assert "_tasks" in done.stderr and "--trust" in done.stderr
    assert listing(tmp_path) == before


def test_the_cli_trusts_what_the_effective_settings_trust(tmp_path: Path) -> None:
    from server.cli.common import Where
    from server.cli.copier_generate import source_trusted
    from server.common.config import Layer

    source = str(tmp_path / "template")
    assert not source_trusted(Where(tmp_path), tmp_path, source)
    mine = Where(tmp_path, flags=[Layer("user settings", {"templates": {"trusted": [f"{tmp_path}/"]}})])
    assert source_trusted(mine, tmp_path, source)
    assert not source_trusted(mine, tmp_path, "https://example.com/other")


@pytest.mark.parametrize("files", [WITH_EXTENSION, WITH_TASKS], ids=["extension", "tasks"])
def test_trusted_code_runs_as_copier_runs_it(tmp_path: Path, files) -> None:
    git_template(tmp_path / "template", [("v1.0.0", files)])
    assert (
        copier("copy", "--defaults", "--trust", "template", "c/out", cwd=tmp_path, home=tmp_path / "home").returncode
        == 0
    )
    done = scion(
        "generate", "template", "--path", "s/out", "--defaults", "--trust", cwd=tmp_path, home=tmp_path / "home"
    )
    assert done.returncode == 0, done.stderr
    assert differences(tree(tmp_path / "c/out"), tree(tmp_path / "s/out")) == []


def test_skip_tasks_needs_no_trust_and_runs_none(tmp_path: Path) -> None:
    git_template(tmp_path / "template", [("v1.0.0", WITH_TASKS)])
    assert (
        copier(
            "copy", "--defaults", "--skip-tasks", "template", "c/out", cwd=tmp_path, home=tmp_path / "home"
        ).returncode
        == 0
    )
    done = scion(
        "generate", "template", "--path", "s/out", "--defaults", "--skip-tasks", cwd=tmp_path, home=tmp_path / "home"
    )
    assert done.returncode == 0, done.stderr
    assert differences(tree(tmp_path / "c/out"), tree(tmp_path / "s/out")) == []
    assert not (tmp_path / "s/out/from-task.txt").exists()


HOSTILE = {
    "subdirectory-escapes": {"copier.yml": "_subdirectory: ../outside\n", "a.txt": "a"},
    "templated-subdirectory-escapes": {"copier.yml": "_subdirectory: \"{{ '..' }}\"\n", "a.txt": "a"},
    "file-name-escapes": {"copier.yml": "up: ..\n", "{{ up }}/escaped.txt": "x", "a.txt": "a"},
    "absolute-file-name": {"copier.yml": "where: /tmp/scion-escape-test\n", "{{ where }}.jinja": "x", "a.txt": "a"},
    "include-escapes": {"copier.yml": "x: 1\n", "a.txt.jinja": "{% include '../secret.txt' %}"},
    "config-include-escapes": {"copier.yml": "--- !include ../secret.yml\n", "a.txt": "a"},
    "answers-file-escapes": {"copier.yml": "_answers_file: ../answers.yml\n", "a.txt": "a", **ANSWERS},
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_templates_are_refused_and_write_nothing_outside(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "secret.yml").write_text("stolen: secret\n")
    git_template(tmp_path / "template", [("v1.0.0", HOSTILE[name])])
    before = listing(tmp_path)
    done = scion("generate", "template", "--path", "dest/out", "--defaults", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith("error:") and "Traceback" not in done.stderr
    assert listing(tmp_path) == before
    assert not Path("/tmp/scion-escape-test").exists()


@pytest.mark.parametrize("config", ["x: 1\n", "_preserve_symlinks: true\nx: 1\n"], ids=["followed", "preserved"])
def test_a_symlink_out_of_the_template_is_refused(tmp_path: Path, config: str) -> None:
    # copier copies a preserved link pointing anywhere; Scion refuses it all the same (README: differences).
    (tmp_path / "secret.txt").write_text("secret")
    git_template(tmp_path / "template", [("v1.0.0", {"copier.yml": config, "a.txt": "a"})])
    os.symlink(tmp_path / "secret.txt", tmp_path / "template/leak.txt")
    os.symlink("../secret.txt", tmp_path / "template/relative-leak.txt")
    from tests.copier.support import git

    git("add", "-A", cwd=tmp_path / "template")
    git("commit", "-qm", "links", cwd=tmp_path / "template")
    git("tag", "v2.0.0", cwd=tmp_path / "template")
    for ref in ("v2.0.0", "HEAD"):
        done = scion(
            "generate", "template", "--path", f"out-{ref}", "--defaults", "--vcs-ref", ref, cwd=tmp_path, home=tmp_path
        )
        assert done.returncode == 2
        assert "symlink" in done.stderr and "Traceback" not in done.stderr
        assert not (tmp_path / f"out-{ref}").exists()


def test_an_include_through_a_symlink_beside_the_subdirectory_is_refused(tmp_path: Path) -> None:
    # The walk below `_subdirectory` never meets the link: the loader's own check refuses it.
    from tests.copier.support import git

    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    files = {"copier.yml": "_subdirectory: project\nx: 1\n", "project/a.txt.jinja": "{% include 'parts/secret.txt' %}"}
    git_template(tmp_path / "template", [("v1.0.0", files)])
    os.symlink(tmp_path / "outside", tmp_path / "template/parts")
    git("add", "-A", cwd=tmp_path / "template")
    git("commit", "-qm", "link", cwd=tmp_path / "template")
    git("tag", "v2.0.0", cwd=tmp_path / "template")
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 2, done.stdout
    assert "resolves outside the template" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def migrating(version: str) -> dict[str, str]:
    return {"copier.yml": f"_migrations:\n  - version: {version}\n    command: touch migrated.txt\n", **ANSWERS}


@pytest.mark.parametrize(("version", "needs_trust"), [("v0.5.0", False), ("v1.5.0", True)], ids=["outside", "crossed"])
def test_an_upgrade_needs_trust_only_for_migrations_it_crosses(tmp_path: Path, version: str, needs_trust: bool) -> None:
    from tests.copier.support import git

    git_template(tmp_path / "template", [("v1.0.0", migrating(version)), ("v2.0.0", migrating(version))])
    home = tmp_path / "home"
    by_copier, by_scion = tmp_path / "c/project", tmp_path / "s/project"
    for project in (by_copier, by_scion):
        template = str(tmp_path / "template")
        done = copier("copy", "--defaults", "--vcs-ref", "v1.0.0", template, str(project), cwd=tmp_path, home=home)
        assert done.returncode == 0, done.stderr
    git("init", "-q", "-b", "main", cwd=by_copier)
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "generated", cwd=by_copier)
    expected = copier("update", "--defaults", cwd=by_copier, home=home)
    ours = scion("upgrade", "--all", "--defaults", "--workspace", str(by_scion), cwd=by_scion, home=home)
    assert (expected.returncode != 0) == needs_trust, expected.stderr
    assert (ours.returncode != 0) == needs_trust, ours.stderr
    if needs_trust:
        assert "_migrations" in ours.stderr and "--trust" in ours.stderr and "Traceback" not in ours.stderr
    assert differences(tree(by_copier), tree(by_scion)) == []
    assert not (by_scion / "migrated.txt").exists()
