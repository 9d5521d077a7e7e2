"""A cloned repository is untrusted input: what its journals, answer files, templates and
symlinks say must never make Scion write, delete or read outside the workspace."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from server.common.errors import PathEscapeError, ScionError
from server.common.fsutil import sha256_text
from server.templates.answerfile import read_answer_file
from server.upgrades import writes
from server.upgrades.batch import upgrade_many
from server.upgrades.writes import JOURNAL_FOLDER, REJECTED_SUFFIX, recover
from tests.conftest import scion_process
from tests.upgrades.trees import Workspace, template_files


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_text("the user's own file\n")
    return folder


# -- rollback journals ---------------------------------------------------------------


def _journal(entries: list[tuple[str, bytes | None]], mac: str | None = None) -> bytes:
    body = writes._MAGIC
    for path, original in entries:
        entry = {"path": path, "size": None if original is None else len(original), "written": None}
        body += json.dumps(entry).encode() + b"\n" + (original or b"")
    return body + writes._END_PREFIX + (mac or writes._mac(body)).encode() + b'"}\n'


def _plant(root: Path, data: bytes) -> Path:
    folder = root / JOURNAL_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "upgrade-1-cafe.journal"
    path.write_bytes(data)
    return path


def test_a_journal_this_user_did_not_sign_is_never_applied(ws, outside):
    planted = _plant(
        ws.root, _journal([(str(outside / "pwned.sh"), b"echo pwned\n"), ("src/app.py", b"replaced\n")], mac="0" * 64)
    )

    assert recover(ws.root) == []

    assert not (outside / "pwned.sh").exists() and "def main" in ws.read("src/app.py")
    assert not planted.exists() and planted.with_name(planted.name + REJECTED_SUFFIX).exists()


def test_a_signed_journal_is_still_confined_to_the_workspace(ws, outside):
    _plant(
        ws.root,
        _journal([("../outside/victim.txt", None), ("/etc/hostname.scion", b"x"), ("src/app.py", b"put back\n")]),
    )

    restored = recover(ws.root)

    assert restored == [ws.root / "src/app.py"] and ws.read("src/app.py") == "put back\n"
    assert (outside / "victim.txt").read_text() == "the user's own file\n"


def test_a_dry_run_in_a_cloned_repository_applies_no_foreign_journal(ws, outside):
    _plant(
        ws.root,
        _journal(
            [(str(outside / "pwned.sh"), b"echo pwned\n"), (str(outside / "victim.txt"), b"overwritten")], mac="f" * 64
        ),
    )

    done = scion_process("upgrade", "--all", "--dry-run", "--defaults", "--workspace", str(ws.root), cwd=ws.root)

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert (outside / "victim.txt").read_text() == "the user's own file\n"


def test_journals_are_kept_out_of_version_control(ws):
    upgrade_many(ws.upgrader(), [ws.root / "src/app.py.template-answers.yml"])

    assert "journal/" in (ws.root / ".scion" / ".gitignore").read_text()


def test_a_linked_journal_folder_is_not_used(ws, outside):
    (ws.root / ".scion" / "journal").symlink_to(outside, target_is_directory=True)
    (outside / "upgrade-1-cafe.journal").write_bytes(_journal([("src/app.py", b"replaced\n")]))

    assert recover(ws.root) == [] and "def main" in ws.read("src/app.py")


# -- answer files --------------------------------------------------------------------


def _add_key(ws: Workspace, key: str, sha: str) -> None:
    answers = ws.root / "src/app.py.template-answers.yml"
    text = answers.read_text()
    marker = "    files:\n"
    assert marker in text, text
    answers.write_text(text.replace(marker, f"{marker}      {json.dumps(key)}: {sha}\n", 1))


@pytest.mark.parametrize("spelling", ["relative", "absolute"])
def test_answer_file_keys_outside_the_workspace_are_refused(ws, outside, spelling):
    victim = outside / "victim.txt"
    key = os.path.relpath(victim, ws.root / "src") if spelling == "relative" else str(victim)
    # The sha matches, so an upgrade that drops the key would delete the file.
    _add_key(ws, key, hashlib.sha256(victim.read_bytes()).hexdigest())

    with pytest.raises(PathEscapeError, match="outside the workspace"):
        ws.upgrader().upgrade(ws.root / "src/app.py")
    [batch] = upgrade_many(ws.upgrader(), [ws.root / "src/app.py"]).files

    assert batch.status == "failed" and "outside the workspace" in batch.message
    assert victim.read_text() == "the user's own file\n"


def test_check_and_dry_run_never_print_outside_files(ws, outside):
    _add_key(ws, os.path.relpath(outside / "victim.txt", ws.root / "src"), sha256_text("the user's own file\n"))

    done = scion_process("upgrade", "--all", "--dry-run", "--defaults", "--workspace", str(ws.root), cwd=ws.root)

    assert "the user's own file" not in done.stdout + done.stderr
    assert "outside the workspace" in done.stdout + done.stderr
    assert (outside / "victim.txt").exists()


MULTI = "title: Module and test\nmode: file\nquestions:\n  name:\n    type: str\n    default: app\n"
MULTI_V1 = template_files(
    "demo/pair",
    "1.0.0",
    MULTI,
    {
        "src/{{ name }}.py.jinja": "def run():\n    return 1\n",
        "tests/test_{{ name }}.py.jinja": "def test():\n    assert True\n",
    },
)
MULTI_V2 = template_files(
    "demo/pair",
    "2.0.0",
    MULTI,
    {
        "src/{{ name }}.py.jinja": "def run():\n    return 2\n",
        "tests/test_{{ name }}.py.jinja": "def test():\n    assert 2\n",
    },
)


def _moved_pair(tmp_path: Path) -> Workspace:
    """demo/pair generated at 1.0.0 into src/ and tests/, the workspace then moved elsewhere (a teammate's clone)."""
    first = Workspace(tmp_path / "first")
    first.add(MULTI_V1)
    first.generate("demo/pair", "1.0.0", "app.py")
    shutil.move(first.root, tmp_path / "moved")
    moved = Workspace(tmp_path / "moved")
    moved.add(MULTI_V2)
    return moved


def test_answer_files_name_every_file_relative_to_themselves(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.add(MULTI_V1)
    ws.generate("demo/pair", "1.0.0", "app.py")

    [record] = read_answer_file(ws.root / "src/app.py.template-answers.yml")
    assert set(record.files) == {"app.py", "../tests/test_app.py"}


def test_a_moved_workspace_upgrades_as_it_did_in_place(tmp_path):
    ws = _moved_pair(tmp_path)

    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded" and upgrade.conflicts == 0
    assert ws.read("src/app.py").endswith("return 2\n") and ws.read("tests/test_app.py").endswith("assert 2\n")


def test_absolute_keys_of_older_answer_files_are_read_and_rewritten_relative(tmp_path):
    ws = _moved_pair(tmp_path)
    answers = ws.root / "src/app.py.template-answers.yml"
    old_place = str(tmp_path / "first" / "tests" / "test_app.py")
    answers.write_text(
        answers.read_text()
        .replace('"../tests/test_app.py"', json.dumps(old_place))
        .replace("../tests/test_app.py", old_place)
    )
    assert old_place in answers.read_text()

    upgrade = ws.upgrader().upgrade(ws.root / "src/app.py")

    assert upgrade.status == "upgraded" and upgrade.conflicts == 0
    assert ws.read("tests/test_app.py").endswith("assert 2\n")
    assert old_place not in answers.read_text() and "../tests/test_app.py" in answers.read_text()


# -- templates and generation --------------------------------------------------------


def test_a_symlinked_template_source_is_refused(tmp_path, outside):
    ws = Workspace(tmp_path / "ws")
    ws.add(template_files("demo/leak", "1.0.0", "title: Leak\nmode: file\n", {"main.py.jinja": "x = 1\n"}))
    os.symlink(outside / "victim.txt", ws.root / ".scion/templates/demo/leak/1.0.0/files/leak.txt.jinja")

    with pytest.raises(ScionError, match="leak.txt.jinja is a symlink"):
        ws.generate("demo/leak", "1.0.0", "main.py")
    assert not (ws.root / "leak.txt").exists()


def test_an_include_through_a_symlink_is_refused(tmp_path, outside):
    ws = Workspace(tmp_path / "ws")
    ws.add(
        template_files(
            "demo/inc", "1.0.0", "title: Include\nmode: file\n", {"main.py.jinja": "{% include 'parts/secret' %}\n"}
        )
    )
    os.symlink(outside, ws.root / ".scion/templates/demo/inc/1.0.0/files/parts")

    with pytest.raises(ScionError, match="parts is a symlink"):
        ws.generate("demo/inc", "1.0.0", "main.py")


def test_cli_insert_through_a_symlink_out_of_the_workspace_is_refused(tmp_path, outside):
    ws = Workspace(tmp_path / "ws")
    os.symlink(outside, ws.root / "vendored")
    (outside / "module.py").write_text("x = 1\n")

    done = scion_process(
        "generate",
        "python/function",
        "--path",
        "vendored/module.py",
        "--defaults",
        "--workspace",
        str(ws.root),
        cwd=ws.root,
    )

    assert done.returncode == 2 and "outside the workspace" in done.stderr and "Traceback" not in done.stderr
    assert (outside / "module.py").read_text() == "x = 1\n" and sorted(p.name for p in outside.iterdir()) == [
        "module.py",
        "victim.txt",
    ]


def test_journals_are_added_to_a_gitignore_the_user_already_has(ws):
    ignore = ws.root / ".scion" / ".gitignore"
    ignore.write_text("# ours\nlocal.txt")  # no newline at the end
    upgrade_many(ws.upgrader(), [ws.root / "src/app.py.template-answers.yml"])  # makes the journal folder
    writes._journal_folder(ws.root)  # the next batch's: adds nothing more
    assert ignore.read_text() == "# ours\nlocal.txt\njournal/\n"


def test_a_linked_gitignore_is_left_alone(ws, outside):
    (outside / "gitignore").write_text("theirs\n")
    (ws.root / ".scion" / ".gitignore").symlink_to(outside / "gitignore")
    upgrade_many(ws.upgrader(), [ws.root / "src/app.py.template-answers.yml"])
    assert (outside / "gitignore").read_text() == "theirs\n"
