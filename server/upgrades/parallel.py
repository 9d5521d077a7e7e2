"""Planning a batch's upgrades in several processes.

Planning a file (reading, migrating, rendering, merging) is pure Python and
most of a batch's time. Forked workers start with the parent's loaded catalog
and warm caches (copy on write), plan their share, and send each plan back in
order; the parent writes them, as it does for a batch planned in one process.

Forking is used only where it is safe and worth it:
- on Linux (fork is the default start method there; elsewhere forking a
  process that loaded system frameworks can crash);
- when nobody has to be asked (questions need the terminal or the editor);
- when the store, if any, is a file: a worker opens its own connection, since
  a SQLite connection must not be used across a fork;
- for batches large enough to repay starting the workers, and only onto cores
  that are idle: a worker sharing a busy core makes the batch slower than one
  process (measured: 0.98 s against 0.60 s with the second core busy).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from server.common.errors import ScionError
from server.upgrades.outcome import FileUpgrade
from server.upgrades.service import Upgrader

# Below this many files one process is as fast: forking and sending results back cost tens of ms.
PARALLEL_MIN_FILES = 200
# A worker needs a core this idle (1 - load average per core) to pay for itself.
IDLE_CORE = 0.75
MAX_WORKERS = 8
# Files a worker plans per round trip: large enough to keep pickling cheap, small enough for a smooth progress bar.
CHUNK = 16

# The upgrader and target version of the batch being planned, inherited by the forked workers.
_batch: tuple[Upgrader, str | None] | None = None
_inherited_store: Any = None  # the parent's store, kept alive (and unused) in a worker


class CoreSampler:
    """How busy the machine is between its creation and `free_cores()` (Linux: /proc/stat), this process aside.

    The one-minute load average lags by a minute; a sample over the batch's own
    start-up (loading templates, finding files: about 0.1 s) says what the
    other cores do now.
    """

    def __init__(self) -> None:
        self._start = _cpu_ticks()
        self._own = time.process_time()
        self._wall = time.monotonic()

    def free_cores(self, cores: int) -> float | None:
        """Cores idle or used by this process over the sample; None when the sample says nothing."""
        end = _cpu_ticks()
        if self._start is None or end is None:
            return None
        idle, total = end[0] - self._start[0], end[1] - self._start[1]
        wall = time.monotonic() - self._wall
        if total < 5 * cores or wall <= 0:
            return None  # too short to tell (the kernel counts in ticks of 10 ms)
        own = min(1.0, (time.process_time() - self._own) / wall)
        return cores * idle / total + own


def _cpu_ticks() -> tuple[int, int] | None:
    """(idle, total) ticks of all cores since boot, from /proc/stat; None elsewhere."""
    try:
        with open("/proc/stat", "rb") as handle:
            fields = handle.readline().split()[1:]
    except OSError:
        return None
    ticks = [int(field) for field in fields[:8]]
    return (ticks[3] + ticks[4], sum(ticks)) if len(ticks) >= 5 else None


def default_workers(files: int, sample: CoreSampler | None = None) -> int:
    """How many processes to plan `files` files with: one per free core for a large batch, else 1.

    `sample`: a CoreSampler started a moment ago; without one (or when it cannot
    tell), the one-minute load average decides.
    """
    if files < PARALLEL_MIN_FILES or not sys.platform.startswith("linux"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    free = sample.free_cores(cores) if sample is not None else None
    if free is None:
        free = _free_by_load_average(cores)
    usable = int(free + (1 - IDLE_CORE))  # a core counts when it is at least IDLE_CORE free
    return min(MAX_WORKERS, usable) if usable >= 2 else 1


def _free_by_load_average(cores: int) -> float:
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1.0
    return max(0.0, cores - load)


def plan_each(
    upgrader: Upgrader, answer_files: list[Path], to_version: str | None, workers: int = 1
) -> Iterator[FileUpgrade]:
    """Each answer file's plan, in order; in `workers` processes when that is safe."""
    if workers <= 1 or not _can_fork(upgrader):
        for answer_file in answer_files:
            yield plan_one(upgrader, answer_file, to_version)
        return
    import multiprocessing

    global _batch
    _batch = (upgrader, to_version)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(answer_files)), initializer=_start_worker) as pool:
            for plan in pool.imap(_plan_in_worker, answer_files, chunksize=CHUNK):
                yield _attached(upgrader, plan)
    finally:
        _batch = None


def plan_one(upgrader: Upgrader, answer_file: Path, to_version: str | None) -> FileUpgrade:
    """The plan of one answer file; a failure to read or decide is a failed plan, not an exception."""
    try:
        return upgrader.plan(answer_file, to_version)
    except ScionError as error:
        return FileUpgrade.failed(answer_file, str(error))
    except (OSError, UnicodeDecodeError) as error:
        return FileUpgrade.failed(answer_file, f"cannot read: {error}")


def _can_fork(upgrader: Upgrader) -> bool:
    import multiprocessing  # only for a batch with workers: a one-process batch does without it

    if upgrader.ask is not None or "fork" not in multiprocessing.get_all_start_methods():
        return False
    store = upgrader.store
    return store is None or str(getattr(store, "path", ":memory:")) != ":memory:"


def _start_worker() -> None:
    """In a fresh worker: its own database connection (the inherited one stays untouched)."""
    global _inherited_store
    assert _batch is not None
    upgrader = _batch[0]
    if upgrader.store is not None:
        from server.store import Store

        # Closing the inherited connection here would release the parent's
        # SQLite locks, so it is kept referenced and never used.
        _inherited_store = upgrader.store
        upgrader.store = Store(_inherited_store.path)


def _plan_in_worker(answer_file: Path) -> FileUpgrade:
    assert _batch is not None
    upgrader, to_version = _batch
    return plan_one(upgrader, answer_file, to_version)


def _attached(upgrader: Upgrader, plan: FileUpgrade) -> FileUpgrade:
    """The templates of a worker's plan are copies: the same plan with the catalog's own objects."""
    if not plan.generations:
        return plan
    generations = []
    for generation in plan.generations:
        template = generation.template
        try:
            generations.append(replace(generation, template=upgrader.catalog.get(template.id, template.version)))
        except ScionError:
            generations.append(generation)  # the copy is as good, for a template that is no longer there
    return replace(plan, generations=tuple(generations))
