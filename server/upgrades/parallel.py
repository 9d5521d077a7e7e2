"""Preparing a batch's upgrades in several processes.

Preparing a file (reading, migrating, rendering, merging) is pure Python and
most of a batch's time: one core prepares about 1,500 files a second. Forked
workers start with the parent's loaded catalog and warm caches (copy on
write), prepare their share, and send each FileUpgrade back in order; the
parent stages and writes, as it does for a batch prepared in one process.

Forking is used only where it is safe and worth it:
- on Linux (fork is the default start method there; elsewhere forking a
  process that loaded system frameworks can crash);
- when nobody has to be asked (questions need the terminal or the editor);
- when the store, if any, is a file: a worker opens its own connection, since
  a SQLite connection must not be used across a fork;
- for batches large enough to repay starting the workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from server.errors import ScionError
from server.upgrades.outcome import FileUpgrade
from server.upgrades.records import primary_file
from server.upgrades.service import Upgrader

# Below this many files one process is as fast: forking and sending results back cost ~30 ms.
PARALLEL_MIN_FILES = 200
MAX_WORKERS = 8
# Files a worker prepares per round trip: large enough to keep pickling cheap, small enough for a smooth progress bar.
CHUNK = 16

# The upgrader and target version of the batch being prepared, inherited by the forked workers.
_batch: tuple[Upgrader, str | None] | None = None
_inherited_store = None  # the parent's store, kept alive (and unused) in a worker


def default_workers(files: int) -> int:
    """How many processes to prepare `files` files with: one per core for a large batch, else 1."""
    if files < PARALLEL_MIN_FILES or not sys.platform.startswith("linux"):
        return 1
    return max(
        1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )


def prepare_all(
    upgrader: Upgrader, answer_files: list[Path], to_version: str | None, workers: int = 1
) -> Iterator[FileUpgrade]:
    """Each answer file's prepared upgrade, in order; in `workers` processes when that is safe."""
    if workers <= 1 or not _can_fork(upgrader):
        for answer_file in answer_files:
            yield prepare_one(upgrader, answer_file, to_version)
        return
    global _batch
    _batch = (upgrader, to_version)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(answer_files)), initializer=_start_worker) as pool:
            for upgrade in pool.imap(_prepare_in_worker, answer_files, chunksize=CHUNK):
                yield _attached(upgrader, upgrade)
    finally:
        _batch = None


def prepare_one(upgrader: Upgrader, answer_file: Path, to_version: str | None) -> FileUpgrade:
    """The upgrade of one answer file; a failure to read or decide is a failed FileUpgrade, not an exception."""
    try:
        return upgrader.prepare(answer_file, to_version, resolved=True, answer_text=True)
    except ScionError as error:
        return FileUpgrade(answer_file, primary_file(answer_file), "failed", str(error))
    except (OSError, UnicodeDecodeError) as error:
        return FileUpgrade(answer_file, primary_file(answer_file), "failed", f"cannot read: {error}")


def _can_fork(upgrader: Upgrader) -> bool:
    if upgrader.ask is not None or "fork" not in multiprocessing.get_all_start_methods():
        return False
    store = upgrader.store
    return store is None or str(getattr(store, "path", ":memory:")) != ":memory:"


def _start_worker() -> None:
    """In a fresh worker: its own database connection (the inherited one stays untouched)."""
    global _inherited_store
    upgrader = _batch[0]
    if upgrader.store is not None:
        from server.store import Store

        # Closing the inherited connection here would release the parent's
        # SQLite locks, so it is kept referenced and never used.
        _inherited_store = upgrader.store
        upgrader.store = Store(_inherited_store.path)


def _prepare_in_worker(answer_file: Path) -> FileUpgrade:
    upgrader, to_version = _batch
    return prepare_one(upgrader, answer_file, to_version)


def _attached(upgrader: Upgrader, upgrade: FileUpgrade) -> FileUpgrade:
    """The templates of a worker's result are copies: use the catalog's own objects again."""
    for generation in upgrade.generations:
        template = generation.template
        try:
            generation.template = upgrader.catalog.get(template.id, template.version)
        except ScionError:
            pass  # the copy is as good, for a template that is no longer there
    return upgrade
