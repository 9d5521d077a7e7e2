"""git's answers about a template's refs are kept until the refs change (server/copier/git_answers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.copier import source
from server.copier.source import open_source
from tests.copier.support import git, git_template

VERSIONS = [("v1.0.0", {"copier.yml": "", "a.txt": "one"}), ("v1.1.0", {"copier.yml": "", "a.txt": "two"})]


@pytest.fixture
def git_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Every git command Scion runs (the real git runs each one)."""
    monkeypatch.setenv("SCION_COPIER_CACHE", str(tmp_path / "cache"))
    runs: list[tuple[str, ...]] = []
    real = source.run_git

    def counted(*args, **kwargs):
        runs.append(tuple(str(arg) for arg in args))
        return real(*args, **kwargs)

    monkeypatch.setattr(source, "run_git", counted)
    return runs


def test_a_second_run_asks_git_nothing(tmp_path: Path, git_runs: list) -> None:
    git_template(tmp_path / "template", VERSIONS)
    for ref, commit in ((None, "v1.1.0"), ("v1.0.0", "v1.0.0")):
        git_runs.clear()
        first = open_source(str(tmp_path / "template")).checkout(ref)
        assert first.commit == commit and git_runs
        git_runs.clear()
        assert open_source(str(tmp_path / "template")).checkout(ref) == first
        assert git_runs == []


def test_a_new_tag_and_a_moved_tag_are_seen_at_once(tmp_path: Path, git_runs: list) -> None:
    template = git_template(tmp_path / "template", VERSIONS)
    assert open_source(str(template)).tags() == ["v1.1.0", "v1.0.0"]
    (template / "a.txt").write_text("three")
    git("commit", "-qam", "three", cwd=template)
    git("tag", "v1.2.0", cwd=template)
    assert open_source(str(template)).tags() == ["v1.2.0", "v1.1.0", "v1.0.0"]
    assert (open_source(str(template)).checkout().root / "a.txt").read_text() == "three"
    git("tag", "-f", "v1.0.0", "HEAD", cwd=template)
    moved = open_source(str(template)).checkout("v1.0.0")
    assert (moved.root / "a.txt").read_text() == "three"
    git("pack-refs", "--all", cwd=template)  # the refs move into packed-refs: still the same answers
    assert open_source(str(template)).checkout("v1.0.0").commit_hash == moved.commit_hash


def test_a_damaged_entry_is_asked_again(tmp_path: Path, git_runs: list) -> None:
    git_template(tmp_path / "template", VERSIONS)
    expected = open_source(str(tmp_path / "template")).checkout()
    for entry in (tmp_path / "cache" / "git-answers").iterdir():
        entry.write_text('{"stamp": "not this", "answers": []')
    git_runs.clear()
    assert open_source(str(tmp_path / "template")).checkout() == expected
    assert git_runs
