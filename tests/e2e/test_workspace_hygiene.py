"""Opening a file in a git repository leaves `git status` about the user's files, not Scion's database."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import scion_process

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(workspace: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=workspace, capture_output=True, text=True, check=True).stdout


def git_repository(workspace: Path) -> None:
    git(workspace, "init", "-q")
    (workspace / ".scion" / "config.toml").write_text("[tracking]\nkeepThreshold = 0.5\n")


def untracked(workspace: Path) -> set[str]:
    return {line[3:] for line in git(workspace, "status", "--porcelain", "--untracked-files=all").splitlines()}


@pytest.mark.setup.with_args(git_repository)
async def test_the_database_and_journals_stay_out_of_git_status(editor):
    uri = editor.open("src/order.py", "")
    await editor.generate(uri, "python/dataclass", answers={"class_name": "Order"})  # writes to the database
    editor.save(uri)
    workspace = editor.workspace
    assert (workspace / ".scion" / "scion.db").is_file()

    shown = untracked(workspace)

    assert not [name for name in shown if "scion.db" in name], shown
    assert {".scion/.gitignore", ".scion/config.toml", "src/order.py", "src/order.py.template-answers.yml"} <= shown
    for local in (".scion/scion.db", ".scion/scion.db-wal", ".scion/scion.db-shm", ".scion/journal/x.journal"):
        assert git(workspace, "check-ignore", local).strip() == local
    for shared in (".scion/config.toml", ".scion/templates/a/1.0.0/template.yml", ".scion/learned/t/q/v1.py"):
        assert subprocess.run(["git", "check-ignore", "-q", shared], cwd=workspace).returncode == 1  # not ignored


def test_the_cli_keeps_the_users_own_gitignore_lines(workspace):
    git_repository(workspace)
    (workspace / ".scion" / ".gitignore").write_text("# mine\nscratch/")
    made = scion_process("generate", "python/dataclass", "--path", "a.py", "--defaults", cwd=workspace)
    assert made.returncode == 0, made.stderr
    lines = (workspace / ".scion" / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["# mine", "scratch/"] and {"scion.db", "scion.db-*", "journal/"} <= set(lines)
    assert not [name for name in untracked(workspace) if "scion.db" in name]
    again = scion_process("generate", "python/dataclass", "--path", "b.py", "--defaults", cwd=workspace)
    assert again.returncode == 0 and (workspace / ".scion" / ".gitignore").read_text().splitlines() == lines
