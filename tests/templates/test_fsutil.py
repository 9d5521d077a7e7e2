import os

from server.common.fsutil import atomic_write


def test_creates_parent_folders(tmp_path):
    target = tmp_path / "a" / "b" / "c.txt"
    atomic_write(target, "hello\n")
    assert target.read_text() == "hello\n"


def test_keeps_newlines_exactly(tmp_path):
    target = tmp_path / "crlf.txt"
    atomic_write(target, "one\r\ntwo\rthree\n")
    assert target.read_bytes() == b"one\r\ntwo\rthree\n"


def test_replaces_and_keeps_mode_without_leftovers(tmp_path):
    target = tmp_path / "run.sh"
    target.write_text("old")
    os.chmod(target, 0o755)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["run.sh"]


def test_encoding(tmp_path):
    target = tmp_path / "latin.txt"
    atomic_write(target, "café", encoding="latin-1")
    assert target.read_bytes() == "café".encode("latin-1")
