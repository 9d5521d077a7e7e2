"""`scion upgrade --all` in a copier project gives the tree `copier update` gives, and keeps every user edit.

Each scenario with an `update:` part is generated at its first tag by the real
copier, committed, edited as the user would, committed again (copier needs a
clean git tree; Scion does not: its copy of the project has no git at all),
then upgraded by both tools. Where copier merges without conflict, the trees
must be the same; where it has conflicts, Scion must keep the user's lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.copier.scenarios import Scenario, load_scenarios
from tests.copier.support import copier, differences, git, git_template, scion, tree

UPDATES = [s for s in load_scenarios() if s.update is not None and s.difference is None]


def prepare(scenario: Scenario, tmp_path: Path) -> tuple[Path, Path]:
    versions = [(v.get("tag", ""), v["files"]) for v in scenario.versions]
    executable = tuple(name for v in scenario.versions for name in v.get("executable", ()))
    git_template(tmp_path / "template", versions, executable=executable)
    first = scenario.copy.get("vcs_ref") or scenario.versions[0]["tag"]
    by_copier = tmp_path / "c/project"
    done = copier(
        "copy",
        "--defaults",
        "--vcs-ref",
        str(first),
        *_data(scenario.copy),
        str(tmp_path / "template"),
        str(by_copier),
        cwd=tmp_path,
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    git("init", "-q", "-b", "main", cwd=by_copier)
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "generated", cwd=by_copier)
    for path, text in (scenario.update or {}).get("edits", {}).items():
        target = by_copier / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    git("add", "-A", cwd=by_copier)
    git("commit", "-qm", "edits", "--allow-empty", cwd=by_copier)
    by_scion = tmp_path / "s/project"
    shutil.copytree(by_copier, by_scion, ignore=shutil.ignore_patterns(".git"))
    return by_copier, by_scion


def _data(section: dict) -> list[str]:
    return [f"--data={key}={value}" for key, value in (section.get("data") or {}).items()]


def _answers(section: dict) -> list[str]:
    return [arg for key, value in (section.get("data") or {}).items() for arg in ("--answer", f"{key}={value}")]


def copier_conflicted(project: Path) -> bool:
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        if path.suffix == ".rej" or b"<<<<<<< before updating" in path.read_bytes():
            return True
    return False


@pytest.mark.parametrize("scenario", UPDATES, ids=lambda s: s.name)
def test_upgrade_gives_what_copier_update_gives(scenario: Scenario, tmp_path: Path) -> None:
    update = scenario.update or {}
    by_copier, by_scion = prepare(scenario, tmp_path)
    to = ["--vcs-ref", str(update["to"])] if update.get("to") else []
    expected = copier("update", "--defaults", *to, *_data(update), "--trust", cwd=by_copier, home=tmp_path)
    assert expected.returncode == 0, expected.stderr
    to = ["--to", str(update["to"])] if update.get("to") else []
    ours = scion(
        "upgrade",
        "--all",
        "--defaults",
        "--trust",
        *to,
        *_answers(update),
        "--workspace",
        str(by_scion),
        cwd=by_scion,
        home=tmp_path,
    )
    assert not (by_scion / ".scion").exists()
    if not copier_conflicted(by_copier):
        assert ours.returncode == 0, ours.stderr + ours.stdout
        assert differences(tree(by_copier), tree(by_scion)) == []
        return
    assert ours.returncode == 1, ours.stderr + ours.stdout
    for path, text in update.get("edits", {}).items():
        if text is None:
            assert not (by_scion / path).exists()
            continue
        kept = (by_scion / path).read_text()
        missing = [line for line in text.splitlines() if line and line not in kept]
        assert not missing, f"{path}: user lines lost: {missing}"


def test_check_reports_the_newer_tag_and_upgrade_needs_no_git(tmp_path: Path) -> None:
    scenario = next(s for s in UPDATES if s.name == "update-clean-merge")
    _, by_scion = prepare(scenario, tmp_path)
    done = scion("check", "--workspace", str(by_scion), cwd=by_scion, home=tmp_path)
    assert done.returncode == 1, done.stderr
    assert ".copier-answers.yml: copier template" in done.stdout and "v1.0.0 -> v2.0.0" in done.stdout
    upgraded = scion("upgrade", "--all", "--defaults", "--workspace", str(by_scion), cwd=by_scion, home=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    again = scion("check", "--workspace", str(by_scion), cwd=by_scion, home=tmp_path)
    assert again.returncode == 0 and "0 upgrades available" in again.stderr


def test_deliberate_difference_an_edited_file_the_template_drops_is_kept(tmp_path: Path) -> None:
    scenario = next(s for s in load_scenarios() if s.name == "update-template-drops-a-file-the-user-edited")
    by_copier, by_scion = prepare(scenario, tmp_path)
    assert copier("update", "--defaults", cwd=by_copier, home=tmp_path).returncode == 0
    done = scion("upgrade", "--all", "--defaults", "--workspace", str(by_scion), cwd=by_scion, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (by_copier / "dropped.txt").exists()
    assert (by_scion / "dropped.txt").read_text() == "the user's notes\n"
    assert "kept" in done.stdout and "dropped.txt" in done.stdout
