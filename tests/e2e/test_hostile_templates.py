"""Templates a cloned repository carries may be broken or hostile: the rest keeps working."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tests.e2e.test_generation import _workspace_template, titles


def _broken_and_linked_templates(workspace):
    _workspace_template(workspace)  # acme/service: a good workspace template
    broken = workspace / ".scion" / "templates" / "acme" / "filters" / "1.0.0"
    (broken / "files").mkdir(parents=True)
    (broken / "template.yml").write_text(
        "title: Uses copier's filters\nmode: file\nwhere: [empty_file]\nlanguages: [python]\n"
        "questions:\n  name:\n    default: \"{{ 'x' | regex_search('x') }}\"\n"
    )
    (broken / "files" / "x.py.jinja").write_text("{{ name }}\n")
    linked = workspace / ".scion" / "templates" / "acme" / "leak" / "1.0.0"
    (linked / "files").mkdir(parents=True)
    (linked / "template.yml").write_text(
        "title: Leaks a host file\nmode: file\nwhere: [empty_file]\nlanguages: [python]\n"
    )
    os.symlink("/etc/hostname", linked / "files" / "leak.py.jinja")


@pytest.mark.setup.with_args(_broken_and_linked_templates)
async def test_broken_and_linked_templates_are_skipped_and_the_rest_works(editor):
    uri = editor.open("src/app.py", "")
    offered = titles(await editor.code_actions(uri))

    assert "Generate: Needs a name" in offered and "Generate: Python dataclass" in offered
    assert not any("filters" in title or "Leaks" in title for title in offered)
    # The database is the workspace's file, not a stand-in in memory: the generation is recorded there.
    result = await editor.generate(uri, "python/dataclass")
    database = sqlite3.connect(editor.path(".scion/scion.db"))
    rows = database.execute("select count(*) from generations where id = ?", (result["generationId"],)).fetchone()
    assert rows == (1,)
