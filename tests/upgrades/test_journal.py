"""Batch writes go in place behind a rollback journal: nothing is lost however a batch ends."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from server.upgrades import writes
from server.upgrades.writes import JOURNAL_FOLDER, ROLLBACK_SUFFIX, ChangedMeanwhile, Journal, StagedWrites, recover


def _journals(root: Path) -> list[Path]:
    return sorted((root / JOURNAL_FOLDER).glob("*.journal")) if (root / JOURNAL_FOLDER).exists() else []


def test_writes_keep_the_inode_and_mode_and_new_files_get_the_usual_mode(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("old text, longer than the new one")
    script.chmod(0o755)
    inode = script.stat().st_ino
    staged = StagedWrites(tmp_path)
    staged.write(script, "new", "g")
    staged.write(tmp_path / "deep/new.txt", "fresh", "g")
    assert staged.commit() == {}

    umask = os.umask(0)
    os.umask(umask)
    assert script.read_text() == "new" and script.stat().st_ino == inode
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "deep/new.txt").stat().st_mode) == 0o666 & ~umask
    assert _journals(tmp_path) == []


def test_a_group_with_a_failed_write_is_put_back_and_the_others_are_written(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "blocker").write_text("a file, not a folder")
    staged = StagedWrites(tmp_path)
    staged.write(tmp_path / "a.txt", "A", "one")
    staged.delete(tmp_path / "b.txt", "one")
    staged.write(tmp_path / "blocker/c.txt", "C", "one")
    staged.write(tmp_path / "d.txt", "D", "two")
    failed = staged.commit()

    assert set(failed) == {"one"} and isinstance(failed["one"], OSError)
    assert (tmp_path / "a.txt").read_text() == "a" and (tmp_path / "b.txt").read_text() == "b"
    assert (tmp_path / "d.txt").read_text() == "D"
    assert _journals(tmp_path) == []


def test_a_file_changed_after_the_upgrade_read_it_fails_its_group_untouched(tmp_path):
    (tmp_path / "a.txt").write_text("what the upgrade read")
    (tmp_path / "answers.yml").write_text("old answers")
    staged = StagedWrites(tmp_path)
    staged.write(tmp_path / "a.txt", "upgraded", "one", expected="what the upgrade read")
    staged.write(tmp_path / "answers.yml", "new answers", "one", expected="old answers")
    staged.write(tmp_path / "new.txt", "created", "two", expected=None)
    (tmp_path / "a.txt").write_text("saved by the editor meanwhile")
    (tmp_path / "new.txt").write_text("made by someone else")
    failed = staged.commit()

    assert set(failed) == {"one", "two"} and all(isinstance(error, ChangedMeanwhile) for error in failed.values())
    assert (tmp_path / "a.txt").read_text() == "saved by the editor meanwhile"
    assert (tmp_path / "answers.yml").read_text() == "old answers"
    assert (tmp_path / "new.txt").read_text() == "made by someone else"


def test_nothing_to_change_writes_no_journal(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("same")
    monkeypatch.setattr(Journal, "begin", lambda *args: pytest.fail("no journal needed"))
    staged = StagedWrites(tmp_path)
    staged.write(tmp_path / "a.txt", "same", "g")
    assert staged.commit() == {}


# A batch that dies after writing its first group: the journal is all that is left.
_DIES_MIDWAY = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from server.upgrades import writes

    root = Path(sys.argv[1])
    real = writes._apply
    calls = []

    def apply(group_writes):
        if calls:
            os._exit(9)  # killed between two groups: no cleanup runs
        calls.append(1)
        return real(group_writes)

    writes._apply = apply
    staged = writes.StagedWrites(root)
    staged.write(root / "a.txt", "A upgraded", "one")
    staged.write(root / "made.txt", "created by the batch", "one")
    staged.delete(root / "gone.txt", "one")
    staged.write(root / "b.txt", "B upgraded", "two")
    staged.commit()
    """
)


def _batch_killed_midway(root: Path) -> None:
    for name in ("a.txt", "b.txt", "gone.txt"):
        (root / name).write_text(f"{name} as the user had it\n")
    done = subprocess.run([sys.executable, "-c", _DIES_MIDWAY, str(root)], cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 9
    assert (root / "a.txt").read_text() == "A upgraded" and not (root / "gone.txt").exists()
    assert len(_journals(root)) == 1


def test_recover_puts_back_every_file_of_a_killed_batch(tmp_path):
    _batch_killed_midway(tmp_path)

    restored = recover(tmp_path)

    assert sorted(path.name for path in restored) == ["a.txt", "gone.txt", "made.txt"]
    for name in ("a.txt", "b.txt", "gone.txt"):
        assert (tmp_path / name).read_text() == f"{name} as the user had it\n"
    assert not (tmp_path / "made.txt").exists()
    assert _journals(tmp_path) == [] and recover(tmp_path) == []


def test_recover_keeps_what_the_user_wrote_after_the_crash_beside_the_file(tmp_path):
    _batch_killed_midway(tmp_path)
    (tmp_path / "a.txt").write_text("typed after the crash\n")

    recover(tmp_path)

    assert (tmp_path / "a.txt").read_text() == "a.txt as the user had it\n"
    assert (tmp_path / f"a.txt{ROLLBACK_SUFFIX}").read_text() == "typed after the crash\n"


def test_recover_leaves_a_live_batch_alone(tmp_path):
    (tmp_path / "a.txt").write_text("before")
    write = writes._Write(tmp_path / "a.txt", b"after", original=b"before")
    journal = Journal.begin(tmp_path, [write])
    (tmp_path / "a.txt").write_text("after")
    try:
        assert recover(tmp_path) == []
        assert (tmp_path / "a.txt").read_text() == "after" and journal.path.exists()
    finally:
        journal.finish()


def test_an_unfinished_journal_is_dropped_without_touching_files(tmp_path):
    (tmp_path / "a.txt").write_text("as it is")
    folder = tmp_path / JOURNAL_FOLDER
    folder.mkdir(parents=True)
    # Killed while writing the journal: no file had been changed yet.
    (folder / "upgrade-1-dead.journal").write_bytes(
        writes._MAGIC + b'{"path": "' + str(tmp_path / "a.txt").encode() + b'", "size": 40, "written": null}\nshort'
    )

    assert recover(tmp_path) == []
    assert (tmp_path / "a.txt").read_text() == "as it is" and _journals(tmp_path) == []


def test_an_interrupt_while_writing_puts_every_file_back_at_once(tmp_path, monkeypatch):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{name} before")
    real = writes._write_in_place
    done = []

    def write_then_interrupt(path, data, *, new=False):
        done.append(path)
        if len(done) == 2:  # Ctrl-C before the second file; putting back writes normally
            raise KeyboardInterrupt
        real(path, data, new=new)

    monkeypatch.setattr(writes, "_write_in_place", write_then_interrupt)
    staged = StagedWrites(tmp_path)
    staged.write(tmp_path / "a.txt", "A", "one")
    staged.write(tmp_path / "b.txt", "B", "two")
    with pytest.raises(KeyboardInterrupt):
        staged.commit()

    monkeypatch.setattr(writes, "_write_in_place", real)
    assert [(tmp_path / name).read_text() for name in ("a.txt", "b.txt")] == ["a.txt before", "b.txt before"]
    assert _journals(tmp_path) == []
