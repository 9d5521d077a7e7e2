"""Planning a batch's upgrades in several processes.

Planning a file (reading, migrating, rendering, merging) is pure Python and
most of a batch's time. Forked workers start with the parent's loaded catalog
and warm caches (copy on write), plan their share, and send each plan back in
order, while the parent plans the first share itself; the parent then writes
them all, as it does for a batch planned in one process.

Forking is used only where it is safe and worth it:
- on Linux (fork is the default start method there; elsewhere forking a
  process that loaded system frameworks can crash);
- when nobody has to be asked (questions need the terminal or the editor);
- when the store, if any, is a file: a worker opens its own connection, since
  a SQLite connection must not be used across a fork;
- for batches large enough to repay starting the workers, and only onto cores
  that are idle now, as a sample of them says (workers.py): a worker sharing a
  busy core makes the batch slower than one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from server.common.cpu_sample import CpuSample
from server.common.errors import ScionError
from server.upgrades.outcome import FileUpgrade
from server.upgrades.service import Upgrader
from server.upgrades.workers import PARALLEL_MIN_FILES, sampled_workers

# Files a worker plans per round trip: large enough to keep pickling cheap, small enough for a smooth progress bar.
CHUNK = 16

# The upgrader and target version of the batch being planned, inherited by the forked workers.
_batch: tuple[Upgrader, str | None] | None = None
_inherited_store: Any = None  # the parent's store, kept alive (and unused) in a worker


def plan_each(
    upgrader: Upgrader, answer_files: list[Path], to_version: str | None, workers: int | CpuSample = 1
) -> Iterator[FileUpgrade]:
    """Each answer file's plan, in order; in `workers` processes when that is safe.

    `workers`: a number of processes, or a CpuSample started when the command
    did, to decide by what the cores do now (workers.py).
    """
    if isinstance(workers, CpuSample):
        yield from _plan_sampled(upgrader, answer_files, to_version, workers)
        return
    if workers <= 1 or not _can_fork(upgrader):
        for answer_file in answer_files:
            yield plan_one(upgrader, answer_file, to_version)
        return
    import multiprocessing

    global _batch
    _batch = (upgrader, to_version)
    processes = min(workers, len(answer_files))
    # The parent is one of the processes: it plans the first share itself while
    # forked workers plan the rest. A plan a worker sends back costs pickling on
    # both sides (about a third of planning it), so a parent that only waited
    # for workers wasted a core and paid that for every file.
    own = len(answer_files) // processes
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes - 1, initializer=_start_worker) as pool:
            from_workers = pool.imap(_plan_in_worker, answer_files[own:], chunksize=CHUNK)
            for answer_file in answer_files[:own]:
                yield plan_one(upgrader, answer_file, to_version)
            for plan in from_workers:
                yield _attached(upgrader, plan)
    finally:
        _batch = None


def _plan_sampled(
    upgrader: Upgrader, answer_files: list[Path], to_version: str | None, sample: CpuSample
) -> Iterator[FileUpgrade]:
    """Plan in this process while the sample is too short to tell, then the rest in as many processes as it says."""
    done = 0
    if len(answer_files) >= PARALLEL_MIN_FILES and _may_fork(upgrader):
        # Planning the first files is work the batch needs anyway, and warms the caches the workers inherit.
        while not sample.long_enough() and len(answer_files) - done > PARALLEL_MIN_FILES:
            yield plan_one(upgrader, answer_files[done], to_version)
            done += 1
        workers = sampled_workers(len(answer_files) - done, sample)
    else:
        workers = 1
    yield from plan_each(upgrader, answer_files[done:], to_version, workers)


def plan_one(upgrader: Upgrader, answer_file: Path, to_version: str | None) -> FileUpgrade:
    """The plan of one answer file; a failure to read or decide is a failed plan, not an exception."""
    try:
        return upgrader.plan(answer_file, to_version)
    except ScionError as error:
        return FileUpgrade.failed(answer_file, str(error))
    except (OSError, UnicodeDecodeError) as error:
        return FileUpgrade.failed(answer_file, f"cannot read: {error}")


def _may_fork(upgrader: Upgrader) -> bool:
    """Whether this batch could be planned in workers: nobody to ask, and a store (if any) a worker can open."""
    store = upgrader.store
    return upgrader.ask is None and (store is None or str(getattr(store, "path", ":memory:")) != ":memory:")


def _can_fork(upgrader: Upgrader) -> bool:
    import multiprocessing  # only for a batch with workers: a one-process batch does without it

    return _may_fork(upgrader) and "fork" in multiprocessing.get_all_start_methods()


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
