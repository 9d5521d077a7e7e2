"""Where copier templates come from: local git repositories and git URLs, their tags, the cache, the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.copier.support import copier, differences, git_template, scion, tree

ANSWERS = {"{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n"}


def versions() -> list[tuple[str, dict[str, str]]]:
    # Tags whose text order differs from PEP 440, and a pre-release that copier skips.
    return [
        (tag, {"copier.yml": "name: n\n", "version.txt.jinja": f"{tag} {{{{ name }}}}\n", **ANSWERS})
        for tag in ("v1.9.0", "v1.10.0", "v2.0.0a1", "not-a-version")
    ]


def test_newest_tag_is_picked_as_copier_picks_it_and_vcs_ref_picks_another(tmp_path: Path) -> None:
    git_template(tmp_path / "template", versions())
    for ref_args in ([], ["--vcs-ref", "v1.9.0"], ["--vcs-ref", "HEAD"]):
        name = ref_args[-1] if ref_args else "newest"
        assert (
            copier("copy", "--defaults", *ref_args, "template", f"c/{name}", cwd=tmp_path, home=tmp_path).returncode
            == 0
        )
        done = scion(
            "generate", "template", "--path", f"s/{name}", "--defaults", *ref_args, cwd=tmp_path, home=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert differences(tree(tmp_path / "c" / name), tree(tmp_path / "s" / name)) == []
    assert (tmp_path / "s/newest/version.txt").read_text() == "v1.10.0 n\n"


def test_a_git_url_is_mirrored_once_and_works_offline_afterwards(tmp_path: Path) -> None:
    git_template(tmp_path / "template", versions()[:2])
    url = f"git+file://{tmp_path / 'template'}"
    assert copier("copy", "--defaults", url, "c/out", cwd=tmp_path, home=tmp_path).returncode == 0
    done = scion("generate", url, "--path", "s/out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert differences(tree(tmp_path / "c/out"), tree(tmp_path / "s/out")) == []
    (tmp_path / "template").rename(tmp_path / "gone")  # the "remote" is unreachable now
    again = scion(
        "generate", url, "--path", "s/again", "--defaults", "--vcs-ref", "v1.10.0", cwd=tmp_path, home=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "s/again/version.txt").read_text() == "v1.10.0 n\n"


def test_records_go_to_the_database_not_the_project(tmp_path: Path) -> None:
    git_template(tmp_path / "template", versions()[:1])
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out/.scion").exists()
    database = tmp_path / ".local/share/scion/scion.db"
    rows = (
        sqlite3.connect(database).execute("select template_id, template_version, file_path from generations").fetchall()
    )
    assert sorted(Path(row[2]).name for row in rows) == [".copier-answers.yml", "version.txt"]
    assert {row[:2] for row in rows} == {("template", "v1.9.0")}


def test_existing_different_files_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    git_template(tmp_path / "template", versions()[:1])
    (tmp_path / "out").mkdir()
    (tmp_path / "out/version.txt").write_text("mine\n")
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 2
    assert "version.txt" in done.stderr and "--force" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["version.txt"]
    assert recorded(tmp_path) == []  # nothing written, nothing recorded
    forced = scion("generate", "template", "--path", "out", "--defaults", "--force", cwd=tmp_path, home=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "out/version.txt").read_text() == "v1.9.0 n\n"
    assert recorded(tmp_path) == [".copier-answers.yml", "version.txt"]


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_a_destination_that_is_a_file_is_refused_before_any_question(tmp_path: Path, where: str) -> None:
    git_template(tmp_path / "template", versions()[:1])
    (tmp_path / "a-file").write_text("mine\n")
    done = scion("generate", "template", "--path", where, cwd=tmp_path, home=tmp_path)  # no --defaults: it would ask
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith("error:") and "a-file is not a folder" in done.stderr
    assert "Traceback" not in done.stderr and "?" not in done.stdout  # refused before the first question
    assert (tmp_path / "a-file").read_text() == "mine\n"
    assert recorded(tmp_path) == []


def test_a_folder_without_copier_yml_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "not-a-template").mkdir()
    done = scion("generate", "not-a-template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 2
    assert "the folder not-a-template has no copier.yml" in done.stderr and "Traceback" not in done.stderr


def test_files_written_before_a_task_fails_are_recorded(tmp_path: Path) -> None:
    """The record is kept once the files are written, before the tasks: a failing task does not unwrite them."""
    files = {"copier.yml": "_tasks:\n  - exit 3\n", "a.txt": "a\n", **ANSWERS}
    git_template(tmp_path / "template", [("v1.0.0", files)])
    done = scion("generate", "template", "--path", "out", "--defaults", "--trust", cwd=tmp_path, home=tmp_path)
    assert done.returncode != 0 and "exit code 3" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "out/a.txt").read_text() == "a\n"
    assert recorded(tmp_path) == [".copier-answers.yml", "a.txt"]


def recorded(home: Path) -> list[str]:
    """The names of the files the user database records a generation of (none when there is no database)."""
    database = home / ".local/share/scion/scion.db"
    if not database.exists():
        return []
    rows = sqlite3.connect(database).execute("select file_path from generations").fetchall()
    return sorted(Path(path).name for (path,) in rows)


def test_a_missing_required_answer_names_the_question(tmp_path: Path) -> None:
    git_template(tmp_path / "template", [("v1", {"copier.yml": "name:\n  type: str\n", "a.txt": "a"})])
    done = scion("generate", "template", "--path", "out", "--defaults", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 2
    assert "'name' is required" in done.stderr and "Traceback" not in done.stderr


def test_secrets_are_neither_in_the_answers_file_nor_in_the_database(tmp_path: Path) -> None:
    files = {
        "copier.yml": "token:\n  type: str\n  secret: true\n  default: hunter2-default\n",
        "config.txt.jinja": "token={{ token }}\n",
        **ANSWERS,
    }
    git_template(tmp_path / "template", [("v1.0.0", files)])
    done = scion(
        "generate",
        "template",
        "--path",
        "out",
        "--defaults",
        "--answer",
        "token=s3cr3t-value",
        cwd=tmp_path,
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out/config.txt").read_text() == "token=s3cr3t-value\n"
    assert "s3cr3t" not in (tmp_path / "out/.copier-answers.yml").read_text()
    assert "s3cr3t" not in done.stdout + done.stderr
    stored = b"".join(path.read_bytes() for path in (tmp_path / ".local/share/scion").glob("scion.db*"))
    assert b"token=" in stored  # the render is stored (redacted), so the check below looks at real rows
    assert b"s3cr3t" not in stored and b"hunter2" not in stored
