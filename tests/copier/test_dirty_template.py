"""A local template with uncommitted changes renders as copier renders it, without touching its repository.

copier commits the working tree in a throw-away clone and records that
commit's `git describe` as `_commit`; Scion makes the same commit (same tree,
parent, message and author) in a store of its own. With the commit dates
fixed, both commits are the same object, so the trees (answers file
included) are byte for byte the same. The project then upgrades to a later tag.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.copier.support import copier, differences, git, git_template, scion, tree

FIXED_DATES = {"GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
V1 = {
    "copier.yml": "name: world\n",
    ".gitignore": "*.log\n",
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "hello.txt.jinja": "hello {{ name }}\n",
    "dropped.txt": "tracked, then deleted in the working tree\n",
    "ref.txt.jinja": "{{ _copier_conf.vcs_ref_hash }}\n",
}


def dirty_template(root: Path) -> Path:
    template = git_template(root / "template", [("v1.0.0", V1)])
    (template / "hello.txt.jinja").write_text("hello {{ name }}, edited\n")
    (template / "untracked.txt").write_text("not committed yet\n")
    (template / "dropped.txt").unlink()
    (template / "debug.log").write_text("ignored by .gitignore\n")
    return template


def snapshot(repo: Path) -> dict[str, object]:
    """Everything in the repository's .git and its working tree (bytes, modes), to show nothing was written."""
    files = {}
    for folder, _dirs, names in os.walk(repo):
        for name in names:
            path = Path(folder) / name
            files[str(path.relative_to(repo))] = (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns)
    return files


def test_a_dirty_head_is_rendered_and_recorded_as_copier_does(tmp_path: Path) -> None:
    template = dirty_template(tmp_path)
    before = snapshot(template)
    ours = scion(
        "generate", "template", "--path", "scion/out", "--defaults", "--vcs-ref", "HEAD",
        cwd=tmp_path, home=tmp_path, env=FIXED_DATES,
    )  # fmt: skip
    assert ours.returncode == 0, ours.stderr
    assert snapshot(template) == before  # the user's repository: not a byte, not a timestamp changed
    expected = copier(
        "copy",
        "--defaults",
        "--vcs-ref",
        "HEAD",
        "template",
        "copier/out",
        cwd=tmp_path,
        home=tmp_path,
        env=FIXED_DATES,
    )
    assert expected.returncode == 0, expected.stderr
    generated = tree(tmp_path / "scion/out")
    assert differences(tree(tmp_path / "copier/out"), generated) == []
    assert generated["hello.txt"] == (b"hello world, edited\n", False)
    assert "untracked.txt" in generated and "dropped.txt" not in generated and "debug.log" not in generated
    answers = (tmp_path / "scion/out/.copier-answers.yml").read_text()
    assert re.search(r"^_commit: v1\.0\.0-1-g[0-9a-f]{7,}$", answers, re.MULTILINE), answers


def test_without_vcs_ref_the_newest_tag_is_used_and_the_changes_are_not(tmp_path: Path) -> None:
    dirty_template(tmp_path)
    expected = copier("copy", "--defaults", "template", "copier/out", cwd=tmp_path, home=tmp_path)
    ours = scion("generate", "template", "--path", "scion/out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert expected.returncode == 0 and ours.returncode == 0, ours.stderr
    generated = tree(tmp_path / "scion/out")
    assert differences(tree(tmp_path / "copier/out"), generated) == []
    assert generated["hello.txt"] == (b"hello world\n", False)


def test_a_project_made_from_a_draft_upgrades_to_the_next_tag_keeping_edits(tmp_path: Path) -> None:
    template = dirty_template(tmp_path)
    done = scion(
        "generate", str(template), "--path", "project", "--defaults", "--vcs-ref", "HEAD", cwd=tmp_path, home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    (tmp_path / "project/untracked.txt").write_text("not committed yet\nmy own line\n")
    (template / "hello.txt.jinja").write_text("hello {{ name }}, released\n")
    git("add", "-A", cwd=template)
    git("commit", "-qm", "release", cwd=template)
    git("tag", "v2.0.0", cwd=template)
    done = scion("check", cwd=tmp_path / "project", home=tmp_path)
    assert "v2.0.0" in done.stdout, done.stdout + done.stderr
    done = scion("upgrade", "--all", "--defaults", cwd=tmp_path / "project", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "project/hello.txt").read_text() == "hello world, released\n"
    assert (tmp_path / "project/untracked.txt").read_text() == "not committed yet\nmy own line\n"
    assert "_commit: v2.0.0\n" in (tmp_path / "project/.copier-answers.yml").read_text()
