"""Writing one rendered file as copier does: the template file's mode, a symlink in the way replaced, folders made."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.copier.copy import DestinationConflict, check_destination, plan_writes, write_file
from server.copier.render import ProjectRender, RenderedFile


@pytest.fixture
def strict_umask() -> Iterator[None]:
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("mode", [0o644, 0o755, 0o600])
def test_a_new_file_gets_the_template_files_mode_whatever_the_umask(
    tmp_path: Path, strict_umask: None, mode: int
) -> None:
    path = tmp_path / "script.sh"
    write_file(path, RenderedFile("script.sh", b"echo hi\n", mode))
    assert path.read_bytes() == b"echo hi\n"
    assert mode_of(path) == mode  # copier chmods to the source's mode after writing


def test_an_existing_file_is_rewritten_with_the_new_content_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "run"
    path.write_bytes(b"a much longer old content than the new one\n")
    path.chmod(0o600)
    write_file(path, RenderedFile("run", b"new\n", 0o755))
    assert path.read_bytes() == b"new\n"
    assert mode_of(path) == 0o755


def test_a_symlink_at_the_files_name_is_replaced_and_its_target_left_alone(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").symlink_to(outside)
    (project / "dangling").symlink_to(tmp_path / "nowhere")
    write_file(project / "README.md", RenderedFile("README.md", b"# demo\n", 0o644))
    write_file(project / "dangling", RenderedFile("dangling", b"x\n", 0o644))
    assert outside.read_text() == "not yours\n"
    assert not (tmp_path / "nowhere").exists()
    for name, content in (("README.md", b"# demo\n"), ("dangling", b"x\n")):
        assert not (project / name).is_symlink()
        assert (project / name).read_bytes() == content


def test_a_missing_folder_is_made(tmp_path: Path) -> None:
    path = tmp_path / "src" / "pkg" / "__init__.py"
    write_file(path, RenderedFile("src/pkg/__init__.py", b"", 0o644))
    assert path.read_bytes() == b""


def test_a_folder_at_the_files_name_fails_and_stays(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    with pytest.raises(IsADirectoryError):
        write_file(tmp_path / "docs", RenderedFile("docs", b"x", 0o644))
    assert (tmp_path / "docs").is_dir()


def render_of(*files: RenderedFile) -> ProjectRender:
    return ProjectRender(files=files, folders=("src",), answers_file=".copier-answers.yml", skip_if_exists=())


def test_a_new_destination_plans_every_file_and_an_existing_one_only_what_differs(tmp_path: Path) -> None:
    same, other = RenderedFile("src/same.txt", b"same\n", 0o644), RenderedFile("src/other.txt", b"new\n", 0o644)
    fresh = plan_writes(render_of(same, other), tmp_path / "new", overwrite=False)
    assert fresh.written == ("src/same.txt", "src/other.txt")
    assert fresh.folders == (tmp_path / "new" / "src",)

    existing = tmp_path / "existing"
    (existing / "src").mkdir(parents=True)
    (existing / "src" / "same.txt").write_bytes(b"same\n")
    (existing / "src" / "other.txt").write_bytes(b"the user's\n")
    with pytest.raises(DestinationConflict, match="src/other.txt"):
        plan_writes(render_of(same, other), existing, overwrite=False)
    assert plan_writes(render_of(same, other), existing, overwrite=True).written == ("src/other.txt",)


def test_a_destination_is_a_folder_or_nothing_yet(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for fine in ("folder", "folder/new/deeper", "new"):
        check_destination(tmp_path / fine)
    for refused in ("file", "file/below", "dangling"):
        with pytest.raises(DestinationConflict, match="is not a folder"):
            check_destination(tmp_path / refused)
