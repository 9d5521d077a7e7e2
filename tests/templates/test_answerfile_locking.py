"""Answer-file updates are serialised across processes and threads: no record is ever lost."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from server.common.filelock import LockTimeout, exclusive
from server.templates.answerfile import (
    AnswerRecord,
    lock_file_for,
    read_answer_file,
    remove_answer_record,
    write_answer_record,
)

PROCESSES, THREADS, RECORDS = 4, 3, 5  # 4 processes x 15 records, 3 threads each


def _append(path: str, worker: str) -> None:
    for index in range(RECORDS):
        record = AnswerRecord("python/dataclass", "1.0.0", generation_id=f"{worker}-{index}", answers={"n": index})
        write_answer_record(path, record)


def _process(path: str, process: int) -> None:
    threads = [threading.Thread(target=_append, args=(path, f"p{process}t{t}")) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_processes_and_threads_appending_to_one_answer_file_lose_nothing(tmp_path: Path):
    (tmp_path / ".scion").mkdir()
    path = tmp_path / "models.py.template-answers.yml"
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    processes = [context.Process(target=_process, args=(str(path), p)) for p in range(PROCESSES)]
    for process in processes:
        process.start()
    _process(str(path), PROCESSES)  # this process's threads write at the same time
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    ids = [record.generation_id for record in read_answer_file(path)]
    expected = {f"p{p}t{t}-{i}" for p in range(PROCESSES + 1) for t in range(THREADS) for i in range(RECORDS)}
    assert len(ids) == len(expected) and set(ids) == expected


def test_the_lock_lives_in_the_workspace_locks_folder_not_beside_the_file(tmp_path: Path):
    (tmp_path / ".scion").mkdir()
    answer_file = tmp_path / "src" / "a.py.template-answers.yml"
    lock = lock_file_for(answer_file)
    assert lock.parent == tmp_path / ".scion" / "locks"
    assert (lock.parent / ".gitignore").read_text().strip().endswith("*")
    # Every writer derives the same lock from the path alone, however it names the file.
    assert lock_file_for(tmp_path / "src" / ".." / "src" / "a.py.template-answers.yml") == lock


def test_without_a_scion_folder_the_lock_is_a_hidden_file_beside_it(tmp_path: Path):
    answer_file = tmp_path / "a.py.template-answers.yml"
    assert lock_file_for(answer_file) == tmp_path.resolve() / ".a.py.template-answers.yml.lock"


def test_a_symlinked_scion_folder_is_not_followed(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / ".scion").symlink_to(outside)
    lock = lock_file_for(workspace / "a.py.template-answers.yml")
    assert outside not in lock.parents and not (outside / "locks").exists()


def test_a_held_lock_times_out_with_a_message(tmp_path: Path):
    lock = tmp_path / "x.lock"
    held = threading.Event()
    release = threading.Event()

    def hold():
        with exclusive(lock):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(LockTimeout, match="another"), exclusive(lock, timeout=0.1):
            pass
    finally:
        release.set()
        thread.join()


def test_removing_a_record_keeps_the_others_and_drops_an_emptied_file(tmp_path: Path):
    path = tmp_path / "a.py.template-answers.yml"
    write_answer_record(path, AnswerRecord("t", "1.0.0", generation_id="one", answers={}))
    write_answer_record(path, AnswerRecord("t", "1.0.0", generation_id="two", answers={}))
    assert remove_answer_record(path, "one") is True
    assert [r.generation_id for r in read_answer_file(path)] == ["two"]
    assert remove_answer_record(path, "missing") is False
    assert remove_answer_record(path, "two") is True and not path.exists()
