"""`_preserve_symlinks`: a symlink inside the template is followed (default) or copied as a link, as copier does.

Both tools run on the same git template (links committed as links) with each
setting; the trees, links and their targets included, must be the same.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.copier.support import copier, differences, git, git_template_from_folders, scion, tree


def linked_template(folder: Path, preserve: bool) -> Path:
    folder.mkdir(parents=True)
    (folder / "copier.yml").write_text(f"_preserve_symlinks: {str(preserve).lower()}\nname: world\n")
    (folder / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers|to_nice_yaml -}}\n")
    (folder / "data").mkdir()
    (folder / "data/real.txt").write_text("plain\n")
    (folder / "hello.txt.jinja").write_text("hello {{ name }}\n")
    os.symlink("data/real.txt", folder / "link.txt")  # a file link
    os.symlink("data", folder / "dirlink")  # a folder link
    os.symlink("hello.txt.jinja", folder / "rendered-link.txt.jinja")  # a link whose name has the suffix
    os.symlink("../data/real.txt", folder / "data/up-and-back.txt")
    return folder


@pytest.mark.parametrize("preserve", [False, True], ids=["followed", "preserved"])
def test_symlinks_inside_the_template_are_treated_as_copier_treats_them(tmp_path: Path, preserve: bool) -> None:
    folder = linked_template(tmp_path / "folder", preserve)
    git_template_from_folders(tmp_path / "template", [("v1.0.0", folder)])
    expected = copier("copy", "--defaults", "template", "copier/out", cwd=tmp_path, home=tmp_path)
    assert expected.returncode == 0, expected.stderr
    ours = scion("generate", "template", "--path", "scion/out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert ours.returncode == 0, ours.stderr
    copied, generated = tree(tmp_path / "copier/out"), tree(tmp_path / "scion/out")
    assert differences(copied, generated) == []
    assert (generated["link.txt"] == ("link", "data/real.txt")) is preserve  # not vacuous: the setting matters


def test_an_upgrade_keeps_preserved_links_and_follows_a_changed_target(tmp_path: Path) -> None:
    first = linked_template(tmp_path / "v1", True)
    second = linked_template(tmp_path / "v2", True)
    (second / "link.txt").unlink()
    os.symlink("hello.txt", second / "link.txt")  # the template now points the link elsewhere
    git_template_from_folders(tmp_path / "template", [("v1.0.0", first), ("v2.0.0", second)])
    src = str(tmp_path / "template")  # absolute: both update from inside the project
    done = copier("copy", "--defaults", "--vcs-ref", "v1.0.0", src, "copier/out", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    args = ("generate", src, "--path", "scion/out", "--defaults", "--vcs-ref", "v1.0.0")
    done = scion(*args, cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    git("init", "-q", cwd=tmp_path / "copier/out")  # copier updates a git project only
    git("add", "-A", cwd=tmp_path / "copier/out")
    git("commit", "-qm", "generated", cwd=tmp_path / "copier/out")
    done = copier("update", "--defaults", "--vcs-ref", "v2.0.0", cwd=tmp_path / "copier/out", home=tmp_path)
    assert done.returncode == 0, done.stderr
    done = scion("upgrade", "--all", "--defaults", "--to", "v2.0.0", cwd=tmp_path / "scion/out", home=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    generated = tree(tmp_path / "scion/out")
    assert differences(tree(tmp_path / "copier/out"), generated) == []
    assert generated["link.txt"] == ("link", "hello.txt")


def test_a_preserved_link_leading_out_of_the_project_is_refused(tmp_path: Path) -> None:
    # Inside the template, but above `_subdirectory`: in the project it would point out of it.
    folder = tmp_path / "folder"
    (folder / "project").mkdir(parents=True)
    (folder / "copier.yml").write_text("_preserve_symlinks: true\n_subdirectory: project\n")
    (folder / "copier-notes.txt").write_text("outside the project\n")
    (folder / "project/a.txt").write_text("a\n")
    os.symlink("../copier-notes.txt", folder / "project/notes.txt")
    git_template_from_folders(tmp_path / "template", [("v1.0.0", folder)])
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 2, done.stdout
    assert "points out of the project" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
