"""The editor's copier upgrade answers the new tag's questions from copier's settings `defaults`, as `copier update
--defaults` does: the quick-fix's result is compared with the real copier's on the same project and settings."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.copier.support import copier, differences, git, git_template, tree
from tests.copier.test_user_settings_upgrade import SETTINGS, V1, V2


def make_project(workspace: Path) -> None:
    template = git_template(workspace.parent / "template", [("v1.0.0", V1), ("v2.0.0", V2)])
    project = workspace / "project"
    home = workspace.parent
    done = copier("copy", "--defaults", "--vcs-ref", "v1.0.0", str(template), str(project), cwd=home, home=home)
    assert done.returncode == 0, done.stderr
    by_copier = workspace.parent / "by-copier/project"
    shutil.copytree(project, by_copier)
    git("init", "-q", "-b", "main", cwd=by_copier)
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "generated", cwd=by_copier)


@pytest.fixture
def copier_settings() -> Iterator[Path]:
    """The settings file the suite's $COPIER_SETTINGS_PATH names (tests/conftest.py), for this test only."""
    path = Path(os.environ["COPIER_SETTINGS_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SETTINGS)
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.setup.with_args(make_project)
async def test_the_editors_upgrade_takes_new_answers_from_copiers_settings(editor, copier_settings: Path) -> None:
    uri = editor.open("project/.copier-answers.yml", language="yaml")
    await editor.wait_for(lambda: [d for d in editor.diagnostics(uri) if d.code == "scion.copierUpgrade"], 30)
    result = await editor.command("scion.copierUpgrade", {"uri": uri, "to": "v2.0.0"})
    assert result["status"] == "upgraded", result
    by_copier = editor.path("project").parent.parent / "by-copier/project"
    home = by_copier.parent.parent
    done = copier("update", "--defaults", cwd=by_copier, home=home, env={"COPIER_SETTINGS_PATH": str(copier_settings)})
    assert done.returncode == 0, done.stderr
    assert differences(tree(by_copier), tree(editor.path("project"))) == []
    assert editor.path("project/LICENCE").read_text().startswith("demo licence 2032 True ")
