"""A generation is one unit: code, answer file and record all written, or none (issue 13, item 9)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from server.cli import main
from server.templates.answerfile import read_answer_file
from tests.conftest import scion_process
from tests.safety.helpers import count, damage_table


def generate(workspace: Path, rel: str, *extra: str) -> subprocess.CompletedProcess:
    return scion_process(
        "generate",
        "python/dataclass",
        "--path",
        rel,
        "--defaults",
        "--workspace",
        str(workspace),
        *extra,
        cwd=workspace,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and all(word in lines[0] for word in words), lines[0]


def test_a_damaged_database_leaves_no_code_and_no_answer_file(workspace):
    assert generate(workspace, "src/first.py").returncode == 0
    first_answers = (workspace / "src/first.py.template-answers.yml").read_text()
    damage_table(workspace / ".scion" / "scion.db", "generations")

    result = generate(workspace, "src/second/item.py")

    assert_one_line_error(result, "not generated", "nothing was changed", "scion.db")
    assert not (workspace / "src/second").exists()  # the file, its answer file and the folder made for them
    assert (workspace / "src/first.py.template-answers.yml").read_text() == first_answers


def test_a_damaged_database_leaves_an_insert_target_as_it_was(workspace):
    assert generate(workspace, "src/first.py").returncode == 0
    target = workspace / "src" / "models.py"
    target.write_text("import os\n\n")
    damage_table(workspace / ".scion" / "scion.db", "generations")

    result = scion_process(
        "generate",
        "python/dataclass",
        "--path",
        str(target),
        "--version",
        "1.0.0",
        "--defaults",
        "--line",
        "2",
        "-a",
        "class_name=Point",
        "--workspace",
        str(workspace),
        cwd=workspace,
    )

    assert_one_line_error(result, "not generated")
    assert target.read_text() == "import os\n\n"


def test_an_unwritable_answer_file_undoes_the_code_and_the_record(workspace):
    assert generate(workspace, "src/first.py").returncode == 0
    before = (
        count(workspace / ".scion/scion.db", "generations"),
        count(workspace / ".scion/scion.db", "task_executions"),
    )
    # Running as root, permissions stop nothing: a folder where the answer file must go does.
    (workspace / "src/new/item.py.template-answers.yml").mkdir(parents=True)

    result = generate(workspace, "src/new/item.py")

    assert_one_line_error(result, "not generated", "template-answers.yml")
    assert not (workspace / "src/new/item.py").exists()
    db = workspace / ".scion/scion.db"
    assert (count(db, "generations"), count(db, "task_executions")) == before


@pytest.fixture
def failing_commit(monkeypatch):
    """The store's COMMIT fails (a full disk): everything before it was written and must be undone."""
    from contextlib import contextmanager

    from server.store.core import StoreCore

    real_unit = StoreCore.unit

    @contextmanager
    def unit_failing_at_commit(self):
        with real_unit(self):
            yield
            raise OSError(28, "No space left on device")

    def arm():
        monkeypatch.setattr(StoreCore, "unit", unit_failing_at_commit)

    return arm


def test_a_failing_commit_takes_out_only_this_record_and_puts_the_file_back(workspace, failing_commit, capsys):
    target = workspace / "src" / "item.py"
    assert (
        main(["generate", "python/dataclass", "--path", str(target), "--defaults", "--workspace", str(workspace)]) == 0
    )
    answer_file = workspace / "src" / "item.py.template-answers.yml"
    [kept] = read_answer_file(answer_file)
    target.write_text("# edited\n" + target.read_text())
    before = target.read_text()
    capsys.readouterr()
    failing_commit()

    code = main(
        ["generate", "python/dataclass", "--path", str(target), "--defaults", "--force", "--workspace", str(workspace)]
    )

    assert code == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and err.count("\n") == 1 and err.startswith("error: ")
    assert [r.generation_id for r in read_answer_file(answer_file)] == [kept.generation_id]
    assert target.read_text() == before  # --force overwrote it, and the undo put the old text back
    assert count(workspace / ".scion/scion.db", "generations") == 1


def test_a_failing_commit_removes_new_files(workspace, failing_commit, capsys):
    failing_commit()
    target = workspace / "src" / "deep" / "item.py"
    code = main(["generate", "python/dataclass", "--path", str(target), "--defaults", "--workspace", str(workspace)])

    assert code == 2 and "No space left on device" in capsys.readouterr().err
    assert not (workspace / "src").exists()
    assert count(workspace / ".scion/scion.db", "generations") == 0
    assert count(workspace / ".scion/scion.db", "task_executions") == 0
