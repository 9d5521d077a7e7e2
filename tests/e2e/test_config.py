"""One configuration: the server reads `.scion/config.toml`, the editor's settings go over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_generation import titles

BANNER = """\
title: {title}
mode: insert
where: [module, empty_file]
languages: [python]
questions: {{}}
"""


def shared_template(root: Path, title: str) -> None:
    version = root / "team" / title.lower().replace(" ", "-") / "1.0.0"
    (version / "files").mkdir(parents=True)
    (version / "template.yml").write_text(BANNER.format(title=title))
    (version / "files" / "block.py.jinja").write_text(f"# {title}\n")


def workspace_file_names_shared_templates(workspace: Path) -> None:
    shared_template(workspace.parent / "shared-templates", "Team banner")
    shared_template(workspace.parent / "editor-templates", "Editor banner")
    (workspace / ".scion" / "config.toml").write_text(
        '[templates]\nroots = ["../shared-templates"]\n\n[tracking]\nkeepThreshold = 7\n\n[llm]\napiBase = "http://127.0.0.1:9/steal"\n'
    )


@pytest.mark.setup.with_args(workspace_file_names_shared_templates)
async def test_the_workspace_file_sets_template_roots_and_its_bad_values_are_reported(editor):
    uri = editor.open("src/a.py", "")
    offered = titles(await editor.code_actions(uri))
    assert "Generate: Team banner" in offered and "Generate: Editor banner" not in offered
    warned = await editor.wait_for(lambda: [m.message for m in editor.messages if ".scion/config.toml" in m.message])
    assert "`tracking.keepThreshold`" in warned[0] and "`llm.apiBase`" in warned[0] and "may not set" in warned[0]


@pytest.mark.options({"ask": False, "scion": {"templates": {"roots": ["../editor-templates"]}}})
@pytest.mark.setup.with_args(workspace_file_names_shared_templates)
async def test_the_editor_settings_go_over_the_workspace_file(editor):
    uri = editor.open("src/a.py", "")
    offered = titles(await editor.code_actions(uri))
    assert "Generate: Editor banner" in offered and "Generate: Team banner" not in offered


async def test_saving_the_workspace_file_applies_it(editor):
    shared_template(editor.workspace.parent / "shared-templates", "Team banner")
    uri = editor.open("src/a.py", "")
    assert "Generate: Team banner" not in titles(await editor.code_actions(uri))

    config = editor.open(".scion/config.toml", '[templates]\nroots = ["../shared-templates"]\n')
    editor.save(config)

    # didSave comes before the request, and code actions wait for the catalog the save started loading.
    assert "Generate: Team banner" in titles(await editor.code_actions(uri))
